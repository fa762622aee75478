"""Accounts, natural persons and enterprises as Apollo Federation entities (SPEC §9).

Personal data is masked (``1307**********031X``, ``138****5678``, ``王*明``) unless the
viewer owns it or is a reviewer or operator; the reserved phone and e-mail are always
masked, since their owner knows them and a screen should not show them whole.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import strawberry

from identity_graph.accounts.enums import Role
from identity_graph.accounts.enums import VerificationStatus as DomainVerificationStatus
from identity_graph.accounts.models import Account as AccountModel
from identity_graph.accounts.models import Enterprise as EnterpriseModel
from identity_graph.accounts.models import NaturalPerson as PersonModel
from identity_graph.core.crypto import mask_email, mask_id_number, mask_name, mask_phone
from identity_graph.core.errors import ValidationFailed
from identity_graph.graphql.accounts.enums import (
    AccountStatus,
    AssuranceLevel,
    EnterpriseSize,
    Gender,
    Holding,
    IdType,
    LegalPersonType,
    RegionType,
    UnitRegion,
    VerificationStatus,
)
from identity_graph.graphql.accounts.extended import EnterpriseExtendedInfo
from identity_graph.graphql.accounts.kinds import AccountKind
from identity_graph.graphql.agents.pages import agent_page, paging, person_bindings_page
from identity_graph.graphql.agents.types import AgentConnection
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.pagination import After, Before, Last, MaybeFirst
from identity_graph.verification.notices import status_text_code


def may_see(info: Info, owner: uuid.UUID) -> bool:
    """The owner, reviewers and operators see personal data in clear (SPEC §9, §11)."""
    viewer = info.context.viewer
    if viewer is None:
        return False
    return (
        viewer.account_id == owner or viewer.has_role(Role.REVIEWER) or viewer.has_role(Role.ADMIN)
    )


def _shown(clear: str | None, mask: Any, reveal: bool) -> str | None:
    if clear is None:
        return None
    return clear if reveal else mask(clear)


def _enum(kind: Any, value: Any) -> Any:
    return None if value is None else kind(value.value)


@strawberry.federation.type(keys=["id"], description="A natural person's identity data (自然人).")
class NaturalPerson:
    id: strawberry.ID = strawberry.field(description="The same id as the person's account.")
    real_name: str = strawberry.field(description="Real name; masked unless yours (王*明).")
    region_type: RegionType = strawberry.field(description="Region of the document.")
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(description="Document number; masked unless yours.")
    id_valid_from: date | None = strawberry.field(description="Document issue date.")
    id_valid_until: date | None = strawberry.field(
        description="Document expiry date; null when long-term or unknown."
    )
    id_long_term: bool = strawberry.field(description="The document never expires (长期).")
    gender: Gender | None = strawberry.field(description="Gender (from the number where encoded).")
    birth_date: date | None = strawberry.field(description="Birth date; hidden unless yours.")
    ethnicity: str | None = strawberry.field(description="Ethnicity (民族); hidden unless yours.")
    address: str | None = strawberry.field(description="Address; hidden unless yours.")
    occupation: str | None = strawberry.field(description="Occupation; hidden unless yours.")

    @classmethod
    def from_model(cls, info: Info, row: PersonModel) -> NaturalPerson:
        vault = info.context.services.vault
        reveal = may_see(info, row.id)
        return cls(
            id=strawberry.ID(str(row.id)),
            real_name=_shown(vault.open(row.real_name_cipher, "real_name"), mask_name, reveal)
            or "",
            region_type=RegionType(row.region_type.value),
            id_type=IdType(row.id_type.value),
            id_number=_shown(vault.open(row.id_number_cipher, "id_number"), mask_id_number, reveal)
            or "",
            id_valid_from=row.id_valid_from if reveal else None,
            id_valid_until=row.id_valid_until if reveal else None,
            id_long_term=row.id_long_term,
            gender=_enum(Gender, row.gender),
            birth_date=row.birth_date if reveal else None,
            ethnicity=row.ethnicity if reveal else None,
            address=row.address if reveal else None,
            occupation=row.occupation if reveal else None,
        )

    @strawberry.field(
        description="The person's bindings to units (法人(单位)授权办理情况), pending and active:"
        " only for the person; null for anyone else."
    )
    async def agent_bindings(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AgentConnection | None:
        viewer = info.context.viewer
        if viewer is None or str(viewer.account_id) != str(self.id):
            return None
        try:
            return await person_bindings_page(info, paging(first, after, last, before))
        except ValidationFailed as exc:
            raise as_graphql_error(info, exc) from None

    @classmethod
    async def resolve_reference(cls, info: Info, **keys: Any) -> NaturalPerson | None:
        key = _uuid(keys.get("id"))
        row = await info.context.loaders.natural_person_by_id.load(key) if key else None
        return cls.from_model(info, row) if row else None


@strawberry.type(description="The unit's legal representative (法定代表人).")
class LegalRepresentative:
    name: str = strawberry.field(description="Name; masked unless the unit is yours.")
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(description="Document number; masked unless yours.")
    id_valid_from: date | None = strawberry.field(description="Document issue date.")
    id_valid_until: date | None = strawberry.field(description="Document expiry date.")
    id_long_term: bool = strawberry.field(description="The document never expires.")
    mobile: str | None = strawberry.field(description="Mobile number, masked.")
    email: str | None = strawberry.field(description="E-mail, masked.")


@strawberry.federation.type(
    keys=["id", "uscc"], description="An enterprise or other legal person (法人/单位)."
)
class Enterprise:
    id: strawberry.ID = strawberry.field(description="The same id as the unit's account.")
    name: str = strawberry.field(description="Registered unit name.")
    english_name: str | None = strawberry.field(description="English name.")
    short_name: str | None = strawberry.field(description="Short name.")
    homepage: str | None = strawberry.field(description="Web site.")
    region_type: UnitRegion = strawberry.field(description="Where the unit is registered.")
    legal_person_type: LegalPersonType = strawberry.field(description="Kind of legal person.")
    uscc: str | None = strawberry.field(
        description="Unified social credit code (统一社会信用代码); never changes."
    )
    unit_identifier: str | None = strawberry.field(
        description="Unit identifier of HMT and foreign units (no USCC)."
    )
    unit_nature: str | None = strawberry.field(description="Unit nature (单位性质).")
    address: str | None = strawberry.field(description="Address; hidden unless yours.")
    founding_date: date | None = strawberry.field(description="Founding date (成立日期).")
    independent_legal_person: bool | None = strawberry.field(
        description="Whether the unit is an independent legal person."
    )
    mailing_address: str | None = strawberry.field(
        description="Mailing address; hidden unless yours."
    )
    unit_phone: str | None = strawberry.field(description="Unit telephone; hidden unless yours.")
    industry: str | None = strawberry.field(
        description="GB/T 4754-2017 small-class code (4 digits)."
    )
    size: EnterpriseSize | None = strawberry.field(description="Enterprise size.")
    holding: Holding | None = strawberry.field(description="Controlling ownership.")
    legal_representative: LegalRepresentative = strawberry.field(
        description="Legal representative; personal data masked unless the unit is yours."
    )

    @classmethod
    def from_model(cls, info: Info, row: EnterpriseModel) -> Enterprise:
        vault = info.context.services.vault
        reveal = may_see(info, row.id)
        rep = LegalRepresentative(
            name=_shown(vault.open(row.legal_rep_name_cipher, "legal_rep_name"), mask_name, reveal)
            or "",
            id_type=IdType(row.legal_rep_id_type.value),
            id_number=_shown(
                vault.open(row.legal_rep_id_number_cipher, "legal_rep_id_number"),
                mask_id_number,
                reveal,
            )
            or "",
            id_valid_from=row.legal_rep_id_valid_from if reveal else None,
            id_valid_until=row.legal_rep_id_valid_until if reveal else None,
            id_long_term=row.legal_rep_id_long_term,
            mobile=_shown(
                vault.open_optional(row.legal_rep_mobile_cipher, "legal_rep_mobile"),
                mask_phone,
                False,
            ),
            email=_shown(
                vault.open_optional(row.legal_rep_email_cipher, "legal_rep_email"),
                mask_email,
                False,
            ),
        )
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            english_name=row.english_name,
            short_name=row.short_name,
            homepage=row.homepage,
            region_type=UnitRegion(row.region_type.value),
            legal_person_type=LegalPersonType(row.legal_person_type.value),
            uscc=row.uscc,
            unit_identifier=row.unit_identifier,
            unit_nature=row.unit_nature,
            address=row.address if reveal else None,
            founding_date=row.founding_date,
            independent_legal_person=row.independent_legal_person,
            mailing_address=row.mailing_address if reveal else None,
            unit_phone=row.unit_phone if reveal else None,
            industry=row.industry,
            size=_enum(EnterpriseSize, row.size),
            holding=_enum(Holding, row.holding),
            legal_representative=rep,
        )

    @strawberry.field(description="Extended information (拓展信息) the unit keeps on file.")
    async def extended_info(self, info: Info) -> EnterpriseExtendedInfo | None:
        row = await info.context.loaders.enterprise_by_id.load(uuid.UUID(str(self.id)))
        return EnterpriseExtendedInfo.from_model(row) if row else None

    @strawberry.field(
        description="The unit's agents (我的经办人), pending and active: only for the unit's"
        " legal account and its main or admin agents; null for anyone else, another"
        " subgraph's caller included."
    )
    async def agents(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AgentConnection | None:
        try:
            page = paging(first, after, last, before)
        except ValidationFailed as exc:
            raise as_graphql_error(info, exc) from None
        return await agent_page(info, uuid.UUID(str(self.id)), page)

    @classmethod
    async def resolve_reference(cls, info: Info, **keys: Any) -> Enterprise | None:
        row: EnterpriseModel | None = None
        if "id" in keys:
            key = _uuid(keys["id"])
            row = await info.context.loaders.enterprise_by_id.load(key) if key else None
        elif "uscc" in keys:
            row = await info.context.services.accounts.enterprise_by_uscc(str(keys["uscc"]))
        return cls.from_model(info, row) if row else None


@strawberry.federation.type(keys=["id"], description="A login principal of the network.")
class Account:
    id: strawberry.ID = strawberry.field(description="Stable account id (UUID).")
    kind: AccountKind = strawberry.field(description="What kind of principal this is.")
    level: AssuranceLevel = strawberry.field(description="Verification level (SPEC §4.1).")
    verification_status: VerificationStatus | None = strawberry.field(
        description="Real-name status (SPEC §4.2); only to its owner and staff. "
        "`myVerification` tells what to do next."
    )
    verification_case_id: strawberry.Private[uuid.UUID | None]
    login_name: str | None = strawberry.field(
        description="Login name; only to its owner and staff."
    )
    status: AccountStatus | None = strawberry.field(
        description="Whether the account may log in; only to its owner and staff."
    )
    phone: str | None = strawberry.field(
        description="Reserved phone (预留手机号), masked: `138****5678`."
    )
    email: str | None = strawberry.field(description="E-mail, masked: `z***@example.com`.")
    created_at: datetime | None = strawberry.field(
        description="Registration time; only to its owner and staff."
    )

    @classmethod
    def from_model(
        cls, model: AccountModel, info: Info | None = None, *, owner: bool = False
    ) -> Account:
        """``owner``: the caller just proved to be the holder (registration, login)."""
        reveal = info is not None and (owner or may_see(info, model.id))
        vault = info.context.services.vault if info is not None and reveal else None
        return cls(
            id=strawberry.ID(str(model.id)),
            kind=AccountKind(model.kind.value),
            level=AssuranceLevel(model.level.value),
            verification_status=VerificationStatus(model.verification_status.value)
            if reveal
            else None,
            verification_case_id=model.verification_case_id,
            login_name=model.login_name if reveal else None,
            status=AccountStatus(model.status.value) if reveal else None,
            phone=_shown(vault.phone_of(model), mask_phone, False) if vault else None,
            email=_shown(vault.email_of(model), mask_email, False) if vault else None,
            created_at=model.created_at if reveal else None,
        )

    @strawberry.field(
        description="The status as the manuals word it (国家平台实名认证通过, 人脸识别认证通过, "
        "实名认证审核失败...); only to its owner and staff."
    )
    async def verification_status_text(self, info: Info) -> str | None:
        if self.verification_status is None:
            return None
        key = self.verification_case_id
        case = await info.context.loaders.verification_case_by_id.load(key) if key else None
        status = DomainVerificationStatus[self.verification_status.name]
        return info.context.t(status_text_code(status, case))

    @strawberry.field(description="The person behind a resident account.")
    async def natural_person(self, info: Info) -> NaturalPerson | None:
        if self.kind != AccountKind.NATURAL_PERSON:
            return None
        row = await info.context.loaders.natural_person_by_id.load(uuid.UUID(self.id))
        return NaturalPerson.from_model(info, row) if row else None

    @strawberry.field(description="The unit behind an enterprise account.")
    async def enterprise(self, info: Info) -> Enterprise | None:
        if self.kind != AccountKind.ENTERPRISE:
            return None
        row = await info.context.loaders.enterprise_by_id.load(uuid.UUID(self.id))
        return Enterprise.from_model(info, row) if row else None

    @classmethod
    async def resolve_reference(cls, info: Info, **keys: Any) -> Account | None:
        key = _uuid(keys.get("id"))
        model = await info.context.loaders.account_by_id.load(key) if key else None
        return cls.from_model(model, info) if model else None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
