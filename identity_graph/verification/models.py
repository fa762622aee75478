"""Owns tables ``verification_cases``, ``verification_attempts``, ``manual_reviews`` and
``verification_challenges`` and ``face_checks`` (SPEC §4, §2.3, §8). Only the verification
services write them.

A *case* is one request to verify one principal with one set of identity data; the claim
that was checked is kept sealed (AES-GCM, column name as associated data) because it holds
the name and ID number. Every call to an authority is an *attempt* with the authority's
answer; a *manual review* is one submission of scans to a reviewer; a *challenge* is a face
session or an e-licence QR challenge, bound to its case and completed once by a signed
callback. A *face check* is a face session bound to a purpose instead of a case (the
operator adding an agent, a person confirming a filing), consumed once by that purpose.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from identity_graph.accounts.enums import AssuranceLevel
from identity_graph.core.flow import FlowModel
from identity_graph.ids.types import IdType
from identity_graph.verification.rules import Method, Route, Subject


class CaseState(StrEnum):
    """States of a case; all but ``AWAITING_MATERIALS``, ``SUPERSEDED`` and ``WITHDRAWN``
    are SPEC §4.2's."""

    AWAITING_MATERIALS = "awaiting_materials"  # manual route, scans not yet sent
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"
    MANUAL_REVIEW = "manual_review"
    MANUAL_REJECTED = "manual_rejected"
    MANUAL_APPROVED = "manual_approved"
    SUPERSEDED = "superseded"  # a newer case replaced it (new data, expiry)
    WITHDRAWN = "withdrawn"  # the holder withdrew it while the registry was not answering


class CaseReason(StrEnum):
    SUBMISSION = "submission"  # the holder asked
    CHANGE = "change"  # a listed field changed on a verified principal
    IDENTITY_CHANGE = "identity_change"  # who the principal is changed: manual review only


class VerificationCase(FlowModel):
    id = fields.UUIDField(primary_key=True)
    account: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "models.Account", related_name="verification_cases", on_delete=fields.CASCADE
    )
    subject = fields.CharEnumField(Subject, max_length=8)
    route = fields.CharEnumField(Route, max_length=16)
    reason = fields.CharEnumField(CaseReason, max_length=24, default=CaseReason.SUBMISSION)
    state = fields.CharEnumField(CaseState, max_length=24)
    claim_cipher = fields.TextField()
    # Profile changes this case proposes, sealed; written when it verifies (proposals.py).
    proposed_cipher = fields.TextField(null=True)
    # An identity change: the verified case the account returns to if the change is rejected.
    previous_case_id = fields.UUIDField(null=True)
    failure_code = fields.CharField(max_length=48, null=True)
    failure_fields: Any = fields.JSONField(default=list)
    decided_by = fields.CharEnumField(Method, max_length=24, null=True)
    level = fields.CharEnumField(AssuranceLevel, max_length=16, null=True)
    decided_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "verification_cases"
        indexes = (("account_id", "created_at"),)


class VerificationAttempt(Model):
    """One question to an authority (or one reviewer decision) and its answer."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[VerificationCase] = fields.ForeignKeyField(
        "models.VerificationCase", related_name="attempts", on_delete=fields.CASCADE
    )
    method = fields.CharEnumField(Method, max_length=24)
    provider = fields.CharField(max_length=32)
    outcome = fields.CharField(max_length=24)
    mismatched: Any = fields.JSONField(default=list)
    reference = fields.CharField(max_length=128, null=True)
    detail = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "verification_attempts"


class ReviewState(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ManualReview(Model):
    """Scans sent for manual review (人工审核), due 5 working days after submission."""

    id = fields.UUIDField(primary_key=True)
    case: fields.ForeignKeyRelation[VerificationCase] = fields.ForeignKeyField(
        "models.VerificationCase", related_name="reviews", on_delete=fields.CASCADE
    )
    account_id = fields.UUIDField(db_index=True)
    subject = fields.CharEnumField(Subject, max_length=8)
    state = fields.CharEnumField(ReviewState, max_length=16, default=ReviewState.OPEN)
    documents: Any = fields.JSONField(default=list)
    submitted_at = fields.DatetimeField()
    due_on = fields.DateField()
    reviewer_id = fields.UUIDField(null=True)
    decided_at = fields.DatetimeField(null=True)
    reasons: Any = fields.JSONField(default=list)
    note = fields.TextField(null=True)

    class Meta:
        table = "manual_reviews"
        indexes = (("state", "due_on"),)


class ChallengeKind(StrEnum):
    FACE = "face"
    BUSINESS_LICENCE = "business_licence"


class ChallengeState(StrEnum):
    OPEN = "open"
    PASSED = "passed"
    FAILED = "failed"


class VerificationChallenge(FlowModel):
    """A face session or an e-licence challenge, completed once by a signed callback."""

    id = fields.UUIDField(primary_key=True)
    case: fields.ForeignKeyRelation[VerificationCase] = fields.ForeignKeyField(
        "models.VerificationCase", related_name="challenges", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ChallengeKind, max_length=24)
    provider = fields.CharField(max_length=32)
    state = fields.CharEnumField(ChallengeState, max_length=16, default=ChallengeState.OPEN)
    return_url = fields.CharField(max_length=500, null=True)
    # The provider's reason for a failed session (a short code such as ``not_in_registry``).
    failure_reason = fields.CharField(max_length=64, null=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "verification_challenges"


class FaceCheckPurpose(StrEnum):
    """What a passed face check may be spent on; a check is consumed only by its purpose."""

    AGENT_ADMIN = "agent_admin"  # the operator proves it is them before managing agents
    CONFIRMATION_ACCESS = "confirmation_access"  # a person opens their to-do items
    CONFIRMATION_SIGN = "confirmation_sign"  # a person confirms (signs) one to-do item


class FaceCheck(FlowModel):
    """A face session proving one person for one purpose (``face_checks.py``).

    ``expires_at`` is the end of the open session while OPEN, and the end of the window in
    which a PASSED check may be consumed afterwards. The claim (name, ID type and number)
    is sealed; ``id_number_index`` is the blind index the accounts use, so callers match it.
    """

    id = fields.UUIDField(primary_key=True)
    purpose = fields.CharEnumField(FaceCheckPurpose, max_length=32)
    state = fields.CharEnumField(ChallengeState, max_length=16, default=ChallengeState.OPEN)
    account: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Account", related_name="face_checks", null=True, on_delete=fields.CASCADE
    )
    claim_cipher = fields.TextField()
    id_type = fields.CharEnumField(IdType, max_length=40)
    id_number_index = fields.CharField(max_length=64, db_index=True)
    bound_to = fields.CharField(max_length=128, null=True)
    provider = fields.CharField(max_length=32)
    provider_reference = fields.CharField(max_length=128, null=True)
    return_url = fields.CharField(max_length=500, null=True)
    failure_reason = fields.CharField(max_length=64, null=True)
    completed_at = fields.DatetimeField(null=True)
    consumed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "face_checks"


__all__ = [
    "CaseReason",
    "CaseState",
    "ChallengeKind",
    "ChallengeState",
    "FaceCheck",
    "FaceCheckPurpose",
    "ManualReview",
    "ReviewState",
    "VerificationAttempt",
    "VerificationCase",
    "VerificationChallenge",
]
