"""Documents and steps shared by the agent tests: a verified unit (北京星桥, legal
representative 张伟), a verified resident (李娜), a partner system providing service
``000106004000``, and its client-credentials token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from identity_graph.container import Container, TestHooks
from identity_graph.core.audit import AuditContext
from tests.graphql.accounts_helpers import ERRORS
from tests.oauth.helpers import backend_client, basic
from tests.verification.flows import XINGQIAO, enterprise, resident, submit

SERVICE = "000106004000"

LI_NA = {
    "realName": "李娜",
    "regionType": "MAINLAND",
    "idType": "RESIDENT_ID_CARD",
    "idNumber": "320102199007210048",
    "idValidFrom": "2018-09-10",
    "idValidUntil": "2038-09-10",
}

AGENT_FIELDS = """
  id role status origin appliedAt validFrom validUntil decisionDueAt decidedAt reason note
  hasAgentPassword
  person { id name idNumber phone verificationStatus }
  enterprise { id name uscc legalRepresentative status verificationStatus }
  services { grantId grantedAt expiresAt service { code name clientId retired } }
"""


def mutation(name: str, input_type: str, success: str = "Agent") -> str:
    return (
        f"mutation M($input: {input_type}!) {{ {name}(input: $input) {{ __typename "
        f"... on {success} {{ {AGENT_FIELDS if success == 'Agent' else 'grantId agentId'} }}"
        + ERRORS
        + " } }"
    )


APPLY = mutation("applyForAgent", "ApplyForAgentInput")
DECIDE = mutation("decideAgentApplication", "DecideAgentApplicationInput")
UPDATE = mutation("updateAgent", "UpdateAgentInput")
REMOVE = mutation("removeAgent", "RemoveAgentInput")
GRANT = mutation("grantServices", "GrantServicesInput")
REVOKE = mutation("revokeGrant", "RevokeGrantInput", "GrantRevoked")

MY_AGENTS = (
    "query Q($status: [AgentStatus!], $first: Int!, $after: String, $enterpriseId: ID) {"
    " myAgents(status: $status, first: $first, after: $after, enterpriseId: $enterpriseId) {"
    " edges { cursor node {" + AGENT_FIELDS + "} } pageInfo { hasNextPage endCursor } } }"
)
MY_AUTHORIZATIONS = (
    "query Q($status: [AgentStatus!]) { myAuthorizations(status: $status, first: 50) {"
    " edges { node {" + AGENT_FIELDS + "} } } }"
)
CAN_HANDLE = """
query C($code: String!, $enterpriseId: ID, $uscc: String, $personId: ID) {
  canHandleService(serviceCode: $code, enterpriseId: $enterpriseId, uscc: $uscc,
                   personId: $personId) {
    allowed code message nextStep enterpriseId serviceCode agentRole validUntil grantExpiresAt
  }
}
"""
LOOKUP = (
    "query L($uscc: String!) {"
    " enterpriseLookup(uscc: $uscc) { uscc maskedName status verificationStatus } }"
)


@dataclass
class World:
    unit_token: str
    unit_id: str
    person_token: str
    person_id: str
    client_id: str
    client_secret: str


async def verified(gql: Any, hooks: TestHooks, token: str, **claim: Any) -> None:
    result = await submit(gql, hooks, token, **claim)
    assert result["verification"]["status"] == "VERIFIED", result


async def me_id(gql: Any, token: str) -> str:
    body = await gql("{ me { id } }", token=token)
    return str(body["data"]["me"]["id"])


async def world(gql: Any, hooks: TestHooks, container: Container) -> World:
    unit_token = await enterprise(gql, hooks, container, XINGQIAO)
    await verified(
        gql,
        hooks,
        unit_token,
        unit={
            "code": XINGQIAO["code"],
            "unitName": XINGQIAO["unitName"],
            "legalRepresentative": XINGQIAO["legalRepresentative"],
            "foundingDate": XINGQIAO["foundingDate"],
            "address": XINGQIAO["address"],
        },
    )
    person_token = await resident(
        gql, hooks, container, LI_NA, phone="13812340001", loginName="lina2026"
    )
    await verified(gql, hooks, person_token, person=LI_NA)
    partner = await backend_client(container, name="外国人来华工作管理服务系统")
    await container.catalogue.register(
        partner.client.client_id, SERVICE, "外国人来华工作许可", AuditContext()
    )
    assert partner.secret is not None
    return World(
        unit_token,
        await me_id(gql, unit_token),
        person_token,
        await me_id(gql, person_token),
        partner.client.client_id,
        partner.secret,
    )


async def partner_token(client: Any, w: World) -> str:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(w.client_id, w.client_secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def run(gql: Any, document: str, input: dict[str, Any], token: str, **kw: Any) -> Any:
    body = await gql(document, {"input": input}, token=token, **kw)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def apply(gql: Any, w: World, **kw: Any) -> Any:
    return await run(
        gql,
        APPLY,
        {"uscc": XINGQIAO["code"], "enterpriseName": XINGQIAO["unitName"], "note": "人事专员"},
        w.person_token,
        **kw,
    )


async def approved_agent(gql: Any, w: World, until: str = "2027-12-31T00:00:00+00:00") -> str:
    applied = await apply(gql, w)
    decided = await run(
        gql,
        DECIDE,
        {"applicationId": applied["id"], "approve": True, "validUntil": until},
        w.unit_token,
    )
    assert decided["status"] == "ACTIVE", decided
    return str(decided["id"])
