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


def test_readme_stands_alone() -> None:
    """A clone has no ``../shared``: the README must not send a reader there."""
    assert "../shared" not in README
    assert "shared/" not in README


def test_readme_names_the_two_commands() -> None:
    assert "make serve" in README
    assert "make test" in README


def test_graphql_examples_are_valid_against_the_schema() -> None:
    """The walkthrough's documents parse and validate, so the README cannot drift."""
    import re

    from graphql import parse, validate

    from identity_graph.graphql.schema import build_schema

    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    blocks = re.findall(r"```graphql\n(.*?)```", README, re.DOTALL)
    inline = [
        snippet.replace("\n   ", " ")
        for snippet in re.findall(r"`((?:mutation|\{) .*?)`", README, re.DOTALL)
    ]
    documents = [block.replace('"…"', '"x"') for block in blocks] + [
        text.replace('"…"', '"x"').replace('"Secret#2026x"', '"x"') for text in inline
    ]
    assert len(documents) >= 5
    for document in documents:
        assert validate(schema, parse(document)) == [], document
