"""Input cleaning shared by every domain: text hygiene and mobile numbers (SPEC §12).

Each function returns the cleaned value or raises ``ValidationFailed`` naming the field.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from identity_graph.core.errors import ValidationFailed

_MOBILE = re.compile(r"1[3-9]\d{9}")


def clean_text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """NFKC-normalise and trim; refuse control characters and over-long input."""
    text = unicodedata.normalize("NFKC", value).strip()
    if required and not text:
        raise ValidationFailed.single(field, "REQUIRED")
    if any(unicodedata.category(char) == "Cc" for char in text):
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


VALIDATOR_MESSAGES = {
    "PHONE_INVALID": ("手机号码格式不正确", "Not a valid mainland mobile number"),
}
