"""Every error code the code raises has a zh-CN and an English message in the container's
catalog (SPEC §9: stable codes with messages in both languages)."""

from __future__ import annotations

import re
from pathlib import Path

from identity_graph.container import Container

SOURCE = Path(__file__).resolve().parents[1] / "identity_graph"
RAISED = (
    re.compile(r'(?:DomainError|NotAuthorized|AuthenticationRefused)\(\s*"([A-Z_]+)"'),
    re.compile(r'(?:single|fail|FieldError)\(\s*[^,()]+,\s*"([A-Z_]+)"'),
)


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in RAISED:
            codes.update(pattern.findall(text))
    return codes


def test_the_scan_finds_codes():
    assert {"REGISTRATION_CONFLICT", "PASSWORD_WRONG", "LOGIN_NAME_LENGTH"} <= raised_codes()


def test_every_raised_code_has_both_messages(settings):
    translate = Container(settings).translate
    missing = sorted(code for code in raised_codes() if code not in translate)
    assert missing == []
    for code in raised_codes():
        chinese, english = translate(code, "zh-CN"), translate(code, "en")
        assert chinese and english and chinese != english, code
