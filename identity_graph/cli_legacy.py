"""``identity-graph import-legacy FILE``: a legacy system's accounts (recovery/legacy_import.py).

    identity-graph import-legacy accounts.csv [--report report.json] [--lang en]

Prints one line per row (what happened, the login name to use, or the broken columns) and a
summary; ``--report`` also writes the rows as JSON. Exit status 0 when every row is imported,
merged or unchanged, 1 when some rows were refused, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import ValidationFailed


def add_parser(sub: Any, run: Callable[..., int]) -> None:
    legacy = sub.add_parser(
        "import-legacy", help="import accounts of a legacy system (CSV or JSON, old hashes)"
    )
    legacy.add_argument("file", type=Path)
    legacy.add_argument("--report", type=Path, help="also write the per-row report as JSON")
    legacy.add_argument("--lang", choices=["zh-CN", "en"], default="zh-CN")
    legacy.set_defaults(func=run)


def action(args: argparse.Namespace) -> Callable[[Any], Coroutine[Any, Any, int]]:
    from identity_graph.recovery.legacy_import import Outcome, read_rows

    async def run(container: Any) -> int:
        t = container.translate
        try:
            rows = read_rows(args.file)
        except ValidationFailed as exc:
            first = exc.primary()
            print(f"error: {args.file}: {t(first.code, args.lang)}", file=sys.stderr)
            return 2
        report = await container.legacy_import.run(rows, AuditContext(client_ip="cli"))
        lines = []
        for row in report.rows:
            problems = "; ".join(
                f"{error.field}: {t(error.code, args.lang, **error.params)}" for error in row.errors
            )
            name = f" -> {row.login_name}" if row.login_name else ""
            print(f"row {row.row} {row.source_name}: {row.outcome.value}{name} {problems}".rstrip())
            lines.append(
                {
                    "row": row.row,
                    "source": row.source_name,
                    "outcome": row.outcome.value,
                    "loginName": row.login_name,
                    "accountId": str(row.account_id) if row.account_id else None,
                    "errors": [
                        {
                            "field": error.field,
                            "code": error.code,
                            "message": t(error.code, args.lang, **error.params),
                        }
                        for error in row.errors
                    ],
                }
            )
        summary = report.summary()
        print(" ".join(f"{key}={value}" for key, value in summary.items()))
        if args.report:
            args.report.write_text(
                json.dumps({"summary": summary, "rows": lines}, ensure_ascii=False, indent=1),
                encoding="utf-8",
            )
        return 1 if report.count(Outcome.ERROR) else 0

    return run
