"""Inputs of the credential and profile mutations. Update inputs are partial: a field left
out is unchanged, an explicit null clears it."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from identity_graph.accounts import enums as domain
from identity_graph.graphql.accounts.enums import (
    EnterpriseSize,
    Holding,
    IdType,
    LegalPersonType,
    RegionType,
    UnitRegion,
)
from identity_graph.graphql.input_rules import clearable, text
from identity_graph.ids import types as ids


@strawberry.input(description="Old and new password.")
class ChangePasswordInput:
    old_password: str = strawberry.field(metadata=text(256), description="The current password.")
    new_password: str = strawberry.field(
        metadata=text(256), description="The new password (policy as registration)."
    )


@strawberry.input(description="A new reserved phone, proved by an SMS code.")
class ChangePhoneInput:
    password: str = strawberry.field(metadata=text(256), description="The current password.")
    new_phone: str = strawberry.field(
        metadata=text(32), description="The new mainland mobile number."
    )
    sms_code: str = strawberry.field(
        metadata=text(16), description="Code from `requestSmsCode(CHANGE_PHONE)`."
    )
    confirm_reverification: bool = strawberry.field(
        default=False,
        description="Yes, re-run real-name verification (a verified resident's reserved "
        "phone is a listed field).",
    )


def _sent(source: object, names: dict[str, str]) -> dict[str, Any]:
    """The fields the caller sent, under their GraphQL names."""
    out: dict[str, Any] = {}
    for attribute, name in names.items():
        value = getattr(source, attribute)
        if value is not strawberry.UNSET:
            out[name] = value
    return out


_REVERIFY = (
    "On a verified account a change to this field re-runs real-name verification: send "
    "`confirmReverification: true` after the ConfirmationRequiredError."
)


@strawberry.input(
    description="Resident fields. Identity fields (name, document) on a verified account "
    "re-run real-name verification, after confirmation (SPEC §4.4)."
)
class UpdateNaturalPersonInput:
    email: str | None = strawberry.field(
        metadata=text(254, clearable=True), default=strawberry.UNSET, description="E-mail."
    )
    ethnicity: str | None = strawberry.field(
        metadata=text(32, clearable=True), default=strawberry.UNSET, description="Ethnicity."
    )
    address: str | None = strawberry.field(
        metadata=text(200, clearable=True), default=strawberry.UNSET, description="Address."
    )
    occupation: str | None = strawberry.field(
        metadata=text(64, clearable=True), default=strawberry.UNSET, description="Occupation."
    )
    real_name: str | None = strawberry.field(
        metadata=text(50), default=strawberry.UNSET, description=f"Real name. {_REVERIFY}"
    )
    region_type: RegionType | None = strawberry.field(
        default=strawberry.UNSET, description=f"Region of the document. {_REVERIFY}"
    )
    id_type: IdType | None = strawberry.field(
        default=strawberry.UNSET, description=f"Document type. {_REVERIFY}"
    )
    id_number: str | None = strawberry.field(
        metadata=text(64), default=strawberry.UNSET, description=f"Document number. {_REVERIFY}"
    )
    id_valid_from: date | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description=f"Issue date. {_REVERIFY}"
    )
    id_valid_until: date | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description=f"Expiry date. {_REVERIFY}"
    )
    id_long_term: bool | None = strawberry.field(
        default=strawberry.UNSET, description=f"Never expires. {_REVERIFY}"
    )
    confirm_reverification: bool = strawberry.field(
        default=False, description="Yes, re-run real-name verification if the change needs it."
    )

    def changes(self) -> dict[str, Any]:
        sent = _sent(
            self,
            {
                "email": "email",
                "ethnicity": "ethnicity",
                "address": "address",
                "occupation": "occupation",
                "real_name": "realName",
                "id_number": "idNumber",
                "id_valid_from": "idValidFrom",
                "id_valid_until": "idValidUntil",
                "id_long_term": "idLongTerm",
            },
        )
        if self.region_type is not strawberry.UNSET and self.region_type is not None:
            sent["regionType"] = ids.RegionType[self.region_type.name]
        if self.id_type is not strawberry.UNSET and self.id_type is not None:
            sent["idType"] = ids.IdType[self.id_type.name]
        return sent


@strawberry.input(description="Unit fields that change without re-verification.")
class UpdateEnterpriseInput:
    email: str | None = strawberry.field(
        metadata=text(254, clearable=True), default=strawberry.UNSET, description="E-mail."
    )
    english_name: str | None = strawberry.field(
        metadata=text(200, clearable=True), default=strawberry.UNSET, description="English name."
    )
    short_name: str | None = strawberry.field(
        metadata=text(50, clearable=True), default=strawberry.UNSET, description="Short name."
    )
    homepage: str | None = strawberry.field(
        metadata=text(200, clearable=True), default=strawberry.UNSET, description="Web site."
    )
    address: str | None = strawberry.field(
        metadata=text(200), default=strawberry.UNSET, description="Address."
    )
    founding_date: date | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="Founding date."
    )
    independent_legal_person: bool | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="Independent legal person."
    )
    mailing_address: str | None = strawberry.field(
        metadata=text(200, clearable=True), default=strawberry.UNSET, description="Mailing address."
    )
    unit_phone: str | None = strawberry.field(
        metadata=text(32, clearable=True), default=strawberry.UNSET, description="Telephone."
    )
    industry: str | None = strawberry.field(
        metadata=text(16, clearable=True),
        default=strawberry.UNSET,
        description="GB/T 4754-2017 small class.",
    )
    size: EnterpriseSize | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="Size."
    )
    holding: Holding | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="Ownership."
    )
    legal_representative_mobile: str | None = strawberry.field(
        metadata=text(32, clearable=True),
        default=strawberry.UNSET,
        description="Legal representative's mobile number.",
    )
    legal_representative_email: str | None = strawberry.field(
        metadata=text(254, clearable=True),
        default=strawberry.UNSET,
        description="Legal representative's e-mail.",
    )
    unit_name: str | None = strawberry.field(
        metadata=text(100), default=strawberry.UNSET, description=f"Registered name. {_REVERIFY}"
    )
    uscc: str | None = strawberry.field(
        metadata=text(40),
        default=strawberry.UNSET,
        description="Unified social credit code: it never changes once registered (a different"
        f" code is refused with `USCC_IMMUTABLE`); a unit registered without one may add it."
        f" {_REVERIFY}",
    )
    legal_representative_name: str | None = strawberry.field(
        metadata=text(50),
        default=strawberry.UNSET,
        description=f"Legal representative's name. {_REVERIFY}",
    )
    legal_representative_id_type: IdType | None = strawberry.field(
        default=strawberry.UNSET, description=f"Representative's document type. {_REVERIFY}"
    )
    legal_representative_id_number: str | None = strawberry.field(
        metadata=text(64),
        default=strawberry.UNSET,
        description=f"Representative's document number. {_REVERIFY}",
    )
    region_type: UnitRegion | None = strawberry.field(
        default=strawberry.UNSET, description=f"Where the unit is registered. {_REVERIFY}"
    )
    legal_person_type: LegalPersonType | None = strawberry.field(
        default=strawberry.UNSET, description=f"Legal-person type. {_REVERIFY}"
    )
    unit_identifier: str | None = strawberry.field(
        metadata=text(64, clearable=True),
        default=strawberry.UNSET,
        description=f"Registration number of a unit outside the mainland. {_REVERIFY}",
    )
    unit_nature: str | None = strawberry.field(
        metadata=text(64, clearable=True),
        default=strawberry.UNSET,
        description=f"Unit nature (单位性质). {_REVERIFY}",
    )
    confirm_reverification: bool = strawberry.field(
        default=False, description="Yes, re-run real-name verification if the change needs it."
    )

    def changes(self) -> dict[str, Any]:
        sent = _sent(
            self,
            {
                "email": "email",
                "english_name": "englishName",
                "short_name": "shortName",
                "homepage": "homepage",
                "address": "address",
                "founding_date": "foundingDate",
                "independent_legal_person": "independentLegalPerson",
                "mailing_address": "mailingAddress",
                "unit_phone": "unitPhone",
                "industry": "industry",
                "legal_representative_mobile": "legalRepresentativeMobile",
                "legal_representative_email": "legalRepresentativeEmail",
                "unit_name": "unitName",
                "uscc": "uscc",
                "legal_representative_name": "legalRepresentativeName",
                "legal_representative_id_number": "legalRepresentativeIdNumber",
                "unit_identifier": "unitIdentifier",
                "unit_nature": "unitNature",
            },
        )
        if self.region_type is not strawberry.UNSET:
            sent["regionType"] = (
                domain.UnitRegion[self.region_type.name] if self.region_type else None
            )
        if self.legal_person_type is not strawberry.UNSET:
            sent["legalPersonType"] = (
                domain.LegalPersonType[self.legal_person_type.name]
                if self.legal_person_type
                else None
            )
        rep_type = self.legal_representative_id_type
        if rep_type is not strawberry.UNSET and rep_type is not None:
            sent["legalRepresentativeIdType"] = ids.IdType[rep_type.name]
        if self.size is not strawberry.UNSET:
            sent["size"] = domain.EnterpriseSize[self.size.name] if self.size else None
        if self.holding is not strawberry.UNSET:
            sent["holding"] = domain.Holding[self.holding.name] if self.holding else None
        return sent
