"""Query limits (depth, aliases, tokens, introspection) and the codes their errors carry."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    AddValidationRules,
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
    """Factories, so each request gets fresh extension instances.

    The depth and alias limiters build their validation-rule classes in ``__init__``; they
    are built once here and shared, because the validation cache is keyed by the rule
    classes, and new classes per request would make every lookup miss.
    """
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    if not settings.graphql_introspection:
        rules.extend(DisableIntrospection().validation_rules)
    tokens = settings.graphql_max_tokens
    return [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=tokens),
    ]


def code_for_message(message: str) -> str:
    for fragment, code in _MESSAGE_CODES:
        if fragment.lower() in message.lower():
            return code
    return "GRAPHQL_VALIDATION_FAILED"
