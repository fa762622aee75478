"""``core.signatures``: the HMAC-SHA256 scheme shared by gateways, adapters and callbacks."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from identity_graph.core.signatures import sign, verify
from identity_graph.notifications import gateways

SECRET = b"shared-secret"
BODY = b'{"outcome":"match"}'
NOW = 1_750_000_000.0
TIMESTAMP = str(int(NOW))


def test_sign_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, f"{TIMESTAMP}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, TIMESTAMP, BODY) == f"sha256={expected}"


def test_the_sms_gateway_signs_with_the_same_function() -> None:
    assert gateways.sign is sign


def test_verify_accepts_its_own_signature() -> None:
    assert verify(SECRET, TIMESTAMP, BODY, sign(SECRET, TIMESTAMP, BODY), now=NOW)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [
        (b"other-secret", TIMESTAMP, BODY),
        (SECRET, str(int(NOW) - 1), BODY),
        (SECRET, TIMESTAMP, b'{"outcome":"mismatch"}'),
    ],
    ids=["secret", "timestamp", "body"],
)
def test_verify_refuses_any_change(secret: bytes, timestamp: str, body: bytes) -> None:
    signature = sign(SECRET, TIMESTAMP, BODY)

    assert not verify(secret, timestamp, body, signature, now=NOW)


@pytest.mark.parametrize("signature", ["", "sha256=", "md5=abc", "sha256=é"])
def test_verify_refuses_garbage_signatures(signature: str) -> None:
    assert not verify(SECRET, TIMESTAMP, BODY, signature, now=NOW)


@pytest.mark.parametrize("skew", [-300, 300])
def test_verify_accepts_the_edges_of_the_window(skew: int) -> None:
    timestamp = str(int(NOW) + skew)

    assert verify(SECRET, timestamp, BODY, sign(SECRET, timestamp, BODY), now=NOW)


@pytest.mark.parametrize("skew", [-301, 301])
def test_verify_refuses_timestamps_outside_the_window(skew: int) -> None:
    timestamp = str(int(NOW) + skew)

    assert not verify(SECRET, timestamp, BODY, sign(SECRET, timestamp, BODY), now=NOW)


def test_the_window_is_configurable() -> None:
    timestamp = str(int(NOW) - 60)
    signature = sign(SECRET, timestamp, BODY)

    assert not verify(SECRET, timestamp, BODY, signature, now=NOW, tolerance_seconds=30)
    assert verify(SECRET, timestamp, BODY, signature, now=NOW, tolerance_seconds=60)


@pytest.mark.parametrize(
    "timestamp",
    [
        "",
        "soon",
        " 1750000000",
        "+1750000000",
        "1_750_000_000",
        "１７５０００００００",
        "1750000000.5",
    ],
)
def test_verify_refuses_unparsable_timestamps(timestamp: str) -> None:
    # Even correctly signed: the receiver cannot tell how old the request is.
    assert not verify(SECRET, timestamp, BODY, sign(SECRET, timestamp, BODY), now=NOW)
