"""Random secrets and keyed hashes for storing them.

Codes and tokens are never stored in clear: the database keeps ``HMAC-SHA256(key, purpose,
value)`` and comparisons run in constant time (ARCHITECTURE §3, "secrets are single-use").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token with ``nbytes`` bytes of entropy."""
    return secrets.token_urlsafe(nbytes)


def numeric_code(digits: int = 6) -> str:
    """A uniformly random decimal code, zero-padded (SMS codes)."""
    return str(secrets.randbelow(10**digits)).zfill(digits)


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


class SecretHasher:
    """Keyed hashes of secrets at rest; the purpose is part of the message so that a code
    issued for one purpose never matches another."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, purpose: str, value: str) -> str:
        message = f"{purpose}\x1f{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def digest_bytes(self, purpose: str, data: bytes) -> str:
        """Keyed hash of binary content (document storage keys)."""
        return hmac.new(self._key, purpose.encode() + b"\x1f" + data, hashlib.sha256).hexdigest()

    def matches(self, purpose: str, value: str, stored: str) -> bool:
        return constant_time_equals(self.digest(purpose, value), stored)
