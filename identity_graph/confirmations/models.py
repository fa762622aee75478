"""Owns tables ``confirmation_requests`` and ``confirmation_items`` (SPEC §8; seed 001).

A request is one business filing a partner opened (its reference, a summary, the persons
involved); each person gets one to-do item (待办事项). Persons are stored as the filing
names them (encrypted name and ID number, the blind index of the number to find them),
whether or not they hold an account here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from identity_graph.core.flow import FlowModel
from identity_graph.ids.types import IdType


class RequestState(StrEnum):
    OPEN = "open"  # some item still waits
    COMPLETE = "complete"  # every person confirmed: the filing may go ahead
    DECLINED = "declined"  # someone declined
    EXPIRED = "expired"  # seven days passed first


class ItemState(StrEnum):
    PENDING = "pending"  # to do: pass a face check to see the filing
    FACE_PASSED = "face_passed"  # seen; confirm (a second face check) or decline
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"


class ConfirmationRequest(FlowModel):
    id = fields.UUIDField(primary_key=True)
    client_id = fields.CharField(max_length=64)
    reference = fields.CharField(max_length=64)
    title = fields.CharField(max_length=100)
    summary = fields.TextField()
    summary_hash = fields.CharField(max_length=64)
    state = fields.CharEnumField(RequestState, max_length=12, default=RequestState.OPEN)
    webhook_url = fields.CharField(max_length=500, null=True)
    finished_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "confirmation_requests"
        unique_together = (("client_id", "reference"),)


class ConfirmationItem(Model):
    id = fields.UUIDField(primary_key=True)
    request: fields.ForeignKeyRelation[ConfirmationRequest] = fields.ForeignKeyField(
        "models.ConfirmationRequest", related_name="items", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    role = fields.CharField(max_length=32)
    name_cipher = fields.TextField()
    id_type = fields.CharEnumField(IdType, max_length=40)
    id_number_cipher = fields.TextField()
    id_number_index = fields.CharField(max_length=64, db_index=True)
    state = fields.CharEnumField(ItemState, max_length=12, default=ItemState.PENDING)
    face_passed_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decline_reason = fields.CharField(max_length=200, null=True)
    # The signed record of a confirmation (JWS over request, person, summary hash, face
    # session and time), and the handwritten signature's document.
    evidence = fields.TextField(null=True)
    signature_document_id = fields.UUIDField(null=True)
    face_sessions: Any = fields.JSONField(default=list)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "confirmation_items"
        unique_together = (("request_id", "position"),)


class CibaRequest(Model):
    """A CIBA authentication request (``confirmations/ciba.py``): the client's handle
    (``auth_req_id``, kept as a hash for look-up and sealed for the ping), the person the
    ``login_hint`` named and the to-do item that is the authentication device's prompt."""

    id = fields.UUIDField(primary_key=True)
    auth_req_id_hash = fields.CharField(max_length=64, unique=True)
    auth_req_id_cipher = fields.TextField()
    client_id = fields.CharField(max_length=64, db_index=True)
    confirmation: fields.OneToOneRelation[ConfirmationRequest] = fields.OneToOneField(
        "models.ConfirmationRequest", related_name="ciba", on_delete=fields.CASCADE
    )
    account_id = fields.UUIDField()
    scope = fields.CharField(max_length=500)
    delivery_mode = fields.CharField(max_length=8)
    notification_token_cipher = fields.TextField(null=True)
    interval = fields.IntField(default=5)
    last_polled_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()
    redeemed_at = fields.DatetimeField(null=True)
    notified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "ciba_requests"
