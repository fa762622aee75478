"""``requestSmsCode``: captcha first, then per-phone and per-IP send limits.

The code goes to the outbox; the answer is the same whether or not an account uses the phone.
"""

from __future__ import annotations

import strawberry

from identity_graph.challenges.models import SmsPurpose as DomainSmsPurpose
from identity_graph.challenges.sms import SmsCodeSent as DomainSmsCodeSent
from identity_graph.graphql.challenges.types import (
    RequestSmsCodeInput,
    RequestSmsCodeResult,
    SmsCodeSent,
)
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import payload


@strawberry.type
class ChallengeMutations:
    @strawberry.mutation(
        description="Send a 6-digit code (valid 5 minutes, 5 tries) to a mobile number. "
        "Needs a captcha; at most one per minute and a daily cap per number, and an hourly "
        "cap per client address."
    )
    async def request_sms_code(
        self, info: Info, input: RequestSmsCodeInput
    ) -> RequestSmsCodeResult:
        context = info.context

        def sent(result: DomainSmsCodeSent) -> SmsCodeSent:
            return SmsCodeSent(
                expires_at=result.expires_at,
                resend_after_seconds=result.resend_after_seconds,
                message=context.t("SMS_CODE_SENT"),
            )

        return await payload(
            info,
            context.services.sms.request(
                DomainSmsPurpose[input.purpose.name],
                input.phone,
                input.captcha_id,
                input.captcha_answer,
                client_ip=context.client_ip,
                locale=context.locale,
            ),
            sent,
        )
