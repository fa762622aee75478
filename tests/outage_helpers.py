"""Throwaway PostgreSQL and Redis servers that a test may stop and start at will.

The shared servers of the machine are never touched: each helper starts its own instance on
a free port in a temporary folder (PostgreSQL with ``initdb``/``pg_ctl`` from
``/usr/lib/postgresql/*/bin``, Redis with ``redis-server``) and removes it afterwards.
``initdb`` refuses to run as root, so as root the PostgreSQL binaries run as the
``postgres`` system user. Tests skip cleanly when the binaries are missing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server_helpers import free_port

START_SECONDS = 20.0


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _wait_for_port(port: int, up: bool) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            listening = sock.connect_ex(("127.0.0.1", port)) == 0
        if listening == up:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'closed' if up else 'open'}")


class ThrowawayPostgres:
    """One PostgreSQL cluster in a temporary folder, on its own port."""

    def __init__(self, root: Path) -> None:
        binaries = _postgres_bin()
        if binaries is None:
            pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) not installed")
        self.bin = binaries
        self.root = root
        self.data = root / "pgdata"
        self.port = free_port()
        self.running = False
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            root.mkdir(parents=True, exist_ok=True)
            account = pwd.getpwnam("postgres")
            os.chown(root, account.pw_uid, account.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )
        # synchronous_commit stays on: a commit's WAL record must reach the kernel before
        # the client hears of it, or an ``immediate`` stop (a crash) loses committed rows.
        # fsync=off is safe here because only the server crashes, never the kernel.
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")  # fmt: skip
        _wait_for_port(self.port, up=True)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends sessions cleanly; ``immediate`` is a crash (recovery at next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False
        _wait_for_port(self.port, up=False)

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_user, str(self.bin / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=self.root)


class ThrowawayRedis:
    """One Redis server without persistence, on its own port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        _wait_for_port(self.port, up=False)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    # Its own folder straight under the temporary directory: pytest's folders are private
    # to root, and the server may run as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="idg-outage-pg-"))
    server = None
    try:
        server = ThrowawayPostgres(root)
        server.start()
        yield server
    finally:
        if server is not None and server.running:
            with contextlib.suppress(Exception):
                server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
