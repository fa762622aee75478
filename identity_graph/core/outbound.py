"""HTTP clients for calls the service makes to others (registries, SMS gateways, partner
webhooks, CIBA pings, back-channel logouts, upstream identity providers).

Every client shares one TLS context: building one loads the whole CA bundle (about 20 ms),
and a process creates several clients at start and more for each back-channel call. The
context is built on first use and only read afterwards, which ``ssl`` allows from any
thread. Proxies from the environment (``HTTPS_PROXY`` …) are honoured as httpx does.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import httpx


@cache
def tls_context() -> ssl.SSLContext:
    """The default verifying context (system or certifi CA bundle), built once."""
    return httpx.create_ssl_context()


def outbound_client(**options: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on the shared TLS context; ``options`` as httpx takes them
    (``timeout``, ``follow_redirects`` …)."""
    return httpx.AsyncClient(verify=tls_context(), **options)
