"""Legacy import throughput (issue 12: 100,000 accounts; rows/s and a rerun's time).

    .venv/bin/python -m bench.legacy_import [--rows 100000] [--db sqlite|postgres]

Writes a CSV of ``--rows`` legacy accounts (80 % residents, 20 % units; the four hash types
in turn; every 500th row a unit named like a resident, so it is imported as ``WP_`` + name; every
50th resident with a 15-digit ID) and imports it with the service ``import-legacy`` runs,
into a fresh database: SQLite in a temporary folder, or PostgreSQL at
``IDG_BENCH_LEGACY_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/
idg_bench_legacy``, dropped and re-created). Then imports the same file again: the rerun
must change nothing. The hashes are made once per type (the import stores them unchecked;
they are checked at the first login).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/idg_bench_legacy"
FIELDS = [
    "kind", "login_name", "password_hash", "phone", "real_name", "id_number", "unit_name",
    "uscc", "legal_person_type", "address", "legal_rep_name", "legal_rep_id_number",
]  # fmt: skip


def _resident_id(i: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=i % 20_000)
    body = f"110105{born:%Y%m%d}{i // 20_000 % 1000:03d}"
    return body + mod_11_2.calc_check_digit(body)


def _legacy_id(i: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=i % 18_000)
    return f"110105{born:%y%m%d}{i // 18_000 % 1000:03d}"


def _credit_code(i: int) -> str:
    body = f"91310000MA{i:07d}"
    return body + uscc.calc_check_digit(body)


def write_file(path: Path, rows: int) -> None:
    from identity_graph.accounts.legacy_hashes import LegacyScheme, make

    hashes = [make(scheme, "old-Passw0rd!", secrets.token_hex(4)) for scheme in LegacyScheme]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for i in range(rows):
            common = {"password_hash": hashes[i % len(hashes)]}
            if i % 5:
                legacy = i % 50 == 1
                number = _legacy_id(i) if legacy else _resident_id(i)
                name = f"user{i:07d}"
                row = {"kind": "natural_person", "login_name": name, "phone": f"130{i:08d}"}
                row.update(real_name="王五", id_number=number)
            else:
                # Every 500th row is a unit named like the resident just above it: WP_ + name.
                name = f"user{i - 1:07d}" if i % 500 == 0 and i else f"unit{i:07d}"
                row = {"kind": "enterprise", "login_name": name, "phone": f"150{i:08d}"}
                row.update(
                    unit_name=f"示例单位{i}有限公司",
                    uscc=_credit_code(i),
                    legal_person_type="enterprise",
                    address="上海市浦东新区世纪大道1号",
                    legal_rep_name="赵六",
                    legal_rep_id_number=_resident_id(i + 7),
                )
            writer.writerow({**row, **common})


async def _reset_postgres(url: str) -> None:
    import asyncpg

    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def run(rows: int, backend: str, folder: Path) -> None:
    from identity_graph import db
    from identity_graph.container import Container
    from identity_graph.core.audit import AuditContext
    from identity_graph.recovery.legacy_import import read_rows
    from identity_graph.settings import Settings

    path = folder / "legacy.csv"
    started = time.perf_counter()
    write_file(path, rows)
    print(f"wrote {rows:,} rows in {time.perf_counter() - started:.1f} s ({path})")
    if backend == "postgres":
        url = os.environ.get("IDG_BENCH_LEGACY_DATABASE_URL", DEFAULT_PG)
        await _reset_postgres(url)
    else:
        url = f"sqlite://{folder / 'bench.sqlite3'}"
    await db.migrate(url)
    await db.open_database(url, 5)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        data_dir=folder / "data",
        secret_key=secrets.token_hex(32),
        jobs_worker_enabled=False,
    )
    container = Container(settings)
    try:
        for label in ("import", "rerun"):
            started = time.perf_counter()
            report = await container.legacy_import.run(
                read_rows(path), AuditContext(client_ip="bench")
            )
            seconds = time.perf_counter() - started
            print(
                f"{label}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s"
                f"  {report.summary()}"
            )
    finally:
        await container.aclose()
        await db.close_database()
    print(f"reproduce: .venv/bin/python -m bench.legacy_import --rows {rows} --db {backend}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="idg-legacy-") as folder:
        asyncio.run(run(args.rows, args.db, Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
