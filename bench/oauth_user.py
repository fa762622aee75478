"""Refresh-token grants and UserInfo requests per second per core (SPEC §13: refresh
≥ 1,000/s and UserInfo ≥ 2,000/s per core; Keycloak publishes 120 refresh grants/s per
vCPU, ZITADEL 2,653 UserInfo/s on 6-vCPU nodes).

Refresh tokens are single-use, so every request of the run needs its own: they are written
straight into the database before the run (one family each), as a code exchange would,
``REFRESH_PER_SECOND`` for every second of the run; a round that outruns its slice says so.

    .venv/bin/python -m bench.oauth_user [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import uuid
from pathlib import Path

from bench.harness import (
    WrkResult,
    cores,
    report,
    round_arguments,
    run_wrk,
    running_server,
)

REFRESH_PER_SECOND = 6_000  # more than 2 cores reach (~2,700/s): no round runs out
WARM_UP_SECONDS = 3


async def _prepare(env: dict[str, str], refresh_count: int) -> dict[str, object]:
    from identity_graph import db
    from identity_graph.accounts.models import Account
    from identity_graph.clients.service import ClientRegistration
    from identity_graph.container import Container
    from identity_graph.core.audit import AuditContext
    from identity_graph.sessions.authorization_codes import CodeRequest
    from identity_graph.sessions.oauth_refresh import OAuthRefreshToken
    from identity_graph.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=env["IDG_DATABASE_URL"],
        data_dir=Path(env["IDG_DATA_DIR"]),
        secret_key=env["IDG_SECRET_KEY"],
    )
    await db.open_database(settings.resolved_database_url)
    container = Container(settings)
    registered = await container.clients.register(
        ClientRegistration(
            "bench web",
            ["authorization_code", "refresh_token"],
            scopes=["openid", "profile"],
            redirect_uris=["https://rp.example.cn/cb"],
        ),
        AuditContext(),
    )
    client_id = registered.client.client_id
    account = await Account.first()
    assert account is not None
    session = await container.tokens.start_session(account, amr=["pwd"], client_ip=None)
    now = container.clock.now()
    code = await container.authorization_codes.issue(
        CodeRequest(
            client_id,
            account.id,
            session.session_id,
            "https://rp.example.cn/cb",
            "openid profile",
            "urn:identity-graph:acr:phone-verified",
            ["pwd"],
            now,
        )
    )
    tokens = [secrets.token_urlsafe(32) for _ in range(refresh_count)]
    await OAuthRefreshToken.bulk_create(
        [
            OAuthRefreshToken(
                token_hmac=container.hasher.digest("oauth-refresh-token", token),
                family_id=uuid.uuid4(),
                client_id=client_id,
                account_id=account.id,
                session_id=session.session_id,
                scope="openid profile",
                acr="urn:identity-graph:acr:phone-verified",
                auth_time=now,
                created_at=now,
                expires_at=now.replace(year=now.year + 1),
            )
            for token in tokens
        ],
        batch_size=2000,
    )
    await container.aclose()
    await db.close_database()
    assert registered.secret is not None
    return {"client_id": client_id, "secret": registered.secret, "code": code, "refresh": tokens}


def main() -> None:
    import httpx

    args = round_arguments(__doc__)
    refresh_count = REFRESH_PER_SECOND * (WARM_UP_SECONDS + args.rounds * args.seconds)
    refresh_runs: list[WrkResult] = []
    userinfo_runs: list[WrkResult] = []
    with running_server(args.workers, accounts=1) as (server, _):
        prepared = asyncio.run(_prepare(server.env, refresh_count))
        basic = (
            "Basic "
            + base64.b64encode(f"{prepared['client_id']}:{prepared['secret']}".encode()).decode()
        )
        first = httpx.post(
            f"{server.url}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": prepared["code"],
                "redirect_uri": "https://rp.example.cn/cb",
            },
            headers={"Authorization": basic},
        ).json()
        access = first["access_token"]
        tokens: list[str] = prepared["refresh"]  # type: ignore[assignment]
        options = {"path": "/oauth/token", "form": True, "authorization": basic}
        for index in range(args.rounds + 1):  # the first slice warms up
            seconds = args.seconds if index else WARM_UP_SECONDS
            start = REFRESH_PER_SECOND * (
                0 if index == 0 else WARM_UP_SECONDS + (index - 1) * args.seconds
            )
            bodies = [
                {"grant_type": "refresh_token", "refresh_token": token}
                for token in tokens[start : start + REFRESH_PER_SECOND * seconds]
            ]
            result = run_wrk(
                server.url,
                bodies,
                expect='"access_token"',
                connections=args.connections if index else 8,
                seconds=seconds,
                exhausted=f"the refresh pool (round {index})",
                **options,  # type: ignore[arg-type]
            )
            if index:
                refresh_runs.append(result)
            userinfo = run_wrk(
                server.url,
                {},
                expect='"sub"',
                connections=args.connections if index else 8,
                seconds=seconds,
                tokens=[access],
                path="/oauth/userinfo",
                form=True,
            )
            if index:
                userinfo_runs.append(userinfo)
    print(f"machine: {cores()} cores; server: {args.workers} workers, PostgreSQL; wrk here")
    report("refresh grants", refresh_runs)
    report("userinfo", userinfo_runs)
    print(
        "reproduce: .venv/bin/python -m bench.oauth_user "
        f"--seconds {args.seconds} --rounds {args.rounds}"
    )


if __name__ == "__main__":
    main()
