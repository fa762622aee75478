"""Where a served worker spends its time on the four measures of ``compare_oidc_provider``
(client credentials, introspection, refresh grants, UserInfo): one worker under wrk load,
sampled by py-spy, one raw profile per endpoint and a summary of each (inclusive and own
time by function).

    python3 -m pip install --target /tmp/pyspy py-spy
    PYSPY=/tmp/pyspy/bin/py-spy .venv/bin/python -m bench.profile_oauth /tmp/profiles

py-spy needs to attach to the worker (root, or ``kernel.yama.ptrace_scope=0``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx

from bench.client_credentials import _register
from bench.harness import basic_authorization, run_wrk, running_server
from bench.oauth_user import _prepare

MEASURES = ("client_credentials", "introspection", "refresh", "userinfo")


def summary(raw: Path, lines: int = 25) -> str:
    """Inclusive and own share of the samples per function (line numbers merged)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = [re.sub(r":\d+\)", ")", frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    out = [f"{raw.stem}: {total} samples", "  inclusive:"]
    out += [f"  {100 * n / total:5.1f}% {name[:140]}" for name, n in inclusive.most_common(lines)]
    out.append("  own:")
    out += [f"  {100 * n / total:5.1f}% {name[:140]}" for name, n in own.most_common(lines // 2)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("measures", nargs="*", default=list(MEASURES))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    spy = os.environ.get("PYSPY", "py-spy")
    with running_server(1, accounts=1) as (server, _):
        port = server.url.rsplit(":", 1)[1]
        found = subprocess.run(["pgrep", "-f", f"serve --port {port}"], capture_output=True)
        pid = found.stdout.split()[0].decode()
        service_id, service_secret = asyncio.run(_register(server.env))
        service = basic_authorization(service_id, service_secret)
        prepared = asyncio.run(_prepare(server.env, 40_000))
        web = basic_authorization(str(prepared["client_id"]), str(prepared["secret"]))
        refresh: list[str] = prepared["refresh"]  # type: ignore[assignment]
        token = f"{server.url}/oauth/token"
        granted = httpx.post(
            token,
            data={"grant_type": "client_credentials", "scope": "profile"},
            headers={"Authorization": service},
        ).json()["access_token"]
        user = httpx.post(
            token,
            data={"grant_type": "refresh_token", "refresh_token": refresh.pop()},
            headers={"Authorization": web},
        ).json()["access_token"]
        runs: dict[str, dict[str, Any]] = {
            "client_credentials": dict(
                body={"grant_type": "client_credentials", "scope": "profile"},
                expect='"access_token"',
                path="/oauth/token",
                authorization=service,
            ),
            "introspection": dict(
                body={"token": granted},
                expect='"active":true',
                path="/oauth/introspect",
                authorization=service,
            ),
            "refresh": dict(
                body=[{"grant_type": "refresh_token", "refresh_token": t} for t in refresh],
                expect='"access_token"',
                path="/oauth/token",
                authorization=web,
            ),
            "userinfo": dict(
                body={},
                expect='"preferred_username"',
                path="/oauth/userinfo",
                authorization=f"Bearer {user}",
            ),
        }
        for name in args.measures:
            raw = args.out / f"{name}.txt"
            record = [spy, "record", "-p", pid, "-d", str(args.seconds), "-r", "200"]
            sampler = subprocess.Popen(
                [*record, "-f", "raw", "-o", str(raw), "--nonblocking"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result = run_wrk(
                server.url,
                connections=args.connections,
                seconds=args.seconds,
                form=True,
                **runs[name],
            )
            sampler.wait()
            print(f"{name}: {result.rate:.0f}/s on one worker, wrong answers {result.wrong}")
            print(summary(raw))


if __name__ == "__main__":
    main()
