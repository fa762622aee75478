"""The sandbox registry file: the synthetic persons and units the sandbox providers know.

SPEC §10 ships sandbox providers "backed by a registry data file of synthetic persons and
units". This module owns that file's format and turns it into frozen values, so the registry
check, the face check and the e-licence sandboxes all answer from one synthetic world. The
packaged file is ``identity_graph/data/sandbox_registry.json``; an operator may point a
sandbox at another file of the same shape::

    {"version": 1, "note": "...",
     "persons": [{"realName", "idType", "idNumber", "validFrom", "validUntil" (null when
                  long-term), "longTerm"}],
     "units": [{"uscc", "orgCode" (null, or the USCC's characters 9-17), "name",
                "legalPersonType", "legalRepresentativeName", "legalRepresentativeIdType",
                "legalRepresentativeIdNumber", "foundingDate", "proxies" (ID numbers of
                persons linked to the unit), "licencePassword" (null: no e-licence)}]}

Numbers are normalised as claims are (NFKC, no whitespace, upper case) so lookups compare
like with like. Check characters are not enforced: real registries hold codes that fail
them (SPEC §12); the packaged file's numbers are checked by its test instead. Anything
else malformed refuses the whole file with the entry named, because a sandbox that quietly
drops a person would answer "not found" where the tester expects a match.
"""

from __future__ import annotations

import hmac
import json
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from identity_graph.accounts.enums import LegalPersonType
from identity_graph.core.crypto import normalize_identifier
from identity_graph.core.errors import ValidationFailed
from identity_graph.ids.types import IdType
from identity_graph.ids.units import parse_org_code, parse_uscc

FORMAT_VERSION = 1
_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")
_PERSON_KEYS = frozenset({"realName", "idType", "idNumber", "validFrom", "validUntil", "longTerm"})
_UNIT_KEYS = frozenset(
    {
        "uscc",
        "orgCode",
        "name",
        "legalPersonType",
        "legalRepresentativeName",
        "legalRepresentativeIdType",
        "legalRepresentativeIdNumber",
        "foundingDate",
        "proxies",
        "licencePassword",
    }
)


def normalize_name(value: str) -> str:
    """A person's or unit's name as registries compare it: NFKC, outer whitespace trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


@dataclass(frozen=True)
class RegistryPerson:
    real_name: str
    id_type: IdType
    id_number: str
    valid_from: date
    # None exactly when the document is valid long-term (长期有效).
    valid_until: date | None
    long_term: bool


@dataclass(frozen=True)
class RegistryUnit:
    uscc: str
    org_code: str | None
    name: str
    legal_person_type: LegalPersonType
    legal_rep_name: str
    legal_rep_id_type: IdType
    legal_rep_id_number: str
    founding_date: date
    # ID numbers of persons who have handled social insurance business for the unit.
    proxies: frozenset[str]
    # The electronic business licence app's password; None: the unit holds no e-licence.
    licence_password: str | None = field(repr=False)

    def is_linked(self, id_number: str) -> bool:
        """Whether the person may act for the unit: its legal representative or a proxy."""
        number = normalize_identifier(id_number)
        return number == self.legal_rep_id_number or number in self.proxies

    def licence_accepts(self, password: str) -> bool:
        """Whether the e-licence app would accept ``password`` (constant time)."""
        if self.licence_password is None:
            return False
        return hmac.compare_digest(self.licence_password.encode(), password.encode())


@dataclass(frozen=True)
class Registry:
    """Persons and units with their lookups; construction refuses an inconsistent world."""

    persons: tuple[RegistryPerson, ...]
    units: tuple[RegistryUnit, ...]
    _persons: Mapping[tuple[IdType, str], RegistryPerson] = field(
        init=False, repr=False, compare=False
    )
    _units: Mapping[str, RegistryUnit] = field(init=False, repr=False, compare=False)
    _org_codes: Mapping[str, RegistryUnit] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        persons: dict[tuple[IdType, str], RegistryPerson] = {}
        for index, person in enumerate(self.persons):
            key = (person.id_type, person.id_number)
            _require(key not in persons, f"persons[{index}]", "lists the same ID twice")
            persons[key] = person
        units: dict[str, RegistryUnit] = {}
        org_codes: dict[str, RegistryUnit] = {}
        for index, unit in enumerate(self.units):
            where = f"units[{index}]"
            _require(unit.uscc not in units, where, "lists the same uscc twice")
            _require(unit.org_code not in org_codes, where, "lists the same orgCode twice")
            _check_people(unit, persons, where)
            units[unit.uscc] = unit
            if unit.org_code is not None:
                org_codes[unit.org_code] = unit
        object.__setattr__(self, "_persons", persons)
        object.__setattr__(self, "_units", units)
        object.__setattr__(self, "_org_codes", org_codes)

    def person(self, id_type: IdType, id_number: str) -> RegistryPerson | None:
        return self._persons.get((id_type, normalize_identifier(id_number)))

    def unit(self, code: str) -> RegistryUnit | None:
        """The unit with this USCC or organisation code (``XXXXXXXX-X`` accepted)."""
        return self.unit_by_uscc(code) or self.unit_by_org_code(code)

    def unit_by_uscc(self, uscc: str) -> RegistryUnit | None:
        return self._units.get(normalize_identifier(uscc))

    def unit_by_org_code(self, org_code: str) -> RegistryUnit | None:
        return self._org_codes.get(normalize_identifier(org_code).replace("-", ""))

    def unit_by_licence(self, uscc: str) -> RegistryUnit | None:
        """The unit holding an electronic business licence under ``uscc``, if any."""
        unit = self.unit_by_uscc(uscc)
        return unit if unit is not None and unit.licence_password is not None else None


def _check_people(
    unit: RegistryUnit, persons: Mapping[tuple[IdType, str], RegistryPerson], where: str
) -> None:
    """The legal representative and every proxy must be persons the registry lists."""
    rep = persons.get((unit.legal_rep_id_type, unit.legal_rep_id_number))
    if rep is None:
        raise ValueError(f"{where}: the legal representative is not a listed person")
    _require(
        rep.real_name == unit.legal_rep_name,
        where,
        "legalRepresentativeName differs from the listed person's realName",
    )
    numbers = {number for _, number in persons}
    _require(unit.proxies <= numbers, where, "a proxy is not a listed person")


def load_registry(path: Path | None = None) -> Registry:
    """The registry in ``path``, or the packaged synthetic one; ``ValueError`` if malformed."""
    if path is None:
        source = "sandbox_registry.json"
        text = (files("identity_graph") / "data" / source).read_text(encoding="utf-8")
    else:
        source, text = str(path), path.read_text(encoding="utf-8")
    try:
        return _parse(json.loads(text))
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        raise ValueError(f"{source}: {exc}") from None


def _parse(raw: object) -> Registry:
    if not isinstance(raw, dict):
        raise ValueError("the file must hold a JSON object")
    _require(raw.get("version") == FORMAT_VERSION, "version", f"must be {FORMAT_VERSION}")
    persons, units = raw.get("persons"), raw.get("units")
    if not isinstance(persons, list) or not isinstance(units, list):
        raise ValueError("persons and units must be lists")
    return Registry(
        tuple(_person(_Entry(f"persons[{i}]", row, _PERSON_KEYS)) for i, row in enumerate(persons)),
        tuple(_unit(_Entry(f"units[{i}]", row, _UNIT_KEYS)) for i, row in enumerate(units)),
    )


def _person(entry: _Entry) -> RegistryPerson:
    long_term = entry.get("longTerm", bool)
    valid_from = entry.parsed("validFrom", date.fromisoformat)
    valid_until = entry.optional("validUntil", date.fromisoformat)
    if long_term:
        entry.require(valid_until is None, "validUntil must be null when longTerm is true")
    elif valid_until is None:
        raise ValueError(f"{entry.label}: validUntil is required unless longTerm is true")
    else:
        entry.require(valid_until > valid_from, "validUntil must be after validFrom")
    return RegistryPerson(
        real_name=entry.name("realName"),
        id_type=entry.choice("idType", IdType),
        id_number=entry.number("idNumber"),
        valid_from=valid_from,
        valid_until=valid_until,
        long_term=long_term,
    )


def _unit(entry: _Entry) -> RegistryUnit:
    uscc = entry.parsed("uscc", lambda value: parse_uscc(value).number)
    org_code = entry.optional("orgCode", lambda value: parse_org_code(value).number)
    entry.require(org_code in (None, uscc[8:17]), "orgCode must be the uscc's characters 9-17")
    proxies = entry.get("proxies", list)
    entry.require(all(isinstance(p, str) for p in proxies), "proxies must be ID number strings")
    return RegistryUnit(
        uscc=uscc,
        org_code=org_code,
        name=entry.name("name"),
        legal_person_type=entry.choice("legalPersonType", LegalPersonType),
        legal_rep_name=entry.name("legalRepresentativeName"),
        legal_rep_id_type=entry.choice("legalRepresentativeIdType", IdType),
        legal_rep_id_number=entry.number("legalRepresentativeIdNumber"),
        founding_date=entry.parsed("foundingDate", date.fromisoformat),
        proxies=frozenset(normalize_identifier(p) for p in proxies),
        licence_password=entry.optional("licencePassword", str),
    )


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise ValueError(f"{where}: {message}")


class _Entry:
    """One JSON object of the file; every error it raises names the entry and the key."""

    def __init__(self, label: str, raw: object, keys: frozenset[str]) -> None:
        if not isinstance(raw, dict):
            raise ValueError(f"{label}: must be a JSON object")
        missing, unknown = sorted(keys - raw.keys()), sorted(raw.keys() - keys)
        _require(not missing, label, f"missing {', '.join(missing)}")
        _require(not unknown, label, f"unknown {', '.join(unknown)}")
        self.label = label
        self._raw: dict[str, Any] = raw

    def require(self, condition: bool, message: str) -> None:
        _require(condition, self.label, message)

    def get(self, key: str, kind: type[_T]) -> _T:
        value = self._raw[key]
        if not isinstance(value, kind):
            raise ValueError(f"{self.label}: {key} must be a {kind.__name__}")
        return value

    def name(self, key: str) -> str:
        value = normalize_name(self.get(key, str))
        self.require(bool(value), f"{key} is empty")
        return value

    def number(self, key: str) -> str:
        value = normalize_identifier(self.get(key, str))
        self.require(bool(value), f"{key} is empty")
        return value

    def choice(self, key: str, kind: type[_E]) -> _E:
        return self.parsed(key, kind)

    def parsed(self, key: str, parse: Callable[[str], _T]) -> _T:
        value = self.get(key, str)
        try:
            return parse(value)
        except ValidationFailed as exc:  # the ID parsers' refusals carry a code
            reason = exc.primary().code
        except ValueError:
            reason = "not valid"
        raise ValueError(f"{self.label}: {key} {value!r}: {reason}")

    def optional(self, key: str, parse: Callable[[str], _T]) -> _T | None:
        return None if self._raw[key] is None else self.parsed(key, parse)
