"""authlib request objects built from Starlette requests (authlib ships Flask and Django
adapters; this is the same for Starlette).

The body is read here, on the event loop, before authlib runs in a thread. The URI authlib
sees is rebuilt on ``IDG_PUBLIC_URL``: behind a TLS-terminating proxy the request arrives as
plain http, and authlib (rightly) refuses OAuth over plain http to anything but loopback.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from starlette.requests import Request
from starlette.responses import JSONResponse

_FORM = "application/x-www-form-urlencoded"
# Starlette's form parser refuses more fields than this (a 400); a body that might hold
# as many goes through it, so the answer stays the same.
_MAX_FIELDS = 1000


class FormPayload(OAuth2Payload):
    """Query and form parameters; a repeated parameter keeps every value (authlib refuses
    repeated OAuth parameters, RFC 6749 §3.1)."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._data: dict[str, str] = {}
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._data.setdefault(key, value)
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    def __init__(
        self,
        method: str,
        uri: str,
        headers: dict[str, str],
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = FormPayload(query + form)
        self._query = dict(query)
        self._form = dict(form)

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


def urlencoded_fields(body: bytes) -> list[tuple[str, str]] | None:
    """An ``application/x-www-form-urlencoded`` body read exactly as Starlette's
    ``request.form()`` reads it (python-multipart's querystring parser: fields split at
    ``&``, empty ones skipped, a name without ``=`` has an empty value, names and values
    decoded from latin-1 text by ``unquote_plus``), without building the parser per
    request; None for a body that might hold more fields than Starlette accepts."""
    if body.count(b"&") >= _MAX_FIELDS:
        return None
    fields = []
    for part in body.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            text = unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1"))
            fields.append(text)
    return fields


async def form_fields(request: Request) -> list[tuple[str, str]]:
    """The text fields of a POSTed urlencoded form (none for any other request)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method != "POST" or content_type != _FORM:
        return []
    fields = urlencoded_fields(await request.body())
    if fields is None:
        form = await request.form()
        fields = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    return fields


async def oauth2_request(request: Request, public_url: str) -> StarletteOAuth2Request:
    raw_query: bytes = request.scope.get("query_string", b"")
    # Starlette's query_params: parse_qsl keeping blank values, from latin-1 text.
    query = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True) if raw_query else []
    fields = await form_fields(request)
    # The path as ``request.url.path`` spells it, without building the URL object.
    path = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    uri = public_url.rstrip("/") + path
    if raw_query:
        uri += "?" + raw_query.decode("latin-1")
    # Starlette's Headers: case-insensitive, as authlib's "Authorization" look-up needs.
    headers: Any = request.headers
    return StarletteOAuth2Request(request.method, uri, headers, query, fields)


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """An RFC 6749 §5.2 error body, never cached."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def request_from(
    method: str, uri: str, headers: Any, params: list[tuple[str, str]]
) -> StarletteOAuth2Request:
    """An authorization request rebuilt from its parameters (a pushed request, a replayed
    consent form): authlib sees them as a query string."""
    return StarletteOAuth2Request(method, uri, headers, params, [])
