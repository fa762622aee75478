"""The ``/graphql`` endpoint: strawberry's ASGI view with our context, error codes and IDE.

* Transport errors (bad JSON, wrong content type, GET mutations, too many batched
  operations) become JSON ``{"errors": [{"message", "extensions": {"code"}}]}`` with a 4xx
  status instead of strawberry's plain text.
* A request is a JSON object, or a non-empty list of objects (a batch); every operation of
  a batch is checked like a single one. Anything else (``42``, ``null``, ``[1, "x"]``) is
  ``REQUEST_NOT_OBJECT``, never an exception.
* Every GraphQL error carries ``extensions.code``; unexpected exceptions are masked as
  ``INTERNAL_ERROR`` (their details stay in the server log, without variables).
* A request past its budget (``IDG_GRAPHQL_TIMEOUT_SECONDS``, or a database statement past
  ``IDG_DATABASE_STATEMENT_TIMEOUT_MS``) is cut off with ``REQUEST_TIMEOUT``.
* A database or Redis outage during execution (``core/availability.py``) is
  ``SERVICE_UNAVAILABLE`` and the whole answer is a 503 with ``Retry-After``; outages
  before execution (reading the bearer token) are answered by ``outages.py``.
* GraphQL over HTTP (``graphql_http.py``): a client that accepts
  ``application/graphql-response+json`` gets it, with 400 for a request error (parse,
  validation, variable coercion); a request error never has a ``data`` key.
* GraphiQL is served from our own static files: it works offline and under a strict CSP.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, StrawberryGraphQLError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from identity_graph.container import Container
from identity_graph.core.availability import unavailable
from identity_graph.core.errors import DomainError
from identity_graph.core.i18n import negotiate
from identity_graph.core.timeouts import is_timeout
from identity_graph.graphql.context import Context
from identity_graph.graphql.graphql_http import answer_media_type, is_request_error
from identity_graph.graphql.ide import GRAPHIQL_HTML
from identity_graph.graphql.limits import code_for_message
from identity_graph.graphql.schema import IdentitySchema
from identity_graph.graphql.websocket import ACCOUNT_SLOT, serve_websocket
from identity_graph.settings import Settings

_NOT_OBJECT = "must be a JSON object"
# graphql-core names the input field at fault in a variable's coercion error.
_VARIABLE_FIELD = re.compile(r"at \.([\w.\[\]]+):|required field '(\w+)'")
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
    (_NOT_OBJECT, 400, "REQUEST_NOT_OBJECT"),
)


async def _no_receive() -> Message:
    raise RuntimeError("headers only")


async def _no_send(message: Message) -> None:
    raise RuntimeError("headers only")


def transport_error(exc: HTTPException) -> tuple[int, str]:
    for fragment, status, code in _REASONS:
        if fragment.lower() in exc.reason.lower():
            return status, code
    return exc.status_code, _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")


def _check_operation(operation: GraphQLRequestData) -> None:
    """The member types of one operation: strawberry checks a single operation's, not
    those of each operation in a batch."""
    for name, value, kinds in (
        ("query", operation.query, (str,)),
        ("variables", operation.variables, (dict,)),
        ("operationName", operation.operation_name, (str,)),
        ("extensions", operation.extensions, (dict,)),
    ):
        if value is not None and not isinstance(value, kinds):
            kind = "a string" if kinds == (str,) else "an object"
            raise HTTPException(400, f"The GraphQL operation's `{name}` must be {kind} or null")


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, schema: IdentitySchema, container: Container, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphql_ide else None,
            multipart_uploads_enabled=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.ws_max_operations,
        )
        self.container = container
        self.settings = settings
        self._retry_after = settings.outage_retry_after_seconds

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        """Every JSON value of a request (the body, multipart ``operations`` and ``map``,
        GET ``variables``) is an object; a body may also be a batch: a list of objects."""
        value = super().parse_json(data)
        if isinstance(value, dict):
            return value
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            return value
        raise HTTPException(400, f"The request {_NOT_OBJECT} or a non-empty list of objects")

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = await super().parse_http_body(request)
        for operation in parsed if isinstance(parsed, list) else [parsed]:
            _check_operation(operation)
        return parsed

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await serve_websocket(
                scope,
                receive,
                send,
                super().__call__,
                idle_seconds=self.settings.ws_idle_seconds,
                release=self.container.ws_quota.release,
                describe=self._ws_describer(scope),
            )
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            async with asyncio.timeout(self.settings.graphql_timeout_seconds):
                response = await self.run(request)
        except TimeoutError:
            response = self._timed_out(request)
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
        media_type = answer_media_type(request.headers.get("accept"))
        if media_type is not None and response.media_type == "application/json":
            response.headers["content-type"] = media_type
            if response.status_code == 200 and getattr(request.state, "request_error", False):
                response.status_code = 400
        await response(scope, receive, send)

    def _timed_out(self, request: Request) -> Response:
        """The request ran past its budget and was cancelled (its transaction rolled back)."""
        locale = negotiate(request.headers.get("accept-language"))
        message = self.container.translate("REQUEST_TIMEOUT", locale)
        body = {"errors": [{"message": message, "extensions": {"code": "REQUEST_TIMEOUT"}}]}
        return JSONResponse(body, status_code=503)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        viewer = partner = None
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            viewer, partner = await self.container.sessions.authenticate(token.strip())
        return Context(
            request=request,
            response=response,
            services=self.container,
            viewer=viewer,
            locale=negotiate(request.headers.get("accept-language")),
            partner=partner,
            client_ip=self.container.proxies.address_of(request.scope),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws ``connection_init``: the bearer token goes in its payload
        (``{"Authorization": "Bearer …"}``) or in the upgrade request's header. A token that
        does not verify, or an account over its connection quota, is refused (4403) with a
        typed reason; no token connects anonymously (subscriptions that need one refuse)."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if isinstance(header, str) and header.strip():
            scheme, _, token = header.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise self._refuse(context, "NOT_AUTHENTICATED")
            context.viewer, context.partner = await self.container.sessions.authenticate(
                token.strip()
            )
            if context.viewer is None and context.partner is None:
                raise self._refuse(context, "NOT_AUTHENTICATED")
        holder = context.viewer.account_id if context.viewer else None
        if holder is not None:
            if not await self.container.ws_quota.acquire(str(holder)):
                raise self._refuse(context, "TOO_MANY_CONNECTIONS")
            context.request.scope[ACCOUNT_SLOT] = str(holder)
        return UNSET

    def _ws_describer(self, scope: Scope) -> Callable[[dict[str, Any], bool], dict[str, Any]]:
        """Give a WebSocket error our code and wording (HTTP's ``_format`` for errors that
        have only their formatted form left): a code already set is kept; a request error
        (graphql-transport-ws ``error``) gets its library code; an execution error without
        one is a bug and is masked as INTERNAL_ERROR."""
        locale = negotiate(WebSocket(scope, _no_receive, _no_send).headers.get("accept-language"))

        def describe(error: dict[str, Any], request_error: bool) -> dict[str, Any]:
            extensions = dict(error.get("extensions") or {})
            if "code" in extensions:
                return error
            message = str(error.get("message", ""))
            code = code_for_message(message) if request_error else "INTERNAL_ERROR"
            text = (
                self.container.translate(code, locale)
                if code in self.container.translate
                else message
            )
            detail = {"detail": message} if code != "INTERNAL_ERROR" else {}
            return {**error, "message": text, "extensions": {**extensions, "code": code, **detail}}

        return describe

    def _refuse(self, context: Context, code: str) -> ConnectionRejectionError:
        message = self.container.translate(code, context.locale)
        return ConnectionRejectionError({"code": code, "message": message})

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(GRAPHIQL_HTML)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data: GraphQLHTTPResponse = {"data": result.data}
        # A single operation that failed before execution; a batch stays a 200.
        request.state.request_error = (
            is_request_error(result) and getattr(request.state, "results", 0) == 0
        )
        request.state.results = getattr(request.state, "results", 0) + 1
        if is_request_error(result):
            del data["data"]  # GraphQL spec §7.1.2: no data entry before execution
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
                field = _VARIABLE_FIELD.search(error.message)
                if code == "VARIABLE_INVALID" and field:
                    extensions["field"] = field.group(1) or field.group(2)
        elif is_timeout(original):
            extensions = {"code": "REQUEST_TIMEOUT"}
            formatted["message"] = self.container.translate("REQUEST_TIMEOUT", locale)
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
