"""Flows as expiring state machines (ARCHITECTURE §3): ``Transitions`` allows exactly the moves
in its table and raises ``InvalidState`` for any other, states without moves are terminal, and a
flow is expired from the instant ``expires_at`` is reached (``ensure_valid`` raises
``FlowExpired``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import product

import pytest
from tortoise import fields

from identity_graph.core.clock import FixedClock
from identity_graph.core.errors import FlowExpired, InvalidState
from identity_graph.core.flow import FlowModel, Transitions, is_past


class Door(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    LOCKED = "locked"
    BROKEN = "broken"


DOOR = Transitions(
    {
        Door.CLOSED: {Door.OPEN, Door.LOCKED, Door.BROKEN},
        Door.OPEN: {Door.CLOSED},
        Door.LOCKED: {Door.CLOSED},
        Door.BROKEN: set(),
    }
)
LEGAL = {
    (Door.CLOSED, Door.OPEN),
    (Door.CLOSED, Door.LOCKED),
    (Door.CLOSED, Door.BROKEN),
    (Door.OPEN, Door.CLOSED),
    (Door.LOCKED, Door.CLOSED),
}


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_moves_are_allowed_and_return_the_target(current: Door, target: Door) -> None:
    assert DOOR.allowed(current, target)
    assert DOOR.check(current, target) is target


@pytest.mark.parametrize(("current", "target"), sorted(set(product(Door, Door)) - LEGAL))
def test_every_other_move_is_refused(current: Door, target: Door) -> None:
    assert not DOOR.allowed(current, target)
    with pytest.raises(InvalidState) as caught:
        DOOR.check(current, target)
    assert caught.value.code == "INVALID_STATE"
    assert caught.value.params == {"current": current.value, "target": target.value}


def test_terminal_states() -> None:
    assert DOOR.is_terminal(Door.BROKEN)  # listed with no moves
    assert not DOOR.is_terminal(Door.CLOSED)
    assert not DOOR.is_terminal(Door.LOCKED)


def test_states_missing_from_the_table_are_terminal() -> None:
    partial = Transitions({Door.CLOSED: {Door.OPEN}})
    assert partial.is_terminal(Door.OPEN)
    assert not partial.allowed(Door.OPEN, Door.CLOSED)


def test_the_table_is_copied() -> None:
    table = {Door.CLOSED: {Door.OPEN}}
    transitions = Transitions(table)
    table[Door.CLOSED].add(Door.BROKEN)
    assert not transitions.allowed(Door.CLOSED, Door.BROKEN)


class DoorFlow(FlowModel):
    state = fields.CharEnumField(Door, max_length=8)


def test_a_flow_expires_at_its_deadline() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    flow = DoorFlow(
        created_at=clock.now(), expires_at=clock.now() + timedelta(minutes=5), state=Door.CLOSED
    )
    clock.advance(timedelta(minutes=5, microseconds=-1))
    flow.ensure_valid(clock)
    assert not flow.is_expired(clock)

    clock.advance(timedelta(microseconds=1))

    assert flow.is_expired(clock)
    with pytest.raises(FlowExpired) as caught:
        flow.ensure_valid(clock)
    assert caught.value.code == "FLOW_EXPIRED"


def test_is_past_includes_now() -> None:
    clock = FixedClock()
    assert is_past(clock.now(), clock)
    assert is_past(clock.now() - timedelta(seconds=1), clock)
    assert not is_past(clock.now() + timedelta(seconds=1), clock)
