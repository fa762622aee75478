"""Acting for a unit (issue 11; seed 004 §一 企业经办人账号登录, §四 经办人中心): agent login with
the unit, the agent's phone and ID number and an agent password; switching a resident's
session into a unit and back; removal takes effect at the next use of a token."""

from __future__ import annotations

from typing import Any

from tests.agents.flows import (
    LI_NA,
    MY_AGENTS,
    REMOVE,
    approved_agent,
    run,
    world,
)
from tests.graphql.accounts_helpers import LOGIN, PASSWORD, login
from tests.graphql.helpers import solved_captcha
from tests.verification.flows import XINGQIAO

AGENT_PASSWORD = "Agent#Pass2026"

SET_PASSWORD = """
mutation P($input: SetAgentPasswordInput!) {
  setAgentPassword(input: $input) {
    __typename
    ... on Agent { id hasAgentPassword }
    ... on ValidationErrors { code errors { field code message } }
    ... on UserError { code message }
  }
}
"""
ACTING_AS = "{ actingAs { id role status enterprise { id name uscc } } }"
SWITCH = """
mutation S($id: ID) {
  switchEnterprise(enterpriseId: $id) {
    __typename
    ... on EnterpriseSwitched { agent { id enterprise { name } } }
    ... on ValidationErrors { errors { field code } }
    ... on UserError { code message }
  }
}
"""


def agent_login(identifier: str, password: str = AGENT_PASSWORD, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "kind": "AGENT",
            "identifier": identifier,
            "password": password,
            "agentPhone": "13812340001",
            "agentIdNumber": LI_NA["idNumber"],
            **extra,
        }
    }


async def _agent_with_password(gql: Any, hooks: Any, container: Any, **until: str) -> Any:
    w = await world(gql, hooks, container)
    await approved_agent(gql, w, **until)
    body = await gql(
        SET_PASSWORD,
        {
            "input": {
                "enterpriseId": w.unit_id,
                "accountPassword": PASSWORD,
                "newPassword": AGENT_PASSWORD,
            }
        },
        token=w.person_token,
    )
    assert body["data"]["setAgentPassword"]["hasAgentPassword"] is True, body
    return w


async def test_agent_login_by_credit_code_or_account_name(gql, hooks, container):
    w = await _agent_with_password(gql, hooks, container)
    for identifier in (XINGQIAO["code"], "XingqiaoTech"):
        body = await gql(LOGIN, agent_login(identifier))
        tokens = body["data"]["login"]
        assert tokens["__typename"] == "SessionTokens", body
        assert tokens["account"]["id"] == w.person_id  # the person logs in ...
        acting = (await gql(ACTING_AS, token=tokens["accessToken"]))["data"]["actingAs"]
        assert acting["enterprise"]["uscc"] == XINGQIAO["code"]  # ... acting for the unit
        assert acting["role"] == "AGENT"
        # A plain agent sees the unit but manages no agents (seed 004 经办人中心).
        refused = await gql(MY_AGENTS, {"first": 5}, token=tokens["accessToken"])
        assert refused["errors"][0]["extensions"]["code"] == "AGENT_NOT_MANAGER"


async def test_agent_password_rules(gql, hooks, container):
    w = await world(gql, hooks, container)
    await approved_agent(gql, w)
    wrong = await gql(
        SET_PASSWORD,
        {
            "input": {
                "enterpriseId": w.unit_id,
                "accountPassword": "nope",
                "newPassword": AGENT_PASSWORD,
            }
        },
        token=w.person_token,
    )
    assert wrong["data"]["setAgentPassword"]["errors"][0]["field"] == "accountPassword"
    weak = await gql(
        SET_PASSWORD,
        {"input": {"enterpriseId": w.unit_id, "accountPassword": PASSWORD, "newPassword": "short"}},
        token=w.person_token,
        language="en",
    )
    assert weak["data"]["setAgentPassword"]["errors"][0]["field"] == "newPassword"
    stranger = await gql(
        SET_PASSWORD,
        {
            "input": {
                "enterpriseId": w.person_id,
                "accountPassword": PASSWORD,
                "newPassword": AGENT_PASSWORD,
            }
        },
        token=w.person_token,
    )
    assert stranger["data"]["setAgentPassword"]["errors"][0]["code"] == "AGENT_NOT_FOUND"


async def test_wrong_agent_password_counts_like_any_login(gql, hooks, container):
    await _agent_with_password(gql, hooks, container)
    first = (await gql(LOGIN, agent_login(XINGQIAO["code"], "Wrong#Pass2026")))["data"]["login"]
    assert (first["code"], first["remainingAttempts"]) == ("INVALID_CREDENTIALS", 4)
    again = (await gql(LOGIN, agent_login(XINGQIAO["code"])))["data"]["login"]
    assert again["code"] == "CAPTCHA_REQUIRED"
    captcha_id, answer = await solved_captcha(gql, hooks)
    solved = await gql(
        LOGIN, agent_login(XINGQIAO["code"], captchaId=captcha_id, captchaAnswer=answer)
    )
    assert solved["data"]["login"]["__typename"] == "SessionTokens"
    # Someone else's phone with the right password finds nobody: same answer as a typo.
    stranger = await gql(
        LOGIN, agent_login(XINGQIAO["code"], agentPhone="13812349999"), language="en"
    )
    assert stranger["data"]["login"]["code"] in ("INVALID_CREDENTIALS", "CAPTCHA_REQUIRED")


async def test_missing_agent_fields_are_named(gql, hooks, container):
    body = await gql(LOGIN, agent_login(XINGQIAO["code"], agentPhone="", agentIdNumber=" "))
    errors = body["data"]["login"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("agentPhone", "REQUIRED"),
        ("agentIdNumber", "REQUIRED"),
    }


async def test_expired_binding_with_the_right_password_is_told(gql, hooks, container, clock):
    await _agent_with_password(gql, hooks, container, until="2026-12-01T00:00:00Z")
    clock.advance(days=10)
    body = await gql(LOGIN, agent_login(XINGQIAO["code"]), language="en")
    refused = body["data"]["login"]
    assert refused["code"] == "AGENT_LOGIN_NOT_EFFECTIVE"
    assert "contact the unit" in refused["message"]


async def test_removal_ends_acting_at_the_next_request(gql, hooks, container):
    w = await _agent_with_password(gql, hooks, container)
    token = (await gql(LOGIN, agent_login(XINGQIAO["code"])))["data"]["login"]["accessToken"]
    assert (await gql(ACTING_AS, token=token))["data"]["actingAs"] is not None
    agent_id = (await gql(ACTING_AS, token=token))["data"]["actingAs"]["id"]
    await run(gql, REMOVE, {"agentId": agent_id}, w.unit_token)
    assert (await gql(ACTING_AS, token=token))["data"]["actingAs"] is None


async def test_a_resident_switches_into_the_unit_and_back(gql, hooks, container):
    w = await world(gql, hooks, container)
    await approved_agent(gql, w)
    token = (await login(gql, "NATURAL_PERSON", "lina2026"))["accessToken"]
    assert (await gql(ACTING_AS, token=token))["data"]["actingAs"] is None
    switched = (await gql(SWITCH, {"id": w.unit_id}, token=token))["data"]["switchEnterprise"]
    assert switched["agent"]["enterprise"]["name"] == XINGQIAO["unitName"]
    acting = (await gql(ACTING_AS, token=token))["data"]["actingAs"]
    assert acting["enterprise"]["id"] == w.unit_id
    back = (await gql(SWITCH, {"id": None}, token=token))["data"]["switchEnterprise"]
    assert back == {"__typename": "EnterpriseSwitched", "agent": None}
    assert (await gql(ACTING_AS, token=token))["data"]["actingAs"] is None
    elsewhere = await gql(SWITCH, {"id": w.person_id}, token=token, language="en")
    assert elsewhere["data"]["switchEnterprise"]["errors"] == [
        {"field": "enterpriseId", "code": "SWITCH_NOT_AN_AGENT"}
    ]
