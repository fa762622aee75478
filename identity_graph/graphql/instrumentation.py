"""Per-operation metrics: count and latency labelled by the operation's root fields."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from identity_graph.core.metrics import GRAPHQL_LATENCY, GRAPHQL_OPERATIONS


def _root_fields(document: object, operation_name: str | None) -> tuple[str, str]:
    definitions = getattr(document, "definitions", None) or []
    for node in definitions:
        if not isinstance(node, OperationDefinitionNode):
            continue
        if operation_name and (node.name is None or node.name.value != operation_name):
            continue
        names = sorted(
            {sel.name.value for sel in node.selection_set.selections if isinstance(sel, FieldNode)}
        )
        return ",".join(names)[:120] or "unknown", node.operation.value
    return "unknown", "unknown"


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        operation, kind = _root_fields(context.graphql_document, context.operation_name)
        result = context.result
        outcome = "error" if result is None or getattr(result, "errors", None) else "ok"
        GRAPHQL_OPERATIONS.labels(operation, kind, outcome).inc()
        GRAPHQL_LATENCY.labels(operation, kind).observe(time.perf_counter() - started)
