"""The client address behind proxies (``core/net.py``): the right-most X-Forwarded-For
entry that no trusted proxy wrote, never one the client chose."""

from __future__ import annotations

import pytest

from identity_graph.core.net import TrustedProxies

LB = "10.0.0.5"  # the load balancer, the service's peer
CLIENT = "198.51.100.7"
FORGED = "203.0.113.99"


def address(proxies: TrustedProxies, peer: str | None, *headers: str) -> str:
    return proxies.client_address(peer, list(headers))


def test_without_trusted_proxies_the_header_is_ignored():
    assert address(TrustedProxies([]), CLIENT, FORGED) == CLIENT


def test_an_appending_proxy_cannot_be_fooled_by_a_forged_entry():
    proxies = TrustedProxies(["10.0.0.0/8"])
    # The client sent "X-Forwarded-For: FORGED"; the balancer appended what it saw.
    assert address(proxies, LB, f"{FORGED}, {CLIENT}") == CLIENT
    assert address(proxies, LB, CLIENT) == CLIENT


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    proxies = TrustedProxies(["10.0.0.0/8", "192.0.2.10"])
    header = f"{FORGED}, {CLIENT}, 192.0.2.10, 10.1.2.3"
    assert address(proxies, LB, header) == CLIENT
    # Several headers are one list, in order (RFC 9110 §5.3).
    assert address(proxies, LB, f"{FORGED}, {CLIENT}", "192.0.2.10, 10.1.2.3") == CLIENT


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client():
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert address(proxies, CLIENT, FORGED) == CLIENT


def test_when_every_hop_is_trusted_the_left_most_is_taken():
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert address(proxies, LB, "10.9.9.9, 10.1.1.1") == "10.9.9.9"
    assert address(proxies, LB) == LB


@pytest.mark.parametrize("garbage", ["unknown", "a\x00b", "' OR 1=1 --", "x" * 500, "1.2.3.4.5"])
def test_an_entry_that_is_not_an_address_is_never_the_answer(garbage):
    proxies = TrustedProxies(["10.0.0.0/8"])
    # Garbage right of a trusted hop: the walk stops at the last real address.
    assert address(proxies, LB, f"{CLIENT}, {garbage}") == LB
    assert address(proxies, LB, f"{garbage}, {CLIENT}") == CLIENT


def test_ports_and_ipv6_are_understood():
    proxies = TrustedProxies(["10.0.0.0/8", "2001:db8::/32"])
    assert address(proxies, LB, f"{CLIENT}:51234") == CLIENT
    assert address(proxies, "2001:db8::1", "[2001:db8:ffff::9]:443, 2a00:1450::5") == (
        "2a00:1450::5"
    )


def test_the_deprecated_switch_trusts_exactly_the_peer():
    proxies = TrustedProxies([], peer_is_proxy=True)
    assert address(proxies, LB, f"{FORGED}, {CLIENT}") == CLIENT
    assert address(proxies, LB) == LB
    # IDG_TRUSTED_PROXIES, when set, decides alone.
    assert address(TrustedProxies(["192.0.2.0/24"], peer_is_proxy=True), LB, CLIENT) == LB


def test_an_asgi_scope_is_read_the_same_way():
    proxies = TrustedProxies(["10.0.0.0/8"])
    scope = {
        "client": (LB, 50000),
        "headers": [(b"x-forwarded-for", f"{FORGED}, {CLIENT}".encode())],
    }
    assert proxies.address_of(scope) == CLIENT
    assert proxies.address_of({"headers": []}) == "unknown"
