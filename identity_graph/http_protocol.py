"""uvicorn's httptools protocol answering with one socket write per response, not two.

uvicorn writes the status line and headers as soon as the app sends
``http.response.start`` and the body on ``http.response.body``: two ``send`` system calls
and, with ``TCP_NODELAY``, two packets for every small answer. The profile of the token
endpoints (bench/README.md, 2026-12-04, later) put those writes at 18–31 % of a request's
samples, the largest single cost of an introspection. Here the writes made within one turn
of the event loop are joined and go out together at the end of the turn, so a response sent
without waiting in between (every JSON answer) leaves in one write. A large write (a file)
is not copied: what is pending goes first, then the write itself, in order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_JOIN_LIMIT = 64 * 1024


class CoalescingTransport:
    """A transport whose writes within one loop turn leave as one ``write``; everything
    else is the wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if len(data) > _JOIN_LIMIT:
            self.flush()
            self._transport.write(data)
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))
        self._size += len(data)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._size = 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        wrapped: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(wrapped)
