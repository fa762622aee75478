"""The client address of a request, behind any number of trusted proxies.

The per-address SMS caps, captcha caps and login lockouts count by this address, so a
client must not be able to choose it. A proxy appends the address it received the request
from to ``X-Forwarded-For``; everything to the left of that is whatever the client sent.
The address is therefore read from the right: walking back from the peer, each hop that is
a trusted proxy vouches for the entry before it, and the first untrusted hop is the client
(uvicorn's ``ProxyHeadersMiddleware`` works the same way). A peer that is not a trusted
proxy is the client itself, whatever the header says.

An entry that is not an IP address cannot be a client's address: the walk stops at the
last hop that was, so garbage in the header never becomes a rate-limit key or reaches the
database.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_UNKNOWN = "unknown"


class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` entries are believed (IPs or CIDR ranges)."""

    def __init__(self, networks: Iterable[str], *, peer_is_proxy: bool = False) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(network.strip(), strict=False) for network in networks
        )
        # The deprecated IDG_TRUST_FORWARDED_FOR: the peer is one trusted proxy, whatever
        # its address, and nothing beyond it is.
        self.peer_is_proxy = peer_is_proxy

    def __bool__(self) -> bool:
        return bool(self.networks) or self.peer_is_proxy

    def trusts(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    def address_of(self, scope: Mapping[str, Any]) -> str:
        """The client address of an ASGI request (its peer and ``X-Forwarded-For``)."""
        client = scope.get("client")
        forwarded = [
            value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name == b"x-forwarded-for"
        ]
        return self.client_address(client[0] if client else None, forwarded)

    def client_address(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        """The address to count a request by: see the module docstring."""
        current = _parse(peer)
        if current is None:
            return (peer or _UNKNOWN)[:64]
        if not self.networks and self.peer_is_proxy:
            entries = _entries(forwarded_for)
            last = _parse(entries[-1]) if entries else None
            return str(last or current)
        if not self.trusts(current):
            return str(current)
        for entry in reversed(_entries(forwarded_for)):
            hop = _parse(entry)
            if hop is None:
                break
            current = hop
            if not self.trusts(hop):
                break
        return str(current)


def _entries(headers: Sequence[str]) -> list[str]:
    """Every entry of every ``X-Forwarded-For`` header, in order (RFC 9110 §5.3)."""
    return [part.strip() for header in headers for part in header.split(",") if part.strip()]


def _parse(value: str | None) -> Address | None:
    """An IP address, also as ``1.2.3.4:port`` or ``[::1]:port`` as some proxies write it."""
    if not value:
        return None
    text = value.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
