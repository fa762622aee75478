"""HMAC-SHA256 signatures over HTTP bodies, for outbound adapters and inbound callbacks.

One scheme for every machine-to-machine exchange (SMS gateway, registry check, provider
callbacks, SPEC §10): the MAC covers ``timestamp + "." + body`` and travels as
``sha256=<hex>`` next to the timestamp. Putting the timestamp under the MAC and refusing
old ones on receipt bounds a replay to the tolerance window; idempotency keys and
request ids bound what a replay inside the window can achieve.
"""

from __future__ import annotations

import hashlib
import hmac
import re

# Whole seconds since the epoch, ASCII digits only: int() would also accept " 1", "+1",
# "1_0" and non-ASCII digits, and a sender has no reason to send any of those.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance_seconds: int = 300,
) -> bool:
    """Whether ``signature`` is ours for ``body`` and ``timestamp`` is within the window."""
    if not _TIMESTAMP.fullmatch(timestamp):
        return False
    if abs(now - int(timestamp)) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body)
    # Bytes, not str: compare_digest refuses non-ASCII str, and the header is untrusted.
    return hmac.compare_digest(expected.encode(), signature.encode())
