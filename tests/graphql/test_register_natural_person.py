"""``registerNaturalPerson`` end to end over HTTP: the happy path, what is stored, and the
duplicate rules."""

from __future__ import annotations

from identity_graph.accounts.models import Account, NaturalPerson
from identity_graph.core.audit import AuditEvent
from tests.graphql.accounts_helpers import (
    ME,
    PERSON_ID,
    latest_sms,
    login,
    register_person,
)


async def test_register_then_log_in_and_see_me(gql, hooks, container):
    result = await register_person(gql, hooks, container)
    assert result["__typename"] == "Registered", result
    assert result["passwordStrength"] == "STRONG"
    account = result["account"]
    assert account["kind"] == "NATURAL_PERSON"
    assert account["level"] == "PHONE_VERIFIED"
    assert account["loginName"] == "zhangsan"
    assert account["phone"] == "138****5678"

    session = await login(gql, "NATURAL_PERSON", "zhangsan")
    assert session["__typename"] == "SessionTokens", session
    me = (await gql(ME, token=session["accessToken"]))["data"]["me"]
    assert me["status"] == "ACTIVE"
    person = me["naturalPerson"]
    assert person["idNumber"] == PERSON_ID  # the owner sees their own number
    assert person["realName"] == "张三"
    assert person["gender"] == "MALE"
    assert person["birthDate"] == "1990-03-07"

    by_phone = await login(gql, "NATURAL_PERSON", "13812345678")
    assert by_phone["__typename"] == "SessionTokens"


async def test_identity_data_is_encrypted_at_rest(gql, hooks, container):
    result = await register_person(gql, hooks, container, email="Zhang.San@Example.COM")
    row = await NaturalPerson.get(id=result["account"]["id"])
    assert PERSON_ID not in row.id_number_cipher
    assert "张三" not in row.real_name_cipher
    account = await Account.get(id=row.id)
    assert "13812345678" not in (account.phone_cipher or "")
    assert account.pledge_version == "2026-01"
    assert account.email_cipher and "Example" not in account.email_cipher
    assert await AuditEvent.filter(action="account.registered").count() == 1


async def test_second_registration_is_refused_without_saying_which_value(gql, hooks, container):
    assert (await register_person(gql, hooks, container))["__typename"] == "Registered"
    same_id = await register_person(gql, hooks, container, phone="13712345678")
    same_name = await register_person(
        gql,
        hooks,
        container,
        phone="13612345678",
        idNumber="11010519491231002X",
        gender=None,
    )
    for refused in (same_id, same_name):
        assert refused["__typename"] == "OperationRefused", refused
        assert refused["code"] == "REGISTRATION_CONFLICT"
    assert same_id["message"] == same_name["message"]
    # The registrant learns the details on the phone they proved.
    assert "证件号码" in await latest_sms(container, "13712345678")
    assert "登录名" in await latest_sms(container, "13612345678")
    # The holder of the ID number is told someone tried.
    assert "尝试" in await latest_sms(container, "13812345678")
    assert await Account.all().count() == 1
