"""``updateNaturalPerson``, ``updateEnterprise`` and ``infoUpdateRecords`` over HTTP
(SPEC §2, §4.4, §9): partial updates (left out stays, null clears), field errors naming the
input field, and info update records that list masked old and new values, newest first."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from identity_graph.accounts.models import Account, Enterprise, InfoUpdateRecord, NaturalPerson
from identity_graph.core.audit import AuditEvent
from tests.graphql.accounts_helpers import ERRORS, login, register_enterprise, register_person

ADDRESS = "北京市海淀区中关村大街1号"  # as registered by ``person_input``
UNIT_ADDRESS = "福建省福州市鼓楼区五四路1号"  # as registered by ``enterprise_input``

UPDATE_PERSON = (
    """
mutation UpdatePerson($input: UpdateNaturalPersonInput!) {
  updateNaturalPerson(input: $input) {
    __typename
    ... on NaturalPersonUpdated {
      naturalPerson { realName idNumber ethnicity address occupation }
      account { id email }
    }
"""
    + ERRORS
    + "  }\n}\n"
)

UPDATE_ENTERPRISE = (
    """
mutation UpdateEnterprise($input: UpdateEnterpriseInput!) {
  updateEnterprise(input: $input) {
    __typename
    ... on EnterpriseUpdated {
      enterprise { name uscc englishName shortName homepage address foundingDate
                   independentLegalPerson mailingAddress unitPhone industry size holding
                   legalRepresentative { name idNumber mobile email } }
      account { id email }
    }
"""
    + ERRORS
    + "  }\n}\n"
)

RECORDS = """
query Records($first: Int! = 20, $after: String) {
  infoUpdateRecords(first: $first, after: $after) {
    edges { cursor node { changedAt actorId reverification
                          changes { field oldValue newValue } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ME_PERSON = "{ me { email naturalPerson { ethnicity address occupation } } }"


async def resident(gql, hooks, container, **overrides: Any) -> tuple[str, str]:
    registered = await register_person(gql, hooks, container, **overrides)
    assert registered["__typename"] == "Registered", registered
    session = await login(gql, "NATURAL_PERSON", registered["account"]["loginName"])
    assert session["__typename"] == "SessionTokens", session
    return registered["account"]["id"], session["accessToken"]


async def unit(gql, hooks, container) -> tuple[str, str]:
    registered = await register_enterprise(gql, hooks, container)
    assert registered["__typename"] == "Registered", registered
    session = await login(gql, "ENTERPRISE", "AcmeTrading01")
    assert session["__typename"] == "SessionTokens", session
    return registered["account"]["id"], session["accessToken"]


async def update_person(gql: Any, token: str | None, **values: Any) -> dict[str, Any]:
    body = await gql(UPDATE_PERSON, {"input": values}, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["updateNaturalPerson"])


async def update_unit(gql: Any, token: str | None, **values: Any) -> dict[str, Any]:
    body = await gql(UPDATE_ENTERPRISE, {"input": values}, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["updateEnterprise"])


async def records(gql: Any, token: str, **variables: Any) -> dict[str, Any]:
    body = await gql(RECORDS, variables, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["infoUpdateRecords"])


async def changes(gql: Any, token: str) -> list[list[dict[str, Any]]]:
    """Every record's changes, newest first."""
    return [edge["node"]["changes"] for edge in (await records(gql, token))["edges"]]


def field_errors(result: dict[str, Any]) -> set[tuple[str, str]]:
    assert result["__typename"] == "ValidationErrors", result
    return {(error["field"], error["code"]) for error in result["errors"]}


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


async def record_count(account_id: str) -> int:
    return await InfoUpdateRecord.filter(account_id=uuid.UUID(account_id)).count()


# --- natural persons -----------------------------------------------------------------------


async def test_person_update_is_partial(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)

    first = await update_person(gql, token, ethnicity="汉族", occupation="工程师")
    assert first["__typename"] == "NaturalPersonUpdated", first
    person = first["naturalPerson"]
    assert (person["ethnicity"], person["address"], person["occupation"]) == (
        "汉族",
        ADDRESS,  # left out: unchanged
        "工程师",
    )
    assert person["realName"] == "张三"  # the owner sees the answer in clear
    assert first["account"]["id"] == account_id

    cleared = await update_person(gql, token, occupation=None)
    assert cleared["__typename"] == "NaturalPersonUpdated", cleared
    person = cleared["naturalPerson"]
    assert (person["ethnicity"], person["address"], person["occupation"]) == ("汉族", ADDRESS, None)

    moved = await update_person(gql, token, address="上海市浦东新区世纪大道100号")
    assert moved["__typename"] == "NaturalPersonUpdated", moved
    me = (await gql(ME_PERSON, token=token))["data"]["me"]
    assert me["naturalPerson"] == {
        "ethnicity": "汉族",
        "address": "上海市浦东新区世纪大道100号",
        "occupation": None,
    }
    row = await NaturalPerson.get(id=uuid.UUID(account_id))
    assert (row.ethnicity, row.address, row.occupation) == (
        "汉族",
        "上海市浦东新区世纪大道100号",
        None,
    )

    history = await changes(gql, token)
    assert [[change["field"] for change in record] for record in history] == [
        ["address"],
        ["occupation"],
        ["ethnicity", "occupation"],
    ]
    assert history[0] == [
        {"field": "address", "oldValue": "北京市海淀区******", "newValue": "上海市浦东新******"}
    ]
    assert history[1][0]["newValue"] is None  # cleared
    assert history[2][0]["oldValue"] is None  # set for the first time
    events = await AuditEvent.filter(action="account.profile_updated").order_by("id")
    assert [event.details["fields"] for event in events] == [
        ["ethnicity", "occupation"],
        ["occupation"],
        ["address"],
    ]
    assert all(event.subject_id == account_id for event in events)


async def test_email_is_normalised_masked_and_clearable(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)

    result = await update_person(gql, token, email="  Zhang.San@Example.COM ")
    assert result["__typename"] == "NaturalPersonUpdated", result
    assert result["account"]["email"] == "Z***@example.com"  # masked even for the owner
    account = await Account.get(id=uuid.UUID(account_id))
    assert container.vault.email_of(account) == "Zhang.San@example.com"
    assert "Example" not in (account.email_cipher or "")

    # Full-width input folds to the same address: nothing changes, nothing is recorded.
    same = await update_person(gql, token, email="Ｚｈａｎｇ.Ｓａｎ＠ｅｘａｍｐｌｅ.ｃｏｍ")
    assert same["__typename"] == "NaturalPersonUpdated", same
    assert await record_count(account_id) == 1

    for bad in ("not-an-email", "zhang..san@example.com", "zhang@example", "张三@example.com"):
        refused = await update_person(gql, token, email=bad)
        assert field_errors(refused) == {("email", "EMAIL_INVALID")}, bad
    assert container.vault.email_of(await Account.get(id=uuid.UUID(account_id))) == (
        "Zhang.San@example.com"
    )

    cleared = await update_person(gql, token, email=None)
    assert cleared["__typename"] == "NaturalPersonUpdated", cleared
    assert cleared["account"]["email"] is None
    assert (await Account.get(id=uuid.UUID(account_id))).email_cipher is None

    history = await changes(gql, token)
    assert history == [
        [{"field": "email", "oldValue": "Z***@example.com", "newValue": None}],
        [{"field": "email", "oldValue": None, "newValue": "Z***@example.com"}],
    ]


async def test_bad_text_is_refused_per_field_and_nothing_is_written(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    refused = await update_person(
        gql,
        token,
        ethnicity="汉\u0000族",
        address="北" * 201,
        occupation="x" * 65,
        email="a" * 250 + "@example.com",
    )
    assert field_errors(refused) == {
        ("ethnicity", "CONTROL_CHARACTERS"),
        ("address", "TOO_LONG"),
        ("occupation", "TOO_LONG"),
        ("email", "TOO_LONG"),
    }
    # One bad field spoils the whole change: the good one is not written either.
    mixed = await update_person(gql, token, occupation="教师", ethnicity="汉" * 33)
    assert field_errors(mixed) == {("ethnicity", "TOO_LONG")}
    control = await update_person(gql, token, address="北京市\n海淀区\u0007")
    assert field_errors(control) == {("address", "CONTROL_CHARACTERS")}

    row = await NaturalPerson.get(id=uuid.UUID(account_id))
    assert (row.ethnicity, row.address, row.occupation) == (None, ADDRESS, None)
    assert await record_count(account_id) == 0
    assert await AuditEvent.filter(action="account.profile_updated").count() == 0

    # The limits themselves are accepted (after trimming).
    exact = await update_person(gql, token, address="  " + "北" * 200 + "  ", occupation="x" * 64)
    assert exact["__typename"] == "NaturalPersonUpdated", exact
    assert exact["naturalPerson"]["address"] == "北" * 200


async def test_nothing_sent_is_refused(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    refused = await update_person(gql, token)
    assert refused["__typename"] == "OperationRefused", refused
    assert refused["code"] == "NOTHING_TO_CHANGE"
    assert refused["message"] == "没有需要修改的内容"
    enterprise_id, unit_token = await unit(gql, hooks, container)
    refused = await update_unit(gql, unit_token)
    assert refused["__typename"] == "OperationRefused", refused
    assert refused["code"] == "NOTHING_TO_CHANGE"
    assert await record_count(account_id) == await record_count(enterprise_id) == 0


async def test_an_unchanged_value_creates_no_record(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    same = await update_person(gql, token, address=ADDRESS)
    assert same["__typename"] == "NaturalPersonUpdated", same
    # NFKC and trimming make this the same address as well.
    folded = await update_person(gql, token, address=" 北京市海淀区中关村大街１号 ")
    assert folded["__typename"] == "NaturalPersonUpdated", folded
    assert await record_count(account_id) == 0
    assert await AuditEvent.filter(action="account.profile_updated").count() == 0

    # In a mixed change only the field that really changed is recorded.
    mixed = await update_person(gql, token, address=ADDRESS, occupation="教师")
    assert mixed["__typename"] == "NaturalPersonUpdated", mixed
    assert await changes(gql, token) == [
        [{"field": "occupation", "oldValue": None, "newValue": "教*"}]
    ]


async def test_profile_mutations_check_the_account_kind(gql, hooks, container):
    person_id, person_token = await resident(gql, hooks, container)
    unit_id, unit_token = await unit(gql, hooks, container)

    wrong = await update_person(gql, unit_token, occupation="教师")
    assert wrong["__typename"] == "NotAuthorizedError", wrong
    assert wrong["code"] == "WRONG_ACCOUNT_KIND"
    wrong = await update_unit(gql, person_token, address="北京市海淀区中关村大街2号")
    assert wrong["__typename"] == "NotAuthorizedError", wrong
    assert wrong["code"] == "WRONG_ACCOUNT_KIND"

    for anonymous in (
        await update_person(gql, None, occupation="教师"),
        await update_unit(gql, None, address="北京市海淀区中关村大街2号"),
    ):
        assert anonymous["__typename"] == "NotAuthorizedError", anonymous
        assert anonymous["code"] == "NOT_AUTHENTICATED"

    assert await record_count(person_id) == await record_count(unit_id) == 0
    assert (await Enterprise.get(id=uuid.UUID(unit_id))).address == UNIT_ADDRESS


# --- enterprises ---------------------------------------------------------------------------


async def test_enterprise_update_cleans_and_records(gql, hooks, container):
    account_id, token = await unit(gql, hooks, container)
    result = await update_unit(
        gql,
        token,
        address="北京市海淀区中关村大街2号",
        industry="C3911",
        size="MEDIUM",
        holding="STATE",
        homepage="https://www.example.com/",
        foundingDate="2010-01-01",
        independentLegalPerson=True,
        englishName="Fuzhou Example Trading Co., Ltd.",
        shortName="示例贸易",
        unitPhone="0591-87654321",
        legalRepresentativeMobile="+86 137 0000 1111",
        legalRepresentativeEmail="Li.Si@Example.COM",
    )
    assert result["__typename"] == "EnterpriseUpdated", result
    unit_view = result["enterprise"]
    assert unit_view["address"] == "北京市海淀区中关村大街2号"
    assert unit_view["industry"] == "3911"
    assert unit_view["size"] == "MEDIUM"
    assert unit_view["holding"] == "STATE"
    assert unit_view["homepage"] == "https://www.example.com/"
    assert unit_view["foundingDate"] == "2010-01-01"
    assert unit_view["independentLegalPerson"] is True
    assert unit_view["shortName"] == "示例贸易"
    assert unit_view["unitPhone"] == "0591-87654321"
    rep = unit_view["legalRepresentative"]
    assert rep["name"] == "李四"  # the unit's own account sees its representative
    assert rep["mobile"] == "137****1111"  # contact numbers are always masked
    assert rep["email"] == "L***@example.com"

    row = await Enterprise.get(id=uuid.UUID(account_id))
    assert row.industry == "3911"
    assert container.vault.open(row.legal_rep_mobile_cipher, "legal_rep_mobile") == "13700001111"
    assert container.vault.open(row.legal_rep_email_cipher, "legal_rep_email") == (
        "Li.Si@example.com"
    )

    [record] = await changes(gql, token)
    by_field = {change["field"]: (change["oldValue"], change["newValue"]) for change in record}
    assert by_field["address"] == ("福建省福州市******", "北京市海淀区******")
    assert by_field["industry"] == ("5191", "3911")
    assert by_field["size"] == ("small", "medium")
    assert by_field["holding"] == ("private", "state")
    assert by_field["foundingDate"] == ("2012-05-04", "2010-01-01")
    assert by_field["independentLegalPerson"][1] == "true"
    assert by_field["legalRepresentativeMobile"] == ("139****5678", "137****1111")
    assert by_field["legalRepresentativeEmail"] == (None, "L***@example.com")
    assert by_field["homepage"] == (None, "https://www.example.com/")
    text = json.dumps(record, ensure_ascii=False)
    for clear in ("13700001111", "13912345678", "Li.Si", UNIT_ADDRESS, "中关村大街2号"):
        assert clear not in text

    # An industry code equal to the stored one after cleaning is no change.
    same = await update_unit(gql, token, industry="3911", size="MEDIUM")
    assert same["__typename"] == "EnterpriseUpdated", same
    assert await record_count(account_id) == 1

    cleared = await update_unit(gql, token, size=None, holding=None, homepage=None)
    assert cleared["__typename"] == "EnterpriseUpdated", cleared
    assert (cleared["enterprise"]["size"], cleared["enterprise"]["holding"]) == (None, None)
    assert cleared["enterprise"]["homepage"] is None
    assert cleared["enterprise"]["industry"] == "3911"  # left out: unchanged


async def test_enterprise_refusals_name_each_field(gql, hooks, container):
    account_id, token = await unit(gql, hooks, container)
    cases: list[tuple[dict[str, Any], set[tuple[str, str]]]] = [
        ({"homepage": "ftp://example.com"}, {("homepage", "HOMEPAGE_INVALID")}),
        ({"homepage": "example"}, {("homepage", "HOMEPAGE_INVALID")}),
        ({"address": None}, {("address", "REQUIRED")}),
        ({"address": "   "}, {("address", "REQUIRED")}),
        ({"address": "北" * 201}, {("address", "TOO_LONG")}),
        ({"industry": "A3911"}, {("industry", "INDUSTRY_SECTION_MISMATCH")}),
        ({"industry": "39"}, {("industry", "INDUSTRY_CODE_FORMAT")}),
        ({"legalRepresentativeMobile": "12345"}, {("legalRepresentativeMobile", "PHONE_INVALID")}),
        ({"legalRepresentativeEmail": "li@"}, {("legalRepresentativeEmail", "EMAIL_INVALID")}),
        ({"foundingDate": "2030-01-01"}, {("foundingDate", "DATE_IN_FUTURE")}),
        ({"unitPhone": "call me"}, {("unitPhone", "UNIT_PHONE_INVALID")}),
        (
            {"address": "   ", "homepage": "nope", "size": "LARGE"},
            {("address", "REQUIRED"), ("homepage", "HOMEPAGE_INVALID")},
        ),
    ]
    for values, expected in cases:
        refused = await update_unit(gql, token, **values)
        assert field_errors(refused) == expected, values

    row = await Enterprise.get(id=uuid.UUID(account_id))
    assert (row.address, row.size.value, row.homepage) == (UNIT_ADDRESS, "small", None)
    assert await record_count(account_id) == 0


# --- info update records -------------------------------------------------------------------


async def test_records_paginate_newest_first(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    for job in ("农民", "工人", "教师"):
        assert (await update_person(gql, token, occupation=job))["__typename"] == (
            "NaturalPersonUpdated"
        )

    first = await records(gql, token, first=1)
    assert len(first["edges"]) == 1
    assert first["edges"][0]["node"]["changes"] == [
        {"field": "occupation", "oldValue": "工*", "newValue": "教*"}
    ]
    assert first["edges"][0]["node"]["actorId"] == account_id
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][0]["cursor"]}

    second = await records(gql, token, first=1, after=first["pageInfo"]["endCursor"])
    assert [edge["node"]["changes"][0]["newValue"] for edge in second["edges"]] == ["工*"]
    assert second["pageInfo"]["hasNextPage"] is True

    rest = await records(gql, token, first=5, after=second["pageInfo"]["endCursor"])
    assert [edge["node"]["changes"][0]["newValue"] for edge in rest["edges"]] == ["农*"]
    assert rest["pageInfo"]["hasNextPage"] is False

    everything = await records(gql, token, first=3)
    assert [edge["node"]["changes"][0]["newValue"] for edge in everything["edges"]] == [
        "教*",
        "工*",
        "农*",
    ]
    assert everything["pageInfo"]["hasNextPage"] is False

    # Another resident sees only their own (no) records.
    _, other_token = await resident(
        gql,
        hooks,
        container,
        phone="13712345678",
        login_name="lisi2026",
        idNumber="11010519491231002X",
    )
    assert (await records(gql, other_token))["edges"] == []
    assert (await records(gql, other_token))["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": None,
    }


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"first": 1, "after": "not a cursor!"}, "CURSOR_INVALID", "after"),
        ({"first": 1, "after": cursor("outbox:5")}, "CURSOR_INVALID", "after"),
        ({"first": 1, "after": cursor("info-update:abc")}, "CURSOR_INVALID", "after"),
        # A number no row id can reach must not turn into a database error.
        ({"first": 1, "after": cursor("info-update:" + "9" * 30)}, "CURSOR_INVALID", "after"),
        ({"first": 0}, "PAGE_SIZE_INVALID", "first"),
        ({"first": 101}, "PAGE_SIZE_INVALID", "first"),
    ],
)
async def test_bad_paging_arguments_are_top_level_errors(
    gql, hooks, container, variables, code, field
):
    _, token = await resident(gql, hooks, container)
    assert (await update_person(gql, token, occupation="教师"))["__typename"] == (
        "NaturalPersonUpdated"
    )
    body = await gql(RECORDS, variables, token=token)
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"].get("field") == field, error


async def test_records_need_a_login(gql, db):
    body = await gql(RECORDS, {"first": 1})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_records_mask_personal_values(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    await update_person(gql, token, email="zhangsan@example.com")
    await update_person(gql, token, email="lisi@example.org", address="上海市浦东新区世纪大道100号")

    body = await gql(RECORDS, {"first": 20}, token=token)
    text = json.dumps(body, ensure_ascii=False)
    for clear in ("zhangsan@", "lisi@", ADDRESS, "上海市浦东新区世纪大道100号"):
        assert clear not in text
    stored = json.dumps(
        [row.changes for row in await InfoUpdateRecord.filter(account_id=uuid.UUID(account_id))],
        ensure_ascii=False,
    )
    for clear in ("zhangsan@", "lisi@", ADDRESS, "世纪大道"):
        assert clear not in stored
    history = await changes(gql, token)
    assert history[0] == [
        {"field": "email", "oldValue": "z***@example.com", "newValue": "l***@example.org"},
        {"field": "address", "oldValue": "北京市海淀区******", "newValue": "上海市浦东新******"},
    ]


async def test_records_do_not_hold_a_clear_mailing_address(gql, hooks, container):
    """A unit's mailing address is personal-grade data like its address: the API hides it
    from everyone but the unit, so its info update record must not keep it in clear."""
    _, token = await unit(gql, hooks, container)
    mailing = "北京市海淀区中关村南大街5号院3号楼"
    result = await update_unit(gql, token, mailingAddress=mailing)
    assert result["__typename"] == "EnterpriseUpdated", result
    [[change]] = await changes(gql, token)
    assert change["field"] == "mailingAddress"
    assert change["newValue"] is not None
    assert change["newValue"] != mailing
    assert "中关村南大街5号" not in change["newValue"]


async def test_records_do_not_hold_clear_resident_details(gql, hooks, container):
    """Ethnicity and occupation are the resident's personal data (hidden from everyone but
    the owner, like the address); the record must not keep them in clear."""
    _, token = await resident(gql, hooks, container)
    result = await update_person(gql, token, ethnicity="维吾尔族", occupation="软件工程师")
    assert result["__typename"] == "NaturalPersonUpdated", result
    [record] = await changes(gql, token)
    for change in record:
        assert change["newValue"] not in ("维吾尔族", "软件工程师"), change
