"""The sandbox registry check: answers from the registry file as the national platform would.

SPEC §10: "sandbox data is honest". A claim is compared field by field with the listed
person or unit, and every disagreeing field is named, so a tester sees the same mismatches
a production registry would report. Outages and latency are attributes, not constructor
constants, so a test or an operator can turn the weather on and off while it runs.
"""

from __future__ import annotations

import asyncio
import random

from identity_graph.core.crypto import normalize_identifier
from identity_graph.verification.providers.base import (
    PersonClaim,
    RegistryAnswer,
    RegistryOutcome,
    UnitClaim,
)
from identity_graph.verification.providers.registry_file import (
    Registry,
    RegistryPerson,
    RegistryUnit,
    normalize_name,
)


class SandboxRegistry:
    """``RegistryCheck`` over a ``Registry``, with configurable outages and latency."""

    name = "sandbox"

    def __init__(
        self,
        registry: Registry,
        *,
        outage_rate: float = 0.0,
        latency_seconds: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        self._registry = registry
        self.outage_rate = outage_rate
        self.latency_seconds = latency_seconds
        self._rng = rng or random.Random()

    async def check_person(self, claim: PersonClaim) -> RegistryAnswer:
        if outage := await self._weather():
            return outage
        person = self._registry.person(claim.id_type, claim.id_number)
        if person is None:
            return self._answer(RegistryOutcome.NOT_FOUND)
        return self._compared(_person_mismatches(claim, person))

    async def check_unit(self, claim: UnitClaim) -> RegistryAnswer:
        if outage := await self._weather():
            return outage
        unit = self._registry.unit(claim.code)
        if unit is None:
            return self._answer(RegistryOutcome.NOT_FOUND)
        return self._compared(_unit_mismatches(claim, unit))

    async def aclose(self) -> None:
        """Nothing to release: the registry is in memory."""

    async def _weather(self) -> RegistryAnswer | None:
        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)
        if self.outage_rate > 0 and self._rng.random() < self.outage_rate:
            return RegistryAnswer(RegistryOutcome.UNAVAILABLE, detail="sandbox outage")
        return None

    def _compared(self, mismatched: list[str]) -> RegistryAnswer:
        if mismatched:
            return self._answer(RegistryOutcome.MISMATCH, tuple(mismatched))
        return self._answer(RegistryOutcome.MATCH)

    def _answer(self, outcome: RegistryOutcome, mismatched: tuple[str, ...] = ()) -> RegistryAnswer:
        # Opaque, like an authority's reference; drawn from the injected rng for reproducibility.
        reference = f"sbx-{self._rng.getrandbits(64):016x}"
        return RegistryAnswer(outcome, mismatched, reference=reference)


def _person_mismatches(claim: PersonClaim, person: RegistryPerson) -> list[str]:
    """Field names that disagree; validity is compared only where the claim states it."""
    mismatched: list[str] = []
    if normalize_name(claim.real_name) != person.real_name:
        mismatched.append("realName")
    if claim.valid_from is not None and claim.valid_from != person.valid_from:
        mismatched.append("idValidFrom")
    if claim.long_term or claim.valid_until is not None:
        # Claiming an end date for a long-term document, or the reverse, is a long-term error.
        if claim.long_term != person.long_term:
            mismatched.append("idLongTerm")
        elif not claim.long_term and claim.valid_until != person.valid_until:
            mismatched.append("idValidUntil")
    return mismatched


def _unit_mismatches(claim: UnitClaim, unit: RegistryUnit) -> list[str]:
    """Field names that disagree (SPEC §4.4: name, legal representative, founding date, proxy)."""
    mismatched: list[str] = []
    if normalize_name(claim.name) != unit.name:
        mismatched.append("unitName")
    if normalize_name(claim.legal_rep_name) != unit.legal_rep_name:
        mismatched.append("legalRepresentativeName")
    rep_id = (claim.legal_rep_id_type, normalize_identifier(claim.legal_rep_id_number))
    if rep_id != (unit.legal_rep_id_type, unit.legal_rep_id_number):
        mismatched.append("legalRepresentativeIdNumber")
    if claim.founding_date is not None and claim.founding_date != unit.founding_date:
        mismatched.append("foundingDate")
    if claim.proxy_id_number is not None and not unit.is_linked(claim.proxy_id_number):
        mismatched.append("proxy")
    return mismatched
