"""Inputs of the credential and profile mutations. Update inputs are partial: a field left
out is unchanged, an explicit null clears it."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from identity_graph.accounts import enums as domain
from identity_graph.graphql.accounts.enums import EnterpriseSize, Holding


@strawberry.input(description="Old and new password.")
class ChangePasswordInput:
    old_password: str = strawberry.field(description="The current password.")
    new_password: str = strawberry.field(description="The new password (policy as registration).")


@strawberry.input(description="A new reserved phone, proved by an SMS code.")
class ChangePhoneInput:
    password: str = strawberry.field(description="The current password.")
    new_phone: str = strawberry.field(description="The new mainland mobile number.")
    sms_code: str = strawberry.field(description="Code from `requestSmsCode(CHANGE_PHONE)`.")


def _sent(source: object, names: dict[str, str]) -> dict[str, Any]:
    """The fields the caller sent, under their GraphQL names."""
    out: dict[str, Any] = {}
    for attribute, name in names.items():
        value = getattr(source, attribute)
        if value is not strawberry.UNSET:
            out[name] = value
    return out


@strawberry.input(description="Resident fields that change without re-verification.")
class UpdateNaturalPersonInput:
    email: str | None = strawberry.field(default=strawberry.UNSET, description="E-mail.")
    ethnicity: str | None = strawberry.field(default=strawberry.UNSET, description="Ethnicity.")
    address: str | None = strawberry.field(default=strawberry.UNSET, description="Address.")
    occupation: str | None = strawberry.field(default=strawberry.UNSET, description="Occupation.")

    def changes(self) -> dict[str, Any]:
        return _sent(
            self,
            {name: name for name in ("email", "ethnicity", "address", "occupation")},
        )


@strawberry.input(description="Unit fields that change without re-verification.")
class UpdateEnterpriseInput:
    email: str | None = strawberry.field(default=strawberry.UNSET, description="E-mail.")
    english_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="English name."
    )
    short_name: str | None = strawberry.field(default=strawberry.UNSET, description="Short name.")
    homepage: str | None = strawberry.field(default=strawberry.UNSET, description="Web site.")
    address: str | None = strawberry.field(default=strawberry.UNSET, description="Address.")
    founding_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="Founding date."
    )
    independent_legal_person: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Independent legal person."
    )
    mailing_address: str | None = strawberry.field(
        default=strawberry.UNSET, description="Mailing address."
    )
    unit_phone: str | None = strawberry.field(default=strawberry.UNSET, description="Telephone.")
    industry: str | None = strawberry.field(
        default=strawberry.UNSET, description="GB/T 4754-2017 small class."
    )
    size: EnterpriseSize | None = strawberry.field(default=strawberry.UNSET, description="Size.")
    holding: Holding | None = strawberry.field(default=strawberry.UNSET, description="Ownership.")
    legal_representative_mobile: str | None = strawberry.field(
        default=strawberry.UNSET, description="Legal representative's mobile number."
    )
    legal_representative_email: str | None = strawberry.field(
        default=strawberry.UNSET, description="Legal representative's e-mail."
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
            },
        )
        if self.size is not strawberry.UNSET:
            sent["size"] = domain.EnterpriseSize[self.size.name] if self.size else None
        if self.holding is not strawberry.UNSET:
            sent["holding"] = domain.Holding[self.holding.name] if self.holding else None
        return sent
