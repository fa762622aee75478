"""``schema.graphql`` is the exported schema: this fails when the code and the file differ.
Fix with ``identity-graph export-schema -o schema.graphql`` (or ``make schema``)."""

from __future__ import annotations

from pathlib import Path

from identity_graph.graphql.schema import build_schema
from identity_graph.settings import Settings

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_exported_schema_is_up_to_date() -> None:
    current = build_schema(Settings(_env_file=None)).as_str() + "\n"  # type: ignore[call-arg]
    assert SCHEMA_FILE.read_text(encoding="utf-8") == current, (
        "schema.graphql is stale: run `make schema`"
    )


def test_every_type_field_and_enum_value_is_described() -> None:
    """GraphiQL is the documentation users read (ARCHITECTURE §4)."""
    schema = build_schema(Settings(_env_file=None)).as_str()  # type: ignore[call-arg]
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType
    from graphql import build_schema as parse

    built = parse(schema, assume_valid=True)
    missing: list[str] = []
    for name, kind in built.type_map.items():
        if name.startswith("_") or name.startswith("__") or name in {"Query", "Mutation"}:
            continue
        if isinstance(kind, (GraphQLObjectType, GraphQLInputObjectType)):
            missing += [
                f"{name}.{f}"
                for f, v in kind.fields.items()
                if not v.description and not f.startswith("_")
            ]
            if not kind.description:
                missing.append(name)
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, d in kind.values.items() if not d.description]
    assert missing == []
