"""``addAgent`` (seed 004 我的经办人 添加): the operator's face check first, then a registered
resident named by name, ID number and phone becomes the unit's agent at once, optionally
with an initial agent password; a refused addition spends nothing."""

from __future__ import annotations

from tests.agents.flows import LI_NA, mutation, world
from tests.verification.face_check_flows import passed_check

ADD = mutation("addAgent", "AddAgentInput")


def newcomer(face: str, **overrides: str) -> dict[str, str]:
    values = {
        "faceCheckId": face,
        "name": LI_NA["realName"],
        "idType": "RESIDENT_ID_CARD",
        "idNumber": LI_NA["idNumber"],
        "phone": "13812340001",
        "role": "ADMIN",
        "validUntil": "2027-06-30T00:00:00+08:00",
        "agentPassword": "Agent#Pass2026",
    }
    values.update(overrides)
    return values


async def test_the_unit_adds_an_agent_after_its_face_check(client, gql, hooks, container):
    w = await world(gql, hooks, container)
    face = await passed_check(client, gql, "AGENT_ADMIN", token=w.unit_token)

    mismatch = await gql(ADD, {"input": newcomer(face, phone="13812349999")}, token=w.unit_token)
    refused = mismatch["data"]["addAgent"]
    assert refused["errors"][0] == {
        "field": "idNumber",
        "code": "AGENT_PERSON_NOT_FOUND",
        "message": refused["errors"][0]["message"],
    }

    added = (await gql(ADD, {"input": newcomer(face)}, token=w.unit_token))["data"]["addAgent"]
    assert (added["status"], added["origin"], added["role"]) == ("ACTIVE", "ADDED", "ADMIN")
    assert added["hasAgentPassword"] is True and added["person"]["name"] == "李娜"

    again = (await gql(ADD, {"input": newcomer(face)}, token=w.unit_token))["data"]["addAgent"]
    assert again["code"] in ("FACE_CHECK_USED", "AGENT_ALREADY_BOUND")


async def test_no_face_check_no_agent(client, gql, hooks, container):
    w = await world(gql, hooks, container)
    missing = await gql(
        ADD,
        {"input": newcomer("6f1c1b1e-0000-4000-8000-000000000000")},
        token=w.unit_token,
        language="en",
    )
    assert missing["data"]["addAgent"]["code"] == "FACE_CHECK_REQUIRED"
    # The resident's own face check does not prove the unit's operator.
    own = await passed_check(client, gql, "AGENT_ADMIN", token=w.person_token)
    stolen = await gql(ADD, {"input": newcomer(own)}, token=w.unit_token)
    assert stolen["data"]["addAgent"]["code"] == "FACE_CHECK_OTHER_PERSON"
    listing = await gql("{ myAgents(first: 5) { edges { node { id } } } }", token=w.unit_token)
    assert listing["data"]["myAgents"]["edges"] == []
