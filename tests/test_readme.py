"""The README documents every setting: a new ``Settings`` field without a row fails here."""

from __future__ import annotations

from pathlib import Path

from identity_graph.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = []
    for name, field in Settings.model_fields.items():
        variable = field.validation_alias if isinstance(field.validation_alias, str) else None
        variable = variable or f"IDG_{name.upper()}"
        if f"`{variable}`" not in README and variable not in README:
            missing.append(variable)
    assert missing == []


def test_readme_names_the_two_commands() -> None:
    assert "make serve" in README
    assert "make test" in README
