"""Operations endpoints and middleware: /healthz, /readyz, /metrics, JSON request logs,
request-size limits and security headers.

Request logs carry method, route, status, duration and a request id: never query strings,
bodies or headers, which may hold personal data or secrets. The route is the matched
route's template (``/sandbox/{kind}/{challenge_id}``, ``/oauth/token``), so logs and
``/metrics`` group requests by route without one label per id; a path no route matches is
``other``. The request id (also the ``X-Request-Id`` answer header) is put on every log
record written while the request runs (``install_request_ids``), not only on the request
line.

A body over the limit is answered in its route's own shape, chosen by path as the input
hygiene layer chooses: ``too_large`` responders (pages get an HTML page, OAuth endpoints
an OAuth error body); ``/graphql`` and any path no responder claims get the GraphQL shape.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from redis.asyncio import Redis
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise import Tortoise

from identity_graph.core.i18n import Translator, negotiate
from identity_graph.core.jobs import JobQueue
from identity_graph.core.metrics import HTTP_LATENCY, HTTP_REQUESTS, JOB_QUEUE_DEPTH

log = logging.getLogger("identity_graph.http")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# RFC 6797, when the public URL is https: browsers then refuse plain http to this host for a
# year (a network attacker cannot strip TLS, nor set the __Host- cookies over http). Not
# includeSubDomains: the service does not own its parent domain's other hosts.
_HSTS = (b"strict-transport-security", b"max-age=31536000")
READINESS_TIMEOUT_SECONDS = 2.0
# The id of the request being served, for every log record written meanwhile.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "idg_request_id", default=None
)
# Answers a body over the limit on the routes under a path prefix.
TooLargeResponder = Callable[[Request], Awaitable[Response]]
# Request ids name a request in logs; they guard nothing, so they come from a generator
# seeded once per process from the system's randomness (and again in a forked child),
# not from a system call per request as ``uuid4`` does (3 % of an introspection).
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)
# The status logged for a request whose client left before its answer (nginx's 499).
CLIENT_CLOSED = 499
# Cached metric series per (method, route, status); bounded like the route labels.
_MAX_SERIES = 10_000


def new_request_id() -> str:
    """Sixteen hexadecimal digits, as before (``uuid4().hex[:16]``)."""
    return f"{_ids.getrandbits(64):016x}"


def route_label(scope: Scope) -> str:
    """The template of the route serving ``scope`` (``other`` when none matches)."""
    app = scope.get("app")
    for route in getattr(app, "routes", ()):
        if not isinstance(route, Route | Mount):
            continue
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            return route.path if isinstance(route, Mount) else route.path_format
    return "other"


def _factory_adds_ids() -> bool:
    return bool(getattr(logging.getLogRecordFactory(), "_idg_request_ids", False))


def install_request_ids() -> None:
    """Put the current request's id on every log record (once per process)."""
    if _factory_adds_ids():
        return
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        request_id = REQUEST_ID.get()
        if request_id is not None:
            record.request_id = request_id
        return record

    factory._idg_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields passed with ``extra=`` are included."""

    _skip = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in self._skip})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class BodyTooLarge(Exception):
    pass


class RequestMiddleware:
    """Limits body size, logs and measures each request, and sets security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_upload_body: int,
        translate: Translator,
        https: bool = False,
        too_large: Sequence[tuple[str, TooLargeResponder]] = (),
    ) -> None:
        self.app = app
        self.translate = translate
        self.too_large = list(too_large)
        install_request_ids()
        self.max_body = max_body
        self.max_upload_body = max_upload_body
        self.headers = _SECURITY_HEADERS + ([_HSTS] if https else [])
        # Route templates by path: matching every route again for each request cost a few
        # per cent of a token request. Bounded, since paths come from clients.
        self._labels: dict[str, str] = {}
        # ``labels()`` takes a lock and builds a key each call (4 % of an introspection).
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _route_label(self, scope: Scope) -> str:
        path = scope.get("path", "")
        label = self._labels.get(path)
        if label is None:
            label = route_label(scope)
            if len(self._labels) < 1_000:
                self._labels[path] = label
        return label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Matched before the app runs: routing rewrites the scope (a Mount's root_path).
        route = self._route_label(scope)
        request_id = new_request_id()
        reset = REQUEST_ID.set(request_id)
        headers = dict(scope["headers"])
        limit = (
            self.max_upload_body
            if b"multipart/" in headers.get(b"content-type", b"")
            else self.max_body
        )
        status = {"code": 500, "sent": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                extra = [(b"x-request-id", request_id.encode()), *self.headers]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
            if declared > limit:
                raise BodyTooLarge
            await self.app(scope, _limited(receive, limit), send_wrapper)
        except BodyTooLarge:
            if not status["sent"]:
                await self._too_large(scope, receive, send_wrapper, headers)
        except ClientDisconnect:
            # The client left while its body was read (a closed tab, a load test's end):
            # there is no one to answer, and it is not a fault of ours to log with a trace.
            if not status["sent"]:
                status["code"] = CLIENT_CLOSED
        finally:
            self._observe(scope["method"], route, status["code"], started, request_id)
            REQUEST_ID.reset(reset)

    async def _too_large(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> None:
        path = scope.get("path", "")
        for prefix, responder in self.too_large:
            if path != "/graphql" and path.startswith(prefix):
                response = await responder(Request(scope))
                response.status_code = 413
                await response(scope, receive, send)
                return
        locale = negotiate(headers.get(b"accept-language", b"").decode("latin-1"))
        message = self.translate("PAYLOAD_TOO_LARGE", locale)
        body = {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
        await JSONResponse(body, status_code=413)(scope, receive, send)

    def _observe(
        self, method: str, route: str, status: int, started: float, request_id: str
    ) -> None:
        elapsed = time.perf_counter() - started
        series = self._series.get((method, route, status))
        if series is None:
            series = (
                HTTP_REQUESTS.labels(method, route, str(status)),
                HTTP_LATENCY.labels(method, route),
            )
            if len(self._series) < _MAX_SERIES:
                self._series[(method, route, status)] = series
        series[0].inc()
        series[1].observe(elapsed)
        log.info(
            "request",
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                **({} if _factory_adds_ids() else {"request_id": request_id}),
            },
        )


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return wrapped


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _database_answers() -> None:
    await Tortoise.get_connection("default").execute_query("SELECT 1")


def readiness_endpoint(redis: Redis | None) -> Callable[[Request], Awaitable[Response]]:
    """``/readyz``: each dependency this node needs, checked at once with a short timeout.

    ``{"status": "ready", "database": "up", "redis": "up"}``, or 503 with ``"unavailable"``
    and the dependency that is ``"down"``, so a load balancer stops sending traffic to a
    node that would only answer 503 and an operator sees which dependency to look at.
    ``redis`` is listed only when ``IDG_REDIS_URL`` is set. ``/healthz`` checks nothing
    beyond the process: a node whose database is down should be kept out of rotation, not
    restarted.
    """
    checks: dict[str, Callable[[], Awaitable[object]]] = {"database": _database_answers}
    if redis is not None:
        checks["redis"] = redis.ping

    async def readyz(request: Request) -> Response:
        results = await asyncio.gather(*(_check(name, probe) for name, probe in checks.items()))
        body: dict[str, str] = dict(zip(checks, results, strict=True))
        ready = all(result == "up" for result in results)
        body = {"status": "ready" if ready else "unavailable", **body}
        return JSONResponse(body, status_code=200 if ready else 503)

    return readyz


async def _check(name: str, probe: Callable[[], Awaitable[object]]) -> str:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await probe()
    except Exception as exc:
        log.warning("dependency not ready", extra={"dependency": name, "error": type(exc).__name__})
        return "down"
    return "up"


def metrics_endpoint(
    jobs: JobQueue, multiproc_dir: str
) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        try:
            for state, count in (await jobs.depth()).items():
                JOB_QUEUE_DEPTH.labels(state).set(count)
        except Exception as exc:
            log.warning("queue depth unavailable", extra={"error": type(exc).__name__})
        if multiproc_dir:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics
