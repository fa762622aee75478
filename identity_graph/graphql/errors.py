"""Typed mutation errors and the helper that maps ``DomainError`` onto them (SPEC §9).

Every mutation returns a result union: its success type or one of the error types below.
Expected failures are data; authentication failures and bugs are top-level GraphQL errors
with ``extensions.code`` (see ``graphql/view.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from identity_graph.core.errors import (
    AuthenticationRefused,
    CaptchaRequired,
    ConfirmationRequired,
    DomainError,
    NotAuthorized,
    RateLimited,
    ValidationFailed,
)
from identity_graph.graphql.context import Info
from identity_graph.graphql.error_codes import ErrorCode


@strawberry.interface(description="Anything that went wrong, with a stable code and a message.")
class UserError:
    code: ErrorCode = strawberry.field(  # type: ignore[valid-type]
        description="Stable machine-readable code, e.g. `CAPTCHA_WRONG`: switch on it."
    )
    message: str = strawberry.field(
        description="Human-readable message in the caller's language (zh-CN or en)."
    )


@strawberry.type(description="One invalid input field.")
class FieldError(UserError):
    field: str = strawberry.field(description="The input field at fault, as named in the input.")


@strawberry.type(description="The input was refused; nothing was written.")
class ValidationErrors(UserError):
    errors: list[FieldError] = strawberry.field(description="Each invalid field with its code.")


@strawberry.type(description="Too many attempts; wait `retryAfter` seconds.")
class RateLimitedError(UserError):
    retry_after: int = strawberry.field(description="Seconds until the next attempt is allowed.")
    scope: str = strawberry.field(description="Which limit was hit, e.g. `sms_resend_phone`.")


@strawberry.type(description="The viewer may not do this.")
class NotAuthorizedError(UserError):
    pass


@strawberry.type(description="The request was understood but refused in the current state.")
class OperationRefused(UserError):
    pass


@strawberry.type(
    description="Solve a captcha (query `captcha`) and send its id and answer with the next try."
)
class CaptchaRequiredError(UserError):
    pass


@strawberry.type(
    description="The login was refused. While a lockout lasts `unlockAt` says when to retry; "
    "otherwise `remainingAttempts` counts the failures left before one starts."
)
class LoginRefusedError(UserError):
    unlock_at: datetime | None = strawberry.field(description="Retry after this moment.")
    remaining_attempts: int | None = strawberry.field(
        description="Failures left before the account is locked for a while."
    )


@strawberry.type(
    description="The change needs confirmation: send it again with `confirmReverification: "
    "true` (e.g. 已实名认证，修改可能重新进行实名认证)."
)
class ConfirmationRequiredError(UserError):
    fields: list[str] = strawberry.field(description="The fields whose change needs it.")


ErrorType = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused
# Only the login mutations raise these; their result unions list them.
LoginErrorType = CaptchaRequiredError | LoginRefusedError
S = TypeVar("S")
T = TypeVar("T")


def to_error_type(
    info: Info, exc: DomainError
) -> ErrorType | LoginErrorType | ConfirmationRequiredError:
    """Render a domain error in the caller's language."""
    t = info.context.t
    if isinstance(exc, ValidationFailed):
        fields = [
            FieldError(code=e.code, message=t(e.code, **e.params), field=e.field)
            for e in exc.errors
        ]
        return ValidationErrors(code=exc.code, message=t(exc.code), errors=fields)
    if isinstance(exc, RateLimited):
        return RateLimitedError(
            code=exc.code,
            message=t(exc.code, **exc.params),
            retry_after=exc.retry_after,
            scope=exc.scope,
        )
    if isinstance(exc, NotAuthorized):
        return NotAuthorizedError(code=exc.code, message=t(exc.code, **exc.params))
    if isinstance(exc, ConfirmationRequired):
        return ConfirmationRequiredError(
            code=exc.code, message=t(exc.code, **exc.params), fields=exc.fields
        )
    if isinstance(exc, CaptchaRequired):
        return CaptchaRequiredError(code=exc.code, message=t(exc.code))
    if isinstance(exc, AuthenticationRefused):
        return LoginRefusedError(
            code=exc.code,
            message=t(exc.code, **exc.params),
            unlock_at=exc.unlock_at,
            remaining_attempts=exc.remaining_attempts,
        )
    if exc.field:
        error = FieldError(code=exc.code, message=t(exc.code, **exc.params), field=exc.field)
        return ValidationErrors(
            code="VALIDATION_FAILED", message=t("VALIDATION_FAILED"), errors=[error]
        )
    return OperationRefused(code=exc.code, message=t(exc.code, **exc.params))


async def payload(info: Info, call: Awaitable[T], success: Callable[[T], S]) -> S | ErrorType:
    """Await one service call; map its result to the success type or a typed error."""
    try:
        result = await call
    except DomainError as exc:
        error = to_error_type(info, exc)
        if isinstance(error, CaptchaRequiredError | LoginRefusedError | ConfirmationRequiredError):
            raise TypeError(f"{exc.code} needs its own payload helper") from exc
        return error
    return success(result)


async def confirmable_payload(
    info: Info, call: Awaitable[T], success: Callable[[T], S]
) -> S | ErrorType | ConfirmationRequiredError:
    """``payload`` for mutations whose union also lists ConfirmationRequiredError."""
    try:
        result = await call
    except ConfirmationRequired as exc:
        return ConfirmationRequiredError(
            code=exc.code, message=info.context.t(exc.code, **exc.params), fields=exc.fields
        )
    except DomainError as exc:
        return await payload(info, _raise(exc), success)
    return success(result)


async def _raise(exc: DomainError) -> Any:
    raise exc


async def login_payload(
    info: Info, call: Awaitable[T], success: Callable[[T], S]
) -> S | ErrorType | LoginErrorType:
    """``payload`` for mutations whose union also lists the login errors."""
    try:
        result = await call
    except DomainError as exc:
        error = to_error_type(info, exc)
        if isinstance(error, ConfirmationRequiredError):
            raise TypeError(f"{exc.code} needs confirmable_payload") from exc
        return error
    return success(result)


def as_graphql_error(info: Info, exc: DomainError) -> GraphQLError:
    """A domain error raised by a query argument, as a top-level error naming the field."""
    first = exc.primary()
    return GraphQLError(
        info.context.t(first.code, **first.params),
        extensions={"code": first.code, "field": first.field or None},
    )
