"""Schema documentation that follows from the schema itself.

Every argument carries a description (tests/graphql/test_schema_contract.py fails on one
without). A mutation's single ``input`` argument is described by its input type, which
already says what the mutation takes; writing the same sentence twice would drift.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLInputObjectType, GraphQLObjectType, GraphQLSchema, get_named_type


def describe_inputs(schema: GraphQLSchema) -> None:
    """Give each undescribed ``input`` argument its input type's description."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            argument = field.args.get("input")
            named = get_named_type(argument.type) if argument else None
            if argument and not argument.description and isinstance(named, GraphQLInputObjectType):
                argument.description = named.description


def undescribed_arguments(schema: GraphQLSchema) -> Iterator[str]:
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for field_name, field in type_.fields.items():
                for name, argument in field.args.items():
                    if not (argument.description or "").strip():
                        yield f"{type_.name}.{field_name}({name})"
