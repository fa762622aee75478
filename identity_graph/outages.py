"""Answers while a dependency is down: 503 with ``Retry-After``, in each transport's own shape.

``core/availability.py`` decides whether a failure is an outage (database or Redis
unreachable); this middleware turns one that escaped a route into the answer each kind of
client understands:

* ``/graphql``: a GraphQL error with ``extensions.code = SERVICE_UNAVAILABLE`` (the bearer
  token is read before execution starts, so ``me`` fails here; outages during execution are
  formatted by ``graphql/view.py`` with the same code and status);
* the OAuth endpoints a program calls (token, introspection, revocation, userinfo, JWKS,
  metadata): RFC 6749 §5.2's JSON error ``temporarily_unavailable``;
* everything else is a page a person looks at: a short HTML page in their language.

Anything else that escapes stays a 500 from Starlette, with its traceback in the log: bugs
stay loud. Nothing here remembers the outage, so the first request after the dependency
is back is served normally.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from identity_graph.core.availability import Dependency, unavailable
from identity_graph.core.i18n import Locale, Translator, negotiate
from identity_graph.web.pages import Texts, page_locale, render

log = logging.getLogger("identity_graph.outages")

GRAPHQL_PATH = "/graphql"
# Endpoints called by programs, not browsers: they get OAuth's JSON error shape.
OAUTH_API_PATHS = frozenset(
    {
        "/oauth/token",
        "/oauth/introspect",
        "/oauth/revoke",
        "/oauth/userinfo",
        "/oauth/jwks",
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    }
)


def log_outage(dependency: Dependency, exc: BaseException, where: str) -> None:
    """One warning line per refused request: the dependency and the error type, no trace."""
    log.warning(
        "dependency unavailable",
        extra={"dependency": dependency, "error": type(exc).__name__, "where": where},
    )


def graphql_unavailable_body(
    translate: Translator, locale: Locale, retry_after: int
) -> dict[str, Any]:
    message = translate("SERVICE_UNAVAILABLE", locale, retry_after=retry_after)
    extensions = {"code": "SERVICE_UNAVAILABLE", "retryAfter": retry_after}
    return {"errors": [{"message": message, "extensions": extensions}]}


class OutageMiddleware:
    """Catches outages that escape a route and answers 503 with ``Retry-After``."""

    def __init__(self, app: ASGIApp, *, translate: Translator, retry_after: int) -> None:
        self.app = app
        self.translate = translate
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            dependency = unavailable(exc)
            if dependency is None or started:
                raise
            log_outage(dependency, exc, scope["path"])
            response = self.answer(Request(scope))
            await response(scope, receive, send)

    def answer(self, request: Request) -> Response:
        headers = {"Retry-After": str(self.retry_after), "Cache-Control": "no-store"}
        path = request.url.path
        if path == GRAPHQL_PATH:
            locale = negotiate(request.headers.get("accept-language"))
            body = graphql_unavailable_body(self.translate, locale, self.retry_after)
            return JSONResponse(body, status_code=503, headers=headers)
        if path in OAUTH_API_PATHS:
            locale = negotiate(request.headers.get("accept-language"))
            description = self.translate(
                "SERVICE_UNAVAILABLE", locale, retry_after=self.retry_after
            )
            body = {"error": "temporarily_unavailable", "error_description": description}
            return JSONResponse(body, status_code=503, headers=headers)
        return self._page(request, headers)

    def _page(self, request: Request, headers: dict[str, str]) -> Response:
        locale = page_locale(request)
        texts = Texts(locale)
        response = render(
            request,
            "message.html",
            locale,
            status=503,
            heading=texts.unavailable_title,
            message=texts.unavailable.format(retry_after=self.retry_after),
            link_url=_same_page(request) if request.method == "GET" else None,
            link_text=texts.try_again,
        )
        response.headers.update(headers)
        return response


def _same_page(request: Request) -> str:
    """This page again, as a path on this site (never another host)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
