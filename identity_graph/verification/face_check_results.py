"""What a face check says to the code that spends it (``face_checks.py``): its status, the
refusals with their codes and messages, and what a consumed check proved.

EXPIRED and USED are not stored states: ``status_of`` reads them from ``expires_at`` and
``consumed_at``, so an expired check needs no job to expire it and is never revived.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError
from identity_graph.ids.types import IdType
from identity_graph.verification.models import ChallengeState, FaceCheck, FaceCheckPurpose

_AGAIN = "请重新进行人脸识别"
MESSAGES = {
    "FACE_CHECK_REQUIRED": ("请先完成人脸识别", "Pass a face check first"),
    "FACE_CHECK_PENDING": (
        "人脸识别尚未完成，请完成后再试",
        "The face check is not finished yet; finish it and try again",
    ),
    "FACE_CHECK_FAILED": (
        f"人脸识别未通过，{_AGAIN}",
        "The face check did not pass; take a new one",
    ),
    "FACE_CHECK_EXPIRED": (
        f"人脸识别结果已过期，{_AGAIN}",
        "The face check has expired; take a new one",
    ),
    "FACE_CHECK_USED": (
        f"该人脸识别结果已使用，{_AGAIN}",
        "This face check has already been used; take a new one",
    ),
    "FACE_CHECK_OTHER_PURPOSE": (
        f"该人脸识别结果不能用于本次操作，{_AGAIN}",
        "This face check was taken for another operation; take a new one",
    ),
    "FACE_CHECK_OTHER_PERSON": (
        "人脸识别的人员与本次办理人不一致",
        "The face check was passed by someone other than the person acting here",
    ),
}


class FaceCheckStatus(StrEnum):
    OPEN = "open"  # the provider session is running
    PASSED = "passed"  # passed and not yet consumed; usable until expires_at
    FAILED = "failed"
    EXPIRED = "expired"  # open or passed, and its time ran out
    USED = "used"  # consumed once by its purpose


_REFUSAL = {
    FaceCheckStatus.OPEN: "FACE_CHECK_PENDING",
    FaceCheckStatus.FAILED: "FACE_CHECK_FAILED",
    FaceCheckStatus.EXPIRED: "FACE_CHECK_EXPIRED",
    FaceCheckStatus.USED: "FACE_CHECK_USED",
}


class FaceCheckRefused(DomainError):
    """A face check that cannot be consumed: missing, pending, failed, expired, used, or
    not for this purpose or person; ``code`` says which (``MESSAGES``)."""


def status_of(check: FaceCheck, clock: Clock) -> FaceCheckStatus:
    if check.state is ChallengeState.FAILED:
        return FaceCheckStatus.FAILED
    if check.consumed_at is not None:
        return FaceCheckStatus.USED
    if check.is_expired(clock):
        return FaceCheckStatus.EXPIRED
    return FaceCheckStatus(check.state.value)


def refusal(status: FaceCheckStatus) -> FaceCheckRefused:
    """Why a check in ``status`` (anything but PASSED) cannot be consumed."""
    return FaceCheckRefused(_REFUSAL[status])


@dataclass(frozen=True)
class ProvenFace:
    """What a consumed face check proved: this person, for this purpose, at this time.

    ``id_number_index`` is the accounts' blind index of the number (``id_number`` kind);
    ``provider_reference`` is the provider's reference of the passed session (evidence).
    """

    check_id: uuid.UUID
    purpose: FaceCheckPurpose
    real_name: str
    id_type: IdType
    id_number: str
    id_number_index: str
    account_id: uuid.UUID | None
    bound_to: str | None
    provider: str
    provider_reference: str | None
    passed_at: datetime
    consumed_at: datetime


@dataclass(frozen=True)
class FaceCheckView:
    """A check as its owner sees it while polling: the person masked."""

    id: uuid.UUID
    purpose: FaceCheckPurpose
    status: FaceCheckStatus
    masked_name: str
    id_type: IdType
    masked_id_number: str
    failure_reason: str | None  # the provider's reason code (``FaceFailure``) when FAILED
    created_at: datetime
    expires_at: datetime
