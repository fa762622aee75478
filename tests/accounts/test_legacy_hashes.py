"""Legacy password hashes (``accounts/legacy_hashes.py``): each form checks the right
password only, malformed or weak forms are refused at parse time, Argon2 is not legacy."""

from __future__ import annotations

import base64
import hashlib

import bcrypt
import pytest

from identity_graph.accounts import legacy_hashes
from identity_graph.accounts.legacy_hashes import (
    LegacyHashInvalid,
    LegacyScheme,
    check,
    make,
    parse,
)


@pytest.mark.parametrize("scheme", list(LegacyScheme))
def test_each_scheme_checks_the_right_password_only(scheme: LegacyScheme) -> None:
    stored = make(scheme, "密码Passw0rd!", "NaCl")
    assert parse(stored).scheme == scheme
    assert check(stored, "密码Passw0rd!")
    assert not check(stored, "密码Passw0rd?")
    assert legacy_hashes.is_legacy(stored)


def test_hashes_made_elsewhere_are_understood() -> None:
    # bcrypt's own $2a$ and $2y$ prefixes, and Django's PBKDF2 layout.
    made = bcrypt.hashpw(b"secret", bcrypt.gensalt(4, prefix=b"2a")).decode()
    assert check(made, "secret") and check(made.replace("$2a$", "$2y$", 1), "secret")
    digest = base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"secret", b"salt", 1000)).decode()
    assert check(f"pbkdf2_sha256$1000$salt${digest}", "secret")
    md5 = hashlib.md5(b"saltsecret").hexdigest()  # noqa: S324 - the legacy format under test
    assert check(f"md5$salt${md5.upper()}", "secret")


@pytest.mark.parametrize(
    "text",
    [
        "plaintext",
        "$2b$04$tooshort",
        "pbkdf2_sha256$999$salt$" + "A" * 44,  # too few iterations
        "pbkdf2_sha256$1000$salt$not*base64" + "A" * 33,
        "sha256$salt$" + "a" * 63,
        "md5$salt$" + "g" * 32,
        "sha1$salt$" + "a" * 40,
    ],
)
def test_malformed_or_unknown_forms_are_refused(text: str) -> None:
    with pytest.raises(LegacyHashInvalid):
        parse(text)
    assert not check(text, "anything")


def test_argon2_is_not_legacy() -> None:
    assert not legacy_hashes.is_legacy("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA")
