"""Identity data proposed by a case, sealed on the case until the case verifies (SPEC §4.4).

A submission or an identity change does not write the profile: its changes wait on the
case (AES-GCM, the column name as associated data, because they hold names and ID
numbers) and are written when the case reaches VERIFIED or MANUAL_APPROVED. A failed
check or a rejected review therefore leaves the profile as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any

import orjson
from tortoise.models import Model

from identity_graph.accounts.vault import PersonalData

_COLUMN = "verification_proposal"

Changes = dict[str, tuple[str, Any]]


class ProposalCodec:
    def __init__(self, vault: PersonalData) -> None:
        self._vault = vault

    def seal(self, changes: Mapping[str, tuple[str, Any]]) -> str | None:
        if not changes:
            return None
        rows = [[field, column, *_encode(value)] for field, (column, value) in changes.items()]
        return self._vault.seal(orjson.dumps(rows).decode(), _COLUMN)

    def open(self, sealed: str, model: type[Model]) -> Changes:
        out: Changes = {}
        for field, column, kind, raw in orjson.loads(self._vault.open(sealed, _COLUMN)):
            out[field] = (column, _decode(kind, raw, model._meta.fields_map.get(column)))
        return out


def _encode(value: Any) -> tuple[str, Any]:
    if isinstance(value, Enum):
        return "enum", value.value
    if isinstance(value, date):
        return "date", value.isoformat()
    return "plain", value


def _decode(kind: str, raw: Any, field: Any) -> Any:
    if kind == "date":
        return date.fromisoformat(raw)
    if kind == "enum" and field is not None and getattr(field, "enum_type", None):
        return field.enum_type(raw)
    return raw
