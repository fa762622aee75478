"""Field cleaning without a database (SPEC §2.1, §2.2, §12): ``Checks``, ``clean_real_name``,
``normalize_email``, ``clean_document``, ``clean_person_document`` and ``clean_unit_codes``.
Examples first, then properties over generated resident ID numbers and credit codes.
"""

from __future__ import annotations

import string
import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2

from identity_graph.accounts.enums import LegalPersonType, UnitRegion
from identity_graph.accounts.forms import (
    CleanDocument,
    DocumentInput,
    UnitCodes,
    clean_document,
    clean_person_document,
    clean_real_name,
    clean_unit_codes,
)
from identity_graph.core.errors import FieldError, ValidationFailed
from identity_graph.core.validators import Checks, normalize_email
from identity_graph.ids.types import PROVINCES, Gender, IdType, RegionType

TODAY = date(2026, 11, 23)
PERSON_ID = "110108199003071238"  # male, 1990-03-07
FEMALE_ID = "11010519491231002X"  # female, 1949-12-31
USCC = "91350100M000100Y43"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def resident_id(body17: str) -> str:
    return body17 + mod_11_2.calc_check_digit(body17)


def errors(checks: Checks) -> list[tuple[str, str]]:
    return [(error.field, error.code) for error in checks.errors]


def document(
    number: str = PERSON_ID,
    id_type: IdType = IdType.RESIDENT_ID_CARD,
    valid_from: date | None = date(2015, 1, 1),
    valid_until: date | None = date(2035, 1, 1),
    long_term: bool = False,
) -> DocumentInput:
    return DocumentInput(id_type, number, valid_from, valid_until, long_term)


def clean(doc: DocumentInput, prefix: str = "") -> tuple[CleanDocument | None, list]:
    checks = Checks()
    result = clean_document(checks, doc, today=TODAY, prefix=prefix)
    return result, errors(checks)


# --- Checks ---------------------------------------------------------------------------------


def _refuse(field: str, code: str) -> str:
    raise ValidationFailed.single(field, code)


def test_checks_collects_every_failure_in_order():
    checks = Checks()
    assert checks.run(str.upper, "ok") == "OK"
    assert checks.run(_refuse, "a", "A_WRONG") is None
    checks.fail("b", "B_WRONG", limit=3)
    assert checks.run(_refuse, "c", "C_WRONG") is None
    assert errors(checks) == [("a", "A_WRONG"), ("b", "B_WRONG"), ("c", "C_WRONG")]
    assert checks.errors[1] == FieldError("b", "B_WRONG", {"limit": 3})
    with pytest.raises(ValidationFailed) as caught:
        checks.raise_if_any()
    assert [(e.field, e.code) for e in caught.value.errors] == errors(checks)
    assert caught.value.code == "VALIDATION_FAILED"


def test_checks_without_failures_does_not_raise():
    checks = Checks()
    assert checks.run(len, "abc") == 3
    checks.raise_if_any()
    assert checks.errors == []


def test_checks_keeps_every_error_of_a_multi_error_refusal():
    def two(field: str) -> None:
        raise ValidationFailed([FieldError(field, "X"), FieldError(field, "Y")])

    checks = Checks()
    checks.run(two, "f")
    assert errors(checks) == [("f", "X"), ("f", "Y")]


def test_checks_lets_bugs_through():
    checks = Checks()
    with pytest.raises(ZeroDivisionError):
        checks.run(lambda: 1 / 0)


# --- clean_real_name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("张三", "张三"),
        ("  张三 ", "张三"),
        ("买买提·艾力", "买买提·艾力"),
        ("O'Brien", "O'Brien"),
        ("Jean-Luc Picard", "Jean-Luc Picard"),
        ("Dr. Anna Maria", "Dr. Anna Maria"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # decomposed input is composed (NFKC)
        ("Ｚｈａｎｇ Ｓａｎ", "Zhang San"),
        ("张" * 50, "张" * 50),
    ],
)
def test_real_names_accepted(typed, cleaned):
    checks = Checks()
    assert clean_real_name(checks, typed, "realName") == cleaned
    assert checks.errors == []


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("张三3", "REAL_NAME_FORMAT"),
        ("张_三", "REAL_NAME_FORMAT"),
        ("·张三", "REAL_NAME_FORMAT"),
        ("-Anna", "REAL_NAME_FORMAT"),
        ("张三@", "REAL_NAME_FORMAT"),
        ("' OR '1'='1", "REAL_NAME_FORMAT"),
        ("'; DROP TABLE accounts; --", "REAL_NAME_FORMAT"),
        ("<script>", "REAL_NAME_FORMAT"),
        ("", "REQUIRED"),
        ("   ", "REQUIRED"),
        ("张" * 51, "TOO_LONG"),
        ("张" * 10_000, "TOO_LONG"),
        ("张\x00三", "CONTROL_CHARACTERS"),
        ("张\x1b三", "CONTROL_CHARACTERS"),
        ("张\u200b三", "REAL_NAME_FORMAT"),  # zero-width space
        ("张\u202e三", "REAL_NAME_FORMAT"),  # right-to-left override
    ],
)
def test_real_names_refused(typed, code):
    checks = Checks()
    assert clean_real_name(checks, typed, "legalRepresentative.name") is None
    assert errors(checks) == [("legalRepresentative.name", code)]


def test_names_in_scripts_written_with_combining_marks_are_letters():
    # The module promises "letters of any script"; vowel signs and other combining marks
    # (Unicode M*) are part of how Thai, Devanagari or Arabic write letters.
    for name in ("สมศักดิ์", "अनिल कुमार", "محمّد"):
        checks = Checks()
        assert clean_real_name(checks, name, "realName") == name, errors(checks)


@given(st.text(st.characters(categories=["L"]), min_size=1, max_size=50))
def test_letters_of_any_script_are_a_name(letters):
    cleaned = unicodedata.normalize("NFKC", letters)
    assume(0 < len(cleaned) <= 50 and cleaned.isalpha() and cleaned == cleaned.strip())
    checks = Checks()
    assert clean_real_name(checks, letters, "realName") == cleaned


@given(st.text(max_size=60))
def test_a_cleaned_name_never_holds_digits_or_control_characters(text):
    checks = Checks()
    name = clean_real_name(checks, text, "realName")
    if name is None:
        assert len(checks.errors) == 1 and checks.errors[0].field == "realName"
        return
    assert checks.errors == []
    assert 0 < len(name) <= 50
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Nd") or c == "_" for c in name)


# --- normalize_email ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("zhang.san@example.com", "zhang.san@example.com"),
        ("Zhang.San@Example.COM", "Zhang.San@example.com"),
        ("  li+tag@mail.example.cn ", "li+tag@mail.example.cn"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zhang@example.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
    ],
)
def test_emails_accepted(typed, normalised):
    assert normalize_email(typed) == normalised


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("not-an-email", "EMAIL_INVALID"),
        ("zhang@localhost", "EMAIL_INVALID"),
        ("zhang@", "EMAIL_INVALID"),
        ("@example.com", "EMAIL_INVALID"),
        ("zhang..san@example.com", "EMAIL_INVALID"),
        ("zhang@example..com", "EMAIL_INVALID"),
        ("zhang san@example.com", "EMAIL_INVALID"),
        ("zhang@exa mple.com", "EMAIL_INVALID"),
        ("a@b@example.com", "EMAIL_INVALID"),
        ("张三@example.com", "EMAIL_INVALID"),
        ("x" * 65 + "@example.com", "EMAIL_INVALID"),
        ("x@" + "a" * 250 + ".com", "TOO_LONG"),
        ("", "REQUIRED"),
        ("zhang\x00@example.com", "CONTROL_CHARACTERS"),
    ],
)
def test_emails_refused(typed, code):
    with pytest.raises(ValidationFailed) as caught:
        normalize_email(typed, "legalRepresentative.email")
    assert [(e.field, e.code) for e in caught.value.errors] == [("legalRepresentative.email", code)]


LOCAL = st.text(string.ascii_letters + string.digits + "+_-", min_size=1, max_size=20)
LABEL = st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)


@given(LOCAL, st.lists(LABEL, min_size=2, max_size=4))
def test_email_normalisation_is_idempotent_and_lowers_only_the_domain(local, labels):
    typed = f"{local}@{'.'.join(labels)}"
    normalised = normalize_email(typed)
    assert normalised == f"{local}@{'.'.join(labels).lower()}"
    assert normalize_email(normalised) == normalised
    assert normalize_email(full_width(typed)) == normalised


# --- clean_document / clean_person_document -------------------------------------------------


def test_resident_id_is_parsed():
    result, found = clean(document())
    assert found == []
    assert result is not None
    assert result.parsed.number == PERSON_ID
    assert result.parsed.gender == Gender.MALE
    assert result.parsed.birth_date == date(1990, 3, 7)
    assert result.parsed.province == "11"
    assert (result.valid_from, result.valid_until, result.long_term) == (
        date(2015, 1, 1),
        date(2035, 1, 1),
        False,
    )


@pytest.mark.parametrize(
    "typed",
    [
        full_width(PERSON_ID),
        "110108 19900307 1238",
        "110108\u300019900307\u30001238",
        f"\t{PERSON_ID} ",
    ],
    ids=["full-width", "spaces", "ideographic-spaces", "padded"],
)
def test_typed_forms_of_a_number_normalise(typed):
    result, found = clean(document(typed))
    assert found == []
    assert result is not None and result.parsed.number == PERSON_ID


def test_lower_case_x_is_the_check_character():
    result, found = clean(document(FEMALE_ID.lower()))
    assert found == []
    assert result is not None
    assert result.parsed.number == FEMALE_ID
    assert result.parsed.gender == Gender.FEMALE


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (PERSON_ID[:17], "ID_NUMBER_LENGTH"),
        (PERSON_ID + "0", "ID_NUMBER_LENGTH"),
        ("110105491231002", "ID_NUMBER_LENGTH"),  # 15-digit legacy: import only
        ("", "REQUIRED"),  # empty: the field is required, not too short
        (PERSON_ID[:17] + "A", "ID_NUMBER_FORMAT"),
        ("11010819900307123\u0663", "ID_NUMBER_FORMAT"),  # Arabic-Indic digit three
        (PERSON_ID[:17] + "9", "ID_NUMBER_CHECKSUM"),
        (resident_id("11010819900230123"), "ID_NUMBER_BIRTH_DATE"),
        (resident_id("11010819000229123"), "ID_NUMBER_BIRTH_DATE"),
        (resident_id("11010817991231123"), "ID_NUMBER_BIRTH_DATE"),
        (resident_id("11010820261124123"), "ID_NUMBER_FUTURE_BIRTH"),
        (resident_id("99010519900307123"), "ID_NUMBER_PROVINCE"),
        (resident_id("83000019900307123"), "ID_NUMBER_PROVINCE"),  # permits only
    ],
)
def test_bad_resident_ids(number, code):
    result, found = clean(document(number), prefix="legalRepresentative.")
    assert result is None
    assert found == [("legalRepresentative.idNumber", code)]


def test_leap_day_and_today_are_real_birth_dates():
    for body in ("11010820000229123", "11010820261123123"):
        result, found = clean(document(resident_id(body)))
        assert found == [] and result is not None


@pytest.mark.parametrize(
    ("validity", "expected"),
    [
        ({"valid_from": date(2020, 1, 1), "valid_until": date(2019, 1, 1)}, "ID_VALIDITY_ORDER"),
        ({"valid_from": date(2020, 1, 1), "valid_until": date(2020, 1, 1)}, "ID_VALIDITY_ORDER"),
        ({"valid_until": date(2040, 1, 1), "long_term": True}, "ID_VALIDITY_CONFLICT"),
        ({"valid_from": date(2005, 1, 1), "valid_until": date(2025, 1, 1)}, "ID_EXPIRED"),
        ({"valid_from": None, "valid_until": TODAY - timedelta(days=1)}, "ID_EXPIRED"),
    ],
)
def test_validity_window(validity, expected):
    result, found = clean(document(**validity), prefix="legalRepresentative.")
    assert found == [("legalRepresentative.idValidUntil", expected)]
    assert result is not None  # the number itself was fine


def test_validity_edges_accepted():
    for validity in (
        {"valid_from": TODAY, "valid_until": TODAY + timedelta(days=1)},
        {"valid_from": date(2006, 1, 1), "valid_until": TODAY},
        {"valid_from": date(2006, 1, 1), "valid_until": None, "long_term": True},
        {"valid_from": None, "valid_until": None},
    ):
        result, found = clean(document(**validity))
        assert found == [], validity
        assert result is not None


def test_issue_date_in_the_future():
    _, found = clean(document(valid_from=TODAY + timedelta(days=1), valid_until=None))
    assert found == [("idValidFrom", "DATE_IN_FUTURE")]


def test_number_and_validity_errors_together():
    doc = document(PERSON_ID[:17] + "9", valid_from=date(2020, 1, 1), valid_until=date(2010, 1, 1))
    result, found = clean(doc)
    assert result is None
    assert found == [("idNumber", "ID_NUMBER_CHECKSUM"), ("idValidUntil", "ID_VALIDITY_ORDER")]


@pytest.mark.parametrize(
    ("id_type", "number", "normalised"),
    [
        (IdType.HMT_RESIDENCE_PERMIT, "810000199408230021", "810000199408230021"),
        (IdType.HMT_RESIDENCE_PERMIT, "830000198808080041", "830000198808080041"),
        (IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, "911840199001010018", "911840199001010018"),
        (IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, "usa110085010103", "USA110085010103"),
        (IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO, "h1234567801", "H1234567801"),
        (IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO, "HA1234567", "HA1234567"),
        (IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN, "１２３４５６７８", "12345678"),
        (IdType.EXIT_ENTRY_PERMIT_HK_MACAO, "CA0000001", "CA0000001"),
        (IdType.FOREIGN_PASSPORT, "e1234567", "E1234567"),
    ],
)
def test_other_documents(id_type, number, normalised):
    result, found = clean(document(number, id_type))
    assert found == []
    assert result is not None and result.parsed.number == normalised


@pytest.mark.parametrize(
    ("id_type", "number", "code"),
    [
        (IdType.HMT_RESIDENCE_PERMIT, PERSON_ID, "ID_NUMBER_PROVINCE"),
        (IdType.EXIT_ENTRY_PERMIT_HK_MACAO, "CI0000001", "ID_NUMBER_FORMAT"),
        (IdType.EXIT_ENTRY_PERMIT_HK_MACAO, "W12345678", "ID_NUMBER_FORMAT"),
        (IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN, "1234567", "ID_NUMBER_LENGTH"),
        (IdType.FOREIGN_PASSPORT, "E12-4567", "ID_NUMBER_FORMAT"),
    ],
)
def test_other_documents_refused(id_type, number, code):
    _, found = clean(document(number, id_type))
    assert found == [("idNumber", code)]


def person_document(
    region: RegionType = RegionType.MAINLAND,
    doc: DocumentInput | None = None,
    **declared: Any,
) -> tuple[CleanDocument | None, list]:
    checks = Checks()
    result = clean_person_document(
        checks,
        region,
        doc or document(),
        birth_date=declared.get("birth_date"),
        gender=declared.get("gender"),
        today=TODAY,
    )
    return result, errors(checks)


def test_person_document_agreeing_profile():
    result, found = person_document(birth_date=date(1990, 3, 7), gender=Gender.MALE)
    assert found == [] and result is not None


@pytest.mark.parametrize(
    ("region", "doc", "declared", "expected"),
    [
        (RegionType.HMT, document(), {}, [("idType", "ID_TYPE_REGION_MISMATCH")]),
        (RegionType.OTHER, document(), {}, [("idType", "ID_TYPE_REGION_MISMATCH")]),
        (
            RegionType.MAINLAND,
            document("E12345678", IdType.FOREIGN_PASSPORT),
            {},
            [("idType", "ID_TYPE_REGION_MISMATCH")],
        ),
        (
            RegionType.MAINLAND,
            document(),
            {"gender": Gender.FEMALE},
            [("idNumber", "ID_NUMBER_PROFILE_MISMATCH")],
        ),
        (
            RegionType.MAINLAND,
            document(),
            {"birth_date": date(1990, 3, 8)},
            [("idNumber", "ID_NUMBER_PROFILE_MISMATCH")],
        ),
        (
            RegionType.MAINLAND,
            document(),
            {"birth_date": date(2027, 1, 1)},
            [("birthDate", "DATE_IN_FUTURE"), ("idNumber", "ID_NUMBER_PROFILE_MISMATCH")],
        ),
        (
            RegionType.HMT,
            document(PERSON_ID[:17] + "9"),
            {},
            [("idType", "ID_TYPE_REGION_MISMATCH"), ("idNumber", "ID_NUMBER_CHECKSUM")],
        ),
    ],
)
def test_person_document_refusals(region, doc, declared, expected):
    _, found = person_document(region, doc, **declared)
    assert found == expected


def test_documents_without_encoded_profile_are_not_compared():
    doc = document("H12345678", IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO)
    result, found = person_document(
        RegionType.HMT, doc, birth_date=date(1980, 1, 1), gender=Gender.FEMALE
    )
    assert found == [] and result is not None
    assert result.parsed.birth_date is None and result.parsed.gender is None


# --- resident ID properties -----------------------------------------------------------------


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, date, Gender]:
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1800, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(0, 999))
    body = f"{province}{county:04d}{born:%Y%m%d}{sequence:03d}"
    gender = Gender.MALE if sequence % 2 else Gender.FEMALE
    return resident_id(body), born, gender


@given(resident_ids())
def test_every_valid_resident_id_is_accepted_with_what_it_encodes(generated):
    number, born, gender = generated
    result, found = clean(document(number, valid_from=None, valid_until=None))
    assert found == []
    assert result is not None
    assert (result.parsed.number, result.parsed.birth_date, result.parsed.gender) == (
        number,
        born,
        gender,
    )
    assert result.parsed.province == number[:2]


@given(resident_ids(), st.sampled_from(["full-width", "spaced", "lower", "padded"]))
def test_typed_variants_normalise_to_the_same_result(generated, variant):
    number = generated[0]
    typed = {
        "full-width": full_width(number),
        "spaced": f"{number[:6]} {number[6:14]} {number[14:]}",
        "lower": number.lower(),
        "padded": f"\u3000{number}\t",
    }[variant]
    plain, _ = clean(document(number))
    other, found = clean(document(typed))
    assert found == []
    assert other == plain


def _still_structurally_valid(number: str) -> bool:
    if number[:2] not in PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return date(1800, 1, 1) <= born <= TODAY


@given(resident_ids(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_refused(generated, position, shift):
    number = generated[0]
    digit = (int(number[position]) + shift) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    result, found = clean(document(changed, valid_from=None, valid_until=None))
    assert result is None
    [(field, code)] = found
    assert field == "idNumber"
    if _still_structurally_valid(changed):
        assert code == "ID_NUMBER_CHECKSUM"
    else:
        assert code in {"ID_NUMBER_PROVINCE", "ID_NUMBER_BIRTH_DATE", "ID_NUMBER_FUTURE_BIRTH"}


@given(resident_ids(), st.integers(0, 15))
def test_any_adjacent_transposition_is_refused(generated, position):
    number = generated[0]
    assume(number[position] != number[position + 1])
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    result, _ = clean(document(swapped, valid_from=None, valid_until=None))
    assert result is None


@given(resident_ids(), st.sampled_from([c for c in "0123456789X"]))
def test_only_the_right_check_character_is_accepted(generated, check):
    number = generated[0]
    candidate = number[:17] + check
    result, found = clean(document(candidate, valid_from=None, valid_until=None))
    if check == number[17]:
        assert found == [] and result is not None
    else:
        assert found == [("idNumber", "ID_NUMBER_CHECKSUM")]


# --- clean_unit_codes -----------------------------------------------------------------------


def unit_codes(
    uscc: str | None = USCC,
    identifier: str | None = None,
    *,
    region: UnitRegion = UnitRegion.DOMESTIC,
    kind: LegalPersonType = LegalPersonType.ENTERPRISE,
    accept: bool = False,
) -> tuple[UnitCodes, list]:
    checks = Checks()
    result = clean_unit_codes(checks, region, kind, uscc, identifier, accept_unchecked_uscc=accept)
    return result, errors(checks)


@pytest.mark.parametrize(
    "typed",
    [USCC, USCC.lower(), full_width(USCC), full_width(USCC.lower()), "9135 0100 M000 100Y 43"],
)
def test_credit_code_forms_normalise(typed):
    result, found = unit_codes(typed)
    assert found == []
    assert result == UnitCodes(USCC, True, None)


@pytest.mark.parametrize(
    "valid",
    ["91110108MA01ABCD2H", "12100000000012345A", "51110000500000001E", "Y1110000T000000013"],
)
def test_published_synthetic_codes_accepted(valid):
    assert unit_codes(valid) == (UnitCodes(valid, True, None), [])


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        *((USCC.replace("M", letter), "USCC_FORMAT") for letter in "IOZSV"),
        ("91A50100M000100Y43", "USCC_FORMAT"),
        ("91350100M000100Y4-", "USCC_FORMAT"),
        (USCC[:17], "USCC_LENGTH"),
        (USCC + "1", "USCC_LENGTH"),
        ("9" * 41, "TOO_LONG"),
        (USCC[:17] + "4", "USCC_CHECKSUM_UNCONFIRMED"),
        (None, "USCC_REQUIRED"),
        ("   ", "USCC_REQUIRED"),
    ],
)
def test_credit_code_refusals(typed, code):
    _, found = unit_codes(typed)
    assert found == [("unit.uscc", code)]


def test_confirmed_unchecked_code_is_kept_and_flagged():
    result, found = unit_codes(USCC[:17] + "4", accept=True)
    assert found == []
    assert result == UnitCodes(USCC[:17] + "4", False, None)


@pytest.mark.parametrize(
    "kind", [k for k in LegalPersonType if k != LegalPersonType.OTHER], ids=str
)
def test_every_domestic_type_but_other_needs_a_credit_code(kind):
    assert unit_codes(None, kind=kind)[1] == [("unit.uscc", "USCC_REQUIRED")]


def test_domestic_other_needs_no_credit_code():
    assert unit_codes(None, kind=LegalPersonType.OTHER) == (UnitCodes(None, True, None), [])


@pytest.mark.parametrize("region", [UnitRegion.HMT, UnitRegion.FOREIGN])
def test_units_outside_the_mainland_need_an_identifier(region):
    _, found = unit_codes(None, None, region=region)
    assert found == [("unit.unitIdentifier", "UNIT_IDENTIFIER_REQUIRED")]
    _, blank = unit_codes(None, "  ", region=region)
    assert blank == [("unit.unitIdentifier", "UNIT_IDENTIFIER_REQUIRED")]
    result, none = unit_codes(None, " hk-2024-000123 ", region=region)
    assert none == []
    assert result == UnitCodes(None, True, "HK-2024-000123")


def test_identifier_limits():
    _, found = unit_codes(None, "x" * 65, region=UnitRegion.HMT)
    assert found == [("unit.unitIdentifier", "TOO_LONG")]
    _, found = unit_codes(None, "hk\x00123", region=UnitRegion.HMT)
    assert found == [("unit.unitIdentifier", "CONTROL_CHARACTERS")]


def test_identifier_still_fits_its_column_after_upper_casing():
    # NFKC keeps "ß"; str.upper() makes it "SS". The cleaned identifier goes into a
    # 64-character column (and into a query on it), so it must be refused or still fit.
    checks = Checks()
    result = clean_unit_codes(
        checks,
        UnitRegion.HMT,
        LegalPersonType.ENTERPRISE,
        None,
        "ß" * 64,
        accept_unchecked_uscc=False,
    )
    if checks.errors:
        assert errors(checks) == [("unit.unitIdentifier", "TOO_LONG")]
    else:
        assert result.unit_identifier is not None and len(result.unit_identifier) <= 64


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.text(USCC_CHARS, min_size=2, max_size=2))
    region = draw(st.text(string.digits, min_size=6, max_size=6))
    body = draw(st.text(USCC_CHARS, min_size=9, max_size=9))
    first17 = head + region + body
    return first17 + stdnum_uscc.calc_check_digit(first17)


@given(credit_codes())
def test_every_well_formed_code_with_its_check_is_accepted(code):
    for typed in (code, code.lower(), full_width(code)):
        assert unit_codes(typed) == (UnitCodes(code, True, None), [])


@given(credit_codes(), st.sampled_from(list(USCC_CHARS)))
def test_a_wrong_check_character_is_caught_or_flagged(code, check):
    assume(check != code[17])
    changed = code[:17] + check
    assert unit_codes(changed)[1] == [("unit.uscc", "USCC_CHECKSUM_UNCONFIRMED")]
    assert unit_codes(changed, accept=True) == (UnitCodes(changed, False, None), [])


@given(credit_codes(), st.integers(0, 17), st.sampled_from(list("IOZSV")))
def test_a_forbidden_letter_anywhere_is_a_format_error(code, position, letter):
    changed = code[:position] + letter + code[position + 1 :]
    for accept in (False, True):
        assert unit_codes(changed, accept=accept)[1] == [("unit.uscc", "USCC_FORMAT")]
