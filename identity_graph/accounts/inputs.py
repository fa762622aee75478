"""Typed inputs of registration (SPEC §2.1, §2.2): what a form carries, before cleaning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from identity_graph.accounts.enums import EnterpriseSize, Holding, LegalPersonType, UnitRegion
from identity_graph.accounts.forms import DocumentInput
from identity_graph.ids.types import Gender, RegionType


@dataclass(frozen=True)
class Credentials:
    """What every registration has: a login name, a password and the phone proved by SMS."""

    login_name: str
    password: str
    phone: str
    sms_code: str
    email: str | None
    pledge_version: str
    pledge_accepted: bool


@dataclass(frozen=True)
class NaturalPersonRegistration:
    credentials: Credentials
    real_name: str
    region_type: RegionType
    document: DocumentInput
    gender: Gender | None = None
    birth_date: date | None = None
    ethnicity: str | None = None
    address: str | None = None
    occupation: str | None = None


@dataclass(frozen=True)
class LegalRepresentativeInput:
    name: str
    document: DocumentInput
    mobile: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class UnitInput:
    name: str
    region_type: UnitRegion
    legal_person_type: LegalPersonType
    address: str
    uscc: str | None = None
    unit_identifier: str | None = None
    english_name: str | None = None
    short_name: str | None = None
    homepage: str | None = None
    unit_nature: str | None = None
    founding_date: date | None = None
    independent_legal_person: bool | None = None
    mailing_address: str | None = None
    unit_phone: str | None = None
    industry: str | None = None
    size: EnterpriseSize | None = None
    holding: Holding | None = None


@dataclass(frozen=True)
class EnterpriseRegistration:
    credentials: Credentials
    unit: UnitInput
    legal_representative: LegalRepresentativeInput
    accept_unchecked_uscc: bool = False
