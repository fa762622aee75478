"""Query limits (depth, aliases, tokens, introspection) and the codes their errors carry."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from identity_graph.settings import Settings

# graphql-core and strawberry report these as plain validation errors; the codes below
# let clients tell them apart. Matched on the library's message text, checked in tests.
_MESSAGE_CODES = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("aliases found", "TOO_MANY_ALIASES"),
    ("more than", "TOO_MANY_TOKENS"),
    ("introspection", "INTROSPECTION_DISABLED"),
    ("Syntax Error", "GRAPHQL_PARSE_FAILED"),
    ("Variable '$", "VARIABLE_INVALID"),
    ("Unknown operation named", "UNKNOWN_OPERATION"),
    ("Must provide operation name", "OPERATION_NAME_REQUIRED"),
)


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so each request gets fresh extension instances."""
    depth, aliases, tokens = (
        settings.graphql_max_depth,
        settings.graphql_max_aliases,
        settings.graphql_max_tokens,
    )
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=depth),
        lambda: MaxAliasesLimiter(max_alias_count=aliases),
        lambda: MaxTokensLimiter(max_token_count=tokens),
    ]
    if not settings.graphql_introspection:
        extensions.append(DisableIntrospection)
    return extensions


def code_for_message(message: str) -> str:
    for fragment, code in _MESSAGE_CODES:
        if fragment.lower() in message.lower():
            return code
    return "GRAPHQL_VALIDATION_FAILED"
