"""Info update records (SPEC §4.4): ``masked_change`` masks personal fields, renders dates,
booleans and enumerations as text, and keeps public unit data as it is; properties over
generated values check that a masked value never contains the clear one."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.accounts.enums import EnterpriseSize, Holding
from identity_graph.accounts.records import (
    MASKS,
    FieldChange,
    InfoUpdateLog,
    mask_address,
    masked_change,
)
from identity_graph.core.clock import FixedClock
from identity_graph.core.crypto import normalize_identifier


@pytest.mark.parametrize(
    ("field", "old", "new", "expected"),
    [
        ("password", "Secret#2026x", "Better#Pass2027", ("******", "******")),
        ("phone", "13812345678", "13987654321", ("138****5678", "139****4321")),
        (
            "email",
            "zhangsan@example.com",
            "Li.Si@example.org",
            ("z***@example.com", "L***@example.org"),
        ),
        ("realName", "王小明", "张三", ("王*明", "张*")),
        (
            "idNumber",
            "110108199003071238",
            "11010519491231002x",
            ("1101**********1238", "1101**********002X"),
        ),
        (
            "address",
            "北京市海淀区中关村大街1号",
            "福建省福州市鼓楼区五四路1号",
            ("北京市海淀区******", "福建省福州市******"),
        ),
        ("legalRepresentative.name", "欧阳娜娜", "李四", ("欧**娜", "李*")),
        (
            "legalRepresentative.idNumber",
            "440304198510152347",
            "310115197001010011",
            ("4403**********2347", "3101**********0011"),
        ),
        ("legalRepresentativeMobile", "13912345678", "13700001111", ("139****5678", "137****1111")),
        ("unitPhone", "0591-87654321", "0591-12345678", ("059******4321", "059******5678")),
        (
            "mailingAddress",
            "北京市海淀区中关村南大街5号",
            "上海市浦东新区世纪大道100号",
            ("北京市海淀区******", "上海市浦东新******"),
        ),
        ("ethnicity", "汉族", "维吾尔族", ("******", "******")),
        ("occupation", "工人", "软件工程师", ("工*", "软***师")),
        (
            "legalRepresentativeEmail",
            "lisi@example.com",
            "boss@corp.cn",
            ("l***@example.com", "b***@corp.cn"),
        ),
    ],
)
def test_personal_fields_are_masked_on_both_sides(field, old, new, expected):
    change = masked_change(field, old, new)
    assert change == FieldChange(field, *expected)
    assert old not in (change.old or "") + (change.new or "")
    assert new not in (change.old or "") + (change.new or "")


def test_every_masked_field_is_covered_above():
    assert set(MASKS) == {
        "password",
        "phone",
        "email",
        "realName",
        "idNumber",
        "address",
        "mailingAddress",
        "unitPhone",
        "ethnicity",
        "occupation",
        "legalRepresentative.name",
        "legalRepresentative.idNumber",
        "legalRepresentativeMobile",
        "legalRepresentativeEmail",
    }


@pytest.mark.parametrize("field", sorted(MASKS))
def test_absent_values_stay_absent(field):
    assert masked_change(field, None, None) == FieldChange(field, None, None)
    set_first = masked_change(field, None, "13812345678")
    assert set_first.old is None
    assert set_first.new is not None
    assert set_first.new != "13812345678"
    cleared = masked_change(field, "13812345678", None)
    assert cleared.new is None
    assert cleared.old != "13812345678"


def test_dates_booleans_and_enumerations_become_text():
    assert masked_change("foundingDate", date(2012, 5, 4), date(2013, 1, 31)) == FieldChange(
        "foundingDate", "2012-05-04", "2013-01-31"
    )
    assert masked_change("foundingDate", None, date(2000, 2, 29)) == FieldChange(
        "foundingDate", None, "2000-02-29"
    )
    assert masked_change("independentLegalPerson", True, False) == FieldChange(
        "independentLegalPerson", "true", "false"
    )
    assert masked_change("independentLegalPerson", None, True) == FieldChange(
        "independentLegalPerson", None, "true"
    )
    assert masked_change("size", EnterpriseSize.SMALL, EnterpriseSize.MEDIUM) == FieldChange(
        "size", "small", "medium"
    )
    assert masked_change("holding", Holding.PRIVATE, None) == FieldChange(
        "holding", "private", None
    )


def test_public_unit_data_is_recorded_as_it_is():
    assert masked_change("homepage", None, "https://www.example.com/") == FieldChange(
        "homepage", None, "https://www.example.com/"
    )
    assert masked_change("industry", "5191", "3911") == FieldChange("industry", "5191", "3911")
    assert masked_change("shortName", "示例", "示例贸易") == FieldChange(
        "shortName", "示例", "示例贸易"
    )


def test_short_addresses_are_hidden_entirely():
    assert mask_address("海淀区") == "******"
    assert mask_address("北京市海淀区") == "******"
    assert mask_address("北京市海淀区1") == "北京市海淀区******"


async def test_nothing_changed_writes_no_record():
    log = InfoUpdateLog(FixedClock())
    assert await log.record(uuid.uuid4(), None, []) is None


# --- properties ----------------------------------------------------------------------------

# Text without the mask character itself: a value made of asterisks is its own mask.
TEXT = st.text(alphabet=st.characters(exclude_characters="*", exclude_categories=["Cs"]))
MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
RESIDENT_IDS = st.from_regex(r"[1-8][0-9]{16}[0-9Xx]", fullmatch=True)
EMAILS = st.emails().filter(lambda value: "*" not in value)
ADDRESSES = st.text(
    alphabet=st.characters(categories=["Lo", "Nd", "Lu", "Ll", "Zs", "Pd"], exclude_characters="*"),
    min_size=7,
    max_size=200,
)


def hides(field: str, value: str) -> None:
    change = masked_change(field, value, value)
    assert change.old == change.new
    assert change.new is not None
    assert value not in change.new, (value, change.new)


@given(MOBILES)
def test_masked_mobiles_never_contain_the_number(value):
    for field in ("phone", "legalRepresentativeMobile"):
        hides(field, value)
    assert masked_change("phone", None, value).new == value[:3] + "****" + value[-4:]


@given(TEXT.filter(lambda value: len(value) >= 8))
def test_masked_phone_like_text_never_contains_the_value(value):
    hides("phone", value)


@given(RESIDENT_IDS)
def test_masked_id_numbers_never_contain_the_number(value):
    for field in ("idNumber", "legalRepresentative.idNumber"):
        hides(field, value)
        assert value.upper()[4:14] not in masked_change(field, None, value).new


@given(TEXT.filter(lambda value: len(normalize_identifier(value)) >= 7))
def test_masked_id_like_text_never_contains_the_value(value):
    hides("idNumber", value)


@given(EMAILS)
def test_masked_emails_never_contain_the_address(value):
    for field in ("email", "legalRepresentativeEmail"):
        hides(field, value)
    local, _, domain = value.partition("@")
    # The first character and the domain stay readable.
    assert masked_change("email", None, value).new == local[:1] + "***@" + domain


@given(ADDRESSES)
def test_masked_addresses_never_contain_the_address(value):
    hides("address", value)
    assert masked_change("address", None, value).new == value[:6] + "******"


@given(TEXT.filter(lambda value: len(value) >= 2))
def test_masked_names_never_contain_the_name(value):
    for field in ("realName", "legalRepresentative.name"):
        hides(field, value)


@given(st.one_of(MOBILES, RESIDENT_IDS, EMAILS, ADDRESSES, TEXT))
def test_passwords_are_always_hidden(value):
    assert masked_change("password", value, value) == FieldChange("password", "******", "******")


@given(TEXT)
def test_unmasked_fields_are_kept_verbatim(value):
    assert masked_change("homepage", None, value) == FieldChange("homepage", None, value)
