"""Uploads as rows their uploader owns (table ``documents``, ``files/models.py``)."""

from __future__ import annotations

import uuid

from identity_graph.core.clock import Clock
from identity_graph.files.models import Document
from identity_graph.files.service import DocumentKind, DocumentStore


class Documents:
    """Uploads as rows the uploader owns: ``upload`` stores and records, ``claim`` attaches.

    A document belongs to its uploader until something (a manual review, an appeal) claims
    it; the claim is one conditional UPDATE, so one document can back one submission only.
    """

    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def upload(
        self, owner_id: uuid.UUID, kind: DocumentKind, filename: str, data: bytes, field: str
    ) -> Document:
        stored = await self._store.save(kind, filename, data, field)
        return await Document.create(
            id=uuid.uuid4(),
            owner_id=owner_id,
            kind=kind,
            storage_key=stored.key,
            mime=stored.mime,
            size=stored.size,
            sha256=stored.sha256,
            name=stored.original_name,
            created_at=self._clock.now(),
        )

    async def owned(self, owner_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, Document]:
        """The unattached documents among ``ids`` that ``owner_id`` uploaded."""
        rows = await Document.filter(id__in=ids, owner_id=owner_id, attached_to=None)
        return {row.id: row for row in rows}

    async def claim(self, ids: list[uuid.UUID], owner_id: uuid.UUID, target: uuid.UUID) -> bool:
        """Attach every document in ``ids`` to ``target``; False if any was taken meanwhile."""
        updated = await Document.filter(id__in=ids, owner_id=owner_id, attached_to=None).update(
            attached_to=target
        )
        return updated == len(ids)

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Document]:
        return {row.id: row for row in await Document.filter(id__in=ids)}

    async def read(self, document: Document) -> bytes:
        return await self._store.read(document.storage_key)
