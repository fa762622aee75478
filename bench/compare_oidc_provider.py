"""identity_graph against the Node.js ``oidc-provider`` (OpenID-certified) on the same machine
(SPEC §13: client-credentials grants, refresh grants, introspection and UserInfo "in every
case at least as fast as oidc-provider").

Both servers run side by side with as many worker processes each (oidc-provider in Node's
cluster mode, ``bench/oidc_provider/server.js``, version pinned in its ``package-lock.json``;
``npm ci`` runs when ``node_modules`` is missing). wrk measures them in alternating rounds,
ours then theirs, the other way round the next round, so the host's drift hits both alike;
the ratio ours/theirs is taken per round, and the median round is reported.

What each side does per request:

- client-credentials grants: ours signs an ES256 JWT. oidc-provider is measured twice: its
  default opaque token (stored in its in-memory store) and an ES256 JWT for a resource
  server (RFC 8707 ``resource``, the format ours issues).
- introspection: ours verifies its client-credentials JWT and checks the revocation list in
  PostgreSQL; oidc-provider introspects no JWT, so it looks an opaque client-credentials token
  up in its store.
- refresh grants: rotation with reuse detection on both (oidc-provider's default rotates a
  confidential client's tokens only near expiry; ``rotateRefreshToken: true`` here). One grant
  (family) per token, each token used once; neither returns an ID token (oidc-provider's
  tokens carry no ``openid`` scope for that reason). Ours also checks the login session.
- UserInfo: a session-bound user access token on both (oidc-provider: opaque, with its
  session and grant in the store); scope ``openid profile``, the same four claims back.

oidc-provider keeps everything in process memory (an unbounded Map per worker, loaded with the
same tokens under the same ids in every worker before it listens): no database round trip,
which favours it. Ours runs on PostgreSQL and Redis, as in the other benchmarks.

    .venv/bin/python -m bench.compare_oidc_provider [--seconds 10] [--rounds 3] [--only userinfo]
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import select
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.client_credentials import _register
from bench.harness import (
    HERE,
    WrkResult,
    basic_authorization,
    cores,
    free_port,
    median_round,
    report,
    round_parser,
    run_wrk,
    running_server,
)
from bench.oauth_user import _prepare

NODE_DIR = HERE / "oidc_provider"
# Refresh tokens are single-use: each round gets a slice sized for this many grants a second
# (a round that outruns its slice reuses tokens, and the reuses count as wrong answers). Not
# more than needed: oidc-provider holds its share in each worker's heap.
OURS_REFRESH_PER_SECOND = 2_500
THEIRS_REFRESH_PER_SECOND = 8_000
WARM_UP_SECONDS = 3
API = "urn:idg-bench:api"
CASES = ("client-credentials", "introspection", "refresh", "userinfo")
CASE_NAMES = ("client-credentials grants", "introspection", "refresh grants", "userinfo")

Run = Callable[[int, int, int], WrkResult]  # (round index, connections, seconds)


def _install() -> str:
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise SystemExit("Node.js and npm are needed (Node 18 or later)")
    if not (NODE_DIR / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)
    package = json.loads((NODE_DIR / "node_modules/oidc-provider/package.json").read_text())
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    return f"oidc-provider {package['version']} on Node.js {node.stdout.strip()}"


@contextmanager
def oidc_provider(workers: int, fixture: dict[str, object]) -> Iterator[str]:
    """``server.js`` in cluster mode, every worker loaded with ``fixture``, until the block ends."""
    work = Path(tempfile.mkdtemp(prefix="idg-oidc-provider-"))
    (work / "fixture.json").write_text(json.dumps(fixture), encoding="utf-8")
    port = free_port()
    env = dict(
        os.environ,
        PORT=str(port),
        WORKERS=str(workers),
        BENCH_FIXTURE=str(work / "fixture.json"),
        NODE_ENV="production",
    )
    log = work / "server.log"
    process = subprocess.Popen(
        ["node", "server.js"],
        cwd=NODE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(log, "wb"),  # noqa: SIM115 - closed with the process
        text=True,
    )
    assert process.stdout is not None
    try:
        deadline = time.monotonic() + 180
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or process.poll() is not None:
                raise RuntimeError(f"oidc-provider did not start:\n{log.read_text()[-2000:]}")
            readable = select.select([process.stdout], [], [], min(left, 1))[0]
            if readable and process.stdout.readline().startswith("READY"):
                break
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        complaints = log.read_text(errors="replace").strip()
        if complaints:
            print(f"oidc-provider's log (not empty):\n{complaints[-2000:]}")
        shutil.rmtree(work, ignore_errors=True)


def _expect(response: httpx.Response, expect: str, what: str) -> dict[str, object]:
    if response.status_code != 200 or expect not in response.text:
        raise SystemExit(f"{what}: unexpected answer {response.status_code} {response.text[:300]}")
    return dict(response.json())


def _ratios(ours: list[WrkResult], theirs: list[WrkResult]) -> str:
    ratios = [a.rate / b.rate for a, b in zip(ours, theirs, strict=True)]
    middle = median_round(ours).rate / median_round(theirs).rate
    rounds = " · ".join(f"{ratio:.2f}" for ratio in ratios)
    return (
        f"median of the rounds' ratios {statistics.median(ratios):.2f}, ratio of the median "
        f"rounds {middle:.2f}; rounds: {rounds}"
    )


def main() -> None:
    parser = round_parser(__doc__)
    parser.add_argument(
        "--their-workers", type=int, default=None, help="oidc-provider workers (default: --workers)"
    )
    parser.add_argument(
        "--only",
        choices=CASES,
        action="append",
        default=None,
        help="run only this case (repeatable; default: every case)",
    )
    args = parser.parse_args()
    their_workers = args.their_workers or args.workers
    version = _install()
    slices = args.rounds + 1  # the first round warms up (3 s, 8 connections)
    refresh_seconds = WARM_UP_SECONDS + args.rounds * args.seconds

    their_client = "bench-client"
    their_secret = secrets.token_urlsafe(32)
    their_basic = basic_authorization(their_client, their_secret)
    their_cc_token = secrets.token_urlsafe(32)
    their_access = secrets.token_urlsafe(32)
    their_refresh = [
        secrets.token_urlsafe(32) for _ in range(THEIRS_REFRESH_PER_SECOND * refresh_seconds + 1)
    ]
    fixture: dict[str, object] = {
        "clientId": their_client,
        "clientSecret": their_secret,
        "accountId": "bench-account",
        "userAccessToken": their_access,
        "clientCredentialsToken": their_cc_token,
        "refreshScope": "offline_access profile",
        "refreshTokens": their_refresh,
    }

    with (
        running_server(args.workers, accounts=1) as (server, _),
        oidc_provider(their_workers, fixture) as theirs,
    ):
        ours = server.url
        redis = "Redis" if "IDG_REDIS_URL" in server.env else "in-process rate limits"
        service_id, service_secret = asyncio.run(_register(server.env))
        service_basic = basic_authorization(service_id, service_secret)
        prepared = asyncio.run(
            _prepare(server.env, OURS_REFRESH_PER_SECOND * refresh_seconds + slices)
        )
        web_basic = basic_authorization(str(prepared["client_id"]), str(prepared["secret"]))
        our_refresh: list[str] = prepared["refresh"]  # type: ignore[assignment]
        # one token per round redeemed here for that round's UserInfo access token, so that a
        # long run never outlives the token's 15 minutes
        spare, our_refresh = our_refresh[:slices], our_refresh[slices:]

        def our_tokens(index: int) -> tuple[str, str]:
            """A fresh client-credentials token and user access token of ours."""
            granted = _expect(
                httpx.post(
                    f"{ours}/oauth/token",
                    data={"grant_type": "client_credentials", "scope": "profile"},
                    headers={"Authorization": service_basic},
                ),
                "access_token",
                "our client-credentials grant",
            )
            refreshed = _expect(
                httpx.post(
                    f"{ours}/oauth/token",
                    data={"grant_type": "refresh_token", "refresh_token": spare[index]},
                    headers={"Authorization": web_basic},
                ),
                "access_token",
                "our refresh grant",
            )
            return str(granted["access_token"]), str(refreshed["access_token"])

        tokens: dict[int, tuple[str, str]] = {}

        def ours_token(index: int, which: int) -> str:
            if index not in tokens:
                tokens[index] = our_tokens(index)
            return tokens[index][which]

        # one answer of each kind checked before any load
        ours_token(0, 0)
        _expect(
            httpx.post(
                f"{theirs}/token",
                data={"grant_type": "client_credentials", "scope": "profile", "resource": API},
                headers={"Authorization": their_basic},
            ),
            '"access_token":"ey',
            "oidc-provider's JWT client-credentials grant",
        )
        _expect(
            httpx.post(
                f"{theirs}/token",
                data={"grant_type": "refresh_token", "refresh_token": their_refresh.pop()},
                headers={"Authorization": their_basic},
            ),
            '"refresh_token"',
            "oidc-provider's refresh grant",
        )
        checks: list[tuple[str, str, dict[str, str], str]] = [
            (ours, "/oauth/introspect", {"token": ours_token(0, 0)}, service_basic),
            (
                theirs,
                "/token/introspection",
                {"token": their_cc_token},
                their_basic,
            ),
            (ours, "/oauth/userinfo", {}, f"Bearer {ours_token(0, 1)}"),
            (theirs, "/me", {}, f"Bearer {their_access}"),
        ]
        for url, path, body, auth in checks:
            expect = '"active":true' if "intro" in path else '"preferred_username"'
            _expect(
                httpx.post(f"{url}{path}", data=body, headers={"Authorization": auth}),
                expect,
                f"{url}{path}",
            )

        def grant_run(url: str, path: str, basic: str, body: dict[str, object]) -> Run:
            def run(index: int, connections: int, seconds: int) -> WrkResult:
                return run_wrk(
                    url,
                    body,
                    expect='"access_token"',
                    connections=connections,
                    seconds=seconds,
                    path=path,
                    form=True,
                    authorization=basic,
                )

            return run

        def introspection_run(url: str, path: str, basic: str, token: Callable[[int], str]) -> Run:
            def run(index: int, connections: int, seconds: int) -> WrkResult:
                return run_wrk(
                    url,
                    {"token": token(index)},
                    expect='"active":true',
                    connections=connections,
                    seconds=seconds,
                    path=path,
                    form=True,
                    authorization=basic,
                )

            return run

        def refresh_run(url: str, path: str, basic: str, pool: list[str], rate: int) -> Run:
            def run(index: int, connections: int, seconds: int) -> WrkResult:
                start = rate * (0 if index == 0 else WARM_UP_SECONDS + (index - 1) * seconds)
                mine = pool[start : start + rate * seconds]
                result = run_wrk(
                    url,
                    [{"grant_type": "refresh_token", "refresh_token": token} for token in mine],
                    expect='"refresh_token"',
                    connections=connections,
                    seconds=seconds,
                    path=path,
                    form=True,
                    authorization=basic,
                )
                if result.requests > len(mine):
                    print(
                        f"warning: {url} ran out of its {len(mine)} refresh tokens (raise the rate)"
                    )
                return result

            return run

        def userinfo_run(url: str, path: str, token: Callable[[int], str]) -> Run:
            def run(index: int, connections: int, seconds: int) -> WrkResult:
                return run_wrk(
                    url,
                    {},
                    expect='"preferred_username"',
                    connections=connections,
                    seconds=seconds,
                    tokens=[token(index)],
                    path=path,
                    form=True,
                )

            return run

        ours_label = "identity_graph"
        theirs_label = "oidc-provider"
        cc: dict[str, object] = {"grant_type": "client_credentials", "scope": "profile"}
        benchmarks: list[tuple[str, list[tuple[str, Run]]]] = [
            (
                "client-credentials grants",
                [
                    (ours_label, grant_run(ours, "/oauth/token", service_basic, cc)),
                    (
                        f"{theirs_label} (opaque token)",
                        grant_run(theirs, "/token", their_basic, cc),
                    ),
                    (
                        f"{theirs_label} (ES256 JWT)",
                        grant_run(theirs, "/token", their_basic, {**cc, "resource": API}),
                    ),
                ],
            ),
            (
                "introspection",
                [
                    (
                        ours_label,
                        introspection_run(
                            ours, "/oauth/introspect", service_basic, lambda i: ours_token(i, 0)
                        ),
                    ),
                    (
                        theirs_label,
                        introspection_run(
                            theirs,
                            "/token/introspection",
                            their_basic,
                            lambda i: their_cc_token,
                        ),
                    ),
                ],
            ),
            (
                "refresh grants",
                [
                    (
                        ours_label,
                        refresh_run(
                            ours, "/oauth/token", web_basic, our_refresh, OURS_REFRESH_PER_SECOND
                        ),
                    ),
                    (
                        theirs_label,
                        refresh_run(
                            theirs, "/token", their_basic, their_refresh, THEIRS_REFRESH_PER_SECOND
                        ),
                    ),
                ],
            ),
            (
                "userinfo",
                [
                    (ours_label, userinfo_run(ours, "/oauth/userinfo", lambda i: ours_token(i, 1))),
                    (
                        theirs_label,
                        userinfo_run(theirs, "/me", lambda i: their_access),
                    ),
                ],
            ),
        ]

        if args.only:
            benchmarks = [
                entry for entry in benchmarks if CASES[CASE_NAMES.index(entry[0])] in args.only
            ]
        results: dict[tuple[str, str], list[WrkResult]] = {}
        for index in range(slices):
            for name, targets in benchmarks:
                # ours first in odd rounds, last in even ones
                order = targets if index % 2 else targets[::-1]
                for who, run in order:
                    if index == 0:
                        run(index, 8, WARM_UP_SECONDS)
                    else:
                        result = run(index, args.connections, args.seconds)
                        results.setdefault((name, who), []).append(result)

    print(
        f"machine: {cores()} cores; identity_graph: {args.workers} workers, PostgreSQL, {redis}; "
        f"{version}: {their_workers} cluster workers, in-memory store; wrk here, "
        f"{args.connections} connections, {args.rounds} rounds of {args.seconds} s"
    )
    for name, targets in benchmarks:
        print(name)
        for who, _ in targets:
            report(f"  {who}", results[(name, who)])
        for who, _ in targets[1:]:
            print(
                f"  ratio {ours_label}/{who}: "
                f"{_ratios(results[(name, ours_label)], results[(name, who)])}"
            )
    only = "".join(f" --only {case}" for case in args.only or ())
    print(
        "reproduce: .venv/bin/python -m bench.compare_oidc_provider "
        f"--seconds {args.seconds} --rounds {args.rounds}{only}"
    )


if __name__ == "__main__":
    main()
