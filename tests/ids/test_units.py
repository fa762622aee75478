"""Unit identifiers (SPEC §12; reference/cn_ids.md §2): credit codes and organisation codes,
the strict and the lenient entry points, and properties over codes whose check characters
come from the formulas in cn_ids.md, not from the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.core.errors import ValidationFailed
from identity_graph.core.i18n import Translator
from identity_graph.ids.units import (
    MESSAGES,
    ParsedOrgCode,
    parse_org_code,
    parse_uscc,
    validate_org_code,
    validate_uscc,
)

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 code charset, value = index
FORBIDDEN = "IOZSV"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

EXAMPLES = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91110108MA01ABCD2H",
    "12100000000012345A",
    "51110000500000001E",
    "92440300MA5D000012",
    "Y1110000T000000013",
]


def uscc_check(body: str) -> str:
    total = sum(
        CHARSET.index(char) * weight for char, weight in zip(body, USCC_WEIGHTS, strict=True)
    )
    return CHARSET[(31 - total % 31) % 31]


def org_check(body: str) -> str:
    check = 11 - sum(ALNUM.index(char) * w for char, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def error_of(call: Any, *args: Any) -> tuple[str, str, dict[str, Any]]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args)
    [error] = caught.value.errors
    return error.field, error.code, dict(error.params)


class TestUscc:
    @pytest.mark.parametrize("code", EXAMPLES)
    def test_examples_are_valid(self, code: str) -> None:
        parsed = validate_uscc(code)
        assert (parsed.number, parsed.checksum_ok) == (code, True)

    def test_parts(self) -> None:
        parsed = validate_uscc("91350100M000100Y43")
        assert parsed.registration_authority == "9"
        assert parsed.category == "1"
        assert parsed.region_code == "350100"
        assert parsed.org_code == "M000100Y4"
        assert parsed.org_code_checksum_ok

    def test_embedded_org_code_check_is_reported_not_enforced(self) -> None:
        parsed = validate_uscc("91110108MA01ABCD2H")
        assert parsed.org_code == "MA01ABCD2"
        assert not parsed.org_code_checksum_ok

    @pytest.mark.parametrize(
        "raw",
        ["９１３５０１００Ｍ０００１００Ｙ４３", "91350100m000100y43", " 9135 0100 M000 100Y 43 "],
    )
    def test_width_case_and_spaces_normalise(self, raw: str) -> None:
        assert validate_uscc(raw).number == "91350100M000100Y43"

    @pytest.mark.parametrize("letter", FORBIDDEN)
    @pytest.mark.parametrize("position", [0, 1, 8, 12, 16, 17])
    def test_forbidden_letters_are_a_format_error(self, letter: str, position: int) -> None:
        code = "91350100M000100Y43"
        mutated = code[:position] + letter + code[position + 1 :]
        assert error_of(parse_uscc, mutated) == ("uscc", "USCC_FORMAT", {})

    @pytest.mark.parametrize("position", range(2, 8))
    def test_region_part_is_digits_only(self, position: int) -> None:
        code = "91350100M000100Y43"
        assert (
            error_of(parse_uscc, code[:position] + "A" + code[position + 1 :])[1] == "USCC_FORMAT"
        )

    @pytest.mark.parametrize("value", ["", "91350100M000100Y4", "91350100M000100Y430"])
    def test_wrong_length(self, value: str) -> None:
        assert error_of(parse_uscc, value, "unitUscc") == ("unitUscc", "USCC_LENGTH", {})

    def test_wrong_check_is_reported_by_parse_and_refused_by_validate(self) -> None:
        parsed = parse_uscc("91350100M000100Y44")
        assert (parsed.number, parsed.checksum_ok) == ("91350100M000100Y44", False)
        assert error_of(validate_uscc, "91350100M000100Y44") == ("uscc", "USCC_CHECKSUM", {})


class TestOrgCode:
    @pytest.mark.parametrize(
        ("raw", "number"),
        [
            ("12345678-8", "123456788"),
            ("MA01ABCD-5", "MA01ABCD5"),
            ("A0000000-3", "A00000003"),
            ("a00000003", "A00000003"),
            ("ＭＡ０１ＡＢＣＤ－５", "MA01ABCD5"),
        ],
    )
    def test_examples(self, raw: str, number: str) -> None:
        assert validate_org_code(raw) == ParsedOrgCode(number, checksum_ok=True)

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("1234567-8", "ORG_CODE_FORMAT"),
            ("12345678-", "ORG_CODE_FORMAT"),
            ("12345678-A", "ORG_CODE_FORMAT"),
            ("1234567_88", "ORG_CODE_FORMAT"),
            ("12345678", "ORG_CODE_LENGTH"),
            ("12345678--8", "ORG_CODE_LENGTH"),
        ],
    )
    def test_malformed(self, value: str, code: str) -> None:
        assert error_of(parse_org_code, value) == ("orgCode", code, {})

    def test_wrong_check_is_reported_by_parse_and_refused_by_validate(self) -> None:
        assert not parse_org_code("12345678-9").checksum_ok
        assert error_of(validate_org_code, "12345678-9")[1] == "ORG_CODE_CHECKSUM"


class TestMessages:
    def test_catalog_lists_exactly_the_codes_raised(self) -> None:
        assert set(MESSAGES) == {
            "USCC_LENGTH",
            "USCC_FORMAT",
            "USCC_CHECKSUM",
            "ORG_CODE_LENGTH",
            "ORG_CODE_FORMAT",
            "ORG_CODE_CHECKSUM",
        }
        assert all(zh and en and zh != en for zh, en in MESSAGES.values())

    def test_catalog_merges_with_the_person_catalog(self) -> None:
        from identity_graph.ids.person import MESSAGES as PERSON_MESSAGES

        Translator([MESSAGES, PERSON_MESSAGES])


# Properties --------------------------------------------------------------------------------

code_chars = st.sampled_from(CHARSET)
uscc_bodies = st.builds(
    lambda head, region, subject: "".join(head) + region + "".join(subject),
    st.lists(code_chars, min_size=2, max_size=2),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.lists(code_chars, min_size=9, max_size=9),
)
org_bodies = st.text(alphabet=ALNUM, min_size=8, max_size=8)


class TestProperties:
    @given(uscc_bodies)
    def test_generated_codes_with_computed_check_are_valid(self, body: str) -> None:
        assert validate_uscc(body + uscc_check(body)).number == body + uscc_check(body)

    @given(uscc_bodies, st.data())
    def test_any_single_substitution_fails_the_check(self, body: str, data: st.DataObject) -> None:
        code = body + uscc_check(body)
        position = data.draw(st.integers(0, 17))
        alphabet = "0123456789" if 2 <= position < 8 else CHARSET
        replacement = data.draw(st.sampled_from(alphabet.replace(code[position], "")))
        assert not parse_uscc(code[:position] + replacement + code[position + 1 :]).checksum_ok

    @given(uscc_bodies, st.sampled_from(FORBIDDEN), st.sampled_from([0, 1, *range(8, 18)]))
    def test_forbidden_letters_anywhere_are_refused(
        self, body: str, letter: str, position: int
    ) -> None:
        code = body + uscc_check(body)
        mutated = code[:position] + letter + code[position + 1 :]
        assert error_of(parse_uscc, mutated)[1] == "USCC_FORMAT"

    @given(org_bodies)
    def test_org_code_check_digit(self, body: str) -> None:
        check = org_check(body)
        assert validate_org_code(f"{body}-{check}").number == body + check
        for wrong in "0123456789X".replace(check, ""):
            assert not parse_org_code(body + wrong).checksum_ok

    @given(st.text(alphabet=CHARSET, min_size=8, max_size=8), uscc_bodies)
    def test_embedded_valid_org_code_is_recognised(self, org_body: str, uscc_body: str) -> None:
        body = uscc_body[:8] + org_body + org_check(org_body)
        assert validate_uscc(body + uscc_check(body)).org_code_checksum_ok
