"""Password hashes carried over from legacy systems (SPEC §2.5, legacy import).

A legacy hash is kept in ``password_credentials.hash`` exactly as below until the owner's
first successful login, which re-hashes the password to Argon2id (``AccountService``):

* bcrypt: the modular form ``$2a$`` / ``$2b$`` / ``$2y$`` (checked by the ``bcrypt`` package);
* PBKDF2-SHA256: ``pbkdf2_sha256$<iterations>$<salt>$<base64 digest>`` (Django's form);
* salted SHA-256: ``sha256$<salt>$<hex of sha256(salt + password)>``;
* salted MD5: ``md5$<salt>$<hex of md5(salt + password)>`` (Django's old salted forms).

Digests are compared with ``hmac.compare_digest``. ``parse`` refuses anything malformed,
so a broken import row is reported instead of stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

import anyio
import bcrypt


class LegacyScheme(StrEnum):
    BCRYPT = "bcrypt"
    PBKDF2_SHA256 = "pbkdf2_sha256"
    SALTED_SHA256 = "sha256"
    SALTED_MD5 = "md5"


_BCRYPT = re.compile(r"\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}")
_PBKDF2 = re.compile(r"pbkdf2_sha256\$(\d{1,7})\$([^$]{1,64})\$([A-Za-z0-9+/=]{43,44})")
_SALTED = re.compile(r"(sha256|md5)\$([^$]{0,64})\$([0-9a-fA-F]+)")
_HEX_LENGTHS = {"sha256": 64, "md5": 32}
# Below this a PBKDF2 hash is refused at import: it would be cheaper than salted SHA-256.
MIN_PBKDF2_ITERATIONS = 1_000


class LegacyHashInvalid(ValueError):
    """The text is not a legacy hash in one of the forms above."""


@dataclass(frozen=True)
class LegacyHash:
    scheme: LegacyScheme
    text: str


def is_legacy(stored: str) -> bool:
    """True for a stored hash that is not Argon2 (so it must be a legacy one)."""
    return not stored.startswith("$argon2")


def parse(text: str) -> LegacyHash:
    """The scheme of ``text``, or ``LegacyHashInvalid`` if it matches none of them."""
    value = text.strip()
    if _BCRYPT.fullmatch(value):
        return LegacyHash(LegacyScheme.BCRYPT, value)
    match = _PBKDF2.fullmatch(value)
    if match:
        if int(match.group(1)) < MIN_PBKDF2_ITERATIONS:
            raise LegacyHashInvalid("too few PBKDF2 iterations")
        try:
            base64.b64decode(match.group(3), validate=True)
        except binascii.Error:
            raise LegacyHashInvalid("digest is not base64") from None
        return LegacyHash(LegacyScheme.PBKDF2_SHA256, value)
    match = _SALTED.fullmatch(value)
    if match and len(match.group(3)) == _HEX_LENGTHS[match.group(1)]:
        return LegacyHash(LegacyScheme(match.group(1)), value)
    raise LegacyHashInvalid("unknown hash format")


def check(stored: str, password: str) -> bool:
    """Whether ``password`` matches the legacy hash ``stored`` (False for anything else)."""
    try:
        legacy = parse(stored)
    except LegacyHashInvalid:
        return False
    secret = password.encode("utf-8")
    if legacy.scheme == LegacyScheme.BCRYPT:
        # bcrypt reads at most 72 bytes; the legacy system hashed the same prefix.
        return bcrypt.checkpw(secret[:72], legacy.text.encode("ascii"))
    if legacy.scheme == LegacyScheme.PBKDF2_SHA256:
        _, iterations, salt, digest = legacy.text.split("$", 3)
        derived = hashlib.pbkdf2_hmac("sha256", secret, salt.encode("utf-8"), int(iterations))
        return hmac.compare_digest(base64.b64encode(derived).decode("ascii"), digest)
    name, salt, digest = legacy.text.split("$", 2)
    computed = hashlib.new(name, salt.encode("utf-8") + secret).hexdigest()
    return hmac.compare_digest(computed, digest.lower())


async def check_off_loop(stored: str, password: str, limiter: anyio.CapacityLimiter) -> bool:
    """``check`` in a worker thread: bcrypt and PBKDF2 cost milliseconds of CPU by design."""
    return await anyio.to_thread.run_sync(check, stored, password, limiter=limiter)


def make(scheme: LegacyScheme, password: str, salt: str, *, rounds: int = 0) -> str:
    """A legacy hash of ``password`` (fixtures and the benchmark write legacy files)."""
    secret = password.encode("utf-8")
    if scheme == LegacyScheme.BCRYPT:
        return bcrypt.hashpw(secret, bcrypt.gensalt(rounds or 4)).decode("ascii")
    if scheme == LegacyScheme.PBKDF2_SHA256:
        iterations = rounds or MIN_PBKDF2_ITERATIONS
        derived = hashlib.pbkdf2_hmac("sha256", secret, salt.encode("utf-8"), iterations)
        return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(derived).decode('ascii')}"
    digest = hashlib.new(scheme.value, salt.encode("utf-8") + secret).hexdigest()
    return f"{scheme.value}${salt}${digest}"
