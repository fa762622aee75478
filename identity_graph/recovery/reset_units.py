"""Matching a unit for a password reset (seed 002 §3.2.1, seed 004 §三; SPEC §5).

The reserved phone is told (masked) only when the account name or credit code, the legal
representative's name and ID number all match; otherwise a made-up masked phone, the same
for the same input, so the answer does not say what failed to match. The unit name and
credit code are checked with the new password, once the code is proved.
"""

from __future__ import annotations

import unicodedata
import uuid

from identity_graph.accounts.models import Account, Enterprise
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.crypto import mask_phone, normalize_identifier
from identity_graph.core.secrets import SecretHasher
from identity_graph.core.validators import Checks, clean_text
from identity_graph.ids.units import looks_like_uscc, parse_uscc


class UnitMatcher:
    def __init__(self, vault: PersonalData, hasher: SecretHasher) -> None:
        self._vault = vault
        self._hasher = hasher

    async def reserved_phone(self, account: Account | None, name: str, number: str) -> str | None:
        """The reserved phone if the legal representative's name and ID number match."""
        # The same query whether or not the identifier named an account (same timings).
        unit = await Enterprise.get_or_none(id=account.id if account else uuid.uuid4())
        if account is None or unit is None:
            return None
        same_name = same_text(self._vault.open(unit.legal_rep_name_cipher, "legal_rep_name"), name)
        same_id = unit.legal_rep_id_number_index == self._vault.index_id_number(
            normalize_identifier(number)
        )
        return self._vault.phone_of(account) if same_name and same_id else None

    def decoy_phone(self, key: str, name: str, number: str) -> str:
        """A masked phone for a unit that does not match: stable for the same input, shaped
        like a real one (``13x****dddd``), so the answer does not say that nothing matched."""
        digest = self._hasher.digest("reset_decoy_phone", f"{key}\x1f{name}\x1f{number}")
        digits = str(int(digest[:16], 16)).zfill(8)
        return mask_phone("1" + "3456789"[int(digits[0]) % 7] + digits[1:5] + digits[-5:])

    async def check_unit(self, account: Account, unit_name: str, uscc: str) -> None:
        """Unit name and credit code as registered (seed 002 §3.2.1 step 5)."""
        unit = await Enterprise.get(id=account.id)
        checks = Checks()
        if not same_text(unit.name, clean_text(unit_name, "unitName", max_length=100)):
            checks.fail("unitName", "UNIT_MISMATCH")
        code = normalize_identifier(uscc)
        if not (looks_like_uscc(code) and parse_uscc(code).number == (unit.uscc or "")):
            checks.fail("uscc", "UNIT_MISMATCH")
        checks.raise_if_any()


def same_text(stored: str, typed: str) -> bool:
    """Compared as typed on a form: NFKC, trimmed, case-insensitive (e-mail, names)."""
    return _fold(stored) == _fold(typed)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()
