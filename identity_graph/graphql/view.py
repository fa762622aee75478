"""The ``/graphql`` endpoint: strawberry's ASGI view with our context, error codes and IDE.

* Transport errors (bad JSON, wrong content type, GET mutations, too many batched
  operations) become JSON ``{"errors": [{"message", "extensions": {"code"}}]}`` with a 4xx
  status instead of strawberry's plain text.
* Every GraphQL error carries ``extensions.code``; unexpected exceptions are masked as
  ``INTERNAL_ERROR`` (their details stay in the server log, without variables).
* A database or Redis outage during execution (``core/availability.py``) is
  ``SERVICE_UNAVAILABLE`` and the whole answer is a 503 with ``Retry-After``; outages
  before execution (reading the bearer token) are answered by ``outages.py``.
* GraphiQL is served from our own static files: it works offline and under a strict CSP.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from identity_graph.container import Container
from identity_graph.core.availability import unavailable
from identity_graph.core.errors import DomainError
from identity_graph.core.i18n import negotiate
from identity_graph.core.net import client_address
from identity_graph.graphql.context import Context
from identity_graph.graphql.ide import GRAPHIQL_HTML
from identity_graph.graphql.limits import code_for_message
from identity_graph.graphql.schema import IdentitySchema

_HTTP_CODES = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
# strawberry reports these transport problems as HTTP 400 with a reason; clients get a
# precise code (and 415 for a content type we do not speak).
_REASONS = (
    ("parse request body as JSON", 400, "MALFORMED_JSON"),
    ("Unsupported content type", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("not allowed when using GET", 405, "MUTATION_OVER_GET"),
    ("Unknown operation named", 400, "UNKNOWN_OPERATION"),
    ("Too many operations", 400, "TOO_MANY_OPERATIONS"),
    ("Batching is not enabled", 400, "TOO_MANY_OPERATIONS"),
    ("No GraphQL query found", 400, "QUERY_MISSING"),
)


def transport_error(exc: HTTPException) -> tuple[int, str]:
    for fragment, status, code in _REASONS:
        if fragment.lower() in exc.reason.lower():
            return status, code
    return exc.status_code, _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, schema: IdentitySchema, container: Container) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if container.settings.graphql_ide else None,
            multipart_uploads_enabled=True,
        )
        self.container = container
        self._retry_after = container.settings.outage_retry_after_seconds

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            locale = negotiate(request.headers.get("accept-language"))
            status, code = transport_error(exc)
            message = self.container.translate(code, locale)
            body = {
                "errors": [{"message": message, "extensions": {"code": code, "detail": exc.reason}}]
            }
            # RFC 9110 §15.5.6: a 405 names the methods that would work.
            headers = {"Allow": "POST" if code == "MUTATION_OVER_GET" else "GET, POST"}
            response = JSONResponse(
                body, status_code=status, headers=headers if status == 405 else None
            )
        if getattr(request.state, "unavailable", False):
            response.status_code = 503
            response.headers["Retry-After"] = str(self._retry_after)
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        settings = self.container.settings
        peer = request.client.host if request.client else None
        viewer = None
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            viewer = await self.container.sessions.authenticate_bearer(token.strip())
        return Context(
            request=request,
            response=response,
            services=self.container,
            viewer=viewer,
            locale=negotiate(request.headers.get("accept-language")),
            client_ip=client_address(
                peer,
                request.headers.get("x-forwarded-for"),
                trust_proxy=settings.trust_forwarded_for,
            ),
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(GRAPHIQL_HTML)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            locale = negotiate(request.headers.get("accept-language"))
            errors = [self._format(error, locale) for error in result.errors]
            if any(e["extensions"]["code"] == "SERVICE_UNAVAILABLE" for e in errors):
                request.state.unavailable = True
            data["errors"] = list(errors)
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    def _format(self, error: GraphQLError, locale: Any) -> dict[str, Any]:
        formatted: dict[str, Any] = {**error.formatted}
        extensions = dict(formatted.get("extensions") or {})
        original = error.original_error
        if isinstance(original, DomainError):
            first = original.primary()
            extensions.setdefault("code", first.code)
            formatted["message"] = self.container.translate(first.code, locale, **first.params)
            if first.field:
                extensions.setdefault("field", first.field)
        elif original is None or isinstance(original, (GraphQLError, StrawberryGraphQLError)):
            if "code" not in extensions:  # library errors: give them a code and our wording
                code = extensions["code"] = code_for_message(error.message)
                if code in self.container.translate:
                    extensions["detail"] = error.message
                    formatted["message"] = self.container.translate(code, locale)
        elif unavailable(original) is not None:
            extensions = {"code": "SERVICE_UNAVAILABLE", "retryAfter": self._retry_after}
            formatted["message"] = self.container.translate(
                "SERVICE_UNAVAILABLE", locale, retry_after=self._retry_after
            )
        else:
            extensions = {"code": "INTERNAL_ERROR"}
            formatted["message"] = self.container.translate("INTERNAL_ERROR", locale)
        formatted["extensions"] = extensions
        return formatted
