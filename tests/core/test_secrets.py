"""Secrets at rest: ``SecretHasher`` digests are keyed and bound to a purpose, so a code issued
for one purpose never matches another, and matching goes through a constant-time comparison;
``numeric_code`` and ``new_token`` have the promised shape.
"""

from __future__ import annotations

import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.core import secrets as secrets_module
from identity_graph.core.secrets import (
    SecretHasher,
    constant_time_equals,
    new_token,
    numeric_code,
)

HASHER = SecretHasher(b"secret-hasher-test-key")


def test_digest_is_deterministic_hex() -> None:
    digest = HASHER.digest("sms_login", "123456")
    assert digest == HASHER.digest("sms_login", "123456")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_purposes_are_separate() -> None:
    stored = HASHER.digest("sms_login", "123456")

    assert HASHER.matches("sms_login", "123456", stored)
    assert not HASHER.matches("password_reset", "123456", stored)
    assert HASHER.digest("password_reset", "123456") != stored


def test_keys_are_separate() -> None:
    stored = HASHER.digest("sms_login", "123456")
    assert not SecretHasher(b"another-key").matches("sms_login", "123456", stored)


@given(value=st.text(max_size=50), other=st.text(max_size=50))
def test_matches_only_the_same_value(value: str, other: str) -> None:
    stored = HASHER.digest("sms_login", value)
    assert HASHER.matches("sms_login", value, stored)
    assert HASHER.matches("sms_login", other, stored) == (value == other)


def test_matching_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(left: bytes, right: bytes) -> bool:
        calls.append((left, right))
        return real(left, right)

    monkeypatch.setattr(secrets_module.hmac, "compare_digest", spy)
    stored = HASHER.digest("sms_login", "123456")

    assert HASHER.matches("sms_login", "123456", stored)
    assert not HASHER.matches("sms_login", "654321", stored)
    assert len(calls) == 2
    assert all(right == stored.encode() for _, right in calls)


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ("abc", "abc", True),
        ("abc", "abd", False),
        ("abc", "abcd", False),
        ("验证码", "验证码", True),
    ],
)
def test_constant_time_equals(left: str, right: str, equal: bool) -> None:
    assert constant_time_equals(left, right) is equal


@pytest.mark.parametrize("digits", [4, 6, 8])
def test_numeric_code_format(digits: int) -> None:
    codes = {numeric_code(digits) for _ in range(200)}
    assert all(re.fullmatch(rf"\d{{{digits}}}", code) for code in codes)
    assert len(codes) > 100  # random, not a constant


def test_numeric_code_is_zero_padded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets_module.secrets, "randbelow", lambda upper: 42)
    assert numeric_code() == "000042"


def test_numeric_code_draws_from_the_whole_range(monkeypatch: pytest.MonkeyPatch) -> None:
    bounds: list[int] = []

    def randbelow(upper: int) -> int:
        bounds.append(upper)
        return 0

    monkeypatch.setattr(secrets_module.secrets, "randbelow", randbelow)
    numeric_code(6)
    assert bounds == [1_000_000]


def test_new_token_is_url_safe_and_unique() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)
    assert len(new_token(16)) == 22
