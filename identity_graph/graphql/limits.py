"""Query limits (tokens, depth, aliases, complexity, introspection) and their errors' codes.

Every limit costs time linear in the document: the token limit bounds the document while
it is parsed, and the depth, alias and complexity limits are one memoised walk
(``budget.py``) run before graphql-core's validation, instead of strawberry's limiters,
which walk every fragment path and run beside graphql-core's quadratic rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode
from graphql.validation import ASTValidationRule
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, SchemaExtension
from strawberry.schema.schema import validate_document

from identity_graph.graphql.budget import Limits, over_budget
from identity_graph.settings import Settings

# graphql-core and strawberry report these as plain validation errors; the codes below
# let clients tell them apart. Matched on the library's message text, checked in tests.
_MESSAGE_CODES = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("exceeds maximum complexity", "QUERY_TOO_COMPLEX"),
    ("Maximum introspection depth exceeded", "INTROSPECTION_TOO_DEEP"),
    ("aliases found", "TOO_MANY_ALIASES"),
    ("more than", "TOO_MANY_TOKENS"),
    ("introspection", "INTROSPECTION_DISABLED"),
    ("nested too deeply", "QUERY_TOO_DEEP"),
    ("Syntax Error", "GRAPHQL_PARSE_FAILED"),
    ("is never used", "VARIABLE_UNUSED"),
    ("Variable '$", "VARIABLE_INVALID"),
    ("Unknown operation named", "UNKNOWN_OPERATION"),
    ("Must provide operation name", "OPERATION_NAME_REQUIRED"),
    ("Subscription limit reached", "TOO_MANY_OPERATIONS"),
)


_NAME_REQUIRED = "Must provide operation name if query contains multiple operations."


def _operations(document: DocumentNode) -> int:
    return sum(isinstance(node, OperationDefinitionNode) for node in document.definitions)


class BudgetedValidation(SchemaExtension):
    """Validation in two steps, both cached per document (the parser cache keeps documents
    identical for identical texts): the linear budget first, then graphql-core's rules
    and ours, only for a document within budget. Replaces strawberry's ValidationCache."""

    def __init__(
        self,
        budget: Callable[[DocumentNode], list[GraphQLError]],
        validate: Callable[..., list[GraphQLError]],
        rules: tuple[type[ASTValidationRule], ...],
    ) -> None:
        super().__init__()
        self.budget, self.validate, self.rules = budget, validate, rules

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        errors = self.budget(document)
        if not errors:
            rules = tuple(context.validation_rules) + self.rules
            errors = self.validate(context.schema._schema, document, rules)
        named = context._provided_operation_name is not None
        if not errors and not named and _operations(document) > 1:
            # strawberry would run the first operation; the spec makes it a request error.
            errors = [GraphQLError(_NAME_REQUIRED)]
        context.pre_execution_errors = errors
        yield


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so each request gets fresh extension instances.

    The caches and the rule classes are built once here and shared: the validation cache
    is keyed by the rule classes, and new classes per request would make every lookup miss.
    """
    limits = Limits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_complexity=settings.graphql_max_complexity,
    )
    size = settings.graphql_document_cache
    budget = lru_cache(maxsize=size)(lambda document: over_budget(document, limits))
    validate = lru_cache(maxsize=size)(validate_document)
    rules: tuple[type[ASTValidationRule], ...] = ()
    if not settings.graphql_introspection:
        rules = tuple(DisableIntrospection().validation_rules)
    tokens = settings.graphql_max_tokens
    return [
        lambda: MaxTokensLimiter(max_token_count=tokens),
        lambda: BudgetedValidation(budget, validate, rules),
    ]


def code_for_message(message: str) -> str:
    for fragment, code in _MESSAGE_CODES:
        if fragment.lower() in message.lower():
            return code
    return "GRAPHQL_VALIDATION_FAILED"
