"""The ``identity-graph`` command.

serve, migrate, export-schema, create-admin, create-client, outbox, jobs, rotate-keys,
sandbox-providers, import-legacy, makemigrations.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging.config
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from identity_graph import cli_jobs, cli_legacy, db
from identity_graph.keys import load_master_keys
from identity_graph.settings import Settings

log = logging.getLogger("identity_graph.cli")
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "identity_graph.observability.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "uvicorn.access": {"level": "WARNING"},
        "tortoise": {"level": "WARNING"},
    },
}


def _configure_logging(settings: Settings) -> None:
    LOG_CONFIG["root"]["level"] = settings.log_level.upper()
    logging.config.dictConfig(LOG_CONFIG)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(db.migrate(settings.resolved_database_url))
    print("migrations applied")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from identity_graph.http_protocol import CoalescingHttpToolsProtocol

    _configure_logging(settings)
    workers = args.workers or settings.workers
    problem = settings.shared_counters_problem(workers)
    if problem and settings.env == "production":
        print(f"configuration error (workers): {problem}", file=sys.stderr)
        return 2
    if problem:
        log.warning("NOT FOR PRODUCTION: %s", problem)
    load_master_keys(settings)  # create the development key once, before workers start
    asyncio.run(db.migrate(settings.resolved_database_url))
    log.info("start-up: migrations applied")
    asyncio.run(_with_container(settings, _ensure_signing_keys))
    log.info("start-up: signing keys ready")
    if settings.env == "development" and settings.demo_partners:
        asyncio.run(_with_container(settings, _demo_partners))
        log.info("start-up: demo partners ready")
    # Worker processes read their settings from the environment; they size their password
    # hashing pool by the worker count, so pass on a --workers given on the command line.
    os.environ["IDG_WORKERS"] = str(workers)
    metrics_dir = None
    if workers > 1 and not settings.prometheus_multiproc_dir:
        # prometheus_client aggregates worker processes through files in this folder;
        # the variable must be set before uvicorn forks the workers.
        metrics_dir = tempfile.mkdtemp(prefix="idg-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "identity_graph.app:from_environment",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=workers,
            log_config=LOG_CONFIG,
            access_log=False,
            # The peer stays the real peer: core/net.py reads X-Forwarded-For against
            # IDG_TRUSTED_PROXIES itself.
            proxy_headers=False,
            # uvicorn restarts a worker that does not answer its supervisor within this; the
            # default (5 s) kills workers still importing the app on a loaded host, forever.
            timeout_worker_healthcheck=30,
            # One socket write per response (http_protocol.py).
            http=CoalescingHttpToolsProtocol,
        )
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def cmd_sandbox_providers(settings: Settings, args: argparse.Namespace) -> int:
    """The sandbox authorities as their own process, reached by the HTTP adapters.

    One app serves the registry check (``registry_server``) and the face and licence
    provider (``challenge_server``), answering from the registry file with the configured
    outage rate and latency. Point ``IDG_REGISTRY_URL``, ``IDG_FACE_URL`` and
    ``IDG_LICENCE_URL`` of the service at it, with the same secret.
    """
    import uvicorn
    from starlette.applications import Starlette

    from identity_graph.verification.providers.challenge_server import create_challenge_app
    from identity_graph.verification.providers.registry_file import load_registry
    from identity_graph.verification.providers.registry_server import create_registry_app
    from identity_graph.verification.providers.sandbox import SandboxRegistry

    secret = args.secret or os.environ.get("IDG_SANDBOX_PROVIDERS_SECRET", "")
    if len(secret) < 16:
        print("a shared secret of at least 16 characters is required", file=sys.stderr)
        print("(--secret or IDG_SANDBOX_PROVIDERS_SECRET)", file=sys.stderr)
        return 2
    world = load_registry(settings.registry_file)
    registry = SandboxRegistry(
        world,
        outage_rate=settings.sandbox_outage_rate,
        latency_seconds=settings.sandbox_latency_ms / 1000,
    )
    public = args.public_url or f"http://{args.host}:{args.port}"
    registry_app = create_registry_app(registry, secret.encode())
    challenge_app = create_challenge_app(secret.encode(), world, public)
    app = Starlette(routes=[*registry_app.routes, *challenge_app.routes])
    print(f"sandbox registry, face and licence providers on {public}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from identity_graph.graphql.schema import build_schema

    sdl = build_schema(settings).as_str() + "\n"
    if args.output:
        Path(args.output).write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)
    return 0


async def _with_container(
    settings: Settings, action: Callable[[Any], Coroutine[Any, Any, int]]
) -> int:
    from identity_graph.container import Container

    await db.migrate(settings.resolved_database_url)
    await db.open_database(settings.resolved_database_url, 2)
    container = Container(settings)
    try:
        return await action(container)
    finally:
        await container.aclose()
        await db.close_database()


def cmd_create_client(settings: Settings, args: argparse.Namespace) -> int:
    from identity_graph.clients.service import ClientRegistration
    from identity_graph.core.audit import AuditContext
    from identity_graph.core.errors import DomainError, ValidationFailed

    registration = ClientRegistration(
        name=args.name,
        grant_types=args.grant_type or ["authorization_code", "refresh_token"],
        token_endpoint_auth_method=args.auth_method,
        scopes=args.scope or ["openid", "profile"],
        redirect_uris=args.redirect_uri,
        post_logout_redirect_uris=args.post_logout_redirect_uri,
        backchannel_logout_uri=args.backchannel_logout_uri,
        first_party=args.first_party,
        subject_type="pairwise" if args.pairwise else "public",
        backchannel_token_delivery_mode=args.backchannel_token_delivery_mode,
        backchannel_client_notification_endpoint=args.backchannel_client_notification_endpoint,
    )

    async def action(container: Any) -> int:
        try:
            registered = await container.clients.register(
                registration, AuditContext(client_ip="cli")
            )
        except DomainError as exc:
            errors = exc.errors if isinstance(exc, ValidationFailed) else [exc.primary()]
            for error in errors:
                message = container.translate(error.code, "en", **error.params)
                print(f"error: {error.field}: {message}", file=sys.stderr)
            return 2
        client = registered.client
        print(f"client_id: {client.client_id}")
        if registered.secret:
            print(f"client_secret (shown once): {registered.secret}")
        print(f"grant types: {' '.join(client.grant_types)}; scopes: {' '.join(client.scopes)}")
        return 0

    return asyncio.run(_with_container(settings, action))


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from identity_graph.accounts.models import Role
    from identity_graph.core.audit import AuditContext
    from identity_graph.core.errors import DomainError

    password = args.password or getpass.getpass("Password (at least 12 characters): ")
    roles = [Role(role) for role in args.role] or [Role.ADMIN, Role.REVIEWER]

    async def action(container: Any) -> int:
        context = AuditContext(client_ip="cli")
        try:
            account = await container.accounts.create_staff(
                args.login_name, password, roles, context
            )
        except DomainError as exc:
            first = exc.primary()
            print(
                f"error: {container.translate(first.code, 'en', **first.params)}", file=sys.stderr
            )
            return 2
        token = await container.sessions.issue_personal_token(
            account, "create-admin", timedelta(days=args.token_days), context
        )
        print(
            f"created staff account {account.login_name} ({account.id}) "
            f"roles={[role.value for role in roles]}"
        )
        print(f"personal access token (shown once; send as 'Authorization: Bearer …'):\n{token}")
        return 0

    return asyncio.run(_with_container(settings, action))


def cmd_services(settings: Settings, args: argparse.Namespace) -> int:
    """The services catalogue (事项): add a partner's service, list, retire."""
    from identity_graph.core.audit import AuditContext
    from identity_graph.core.errors import DomainError, ValidationFailed

    async def action(container: Any) -> int:
        catalogue = container.catalogue
        context = AuditContext(client_ip="cli")
        try:
            if args.action == "add":
                await catalogue.register(args.client_id, args.code, args.name, context)
            elif args.action == "retire":
                await catalogue.retire(args.code, context)
        except DomainError as exc:
            errors = exc.errors if isinstance(exc, ValidationFailed) else [exc.primary()]
            for error in errors:
                message = container.translate(error.code, "en", **error.params)
                print(f"error: {error.field}: {message}", file=sys.stderr)
            return 2
        rows = await catalogue.listing(client_id=args.client_id, limit=1000, after_id=None)
        for row in rows:
            retired = "  (retired)" if row.retired_at else ""
            print(f"{row.code}\t{row.client.client_id}\t{row.name}{retired}")
        return 0

    return asyncio.run(_with_container(settings, action))


async def _demo_partners(container: Any) -> int:
    from identity_graph.demo import ensure_demo_partners

    commands = await ensure_demo_partners(container)
    # stdout: stderr carries the JSON log, one object per line.
    print("Single sign-on demo: run each partner site in its own terminal,")
    for command in commands:
        print(command)
    print(
        "then open http://127.0.0.1:8001, log in, and open http://127.0.0.1:8002: no password"
        " asked. Log out on one and the other is logged out too.",
        flush=True,
    )
    return 0


async def _ensure_signing_keys(container: Any) -> int:
    await container.signing_keys.ensure()
    return 0


def cmd_rotate_keys(settings: Settings, args: argparse.Namespace) -> int:
    from identity_graph.sessions.signing_keys import Algorithm

    algorithms = list(Algorithm) if args.alg == "all" else [Algorithm(args.alg)]

    async def action(container: Any) -> int:
        for alg in algorithms:
            kid = await container.signing_keys.rotate(alg)
            print(
                f"{alg.value}: now signing with {kid}; the previous key stays published for "
                f"{settings.signing_key_publish_seconds} s"
            )
        return 0

    return asyncio.run(_with_container(settings, action))


def cmd_outbox(settings: Settings, args: argparse.Namespace) -> int:
    from identity_graph.core.validators import normalize_mobile

    async def action(container: Any) -> int:
        phone = normalize_mobile(args.phone) if args.phone else None
        views = await container.notifier.list_messages(destination=phone, limit=args.limit)
        for view in views:
            if args.json:
                print(
                    json.dumps(
                        {
                            "id": view.id,
                            "channel": view.channel.value,
                            "template": view.template,
                            "to": view.destination,
                            "text": view.text,
                            "status": view.status.value,
                            "created_at": view.created_at.isoformat(),
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                print(
                    f"#{view.id} {view.created_at:%Y-%m-%d %H:%M:%S} {view.channel.value} "
                    f"to {view.destination} [{view.status.value}]\n    {view.text}"
                )
        if not views and not args.json:
            print("the outbox is empty")
        return 0

    return asyncio.run(_with_container(settings, action))


def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_with_container(settings, cli_jobs.action(args)))


def cmd_import_legacy(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_with_container(settings, cli_legacy.action(args)))


def cmd_makemigrations(settings: Settings, args: argparse.Namespace) -> int:
    """Developer tool: write a migration for model changes (wraps Tortoise's autodetector)."""
    from tortoise.cli.cli import run_cli_async

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(db.tortoise_config("sqlite://:memory:"), handle)
    argv = ["--config-file", handle.name, "makemigrations"]
    if args.name:
        argv += ["--name", args.name]
    try:
        return asyncio.run(run_cli_async(argv))
    finally:
        os.unlink(handle.name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="identity-graph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then run the HTTP server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    export = sub.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--output", "-o")
    export.set_defaults(func=cmd_export_schema)
    admin = sub.add_parser("create-admin", help="create a staff account and an access token")
    admin.add_argument("login_name")
    admin.add_argument("--password", help="prompted for when omitted")
    admin.add_argument("--role", action="append", choices=["admin", "reviewer"], default=[])
    admin.add_argument("--token-days", type=int, default=90)
    admin.set_defaults(func=cmd_create_admin)
    client = sub.add_parser("create-client", help="register a partner system (OAuth client)")
    client.add_argument("name")
    client.add_argument(
        "--grant-type",
        action="append",
        choices=[
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:openid:params:grant-type:ciba",
        ],
    )
    client.add_argument(
        "--auth-method",
        choices=["client_secret_basic", "client_secret_post", "none"],
        default="client_secret_basic",
    )
    client.add_argument("--scope", action="append")
    client.add_argument("--redirect-uri", action="append", default=[])
    client.add_argument("--post-logout-redirect-uri", action="append", default=[])
    client.add_argument("--backchannel-logout-uri")
    client.add_argument("--first-party", action="store_true")
    client.add_argument("--pairwise", action="store_true", help="per-sector sub (OIDC §8)")
    client.add_argument(
        "--backchannel-token-delivery-mode", choices=["poll", "ping"], help="CIBA delivery mode"
    )
    client.add_argument(
        "--backchannel-client-notification-endpoint", help="CIBA ping mode: where pings go"
    )
    client.set_defaults(func=cmd_create_client)
    outbox = sub.add_parser("outbox", help="list SMS and e-mail recorded in the outbox")
    outbox.add_argument("--phone")
    outbox.add_argument("--limit", type=int, default=20)
    outbox.add_argument("--json", action="store_true")
    outbox.set_defaults(func=cmd_outbox)
    cli_jobs.add_parser(sub, cmd_jobs)
    cli_legacy.add_parser(sub, cmd_import_legacy)
    rotate = sub.add_parser("rotate-keys", help="start signing tokens with new keys")
    rotate.add_argument("--alg", choices=["ES256", "RS256", "all"], default="all")
    rotate.set_defaults(func=cmd_rotate_keys)
    sandbox = sub.add_parser(
        "sandbox-providers",
        help="run the sandbox registry, face and licence providers as an HTTP service",
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8100)
    sandbox.add_argument("--public-url", help="where browsers reach it (default: host:port)")
    sandbox.add_argument("--secret", help="shared secret (or IDG_SANDBOX_PROVIDERS_SECRET)")
    sandbox.set_defaults(func=cmd_sandbox_providers)
    services = sub.add_parser("services", help="the services catalogue (事项) of partner systems")
    services_sub = services.add_subparsers(dest="action", required=True)
    add = services_sub.add_parser("add", help="register a service a partner system provides")
    add.add_argument("client_id")
    add.add_argument("code", help="service code, e.g. 000106004000")
    add.add_argument("name")
    listing = services_sub.add_parser("list", help="list the catalogue")
    listing.add_argument("--client-id")
    retire = services_sub.add_parser("retire", help="retire a service (no more grants)")
    retire.add_argument("code")
    for action in (retire,):
        action.set_defaults(client_id=None)
    services.set_defaults(func=cmd_services)
    make = sub.add_parser("makemigrations", help="developer: write a migration for model changes")
    make.add_argument("--name")
    make.set_defaults(func=cmd_makemigrations)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "settings"
            print(f"configuration error ({where}): {problem['msg']}", file=sys.stderr)
        return 2
    return int(args.func(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
