"""Identity documents on the verification forms (SPEC §4.4, §12, ``reference/cn_ids.md``).

Every ID type, the USCC and the organisation code are checked by the shared validators in
``ids/`` (through ``accounts.forms``, which registration uses too), so a number accepted
here is accepted everywhere. This module turns a person's or a unit's verification form
into the profile columns it sets (``Cleaned``: input field -> (column, value)) and into
the claim sent to the registry. The birth date and gender a number encodes are derived
from it and must agree with the profile (SPEC §2.1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from identity_graph.accounts.enums import EnterpriseSize, Holding, LegalPersonType, UnitRegion
from identity_graph.accounts.forms import (
    DocumentInput,
    clean_document,
    clean_past_date,
    clean_person_document,
    clean_real_name,
    clean_unit_phone,
)
from identity_graph.core.validators import Checks, clean_text
from identity_graph.ids.person import check_profile_agrees
from identity_graph.ids.types import Gender, IdType, RegionType
from identity_graph.ids.units import parse_org_code, parse_uscc
from identity_graph.verification.providers.base import PersonClaim, UnitClaim

Cleaned = dict[str, tuple[str, Any]]


@dataclass(frozen=True)
class PersonForm:
    """A natural person's verification form (SPEC §4.4), as typed."""

    real_name: str
    region_type: RegionType
    id_type: IdType
    id_number: str
    id_valid_from: date | None
    id_valid_until: date | None
    id_long_term: bool
    address: str | None


@dataclass(frozen=True)
class UnitForm:
    """A legal person's verification form (SPEC §4.4): USCC or organisation code."""

    code: str
    unit_name: str
    legal_rep_name: str
    legal_rep_id_type: IdType
    legal_rep_id_number: str
    founding_date: date | None
    address: str
    unit_phone: str | None
    industry: str | None
    size: EnterpriseSize | None
    holding: Holding | None
    # The person verifying for the unit (经办人) when not its legal representative: the
    # registry must link them to the unit (SPEC §4.4).
    proxy: DocumentInput | None = None


@dataclass(frozen=True)
class CleanPerson:
    changes: Cleaned
    claim: PersonClaim


@dataclass(frozen=True)
class CleanUnit:
    changes: Cleaned
    claim: UnitClaim
    checksum_ok: bool


def clean_person_form(
    form: PersonForm, *, birth_date: date | None, gender: Gender | None, today: date
) -> CleanPerson:
    """Validate the form; the number must agree with the declared birth date and gender."""
    checks = Checks()
    name = clean_real_name(checks, form.real_name, "realName")
    document = clean_person_document(
        checks,
        form.region_type,
        DocumentInput(
            form.id_type, form.id_number, form.id_valid_from, form.id_valid_until, form.id_long_term
        ),
        birth_date=None,
        gender=None,
        today=today,
    )
    address = _optional(checks, form.address, "address", 200)
    checks.raise_if_any()
    assert name is not None and document is not None
    parsed = document.parsed
    # Declared values that the number contradicts were typed at registration; the number
    # wins only if it agrees, so a typo in either is caught rather than silently copied.
    check_profile_agrees(parsed, birth_date, gender)
    changes: Cleaned = {
        "realName": ("real_name_cipher", name),
        "regionType": ("region_type", form.region_type),
        "idType": ("id_type", form.id_type),
        "idNumber": ("id_number_cipher", parsed.number),
        "idValidFrom": ("id_valid_from", document.valid_from),
        "idValidUntil": ("id_valid_until", document.valid_until),
        "idLongTerm": ("id_long_term", document.long_term),
    }
    if parsed.birth_date is not None:
        changes["birthDate"] = ("birth_date", parsed.birth_date)
    if parsed.gender is not None:
        changes["gender"] = ("gender", parsed.gender)
    if address is not None:
        changes["address"] = ("address", address)
    claim = PersonClaim(
        name,
        form.id_type,
        parsed.number,
        document.valid_from,
        document.valid_until,
        document.long_term,
    )
    return CleanPerson(changes, claim)


def clean_unit_form(
    form: UnitForm,
    *,
    region: UnitRegion,
    legal_person_type: LegalPersonType,
    industry: Callable[[str, str], str],
    today: date,
) -> CleanUnit:
    """Validate the form. A USCC with a wrong check character is kept (it routes the case
    to manual review, SPEC §12); an organisation code must pass its check. A unit outside
    the mainland gives its own registration number (unit identifier) as the code."""
    checks = Checks()
    if region is UnitRegion.DOMESTIC:
        code, checksum_ok, is_uscc = _unit_code(checks, form.code)
    else:
        code = checks.run(clean_text, form.code.upper(), "code", max_length=64)
        checksum_ok, is_uscc = True, False
    name = checks.run(clean_text, form.unit_name, "unitName", max_length=100)
    rep_name = clean_real_name(checks, form.legal_rep_name, "legalRepresentative.name")
    rep = clean_document(
        checks,
        DocumentInput(form.legal_rep_id_type, form.legal_rep_id_number),
        today=today,
        prefix="legalRepresentative.",
    )
    proxy = (
        clean_document(checks, form.proxy, today=today, prefix="proxy.")
        if form.proxy is not None
        else None
    )
    founding = clean_past_date(checks, form.founding_date, "foundingDate", today)
    address = checks.run(clean_text, form.address, "address", max_length=200)
    phone = clean_unit_phone(checks, form.unit_phone, "unitPhone")
    sector = checks.run(industry, form.industry, "industry") if form.industry else None
    checks.raise_if_any()
    assert code is not None and name is not None and rep_name is not None and rep is not None
    changes: Cleaned = {
        "unitName": ("name", name),
        "legalRepresentative.name": ("legal_rep_name_cipher", rep_name),
        "legalRepresentative.idType": ("legal_rep_id_type", form.legal_rep_id_type),
        "legalRepresentative.idNumber": ("legal_rep_id_number_cipher", rep.parsed.number),
        "address": ("address", address),
    }
    if is_uscc:
        changes["uscc"] = ("uscc", code)
        changes["usccChecksum"] = ("uscc_checksum_ok", checksum_ok)
    elif region is not UnitRegion.DOMESTIC:
        changes["unitIdentifier"] = ("unit_identifier", code)
    optional = {
        "foundingDate": ("founding_date", founding),
        "unitPhone": ("unit_phone", phone),
        "industry": ("industry", sector),
        "size": ("size", form.size),
        "holding": ("holding", form.holding),
    }
    changes.update({key: value for key, value in optional.items() if value[1] is not None})
    claim = UnitClaim(
        code,
        name,
        rep_name,
        form.legal_rep_id_type,
        rep.parsed.number,
        founding_date=founding,
        proxy_id_number=proxy.parsed.number if proxy is not None else None,
    )
    return CleanUnit(changes, claim, checksum_ok)


def _unit_code(checks: Checks, value: str) -> tuple[str | None, bool, bool]:
    """(normalised code, check character right, is a USCC): 18 characters is a USCC,
    anything shorter an organisation code (GB 11714, 9 characters with or without dash)."""
    text = checks.run(clean_text, value, "code", max_length=40)
    if text is None:
        return None, True, True
    if len(text.replace("-", "")) > 10:
        uscc = checks.run(parse_uscc, text, "code")
        return (uscc.number, uscc.checksum_ok, True) if uscc else (None, True, True)
    org = checks.run(parse_org_code, text, "code")
    if org is not None and not org.checksum_ok:
        checks.fail("code", "ORG_CODE_CHECKSUM")
        return None, False, False
    return (org.number if org else None), True, False


def _optional(checks: Checks, value: str | None, field: str, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    return checks.run(clean_text, value, field, max_length=limit)
