"""What the verification service asks of an external registry, and what it gets back.

The national platform's registry check (SPEC §4.4, §10) answers one of four outcomes for a
person or a unit. Adapters turn their transport's answer into a ``RegistryAnswer``; they
never decide the next state of a case (the service does). "Unavailable" is an outcome, not
an exception: a timeout, a 5xx or a refused connection after the adapter's own retries is
answered as ``UNAVAILABLE`` so the case stays ``PENDING`` and is retried by a job.

Mismatched fields are named as the verification forms name them (GraphQL input names), so
the user is told which field disagrees with the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from identity_graph.ids.types import IdType


class RegistryOutcome(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


# Field names a registry may report as disagreeing (the verification forms' input names).
PERSON_FIELDS = ("realName", "idValidFrom", "idValidUntil", "idLongTerm")
UNIT_FIELDS = (
    "unitName",
    "legalRepresentativeName",
    "legalRepresentativeIdNumber",
    "foundingDate",
    "proxy",
)


@dataclass(frozen=True)
class PersonClaim:
    """Who a person says they are; validity is compared only where the claim gives it."""

    real_name: str
    id_type: IdType
    id_number: str
    valid_from: date | None = None
    valid_until: date | None = None
    long_term: bool = False


@dataclass(frozen=True)
class UnitClaim:
    """What a unit says about itself; ``code`` is a USCC, or an organisation code.

    ``proxy_id_number`` is set when someone other than the legal representative verifies
    the unit: the registry must link that person to the unit (SPEC §4.4).
    """

    code: str
    name: str
    legal_rep_name: str
    legal_rep_id_type: IdType
    legal_rep_id_number: str
    founding_date: date | None = None
    proxy_id_number: str | None = None


@dataclass(frozen=True)
class RegistryAnswer:
    outcome: RegistryOutcome
    mismatched: tuple[str, ...] = ()
    # The authority's reference for this check (kept with the attempt), if it gives one.
    reference: str | None = None
    # Why the registry could not answer (timeout, HTTP 503...): for operators, never PII.
    detail: str | None = None


class RegistryCheck(Protocol):
    """The national platform's identity registry (国家平台实名核验)."""

    name: str

    async def check_person(self, claim: PersonClaim) -> RegistryAnswer: ...

    async def check_unit(self, claim: UnitClaim) -> RegistryAnswer: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class ChallengeRequest:
    """A face session or an e-licence challenge to open with a provider.

    ``callback_url`` receives the signed result; ``return_url`` (absolute) is where the page
    sends the browser afterwards. ``subject`` is the claim being proved.
    """

    challenge_id: str
    callback_url: str
    return_url: str | None
    subject: PersonClaim | UnitClaim


@dataclass(frozen=True)
class ChallengeStart:
    """Where the holder goes (the face page, or the QR payload the licence app scans)."""

    url: str
    reference: str


class FaceFailure(StrEnum):
    """The ``reason`` codes of a failed face session the service words for the holder;
    a provider may send others (shown as a plain "did not pass")."""

    # The registry holds no photo of the claimed person (unknown ID, or another name).
    NOT_IN_REGISTRY = "not_in_registry"
    # The live face did not pass (no live person, or not the person on file).
    LIVENESS_FAILED = "liveness_failed"


class ChallengeProvider(Protocol):
    """A face-check (liveness) or electronic-business-licence provider.

    Results arrive later as a callback: a JSON body ``{"challenge_id", "result":
    "passed"|"failed", "reason", "reference"}`` signed with ``secret`` the way
    ``core.signatures`` signs (headers ``X-IDG-Timestamp`` and ``X-IDG-Signature``);
    ``reason`` is a ``FaceFailure`` code where one applies.
    """

    name: str
    secret: bytes

    async def start(self, request: ChallengeRequest) -> ChallengeStart: ...

    async def aclose(self) -> None: ...
