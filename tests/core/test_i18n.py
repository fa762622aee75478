"""Messages in the caller's language: ``negotiate`` picks zh-CN or en from ``Accept-Language``
(q-values honoured, q=0 meaning "not acceptable", zh-CN whenever in doubt) and ``Translator``
renders codes with their parameters, falls back to the code itself and refuses catalogs that
define a code twice.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.core.i18n import CORE_MESSAGES, Translator, negotiate


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "zh-CN"),
        ("", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr, en;q=0.5", "en"),
        ("en;q=0.2, zh-CN;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("EN-gb", "en"),
        ("de, en;q=0.5, zh;q=0.5", "en"),  # equal weights: header order decides
        ("en;level=1;q=0.3, zh;q=0.4", "zh-CN"),  # q need not be the first parameter
        ("en; Q=0.9, zh;q=0.1", "en"),
        ("en;q=0, fr", "zh-CN"),  # q=0: English is explicitly not acceptable
        ("zh;q=0, en;q=0.1", "en"),
        ("en;q=abc, zh;q=0.1", "zh-CN"),  # a malformed weight does not count
        ("en;q=nan, zh;q=0.1", "zh-CN"),
        ("en;q=inf, zh;q=0.1", "zh-CN"),
        ("*", "zh-CN"),
        ("\x00\xff;;;,,q=", "zh-CN"),
        ("fr-FR, de", "zh-CN"),
    ],
)
def test_negotiate(header: str | None, locale: str) -> None:
    assert negotiate(header) == locale


@given(st.text(max_size=200))
def test_negotiate_always_answers_a_supported_locale(header: str) -> None:
    assert negotiate(header) in ("zh-CN", "en")


def test_translator_formats_params_in_each_locale() -> None:
    translate = Translator([CORE_MESSAGES])

    assert translate("RATE_LIMITED", retry_after=30) == "操作过于频繁，请在 30 秒后重试"
    assert translate("RATE_LIMITED", "en", retry_after=30) == (
        "Too many attempts; try again in 30 seconds"
    )
    assert translate("TOO_LONG", "en", max=64) == "Must be at most 64 characters"


def test_missing_params_leave_the_template() -> None:
    translate = Translator([CORE_MESSAGES])
    assert translate("TOO_LONG", "en") == "Must be at most {max} characters"


def test_unknown_code_returns_the_code() -> None:
    translate = Translator([CORE_MESSAGES])
    assert translate("NO_SUCH_CODE", "en") == "NO_SUCH_CODE"
    assert "NO_SUCH_CODE" not in translate
    assert "REQUIRED" in translate


def test_catalogs_merge() -> None:
    translate = Translator([CORE_MESSAGES, {"PHONE_TAKEN": ("手机号已被使用", "Phone in use")}])
    assert translate("PHONE_TAKEN", "en") == "Phone in use"
    assert translate("PHONE_TAKEN") == "手机号已被使用"


def test_duplicate_codes_are_rejected() -> None:
    with pytest.raises(ValueError, match="REQUIRED"):
        Translator([CORE_MESSAGES, {"REQUIRED": ("必填", "Required")}])


def test_every_core_message_has_both_languages() -> None:
    for code, (chinese, english) in CORE_MESSAGES.items():
        assert chinese, code
        assert english, code
        assert chinese != english, code
