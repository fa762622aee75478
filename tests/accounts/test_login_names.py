"""Login-name rules (SPEC §2.1, §2.2) without a database: ``check_login_name`` per account
kind, the reserved ``WP_`` prefix, credit-code look-alikes, and ``login_key`` — examples,
then properties over names generated from the documented grammar.
"""

from __future__ import annotations

import string
import unicodedata
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.login_names import MESSAGES, check_login_name, login_key
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.i18n import CORE_MESSAGES
from identity_graph.ids.units import looks_like_uscc

PERSON = AccountKind.NATURAL_PERSON
ENTERPRISE = AccountKind.ENTERPRISE


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def refusal(value: str, kind: AccountKind, **kwargs: Any) -> tuple[str, str, dict[str, Any]]:
    with pytest.raises(ValidationFailed) as caught:
        check_login_name(value, kind, **kwargs)
    [error] = caught.value.errors
    return error.field, error.code, dict(error.params)


# --- examples -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("zhangsan", "zhangsan"),
        ("ZhangSan_1990", "ZhangSan_1990"),
        ("abcd", "abcd"),
        ("a" * 20, "a" * 20),
        ("张三丰2", "张三丰2"),
        ("张" * 20, "张" * 20),
        ("王小明_88", "王小明_88"),
        ("zhang_", "zhang_"),
        ("wp2024", "wp2024"),  # only "wp_" is reserved
        ("ｚｈａｎｇｓａｎ", "zhangsan"),  # full-width folds to ASCII (NFKC)
        ("  zhangsan\t", "zhangsan"),
    ],
)
def test_resident_names_accepted(typed, shown):
    assert check_login_name(typed, PERSON) == shown


@pytest.mark.parametrize(
    ("typed", "code", "params"),
    [
        ("abc", "LOGIN_NAME_LENGTH", {"min": 4, "max": 20}),
        ("张三丰", "LOGIN_NAME_LENGTH", {"min": 4, "max": 20}),
        ("a" * 21, "LOGIN_NAME_LENGTH", {"min": 4, "max": 20}),
        ("", "REQUIRED", {}),
        ("   ", "REQUIRED", {}),
        ("1zhangsan", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("13812345678", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("_zhangsan", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("zhang-san", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("zhang san", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("zhang.san", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("zhangsän", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("ㄓㄤㄙㄢ", "LOGIN_NAME_FORMAT_PERSON", {}),  # bopomofo is not 汉字
        ("' OR '1'='1", "LOGIN_NAME_FORMAT_PERSON", {}),
        ("WP_zhangsan", "LOGIN_NAME_RESERVED", {}),
        ("wp_zhangsan", "LOGIN_NAME_RESERVED", {}),
        ("Wp_zhangsan", "LOGIN_NAME_RESERVED", {}),
        ("ＷＰ＿zhangsan", "LOGIN_NAME_RESERVED", {}),
        ("Y1110000T000000013", "LOGIN_NAME_RESEMBLES_USCC", {}),
        ("zhang\x00san", "CONTROL_CHARACTERS", {}),
        ("zhang\x1bsan", "CONTROL_CHARACTERS", {}),
    ],
)
def test_resident_names_refused(typed, code, params):
    assert refusal(typed, PERSON) == ("loginName", code, params)


@pytest.mark.parametrize(
    "typed", ["Acme_001", "AcmeTrading01", "a" * 8, "A" * 20, "acme_trading", "ＡｃｍｅＴｒａｄｅ"]
)
def test_enterprise_names_accepted(typed):
    assert check_login_name(typed, ENTERPRISE) == unicodedata.normalize("NFKC", typed)


@pytest.mark.parametrize(
    ("typed", "code", "params"),
    [
        ("Acme001", "LOGIN_NAME_LENGTH", {"min": 8, "max": 20}),
        ("A" * 21, "LOGIN_NAME_LENGTH", {"min": 8, "max": 20}),
        ("1AcmeTrading", "LOGIN_NAME_FORMAT", {}),
        ("_AcmeTrading", "LOGIN_NAME_FORMAT", {}),
        ("Acme-Trading", "LOGIN_NAME_FORMAT", {}),
        ("Acme Trading", "LOGIN_NAME_FORMAT", {}),
        ("福州示例贸易有限公司", "LOGIN_NAME_FORMAT", {}),
        ("Acme贸易有限公司", "LOGIN_NAME_FORMAT", {}),
        ("WP_AcmeTrading", "LOGIN_NAME_RESERVED", {}),
        ("AB123456ABCDEFGHJK", "LOGIN_NAME_RESEMBLES_USCC", {}),
        ("ab123456abcdefghjk", "LOGIN_NAME_RESEMBLES_USCC", {}),
        ("Y1110000T000000013", "LOGIN_NAME_RESEMBLES_USCC", {}),
        ("N2110000MA00000012", "LOGIN_NAME_RESEMBLES_USCC", {}),
    ],
)
def test_enterprise_names_refused(typed, code, params):
    assert refusal(typed, ENTERPRISE) == ("loginName", code, params)


def test_name_with_forbidden_uscc_letter_is_not_a_look_alike():
    # An "I" cannot occur in a credit code, so this 18-character name is just a name.
    assert check_login_name("AB123456ABCDEFGHJI", ENTERPRISE) == "AB123456ABCDEFGHJI"


def test_field_name_is_the_callers():
    field, code, _ = refusal("ab", PERSON, field="credentials.loginName")
    assert (field, code) == ("credentials.loginName", "LOGIN_NAME_LENGTH")


def test_very_long_name_is_told_the_real_limit():
    # The rule is at most 20 characters; "at most 64" (TOO_LONG) would send the user to
    # shorten the name to 64 and be refused again.
    for kind in (PERSON, ENTERPRISE):
        for length in (21, 64, 65, 10_000):
            assert refusal("a" * length, kind)[1:] == (
                "LOGIN_NAME_LENGTH",
                {"min": 4 if kind == PERSON else 8, "max": 20},
            ), (kind, length)


def test_every_code_has_both_messages():
    for code in (
        "LOGIN_NAME_LENGTH",
        "LOGIN_NAME_FORMAT",
        "LOGIN_NAME_FORMAT_PERSON",
        "LOGIN_NAME_RESERVED",
        "LOGIN_NAME_RESEMBLES_USCC",
    ):
        zh, en = MESSAGES[code]
        assert zh and en and zh != en
    assert "{min}" in MESSAGES["LOGIN_NAME_LENGTH"][0]
    assert "REQUIRED" in CORE_MESSAGES and "CONTROL_CHARACTERS" in CORE_MESSAGES


def test_login_key_examples():
    assert login_key("ZhangSan") == login_key("zhangsan") == "zhangsan"
    assert login_key("ＺｈａｎｇＳａｎ") == "zhangsan"
    assert login_key("  zhangsan ") == "zhangsan"
    assert login_key("张三丰2") == "张三丰2"
    assert login_key("AcmeTrading01") == login_key("ACMETRADING01")


# --- properties -----------------------------------------------------------------------------

ASCII_LETTERS = string.ascii_letters
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
PERSON_FIRST = st.one_of(st.sampled_from(ASCII_LETTERS), CJK)
PERSON_REST = st.one_of(st.sampled_from(ASCII_LETTERS + string.digits + "_"), CJK)
ENTERPRISE_REST = st.sampled_from(ASCII_LETTERS + string.digits + "_")


@st.composite
def person_names(draw: st.DrawFn, min_size: int = 4, max_size: int = 20) -> str:
    first = draw(PERSON_FIRST)
    rest = draw(st.lists(PERSON_REST, min_size=min_size - 1, max_size=max_size - 1))
    return first + "".join(rest)


@st.composite
def enterprise_names(draw: st.DrawFn, min_size: int = 8, max_size: int = 20) -> str:
    first = draw(st.sampled_from(ASCII_LETTERS))
    rest = draw(st.lists(ENTERPRISE_REST, min_size=min_size - 1, max_size=max_size - 1))
    return first + "".join(rest)


def allowed(name: str) -> bool:
    return not login_key(name).startswith("wp_") and not looks_like_uscc(name)


@given(person_names())
def test_every_grammatical_resident_name_is_accepted_unchanged(name):
    assume(allowed(name))
    assert check_login_name(name, PERSON) == name
    # Padding and full-width forms are the same name.
    assert check_login_name(f"  {full_width(name)} ", PERSON) == name


@given(enterprise_names())
def test_every_grammatical_enterprise_name_is_accepted_unchanged(name):
    assume(allowed(name))
    assert check_login_name(name, ENTERPRISE) == name
    assert check_login_name(full_width(name), ENTERPRISE) == name
    # And a resident may use it too.
    assert check_login_name(name, PERSON) == name


@given(person_names(), st.sampled_from(["wp_", "WP_", "Wp_", "wP_"]))
def test_reserved_prefix_is_refused_in_any_case(name, prefix):
    candidate = (prefix + name)[:20]
    assert refusal(candidate, PERSON)[1] == "LOGIN_NAME_RESERVED"


@given(st.integers(0, 9), st.text(string.ascii_letters + string.digits + "_", max_size=19))
def test_a_name_never_starts_with_a_digit(digit, rest):
    # A resident may log in with the mobile number: no login name may look like one.
    name = f"{digit}{rest}"
    for kind in (PERSON, ENTERPRISE):
        assert refusal(name, kind)[1] in {
            "LOGIN_NAME_LENGTH",
            "LOGIN_NAME_FORMAT_PERSON",
            "LOGIN_NAME_FORMAT",
        }


@given(
    person_names(min_size=2, max_size=8),
    st.characters(categories=["Cc"]),
    person_names(min_size=2, max_size=8),
)
def test_a_control_character_inside_a_name_is_refused(head, control, tail):
    for kind in (PERSON, ENTERPRISE):
        assert refusal(head + control + tail, kind)[1] == "CONTROL_CHARACTERS"


@given(
    person_names(max_size=18),
    st.sampled_from(list("-.@!#$%&*+=/ '\"；，。、·")),
    st.integers(1, 18),
)
def test_a_character_outside_the_grammar_is_refused(name, bad, position):
    position = min(position, len(name) - 1)  # inside the name, where nothing trims it
    candidate = name[:position] + bad + name[position:]
    assert refusal(candidate, PERSON)[1] == "LOGIN_NAME_FORMAT_PERSON"


def _outcome(text: str, kind: AccountKind) -> tuple[str | None, list[Any]]:
    try:
        return check_login_name(text, kind), []
    except ValidationFailed as exc:
        return None, exc.errors


@given(st.text(max_size=40))
def test_any_text_is_either_refused_or_a_clean_grammatical_name(text):
    for kind in (PERSON, ENTERPRISE):
        name, refused = _outcome(text, kind)
        if name is None:
            assert len(refused) == 1 and refused[0].field == "loginName"
            continue
        low = 4 if kind == PERSON else 8
        assert low <= len(name) <= 20
        assert not any(unicodedata.category(char) == "Cc" for char in name)
        assert name == name.strip() == unicodedata.normalize("NFKC", name)
        assert not name[0].isdigit() and name[0] != "_"
        assert allowed(name)


@given(st.text(max_size=40))
def test_login_key_is_idempotent(text):
    assert login_key(login_key(text)) == login_key(text)


@given(person_names())
def test_login_key_ignores_case(name):
    assert login_key(name.upper()) == login_key(name.lower()) == login_key(name.swapcase())
    assert login_key(name) == login_key(full_width(name))


@given(person_names(), person_names())
def test_login_key_separates_different_names(first, second):
    assume(first.casefold() != second.casefold())
    assert login_key(first) != login_key(second)
