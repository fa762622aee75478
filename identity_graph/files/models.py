"""Owns table ``documents``: who uploaded which stored file, for which slot (SPEC §4.4, §6.1).

The bytes live in ``Storage`` under a content key; this row is the uploader's handle on
them. ``owner_id`` is the uploading account (a plain UUID: this domain depends on core
only); ``attached_to`` is set once a review or an appeal takes the document, after which it
cannot be attached elsewhere.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from identity_graph.files.service import DocumentKind


class Document(Model):
    id = fields.UUIDField(primary_key=True)
    owner_id = fields.UUIDField(db_index=True)
    kind = fields.CharEnumField(DocumentKind, max_length=24)
    storage_key = fields.CharField(max_length=64)
    mime = fields.CharField(max_length=100)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255)
    attached_to = fields.UUIDField(null=True, db_index=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "documents"
