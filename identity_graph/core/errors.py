"""Domain errors: data with stable codes, rendered by transports in the caller's language.

Services raise these; ``graphql/errors.py`` turns them into typed payload members and
``core/i18n.py`` supplies the zh-CN / en message for each code. Bugs are not DomainErrors
and stay loud.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from identity_graph.core.labels import Named


@dataclass(frozen=True)
class FieldError:
    """One invalid input field: ``field`` is the GraphQL input name (camelCase)."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class DomainError(Exception):
    """An expected business failure with a stable machine-readable ``code``."""

    def __init__(self, code: str, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params

    def primary(self) -> FieldError:
        """The code, field and parameters to show when only one error can be shown."""
        return FieldError(self.field or "", self.code, self.params)


class ValidationFailed(DomainError):
    """One or more input fields are invalid; nothing was written."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("VALIDATION_FAILED")
        self.errors = list(errors)

    def primary(self) -> FieldError:
        return self.errors[0] if self.errors else super().primary()

    @classmethod
    def single(cls, field: str, code: str, **params: Any) -> ValidationFailed:
        return cls([FieldError(field, code, params)])


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__("RATE_LIMITED", retry_after=retry_after, scope=scope)
        self.retry_after = retry_after
        self.scope = scope


class NotAuthorized(DomainError):
    """The viewer may not do this."""

    def __init__(self, code: str = "NOT_AUTHORIZED") -> None:
        super().__init__(code)


class InvalidState(DomainError):
    """A flow was asked for a transition its table does not allow."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__("INVALID_STATE", current=current, target=target)


class FlowExpired(DomainError):
    """The flow's lifetime ran out; start a new one."""

    def __init__(self) -> None:
        super().__init__("FLOW_EXPIRED")


class CaptchaRequired(DomainError):
    """Solve a captcha and send it with the next attempt (after a failure, SPEC §3)."""

    def __init__(self) -> None:
        super().__init__("CAPTCHA_REQUIRED")


class AuthenticationRefused(DomainError):
    """A login was refused. ``unlock_at`` is set while a lockout lasts and
    ``remaining_attempts`` counts the failures left before one starts."""

    def __init__(
        self,
        code: str,
        *,
        unlock_at: datetime | None = None,
        remaining_attempts: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code, **params)
        self.unlock_at = unlock_at
        self.remaining_attempts = remaining_attempts


class ConfirmationRequired(DomainError):
    """The change has a consequence the caller must confirm first (e.g. re-verification)."""

    def __init__(self, code: str, fields: list[str]) -> None:
        super().__init__(code, fields=Named(*fields))
        self.fields = fields
