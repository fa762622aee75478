"""An enterprise's extended information (拓展信息, seed 004): the type, its input and
``updateEnterpriseExtendedInfo``; the rules live in ``accounts/extended_info.py``."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry

from identity_graph.accounts import extended_info as domain
from identity_graph.accounts.enums import AccountKind
from identity_graph.accounts.models import Enterprise as EnterpriseModel
from identity_graph.core.errors import NotAuthorized
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
    payload,
)
from identity_graph.graphql.input_rules import clearable, text


@strawberry.enum(description="The unit's standing in the business registry (企业状态).")
class EnterpriseState(Enum):
    OPERATING = strawberry.enum_value("operating", description="Operating (存续/在营/开业).")
    REVOKED = strawberry.enum_value("revoked", description="Licence revoked (吊销).")
    CANCELLED = strawberry.enum_value("cancelled", description="Deregistered (注销).")
    MOVED_IN = strawberry.enum_value("moved_in", description="Moved in (迁入).")
    MOVED_OUT = strawberry.enum_value("moved_out", description="Moved out (迁出).")
    SUSPENDED = strawberry.enum_value("suspended", description="Suspended (停业).")
    LIQUIDATING = strawberry.enum_value("liquidating", description="In liquidation (清算).")


@strawberry.type(description="Extended information (拓展信息) the unit keeps on file.")
class EnterpriseExtendedInfo:
    registered_address: str | None = strawberry.field(description="企业注册地址.")
    registered_capital: str | None = strawberry.field(
        description="注册资本, as registered (e.g. 1000万元人民币)."
    )
    registration_date: date | None = strawberry.field(description="企业注册日期.")
    business_scope: str | None = strawberry.field(description="企业经营范围.")
    code_type: str | None = strawberry.field(description="企业代码类型.")
    industry_type: str | None = strawberry.field(description="行业类型.")
    approval_date: date | None = strawberry.field(description="核准日期.")
    approving_authority: str | None = strawberry.field(description="核准机构.")
    enterprise_state: EnterpriseState | None = strawberry.field(description="企业状态.")
    started_on: date | None = strawberry.field(description="创业时间 (start of business).")
    electronic_licence: str | None = strawberry.field(
        description="Reference of the electronic business licence (电子营业执照)."
    )

    @classmethod
    def from_model(cls, row: EnterpriseModel) -> EnterpriseExtendedInfo:
        info = domain.ExtendedInfo.of(row)
        values: dict[str, Any] = dict(info.__dict__)
        state = info.enterprise_state
        values["enterprise_state"] = EnterpriseState(state.value) if state else None
        return cls(**values)


@strawberry.input(description="Change extended information; a field sent as null is cleared.")
class UpdateEnterpriseExtendedInfoInput:
    registered_address: str | None = strawberry.field(
        metadata=text(200, clearable=True), default=strawberry.UNSET, description="企业注册地址."
    )
    registered_capital: str | None = strawberry.field(
        metadata=text(64, clearable=True), default=strawberry.UNSET, description="注册资本."
    )
    registration_date: date | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="企业注册日期."
    )
    business_scope: str | None = strawberry.field(
        metadata=text(2000, clearable=True),
        default=strawberry.UNSET,
        description="企业经营范围 (at most 2,000 characters).",
    )
    code_type: str | None = strawberry.field(
        metadata=text(32, clearable=True), default=strawberry.UNSET, description="企业代码类型."
    )
    industry_type: str | None = strawberry.field(
        metadata=text(64, clearable=True), default=strawberry.UNSET, description="行业类型."
    )
    approval_date: date | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="核准日期."
    )
    approving_authority: str | None = strawberry.field(
        metadata=text(100, clearable=True), default=strawberry.UNSET, description="核准机构."
    )
    enterprise_state: EnterpriseState | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="企业状态."
    )
    started_on: date | None = strawberry.field(
        metadata=clearable(), default=strawberry.UNSET, description="创业时间."
    )
    electronic_licence: str | None = strawberry.field(
        metadata=text(128, clearable=True),
        default=strawberry.UNSET,
        description="电子营业执照 reference.",
    )

    def changes(self) -> dict[str, Any]:
        sent: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if value is strawberry.UNSET:
                continue
            camel = name.split("_")[0] + "".join(p.title() for p in name.split("_")[1:])
            sent[camel] = value.value if isinstance(value, Enum) else value
        return sent


ExtendedInfoResult = Annotated[
    EnterpriseExtendedInfo
    | ValidationErrors
    | RateLimitedError
    | NotAuthorizedError
    | OperationRefused,
    strawberry.union("ExtendedInfoResult", description="The saved information, or why not."),
]


@strawberry.type
class ExtendedInfoMutations:
    @strawberry.mutation(
        description="Change the unit's extended information (拓展信息); no re-verification,"
        " recorded as an info update. Only the unit's own account."
    )
    async def update_enterprise_extended_info(
        self, info: Info, input: UpdateEnterpriseExtendedInfoInput
    ) -> ExtendedInfoResult:
        context = info.context

        async def call() -> EnterpriseModel:
            viewer = context.viewer
            if viewer is None:
                raise NotAuthorized("NOT_AUTHENTICATED")
            if viewer.kind is not AccountKind.ENTERPRISE:
                raise NotAuthorized("WRONG_ACCOUNT_KIND")
            return await context.services.extended_info.update(
                viewer.account_id, input.changes(), context.audit
            )

        return await payload(info, call(), EnterpriseExtendedInfo.from_model)
