"""The sandbox registry file: the packaged data is valid and complete, and bad files are refused.

The loader does not enforce check characters (real registries hold codes that fail them), so
this test is what keeps the packaged numbers honest: every one passes ``identity_graph.ids``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from identity_graph.accounts.enums import LegalPersonType
from identity_graph.ids.person import validate_id_number
from identity_graph.ids.types import IdType
from identity_graph.ids.units import validate_org_code, validate_uscc
from identity_graph.verification.providers.registry_file import Registry, load_registry

TODAY = date(2026, 1, 1)
# SPEC §4.3: the ID types a registry can check automatically.
AUTOMATIC = set(IdType) - {IdType.FOREIGNER_PERMANENT_RESIDENCE_ID, IdType.FOREIGN_PASSPORT}
Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(None)


def test_every_person_number_passes_the_validators(registry: Registry) -> None:
    for person in registry.persons:
        parsed = validate_id_number(person.id_type, person.id_number, today=TODAY)
        assert parsed.number == person.id_number


def test_every_unit_code_passes_the_validators(registry: Registry) -> None:
    for unit in registry.units:
        parsed = validate_uscc(unit.uscc)
        assert parsed.org_code_checksum_ok
        if unit.org_code is not None:
            assert validate_org_code(unit.org_code).number == parsed.org_code


def test_every_legal_rep_and_proxy_is_a_listed_person(registry: Registry) -> None:
    numbers = {person.id_number for person in registry.persons}
    for unit in registry.units:
        rep = registry.person(unit.legal_rep_id_type, unit.legal_rep_id_number)
        assert rep is not None
        assert rep.real_name == unit.legal_rep_name
        assert unit.proxies <= numbers


def test_persons_cover_every_automatically_checked_id_type(registry: Registry) -> None:
    assert {person.id_type for person in registry.persons} == AUTOMATIC
    residents = [p for p in registry.persons if p.id_type is IdType.RESIDENT_ID_CARD]
    assert len(residents) >= 3
    assert any(p.long_term and p.valid_until is None for p in residents)
    assert all(p.long_term == (p.valid_until is None) for p in registry.persons)


def test_units_cover_the_cases_the_sandbox_is_used_for(registry: Registry) -> None:
    units = registry.units
    assert {unit.legal_person_type for unit in units} == {
        LegalPersonType.ENTERPRISE,
        LegalPersonType.SOCIAL_ORGANISATION,
        LegalPersonType.PUBLIC_INSTITUTION,
    }
    assert any(u.uscc[:2] == "91" and u.uscc[2:8] == "110000" for u in units)  # Beijing
    assert any(u.uscc[2:4] == "32" for u in units)  # Jiangsu
    assert any(u.uscc[0] == "5" for u in units if u.legal_person_type == "social_organisation")
    assert any(u.uscc[:2] == "12" for u in units if u.legal_person_type == "public_institution")
    assert any(u.licence_password is None for u in units)
    assert any(u.org_code is None for u in units)
    assert any(u.proxies for u in units)


def test_lookups(registry: Registry) -> None:
    unit = next(u for u in registry.units if u.org_code and u.licence_password)
    assert unit.org_code is not None

    assert registry.unit(unit.uscc) is unit
    assert registry.unit(f"{unit.org_code[:8]}-{unit.org_code[8]}") is unit
    assert registry.unit_by_org_code(unit.uscc) is None
    assert registry.unit_by_licence(unit.uscc.lower()) is unit
    assert registry.unit("91110000000000000X") is None
    rep = registry.person(unit.legal_rep_id_type, f" {unit.legal_rep_id_number.lower()} ")
    assert rep is not None
    assert unit.is_linked(rep.id_number)


def test_licence_lookup_and_password(registry: Registry) -> None:
    without = next(u for u in registry.units if u.licence_password is None)
    holder = next(u for u in registry.units if u.licence_password is not None)
    assert holder.licence_password is not None

    assert registry.unit_by_licence(without.uscc) is None
    assert holder.licence_accepts(holder.licence_password)
    assert not holder.licence_accepts("licence-0")
    assert not without.licence_accepts("")
    assert "licence" not in repr(holder)


# A small valid file for the malformed-file cases; the tests below break one thing each.
PERSON = {
    "realName": "张伟",
    "idType": "resident_id_card",
    "idNumber": "110105198503120039",
    "validFrom": "2015-06-01",
    "validUntil": "2035-06-01",
    "longTerm": False,
}
UNIT = {
    "uscc": "91110000MA01K7PW7Y",
    "orgCode": "MA01K7PW7",
    "name": "北京星桥信息技术有限公司",
    "legalPersonType": "enterprise",
    "legalRepresentativeName": "张伟",
    "legalRepresentativeIdType": "resident_id_card",
    "legalRepresentativeIdNumber": "110105198503120039",
    "foundingDate": "2014-05-20",
    "proxies": [],
    "licencePassword": "licence-1",
}
VALID = {"version": 1, "persons": [PERSON], "units": [UNIT]}


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_replacement_file_is_loaded_and_normalised(tmp_path: Path) -> None:
    document = copy.deepcopy(VALID)
    document["persons"][0] |= {"realName": " 张伟 ", "idNumber": "１１０１０５ 1985031200３9"}
    document["units"][0] |= {"uscc": "91110000ma01k7pw7y", "orgCode": "MA01K7PW-7"}
    document["units"][0]["legalRepresentativeIdNumber"] = "110105198503120039 "

    registry = load_registry(_write(tmp_path, document))

    [person] = registry.persons
    assert (person.real_name, person.id_number) == ("张伟", "110105198503120039")
    [unit] = registry.units
    assert (unit.uscc, unit.org_code) == ("91110000MA01K7PW7Y", "MA01K7PW7")


def _set(section: str, key: str, value: object) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        document[section][0][key] = value

    return mutate


def _drop(section: str, key: str) -> Mutation:
    return lambda document: document[section][0].pop(key)


def _second_person(**changes: object) -> Mutation:
    return lambda document: document["persons"].append({**PERSON, **changes})


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_drop("persons", "validFrom"), r"persons\[0\]: missing validFrom"),
        (_set("persons", "validUtil", None), r"persons\[0\]: unknown validUtil"),
        (_set("persons", "idType", "passport"), r"persons\[0\]: idType 'passport'"),
        (_set("persons", "validFrom", "2015-13-01"), r"persons\[0\]: validFrom '2015-13-01'"),
        (_set("persons", "longTerm", True), r"persons\[0\]: validUntil must be null"),
        (_set("persons", "validUntil", None), r"persons\[0\]: validUntil is required"),
        (_set("persons", "validUntil", "2001-01-01"), r"persons\[0\]: validUntil must be after"),
        (_set("persons", "realName", "  "), r"persons\[0\]: realName is empty"),
        (_set("persons", "longTerm", "no"), r"persons\[0\]: longTerm must be a bool"),
        (_second_person(realName="李娜"), r"persons\[1\]: lists the same ID twice"),
        (_set("units", "uscc", "91110000MA01K7PW7"), r"units\[0\]: uscc .*USCC_LENGTH"),
        (_set("units", "orgCode", "MA01K7PW8"), r"units\[0\]: orgCode must be the uscc's"),
        (_set("units", "legalPersonType", "company"), r"units\[0\]: legalPersonType"),
        (
            _set("units", "legalRepresentativeIdNumber", "110105198503120047"),
            r"units\[0\]: the legal",
        ),
        (_set("units", "legalRepresentativeName", "李娜"), r"units\[0\]: legalRepresentativeName"),
        (_set("units", "proxies", ["C60218437"]), r"units\[0\]: a proxy is not a listed person"),
        (_set("units", "proxies", [1]), r"units\[0\]: proxies must be ID number strings"),
        (_set("units", "licencePassword", 7), r"units\[0\]: licencePassword must be a str"),
        (lambda document: document.update(version=2), r"version: must be 1"),
        (lambda document: document["units"].append("unit"), r"units\[1\]: must be a JSON object"),
    ],
)
def test_malformed_files_are_refused_naming_the_entry(
    tmp_path: Path, mutate: Mutation, message: str
) -> None:
    document = copy.deepcopy(VALID)
    mutate(document)
    path = _write(tmp_path, document)

    with pytest.raises(ValueError, match=message) as refused:
        load_registry(path)
    assert str(refused.value).startswith(str(path))


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    path.write_text("{persons: []}", encoding="utf-8")

    with pytest.raises(ValueError, match=str(path)):
        load_registry(path)
