"""The identity a case checked, sealed at rest (SPEC §11).

A claim holds a name and an ID number, so it is stored only AES-GCM-encrypted with the
column name as associated data, and opened only by the verification services (for the
registry, a face session, or a reviewer's screen). Cases and face checks seal under
different column names, so a sealed claim copied from one table does not open in the other.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import orjson

from identity_graph.accounts.vault import PersonalData
from identity_graph.ids.types import IdType
from identity_graph.verification.providers.base import PersonClaim, UnitClaim

_COLUMN = "verification_claim"
_DATES = ("valid_from", "valid_until", "founding_date")


class ClaimCodec:
    def __init__(self, vault: PersonalData, column: str = _COLUMN) -> None:
        self._vault = vault
        self._column = column

    def seal(self, claim: PersonClaim | UnitClaim) -> str:
        kind = "person" if isinstance(claim, PersonClaim) else "unit"
        body = orjson.dumps({"kind": kind, **asdict(claim)}).decode()
        return self._vault.seal(body, self._column)

    def open(self, sealed: str) -> PersonClaim | UnitClaim:
        data: dict[str, Any] = orjson.loads(self._vault.open(sealed, self._column))
        kind = data.pop("kind")
        for key in _DATES:
            if data.get(key):
                data[key] = date.fromisoformat(data[key])
        if kind == "person":
            data["id_type"] = IdType(data["id_type"])
            return PersonClaim(**data)
        data["legal_rep_id_type"] = IdType(data["legal_rep_id_type"])
        return UnitClaim(**data)
