"""``changePhone`` over HTTP (SPEC §3, §4.4): the password and a code sent to the new number
with purpose CHANGE_PHONE; the old number is told; login follows the new number; the change
is audited and kept as an info update record with masked numbers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from identity_graph.accounts.models import Account, InfoUpdateRecord
from identity_graph.core.audit import AuditEvent
from tests.graphql.accounts_helpers import (
    ERRORS,
    PASSWORD,
    latest_sms,
    login,
    register_enterprise,
    register_person,
    sms_code,
)

OLD_PHONE = "13812345678"
NEW_PHONE = "13987654321"

CHANGE_PHONE = (
    """
mutation ChangePhone($input: ChangePhoneInput!) {
  changePhone(input: $input) {
    __typename
    ... on PhoneChanged { account { id loginName phone } }
"""
    + ERRORS
    + "  }\n}\n"
)

RECORDS = """
{ infoUpdateRecords(first: 20) {
    edges { node { actorId reverification changes { field oldValue newValue } } } } }
"""


async def resident(gql, hooks, container) -> tuple[str, str]:
    """Register ``zhangsan`` on OLD_PHONE and log in; return (account id, access token)."""
    registered = await register_person(gql, hooks, container, phone=OLD_PHONE)
    assert registered["__typename"] == "Registered", registered
    session = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert session["__typename"] == "SessionTokens", session
    return registered["account"]["id"], session["accessToken"]


async def change_phone(
    gql: Any, token: str | None, code: str, *, password: str = PASSWORD, phone: str = NEW_PHONE
) -> dict[str, Any]:
    variables = {"input": {"password": password, "newPhone": phone, "smsCode": code}}
    body = await gql(CHANGE_PHONE, variables, token=token)
    assert "errors" not in body, body
    return dict(body["data"]["changePhone"])


def field_errors(result: dict[str, Any]) -> list[tuple[str, str]]:
    assert result["__typename"] == "ValidationErrors", result
    return [(error["field"], error["code"]) for error in result["errors"]]


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def stored_phone(container, account_id: str) -> str | None:
    return container.vault.phone_of(await Account.get(id=uuid.UUID(account_id)))


async def test_change_phone_then_log_in_with_the_new_number(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")

    result = await change_phone(gql, token, code)
    assert result["__typename"] == "PhoneChanged", result
    assert result["account"] == {"id": account_id, "loginName": "zhangsan", "phone": "139****4321"}
    assert await stored_phone(container, account_id) == NEW_PHONE

    by_new = await login(gql, "NATURAL_PERSON", NEW_PHONE)
    assert by_new["__typename"] == "SessionTokens", by_new
    assert by_new["account"]["id"] == account_id
    by_old = await login(gql, "NATURAL_PERSON", OLD_PHONE)
    assert by_old["__typename"] == "LoginRefusedError", by_old
    assert by_old["code"] == "INVALID_CREDENTIALS"

    # The code proved the new number only: it cannot move the account back.
    again = await change_phone(gql, token, code, phone=OLD_PHONE)
    assert [field for field, _ in field_errors(again)] == ["smsCode"]
    assert await stored_phone(container, account_id) == NEW_PHONE


async def test_old_phone_is_told_and_the_change_is_audited_and_recorded(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")
    assert (await change_phone(gql, token, code))["__typename"] == "PhoneChanged"

    [message] = await container.notifier.list_messages(destination=OLD_PHONE, limit=1)
    assert message.template == "phone_changed"
    text = await latest_sms(container, OLD_PHONE)
    assert "zhangsan" in text
    assert "139****4321" in text  # the new number, masked
    assert NEW_PHONE not in text
    assert "2026-11-23 10:00" in text

    [event] = await AuditEvent.filter(action="account.phone_changed")
    assert event.subject_id == account_id
    assert str(event.actor_id) == account_id
    assert NEW_PHONE not in str(event.details)
    assert OLD_PHONE not in str(event.details)

    body = await gql(RECORDS, token=token)
    assert "errors" not in body, body
    [edge] = body["data"]["infoUpdateRecords"]["edges"]
    assert edge["node"]["changes"] == [
        {"field": "phone", "oldValue": "138****5678", "newValue": "139****4321"}
    ]
    assert edge["node"]["actorId"] == account_id
    row = await InfoUpdateRecord.get(account_id=uuid.UUID(account_id))
    assert NEW_PHONE not in str(row.changes)
    assert OLD_PHONE not in str(row.changes)


async def test_wrong_password_does_not_use_up_the_code(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")

    refused = await change_phone(gql, token, code, password="Wrong#Pass2026")
    assert field_errors(refused) == [("password", "PASSWORD_WRONG")]
    assert await stored_phone(container, account_id) == OLD_PHONE
    assert await AuditEvent.filter(action="account.phone_changed").count() == 0

    retried = await change_phone(gql, token, code)
    assert retried["__typename"] == "PhoneChanged", retried
    assert await stored_phone(container, account_id) == NEW_PHONE


async def test_wrong_code_is_refused(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")

    refused = await change_phone(gql, token, other_code(code))
    assert field_errors(refused) == [("smsCode", "SMS_CODE_WRONG")]
    assert await stored_phone(container, account_id) == OLD_PHONE
    assert await InfoUpdateRecord.filter(account_id=uuid.UUID(account_id)).count() == 0
    assert "预留手机号" not in await latest_sms(container, OLD_PHONE)

    # One wrong try does not burn the code.
    assert (await change_phone(gql, token, code))["__typename"] == "PhoneChanged"


async def test_code_sent_for_another_purpose_is_not_accepted(gql, hooks, container, clock):
    account_id, token = await resident(gql, hooks, container)
    register_code = await sms_code(gql, hooks, container, NEW_PHONE, "REGISTER")

    refused = await change_phone(gql, token, register_code)
    [(field, code)] = field_errors(refused)
    assert field == "smsCode"
    assert code in {"SMS_CODE_NOT_REQUESTED", "SMS_CODE_WRONG"}
    assert await stored_phone(container, account_id) == OLD_PHONE

    # A code sent for the phone change to another number is not accepted either.
    clock.advance(timedelta(seconds=61))
    elsewhere = await sms_code(gql, hooks, container, "13700001111", "CHANGE_PHONE")
    refused = await change_phone(gql, token, elsewhere)
    assert field_errors(refused)[0][0] == "smsCode"
    assert await stored_phone(container, account_id) == OLD_PHONE


async def test_same_phone_is_refused_as_unchanged(gql, hooks, container):
    account_id, token = await resident(gql, hooks, container)
    for spelling in (OLD_PHONE, "+86 138 1234 5678"):
        refused = await change_phone(gql, token, "123456", phone=spelling)
        assert field_errors(refused) == [("newPhone", "PHONE_UNCHANGED")], spelling
    invalid = await change_phone(gql, token, "123456", phone="12345")
    assert field_errors(invalid) == [("newPhone", "PHONE_INVALID")]
    assert await InfoUpdateRecord.filter(account_id=uuid.UUID(account_id)).count() == 0


async def test_phone_of_another_resident_is_taken(gql, hooks, container, clock):
    account_id, token = await resident(gql, hooks, container)
    other = await register_person(
        gql,
        hooks,
        container,
        phone=NEW_PHONE,
        login_name="lisi2026",
        idNumber="11010519491231002X",
        realName="王小红",
    )
    assert other["__typename"] == "Registered", other

    clock.advance(timedelta(seconds=61))  # one code a minute per number
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")
    refused = await change_phone(gql, token, code)
    assert field_errors(refused) == [("newPhone", "PHONE_TAKEN")]
    assert await stored_phone(container, account_id) == OLD_PHONE
    assert await stored_phone(container, other["account"]["id"]) == NEW_PHONE
    assert await AuditEvent.filter(action="account.phone_changed").count() == 0
    assert await InfoUpdateRecord.filter(account_id=uuid.UUID(account_id)).count() == 0
    # The other resident still logs in by that number.
    by_phone = await login(gql, "NATURAL_PERSON", NEW_PHONE)
    assert by_phone["__typename"] == "SessionTokens"
    assert by_phone["account"]["id"] == other["account"]["id"]


async def test_phone_of_an_enterprise_may_be_shared_by_a_resident(gql, hooks, container, clock):
    """Phones are unique per account kind (as at registration)."""
    account_id, token = await resident(gql, hooks, container)
    unit = await register_enterprise(gql, hooks, container, phone=NEW_PHONE)
    assert unit["__typename"] == "Registered", unit
    clock.advance(timedelta(seconds=61))
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")
    result = await change_phone(gql, token, code)
    assert result["__typename"] == "PhoneChanged", result
    assert await stored_phone(container, account_id) == NEW_PHONE


async def test_anonymous_caller_is_not_authorized(gql, hooks, container):
    account_id, _ = await resident(gql, hooks, container)
    code = await sms_code(gql, hooks, container, NEW_PHONE, "CHANGE_PHONE")
    result = await change_phone(gql, None, code)
    assert result["__typename"] == "NotAuthorizedError", result
    assert result["code"] == "NOT_AUTHENTICATED"
    assert await stored_phone(container, account_id) == OLD_PHONE
