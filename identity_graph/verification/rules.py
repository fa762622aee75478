"""The rules of real-name verification as data (SPEC §4.1, §4.3, §4.4).

* ``PERSON_AUTOMATIC`` / ``unit_route``: which identities the national platform can check
  automatically and which must go to manual review (§4.3). A unit whose credit code fails
  its check character also goes to manual review (§12: some real codes fail it).
* ``PERSON_REVERIFY`` / ``UNIT_REVERIFY``: the fields whose change on a verified principal
  re-runs verification (§4.4); ``*_IDENTITY``: the subset that changes *who* the principal
  is, which on a once-verified account is verified only by manual review (§4.4 "change of
  real-name identity").
* ``LEVELS``: the ladder phone → real-name → real-person (§4.1), lowest first.
* ``route_taken``: the route shown for a case, which names the fallback or review that
  decided it rather than the registry check that failed.
* ``requirements``: what ``verificationRequirements`` tells a client before it submits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from identity_graph.accounts.enums import AssuranceLevel, LegalPersonType, UnitRegion
from identity_graph.files.service import DocumentKind
from identity_graph.ids.types import REGION_OF, IdType, RegionType


class Subject(StrEnum):
    PERSON = "person"
    UNIT = "unit"


class Route(StrEnum):
    AUTOMATIC = "automatic"  # national platform registry check
    MANUAL = "manual"  # scans reviewed by a person within 5 working days
    # Not a submission route: how a case the automatic check failed was decided after all
    # (face check or e-licence), as ``route_taken`` reports it.
    FALLBACK = "fallback"


class Method(StrEnum):
    """Ways a case can be decided; also the fallbacks offered after a failure (§4.4)."""

    REGISTRY = "registry"
    FACE = "face"
    BUSINESS_LICENCE = "business_licence"
    MANUAL_REVIEW = "manual_review"
    UPSTREAM = "upstream"  # the upstream national platform account vouched (never offered)


LEVELS: tuple[AssuranceLevel, ...] = (
    AssuranceLevel.PHONE_VERIFIED,
    AssuranceLevel.REAL_NAME,
    AssuranceLevel.REAL_PERSON,
)


def level_rank(level: AssuranceLevel) -> int:
    return LEVELS.index(level)


def at_least(level: AssuranceLevel, minimum: AssuranceLevel) -> bool:
    return level_rank(level) >= level_rank(minimum)


def route_taken(route: Route, decided_by: Method | None) -> Route:
    """The route that decided a case, which the holder is shown: a fallback after a failed
    automatic check, manual review whichever route the case was submitted on, otherwise
    the submission route (a face step-up on a verified case keeps the registry's decision).
    """
    if decided_by in (Method.FACE, Method.BUSINESS_LICENCE):
        return Route.FALLBACK
    if decided_by is Method.MANUAL_REVIEW:
        return Route.MANUAL
    return route


# §4.3, first table: True = checked automatically by the national platform.
PERSON_AUTOMATIC: Mapping[IdType, bool] = MappingProxyType(
    {
        IdType.RESIDENT_ID_CARD: True,
        IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: False,
        IdType.EXIT_ENTRY_PERMIT_HK_MACAO: True,
        IdType.TRAVEL_PERMIT_TAIWAN: True,
        IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO: True,
        IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN: True,
        IdType.HMT_RESIDENCE_PERMIT: True,
        IdType.FOREIGN_PASSPORT: False,
    }
)

# §4.3, second table: domestic enterprises, social organisations and public institutions.
UNIT_AUTOMATIC_TYPES = frozenset(
    {
        LegalPersonType.ENTERPRISE,
        LegalPersonType.SOCIAL_ORGANISATION,
        LegalPersonType.PUBLIC_INSTITUTION,
    }
)

# §4.4: fields (GraphQL input names) whose change re-runs verification on a verified principal.
PERSON_REVERIFY = frozenset(
    {
        "realName",
        "phone",
        "regionType",
        "idType",
        "idNumber",
        "idValidFrom",
        "idValidUntil",
        "idLongTerm",
    }
)
UNIT_REVERIFY = frozenset(
    {
        "unitName",
        "regionType",
        "legalPersonType",
        "uscc",
        "unitIdentifier",
        "unitNature",
        "legalRepresentative.name",
        "legalRepresentative.idType",
        "legalRepresentative.idNumber",
    }
)
# The fields that say who the principal is: once verified, a new value is approved by a person.
PERSON_IDENTITY = frozenset({"realName", "idType", "idNumber"})
UNIT_IDENTITY = frozenset({"unitName", "uscc", "unitIdentifier"})


def person_route(id_type: IdType) -> Route:
    return Route.AUTOMATIC if PERSON_AUTOMATIC[id_type] else Route.MANUAL


def unit_route(
    region: UnitRegion, legal_person_type: LegalPersonType, *, checksum_ok: bool = True
) -> Route:
    automatic = (
        region is UnitRegion.DOMESTIC and legal_person_type in UNIT_AUTOMATIC_TYPES and checksum_ok
    )
    return Route.AUTOMATIC if automatic else Route.MANUAL


FALLBACKS: Mapping[Subject, tuple[Method, ...]] = MappingProxyType(
    {
        Subject.PERSON: (Method.FACE, Method.MANUAL_REVIEW),
        Subject.UNIT: (Method.BUSINESS_LICENCE, Method.MANUAL_REVIEW),
    }
)

# §4.4 manual review materials: which slots a review takes, which it must have.
REVIEW_REQUIRED: Mapping[Subject, frozenset[DocumentKind]] = MappingProxyType(
    {
        Subject.PERSON: frozenset({DocumentKind.ID_FRONT, DocumentKind.ID_BACK}),
        Subject.UNIT: frozenset({DocumentKind.BUSINESS_LICENCE}),
    }
)
REVIEW_ACCEPTED: Mapping[Subject, frozenset[DocumentKind]] = MappingProxyType(
    {
        Subject.PERSON: frozenset(
            {DocumentKind.ID_FRONT, DocumentKind.ID_BACK, DocumentKind.OTHER}
        ),
        Subject.UNIT: frozenset(
            {
                DocumentKind.BUSINESS_LICENCE,
                DocumentKind.ID_FRONT,
                DocumentKind.ID_BACK,
                DocumentKind.OTHER,
            }
        ),
    }
)
MAX_OTHER_DOCUMENTS = 3


@dataclass(frozen=True)
class Requirements:
    """What a client needs to know before submitting (``verificationRequirements``)."""

    subject: Subject
    route: Route
    fallbacks: tuple[Method, ...]
    required_documents: frozenset[DocumentKind]
    accepted_documents: frozenset[DocumentKind]
    region: RegionType | UnitRegion


def person_requirements(region: RegionType, id_type: IdType) -> Requirements:
    """The path for a person; the ID type must belong to the region (§2.1)."""
    if REGION_OF[id_type] is not region:
        raise ValueError("id type does not belong to region")
    route = person_route(id_type)
    return _requirements(Subject.PERSON, route, region)


def unit_requirements(
    region: UnitRegion, legal_person_type: LegalPersonType, *, checksum_ok: bool = True
) -> Requirements:
    route = unit_route(region, legal_person_type, checksum_ok=checksum_ok)
    return _requirements(Subject.UNIT, route, region)


def _requirements(subject: Subject, route: Route, region: RegionType | UnitRegion) -> Requirements:
    fallbacks = FALLBACKS[subject] if route is Route.AUTOMATIC else (Method.MANUAL_REVIEW,)
    return Requirements(
        subject, route, fallbacks, REVIEW_REQUIRED[subject], REVIEW_ACCEPTED[subject], region
    )
