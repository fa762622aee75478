"""Agents and authorisations over GraphQL (issue 11; seed 000 §三, seed 004 §四): a verified
resident applies, the unit approves and grants a service, a partner checks the permission,
the unit revokes and the very next check refuses; every refusal is a typed error."""

from __future__ import annotations

import asyncio

from tests.agents.flows import (
    CAN_HANDLE,
    DECIDE,
    GRANT,
    LOOKUP,
    MY_AGENTS,
    MY_AUTHORIZATIONS,
    REMOVE,
    REVOKE,
    SERVICE,
    UPDATE,
    apply,
    approved_agent,
    partner_token,
    run,
    world,
)
from tests.graphql.accounts_helpers import latest_sms, login
from tests.verification.flows import XINGQIAO, resident


async def test_seed_000_flow_apply_approve_grant_check_revoke(gql, hooks, container, client):
    w = await world(gql, hooks, container)

    looked = await gql(LOOKUP, {"uscc": XINGQIAO["code"]})
    assert looked["data"]["enterpriseLookup"] == {
        "uscc": XINGQIAO["code"],
        "maskedName": "北京********公司",
        "status": "ACTIVE",
        "verificationStatus": "VERIFIED",
    }

    applied = await apply(gql, w)
    assert applied["__typename"] == "Agent"
    assert (applied["status"], applied["origin"], applied["note"]) == (
        "PENDING",
        "APPLICATION",
        "人事专员",
    )
    assert applied["validUntil"] is None and applied["decisionDueAt"] is not None

    pending = await gql(MY_AGENTS, {"first": 10}, token=w.unit_token)
    node = pending["data"]["myAgents"]["edges"][0]["node"]
    assert node["person"]["name"] == "李娜"
    assert node["person"]["idNumber"] == "3201**********0048"
    assert node["person"]["phone"] == "138****0001"

    decided = await run(
        gql,
        DECIDE,
        {
            "applicationId": applied["id"],
            "approve": True,
            "role": "AGENT",
            "validUntil": "2027-11-23T00:00:00+00:00",
        },
        w.unit_token,
    )
    assert decided["status"] == "ACTIVE"
    assert decided["validUntil"].startswith("2027-11-23")
    assert "已同意您的经办人申请" in await latest_sms(container, "13812340001")

    granted = await run(
        gql, GRANT, {"agentId": decided["id"], "serviceCodes": [SERVICE]}, w.unit_token
    )
    assert [s["service"]["code"] for s in granted["services"]] == [SERVICE]
    grant_id = granted["services"][0]["grantId"]

    mine = await gql(MY_AUTHORIZATIONS, token=w.person_token)
    authorisation = mine["data"]["myAuthorizations"]["edges"][0]["node"]
    assert authorisation["enterprise"]["name"] == XINGQIAO["unitName"]
    assert authorisation["enterprise"]["legalRepresentative"] == "张*"
    assert authorisation["enterprise"]["verificationStatus"] == "VERIFIED"
    assert [s["service"]["name"] for s in authorisation["services"]] == ["外国人来华工作许可"]

    partner = await partner_token(client, w)
    check = {"code": SERVICE, "uscc": XINGQIAO["code"], "personId": w.person_id}
    allowed = (await gql(CAN_HANDLE, check, token=partner))["data"]["canHandleService"]
    assert (allowed["allowed"], allowed["code"], allowed["agentRole"]) == (True, "ALLOWED", "AGENT")

    own = await gql(CAN_HANDLE, {"code": SERVICE, "enterpriseId": w.unit_id}, token=w.person_token)
    assert own["data"]["canHandleService"]["allowed"] is True

    revoked = await run(gql, REVOKE, {"grantId": grant_id}, w.unit_token)
    assert revoked["__typename"] == "GrantRevoked"
    refused = (await gql(CAN_HANDLE, check, token=partner, language="en"))["data"]
    assert refused["canHandleService"]["code"] == "NO_PERMISSION_FOR_SERVICE"
    assert refused["canHandleService"]["message"] == "You have no permission to handle this service"
    zh = (await gql(CAN_HANDLE, check, token=partner))["data"]["canHandleService"]
    assert zh["message"] == "您无权办理该事项"

    removed = await run(gql, REMOVE, {"agentId": decided["id"]}, w.unit_token)
    assert removed["status"] == "REVOKED"
    gone = (await gql(CAN_HANDLE, check, token=partner))["data"]["canHandleService"]
    assert gone["code"] == "AGENT_BINDING_REVOKED"


async def test_rejection_keeps_the_reason_and_tells_the_applicant(gql, hooks, container):
    w = await world(gql, hooks, container)
    applied = await apply(gql, w)
    missing = await run(
        gql, DECIDE, {"applicationId": applied["id"], "approve": False}, w.unit_token
    )
    assert missing["__typename"] == "ValidationErrors"
    assert missing["errors"][0] == {
        "code": "AGENT_REASON_REQUIRED",
        "field": "reason",
        "message": "驳回时请填写原因",
    }
    rejected = await run(
        gql,
        DECIDE,
        {"applicationId": applied["id"], "approve": False, "reason": "非本单位员工"},
        w.unit_token,
    )
    assert (rejected["status"], rejected["reason"]) == ("REJECTED", "非本单位员工")
    assert "非本单位员工" in await latest_sms(container, "13812340001")
    again = await apply(gql, w)  # a rejected applicant may apply again
    assert again["status"] == "PENDING"


async def test_bad_applications_get_typed_errors(gql, hooks, container):
    w = await world(gql, hooks, container)
    unknown = await run(
        gql,
        mutation_apply(),
        {"uscc": "91320102MA1N8X3Q5W", "enterpriseName": "南京云栖软件有限公司"},
        w.person_token,
        language="en",
    )
    assert unknown["errors"][0]["code"] == "ENTERPRISE_NOT_FOUND"
    assert unknown["errors"][0]["field"] == "uscc"
    wrong_name = await run(
        gql,
        mutation_apply(),
        {"uscc": XINGQIAO["code"], "enterpriseName": "别的公司"},
        w.person_token,
    )
    assert wrong_name["errors"][0]["code"] == "ENTERPRISE_NOT_FOUND"

    await apply(gql, w)
    twice = await apply(gql, w, language="en")
    assert twice["errors"][0]["code"] == "AGENT_ALREADY_BOUND"
    assert twice["message"] == "Some fields are invalid"

    unverified = await resident(
        gql, hooks, container, {**_ZHOU}, phone="13812340002", loginName="zhouqiang"
    )
    refused = await run(
        gql,
        mutation_apply(),
        {"uscc": XINGQIAO["code"], "enterpriseName": XINGQIAO["unitName"]},
        unverified,
    )
    assert (refused["__typename"], refused["code"]) == (
        "OperationRefused",
        "AGENT_PERSON_NOT_VERIFIED",
    )

    by_unit = await run(
        gql,
        mutation_apply(),
        {"uscc": XINGQIAO["code"], "enterpriseName": XINGQIAO["unitName"]},
        w.unit_token,
    )
    assert (by_unit["__typename"], by_unit["code"]) == (
        "NotAuthorizedError",
        "AGENT_APPLICANT_NOT_PERSON",
    )


async def test_only_managers_manage_and_nobody_decides_their_own_case(gql, hooks, container):
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    # A plain agent sees no agents and manages nothing.
    listing = await gql(MY_AGENTS, {"first": 5, "enterpriseId": w.unit_id}, token=w.person_token)
    assert listing["errors"][0]["extensions"]["code"] == "AGENT_NOT_MANAGER"
    attempt = await run(
        gql, REMOVE, {"agentId": agent_id, "enterpriseId": w.unit_id}, w.person_token
    )
    assert (attempt["__typename"], attempt["code"]) == ("NotAuthorizedError", "AGENT_NOT_MANAGER")

    # Promoted to admin agent, she manages, but cannot decide her own (new) application.
    await run(gql, UPDATE, {"agentId": agent_id, "role": "ADMIN"}, w.unit_token)
    listed = await gql(MY_AGENTS, {"first": 5, "enterpriseId": w.unit_id}, token=w.person_token)
    assert [e["node"]["role"] for e in listed["data"]["myAgents"]["edges"]] == ["ADMIN"]
    main = await run(
        gql,
        UPDATE,
        {"agentId": agent_id, "role": "MAIN", "enterpriseId": w.unit_id},
        w.person_token,
    )
    assert (main["__typename"], main["code"]) == ("NotAuthorizedError", "AGENT_MAIN_PROTECTED")
    await run(gql, REMOVE, {"agentId": agent_id}, w.unit_token)
    applied = await apply(gql, w)
    # Her admin binding is gone with the removal, so she is no manager at all now.
    own = await run(
        gql,
        DECIDE,
        {
            "applicationId": applied["id"],
            "approve": True,
            "validUntil": "2027-01-01T00:00:00Z",
            "enterpriseId": w.unit_id,
        },
        w.person_token,
    )
    assert own["__typename"] == "NotAuthorizedError"


async def test_validity_windows_are_checked(gql, hooks, container):
    w = await world(gql, hooks, container)
    applied = await apply(gql, w)
    cases = {
        "AGENT_VALIDITY_PAST": {"validUntil": "2026-01-01T00:00:00Z"},
        "AGENT_VALIDITY_REVERSED": {
            "validFrom": "2027-06-01T00:00:00Z",
            "validUntil": "2027-01-01T00:00:00Z",
        },
        "AGENT_VALIDITY_TOO_LONG": {"validUntil": "2040-01-01T00:00:00Z"},
        "REQUIRED": {},
    }
    for code, window in cases.items():
        result = await run(
            gql,
            DECIDE,
            {"applicationId": applied["id"], "approve": True, **window},
            w.unit_token,
            language="en",
        )
        assert result["errors"][0]["code"] == code, result
        assert result["errors"][0]["field"] == "validUntil"
    still = await gql(MY_AGENTS, {"first": 5}, token=w.unit_token)
    assert still["data"]["myAgents"]["edges"][0]["node"]["status"] == "PENDING"


async def test_grants_refuse_unknown_services_and_ended_bindings(gql, hooks, container):
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    unknown = await run(
        gql, GRANT, {"agentId": agent_id, "serviceCodes": ["999999999999"]}, w.unit_token
    )
    assert unknown["errors"][0] == {
        "code": "SERVICE_NOT_FOUND",
        "field": "serviceCodes",
        "message": "事项不存在",
    }
    empty = await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": []}, w.unit_token)
    assert empty["errors"][0]["code"] == "REQUIRED"
    twice = await run(
        gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE, SERVICE]}, w.unit_token
    )
    assert len(twice["services"]) == 1
    await run(gql, REMOVE, {"agentId": agent_id}, w.unit_token)
    ended = await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    assert ended["errors"][0]["code"] == "GRANT_BINDING_NOT_ACTIVE"


async def test_two_managers_deciding_at_once_make_one_decision(gql, hooks, container):
    w = await world(gql, hooks, container)
    applied = await apply(gql, w)
    approve = {
        "applicationId": applied["id"],
        "approve": True,
        "validUntil": "2027-01-01T00:00:00Z",
    }
    reject = {"applicationId": applied["id"], "approve": False, "reason": "重复"}
    results = await asyncio.gather(
        run(gql, DECIDE, approve, w.unit_token), run(gql, DECIDE, reject, w.unit_token)
    )
    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["Agent", "ValidationErrors"], results
    audit = await container.audit.recent(action=None)
    decisions = [e for e in audit if e.action in ("agent.approved", "agent.rejected")]
    assert len(decisions) == 1


async def test_expiry_is_enforced_at_read_time_and_by_the_sweep(
    gql, hooks, container, client, clock
):
    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w, until="2026-12-01T00:00:00Z")
    await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    partner = await partner_token(client, w)
    check = {"code": SERVICE, "enterpriseId": w.unit_id, "personId": w.person_id}
    assert (await gql(CAN_HANDLE, check, token=partner))["data"]["canHandleService"]["allowed"]
    clock.advance(days=9)  # past the validity, before any sweep
    partner = await partner_token(client, w)
    late = (await gql(CAN_HANDLE, check, token=partner))["data"]["canHandleService"]
    assert late["code"] == "AGENT_BINDING_EXPIRED"
    assert await container.agents.bindings.expire_due() == 1
    unit_token = (await login(gql, "ENTERPRISE", "XingqiaoTech"))["accessToken"]
    listing = await gql(MY_AGENTS, {"first": 5, "status": ["EXPIRED"]}, token=unit_token)
    node = listing["data"]["myAgents"]["edges"][0]["node"]
    assert (node["status"], node["services"]) == ("EXPIRED", [])


async def test_partners_ask_only_about_their_own_services(gql, hooks, container, client):
    from tests.oauth.helpers import backend_client

    w = await world(gql, hooks, container)
    other = await backend_client(container, name="别的系统")
    assert other.secret is not None
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(other.client.client_id, other.secret),
    )
    token = response.json()["access_token"]
    check = {"code": SERVICE, "enterpriseId": w.unit_id, "personId": w.person_id}
    body = await gql(CAN_HANDLE, check, token=token)
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_NOT_PROVIDED_BY_CLIENT"
    anonymous = await gql(CAN_HANDLE, check)
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    both = await gql(CAN_HANDLE, {**check, "uscc": XINGQIAO["code"]}, token=w.person_token)
    assert both["errors"][0]["extensions"]["code"] == "ENTERPRISE_ID_OR_USCC"


async def test_unverified_units_and_strangers_are_refused_by_the_check(gql, hooks, container):
    w = await world(gql, hooks, container)
    check = {"code": SERVICE, "enterpriseId": w.unit_id}
    stranger = (await gql(CAN_HANDLE, check, token=w.person_token))["data"]["canHandleService"]
    assert (stranger["allowed"], stranger["code"]) == (False, "NOT_AN_AGENT")
    assert stranger["nextStep"] == "请申请成为该单位的经办人"
    missing = await gql(CAN_HANDLE, {**check, "code": "123456"}, token=w.person_token)
    assert missing["data"]["canHandleService"]["code"] == "SERVICE_NOT_FOUND"


def mutation_apply() -> str:
    from tests.agents.flows import APPLY

    return APPLY


_ZHOU = {
    "realName": "周强",
    "regionType": "MAINLAND",
    "idType": "RESIDENT_ID_CARD",
    "idNumber": "110108197906150093",
    "idValidFrom": "2019-11-20",
    "idValidUntil": "2039-11-20",
}


async def test_federated_entities_show_agents_only_to_who_may_see_them(gql, hooks, container):
    w = await world(gql, hooks, container)
    await approved_agent(gql, w)
    query = """
    query E($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on Enterprise { name agents(first: 10) { edges { node { person { name } } } } }
      ... on NaturalPerson { agentBindings { edges { node { enterprise { name } } } } }
    } }
    """
    reps = {
        "reps": [
            {"__typename": "Enterprise", "uscc": XINGQIAO["code"]},
            {"__typename": "NaturalPerson", "id": w.person_id},
        ]
    }
    as_unit = (await gql(query, reps, token=w.unit_token))["data"]["_entities"]
    assert as_unit[0]["agents"]["edges"][0]["node"]["person"]["name"] == "李娜"
    assert as_unit[1]["agentBindings"] is None
    as_person = (await gql(query, reps, token=w.person_token))["data"]["_entities"]
    assert as_person[0]["agents"] is None  # a plain agent is no manager
    assert (
        as_person[1]["agentBindings"]["edges"][0]["node"]["enterprise"]["name"]
        == (XINGQIAO["unitName"])
    )
    anonymous = (await gql(query, reps))["data"]["_entities"]
    assert anonymous[0]["agents"] is None and anonymous[1]["agentBindings"] is None


async def test_a_pairwise_partner_asks_with_the_sub_it_knows(gql, hooks, container, client):
    import uuid

    from identity_graph.core.audit import AuditContext
    from tests.oauth.helpers import backend_client

    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    pairwise = await backend_client(
        container, name="成对标识系统", subject_type="pairwise", sector_identifier="gov.example"
    )
    await container.catalogue.register(
        pairwise.client.client_id, "PW-0001", "成对事项", AuditContext()
    )
    await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": ["PW-0001"]}, w.unit_token)
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(pairwise.client.client_id, pairwise.secret),
    )
    token = response.json()["access_token"]
    sub = container.subjects.for_client(pairwise.client, uuid.UUID(w.person_id))
    assert sub != w.person_id
    check = {"code": "PW-0001", "uscc": XINGQIAO["code"], "personId": sub}
    allowed = (await gql(CAN_HANDLE, check, token=token))["data"]["canHandleService"]
    assert allowed["code"] == "ALLOWED"
    # The public id means nothing to a pairwise partner, and a stranger's sub finds nobody.
    raw = (await gql(CAN_HANDLE, {**check, "personId": w.person_id}, token=token))["data"]
    assert raw["canHandleService"]["code"] == "NOT_AN_AGENT"
    missing = await gql(CAN_HANDLE, {**check, "personId": None}, token=token)
    assert missing["errors"][0]["extensions"]["field"] == "personId"
