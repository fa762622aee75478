"""``registerNaturalPerson`` refusals over HTTP (SPEC §2.1, §9, §11, §12).

Every bad field is named by its GraphQL input path with a stable code and a message in
zh-CN (default) and English (``Accept-Language: en``); several bad fields come back in one
answer; nothing is written; a field refusal leaves the SMS code usable, so the corrected
form goes through with the same code. SMS code refusals, and the one answer a conflict
gets whichever value collides (anti-enumeration).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from stdnum.iso7064 import mod_11_2

from identity_graph.accounts.models import Account, NaturalPerson, PasswordCredential
from identity_graph.challenges.models import SmsChallenge, SmsCodeState
from tests.graphql.accounts_helpers import (
    ME,
    PERSON_ID,
    REGISTER_PERSON,
    latest_sms,
    login,
    person_input,
    sms_code,
)

PHONE = "13812345678"
OTHER_ID = "11010519491231002X"  # female, 1949-12-31
CJK = re.compile(r"[\u3400-\u9fff]")

# GraphQL input paths of RegisterNaturalPersonInput.
LOGIN_NAME = "credentials.loginName"
PASSWORD = "credentials.password"
PHONE_FIELD = "credentials.phone"
EMAIL = "credentials.email"
SMS_CODE = "credentials.smsCode"
PLEDGE_ACCEPTED = "credentials.pledgeAccepted"
PLEDGE_VERSION = "credentials.pledgeVersion"


@pytest.fixture
def settings(settings):
    """The shared test settings with cheap Argon2: hashing cost is not under test here."""
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


def resident_id(body17: str) -> str:
    """A resident ID number with its MOD 11-2 check character."""
    return body17 + mod_11_2.calc_check_digit(body17)


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


async def submit(gql: Any, variables: dict[str, Any], *, language: str | None = None) -> dict:
    """Send the mutation; a refusal must be data, never a top-level (internal) error."""
    body = await gql(REGISTER_PERSON, {"input": variables}, language=language)
    assert "errors" not in body, body
    return dict(body["data"]["registerNaturalPerson"])


def pairs(result: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((error["field"], error["code"]) for error in result["errors"])


def codes(result: dict[str, Any]) -> list[str]:
    return sorted(error["code"] for error in result["errors"])


def assert_messages(zh: dict[str, Any], en: dict[str, Any]) -> None:
    """Same errors in both languages; zh messages are Chinese, en messages are not."""
    assert zh["__typename"] == en["__typename"] == "ValidationErrors", (zh, en)
    assert zh["code"] == en["code"] == "VALIDATION_FAILED"
    assert CJK.search(zh["message"]) and not CJK.search(en["message"])
    assert pairs(zh) == pairs(en)
    for error in zh["errors"]:
        assert error["message"] and "{" not in error["message"], error
        assert CJK.search(error["message"]), error
    for error in en["errors"]:
        assert error["message"] and "{" not in error["message"], error
        assert not CJK.search(error["message"]), error


async def assert_nothing_written() -> None:
    assert await Account.all().count() == 0
    assert await NaturalPerson.all().count() == 0
    assert await PasswordCredential.all().count() == 0


async def assert_code_untouched() -> None:
    [challenge] = await SmsChallenge.all()
    assert challenge.state == SmsCodeState.ISSUED
    assert challenge.attempts == 0


async def register_ok(gql: Any, code: str, **overrides: Any) -> dict[str, Any]:
    result = await submit(gql, person_input(code=code, **overrides))
    assert result["__typename"] == "Registered", result
    return result


async def me_of(gql: Any, identifier: str = "zhangsan") -> dict[str, Any]:
    session = await login(gql, "NATURAL_PERSON", identifier)
    assert session["__typename"] == "SessionTokens", session
    body = await gql(ME, token=session["accessToken"])
    return dict(body["data"]["me"])


async def refuse_then_retry(
    gql: Any, hooks: Any, container: Any, overrides: dict[str, Any]
) -> list[tuple[str, str]]:
    """Send the bad form in zh and en, check the refusal, then register the corrected form
    with the same SMS code; return the (field, code) pairs of the refusal."""
    code = await sms_code(gql, hooks, container, PHONE)
    variables = person_input(code=code, **overrides)
    zh = await submit(gql, variables)
    en = await submit(gql, variables, language="en")
    assert_messages(zh, en)
    await assert_nothing_written()
    await assert_code_untouched()
    await register_ok(gql, code)
    assert await Account.all().count() == 1
    return pairs(zh)


def case(name: str, overrides: dict[str, Any], *expected: tuple[str, str]) -> Any:
    return pytest.param(overrides, sorted(expected), id=name)


FUTURE_BIRTH = resident_id("11010820261124123")  # tomorrow in China (today 2026-11-23)
MONTH_13 = resident_id("11010819901307123")

FIELD_CASES = [
    # Login names (SPEC §2.1: 4-20, letter or 汉字 first, letters/digits/_/汉字; WP_ reserved).
    case("login-too-short", {"login_name": "abc"}, (LOGIN_NAME, "LOGIN_NAME_LENGTH")),
    case("login-too-long", {"login_name": "a" * 21}, (LOGIN_NAME, "LOGIN_NAME_LENGTH")),
    case("login-cjk-too-short", {"login_name": "张三丰"}, (LOGIN_NAME, "LOGIN_NAME_LENGTH")),
    case(
        "login-digit-first", {"login_name": "1zhangsan"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")
    ),
    case("login-_-first", {"login_name": "_zhangsan"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")),
    case("login-hyphen", {"login_name": "zhang-san"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")),
    case("login-space", {"login_name": "zhang san"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")),
    case("login-at-sign", {"login_name": "zhang@san"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")),
    case("login-phone", {"login_name": "13812345678"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")),
    case("login-WP_", {"login_name": "WP_zhangsan"}, (LOGIN_NAME, "LOGIN_NAME_RESERVED")),
    case("login-wp_", {"login_name": "wp_zhangsan"}, (LOGIN_NAME, "LOGIN_NAME_RESERVED")),
    case(
        "login-full-width-WP_",
        {"login_name": full_width("WP_") + "zhangsan"},
        (LOGIN_NAME, "LOGIN_NAME_RESERVED"),
    ),
    case("login-blank", {"login_name": "   "}, (LOGIN_NAME, "REQUIRED")),
    case("login-nul", {"login_name": "zhang\x00san"}, (LOGIN_NAME, "CONTROL_CHARACTERS")),
    case("login-esc", {"login_name": "zhang\x1bsan"}, (LOGIN_NAME, "CONTROL_CHARACTERS")),
    # Password policy (SPEC §3).
    case("password-too-short", {"password": "Ab1!xyz"}, (PASSWORD, "PASSWORD_TOO_SHORT")),
    case("password-2-classes", {"password": "abcdefgh12"}, (PASSWORD, "PASSWORD_TOO_FEW_CLASSES")),
    case("password-is-login", {"password": "ZhangSan"}, (PASSWORD, "PASSWORD_SAME_AS_LOGIN_NAME")),
    case(
        "password-has-login",
        {"password": "Zhangsan#2026"},
        (PASSWORD, "PASSWORD_SAME_AS_LOGIN_NAME"),
    ),
    case("password-is-phone", {"password": PHONE}, (PASSWORD, "PASSWORD_SAME_AS_PHONE")),
    case("password-nul", {"password": "Secret#20\x0026x"}, (PASSWORD, "CONTROL_CHARACTERS")),
    case("password-esc", {"password": "Secret#2026\x1b"}, (PASSWORD, "CONTROL_CHARACTERS")),
    case("password-too-long", {"password": "Aa1!" * 33}, (PASSWORD, "PASSWORD_TOO_LONG")),
    # Phone and e-mail.
    case("phone-10-digits", {"phone": "1381234567"}, (PHONE_FIELD, "PHONE_INVALID")),
    case("phone-12-prefix", {"phone": "12812345678"}, (PHONE_FIELD, "PHONE_INVALID")),
    case("phone-landline", {"phone": "01062345678"}, (PHONE_FIELD, "PHONE_INVALID")),
    case("phone-letters", {"phone": "abcdefghijk"}, (PHONE_FIELD, "PHONE_INVALID")),
    case("phone-foreign", {"phone": "+1 202 555 0123"}, (PHONE_FIELD, "PHONE_INVALID")),
    case("phone-nul", {"phone": "138\x0012345678"}, (PHONE_FIELD, "CONTROL_CHARACTERS")),
    case("email-no-at", {"email": "not-an-email"}, (EMAIL, "EMAIL_INVALID")),
    case("email-no-dot", {"email": "zhang@localhost"}, (EMAIL, "EMAIL_INVALID")),
    case("email-double-dot", {"email": "zhang..san@example.com"}, (EMAIL, "EMAIL_INVALID")),
    case("email-space", {"email": "zhang san@example.com"}, (EMAIL, "EMAIL_INVALID")),
    case("email-nul", {"email": "zhang\x00@example.com"}, (EMAIL, "CONTROL_CHARACTERS")),
    # Resident ID numbers (cn_ids.md §1).
    case("id-17-chars", {"idNumber": PERSON_ID[:17]}, ("idNumber", "ID_NUMBER_LENGTH")),
    case("id-19-chars", {"idNumber": PERSON_ID + "1"}, ("idNumber", "ID_NUMBER_LENGTH")),
    case("id-15-legacy", {"idNumber": "110105491231002"}, ("idNumber", "ID_NUMBER_LENGTH")),
    case("id-letter", {"idNumber": PERSON_ID[:17] + "A"}, ("idNumber", "ID_NUMBER_FORMAT")),
    case("id-check-char", {"idNumber": PERSON_ID[:17] + "9"}, ("idNumber", "ID_NUMBER_CHECKSUM")),
    case("id-check-X", {"idNumber": PERSON_ID[:17] + "X"}, ("idNumber", "ID_NUMBER_CHECKSUM")),
    case(
        "id-19900230",
        {"idNumber": resident_id("11010819900230123")},
        ("idNumber", "ID_NUMBER_BIRTH_DATE"),
    ),
    case("id-month-13", {"idNumber": MONTH_13}, ("idNumber", "ID_NUMBER_BIRTH_DATE")),
    case(
        "id-19000229",
        {"idNumber": resident_id("11010819000229123")},
        ("idNumber", "ID_NUMBER_BIRTH_DATE"),
    ),
    case("id-future-birth", {"idNumber": FUTURE_BIRTH}, ("idNumber", "ID_NUMBER_FUTURE_BIRTH")),
    case(
        "id-province-99",
        {"idNumber": resident_id("99010519900307123")},
        ("idNumber", "ID_NUMBER_PROVINCE"),
    ),
    case(
        "id-province-10",
        {"idNumber": resident_id("10010519900307123")},
        ("idNumber", "ID_NUMBER_PROVINCE"),
    ),
    # ID type and region; profile against the number (SPEC §2.1).
    case("region-hmt", {"regionType": "HMT"}, ("idType", "ID_TYPE_REGION_MISMATCH")),
    case("region-other", {"regionType": "OTHER"}, ("idType", "ID_TYPE_REGION_MISMATCH")),
    case(
        "passport-in-mainland",
        {"idType": "FOREIGN_PASSPORT", "idNumber": "E12345678"},
        ("idType", "ID_TYPE_REGION_MISMATCH"),
    ),
    case("gender-mismatch", {"gender": "FEMALE"}, ("idNumber", "ID_NUMBER_PROFILE_MISMATCH")),
    case(
        "birth-date-mismatch",
        {"birthDate": "1990-03-08"},
        ("idNumber", "ID_NUMBER_PROFILE_MISMATCH"),
    ),
    case(
        "birth-date-future",
        {"birthDate": "2027-01-01"},
        ("birthDate", "DATE_IN_FUTURE"),
        ("idNumber", "ID_NUMBER_PROFILE_MISMATCH"),
    ),
    # Document validity.
    case(
        "until-before-from",
        {"idValidFrom": "2020-01-01", "idValidUntil": "2019-12-31"},
        ("idValidUntil", "ID_VALIDITY_ORDER"),
    ),
    case(
        "until-equals-from",
        {"idValidFrom": "2020-01-01", "idValidUntil": "2020-01-01"},
        ("idValidUntil", "ID_VALIDITY_ORDER"),
    ),
    case(
        "long-term-with-until",
        {"idLongTerm": True, "idValidUntil": "2040-01-01"},
        ("idValidUntil", "ID_VALIDITY_CONFLICT"),
    ),
    case(
        "expired",
        {"idValidFrom": "2005-01-01", "idValidUntil": "2025-01-01"},
        ("idValidUntil", "ID_EXPIRED"),
    ),
    case(
        "expired-yesterday",
        {"idValidFrom": "2006-11-22", "idValidUntil": "2026-11-22"},
        ("idValidUntil", "ID_EXPIRED"),
    ),
    case(
        "issued-in-future",
        {"idValidFrom": "2027-01-01", "idValidUntil": "2047-01-01"},
        ("idValidFrom", "DATE_IN_FUTURE"),
    ),
    # Truthfulness pledge.
    case("pledge-not-accepted", {"pledgeAccepted": False}, (PLEDGE_ACCEPTED, "PLEDGE_REQUIRED")),
    case("pledge-outdated", {"pledgeVersion": "2025-01"}, (PLEDGE_VERSION, "PLEDGE_OUTDATED")),
    # Names and free text.
    case("name-digits", {"realName": "张三3"}, ("realName", "REAL_NAME_FORMAT")),
    case("name-underscore", {"realName": "张_三"}, ("realName", "REAL_NAME_FORMAT")),
    case("name-blank", {"realName": "  "}, ("realName", "REQUIRED")),
    case("name-51-chars", {"realName": "张" * 51}, ("realName", "TOO_LONG")),
    case("name-nul", {"realName": "张\x00三"}, ("realName", "CONTROL_CHARACTERS")),
    case("name-esc", {"realName": "张三\x1b[31m"}, ("realName", "CONTROL_CHARACTERS")),
    case("address-201-chars", {"address": "路" * 201}, ("address", "TOO_LONG")),
    case("address-esc", {"address": "北京\x1b[2J市"}, ("address", "CONTROL_CHARACTERS")),
    case("ethnicity-33-chars", {"ethnicity": "汉" * 33}, ("ethnicity", "TOO_LONG")),
    case("occupation-65-chars", {"occupation": "x" * 65}, ("occupation", "TOO_LONG")),
    case("sms-code-blank", {"smsCode": " "}, (SMS_CODE, "REQUIRED")),
]


@pytest.mark.parametrize(("overrides", "expected"), FIELD_CASES)
async def test_bad_field_is_named_and_leaves_the_sms_code_usable(
    gql, hooks, container, overrides, expected
):
    refused = await refuse_then_retry(gql, hooks, container, overrides)
    assert [code for _, code in refused] == [code for _, code in expected]
    # Last, so that a wrong path does not hide the checks above: the field is named by its
    # path in RegisterNaturalPersonInput, as a client binds errors to form inputs.
    assert refused == expected


HOSTILE_CASES = [
    # 10,000 characters: refused by field, never a 500 (SPEC §11). Past the ceiling each
    # input declares (graphql/input_rules.py) the answer is TOO_LONG with that ceiling; up
    # to it, the field's own rule answers (login-too-long, id-19-chars, password-too-long).
    case("name-10000", {"realName": "张" * 10_000}, ("realName", "TOO_LONG")),
    case("address-10000", {"address": "a" * 10_000}, ("address", "TOO_LONG")),
    case("occupation-10000", {"occupation": "x" * 10_000}, ("occupation", "TOO_LONG")),
    case("id-number-10000", {"idNumber": "1" * 10_000}, ("idNumber", "TOO_LONG")),
    case("phone-10000", {"phone": "1" * 10_000}, (PHONE_FIELD, "TOO_LONG")),
    case("email-10000", {"email": "a" * 9_990 + "@example.com"}, (EMAIL, "TOO_LONG")),
    case("password-10000", {"password": "Aa1!" * 2_500}, (PASSWORD, "TOO_LONG")),
    case("login-10000", {"login_name": "a" * 10_000}, (LOGIN_NAME, "TOO_LONG")),
    # SQL-looking input is only text: refused by the field's own rule.
    case(
        "name-drop-table",
        {"realName": "'; DROP TABLE accounts; --"},
        ("realName", "REAL_NAME_FORMAT"),
    ),
    case("name-or-1-1", {"realName": "' OR '1'='1"}, ("realName", "REAL_NAME_FORMAT")),
    case(
        "login-drop-table",
        {"login_name": "'; DROP TABLE accounts; --"},
        (LOGIN_NAME, "LOGIN_NAME_LENGTH"),
    ),
    case("login-or-1-1", {"login_name": "' OR '1'='1"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")),
    case(
        "login-or-1-1-short", {"login_name": "a'OR'1'='1"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT_PERSON")
    ),
    case("id-number-sql", {"idNumber": "' OR '1'='1"}, ("idNumber", "ID_NUMBER_LENGTH")),
    case(
        "email-sql",
        {"email": "x'; DROP TABLE accounts; --@example.com"},
        (EMAIL, "EMAIL_INVALID"),
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), HOSTILE_CASES)
async def test_hostile_input_is_a_typed_field_error(gql, hooks, container, overrides, expected):
    refused = await refuse_then_retry(gql, hooks, container, overrides)
    assert [code for _, code in refused] == [code for _, code in expected]
    assert refused == expected


async def test_every_bad_field_is_reported_in_one_answer(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    variables = person_input(
        login_name="1x",
        phone="12345",
        code=code,
        password="short",
        email="nobody@",
        pledgeAccepted=False,
        realName="张三3",
        idNumber=PERSON_ID[:17] + "9",
        idValidFrom="2020-01-01",
        idValidUntil="2019-01-01",
    )
    zh = await submit(gql, variables)
    en = await submit(gql, variables, language="en")
    assert_messages(zh, en)
    expected = sorted(
        [
            (LOGIN_NAME, "LOGIN_NAME_LENGTH"),
            (PHONE_FIELD, "PHONE_INVALID"),
            (EMAIL, "EMAIL_INVALID"),
            (PASSWORD, "PASSWORD_TOO_SHORT"),
            (PLEDGE_ACCEPTED, "PLEDGE_REQUIRED"),
            ("realName", "REAL_NAME_FORMAT"),
            ("idNumber", "ID_NUMBER_CHECKSUM"),
            ("idValidUntil", "ID_VALIDITY_ORDER"),
        ]
    )
    assert codes(zh) == sorted(code for _, code in expected)
    await assert_nothing_written()
    await assert_code_untouched()
    await register_ok(gql, code)
    assert pairs(zh) == expected


async def test_every_field_the_edge_refuses_is_reported_in_one_answer(gql, hooks, container):
    """Control characters, over-long values and explicit nulls are refused before the
    service runs (graphql/input_rules.py), all of them at once; the service's own checks
    answer once those are fixed."""
    code = await sms_code(gql, hooks, container, PHONE)
    variables = person_input(
        code=code, password="Secret#20\x0026x", address="\x00", occupation="x" * 65
    )
    zh = await submit(gql, variables)
    en = await submit(gql, variables, language="en")
    assert_messages(zh, en)
    assert pairs(zh) == [
        ("address", "CONTROL_CHARACTERS"),
        (PASSWORD, "CONTROL_CHARACTERS"),
        ("occupation", "TOO_LONG"),
    ]
    await assert_nothing_written()
    await assert_code_untouched()
    await register_ok(gql, code)


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(full_width(PERSON_ID), id="full-width"),
        pytest.param("110108 19900307 1238", id="spaces"),
        pytest.param("110108\u300019900307\u30001238", id="ideographic-spaces"),
        pytest.param(f"  {PERSON_ID}\t", id="padded"),
    ],
)
async def test_id_number_forms_normalise_to_the_same_number(gql, hooks, container, typed):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code, idNumber=typed, gender="MALE", birthDate="1990-03-07")
    person = (await me_of(gql))["naturalPerson"]
    assert person["idNumber"] == PERSON_ID
    assert person["gender"] == "MALE"
    assert person["birthDate"] == "1990-03-07"
    # The normalised number is the one uniqueness is decided on.
    again = await sms_code(gql, hooks, container, "13712345678")
    twin = await submit(gql, person_input("lisi1990", "13712345678", again, idNumber=PERSON_ID))
    assert twin["__typename"] == "OperationRefused"
    assert twin["code"] == "REGISTRATION_CONFLICT"


async def test_lower_case_check_x_is_accepted(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code, idNumber="11010519491231002x")
    person = (await me_of(gql))["naturalPerson"]
    assert person["idNumber"] == "11010519491231002X"
    assert person["gender"] == "FEMALE"
    assert person["birthDate"] == "1949-12-31"


async def test_born_today_is_not_in_the_future(gql, hooks, container):
    # 2026-11-23 02:00 UTC is 10:00 on 2026-11-23 in China.
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code, idNumber=resident_id("11010820261123123"))
    assert (await me_of(gql))["naturalPerson"]["birthDate"] == "2026-11-23"


async def test_sql_looking_free_text_is_stored_verbatim(gql, hooks, container):
    hostile = "'; DROP TABLE accounts; -- ' OR '1'='1"
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code, address=hostile, occupation="' OR 1=1 --")
    person = (await me_of(gql))["naturalPerson"]
    assert person["address"] == hostile
    assert await Account.all().count() == 1


# --- SMS code ----------------------------------------------------------------------------


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def sms_refusal(gql: Any, code: str, **overrides: Any) -> dict[str, Any]:
    zh = await submit(gql, person_input(code=code, **overrides))
    assert zh["__typename"] == "ValidationErrors", zh
    assert zh["code"] == "VALIDATION_FAILED"
    [error] = zh["errors"]
    assert CJK.search(error["message"])
    return dict(error)


async def test_wrong_sms_code(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    error = await sms_refusal(gql, other_code(code))
    assert error["code"] == "SMS_CODE_WRONG"
    en = await submit(gql, person_input(code=other_code(code)), language="en")
    assert en["errors"][0]["code"] == "SMS_CODE_WRONG"
    assert not CJK.search(en["errors"][0]["message"])
    await assert_nothing_written()
    [challenge] = await SmsChallenge.all()
    assert challenge.attempts == 2 and challenge.state == SmsCodeState.ISSUED
    await register_ok(gql, code)
    assert error["field"] == SMS_CODE


async def test_expired_sms_code(gql, hooks, container, clock):
    code = await sms_code(gql, hooks, container, PHONE)
    clock.advance(seconds=301)
    error = await sms_refusal(gql, code)
    assert error["code"] == "SMS_CODE_EXPIRED"
    await assert_nothing_written()
    assert error["field"] == SMS_CODE


async def test_code_valid_until_its_last_second(gql, hooks, container, clock):
    code = await sms_code(gql, hooks, container, PHONE)
    clock.advance(seconds=299)
    await register_ok(gql, code)


async def test_sms_code_cannot_be_used_twice(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code)
    error = await sms_refusal(gql, code, login_name="lisi2024", idNumber=OTHER_ID, realName="李四")
    assert error["code"] == "SMS_CODE_USED"
    assert await Account.all().count() == 1
    assert error["field"] == SMS_CODE


async def test_five_wrong_tries_exhaust_the_code(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    for _ in range(5):
        error = await sms_refusal(gql, other_code(code))
        assert error["code"] == "SMS_CODE_WRONG"
    error = await sms_refusal(gql, code)
    assert error["code"] == "SMS_CODE_EXHAUSTED"
    [challenge] = await SmsChallenge.all()
    assert challenge.state == SmsCodeState.EXHAUSTED
    await assert_nothing_written()
    assert error["field"] == SMS_CODE


async def test_code_for_another_purpose_is_not_a_registration_code(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE, purpose="CHANGE_PHONE")
    error = await sms_refusal(gql, code)
    assert error["code"] == "SMS_CODE_NOT_REQUESTED"
    await assert_nothing_written()
    assert error["field"] == SMS_CODE


async def test_code_for_another_phone_is_not_accepted(gql, hooks, container):
    code = await sms_code(gql, hooks, container, "13712345678")
    error = await sms_refusal(gql, code)
    assert error["code"] == "SMS_CODE_NOT_REQUESTED"
    await assert_nothing_written()


async def test_padded_sms_code_is_the_same_code(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code=f" {code}\t")


async def test_full_width_sms_code_is_the_same_code(gql, hooks, container):
    # Phone and ID numbers accept full-width digits (an IME in full-width mode types them);
    # the form even NFKC-cleans smsCode, but the raw value is what gets compared, so the
    # right code typed in full width is refused as wrong and costs one of the five tries.
    code = await sms_code(gql, hooks, container, PHONE)
    result = await submit(gql, person_input(code=full_width(code)))
    assert result["__typename"] == "Registered", result


async def test_only_the_newest_code_counts(gql, hooks, container, clock):
    first = await sms_code(gql, hooks, container, PHONE)
    clock.advance(seconds=61)
    second = await sms_code(gql, hooks, container, PHONE)
    if first != second:
        error = await sms_refusal(gql, first)
        assert error["code"] == "SMS_CODE_WRONG"
    await register_ok(gql, second)


# --- anti-enumeration ----------------------------------------------------------------------


async def test_conflicts_get_one_answer_whichever_value_collides(gql, hooks, container, clock):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code)

    async def attempt(phone: str, **overrides: Any) -> dict[str, Any]:
        clock.advance(seconds=61)  # one code a minute per phone
        fresh = await sms_code(gql, hooks, container, phone)
        return await submit(gql, person_input(phone=phone, code=fresh, **overrides))

    same_name = await attempt("13712345678", login_name="ZhangSan", idNumber=OTHER_ID)
    same_phone = await attempt(PHONE, login_name="lisi2024", idNumber=OTHER_ID)
    same_id = await attempt("13612345678", login_name="wangwu88")
    assert same_name == same_phone == same_id, (same_name, same_phone, same_id)
    assert same_name["__typename"] == "OperationRefused"
    assert same_name["code"] == "REGISTRATION_CONFLICT"
    assert CJK.search(same_name["message"])
    assert await Account.all().count() == 1
    # The details go only to the phone proved by the code.
    assert "登录名" in await latest_sms(container, "13712345678")
    assert "证件号码" in await latest_sms(container, "13612345678")


async def test_conflict_is_not_revealed_before_the_phone_is_proved(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code)
    other = await sms_code(gql, hooks, container, "13712345678")
    result = await submit(
        gql, person_input(phone="13712345678", code=other_code(other), idNumber=OTHER_ID)
    )
    assert result["__typename"] == "ValidationErrors"
    assert codes(result) == ["SMS_CODE_WRONG"]


async def test_conflict_consumes_the_code(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code)
    other = await sms_code(gql, hooks, container, "13712345678")
    first = await submit(gql, person_input(phone="13712345678", code=other))
    assert first["code"] == "REGISTRATION_CONFLICT"
    retry = await submit(gql, person_input("lisi2024", "13712345678", other, idNumber=OTHER_ID))
    assert codes(retry) == ["SMS_CODE_USED"]
    assert await Account.all().count() == 1


async def test_english_conflict_message(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, code)
    other = await sms_code(gql, hooks, container, "13712345678")
    body = await gql(
        REGISTER_PERSON,
        {"input": person_input(phone="13712345678", code=other)},
        language="en",
    )
    result = body["data"]["registerNaturalPerson"]
    assert result["code"] == "REGISTRATION_CONFLICT"
    assert result["message"] and not CJK.search(result["message"])


async def test_refusal_writes_nothing_even_after_the_clock_moves(gql, hooks, container, clock):
    # A validation refusal today leaves the code usable until it expires, not after.
    code = await sms_code(gql, hooks, container, PHONE)
    bad = await submit(gql, person_input(code=code, idNumber=PERSON_ID[:17] + "9"))
    assert bad["__typename"] == "ValidationErrors"
    clock.advance(timedelta(seconds=301))
    error = await sms_refusal(gql, code)
    assert error["code"] == "SMS_CODE_EXPIRED"
    await assert_nothing_written()
