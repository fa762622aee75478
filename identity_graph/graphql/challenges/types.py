"""GraphQL types for captchas and SMS codes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from identity_graph.challenges.models import SmsPurpose as DomainSmsPurpose
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
)
from identity_graph.graphql.input_rules import text


@strawberry.enum(
    description="What an SMS code will be used for; a code only works for its purpose."
)
class SmsPurpose(Enum):
    REGISTER = strawberry.enum_value(DomainSmsPurpose.REGISTER.value, description="Registration.")
    LOGIN = strawberry.enum_value(DomainSmsPurpose.LOGIN.value, description="SMS login.")
    RESET_PASSWORD = strawberry.enum_value(
        DomainSmsPurpose.RESET_PASSWORD.value, description="Password reset (忘记密码)."
    )
    CHANGE_PHONE = strawberry.enum_value(
        DomainSmsPurpose.CHANGE_PHONE.value, description="Proving a new reserved phone."
    )
    ACTIVATE = strawberry.enum_value(
        DomainSmsPurpose.ACTIVATE.value, description="Enterprise account activation (账号激活)."
    )
    APPEAL = strawberry.enum_value(DomainSmsPurpose.APPEAL.value, description="Appeals (申诉).")
    VERIFY_IDENTITY = strawberry.enum_value(
        DomainSmsPurpose.VERIFY_IDENTITY.value, description="Identity confirmation steps."
    )


@strawberry.type(description="An image captcha. Show the image; send its id and the answer back.")
class Captcha:
    id: strawberry.ID = strawberry.field(description="Pass as `captchaId` with the answer.")
    image_data_url: str = strawberry.field(
        description="The image as a `data:image/png;base64,…` URL, usable as an `<img src>`."
    )
    expires_at: datetime = strawberry.field(description="After this moment the captcha is void.")


@strawberry.input(description="Ask for an SMS code to a mainland mobile number.")
class RequestSmsCodeInput:
    purpose: SmsPurpose = strawberry.field(description="What the code is for.")
    phone: str = strawberry.field(
        metadata=text(32), description="Mainland mobile number, e.g. `13812345678`."
    )
    captcha_id: str = strawberry.field(
        metadata=text(64), description="`Captcha.id` of a fresh captcha."
    )
    captcha_answer: str = strawberry.field(
        metadata=text(16), description="The characters in the captcha image."
    )


@strawberry.type(
    description="A code was sent if the number can receive one. The answer is the same for "
    "every number, so it does not reveal whether an account uses it."
)
class SmsCodeSent:
    expires_at: datetime = strawberry.field(description="The code stops working at this moment.")
    resend_after_seconds: int = strawberry.field(
        description="Wait at least this long before asking for another code."
    )
    message: str = strawberry.field(description="What to tell the user.")


RequestSmsCodeResult = Annotated[
    SmsCodeSent | ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused,
    strawberry.union("RequestSmsCodeResult", description="The code was sent, or why not."),
]
