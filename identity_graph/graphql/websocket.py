"""WebSocket limits around strawberry's graphql-transport-ws handler (SPEC §9, §11).

strawberry enforces the ``connection_init`` deadline and the number of operations per
connection; this wrapper adds what it has no hook for:

* **idle timeout**: a connection with no running operation for ``idle_seconds`` is closed
  (code 4408), so abandoned sockets do not pile up on a node;
* **per-account quota release**: the slot taken in ``connection_init`` (``view.py``) is given
  back when the socket closes, however it closes;
* **error codes**: every error sent gets ``extensions.code`` and a message in the caller's
  language, as over HTTP (strawberry formats WebSocket errors itself, past ``view.py``);
* **text frames**: the protocol's messages go out as text (the view encodes JSON as bytes,
  which browsers would receive as a Blob).

It watches the protocol's own messages: ``subscribe`` from the client opens an operation;
``complete`` from either side, or ``error`` from the server, ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

ACCOUNT_SLOT = "idg.ws_account"  # scope key: the account whose quota slot this socket holds
IDLE_CLOSE = 4408


def _message(event: Message) -> dict[str, Any] | None:
    text = event.get("text")
    if text is None and event.get("bytes") is not None:
        text = event["bytes"].decode(errors="replace")
    if not text:
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


Describe = Callable[[dict[str, Any], bool], dict[str, Any]]


def _coded(message: dict[str, Any], describe: Describe) -> dict[str, Any]:
    """``error`` messages carry request errors; ``next`` results carry execution errors."""
    payload = message.get("payload")
    if message.get("type") == "error" and isinstance(payload, list):
        return {**message, "payload": [describe(error, True) for error in payload]}
    if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
        errors = [describe(error, False) for error in payload["errors"]]
        return {**message, "payload": {**payload, "errors": errors}}
    return message


async def serve_websocket(
    scope: Scope,
    receive: Receive,
    send: Send,
    handler: Callable[[Scope, Receive, Send], Awaitable[None]],
    *,
    idle_seconds: float,
    release: Callable[[str], Awaitable[None]],
    describe: Describe,
) -> None:
    loop = asyncio.get_running_loop()
    active: set[str] = set()
    idle_since = [loop.time()]  # when the last operation ended (or the socket opened)
    closed = False

    def ended(operation: str) -> None:
        if operation in active:
            active.discard(operation)
            if not active:
                idle_since[0] = loop.time()

    async def watched_receive() -> Message:
        event = await receive()
        data = _message(event) if event["type"] == "websocket.receive" else None
        if data and isinstance(data.get("id"), str):
            if data.get("type") == "subscribe":
                active.add(data["id"])
            elif data.get("type") == "complete":
                ended(data["id"])
        return event

    async def watched_send(event: Message) -> None:
        nonlocal closed
        if event["type"] == "websocket.close":
            closed = True
        data = _message(event) if event["type"] == "websocket.send" else None
        if data and data.get("type") in ("complete", "error") and isinstance(data.get("id"), str):
            ended(data["id"])
        if data and data.get("type") in ("next", "error"):
            data = _coded(data, describe)
        if data is not None:  # graphql-transport-ws speaks text frames; our JSON is bytes
            event = {"type": "websocket.send", "text": orjson.dumps(data).decode()}
        await send(event)

    async def idle_watch(task: asyncio.Task[None]) -> None:
        while not task.done():
            left = idle_seconds if active else idle_since[0] + idle_seconds - loop.time()
            if active or left > 0:
                await asyncio.sleep(max(left, 0.01))
                continue
            if not closed:
                with contextlib.suppress(Exception):
                    await send({"type": "websocket.close", "code": IDLE_CLOSE, "reason": "idle"})
            task.cancel()
            return

    task = asyncio.ensure_future(handler(scope, watched_receive, watched_send))
    watchdog = asyncio.ensure_future(idle_watch(task))
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
        account = scope.get(ACCOUNT_SLOT)
        if account:
            await release(account)
