"""``activateEnterprise`` (账号激活, SPEC §6.3): the steps of ``recovery/activation.py``."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from identity_graph.accounts import enums as domain_accounts
from identity_graph.graphql.accounts.enums import IdType, LegalPersonType, PasswordStrength
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
    payload,
)
from identity_graph.graphql.input_rules import text
from identity_graph.ids import types as ids
from identity_graph.recovery import activation as domain


@strawberry.enum(description="ID validity of the legal representative (有效期限).")
class IdValidity(Enum):
    FIVE_YEARS = strawberry.enum_value("five_years", description="5年")
    TEN_YEARS = strawberry.enum_value("ten_years", description="10年")
    TWENTY_YEARS = strawberry.enum_value("twenty_years", description="20年")
    LONG_TERM = strawberry.enum_value("long_term", description="长期有效")


@strawberry.enum(description="Where an activation stands.")
class ActivationStepName(Enum):
    CODE_SENT = strawberry.enum_value(
        "code_sent", description="Unit confirmed; send the SMS code (安全验证)."
    )
    PHONE_PROVED = strawberry.enum_value(
        "phone_proved", description="Phone proved; send loginName and password (设置账密)."
    )
    ACTIVATED = strawberry.enum_value("activated", description="Done (激活成功): log in.")


@strawberry.input(
    description="One step of the activation. Step 1 (no flowId): the unit's details and a "
    "captcha. Then with flowId: smsCode; or resendCode with a new captcha; then loginName and "
    "password."
)
class ActivateEnterpriseInput:
    flow_id: str | None = strawberry.field(
        default=None, metadata=text(64), description="From the previous step's answer."
    )
    legal_person_type: LegalPersonType | None = strawberry.field(
        default=None, description="Step 1: 法人类型."
    )
    unit_name: str | None = strawberry.field(
        default=None, metadata=text(100), description="Step 1: 企业名称."
    )
    uscc: str | None = strawberry.field(
        default=None, metadata=text(32), description="Step 1: 统一社会信用代码."
    )
    legal_representative_name: str | None = strawberry.field(
        default=None, metadata=text(50), description="Step 1: 法定代表人姓名."
    )
    id_type: IdType | None = strawberry.field(default=None, description="Step 1: 证件类型.")
    id_number: str | None = strawberry.field(
        default=None, metadata=text(32), description="Step 1: 法定代表人证件号码."
    )
    id_validity: IdValidity | None = strawberry.field(
        default=None, description="Step 1: 5/10/20 years or long-term."
    )
    id_valid_from: date | None = strawberry.field(
        default=None, description="Step 1: 身份证有效开始日期."
    )
    id_valid_until: date | None = strawberry.field(
        default=None,
        description="Step 1: 身份证有效结束日期; derived from the start and the validity when "
        "absent, refused when it disagrees.",
    )
    captcha_id: str | None = strawberry.field(
        default=None, metadata=text(64), description="Step 1 and resendCode: captcha id."
    )
    captcha_answer: str | None = strawberry.field(
        default=None, metadata=text(16), description="Step 1 and resendCode: captcha answer."
    )
    resend_code: bool = strawberry.field(
        default=False, description="Step 2: send a new code (with a captcha)."
    )
    sms_code: str | None = strawberry.field(
        default=None, metadata=text(16), description="Step 2: the code sent to the reserved phone."
    )
    login_name: str | None = strawberry.field(
        default=None,
        metadata=text(64),
        description="Step 3: the account name (8-20 letters, digits or _, starting with a "
        "letter), or the current one (a WP_ name may be kept).",
    )
    password: str | None = strawberry.field(
        default=None, metadata=text(256), description="Step 3: the new password (policy)."
    )

    def to_domain(self) -> domain.ActivationRequest:
        return domain.ActivationRequest(
            flow_id=self.flow_id,
            confirm=domain.ConfirmUnit(
                legal_person_type=domain_accounts.LegalPersonType[self.legal_person_type.name]
                if self.legal_person_type
                else None,
                unit_name=self.unit_name or "",
                uscc=self.uscc or "",
                legal_representative_name=self.legal_representative_name or "",
                id_type=ids.IdType[self.id_type.name] if self.id_type else None,
                id_number=self.id_number or "",
                validity=domain.ValidityPeriod[self.id_validity.name] if self.id_validity else None,
                id_valid_from=self.id_valid_from,
                id_valid_until=self.id_valid_until,
                captcha_id=self.captcha_id,
                captcha_answer=self.captcha_answer,
            ),
            resend=self.resend_code,
            sms_code=self.sms_code,
            login_name=self.login_name,
            password=self.password,
        )


@strawberry.type(description="The activation after this step.")
class ActivationStep:
    flow_id: str = strawberry.field(description="Send it with the next step.")
    step: ActivationStepName = strawberry.field(description="Where the activation stands.")
    masked_phone: str = strawberry.field(description="The reserved phone, masked (138****5678).")
    login_name: str = strawberry.field(description="The account name (after step 3: the new one).")
    expires_at: datetime = strawberry.field(description="Start again after this moment.")
    resend_after_seconds: int = strawberry.field(
        description="Seconds before another code may be requested (0: no code was sent now)."
    )
    password_strength: PasswordStrength | None = strawberry.field(
        description="Step 3: how strong the new password looks."
    )

    @classmethod
    def from_domain(cls, step: domain.ActivationStep) -> ActivationStep:
        return cls(
            flow_id=str(step.flow_id),
            step=ActivationStepName[step.state.name],
            masked_phone=step.masked_phone,
            login_name=step.login_name,
            expires_at=step.expires_at,
            resend_after_seconds=step.resend_after_seconds,
            password_strength=PasswordStrength(step.password_strength.value)
            if step.password_strength
            else None,
        )


ActivateEnterpriseResult = Annotated[
    ActivationStep | ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused,
    strawberry.union("ActivateEnterpriseResult", description="The next step, or why not."),
]


@strawberry.type
class ActivationMutations:
    @strawberry.mutation(
        description="Activate a unit account that is pending activation (账号激活, SPEC §6.3): "
        "确认账号 → 安全验证 (SMS code to the reserved phone) → 设置账密 → ACTIVE. A mismatch "
        "in step 1 is ACTIVATION_MISMATCH whichever detail is wrong."
    )
    async def activate_enterprise(
        self, info: Info, input: ActivateEnterpriseInput
    ) -> ActivateEnterpriseResult:
        context = info.context
        call = context.services.activation.advance(input.to_domain(), context.audit, context.locale)
        return await payload(info, call, ActivationStep.from_domain)
