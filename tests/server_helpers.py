"""Run ``identity-graph serve`` in a subprocess, as an operator would, for tests/test_server.py.

The server gets a private data folder, a random secret key and its own database; its stderr
(the JSON log) goes to a file so tests can read what it logged.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

STARTUP_SECONDS = 90.0  # a loaded CI host starts two workers slowly
STOP_SECONDS = 10.0


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    data_dir: Path
    stderr_path: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self) -> list[str]:
        return [line for line in self.log_text().splitlines() if line.strip()]

    def log_records(self) -> list[dict[str, Any]]:
        """The log lines that parse as JSON objects."""
        records = []
        for line in self.log_lines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def wait_for_log(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Poll the log until a record matches: the request log is written after the
        response has been sent, so a client can read the answer before the line exists."""
        deadline = time.monotonic() + timeout
        while True:
            matches = [record for record in self.log_records() if predicate(record)]
            if matches or time.monotonic() > deadline:
                return matches
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The caller's environment without its own ``IDG_*`` settings (a developer's redis URL
    or database must not leak in), plus this server's data folder, key and database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("IDG_") and key != "PROMETHEUS_MULTIPROC_DIR"
    }
    env["IDG_DATA_DIR"] = str(data_dir)
    env["IDG_SECRET_KEY"] = secrets.token_urlsafe(32)
    if database_url:
        env["IDG_DATABASE_URL"] = database_url
    return env


@contextmanager
def run_server(
    data_dir: Path,
    database_url: str | None = None,
    *,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> Iterator[RunningServer]:
    """Start the server, wait until ``/healthz`` answers, and stop it on exit.

    Without ``database_url`` the server uses its default: SQLite under ``data_dir``.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "identity_graph.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if workers > 1:
        command += ["--workers", str(workers)]
    stderr_path = data_dir / "server.stderr.log"
    # cwd is the data folder so a developer's .env in the checkout is not read either.
    with stderr_path.open("wb") as stderr, (data_dir / "server.stdout.log").open("wb") as stdout:
        process = subprocess.Popen(
            command,
            cwd=data_dir,
            stdout=stdout,
            stderr=stderr,
            env={**server_env(data_dir, database_url), **(extra_env or {})},
        )
        server = RunningServer(f"http://127.0.0.1:{port}", data_dir, stderr_path, process)
        try:
            wait_until_healthy(server)
            yield server
        finally:
            stop(process)


def wait_until_healthy(server: RunningServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"server exited with {server.process.returncode}:\n{server.log_text()}",
                pytrace=False,
            )
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(
        f"server not healthy after {STARTUP_SECONDS:.0f} s:\n{server.log_text()}", pytrace=False
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn's graceful shutdown), then SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
