"""``startPasswordReset`` and ``completePasswordReset`` (忘记密码, SPEC §5): thin mappings onto
``recovery/reset.py``. Until the code is proved the answers are the same whether or not the
account, phone or ID number exists."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from identity_graph.graphql.accounts.enums import PasswordStrength
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
    payload,
)
from identity_graph.graphql.input_rules import text
from identity_graph.recovery import reset as domain
from identity_graph.recovery.reset_models import ResetChannel as DomainChannel


@strawberry.enum(description="Whose password is reset.")
class PasswordResetKind(Enum):
    NATURAL_PERSON = strawberry.enum_value(
        "natural_person", description="A resident (自然人): login name + reserved phone or e-mail."
    )
    ENTERPRISE = strawberry.enum_value(
        "enterprise",
        description="A legal person (法人): account name or credit code + legal representative.",
    )


@strawberry.enum(description="Where the reset code goes.")
class PasswordResetChannel(Enum):
    SMS = strawberry.enum_value(DomainChannel.SMS.value, description="The reserved phone.")
    EMAIL = strawberry.enum_value(
        DomainChannel.EMAIL.value, description="The reserved e-mail (residents only)."
    )


@strawberry.enum(description="Why the password is changed (密码修改原因).")
class PasswordResetReason(Enum):
    FORGOTTEN = strawberry.enum_value(
        domain.ResetReason.FORGOTTEN.value, description="Forgotten (忘记密码)."
    )
    SUSPECTED_LEAK = strawberry.enum_value(
        domain.ResetReason.SUSPECTED_LEAK.value, description="May be known to others (疑似泄露)."
    )
    ROUTINE = strawberry.enum_value(
        domain.ResetReason.ROUTINE.value, description="Routine change (定期更换)."
    )
    OTHER = strawberry.enum_value(domain.ResetReason.OTHER.value, description="Other (其他).")


@strawberry.input(
    description="Start a reset. A resident sends `loginName`, `channel` and the reserved "
    "phone or e-mail as `destination`; a unit sends `loginName` (account name or credit "
    "code), `legalRepresentativeName` and `idNumber`. Always with a fresh captcha."
)
class StartPasswordResetInput:
    kind: PasswordResetKind = strawberry.field(description="Resident or unit.")
    login_name: str = strawberry.field(
        metadata=text(64),
        description="Login name (a resident may also use the mobile number); a unit: account "
        "name or unified social credit code.",
    )
    captcha_id: str = strawberry.field(metadata=text(64), description="`Captcha.id`.")
    captcha_answer: str = strawberry.field(metadata=text(16), description="The captcha answer.")
    channel: PasswordResetChannel = strawberry.field(
        default=PasswordResetChannel.SMS, description="Residents: where the code goes."
    )
    destination: str | None = strawberry.field(
        default=None,
        metadata=text(254),
        description="Residents: the reserved phone (SMS) or e-mail (EMAIL), as registered.",
    )
    legal_representative_name: str | None = strawberry.field(
        default=None, metadata=text(50), description="Units: the legal representative's name."
    )
    id_number: str | None = strawberry.field(
        default=None,
        metadata=text(64),
        description="Units: the legal representative's ID number.",
    )


@strawberry.input(description="Finish a reset with the code and the new password.")
class CompletePasswordResetInput:
    flow_id: strawberry.ID = strawberry.field(description="`PasswordResetStarted.flowId`.")
    code: str = strawberry.field(metadata=text(16), description="The 6-digit code received.")
    new_password: str = strawberry.field(
        metadata=text(256), description="The new password (policy as registration)."
    )
    reason: PasswordResetReason | None = strawberry.field(
        default=None, description="Why the password is changed (required)."
    )
    unit_name: str | None = strawberry.field(
        default=None, metadata=text(100), description="Units: the unit name, as registered."
    )
    uscc: str | None = strawberry.field(
        default=None, metadata=text(32), description="Units: the unified social credit code."
    )


@strawberry.type(
    description="If the details match an account, a code was sent. The answer is the same "
    "when they do not (anti-enumeration): go on to `completePasswordReset`."
)
class PasswordResetStarted:
    flow_id: strawberry.ID = strawberry.field(description="Pass to `completePasswordReset`.")
    channel: PasswordResetChannel = strawberry.field(description="Where the code went.")
    masked_destination: str = strawberry.field(
        description="The destination, masked: `138****5678` or `z***@example.com`."
    )
    expires_at: datetime = strawberry.field(description="The code is void after this moment.")
    resend_after_seconds: int = strawberry.field(description="Seconds before a new start.")
    message: str = strawberry.field(description="What to do next, in the caller's language.")


@strawberry.type(
    description="The password was replaced; every session and refresh token of the account "
    "ended, its lock was lifted and its reserved phone was told."
)
class PasswordResetCompleted:
    password_strength: PasswordStrength = strawberry.field(description="The meter reading.")
    sessions_ended: int = strawberry.field(description="Login sessions and tokens ended.")


_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused
StartPasswordResetResult = Annotated[
    PasswordResetStarted | _ERRORS,
    strawberry.union("StartPasswordResetResult", description="Started, or why not."),
]
CompletePasswordResetResult = Annotated[
    PasswordResetCompleted | _ERRORS,
    strawberry.union("CompletePasswordResetResult", description="Reset, or why not."),
]


@strawberry.type
class PasswordResetMutations:
    @strawberry.mutation(
        description="忘记密码, step 1: check the captcha and the send limits (one a minute, a "
        "daily cap), then send a 6-digit code (5 minutes, 5 tries) if the details match."
    )
    async def start_password_reset(
        self, info: Info, input: StartPasswordResetInput
    ) -> StartPasswordResetResult:
        context = info.context
        resets = context.services.password_resets
        if input.kind == PasswordResetKind.ENTERPRISE:
            call = resets.start_for_unit(
                domain.UnitReset(
                    input.login_name,
                    input.legal_representative_name or "",
                    input.id_number or "",
                    input.captcha_id,
                    input.captcha_answer,
                ),
                context.audit,
                context.locale,
            )
        else:
            call = resets.start_for_person(
                domain.PersonReset(
                    input.login_name,
                    DomainChannel[input.channel.name],
                    input.destination or "",
                    input.captcha_id,
                    input.captcha_answer,
                ),
                context.audit,
                context.locale,
            )

        def started(result: domain.ResetStarted) -> PasswordResetStarted:
            return PasswordResetStarted(
                flow_id=strawberry.ID(str(result.flow_id)),
                channel=PasswordResetChannel[result.channel.name],
                masked_destination=result.masked_destination,
                expires_at=result.expires_at,
                resend_after_seconds=result.resend_after_seconds,
                message=context.t(
                    "RESET_CODE_SENT",
                    destination=result.masked_destination,
                    minutes=context.services.settings.sms_code_ttl_seconds // 60,
                ),
            )

        return await payload(info, call, started)

    @strawberry.mutation(
        description="忘记密码, step 2: the code, the new password and the reason (units also "
        "the unit name and credit code). Ends every session, lifts a lock, tells the phone."
    )
    async def complete_password_reset(
        self, info: Info, input: CompletePasswordResetInput
    ) -> CompletePasswordResetResult:
        context = info.context
        call = context.services.password_resets.complete(
            domain.ResetCompletion(
                flow_id=str(input.flow_id),
                code=input.code,
                new_password=input.new_password,
                reason=domain.ResetReason[input.reason.name] if input.reason else None,
                unit_name=input.unit_name,
                uscc=input.uscc,
            ),
            context.audit,
            context.locale,
        )

        def completed(result: domain.ResetDone) -> PasswordResetCompleted:
            return PasswordResetCompleted(
                password_strength=PasswordStrength(result.strength.value),
                sessions_ended=result.sessions_ended,
            )

        return await payload(info, call, completed)
