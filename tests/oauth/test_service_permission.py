"""``POST /agents/service-permission`` (oauth/service_permission.py): a partner back-end's
plain-HTTP ``canHandleService``, answering as the GraphQL field does (same codes, same
messages in zh-CN and en), with RFC 6750 refusals for missing or dead tokens."""

from __future__ import annotations

import json
from typing import Any

import httpx

from identity_graph.accounts.enums import AccountStatus, VerificationStatus
from identity_graph.accounts.models import Account
from tests.agents.flows import (
    CAN_HANDLE,
    DECIDE,
    GRANT,
    REMOVE,
    REVOKE,
    SERVICE,
    World,
    apply,
    approved_agent,
    partner_token,
    run,
    world,
)
from tests.oauth.helpers import backend_client, basic
from tests.verification.flows import XINGQIAO

PATH = "/agents/service-permission"


async def ask(
    client: httpx.AsyncClient,
    token: str | None,
    body: dict[str, Any],
    *,
    form: bool = False,
    language: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if language:
        headers["Accept-Language"] = language
    if form:
        return await client.post(PATH, data=body, headers=headers)
    return await client.post(PATH, json=body, headers=headers)


def by_uscc(w: World, **extra: Any) -> dict[str, Any]:
    return {"serviceCode": SERVICE, "uscc": XINGQIAO["code"], "personId": w.person_id, **extra}


async def graphql_code(gql: Any, token: str, body: dict[str, Any]) -> str:
    variables = {
        "code": body["serviceCode"],
        "uscc": body.get("uscc"),
        "enterpriseId": body.get("enterpriseId"),
        "personId": body["personId"],
    }
    answer = await gql(CAN_HANDLE, variables, token=token)
    return str(answer["data"]["canHandleService"]["code"])


async def test_allowed_by_form_and_json_as_the_graphql_field_answers(gql, hooks, container, client):
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    token = await partner_token(client, w)

    for form in (True, False):
        response = await ask(client, token, by_uscc(w), form=form)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["allowed"] is True
        assert (body["code"], body["message"]) == ("ALLOWED", "可以办理该事项")
        assert (body["nextStep"], body["agentRole"]) == ("NEXT_NONE", "AGENT")
        assert (body["enterpriseId"], body["serviceCode"]) == (w.unit_id, SERVICE)
        assert body["validUntil"].startswith("2027-12-31")
        assert body["grantExpiresAt"] is None

    by_id = {"serviceCode": SERVICE, "enterpriseId": w.unit_id, "personId": w.person_id}
    assert (await ask(client, token, by_id)).json()["code"] == "ALLOWED"
    field = (await gql(CAN_HANDLE, {"code": SERVICE, **by_id}, token=token))["data"]
    assert field["canHandleService"]["agentRole"] == "AGENT"


async def test_every_refusal_code_in_both_languages(gql, hooks, container, client):
    w = await world(gql, hooks, container)
    token = await partner_token(client, w)

    async def refused(body: dict[str, Any], code: str) -> None:
        zh = await ask(client, token, body)
        en = await ask(client, token, body, language="en")
        assert zh.status_code == en.status_code == 200, zh.text
        assert (zh.json()["code"], en.json()["code"]) == (code, code)
        assert zh.json()["allowed"] is False
        assert zh.json()["message"] == container.translate(code, "zh-CN")
        assert en.json()["message"] == container.translate(code, "en")
        assert en.json()["nextStepMessage"] == container.translate(zh.json()["nextStep"], "en")
        assert await graphql_code(gql, token, body) == code  # the field answers alike

    await refused(by_uscc(w), "NOT_AN_AGENT")
    await refused(by_uscc(w, uscc="91110108MA01C2XE3K"), "ENTERPRISE_NOT_FOUND")
    unknown = {**by_uscc(w), "serviceCode": "999999999999"}
    assert (await ask(client, token, unknown)).json()["code"] == "SERVICE_NOT_FOUND"
    applied = await apply(gql, w)
    await refused(by_uscc(w), "AGENT_BINDING_PENDING")
    decided = await run(
        gql,
        DECIDE,
        {"applicationId": applied["id"], "approve": True, "validUntil": "2027-12-31T00:00:00Z"},
        w.unit_token,
    )
    await refused(by_uscc(w), "NO_PERMISSION_FOR_SERVICE")
    granted = await run(
        gql, GRANT, {"agentId": decided["id"], "serviceCodes": [SERVICE]}, w.unit_token
    )
    assert (await ask(client, token, by_uscc(w))).json()["code"] == "ALLOWED"

    await Account.filter(id=w.person_id).update(verification_status=VerificationStatus.FAILED)
    await refused(by_uscc(w), "AGENT_PERSON_NOT_VERIFIED")
    await Account.filter(id=w.person_id).update(verification_status=VerificationStatus.VERIFIED)
    await Account.filter(id=w.unit_id).update(verification_status=VerificationStatus.UNVERIFIED)
    await refused(by_uscc(w), "ENTERPRISE_NOT_VERIFIED")
    await Account.filter(id=w.unit_id).update(
        verification_status=VerificationStatus.VERIFIED, status=AccountStatus.LOCKED
    )
    await refused(by_uscc(w), "ENTERPRISE_NOT_ACTIVE")
    await Account.filter(id=w.unit_id).update(status=AccountStatus.ACTIVE)

    grant_id = granted["services"][0]["grantId"]
    await run(gql, REVOKE, {"grantId": grant_id}, w.unit_token)
    await refused(by_uscc(w), "NO_PERMISSION_FOR_SERVICE")
    await run(gql, REMOVE, {"agentId": decided["id"]}, w.unit_token)
    await refused(by_uscc(w), "AGENT_BINDING_REVOKED")


async def test_an_expired_binding_is_refused(gql, hooks, container, client, clock):
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w, until="2026-12-01T00:00:00Z")
    await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    assert (await ask(client, await partner_token(client, w), by_uscc(w))).json()["allowed"]
    clock.advance(days=9)
    late = await ask(client, await partner_token(client, w), by_uscc(w))
    assert late.json()["code"] == "AGENT_BINDING_EXPIRED"


async def test_a_partner_asks_only_about_services_it_provides(gql, hooks, container, client):
    w = await world(gql, hooks, container)
    other = await backend_client(container, name="别的系统")
    assert other.secret is not None
    issued = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(other.client.client_id, other.secret),
    )
    response = await ask(client, issued.json()["access_token"], by_uscc(w), language="en")
    assert response.status_code == 403
    assert response.json() == {
        "code": "SERVICE_NOT_PROVIDED_BY_CLIENT",
        "message": "A partner may only ask about services it provides",
    }


async def test_bad_input_names_every_field_by_its_label(gql, hooks, container, client):
    w = await world(gql, hooks, container)
    token = await partner_token(client, w)

    empty = await ask(client, token, {})
    assert empty.status_code == 400
    body = empty.json()
    assert body["code"] == "VALIDATION_FAILED"
    errors = {e["field"]: e for e in body["errors"]}
    assert set(errors) == {"serviceCode", "enterpriseId", "personId"}
    assert errors["serviceCode"]["message"] == "事项编码：此项为必填项"
    assert errors["enterpriseId"]["code"] == "ENTERPRISE_ID_OR_USCC"
    assert errors["personId"]["label"] == "经办人标识"

    both = {**by_uscc(w), "enterpriseId": w.unit_id, "serviceCode": "bad code!"}
    en = (await ask(client, token, both, form=True, language="en")).json()
    errors = {e["field"]: e for e in en["errors"]}
    assert errors["serviceCode"]["code"] == "SERVICE_CODE_INVALID"
    assert errors["serviceCode"]["message"].startswith("service code: ")
    assert errors["enterpriseId"]["code"] == "ENTERPRISE_ID_OR_USCC"

    odd = {"serviceCode": 12, "enterpriseId": "not-a-uuid", "personId": ["x"]}
    errors = {e["field"]: e["code"] for e in (await ask(client, token, odd)).json()["errors"]}
    assert errors == {
        "serviceCode": "INVALID_FORMAT",
        "enterpriseId": "INVALID_FORMAT",
        "personId": "INVALID_FORMAT",
    }
    long = by_uscc(w, personId="x" * 129)
    assert (await ask(client, token, long)).json()["errors"][0]["code"] == "TOO_LONG"

    headers = {"Authorization": f"Bearer {token}"}
    for content, kind in ((b"[1, 2]", "application/json"), (b"{", "application/json")):
        response = await client.post(
            PATH, content=content, headers={**headers, "content-type": kind}
        )
        assert response.status_code == 400
        assert response.json()["code"] == "BODY_NOT_A_FORM_OR_JSON_OBJECT"
    plain = await client.post(PATH, content=json.dumps(by_uscc(w)), headers=headers)
    assert plain.status_code == 400


async def test_missing_dead_and_foreign_tokens_get_401_with_a_challenge(
    gql, hooks, container, client, clock
):
    w = await world(gql, hooks, container)
    missing = await ask(client, None, by_uscc(w))
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["code"] == "NOT_AUTHENTICATED"

    token = await partner_token(client, w)
    for dead in ("not.a.jwt", token[:-4] + "AAAA", w.person_token):
        refused = await ask(client, dead, by_uscc(w), language="en")
        assert refused.status_code == 401, dead
        assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        assert refused.json()["code"] == "PARTNER_TOKEN_INVALID"

    revoked = await client.post(
        "/oauth/revoke", data={"token": token}, headers=basic(w.client_id, w.client_secret)
    )
    assert revoked.status_code == 200
    assert (await ask(client, token, by_uscc(w))).status_code == 401

    fresh = await partner_token(client, w)
    assert (await ask(client, fresh, by_uscc(w))).status_code == 200
    clock.advance(seconds=3601)  # past any access-token lifetime
    expired = await ask(client, fresh, by_uscc(w))
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"] == 'Bearer error="invalid_token"'
