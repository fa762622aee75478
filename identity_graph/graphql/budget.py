"""The document budget: depth, aliases and complexity, measured in time linear in the document.

strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk every path through the
fragments, re-entering a fragment each time it is spread: a 900-byte document of nested
fragment spreads (``fragment F0 on Query {...F1 ...F1}`` … twenty levels) doubles their work
per level and holds a worker for minutes before anything executes. This rule measures each
fragment once and reuses the measure wherever it is spread, so its cost is proportional to
the document's size, whatever the expansion.

The measures (per operation, fragments expanded):

* **depth**: the longest chain of nested fields, as strawberry counted it (fields without a
  selection set and introspection fields such as ``__schema`` count 0; graphql-core's own
  ``MaxIntrospectionDepthRule`` guards introspection);
* **aliases**: aliased fields, counted every time their fragment is spread;
* **complexity**: every field selection after expanding every fragment spread — a fragment
  bomb that stays under the depth and alias limits still expands to millions of fields, and
  that is what execution would pay for;
* **repeats**: the most times one response name is selected in one selection set, fragments
  merged. graphql-core's ``OverlappingFieldsCanBeMergedRule`` compares every pair of such
  fields, so 490 copies of ``me { id }`` cost it a second of CPU; no real client repeats a
  field more than a handful of times (a fragment and the query naming the same field).

It runs before graphql-core's validation (``limits.BudgetedValidation``): a document over
budget never reaches the standard rules, some of which are quadratic. Each limit is reported
once, with the limit in the message (the view turns them into ``QUERY_TOO_DEEP``,
``TOO_MANY_ALIASES`` and ``QUERY_TOO_COMPLEX``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


@dataclass(frozen=True)
class Shape:
    """What one selection set costs once every fragment in it is expanded."""

    depth: int = 0
    aliases: int = 0
    complexity: int = 0
    repeats: int = 0

    def beside(self, other: Shape) -> Shape:
        """``other`` selected beside this: depths and repeats compete, counts add."""
        return Shape(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.complexity + other.complexity,
            max(self.repeats, other.repeats),
        )


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_complexity: int
    max_repeats: int = 20


class _Measure:
    """Measures selection sets, each named fragment at most once (memoised by name).

    Counts are capped just above the largest limit, so the numbers stay small however
    large the expansion; a fragment cycle (reported by graphql-core's
    ``NoFragmentCyclesRule``) counts as empty on re-entry.
    """

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], cap: int) -> None:
        self.fragments = fragments
        self.cap = cap
        self.done: dict[str, tuple[Shape, Counter[str]]] = {}
        self.entered: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None) -> tuple[Shape, Counter[str]]:
        """The set's shape, and how often each response name is selected at its top."""
        shape, names = Shape(), Counter[str]()
        if node is None:
            return shape, names
        for selection in node.selections:
            inner, inner_names = self.selection(selection)
            shape = shape.beside(inner)
            names.update(inner_names)
        for name, count in names.items():
            names[name] = min(count, self.cap)
        repeats = max(shape.repeats, max(names.values(), default=0))
        capped = Shape(shape.depth, min(shape.aliases, self.cap), min(shape.complexity, self.cap))
        return Shape(capped.depth, capped.aliases, capped.complexity, repeats), names

    def selection(self, node: object) -> tuple[Shape, Counter[str]]:
        if isinstance(node, FieldNode):
            return self.field(node), Counter({(node.alias or node.name).value: 1})
        if isinstance(node, InlineFragmentNode):
            return self.selection_set(node.selection_set)
        if isinstance(node, FragmentSpreadNode):
            return self.fragment(node.name.value)
        return Shape(), Counter()

    def field(self, node: FieldNode) -> Shape:
        inner, _ = self.selection_set(node.selection_set)
        alias = 1 if node.alias else 0
        introspection = node.name.value.startswith("__")
        depth = 0 if introspection or node.selection_set is None else 1 + inner.depth
        return Shape(depth, alias + inner.aliases, 1 + inner.complexity, inner.repeats)

    def fragment(self, name: str) -> tuple[Shape, Counter[str]]:
        if name in self.done:
            return self.done[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.entered:
            return Shape(), Counter()
        self.entered.add(name)
        measured = self.done[name] = self.selection_set(definition.selection_set)
        self.entered.discard(name)
        return measured


def over_budget(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """The limits ``document`` exceeds, as errors (empty when it is within budget)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cap = max(limits.max_aliases, limits.max_complexity, limits.max_repeats) + 1
    measure = _Measure(fragments, cap)
    total = Shape()
    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                shape, _ = measure.selection_set(definition.selection_set)
                total = total.beside(shape)
    except RecursionError:  # nesting beyond what Python can walk: far too deep
        return [GraphQLError("The operation exceeds maximum operation depth")]
    return [GraphQLError(message) for message in _excesses(total, limits)]


def _excesses(shape: Shape, limits: Limits) -> list[str]:
    found = []
    if shape.depth > limits.max_depth:
        found.append(
            f"The operation exceeds maximum operation depth of {limits.max_depth} ({shape.depth})"
        )
    if shape.aliases > limits.max_aliases:
        found.append(f"{shape.aliases} aliases found. Allowed: {limits.max_aliases}")
    if shape.complexity > limits.max_complexity:
        found.append(
            f"The operation exceeds maximum complexity of {limits.max_complexity} "
            "selected fields once fragments are expanded"
        )
    elif shape.repeats > limits.max_repeats:  # the same class of excess: reported once
        found.append(
            f"The operation exceeds maximum complexity: a field is selected {shape.repeats} "
            f"times in one selection set (allowed: {limits.max_repeats})"
        )
    return found
