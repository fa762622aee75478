"""``identity-graph import-legacy FILE`` as an operator runs it, in a subprocess (SQLite):
one line per row, the report file, exit status 1 with refused rows, 2 for an unreadable file,
and a rerun that changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from identity_graph.accounts.legacy_hashes import LegacyScheme
from tests.recovery.legacy_fixtures import UNIT_USCC, person, residents, unit, write_csv


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDG_DATA_DIR": str(tmp_path / "data"), "IDG_SECRET_KEY": "k" * 40}
    env.pop("IDG_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "identity_graph.cli", "import-legacy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_report_rerun_and_exit_codes(tmp_path: Path) -> None:
    rows = [
        *residents()[:2],
        unit("bcrypt_user", UNIT_USCC, "13600000001"),  # a resident has the name: WP_
        person("broken1", LegacyScheme.SALTED_MD5, "") | {"password_hash": "$2b$04$short"},
    ]
    path = write_csv(tmp_path / "legacy.csv", rows)
    report = tmp_path / "report.json"
    first = run(tmp_path, str(path), "--report", str(report), "--lang", "en")
    assert first.returncode == 1, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("row 1 bcrypt_user: imported -> bcrypt_user")
    assert lines[2] == "row 3 bcrypt_user: renamed -> WP_bcrypt_user"
    assert "row 4 broken1: error" in lines[3] and "password_hash: Unknown password hash" in lines[3]
    assert "id_number: This field is required" in lines[3]
    assert lines[-1] == "imported=2 renamed=1 merged=0 unchanged=0 error=1"
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["summary"]["renamed"] == 1
    assert written["rows"][2]["loginName"] == "WP_bcrypt_user"
    assert written["rows"][3]["errors"][0]["field"] == "password_hash"

    again = run(tmp_path, str(path))
    assert again.stdout.splitlines()[-1] == "imported=0 renamed=0 merged=0 unchanged=3 error=1"
    assert "row 4 broken1: error password_hash: 密码哈希格式无法识别" in again.stdout

    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    unreadable = run(tmp_path, str(tmp_path / "bad.json"))
    assert unreadable.returncode == 2
    assert "UTF-8 CSV" not in unreadable.stderr and "导入文件无法读取" in unreadable.stderr
