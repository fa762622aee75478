"""Input cleaning shared by every domain: text hygiene and mobile numbers (SPEC §12).

Each function returns the cleaned value or raises ``ValidationFailed`` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import ParamSpec, TypeVar

import phonenumbers

from identity_graph.core.errors import FieldError, ValidationFailed

_MOBILE = re.compile(r"1[3-9]\d{9}")
# C0 and C1 controls (Unicode category Cc) and lone surrogates (Cs): PostgreSQL refuses NUL
# and cannot store a surrogate, and no name, number or code legitimately holds either.
# Multi-line free text keeps tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# RFC 5321 limits; the local part and the domain are checked for shape, not deliverability.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
P = ParamSpec("P")
T = TypeVar("T")


class Checks:
    """Runs several field checks and reports every failure at once, not only the first."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(self, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        try:
            return check(*args, **kwargs)
        except ValidationFailed as exc:
            self.errors.extend(exc.errors)
            return None

    def fail(self, field: str, code: str, **params: object) -> None:
        self.errors.append(FieldError(field, code, params))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True if ``text`` holds a control character or a lone surrogate (line breaks and tabs
    are allowed in ``multiline`` text)."""
    return (_CONTROL_MULTILINE if multiline else _CONTROL).search(text) is not None


def clean_text(
    value: str, field: str, *, max_length: int, required: bool = True, multiline: bool = False
) -> str:
    """NFKC-normalise and trim; refuse control characters and over-long input. ``multiline``
    text keeps its line breaks (as ``\\n``) and tabs."""
    text = unicodedata.normalize("NFKC", value).strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if required and not text:
        raise ValidationFailed.single(field, "REQUIRED")
    if has_control_characters(text, multiline=multiline):
        raise ValidationFailed.single(field, "CONTROL_CHARACTERS")
    if len(text) > max_length:
        raise ValidationFailed.single(field, "TOO_LONG", max=max_length)
    return text


def normalize_mobile(value: str, field: str = "phone") -> str:
    """A mainland mobile number as 11 digits; ``+86`` and full-width digits are accepted."""
    try:
        text = clean_text(value, field, max_length=20)
    except ValidationFailed as exc:
        # Over-long or control-laden input is simply not a phone number: one code for the
        # field keeps the answer actionable (SPEC §11: a typed error naming the field).
        if exc.errors[0].code == "REQUIRED":
            raise
        raise ValidationFailed.single(field, "PHONE_INVALID") from None
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationFailed.single(field, "PHONE_INVALID") from None
    national = str(parsed.national_number)
    # A mobile number has no extension; accepting "… ext. 99" would silently drop input.
    if parsed.country_code != 86 or parsed.extension or not _MOBILE.fullmatch(national):
        raise ValidationFailed.single(field, "PHONE_INVALID")
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationFailed.single(field, "PHONE_INVALID")
    return national


def optional_text(
    value: str | None, field: str, *, max_length: int, multiline: bool = False
) -> str | None:
    """``clean_text`` for optional fields: absent or blank becomes None."""
    if value is None:
        return None
    text = clean_text(value, field, max_length=max_length, required=False, multiline=multiline)
    return text or None


def normalize_email(value: str, field: str = "email") -> str:
    """An e-mail address, NFKC-normalised, with its domain in lower case."""
    text = clean_text(value, field, max_length=254)
    if not _EMAIL.fullmatch(text) or ".." in text:
        raise ValidationFailed.single(field, "EMAIL_INVALID")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def check_past_date(value: date, field: str, *, today: date) -> date:
    """A date that has already happened (birth, founding, issue dates)."""
    if value > today:
        raise ValidationFailed.single(field, "DATE_IN_FUTURE")
    return value


VALIDATOR_MESSAGES = {
    "PHONE_INVALID": ("手机号码格式不正确", "Not a valid mainland mobile number"),
    "EMAIL_INVALID": ("电子邮箱格式不正确", "Not a valid e-mail address"),
    "DATE_IN_FUTURE": ("日期不能晚于今天", "The date cannot be in the future"),
}
