"""Registration inputs and their conversion to the domain's typed inputs."""

from __future__ import annotations

from datetime import date
from enum import Enum, StrEnum
from typing import TypeVar

import strawberry

from identity_graph.accounts import enums as domain
from identity_graph.accounts import inputs as forms
from identity_graph.accounts.forms import DocumentInput
from identity_graph.graphql.accounts.enums import (
    EnterpriseSize,
    Gender,
    Holding,
    IdType,
    LegalPersonType,
    RegionType,
    UnitRegion,
)
from identity_graph.graphql.input_rules import text
from identity_graph.ids import types as ids

E = TypeVar("E", bound=StrEnum)


def _domain(kind: type[E], value: Enum | None) -> E | None:
    """The domain enum member of the same name (GraphQL enums mirror the domain's)."""
    return None if value is None else kind[value.name]


def _document(source: RegisterNaturalPersonInput | LegalRepresentativeInput) -> DocumentInput:
    """The identity document fields both registration inputs carry under the same names."""
    return DocumentInput(
        ids.IdType[source.id_type.name],
        source.id_number,
        source.id_valid_from,
        source.id_valid_until,
        source.id_long_term,
    )


@strawberry.input(description="Login name, password and the phone proved by an SMS code.")
class CredentialsInput:
    login_name: str = strawberry.field(
        metadata=text(64),
        description="Residents: 4-20 letters, digits, _ or Chinese characters, starting with a "
        "letter or Chinese character. Enterprises: 8-20 letters, digits or _, starting with a "
        "letter.",
    )
    password: str = strawberry.field(
        metadata=text(256),
        description="At least 8 characters mixing 3 of: upper, lower, digit, symbol; not the "
        "login name or the phone.",
    )
    phone: str = strawberry.field(
        metadata=text(32), description="Mainland mobile number (预留手机号)."
    )
    sms_code: str = strawberry.field(
        metadata=text(16), description="The 6-digit code from `requestSmsCode(purpose: REGISTER)`."
    )
    pledge_version: str = strawberry.field(
        metadata=text(32),
        description="Version of the truthfulness pledge shown (query `registrationPledge`).",
    )
    pledge_accepted: bool = strawberry.field(description="The pledge was read and accepted.")
    email: str | None = strawberry.field(
        metadata=text(254), default=None, description="Optional e-mail."
    )

    def to_domain(self) -> forms.Credentials:
        return forms.Credentials(
            login_name=self.login_name,
            password=self.password,
            phone=self.phone,
            sms_code=self.sms_code,
            email=self.email,
            pledge_version=self.pledge_version,
            pledge_accepted=self.pledge_accepted,
        )


@strawberry.input(description="A resident's registration (自然人注册).")
class RegisterNaturalPersonInput:
    credentials: CredentialsInput = strawberry.field(description="Login and phone.")
    real_name: str = strawberry.field(
        metadata=text(50), description="Real name as on the document."
    )
    region_type: RegionType = strawberry.field(description="Region of the document.")
    id_type: IdType = strawberry.field(description="Document type; must belong to the region.")
    id_number: str = strawberry.field(
        metadata=text(64),
        description="Document number; full-width characters and spaces are normalised.",
    )
    id_valid_from: date | None = strawberry.field(default=None, description="Issue date.")
    id_valid_until: date | None = strawberry.field(
        default=None, description="Expiry date; leave out when long-term."
    )
    id_long_term: bool = strawberry.field(default=False, description="Never expires (长期).")
    gender: Gender | None = strawberry.field(
        default=None, description="Must agree with the number where it encodes gender."
    )
    birth_date: date | None = strawberry.field(
        default=None, description="Must agree with the number where it encodes the date."
    )
    ethnicity: str | None = strawberry.field(
        metadata=text(32), default=None, description="Ethnicity (民族)."
    )
    address: str | None = strawberry.field(metadata=text(200), default=None, description="Address.")
    occupation: str | None = strawberry.field(
        metadata=text(64), default=None, description="Occupation."
    )

    def to_domain(self) -> forms.NaturalPersonRegistration:
        return forms.NaturalPersonRegistration(
            credentials=self.credentials.to_domain(),
            real_name=self.real_name,
            region_type=ids.RegionType[self.region_type.name],
            document=_document(self),
            gender=_domain(ids.Gender, self.gender),
            birth_date=self.birth_date,
            ethnicity=self.ethnicity,
            address=self.address,
            occupation=self.occupation,
        )


@strawberry.input(description="The unit's data (SPEC §2.2).")
class UnitInput:
    name: str = strawberry.field(metadata=text(100), description="Registered unit name.")
    region_type: UnitRegion = strawberry.field(description="Where the unit is registered.")
    legal_person_type: LegalPersonType = strawberry.field(description="Kind of legal person.")
    address: str = strawberry.field(metadata=text(200), description="Address.")
    uscc: str | None = strawberry.field(
        metadata=text(40),
        default=None,
        description="Unified social credit code; required for domestic units not of type OTHER.",
    )
    unit_identifier: str | None = strawberry.field(
        metadata=text(64),
        default=None,
        description="Unit identifier; required for HMT and foreign units.",
    )
    english_name: str | None = strawberry.field(
        metadata=text(200), default=None, description="English name."
    )
    short_name: str | None = strawberry.field(
        metadata=text(50), default=None, description="Short name."
    )
    homepage: str | None = strawberry.field(
        metadata=text(200), default=None, description="http(s) address."
    )
    unit_nature: str | None = strawberry.field(
        metadata=text(64), default=None, description="Unit nature."
    )
    founding_date: date | None = strawberry.field(default=None, description="Founding date.")
    independent_legal_person: bool | None = strawberry.field(
        default=None, description="Independent legal person (是否独立法人)."
    )
    mailing_address: str | None = strawberry.field(
        metadata=text(200), default=None, description="Mailing address."
    )
    unit_phone: str | None = strawberry.field(
        metadata=text(32), default=None, description="Unit telephone."
    )
    industry: str | None = strawberry.field(
        metadata=text(16),
        default=None,
        description="GB/T 4754-2017 small class: `3911` or `C3911`.",
    )
    size: EnterpriseSize | None = strawberry.field(default=None, description="Size.")
    holding: Holding | None = strawberry.field(default=None, description="Ownership.")

    def to_domain(self) -> forms.UnitInput:
        return forms.UnitInput(
            name=self.name,
            region_type=domain.UnitRegion[self.region_type.name],
            legal_person_type=domain.LegalPersonType[self.legal_person_type.name],
            address=self.address,
            uscc=self.uscc,
            unit_identifier=self.unit_identifier,
            english_name=self.english_name,
            short_name=self.short_name,
            homepage=self.homepage,
            unit_nature=self.unit_nature,
            founding_date=self.founding_date,
            independent_legal_person=self.independent_legal_person,
            mailing_address=self.mailing_address,
            unit_phone=self.unit_phone,
            industry=self.industry,
            size=_domain(domain.EnterpriseSize, self.size),
            holding=_domain(domain.Holding, self.holding),
        )


@strawberry.input(description="The legal representative (法定代表人).")
class LegalRepresentativeInput:
    name: str = strawberry.field(metadata=text(50), description="Name as on the document.")
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(metadata=text(64), description="Document number.")
    id_valid_from: date | None = strawberry.field(default=None, description="Issue date.")
    id_valid_until: date | None = strawberry.field(default=None, description="Expiry date.")
    id_long_term: bool = strawberry.field(default=False, description="Never expires.")
    mobile: str | None = strawberry.field(
        metadata=text(32), default=None, description="Mobile number."
    )
    email: str | None = strawberry.field(metadata=text(254), default=None, description="E-mail.")

    def to_domain(self) -> forms.LegalRepresentativeInput:
        return forms.LegalRepresentativeInput(
            name=self.name,
            document=_document(self),
            mobile=self.mobile,
            email=self.email,
        )


@strawberry.input(description="An enterprise's registration (法人注册).")
class RegisterEnterpriseInput:
    credentials: CredentialsInput = strawberry.field(description="Account name and phone.")
    unit: UnitInput = strawberry.field(description="The unit.")
    legal_representative: LegalRepresentativeInput = strawberry.field(
        description="Its legal representative."
    )
    accept_unchecked_uscc: bool = strawberry.field(
        default=False,
        description="The credit code is exactly as on the licence although its check character "
        "fails; real-name verification then goes to manual review.",
    )

    def to_domain(self) -> forms.EnterpriseRegistration:
        return forms.EnterpriseRegistration(
            credentials=self.credentials.to_domain(),
            unit=self.unit.to_domain(),
            legal_representative=self.legal_representative.to_domain(),
            accept_unchecked_uscc=self.accept_unchecked_uscc,
        )
