"""Field encryption, blind indexes and masking for personal data (SPEC §11, PIPL).

* ``FieldCipher``: AES-256-GCM with a random 96-bit nonce. The key id travels in the
  ciphertext (``v1.<kid>.<nonce+ciphertext>``) so keys can rotate: new writes use the
  current key, old rows stay readable with the previous keys until re-encrypted.
* ``BlindIndex``: a keyed HMAC of the normalised value, for equality look-ups on
  encrypted columns (phone, ID number). Its key is separate and does not rotate with the
  encryption key, or every index would need rebuilding.
* Masking helpers for answers not meant for the owner or a reviewer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from identity_graph.core.errors import DomainError

_VERSION = "v1"


def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte sub-key for one purpose (HKDF-SHA256), so one secret serves many uses."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master
    )


def normalize_identifier(value: str) -> str:
    """NFKC (full-width to half-width), no whitespace, upper case: the form IDs are compared in."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


class FieldCipher:
    """Authenticated encryption of single fields with rotating keys."""

    def __init__(self, master_keys: list[bytes]) -> None:
        if not master_keys:
            raise ValueError("at least one key is required")
        self._keys: dict[str, AESGCM] = {}
        self._current = ""
        for index, master in enumerate(master_keys):
            kid = hashlib.sha256(derive_key(master, "idg key id")).hexdigest()[:8]
            self._keys[kid] = AESGCM(derive_key(master, "idg field encryption"))
            if index == 0:
                self._current = kid

    @property
    def current_key_id(self) -> str:
        return self._current

    def encrypt(self, plaintext: str, context: str = "") -> str:
        """Encrypt ``plaintext``; ``context`` (e.g. the column name) is bound as associated data."""
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), context.encode())
        payload = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{_VERSION}.{self._current}.{payload}"

    def decrypt(self, token: str, context: str = "") -> str:
        try:
            version, kid, payload = token.split(".", 2)
            key = self._keys[kid]
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            if version != _VERSION:
                raise ValueError(version)
            return key.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except Exception as exc:  # any malformed or foreign ciphertext
            raise DomainError("CIPHERTEXT_INVALID") from exc

    def seal(self, data: bytes, context: str = "") -> bytes:
        """Encrypt binary data (document scans): ``v1`` + key id + nonce + ciphertext."""
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, data, context.encode())
        return _VERSION.encode() + self._current.encode() + nonce + sealed

    def open(self, blob: bytes, context: str = "") -> bytes:
        try:
            if blob[:2] != _VERSION.encode():
                raise ValueError("unknown version")
            key = self._keys[blob[2:10].decode()]
            return key.decrypt(blob[10:22], blob[22:], context.encode())
        except Exception as exc:  # any malformed or foreign blob
            raise DomainError("CIPHERTEXT_INVALID") from exc

    def needs_rotation(self, token: str) -> bool:
        """True when ``token`` was sealed with a key other than the current one."""
        parts = token.split(".", 2)
        if len(parts) != 3 or parts[0] != _VERSION:
            raise DomainError("CIPHERTEXT_INVALID")
        return parts[1] != self._current


class BlindIndex:
    """Deterministic keyed hash of a normalised identifier, for look-ups."""

    def __init__(self, key: bytes) -> None:
        self._key = derive_key(key, "idg blind index")

    def __call__(self, kind: str, value: str) -> str:
        message = f"{kind}\x1f{normalize_identifier(value)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """``130701199310302288`` -> ``1307**********2288``; short numbers keep less."""
    value = normalize_identifier(value)
    if len(value) <= 6:
        return "*" * len(value)
    keep = 4 if len(value) >= 12 else 2
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``; seven characters or fewer are hidden entirely."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str) -> str:
    """``zhangsan@example.com`` -> ``z***@example.com``."""
    local, sep, domain = value.partition("@")
    if not sep:
        return mask_name(value)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_name(value: str) -> str:
    """Keep the first character (surname) and, for three or more, the last: 王小明 -> 王*明."""
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
