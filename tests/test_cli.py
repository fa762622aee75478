"""The ``identity-graph`` command as an operator runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDG_DATA_DIR": str(tmp_path / "data"), "IDG_SECRET_KEY": "k" * 40}
    env.pop("IDG_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "identity_graph.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def test_migrate_and_create_admin(tmp_path: Path) -> None:
    assert "migrations applied" in run(tmp_path, "migrate").stdout
    created = run(tmp_path, "create-admin", "ops-admin", "--password", "a long password here")
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("idg_pat_")
    assert "roles=['admin', 'reviewer']" in created.stdout
    again = run(
        tmp_path, "create-admin", "ops-admin", "--password", "a long password here", check=False
    )
    assert again.returncode == 2
    assert "not available" in again.stderr
    short = run(tmp_path, "create-admin", "ops2", "--password", "short", check=False)
    assert short.returncode == 2


def test_outbox_lists_nothing_then_json(tmp_path: Path) -> None:
    assert "the outbox is empty" in run(tmp_path, "outbox").stdout
    assert run(tmp_path, "outbox", "--json").stdout == ""


def test_export_schema_matches_the_committed_file(tmp_path: Path) -> None:
    output = tmp_path / "schema.graphql"
    run(tmp_path, "export-schema", "-o", str(output))
    committed = Path(__file__).resolve().parent.parent / "schema.graphql"
    assert output.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "IDG_DATA_DIR": str(tmp_path),
        "IDG_ENV": "production",
        "IDG_ALLOW_SANDBOX_PROVIDERS": "true",
    }
    env.pop("IDG_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "identity_graph.cli", "outbox"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "IDG_SECRET_KEY must be set" in result.stderr


def test_production_refuses_sandbox_authorities(tmp_path: Path) -> None:
    env = {**os.environ, "IDG_DATA_DIR": str(tmp_path), "IDG_ENV": "production"}
    env.update(IDG_SECRET_KEY="k" * 40, IDG_REGISTRY_PROVIDER="http")
    env.update(IDG_REGISTRY_URL="https://registry.example", IDG_REGISTRY_SECRET="s" * 20)
    result = subprocess.run(
        [sys.executable, "-m", "identity_graph.cli", "outbox"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "IDG_FACE_PROVIDER, IDG_LICENCE_PROVIDER" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["--json"])
def test_outbox_shows_sent_codes(tmp_path: Path, flag: str) -> None:
    """A code written by the service is readable by the operator command."""
    script = (
        "import asyncio\n"
        "from tortoise.transactions import in_transaction\n"
        "from identity_graph import db\n"
        "from identity_graph.container import Container\n"
        "from identity_graph.notifications.models import Channel\n"
        "from identity_graph.settings import Settings\n"
        "async def main():\n"
        "    s = Settings()\n"
        "    await db.migrate(s.resolved_database_url)\n"
        "    await db.open_database(s.resolved_database_url)\n"
        "    c = Container(s)\n"
        "    async with in_transaction():\n"
        "        await c.notifier.send(Channel.SMS, 'sms_code', '13812345678',\n"
        "            {'code': '654321', 'minutes': 5, 'purpose': 'register'}, 'zh-CN')\n"
        "    await db.close_database()\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "IDG_DATA_DIR": str(tmp_path / "data"), "IDG_SECRET_KEY": "k" * 40}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
    lines = run(tmp_path, "outbox", "--phone", "138 1234 5678", flag).stdout.splitlines()
    entry = json.loads(lines[0])
    assert entry["to"] == "13812345678"
    assert "654321" in entry["text"]
    assert entry["status"] == "queued"


def test_rotate_keys(tmp_path: Path) -> None:
    first = run(tmp_path, "rotate-keys").stdout
    assert "ES256: now signing with es256-" in first
    assert "RS256: now signing with rs256-" in first
    second = run(tmp_path, "rotate-keys", "--alg", "ES256").stdout
    assert second.count("now signing") == 1
    assert first.split("now signing with ")[1].split(";")[0] not in second


def test_create_client_prints_the_secret_once_and_refuses_bad_uris(tmp_path: Path) -> None:
    created = run(
        tmp_path,
        "create-client",
        "社保业务系统",
        "--grant-type",
        "client_credentials",
        "--scope",
        "profile",
    )
    assert "client_id: idg-" in created.stdout
    secret_line = next(
        line for line in created.stdout.splitlines() if line.startswith("client_secret")
    )
    assert len(secret_line.split(": ", 1)[1]) >= 40
    refused = run(
        tmp_path,
        "create-client",
        "partner",
        "--redirect-uri",
        "http://partner.example.cn/callback",
        check=False,
    )
    assert refused.returncode == 2
    assert "redirectUris.0" in refused.stderr


def test_create_client_for_ciba_needs_a_delivery_mode(tmp_path: Path) -> None:
    ciba = "urn:openid:params:grant-type:ciba"
    refused = run(tmp_path, "create-client", "柜台系统", "--grant-type", ciba, check=False)
    assert refused.returncode == 2
    assert "backchannelTokenDeliveryMode" in refused.stderr
    created = run(
        tmp_path,
        "create-client",
        "柜台系统",
        "--grant-type",
        ciba,
        "--backchannel-token-delivery-mode",
        "ping",
        "--backchannel-client-notification-endpoint",
        "https://partner.example.cn/ciba",
    )
    assert f"grant types: {ciba}" in created.stdout


def test_services_catalogue_add_list_retire(tmp_path: Path) -> None:
    created = run(
        tmp_path, "create-client", "外国人工作管理系统", "--grant-type", "client_credentials"
    )
    client_id = created.stdout.split("client_id: ", 1)[1].split()[0]
    added = run(tmp_path, "services", "add", client_id, "000106004000", "外国人来华工作许可")
    assert added.stdout.strip() == f"000106004000\t{client_id}\t外国人来华工作许可"
    again = run(tmp_path, "services", "add", client_id, "000106004000", "重复", check=False)
    assert again.returncode == 2
    assert "code: This service code is already in use" in again.stderr
    unknown = run(tmp_path, "services", "add", "idg-nobody", "12345", "x", check=False)
    assert "clientId: No such client" in unknown.stderr
    retired = run(tmp_path, "services", "retire", "000106004000")
    assert retired.stdout.strip().endswith("(retired)")
    listed = run(tmp_path, "services", "list", "--client-id", client_id)
    assert listed.stdout.count("\n") == 1


def test_sandbox_providers_serve_the_registry_and_the_challenges(tmp_path: Path) -> None:
    """The operator's stand-alone sandbox answers both HTTP adapters over a real port."""
    import asyncio
    import socket
    import time

    from identity_graph.core.clock import SystemClock
    from identity_graph.ids.types import IdType
    from identity_graph.verification.providers.base import (
        ChallengeRequest,
        PersonClaim,
        RegistryOutcome,
    )
    from identity_graph.verification.providers.http import HttpRegistry
    from identity_graph.verification.providers.http_challenges import HttpChallenges

    assert run(tmp_path, "sandbox-providers", "--secret", "short", check=False).returncode == 2
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = "sandbox-providers-secret"
    env = {**os.environ, "IDG_DATA_DIR": str(tmp_path / "data"), "IDG_SECRET_KEY": "k" * 40}
    server = subprocess.Popen(
        [sys.executable, "-m", "identity_graph.cli", "sandbox-providers", "--port", str(port)],
        env={**env, "IDG_SANDBOX_PROVIDERS_SECRET": secret},
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    claim = PersonClaim("张伟", IdType.RESIDENT_ID_CARD, "110105198503120039")

    async def use() -> tuple[RegistryOutcome, str]:
        registry = HttpRegistry(base, secret.encode(), attempts=1)
        face = HttpChallenges("face", base, secret.encode(), SystemClock(), attempts=1)
        try:
            answer = await registry.check_person(claim)
            started = await face.start(
                ChallengeRequest("c-1", "http://127.0.0.1:9/callback", None, claim)
            )
            return answer.outcome, started.url
        finally:
            await registry.aclose()
            await face.aclose()

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        outcome, url = asyncio.run(use())
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert outcome is RegistryOutcome.MATCH
    assert url.startswith(f"{base}/s/prv-")


def _dead_job(tmp_path: Path, kind: str) -> int:
    """A job that failed every attempt, as the worker leaves it."""
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "identity_graph.sqlite3") as connection:
        cursor = connection.execute(
            "INSERT INTO jobs (kind, payload, state, attempts, max_attempts, run_at, "
            "last_error, created_at, finished_at) VALUES (?, '{}', 'dead', 8, 8, "
            "'2026-01-01 00:00:00+00:00', 'GatewayUnavailable: 503', "
            "'2026-01-01 00:00:00+00:00', '2026-01-01 01:00:00+00:00')",
            (kind,),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


def test_jobs_lists_and_retries_dead_jobs(tmp_path: Path) -> None:
    run(tmp_path, "migrate")
    first = _dead_job(tmp_path, "notifications.deliver")
    second = _dead_job(tmp_path, "logout.backchannel")
    assert "dead     2" in run(tmp_path, "jobs", "stats").stdout
    listed = run(tmp_path, "jobs", "list", "--state", "dead").stdout
    assert f"#{first} notifications.deliver [dead] attempts 8/8" in listed
    assert "GatewayUnavailable: 503" in listed
    rows = [
        json.loads(line) for line in run(tmp_path, "jobs", "list", "--json").stdout.splitlines()
    ]
    assert [row["id"] for row in rows] == [second, first]
    assert run(tmp_path, "jobs", "retry", str(first)).stdout == f"#{first} retried\n"
    again = run(tmp_path, "jobs", "retry", str(first), check=False)
    assert again.returncode == 1 and "not dead: left alone" in again.stdout
    nothing = run(tmp_path, "jobs", "retry", check=False)
    assert nothing.returncode == 2 and "--all-dead" in nothing.stderr
    everything = run(tmp_path, "jobs", "retry", "--all-dead", "--kind", "logout.backchannel")
    assert "1 dead job(s) back in the queue" in everything.stdout
    assert "pending  2" in run(tmp_path, "jobs", "stats").stdout
    assert run(tmp_path, "jobs", "list", "--state", "dead").stdout == "no jobs\n"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "IDG_DATA_DIR": str(tmp_path), "IDG_ENV": "production"}
    env.update(IDG_SECRET_KEY="k" * 40, IDG_ALLOW_SANDBOX_PROVIDERS="true", **extra)
    env.pop("IDG_REDIS_URL", None)
    return env


def test_production_refuses_several_workers_without_redis(tmp_path: Path) -> None:
    """Each worker would count failed logins alone: 4 workers, 4 times the lockout limit."""
    for env, args in (
        (production_env(tmp_path, IDG_WORKERS="4"), ["outbox"]),
        (production_env(tmp_path), ["serve", "--workers", "3", "--port", "1"]),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "identity_graph.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "without IDG_REDIS_URL" in result.stderr
        assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.sqlite3"))  # refused before migrating anything


def test_several_workers_with_redis_or_one_without_are_fine() -> None:
    from identity_graph.settings import Settings

    base = {"_env_file": None, "env": "production", "secret_key": "k" * 40}
    base["allow_sandbox_providers"] = True
    Settings(**base, workers=4, redis_url="redis://cache:6379/0")  # type: ignore[arg-type]
    Settings(**base, workers=1)  # type: ignore[arg-type]


def test_development_warns_loudly_about_several_workers_without_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from identity_graph import cli
    from identity_graph.settings import Settings

    class Stop(Exception):
        pass

    def stop(settings: Settings) -> None:
        raise Stop

    monkeypatch.setattr(cli, "_configure_logging", lambda settings: None)
    monkeypatch.setattr(cli, "load_master_keys", stop)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    args = cli.build_parser().parse_args(["serve", "--workers", "2"])
    with pytest.raises(Stop):
        cli.cmd_serve(settings, args)
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "NOT FOR PRODUCTION" in warning.getMessage()
    assert "2 workers without IDG_REDIS_URL" in warning.getMessage()
