"""The thread bridge between async Starlette and synchronous authlib (ARCHITECTURE §3).

Routes read the request, load what authlib will ask for (the client, the signing key) and
put it in ``PREPARED``; then ``run`` enters a worker thread where authlib works. Context
variables travel into the thread, so the hooks find the prepared objects without a hop back
to the event loop. A hook that needs something not prepared calls ``call_async``, which
runs a coroutine on the event loop and waits for it; ARCHITECTURE.md measured each such
hop at about 0.8 ms, so hot paths prepare instead.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio.from_thread
import anyio.to_thread

from identity_graph.clients.models import OAuthClient

T = TypeVar("T")


@dataclass
class Prepared:
    """What one request's authlib hooks may read without leaving the thread."""

    clients: dict[str, OAuthClient | None] = field(default_factory=dict)
    signing_key: Any = None
    tokens: dict[str, Any] = field(default_factory=dict)
    id_token_key: Any = None
    code: Any = None  # the authorization code claimed by this request
    code_request: Any = None  # who authorizes, at the authorize step
    refresh: Any = None  # the refresh token the route claimed for this request
    successor: Any = None  # its successor, written by the claim (oauth_refresh.Successor)
    inline: bool = False  # running on the event loop: nothing may be fetched
    dpop_jkt: str | None = None  # the key a valid DPoP proof of this request was signed with
    exchange: Any = None  # token exchange: what the route found (token_exchange.Exchange)
    ciba: Any = None  # CIBA grant: what the poll found (confirmations.ciba Approved/CibaRefused)


PREPARED: ContextVar[Prepared | None] = ContextVar("idg_oauth_prepared", default=None)


async def run(prepared: Prepared, function: Callable[..., T], *args: Any) -> T:
    """Run authlib's ``function`` in a worker thread with ``prepared`` visible to its hooks."""
    token = PREPARED.set(prepared)
    try:
        return await anyio.to_thread.run_sync(function, *args)
    finally:
        PREPARED.reset(token)


def run_inline(prepared: Prepared, function: Callable[..., T], *args: Any) -> T:
    """Run authlib's ``function`` on the event loop, for requests whose hooks read only
    ``prepared`` (no I/O): the thread hop is then pure overhead. A hook that needed
    ``call_async`` here would fail loudly (not in a worker thread), never block."""
    prepared.inline = True
    token = PREPARED.set(prepared)
    try:
        return function(*args)
    finally:
        PREPARED.reset(token)


def call_async(function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """From inside ``run``: await ``function(*args)`` on the event loop."""
    return anyio.from_thread.run(function, *args)
