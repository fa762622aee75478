"""Info update records (信息更新记录, SPEC §4.4): one row per profile change listing each
changed field with masked old and new values, who made the change and whether it re-ran
real-name verification. Clear values never reach this table."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from identity_graph.accounts.models import InfoUpdateRecord
from identity_graph.core import keyset
from identity_graph.core.clock import Clock
from identity_graph.core.crypto import mask_email, mask_id_number, mask_name, mask_phone
from identity_graph.core.keyset import Window

Mask = Callable[[str], str]


def _hidden(_: str) -> str:
    return "******"


def mask_address(value: str) -> str:
    """Keep the district-level start: 北京市海淀区中关村大街1号 -> 北京市海淀区******."""
    return value[:6] + "******" if len(value) > 6 else "******"


# Fields whose values are personal; everything else (unit names, homepages, sizes) is
# recorded as it is.
MASKS: Mapping[str, Mask] = {
    "password": _hidden,
    "phone": mask_phone,
    "email": mask_email,
    "realName": mask_name,
    "idNumber": mask_id_number,
    "address": mask_address,
    "mailingAddress": mask_address,
    "unitPhone": mask_phone,
    "ethnicity": _hidden,  # sensitive personal information (GB/T 35273 Annex B)
    "occupation": mask_name,
    "legalRepresentative.name": mask_name,
    "legalRepresentative.idNumber": mask_id_number,
    "legalRepresentativeMobile": mask_phone,
    "legalRepresentativeEmail": mask_email,
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def masked_change(field: str, old: Any, new: Any) -> FieldChange:
    mask = MASKS.get(field, lambda text: text)
    old_text, new_text = _text(old), _text(new)
    return FieldChange(
        field,
        mask(old_text) if old_text is not None else None,
        mask(new_text) if new_text is not None else None,
    )


class InfoUpdateLog:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def record(
        self,
        account_id: uuid.UUID,
        actor_id: uuid.UUID | None,
        changes: list[FieldChange],
        *,
        reverification: bool = False,
    ) -> InfoUpdateRecord | None:
        """Write one record in the caller's transaction; nothing when nothing changed."""
        if not changes:
            return None
        return await InfoUpdateRecord.create(
            account_id=account_id,
            actor_id=actor_id,
            changes=[{"field": c.field, "old": c.old, "new": c.new} for c in changes],
            reverification=reverification,
            created_at=self._clock.now(),
        )

    async def page(self, account_id: uuid.UUID, window: Window) -> list[InfoUpdateRecord]:
        """Newest first; the rows of ``window`` (forwards or backwards)."""
        query = InfoUpdateRecord.filter(account_id=account_id)
        return await keyset.read(query, window, descending=True)
