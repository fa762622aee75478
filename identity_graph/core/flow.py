"""Flows as expiring state machines (ARCHITECTURE §3, after Ory Kratos).

A flow row has a ``state`` column, an ``expires_at`` and a transition table. Every load
calls ``ensure_valid`` and every change goes through ``transition``; an expired flow is
replaced, never revived. Each flow module keeps its mermaid diagram in its docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

from tortoise import fields
from tortoise.models import Model

from identity_graph.core.clock import Clock
from identity_graph.core.errors import FlowExpired, InvalidState

S = TypeVar("S", bound=Enum)


class Transitions(Generic[S]):
    """The legal moves of one flow: ``{state: {next states}}``; absent means terminal."""

    def __init__(self, table: Mapping[S, set[S]]) -> None:
        self._table = {state: frozenset(targets) for state, targets in table.items()}

    def allowed(self, current: S, target: S) -> bool:
        return target in self._table.get(current, frozenset())

    def check(self, current: S, target: S) -> S:
        """Return ``target`` if the move is legal, else raise ``InvalidState``."""
        if not self.allowed(current, target):
            raise InvalidState(current.value, target.value)
        return target

    def is_terminal(self, state: S) -> bool:
        return not self._table.get(state)


class FlowModel(Model):
    """Columns every flow shares; subclasses add ``state`` and their data."""

    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        abstract = True

    def is_expired(self, clock: Clock) -> bool:
        return is_past(self.expires_at, clock)

    def ensure_valid(self, clock: Clock) -> None:
        if self.is_expired(clock):
            raise FlowExpired()


def is_past(moment: datetime, clock: Clock) -> bool:
    return moment <= clock.now()
