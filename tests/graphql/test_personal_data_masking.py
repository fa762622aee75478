"""Who sees personal data in clear (SPEC §9, §11): the owner and reviewers/operators do;
another resident or an anonymous caller resolving the same entities through the federation
``_entities`` query sees masked names and numbers and nothing of the rest. The reserved
phone is masked for everyone, the owner included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from identity_graph.accounts.enums import Role
from identity_graph.core.audit import AuditContext
from tests.graphql.accounts_helpers import (
    ME,
    PERSON_ID,
    USCC,
    login,
    register_enterprise,
    register_person,
)

ENTITIES = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Account {
      id kind level loginName status phone email createdAt
      naturalPerson { realName idNumber idValidFrom idValidUntil birthDate ethnicity
                      address occupation }
      enterprise { name uscc address mailingAddress unitPhone
                   legalRepresentative { name idNumber idValidFrom mobile email } }
    }
    ... on NaturalPerson { id realName idNumber idValidFrom birthDate address }
    ... on Enterprise {
      id name uscc address mailingAddress unitPhone
      legalRepresentative { name idNumber idValidFrom mobile email }
    }
  }
}
"""

STAFF_PASSWORD = "Reviewer#Pass2026"
OTHER_ID = "11010519491231002X"
REP_ID = "440304198510152347"


async def resident_token(gql, hooks, container) -> tuple[str, str]:
    """Register ``zhangsan`` (张三, PERSON_ID, 13812345678) with e-mail and details."""
    registered = await register_person(gql, hooks, container, email="zhangsan@example.com")
    assert registered["__typename"] == "Registered", registered
    session = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert session["__typename"] == "SessionTokens", session
    return registered["account"]["id"], session["accessToken"]


async def other_resident_token(gql, hooks, container) -> str:
    registered = await register_person(
        gql,
        hooks,
        container,
        phone="13712345678",
        login_name="wangxiaohong",
        idNumber=OTHER_ID,
        realName="王小红",
    )
    assert registered["__typename"] == "Registered", registered
    session = await login(gql, "NATURAL_PERSON", "wangxiaohong")
    assert session["__typename"] == "SessionTokens", session
    return str(session["accessToken"])


async def staff_token(gql, container, role: Role) -> str:
    name = f"staff{role.value}"
    await container.accounts.create_staff(name, STAFF_PASSWORD, [role], AuditContext())
    session = await login(gql, "STAFF", name, STAFF_PASSWORD)
    assert session["__typename"] == "SessionTokens", session
    return str(session["accessToken"])


async def entities(gql: Any, token: str | None, *representations: dict[str, Any]) -> list[Any]:
    body = await gql(ENTITIES, {"r": list(representations)}, token=token)
    assert "errors" not in body, body
    return list(body["data"]["_entities"])


def assert_masked_person(account: dict[str, Any], person: dict[str, Any], text: str) -> None:
    assert account["loginName"] is None
    assert account["phone"] is None
    assert account["email"] is None
    assert account["status"] is None
    assert account["createdAt"] is None
    for entity in (account["naturalPerson"], person):
        assert entity["realName"] == "张*"
        assert entity["idNumber"] == "1101**********1238"
        assert entity["birthDate"] is None
        assert entity["address"] is None
        assert entity["idValidFrom"] is None
    assert account["naturalPerson"]["ethnicity"] is None
    assert account["naturalPerson"]["occupation"] is None
    for clear in (PERSON_ID, "张三", "zhangsan", "13812345678", "中关村", "1990-03-07"):
        assert clear not in text, clear


async def test_owner_sees_own_identity_in_clear_but_the_phone_masked(gql, hooks, container):
    account_id, token = await resident_token(gql, hooks, container)
    me = (await gql(ME, token=token))["data"]["me"]
    assert me["id"] == account_id
    assert me["loginName"] == "zhangsan"
    assert me["phone"] == "138****5678"  # masked even for its owner
    assert me["email"] == "z***@example.com"
    person = me["naturalPerson"]
    assert person["realName"] == "张三"
    assert person["idNumber"] == PERSON_ID
    assert person["birthDate"] == "1990-03-07"
    assert person["address"] == "北京市海淀区中关村大街1号"

    # The same through the entities the owner resolves.
    account, person = await entities(
        gql,
        token,
        {"__typename": "Account", "id": account_id},
        {"__typename": "NaturalPerson", "id": account_id},
    )
    assert account["__typename"] == "Account"
    assert account["loginName"] == "zhangsan"
    assert account["phone"] == "138****5678"
    assert account["naturalPerson"]["idNumber"] == PERSON_ID
    assert person == {
        "__typename": "NaturalPerson",
        "id": account_id,
        "realName": "张三",
        "idNumber": PERSON_ID,
        "idValidFrom": "2015-01-01",
        "birthDate": "1990-03-07",
        "address": "北京市海淀区中关村大街1号",
    }


@pytest.mark.parametrize("caller", ["other resident", "anonymous"])
async def test_others_see_masked_identity_and_nothing_else(gql, hooks, container, caller):
    account_id, _ = await resident_token(gql, hooks, container)
    token = (
        await other_resident_token(gql, hooks, container) if caller == "other resident" else None
    )
    body = await gql(
        ENTITIES,
        {
            "r": [
                {"__typename": "Account", "id": account_id},
                {"__typename": "NaturalPerson", "id": account_id},
            ]
        },
        token=token,
    )
    assert "errors" not in body, body
    account, person = body["data"]["_entities"]
    assert account["__typename"] == "Account"
    assert account["id"] == account_id
    assert account["kind"] == "NATURAL_PERSON"
    assert person["__typename"] == "NaturalPerson"
    assert_masked_person(account, person, json.dumps(body, ensure_ascii=False))


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN])
async def test_reviewers_and_operators_see_clear_values(gql, hooks, container, role):
    account_id, _ = await resident_token(gql, hooks, container)
    token = await staff_token(gql, container, role)
    account, person = await entities(
        gql,
        token,
        {"__typename": "Account", "id": account_id},
        {"__typename": "NaturalPerson", "id": account_id},
    )
    assert account["loginName"] == "zhangsan"
    assert account["phone"] == "138****5678"  # the reserved phone stays masked
    assert account["email"] == "z***@example.com"
    assert account["naturalPerson"]["realName"] == "张三"
    assert account["naturalPerson"]["idNumber"] == PERSON_ID
    assert account["naturalPerson"]["birthDate"] == "1990-03-07"
    assert person["realName"] == "张三"
    assert person["idNumber"] == PERSON_ID
    assert person["address"] == "北京市海淀区中关村大街1号"


async def test_staff_without_a_role_sees_masked_values(gql, hooks, container):
    account_id, _ = await resident_token(gql, hooks, container)
    await container.accounts.create_staff("plainstaff", STAFF_PASSWORD, [], AuditContext())
    session = await login(gql, "STAFF", "plainstaff", STAFF_PASSWORD)
    assert session["__typename"] == "SessionTokens", session
    body = await gql(
        ENTITIES,
        {
            "r": [
                {"__typename": "Account", "id": account_id},
                {"__typename": "NaturalPerson", "id": account_id},
            ]
        },
        token=session["accessToken"],
    )
    assert "errors" not in body, body
    account, person = body["data"]["_entities"]
    assert_masked_person(account, person, json.dumps(body, ensure_ascii=False))


async def test_enterprise_entity_by_credit_code_masks_the_legal_representative(
    gql, hooks, container
):
    registered = await register_enterprise(gql, hooks, container)
    assert registered["__typename"] == "Registered", registered
    unit_id = registered["account"]["id"]
    other = await other_resident_token(gql, hooks, container)

    for token in (None, other):
        body = await gql(ENTITIES, {"r": [{"__typename": "Enterprise", "uscc": USCC}]}, token=token)
        assert "errors" not in body, body
        [unit] = body["data"]["_entities"]
        assert unit["__typename"] == "Enterprise"
        assert unit["id"] == unit_id
        assert unit["name"] == "福州示例贸易有限公司"
        assert unit["uscc"] == USCC
        assert unit["address"] is None
        assert unit["mailingAddress"] is None
        assert unit["unitPhone"] is None
        rep = unit["legalRepresentative"]
        assert rep["name"] == "李*"
        assert rep["idNumber"] == "4403**********2347"
        assert rep["idValidFrom"] is None
        assert rep["mobile"] == "139****5678"
        text = json.dumps(body, ensure_ascii=False)
        for clear in ("李四", REP_ID, "13912345678", "五四路"):
            assert clear not in text

    # By id as well, and through the account.
    by_id, account = await entities(
        gql,
        other,
        {"__typename": "Enterprise", "id": unit_id},
        {"__typename": "Account", "id": unit_id},
    )
    assert by_id["legalRepresentative"]["name"] == "李*"
    assert account["loginName"] is None
    assert account["phone"] is None
    assert account["enterprise"]["legalRepresentative"]["idNumber"] == "4403**********2347"

    # The unit's own account sees its representative in clear (but contacts masked).
    session = await login(gql, "ENTERPRISE", USCC)
    assert session["__typename"] == "SessionTokens", session
    [own] = await entities(gql, session["accessToken"], {"__typename": "Enterprise", "uscc": USCC})
    assert own["legalRepresentative"]["name"] == "李四"
    assert own["legalRepresentative"]["idNumber"] == REP_ID
    assert own["legalRepresentative"]["mobile"] == "139****5678"
    assert own["address"] == "福建省福州市鼓楼区五四路1号"


async def test_unknown_or_malformed_references_resolve_to_null(gql, hooks, container):
    await resident_token(gql, hooks, container)
    resolved = await entities(
        gql,
        None,
        {"__typename": "Account", "id": "00000000-0000-0000-0000-000000000000"},
        {"__typename": "NaturalPerson", "id": "not-a-uuid"},
        {"__typename": "Enterprise", "uscc": "91350100M000100Y44"},
        {"__typename": "Enterprise", "uscc": "nonsense"},
    )
    assert resolved == [None, None, None, None]
