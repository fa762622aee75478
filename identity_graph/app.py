"""The application factory: routes, middleware and the lifespan (database, job worker)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from identity_graph.container import Container
from identity_graph.core.sweeps import run_sweeps
from identity_graph.db import close_database, open_database
from identity_graph.graphql.schema import build_schema
from identity_graph.graphql.view import GraphQLApp
from identity_graph.http_routing import FixedPathRouter
from identity_graph.oauth import routes as oauth
from identity_graph.oauth import userinfo
from identity_graph.oauth.routes import build_server, oauth_routes
from identity_graph.observability import (
    RequestMiddleware,
    healthz,
    metrics_endpoint,
    readiness_endpoint,
)
from identity_graph.outages import OutageMiddleware
from identity_graph.settings import Settings
from identity_graph.web.activation import activation_routes
from identity_graph.web.appeals import appeal_routes
from identity_graph.web.authorize import authorize_routes
from identity_graph.web.home import home_routes
from identity_graph.web.input_hygiene import InputHygieneMiddleware
from identity_graph.web.login import login_routes
from identity_graph.web.logout import logout_routes
from identity_graph.web.oversize import too_large_responders
from identity_graph.web.qr import qr_routes
from identity_graph.web.refusals import authorization_refusal, page_refusal
from identity_graph.web.register import register_routes
from identity_graph.web.reset_password import reset_password_routes
from identity_graph.web.todos import todo_routes
from identity_graph.web.upstream import upstream_routes
from identity_graph.web.verification import verification_routes

log = logging.getLogger("identity_graph.app")
STATIC_DIR = Path(__file__).parent / "web" / "static"


def _settle_garbage_collector() -> None:
    """Keep collector pauses out of request latency (SPEC §13 p99).

    Everything built at start-up (schema, services, imported modules) lives as long as the
    process: freezing it keeps full collections from walking it again and again, and a
    higher first threshold makes collections rarer while the young objects of a request
    are still few.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def create_app(
    settings: Settings, container: Container | None = None, *, manage_database: bool = True
) -> Starlette:
    """Build the ASGI app. Tests pass their own container and manage the database."""
    services = container or Container(settings)
    graphql_app = GraphQLApp(build_schema(settings), services, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await open_database(
                settings.resolved_database_url,
                settings.database_pool_size,
                statement_timeout_ms=settings.database_statement_timeout_ms,
                connect_timeout=settings.database_connect_timeout_seconds,
            )
        stop = asyncio.Event()
        tasks = []
        if settings.jobs_worker_enabled:
            tasks.append(asyncio.create_task(services.job_worker().run_forever(stop)))
            tasks.append(
                asyncio.create_task(run_sweeps(services.sweeps(), stop, settings.sweep_seconds))
            )
        if manage_database:
            _settle_garbage_collector()
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                await task
            await services.aclose()
            if manage_database:
                await close_database()

    oauth_server = build_server(services)
    routes = [
        Route("/graphql", graphql_app),
        WebSocketRoute("/graphql", graphql_app),
        Route("/healthz", healthz),
        Route("/readyz", readiness_endpoint(services.redis)),
        Route("/metrics", metrics_endpoint(services.jobs, settings.prometheus_multiproc_dir)),
        *oauth_routes(services, oauth_server),
        *authorize_routes(services, oauth_server),
        *logout_routes(services),
        *qr_routes(services),
        *todo_routes(services),
        *home_routes(services),
        *upstream_routes(services),
        *verification_routes(services),
        *register_routes(services),
        *activation_routes(services),
        *login_routes(services),
        *reset_password_routes(services),
        *appeal_routes(services),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(
            RequestMiddleware,
            max_body=settings.max_body_bytes,
            max_upload_body=settings.max_upload_body_bytes,
            translate=services.translate,
            https=settings.public_url.startswith("https://"),
            too_large=too_large_responders(services),
        ),
        Middleware(
            InputHygieneMiddleware,
            responders=[
                (oauth.AUTHORIZE_PATH, authorization_refusal(services)),
                (oauth.END_SESSION_PATH, page_refusal(services)),
                (userinfo.PATH, userinfo.refuse_control_characters),
                ("/oauth/", oauth.refuse_control_characters),
                ("/.well-known/", oauth.refuse_control_characters),
            ],
            default=page_refusal(services),
            # GraphQL checks its own arguments; the operations endpoints read no input.
            exempt=("/graphql", "/healthz", "/readyz", "/metrics", "/static/"),
        ),
        # Inside the request log, so a refused request is logged with its 503.
        Middleware(
            OutageMiddleware,
            translate=services.translate,
            retry_after=settings.outage_retry_after_seconds,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.router = FixedPathRouter(routes, lifespan=lifespan)
    app.state.container = services
    return app


def from_environment() -> Starlette:
    """The uvicorn factory used by ``identity-graph serve`` (one call per worker process)."""
    return create_app(Settings())
