"""Control characters are refused at the edge, in one place, before any route runs
(SPEC §11: bad input gets a typed answer, never a 500).

PostgreSQL refuses NUL in text, and no client id, login name, code or redirect address
holds a control character or a lone surrogate, so a request carrying one anywhere a route
reads text is answered here: in the path, the query string, a form body
(``application/x-www-form-urlencoded``, decoded exactly as Starlette decodes it) and the
client credentials of HTTP Basic authentication (RFC 6749 §2.3.1, which authlib decodes
without guarding against bytes that are not UTF-8).

The answer is the one the route's clients understand, chosen by path: the OAuth endpoints
answer ``invalid_request`` (RFC 6749 §5.2, RFC 6750 §3.1), the authorization endpoint
follows RFC 6749 §4.1.2.1 (see ``web/authorize.py``), and pages show a friendly 400 page
naming the field by its label. ``/graphql`` is left to the GraphQL input guard
(``graphql/input_rules.py``), which also sees inline literals and names the input field;
the operations endpoints read no input.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from urllib.parse import unquote, unquote_plus

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from identity_graph.core.validators import has_control_characters

# The field at fault (a parameter name, ``path`` or ``client_id``) and the request.
Responder = Callable[[Request, str], Awaitable[Response]]
_FORM = b"application/x-www-form-urlencoded"


class InputHygieneMiddleware:
    """Answers a request carrying a control character with its route's refusal."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        responders: Sequence[tuple[str, Responder]],
        default: Responder,
        exempt: Iterable[str],
    ) -> None:
        self.app = app
        self.responders = list(responders)
        self.default = default
        self.exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        field = (
            ("path" if has_control_characters(path) else None)
            or _first_bad(_query_fields(scope.get("query_string", b"")))
            or _bad_basic_credentials(headers.get(b"authorization", b""))
        )
        if field is None and _is_form(scope, headers):
            body = await _read_body(receive)
            receive = _replay(body, receive)
            field = _first_bad(_query_fields(body))
        if field is None:
            await self.app(scope, receive, send)
            return
        response = await self._responder(path)(Request(scope, receive), field)
        await response(scope, receive, send)

    def _responder(self, path: str) -> Responder:
        for prefix, responder in self.responders:
            if path.startswith(prefix):
                return responder
        return self.default


def _query_fields(raw: bytes) -> Iterator[tuple[str, str]]:
    """Names and values as Starlette reads them (``parse_qsl`` for query strings,
    ``unquote_plus`` for forms, both from latin-1 text); splitting at ``;`` as well as
    ``&`` only cuts finer, so nothing Starlette would read escapes the check."""
    if not raw:
        return
    text = raw.decode("latin-1")
    for part in text.replace(";", "&").split("&"):
        name, _, value = part.partition("=")
        yield unquote_plus(name), unquote_plus(value)


def _first_bad(fields: Iterable[tuple[str, str]]) -> str | None:
    for name, value in fields:
        if has_control_characters(name):
            return "parameter"
        if has_control_characters(value):
            return name
    return None


def _bad_basic_credentials(header: bytes) -> str | None:
    """``client_id`` if HTTP Basic credentials do not decode to clean text."""
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        text = base64.b64decode(token.strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "client_id"
    client_id, _, secret = text.partition(":")
    if has_control_characters(unquote(client_id)) or has_control_characters(unquote(secret)):
        return "client_id"
    return None


def _is_form(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return scope["method"] in ("POST", "PUT", "PATCH") and content_type == _FORM


async def _read_body(receive: Receive) -> bytes:
    """The whole body (its size is already capped by ``RequestMiddleware``); a client
    gone before its end raises ``ClientDisconnect``, as Starlette's ``Request.body`` does."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: no request to route
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the route the body read here, then the client's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
