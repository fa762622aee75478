"""The verification case as an expiring state machine (SPEC §4.2, ARCHITECTURE §3).

```mermaid
stateDiagram-v2
    [*] --> PENDING: form submitted, automatic route (registry check runs; job retries)
    [*] --> AWAITING_MATERIALS: form submitted, manual route (§4.3) or identity change
    PENDING --> VERIFIED: registry match
    PENDING --> FAILED: mismatch / not found (reasons kept)
    PENDING --> PENDING: registry unavailable (never a failure; the job retries until it answers)
    PENDING --> WITHDRAWN: holder withdraws (e.g. a long registry outage)
    WITHDRAWN --> SUPERSEDED: new submission
    FAILED --> VERIFIED: face check passed (real person) / e-licence confirmed
    FAILED --> MANUAL_REVIEW: scans submitted
    AWAITING_MATERIALS --> MANUAL_REVIEW: scans submitted
    MANUAL_REVIEW --> MANUAL_APPROVED: reviewer approves
    MANUAL_REVIEW --> MANUAL_REJECTED: reviewer rejects with reasons
    MANUAL_REJECTED --> MANUAL_REVIEW: new scans submitted
    VERIFIED --> VERIFIED: face check passed (level real person)
    MANUAL_APPROVED --> MANUAL_APPROVED: face check passed (level real person)
    FAILED --> SUPERSEDED: new submission / listed field changed
    AWAITING_MATERIALS --> SUPERSEDED
    MANUAL_REJECTED --> SUPERSEDED
    VERIFIED --> SUPERSEDED
    MANUAL_APPROVED --> SUPERSEDED
```

States waiting for the holder (FAILED, AWAITING_MATERIALS, MANUAL_REJECTED) expire after
``verification_case_ttl``; an expired case takes no fallback and is replaced by a new
submission, never revived. A case in PENDING or MANUAL_REVIEW is waiting for us, so it
cannot be superseded by a new submission. A PENDING case waits for the national registry,
and its retry job never gives up while the registry is unavailable (``core/jobs.py``
``Postpone``); so that an outage of days does not hold the holder hostage, they may
withdraw it (WITHDRAWN, status UNVERIFIED) and submit again, by then perhaps on another
route. The retry job finds the case no longer PENDING and ends.

Every move is a conditional UPDATE on the expected state, and the account's pointer to
its current case is swapped in the same transaction, so of two racing moves one wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from identity_graph.accounts.enums import AssuranceLevel, VerificationStatus
from identity_graph.core.errors import DomainError
from identity_graph.core.flow import Transitions
from identity_graph.verification.models import CaseState, VerificationCase

S = CaseState
TRANSITIONS: Transitions[CaseState] = Transitions(
    {
        S.PENDING: {S.VERIFIED, S.FAILED, S.WITHDRAWN},
        S.WITHDRAWN: {S.SUPERSEDED},
        S.AWAITING_MATERIALS: {S.MANUAL_REVIEW, S.SUPERSEDED},
        S.FAILED: {S.VERIFIED, S.MANUAL_REVIEW, S.SUPERSEDED},
        S.MANUAL_REVIEW: {S.MANUAL_APPROVED, S.MANUAL_REJECTED},
        S.MANUAL_REJECTED: {S.MANUAL_REVIEW, S.SUPERSEDED},
        S.VERIFIED: {S.VERIFIED, S.SUPERSEDED},
        S.MANUAL_APPROVED: {S.MANUAL_APPROVED, S.SUPERSEDED},
    }
)

# States in which the holder is asked to act; only these expire.
WAITING_FOR_HOLDER = frozenset({S.FAILED, S.AWAITING_MATERIALS, S.MANUAL_REJECTED})

STATUS_OF: Mapping[CaseState, VerificationStatus] = {
    S.AWAITING_MATERIALS: VerificationStatus.UNVERIFIED,
    S.PENDING: VerificationStatus.PENDING,
    S.VERIFIED: VerificationStatus.VERIFIED,
    S.FAILED: VerificationStatus.FAILED,
    S.MANUAL_REVIEW: VerificationStatus.MANUAL_REVIEW,
    S.MANUAL_REJECTED: VerificationStatus.MANUAL_REJECTED,
    S.MANUAL_APPROVED: VerificationStatus.MANUAL_APPROVED,
    S.SUPERSEDED: VerificationStatus.UNVERIFIED,
    S.WITHDRAWN: VerificationStatus.UNVERIFIED,
}


def level_of(case: VerificationCase | None) -> AssuranceLevel:
    """The level a case gives its account: the phone level unless it verified someone."""
    if case is None or case.level is None:
        return AssuranceLevel.PHONE_VERIFIED
    return case.level


class CaseMoved(DomainError):
    """The case was no longer in the state the caller saw (someone else moved it)."""

    def __init__(self) -> None:
        super().__init__("CASE_ALREADY_MOVED")


async def move(
    case: VerificationCase, target: CaseState, now: datetime, ttl: timedelta, **values: Any
) -> VerificationCase:
    """Apply one transition if the case is still where ``case`` says; raise otherwise."""
    TRANSITIONS.check(case.state, target)
    updates: dict[str, Any] = {"state": target, "updated_at": now, **values}
    if target in WAITING_FOR_HOLDER:
        updates["expires_at"] = now + ttl
    moved = await VerificationCase.filter(id=case.id, state=case.state).update(**updates)
    if not moved:
        raise CaseMoved()
    for key, value in updates.items():
        setattr(case, key, value)
    return case


async def current_case(case_id: uuid.UUID | None) -> VerificationCase | None:
    return None if case_id is None else await VerificationCase.get_or_none(id=case_id)
