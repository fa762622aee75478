"""Owns table ``notification_messages``: every SMS and e-mail the service sends.

Destination and text are encrypted (they carry phone numbers and one-time codes); the
destination also has a blind index so operators can find the messages sent to one phone.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    FAILED = "failed"


class NotificationMessage(Model):
    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=8)
    template = fields.CharField(max_length=64)
    locale = fields.CharField(max_length=8)
    destination_enc = fields.TextField()
    destination_index = fields.CharField(max_length=64, db_index=True)
    body_enc = fields.TextField()
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.QUEUED)
    job_id = fields.BigIntField(null=True)
    gateway_reference = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(db_index=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification_messages"
