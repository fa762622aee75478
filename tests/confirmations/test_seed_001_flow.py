"""One person, one matter, one verification (issue 13; seed 001): a partner opens a filing
for two persons; both see their to-dos, pass a face check, review and confirm; the partner
receives signed webhooks (verified against the JWKS) and the request turns COMPLETE only
after the second confirmation; a decline turns another filing DECLINED."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.agents.flows import LI_NA, partner_token
from tests.confirmations.flows import (
    CONFIRM,
    CREATE,
    DECLINE,
    MY_TODOS,
    OPEN,
    PARTNER_VIEW,
    filing,
    partner,
    persons_with_accounts,
)
from tests.verification.face_check_flows import passed_check
from tests.web.live import bound_socket, serving, url_of


async def test_two_persons_confirm_and_the_filing_completes(client, gql, hooks, container):
    received: list[tuple[bytes, str]] = []

    async def hook(request: Request) -> Response:
        received.append((await request.body(), request.headers["x-idg-webhook-signature"]))
        return Response(status_code=204)

    sock = bound_socket()
    partner_site = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    zhang, li = await persons_with_accounts(gql, hooks, container)
    w = await partner(container)
    token = await partner_token(client, w)
    async with serving([(partner_site, sock)]):
        created = await gql(
            CREATE, {"input": filing(webhookUrl=f"{url_of(sock)}/hook")}, token=token
        )
        request = created["data"]["createTransactionConfirmation"]
        assert request["__typename"] == "TransactionConfirmation", created
        assert request["state"] == "OPEN"
        assert [p["name"] for p in request["persons"]] == ["张*", "李*"]

        for person in (zhang, li):
            todos = (await gql(MY_TODOS, token=person))["data"]["myTransactionConfirmations"]
            assert len(todos) == 1 and todos[0]["summary"] is None  # only after a face check
            item = todos[0]["id"]
            seen_face = await passed_check(
                client, gql, "CONFIRMATION_ACCESS", token=person, boundTo=item
            )
            opened = await gql(OPEN, {"item": item, "face": seen_face}, token=person)
            assert opened["data"]["openTransactionItem"]["summary"].startswith("设立登记")
            sign_face = await passed_check(
                client, gql, "CONFIRMATION_SIGN", token=person, boundTo=item
            )
            confirmed = await gql(CONFIRM, {"item": item, "face": sign_face}, token=person)
            result = confirmed["data"]["confirmTransaction"]
            assert result["state"] == "CONFIRMED", confirmed
            view = await gql(PARTNER_VIEW, {"id": request["id"]}, token=token)
            state = view["data"]["transactionConfirmation"]["state"]
            assert state == ("COMPLETE" if person is li else "OPEN")

        await container.job_worker().run_once()  # deliver the queued webhooks
        await asyncio.sleep(0)

    assert len(received) >= 3
    body, signature = received[-1]
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    claims = jwt.decode(signature, keys).claims
    assert claims["aud"] == w.client_id
    assert claims["body_sha256"] == hashlib.sha256(body).hexdigest()
    import orjson

    final: dict[str, Any] = orjson.loads(body)
    assert final["state"] == "complete"
    evidence = jwt.decode(final["items"][0]["evidence"], keys).claims
    assert evidence["request"] == request["id"]
    assert evidence["person"]["name"] == "张伟"
    assert len(evidence["face_sessions"]) == 2


async def test_one_decline_declines_the_filing(client, gql, hooks, container):
    _zhang, li = await persons_with_accounts(gql, hooks, container)
    w = await partner(container)
    token = await partner_token(client, w)
    created = await gql(CREATE, {"input": filing(reference="REG-2026-0002")}, token=token)
    request = created["data"]["createTransactionConfirmation"]
    todo = (await gql(MY_TODOS, token=li))["data"]["myTransactionConfirmations"][0]
    premature = await gql(
        DECLINE, {"item": todo["id"], "reason": "不同意"}, token=li, language="en"
    )
    assert premature["data"]["declineTransaction"]["errors"][0]["code"] == "CONFIRMATION_NEEDS_FACE"
    face = await passed_check(client, gql, "CONFIRMATION_ACCESS", token=li, boundTo=todo["id"])
    await gql(OPEN, {"item": todo["id"], "face": face}, token=li)
    declined = await gql(DECLINE, {"item": todo["id"], "reason": "未参与该公司设立"}, token=li)
    assert declined["data"]["declineTransaction"]["state"] == "DECLINED"
    view = await gql(PARTNER_VIEW, {"id": request["id"]}, token=token)
    partner_view = view["data"]["transactionConfirmation"]
    assert partner_view["state"] == "DECLINED"
    assert partner_view["persons"][1]["declineReason"] == "未参与该公司设立"


async def test_nobody_acts_on_anothers_item_and_partners_see_only_their_own(
    client, gql, hooks, container
):
    from tests.oauth.helpers import backend_client

    zhang, li = await persons_with_accounts(gql, hooks, container)
    w = await partner(container)
    token = await partner_token(client, w)
    created = await gql(CREATE, {"input": filing()}, token=token)
    request_id = created["data"]["createTransactionConfirmation"]["id"]
    li_item = (await gql(MY_TODOS, token=li))["data"]["myTransactionConfirmations"][0]["id"]
    face = await passed_check(client, gql, "CONFIRMATION_ACCESS", token=zhang, boundTo=li_item)
    stolen = await gql(OPEN, {"item": li_item, "face": face}, token=zhang)
    assert stolen["data"]["openTransactionItem"]["code"] == "CONFIRMATION_NOT_YOURS"

    other = await backend_client(container, name="别的系统")
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(other.client.client_id, other.secret),
    )
    foreign = await gql(PARTNER_VIEW, {"id": request_id}, token=response.json()["access_token"])
    assert foreign["errors"][0]["extensions"]["code"] == "CONFIRMATION_NOT_FOUND"
    resident = await gql(PARTNER_VIEW, {"id": request_id}, token=zhang)
    assert resident["errors"][0]["extensions"]["code"] == "PARTNER_TOKEN_REQUIRED"

    duplicate = await gql(CREATE, {"input": filing()}, token=token)
    assert duplicate["data"]["createTransactionConfirmation"]["errors"][0]["code"] == (
        "CONFIRMATION_REFERENCE_TAKEN"
    )
    bad = await gql(
        CREATE,
        {
            "input": filing(
                reference="REG-X",
                persons=[{**LI_PERSON, "idNumber": "320102199007210049"}, LI_PERSON, LI_PERSON],
            )
        },
        token=token,
        language="en",
    )
    errors = {
        (e["field"], e["code"]) for e in bad["data"]["createTransactionConfirmation"]["errors"]
    }
    assert ("persons.0.idNumber", "ID_NUMBER_CHECKSUM") in errors or any(
        field == "persons.0.idNumber" for field, _ in errors
    )
    assert ("persons.2.idNumber", "CONFIRMATION_PERSON_TWICE") in errors
    empty = await gql(CREATE, {"input": filing(reference="REG-Y", persons=[])}, token=token)
    assert empty["data"]["createTransactionConfirmation"]["errors"][0]["field"] == "persons"


LI_PERSON = {
    "name": LI_NA["realName"],
    "idType": "RESIDENT_ID_CARD",
    "idNumber": LI_NA["idNumber"],
    "role": "股东",
}
