"""Password policy and strength meter for account passwords (SPEC §3).

A password is accepted when it

* has 8 to 128 characters (code points; the upper bound keeps hashing cost bounded),
* mixes at least 3 of the 4 character classes: upper-case letters, lower-case letters,
  digits, and symbols — "symbol" being every other printable character, spaces and
  letters without case (such as 汉字) included,
* contains no control character (they cannot be typed reliably on every login form) and
  no lone surrogate (no encoder accepts one, so it could never be hashed),
* is not the login name or the phone number, compared case-insensitively, and does not
  contain a login name of 4 or more characters: "Zhangsan2024!" for user "zhangsan" is the
  first guess an attacker makes. Shorter names are too common as substrings to refuse.

The password is checked exactly as typed: normalising it is the hasher's business, and the
policy must judge the characters the user will type again.

``PASSWORD_TOO_SHORT`` is deliberately absent from ``POLICY_MESSAGES``: the accounts
catalog in ``service.py`` already defines it with the same ``{min}`` parameter.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from identity_graph.core.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128
REQUIRED_CLASSES = 3
# A login name shorter than this is refused only as the whole password, not as a part.
MIN_CONTAINED_LOGIN_NAME = 4
_UNTYPABLE = frozenset({"Cc", "Cs"})

POLICY_MESSAGES: dict[str, tuple[str, str]] = {
    "PASSWORD_TOO_LONG": ("密码不能超过 {max} 位", "The password must be at most {max} characters"),
    "PASSWORD_TOO_FEW_CLASSES": (
        "密码须至少包含大写字母、小写字母、数字、符号中的 {required} 类",
        "The password must mix at least {required} of: upper-case letters, lower-case"
        " letters, digits, symbols",
    ),
    "PASSWORD_SAME_AS_LOGIN_NAME": (
        "密码不能与登录名相同，也不能包含登录名",
        "The password must not be or contain the login name",
    ),
    "PASSWORD_SAME_AS_PHONE": (
        "密码不能与手机号码相同",
        "The password must not be the phone number",
    ),
    "PASSWORD_CONTROL_CHARACTERS": (
        "密码包含不允许的控制字符",
        "The password contains control characters",
    ),
}


class Strength(StrEnum):
    """How strong a password looks, for the meter next to the password field.

    weak: what the policy refuses (under 8 characters or under 3 classes);
    strong: 4 classes and 12+ characters, or 3 classes and 16+ characters;
    medium: everything else. For fixed classes it never drops as the password grows.
    """

    WEAK = "weak"
    MEDIUM = "medium"
    STRONG = "strong"


def character_classes(password: str) -> int:
    """How many of upper, lower, digit and symbol occur in ``password`` (0-4)."""
    return len({_character_class(char) for char in password})


def _character_class(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Lu", "Lt"):
        return "upper"
    if category == "Ll":
        return "lower"
    return "digit" if category == "Nd" else "symbol"


def strength(password: str) -> Strength:
    """The meter reading; defined for any string, refused passwords included."""
    classes = character_classes(password)
    if len(password) < MIN_LENGTH or classes < REQUIRED_CLASSES:
        return Strength.WEAK
    points = classes + (len(password) >= 12) + (len(password) >= 16)
    return Strength.STRONG if points >= 5 else Strength.MEDIUM


def check_password(
    password: str,
    *,
    login_name: str | None = None,
    phone: str | None = None,
    field: str = "password",
) -> Strength:
    """Refuse a password that breaks the policy; return its strength otherwise."""
    _check_characters(password, field)
    # Before the class count: a phone number has one class, and "your password is your
    # phone number" tells the user more than "add more kinds of characters".
    _check_personal_data(password, login_name, phone, field)
    if character_classes(password) < REQUIRED_CLASSES:
        raise ValidationFailed.single(field, "PASSWORD_TOO_FEW_CLASSES", required=REQUIRED_CLASSES)
    return strength(password)


def _check_characters(password: str, field: str) -> None:
    # Length first: a megabyte of input is refused before anything walks over it.
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.single(field, "PASSWORD_TOO_LONG", max=MAX_LENGTH)
    if any(unicodedata.category(char) in _UNTYPABLE for char in password):
        raise ValidationFailed.single(field, "PASSWORD_CONTROL_CHARACTERS")
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.single(field, "PASSWORD_TOO_SHORT", min=MIN_LENGTH)


def _check_personal_data(
    password: str, login_name: str | None, phone: str | None, field: str
) -> None:
    folded = password.casefold()
    if login_name:
        name = login_name.casefold()
        if folded == name or (len(name) >= MIN_CONTAINED_LOGIN_NAME and name in folded):
            raise ValidationFailed.single(field, "PASSWORD_SAME_AS_LOGIN_NAME")
    if phone and folded == phone.casefold():
        raise ValidationFailed.single(field, "PASSWORD_SAME_AS_PHONE")
