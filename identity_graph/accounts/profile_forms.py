"""Which profile fields a holder may change without re-verification (SPEC §4.4), and their
cleaning. Input is a mapping of the fields the caller sent (GraphQL names); ``None`` clears
an optional field. Output maps each field to (column, clean value)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from identity_graph.accounts.enums import EnterpriseSize, Holding
from identity_graph.accounts.forms import (
    clean_homepage,
    clean_optional,
    clean_past_date,
    clean_unit_phone,
)
from identity_graph.core.validators import Checks, clean_text, normalize_email, normalize_mobile

Cleaned = dict[str, tuple[str, Any]]

_PERSON_TEXT = {"ethnicity": 32, "address": 200, "occupation": 64}
_UNIT_TEXT = {
    "englishName": ("english_name", 200),
    "shortName": ("short_name", 50),
    "mailingAddress": ("mailing_address", 200),
}
_UNIT_CHOICES: Mapping[str, tuple[str, type]] = {
    "size": ("size", EnterpriseSize),
    "holding": ("holding", Holding),
    "independentLegalPerson": ("independent_legal_person", bool),
}


def _email(checks: Checks, values: Mapping[str, Any], out: Cleaned) -> None:
    if "email" in values:
        raw = values["email"]
        email = checks.run(normalize_email, raw) if raw and raw.strip() else None
        out["email"] = ("email_cipher", email)


def clean_person_changes(values: Mapping[str, Any]) -> Cleaned:
    checks = Checks()
    out: Cleaned = {}
    _email(checks, values, out)
    for field, limit in _PERSON_TEXT.items():
        if field in values:
            out[field] = (field, clean_optional(checks, values[field], field, limit))
    checks.raise_if_any()
    return out


def clean_enterprise_changes(
    values: Mapping[str, Any], industry: Callable[[str, str], str], *, today: date
) -> Cleaned:
    checks = Checks()
    out: Cleaned = {}
    _email(checks, values, out)
    if "address" in values:
        out["address"] = (
            "address",
            checks.run(clean_text, values["address"] or "", "address", max_length=200),
        )
    for field, (column, limit) in _UNIT_TEXT.items():
        if field in values:
            out[field] = (column, clean_optional(checks, values[field], field, limit))
    for field, (column, _) in _UNIT_CHOICES.items():
        if field in values:
            out[field] = (column, values[field])
    if "homepage" in values:
        out["homepage"] = ("homepage", clean_homepage(checks, values["homepage"], "homepage"))
    if "unitPhone" in values:
        out["unitPhone"] = (
            "unit_phone",
            clean_unit_phone(checks, values["unitPhone"], "unitPhone"),
        )
    if "foundingDate" in values:
        out["foundingDate"] = (
            "founding_date",
            clean_past_date(checks, values["foundingDate"], "foundingDate", today),
        )
    if "industry" in values:
        code = values["industry"]
        out["industry"] = ("industry", checks.run(industry, code, "industry") if code else None)
    _legal_rep_contacts(checks, values, out)
    checks.raise_if_any()
    return out


def _legal_rep_contacts(checks: Checks, values: Mapping[str, Any], out: Cleaned) -> None:
    field = "legalRepresentativeMobile"
    if field in values:
        raw = values[field]
        out[field] = (
            "legal_rep_mobile_cipher",
            checks.run(normalize_mobile, raw, field) if raw else None,
        )
    field = "legalRepresentativeEmail"
    if field in values:
        raw = values[field]
        out[field] = (
            "legal_rep_email_cipher",
            checks.run(normalize_email, raw, field) if raw else None,
        )
