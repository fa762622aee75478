"""Shared input cleaning (SPEC §12): ``clean_text`` normalises (NFKC, trimmed) and refuses
control characters, over-long and missing input with field-named codes; ``normalize_mobile``
turns every spelling of a mainland mobile number into 11 digits and answers ``PHONE_INVALID``
for anything else, hostile input included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.core.errors import ValidationFailed
from identity_graph.core.validators import clean_text, normalize_mobile


def field_error(value: str) -> tuple[str, str, dict[str, object]]:
    with pytest.raises(ValidationFailed) as caught:
        clean_text(value, "displayName", max_length=10)
    [error] = caught.value.errors
    return error.field, error.code, dict(error.params)


def outcome(function: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """The cleaned value, or the code of the single field error."""
    try:
        return function(*args, **kwargs)
    except ValidationFailed as exc:
        [error] = exc.errors
        return error.code


class TestCleanText:
    @pytest.mark.parametrize(
        ("raw", "clean"),
        [
            ("  张三  ", "张三"),
            ("ＡＢＣ１２３", "ABC123"),  # full width folds to ASCII
            ("ﬁne", "fine"),  # ligature
            ("\u3000王\u3000", "王"),  # ideographic spaces trimmed
            ("\t张三\n", "张三"),  # surrounding whitespace is trimmed, not refused
        ],
    )
    def test_normalises_and_trims(self, raw: str, clean: str) -> None:
        assert clean_text(raw, "displayName", max_length=10) == clean

    @pytest.mark.parametrize("raw", ["a\x00b", "a\tb", "a\x1bb", "x\x7fy", "a\u0085b"])
    def test_control_characters(self, raw: str) -> None:
        assert field_error(raw) == ("displayName", "CONTROL_CHARACTERS", {})

    def test_too_long(self) -> None:
        assert field_error("x" * 11) == ("displayName", "TOO_LONG", {"max": 10})

    def test_length_is_counted_after_normalising(self) -> None:
        assert clean_text(" " + "ｘ" * 10 + " ", "displayName", max_length=10) == "x" * 10

    @pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
    def test_required(self, raw: str) -> None:
        assert field_error(raw) == ("displayName", "REQUIRED", {})

    def test_optional_may_be_empty(self) -> None:
        assert clean_text("  ", "nickname", max_length=10, required=False) == ""

    @given(st.text(max_size=40))
    def test_output_is_clean_or_refused(self, raw: str) -> None:
        text = outcome(clean_text, raw, "displayName", max_length=20)
        if text in {"REQUIRED", "CONTROL_CHARACTERS", "TOO_LONG"}:
            return
        assert 0 < len(text) <= 20
        assert text == text.strip()
        assert unicodedata.is_normalized("NFKC", text)
        assert not any(unicodedata.category(char) == "Cc" for char in text)


class TestNormalizeMobile:
    @pytest.mark.parametrize(
        "raw",
        [
            "13812345678",
            "13\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",  # Arabic-Indic digits
            "+86 138 1234 5678",
            "１３８１２３４５６７８",
            "+8613812345678",
            "008613812345678",
            "138-1234-5678",
            " 13812345678 ",
        ],
    )
    def test_accepts_every_spelling(self, raw: str) -> None:
        assert normalize_mobile(raw) == "13812345678"

    @pytest.mark.parametrize(
        "raw",
        [
            "12812345678",
            "1381234567",
            "138123456789",
            "+1 2025550123",
            "+852 6123 4567",
            "01012345678",  # Beijing landline
            "abc",
            "'; DROP TABLE accounts;--",
            "<script>alert(1)</script>",
            "138\x0012345678",
            "13812345678 ext. 99",
            "1" * 200,
        ],
    )
    def test_refuses_with_phone_invalid(self, raw: str) -> None:
        with pytest.raises(ValidationFailed) as caught:
            normalize_mobile(raw)
        assert [(e.field, e.code) for e in caught.value.errors] == [("phone", "PHONE_INVALID")]

    def test_names_the_callers_field(self) -> None:
        with pytest.raises(ValidationFailed) as caught:
            normalize_mobile("abc", "legalRepresentativeMobile")
        assert caught.value.errors[0].field == "legalRepresentativeMobile"

    def test_empty_is_required(self) -> None:
        with pytest.raises(ValidationFailed) as caught:
            normalize_mobile("  ")
        assert caught.value.errors[0].code == "REQUIRED"

    @given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    def test_any_mobile_shaped_number_maps_to_itself_or_is_refused(self, number: str) -> None:
        # Unallocated segments (140, 154, 179, 194, ...) are refused by libphonenumber's
        # allocation data (reference/cn_ids.md §4.1); nothing else may happen.
        assert outcome(normalize_mobile, number) in {number, "PHONE_INVALID"}

    @given(st.from_regex(r"1(3[0-9]|5[0-35-9]|8[0-9]|9[0-35-9])[0-9]{8}", fullmatch=True))
    def test_allocated_segments_normalise_to_themselves(self, number: str) -> None:
        full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        assert normalize_mobile(number) == number
        assert normalize_mobile(f"+86 {number}") == number
        assert normalize_mobile(full_width) == number
