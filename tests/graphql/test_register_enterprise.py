"""``registerEnterprise`` over HTTP (SPEC §2.2, §12): the happy path and both login forms,
account-name rules, credit-code and unit-identifier rules, the legal representative's
document, industry, homepage, telephone and founding date, and the duplicate rules.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest

from identity_graph.accounts.models import Account, Enterprise, PasswordCredential
from identity_graph.challenges.models import SmsChallenge, SmsCodeState
from tests.graphql.accounts_helpers import (
    ME,
    REGISTER_ENTERPRISE,
    USCC,
    enterprise_input,
    latest_sms,
    login,
    register_person,
    sms_code,
)

PHONE = "13912345678"
NAME = "AcmeTrading01"
CJK = re.compile(r"[\u3400-\u9fff]")
LOGIN_NAME = "credentials.loginName"
REP_ID = "440304198510152347"


@pytest.fixture
def settings(settings):
    """The shared test settings with cheap Argon2: hashing cost is not under test here."""
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def form(
    code: str,
    login_name: str = NAME,
    phone: str = PHONE,
    *,
    unit: dict[str, Any] | None = None,
    rep: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """``enterprise_input`` with changes merged into ``unit`` and ``legalRepresentative``."""
    variables = copy.deepcopy(enterprise_input(login_name, phone, code))
    variables["unit"].update(unit or {})
    variables["legalRepresentative"].update(rep or {})
    variables.update(top)
    return variables


async def submit(gql: Any, variables: dict[str, Any], *, language: str | None = None) -> dict:
    body = await gql(REGISTER_ENTERPRISE, {"input": variables}, language=language)
    assert "errors" not in body, body
    return dict(body["data"]["registerEnterprise"])


async def register_ok(gql: Any, variables: dict[str, Any]) -> dict[str, Any]:
    result = await submit(gql, variables)
    assert result["__typename"] == "Registered", result
    return result


def pairs(result: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((error["field"], error["code"]) for error in result["errors"])


async def me_of(gql: Any, identifier: str = NAME) -> dict[str, Any]:
    session = await login(gql, "ENTERPRISE", identifier)
    assert session["__typename"] == "SessionTokens", session
    body = await gql(ME, token=session["accessToken"])
    return dict(body["data"]["me"])


def case(name: str, changes: dict[str, Any], *expected: tuple[str, str]) -> Any:
    return pytest.param(changes, sorted(expected), id=name)


# --- happy path -----------------------------------------------------------------------------


async def test_register_then_log_in_by_name_and_by_credit_code(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    result = await register_ok(gql, form(code))
    account = result["account"]
    assert account["kind"] == "ENTERPRISE"
    assert account["loginName"] == NAME
    assert account["level"] == "PHONE_VERIFIED"
    assert account["status"] == "ACTIVE"
    assert account["phone"] == "139****5678"
    assert result["passwordStrength"] == "STRONG"

    for identifier in (
        NAME,
        NAME.lower(),
        USCC,
        USCC.lower(),
        full_width(USCC),
        f" {USCC} ",
    ):
        session = await login(gql, "ENTERPRISE", identifier)
        assert session["__typename"] == "SessionTokens", (identifier, session)
        assert session["account"]["kind"] == "ENTERPRISE"
        assert session["account"]["id"] == account["id"]

    me = await me_of(gql, USCC)
    assert me["kind"] == "ENTERPRISE"
    assert me["naturalPerson"] is None
    unit = me["enterprise"]
    assert unit["name"] == "福州示例贸易有限公司"
    assert unit["uscc"] == USCC
    assert unit["legalPersonType"] == "ENTERPRISE"
    assert unit["address"] == "福建省福州市鼓楼区五四路1号"
    rep = unit["legalRepresentative"]
    assert rep["name"] == "李四"
    assert rep["idType"] == "RESIDENT_ID_CARD"
    assert rep["mobile"] == "139****5678"
    row = await Enterprise.get(id=account["id"])
    assert row.uscc_checksum_ok is True
    assert row.industry == "5191"
    assert REP_ID not in row.legal_rep_id_number_cipher
    assert await PasswordCredential.all().count() == 1
    # A resident login form does not find an enterprise.
    wrong_kind = await login(gql, "NATURAL_PERSON", NAME)
    assert wrong_kind["__typename"] == "LoginRefusedError", wrong_kind


async def test_wrong_password_does_not_log_in(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, form(code))
    refused = await login(gql, "ENTERPRISE", USCC, password="Wrong#2026x")
    assert refused["__typename"] != "SessionTokens"


@pytest.mark.parametrize(
    ("changes", "stored"),
    [
        pytest.param({"unit": {"uscc": USCC.lower()}}, {"uscc": USCC}, id="lower-case-uscc"),
        pytest.param({"unit": {"uscc": full_width(USCC)}}, {"uscc": USCC}, id="full-width-uscc"),
        pytest.param({"unit": {"uscc": "9135 0100 M000 100Y 43"}}, {"uscc": USCC}, id="spaced"),
        pytest.param({"unit": {"industry": "C3911"}}, {"industry": "3911"}, id="C3911"),
        pytest.param({"unit": {"industry": "c３９１１"}}, {"industry": "3911"}, id="c3911-fw"),
        pytest.param({"unit": {"industry": " 3911 "}}, {"industry": "3911"}, id="3911-padded"),
        pytest.param({"unit": {"industry": None}}, {"industry": None}, id="no-industry"),
        pytest.param(
            {"unit": {"homepage": "https://www.example.com/about"}},
            {"homepage": "https://www.example.com/about"},
            id="homepage",
        ),
        pytest.param(
            {"unit": {"unitPhone": "0591-87654321"}}, {"unit_phone": "0591-87654321"}, id="tel"
        ),
        pytest.param(
            {"unit": {"unitPhone": "+86 591 8765 4321"}},
            {"unit_phone": "+86 591 8765 4321"},
            id="tel-intl",
        ),
        pytest.param(
            {"unit": {"foundingDate": "2026-11-23"}},
            {"founding_date": date(2026, 11, 23)},
            id="founded-today",
        ),
        pytest.param(
            {"unit": {"legalPersonType": "OTHER", "uscc": None}},
            {"uscc": None},
            id="domestic-other-without-uscc",
        ),
        pytest.param(
            {"rep": {"idType": "FOREIGN_PASSPORT", "idNumber": "e1234567"}},
            {"legal_rep_id_type": "foreign_passport"},
            id="rep-foreign-passport",
        ),
    ],
)
async def test_accepted_variants(gql, hooks, container, changes, stored):
    code = await sms_code(gql, hooks, container, PHONE)
    result = await register_ok(gql, form(code, **changes))
    row = await Enterprise.get(id=result["account"]["id"])
    for column, value in stored.items():
        assert getattr(row, column) == value, column


@pytest.mark.parametrize("region", ["HMT", "FOREIGN"])
async def test_unit_from_outside_the_mainland_registers_with_a_unit_identifier(
    gql, hooks, container, region
):
    code = await sms_code(gql, hooks, container, PHONE)
    unit = {"regionType": region, "uscc": None, "unitIdentifier": "hk-2024-000123"}
    result = await register_ok(gql, form(code, unit=unit))
    row = await Enterprise.get(id=result["account"]["id"])
    assert row.uscc is None
    assert row.unit_identifier == "HK-2024-000123"
    me = await me_of(gql)
    assert me["enterprise"]["uscc"] is None


async def test_unchecked_credit_code_is_accepted_when_confirmed(gql, hooks, container):
    bad_check = USCC[:17] + "4"
    code = await sms_code(gql, hooks, container, PHONE)
    refused = await submit(gql, form(code, unit={"uscc": bad_check}))
    assert refused["__typename"] == "ValidationErrors"
    assert pairs(refused) == [("unit.uscc", "USCC_CHECKSUM_UNCONFIRMED")]
    assert await Account.all().count() == 0
    result = await register_ok(gql, form(code, unit={"uscc": bad_check}, acceptUncheckedUscc=True))
    row = await Enterprise.get(id=result["account"]["id"])
    assert row.uscc == bad_check
    assert row.uscc_checksum_ok is False
    # It logs in by the code as printed.
    assert (await login(gql, "ENTERPRISE", bad_check))["__typename"] == "SessionTokens"


async def test_confirmation_does_not_excuse_a_malformed_code(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    result = await submit(
        gql, form(code, unit={"uscc": USCC.replace("M", "O")}, acceptUncheckedUscc=True)
    )
    assert pairs(result) == [("unit.uscc", "USCC_FORMAT")]
    assert await Account.all().count() == 0


# --- refusals -------------------------------------------------------------------------------

FIELD_CASES = [
    # Account names (SPEC §2.2: 8-20, letter first, letters/digits/_ only).
    case("name-7", {"login_name": "Acme001"}, (LOGIN_NAME, "LOGIN_NAME_LENGTH")),
    case("name-21", {"login_name": "A" * 21}, (LOGIN_NAME, "LOGIN_NAME_LENGTH")),
    case("name-digit-first", {"login_name": "1AcmeTrading"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT")),
    case("name-_-first", {"login_name": "_AcmeTrading"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT")),
    case("name-hyphen", {"login_name": "Acme-Trading"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT")),
    case("name-dot", {"login_name": "Acme.Trading"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT")),
    case("name-cjk", {"login_name": "Acme贸易有限公司01"}, (LOGIN_NAME, "LOGIN_NAME_FORMAT")),
    case("name-WP_", {"login_name": "WP_AcmeTrading"}, (LOGIN_NAME, "LOGIN_NAME_RESERVED")),
    case(
        "name-like-uscc",
        {"login_name": "AB123456ABCDEFGHJK"},
        (LOGIN_NAME, "LOGIN_NAME_RESEMBLES_USCC"),
    ),
    case(
        "name-like-uscc-lower",
        {"login_name": "ab123456abcdefghjk"},
        (LOGIN_NAME, "LOGIN_NAME_RESEMBLES_USCC"),
    ),
    case(
        "name-like-Y1-uscc",
        {"login_name": "Y1110000T000000013"},
        (LOGIN_NAME, "LOGIN_NAME_RESEMBLES_USCC"),
    ),
    # Credit code (GB 32100-2015: no I, O, Z, S, V; 18 characters; MOD 31 check).
    *(
        case(
            f"uscc-letter-{letter}",
            {"unit": {"uscc": USCC.replace("M", letter)}},
            ("unit.uscc", "USCC_FORMAT"),
        )
        for letter in "IOZSV"
    ),
    case(
        "uscc-letter-in-region",
        {"unit": {"uscc": "91A50100M000100Y43"}},
        ("unit.uscc", "USCC_FORMAT"),
    ),
    case("uscc-17", {"unit": {"uscc": USCC[:17]}}, ("unit.uscc", "USCC_LENGTH")),
    # A typed but unusable code is that error only: the field was not left empty.
    case(
        "uscc-nul",
        {"unit": {"uscc": USCC[:9] + "\x00" + USCC[9:]}},
        ("unit.uscc", "CONTROL_CHARACTERS"),
    ),
    case("uscc-19", {"unit": {"uscc": USCC + "3"}}, ("unit.uscc", "USCC_LENGTH")),
    case(
        "uscc-check",
        {"unit": {"uscc": USCC[:17] + "4"}},
        ("unit.uscc", "USCC_CHECKSUM_UNCONFIRMED"),
    ),
    case("uscc-missing", {"unit": {"uscc": None}}, ("unit.uscc", "USCC_REQUIRED")),
    case("uscc-blank", {"unit": {"uscc": "  "}}, ("unit.uscc", "USCC_REQUIRED")),
    case(
        "uscc-missing-social-org",
        {"unit": {"uscc": None, "legalPersonType": "SOCIAL_ORGANISATION"}},
        ("unit.uscc", "USCC_REQUIRED"),
    ),
    case(
        "uscc-missing-individual",
        {"unit": {"uscc": None, "legalPersonType": "INDIVIDUAL_BUSINESS"}},
        ("unit.uscc", "USCC_REQUIRED"),
    ),
    case(
        "hmt-no-identifier",
        {"unit": {"regionType": "HMT", "uscc": None}},
        ("unit.unitIdentifier", "UNIT_IDENTIFIER_REQUIRED"),
    ),
    case(
        "foreign-no-identifier",
        {"unit": {"regionType": "FOREIGN", "uscc": None, "unitIdentifier": " "}},
        ("unit.unitIdentifier", "UNIT_IDENTIFIER_REQUIRED"),
    ),
    # Legal representative's document and contacts.
    case(
        "rep-id-check",
        {"rep": {"idNumber": REP_ID[:17] + "8"}},
        ("legalRepresentative.idNumber", "ID_NUMBER_CHECKSUM"),
    ),
    case(
        "rep-id-17",
        {"rep": {"idNumber": REP_ID[:17]}},
        ("legalRepresentative.idNumber", "ID_NUMBER_LENGTH"),
    ),
    case(
        "rep-id-19900230",
        {"rep": {"idNumber": "110108199002301230"}},
        ("legalRepresentative.idNumber", "ID_NUMBER_BIRTH_DATE"),
    ),
    case(
        "rep-id-province",
        {"rep": {"idNumber": "990105199003071232"}},
        ("legalRepresentative.idNumber", "ID_NUMBER_PROVINCE"),
    ),
    case(
        "rep-permit-shape",
        {"rep": {"idType": "EXIT_ENTRY_PERMIT_HK_MACAO", "idNumber": "W12345678"}},
        ("legalRepresentative.idNumber", "ID_NUMBER_FORMAT"),
    ),
    case(
        "rep-expired",
        {"rep": {"idLongTerm": False, "idValidFrom": "2005-01-01", "idValidUntil": "2025-01-01"}},
        ("legalRepresentative.idValidUntil", "ID_EXPIRED"),
    ),
    case(
        "rep-long-term-with-until",
        {"rep": {"idValidUntil": "2040-01-01"}},
        ("legalRepresentative.idValidUntil", "ID_VALIDITY_CONFLICT"),
    ),
    case(
        "rep-until-before-from",
        {"rep": {"idLongTerm": False, "idValidFrom": "2020-01-01", "idValidUntil": "2019-01-01"}},
        ("legalRepresentative.idValidUntil", "ID_VALIDITY_ORDER"),
    ),
    case(
        "rep-issued-in-future",
        {"rep": {"idValidFrom": "2027-01-01"}},
        ("legalRepresentative.idValidFrom", "DATE_IN_FUTURE"),
    ),
    case(
        "rep-name",
        {"rep": {"name": "李四4"}},
        ("legalRepresentative.name", "REAL_NAME_FORMAT"),
    ),
    case(
        "rep-name-sql",
        {"rep": {"name": "' OR '1'='1"}},
        ("legalRepresentative.name", "REAL_NAME_FORMAT"),
    ),
    case(
        "rep-mobile",
        {"rep": {"mobile": "12345"}},
        ("legalRepresentative.mobile", "PHONE_INVALID"),
    ),
    case(
        "rep-email",
        {"rep": {"email": "li.si@"}},
        ("legalRepresentative.email", "EMAIL_INVALID"),
    ),
    # Industry (GB/T 4754-2017 small class, optionally with its section letter).
    case(
        "industry-2-digits", {"unit": {"industry": "39"}}, ("unit.industry", "INDUSTRY_CODE_FORMAT")
    ),
    case(
        "industry-5-digits",
        {"unit": {"industry": "39111"}},
        ("unit.industry", "INDUSTRY_CODE_FORMAT"),
    ),
    case(
        "industry-CC", {"unit": {"industry": "CC3911"}}, ("unit.industry", "INDUSTRY_CODE_FORMAT")
    ),
    case(
        "industry-nul",
        {"unit": {"industry": "3911\x00"}},
        ("unit.industry", "CONTROL_CHARACTERS"),
    ),
    case("industry-99", {"unit": {"industry": "9999"}}, ("unit.industry", "INDUSTRY_CODE_UNKNOWN")),
    case("industry-00", {"unit": {"industry": "0011"}}, ("unit.industry", "INDUSTRY_CODE_UNKNOWN")),
    case(
        "industry-section",
        {"unit": {"industry": "A3911"}},
        ("unit.industry", "INDUSTRY_SECTION_MISMATCH"),
    ),
    # Homepage, telephone, founding date, names.
    case(
        "homepage-ftp",
        {"unit": {"homepage": "ftp://example.com"}},
        ("unit.homepage", "HOMEPAGE_INVALID"),
    ),
    case(
        "homepage-bare",
        {"unit": {"homepage": "www.example.com"}},
        ("unit.homepage", "HOMEPAGE_INVALID"),
    ),
    case(
        "homepage-js",
        {"unit": {"homepage": "javascript:alert(1)//x.cn"}},
        ("unit.homepage", "HOMEPAGE_INVALID"),
    ),
    case(
        "homepage-no-dot",
        {"unit": {"homepage": "http://localhost"}},
        ("unit.homepage", "HOMEPAGE_INVALID"),
    ),
    case("tel-letters", {"unit": {"unitPhone": "abc"}}, ("unit.unitPhone", "UNIT_PHONE_INVALID")),
    case("tel-short", {"unit": {"unitPhone": "12"}}, ("unit.unitPhone", "UNIT_PHONE_INVALID")),
    case(
        "tel-sql", {"unit": {"unitPhone": "1' OR '1'='1"}}, ("unit.unitPhone", "UNIT_PHONE_INVALID")
    ),
    case(
        "founded-tomorrow",
        {"unit": {"foundingDate": "2026-11-24"}},
        ("unit.foundingDate", "DATE_IN_FUTURE"),
    ),
    case(
        "founded-2030",
        {"unit": {"foundingDate": "2030-01-01"}},
        ("unit.foundingDate", "DATE_IN_FUTURE"),
    ),
    case("unit-name-blank", {"unit": {"name": " "}}, ("unit.name", "REQUIRED")),
    case("unit-name-101", {"unit": {"name": "公" * 101}}, ("unit.name", "TOO_LONG")),
    case("unit-name-esc", {"unit": {"name": "示例\x1b公司"}}, ("unit.name", "CONTROL_CHARACTERS")),
    case("unit-address-10000", {"unit": {"address": "路" * 10_000}}, ("unit.address", "TOO_LONG")),
    case(
        "unit-short-name-51",
        {"unit": {"shortName": "x" * 51}},
        ("unit.shortName", "TOO_LONG"),
    ),
]


@pytest.mark.parametrize(("changes", "expected"), FIELD_CASES)
async def test_bad_field_is_named_and_nothing_is_written(gql, hooks, container, changes, expected):
    code = await sms_code(gql, hooks, container, PHONE)
    variables = form(code, **changes)
    zh = await submit(gql, variables)
    en = await submit(gql, variables, language="en")
    assert zh["__typename"] == en["__typename"] == "ValidationErrors", zh
    assert sorted(e["code"] for e in zh["errors"]) == [code for _, code in expected]
    assert pairs(en) == pairs(zh)
    for error in zh["errors"]:
        assert error["message"] and CJK.search(error["message"]), error
    for error in en["errors"]:
        assert error["message"] and not CJK.search(error["message"]), error
    assert await Account.all().count() == 0
    assert await Enterprise.all().count() == 0
    [challenge] = await SmsChallenge.all()
    assert challenge.state == SmsCodeState.ISSUED and challenge.attempts == 0
    await register_ok(gql, form(code))  # the same code, corrected form
    assert pairs(zh) == expected


async def test_every_bad_unit_field_is_reported_at_once(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    variables = form(
        code,
        unit={
            "uscc": USCC.replace("M", "I"),
            "industry": "9999",
            "homepage": "example",
            "unitPhone": "phone",
            "foundingDate": "2030-01-01",
        },
        rep={"idNumber": REP_ID[:17] + "8", "mobile": "1"},
    )
    result = await submit(gql, variables)
    assert pairs(result) == [
        ("legalRepresentative.idNumber", "ID_NUMBER_CHECKSUM"),
        ("legalRepresentative.mobile", "PHONE_INVALID"),
        ("unit.foundingDate", "DATE_IN_FUTURE"),
        ("unit.homepage", "HOMEPAGE_INVALID"),
        ("unit.industry", "INDUSTRY_CODE_UNKNOWN"),
        ("unit.unitPhone", "UNIT_PHONE_INVALID"),
        ("unit.uscc", "USCC_FORMAT"),
    ]
    assert await Account.all().count() == 0


async def test_unit_identifier_that_grows_when_upper_cased_is_a_field_error(gql, hooks, container):
    # NFKC leaves "ß" alone and str.upper() turns it into "SS": 64 characters in, 128 out,
    # past the 64-character column. The answer must be a typed field error or a stored
    # value that fits, never an internal error after the SMS code was spent.
    code = await sms_code(gql, hooks, container, PHONE)
    unit = {"regionType": "HMT", "uscc": None, "unitIdentifier": "ß" * 64}
    body = await gql(REGISTER_ENTERPRISE, {"input": form(code, unit=unit)})
    assert "errors" not in body, body
    result = body["data"]["registerEnterprise"]
    if result["__typename"] == "Registered":
        row = await Enterprise.get(id=result["account"]["id"])
        assert row.unit_identifier is not None and len(row.unit_identifier) <= 64
    else:
        assert pairs(result) == [("unit.unitIdentifier", "TOO_LONG")]
        [challenge] = await SmsChallenge.all()
        assert challenge.state == SmsCodeState.ISSUED


# --- duplicates -----------------------------------------------------------------------------


async def test_duplicate_credit_code_is_refused_and_the_holder_is_told(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, form(code))
    other_phone = "13712345678"
    other = await sms_code(gql, hooks, container, other_phone)
    refused = await submit(
        gql, form(other, "OtherTrading02", other_phone, unit={"uscc": full_width(USCC.lower())})
    )
    assert refused["__typename"] == "OperationRefused", refused
    assert refused["code"] == "REGISTRATION_CONFLICT"
    assert CJK.search(refused["message"])
    assert await Account.all().count() == 1
    assert await Enterprise.all().count() == 1
    to_registrant = await latest_sms(container, other_phone)
    assert "统一社会信用代码" in to_registrant
    to_holder = await latest_sms(container, PHONE)
    assert "尝试" in to_holder and "统一社会信用代码" in to_holder and NAME in to_holder


async def test_duplicate_unit_identifier_is_refused(gql, hooks, container):
    unit = {"regionType": "HMT", "uscc": None, "unitIdentifier": "HK-2024-000123"}
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, form(code, unit=unit))
    other = await sms_code(gql, hooks, container, "13712345678")
    unit_again = {**unit, "unitIdentifier": "hk-2024-000123"}
    refused = await submit(gql, form(other, "OtherTrading02", "13712345678", unit=unit_again))
    assert refused["code"] == "REGISTRATION_CONFLICT"
    assert await Enterprise.all().count() == 1


async def test_account_name_is_unique_case_insensitively(gql, hooks, container):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, form(code))
    other = await sms_code(gql, hooks, container, "13712345678")
    refused = await submit(
        gql,
        form(other, NAME.upper(), "13712345678", unit={"uscc": "91110108MA01ABCDEN"}),
    )
    assert refused["code"] == "REGISTRATION_CONFLICT"
    assert await Account.all().count() == 1


async def test_one_phone_holds_one_resident_and_one_enterprise(gql, hooks, container, clock):
    resident = await register_person(gql, hooks, container, phone=PHONE)
    assert resident["__typename"] == "Registered", resident
    clock.advance(seconds=61)  # one code a minute per phone
    code = await sms_code(gql, hooks, container, PHONE)
    enterprise = await register_ok(gql, form(code))
    assert enterprise["account"]["kind"] == "ENTERPRISE"
    assert await Account.all().count() == 2

    clock.advance(seconds=61)
    again = await sms_code(gql, hooks, container, PHONE)
    second = await submit(gql, form(again, "SecondUnit2024", unit={"uscc": "91110108MA01ABCDEN"}))
    assert second["__typename"] == "OperationRefused", second
    assert second["code"] == "REGISTRATION_CONFLICT"
    assert await Account.all().count() == 2
    assert await Enterprise.all().count() == 1
    assert "该手机号码已注册过同类账号" in await latest_sms(container, PHONE)


async def test_conflict_answers_are_identical_for_enterprises(gql, hooks, container, clock):
    code = await sms_code(gql, hooks, container, PHONE)
    await register_ok(gql, form(code))

    async def attempt(phone: str, login_name: str, uscc: str) -> dict[str, Any]:
        clock.advance(seconds=61)
        fresh = await sms_code(gql, hooks, container, phone)
        return await submit(gql, form(fresh, login_name, phone, unit={"uscc": uscc}))

    same_name = await attempt("13712345678", NAME, "91110108MA01ABCDEN")
    same_phone = await attempt(PHONE, "OtherTrading02", "91440300MA5F00001A")
    same_uscc = await attempt("13612345678", "ThirdTrading03", USCC)
    assert same_name == same_phone == same_uscc
    assert same_name["code"] == "REGISTRATION_CONFLICT"
    assert await Account.all().count() == 1
