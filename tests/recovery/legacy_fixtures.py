"""Legacy import files for the tests: one resident per hash type, units for the WP_ rule.

Synthetic identities (valid check characters, nobody real). ``110105491231002`` is the
15-digit form of ``11010519491231002X``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from identity_graph.accounts.legacy_hashes import LegacyScheme, make

OLD_PASSWORD = "old-Passw0rd!"
UNIT_USCC = "91310000MA1FL0001R"  # the imported unit whose name collides
OTHER_USCC = "91350100M000100Y43"  # the unit already registered under that name
SAME_USCC = "91330100MA2B00002B"

FIELDS = [
    "kind",
    "login_name",
    "password_hash",
    "phone",
    "email",
    "real_name",
    "id_type",
    "id_number",
    "unit_name",
    "uscc",
    "legal_person_type",
    "address",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_number",
]


def person(
    name: str, scheme: LegacyScheme, id_number: str, phone: str = "", **extra: str
) -> dict[str, str]:
    row = {
        "kind": "natural_person",
        "login_name": name,
        "password_hash": make(
            scheme, OLD_PASSWORD, f"salt-{name}", rounds=4 if scheme == LegacyScheme.BCRYPT else 0
        ),
        "phone": phone,
        "real_name": "王五",
        "id_number": id_number,
    }
    row.update(extra)
    return row


def unit(name: str, uscc: str, phone: str, **extra: str) -> dict[str, str]:
    row = {
        "kind": "enterprise",
        "login_name": name,
        "password_hash": make(LegacyScheme.BCRYPT, OLD_PASSWORD, "", rounds=4),
        "phone": phone,
        "unit_name": "上海来华示例科技有限公司",
        "uscc": uscc,
        "legal_person_type": "enterprise",
        "address": "上海市浦东新区世纪大道1号",
        "legal_rep_name": "赵六",
        "legal_rep_id_type": "resident_id_card",
        "legal_rep_id_number": "310115197001010011",
    }
    row.update(extra)
    return row


def residents() -> list[dict[str, str]]:
    return [
        person("bcrypt_user", LegacyScheme.BCRYPT, "110105491231002", phone="13700000001"),
        person("pbkdf2_user", LegacyScheme.PBKDF2_SHA256, "110108199003071238"),
        person("sha256_user", LegacyScheme.SALTED_SHA256, "440304198510152347"),
        person("md5_user", LegacyScheme.SALTED_MD5, "310115197001010011"),
    ]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in FIELDS})
    return path


def write_json(path: Path, rows: list[Any]) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path
