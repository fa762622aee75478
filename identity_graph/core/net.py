"""The client address of a request, trusting ``X-Forwarded-For`` only when configured."""

from __future__ import annotations


def client_address(peer: str | None, forwarded_for: str | None, *, trust_proxy: bool) -> str:
    if trust_proxy and forwarded_for:
        first = forwarded_for.split(",")[0].strip()
        if first:
            return first[:64]
    return (peer or "unknown")[:64]
