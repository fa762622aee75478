"""Login-name rules (SPEC §2.1, §2.2).

* Natural persons: 4-20 characters of letters, digits, ``_`` and Chinese characters,
  beginning with a letter or a Chinese character, so that no login name can be mistaken for
  the mobile number a resident may also log in with.
* Enterprises: 8-20 characters of letters, digits and ``_``, beginning with a letter (the
  manuals' rule), and not shaped like a credit code, since enterprises also log in by USCC.
* ``WP_`` is reserved for legacy imports whose names collide (SPEC §2.5).

Names are compared case-insensitively (``login_key``): ``ZhangSan`` and ``zhangsan`` are
one name, shown as the owner typed it.
"""

from __future__ import annotations

import re
import unicodedata

from identity_graph.accounts.enums import AccountKind
from identity_graph.core.errors import ValidationFailed
from identity_graph.core.validators import clean_text
from identity_graph.ids.units import looks_like_uscc

_CJK = "\u4e00-\u9fff"
_PERSON = re.compile(rf"[A-Za-z{_CJK}][A-Za-z0-9_{_CJK}]*")
_ENTERPRISE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LENGTHS = {AccountKind.NATURAL_PERSON: (4, 20), AccountKind.ENTERPRISE: (8, 20)}
RESERVED_PREFIX = "wp_"

MESSAGES = {
    "LOGIN_NAME_LENGTH": (
        "登录名应为 {min} 到 {max} 个字符",
        "The login name must have {min} to {max} characters",
    ),
    "LOGIN_NAME_FORMAT": (
        "登录名须以字母开头，只能包含字母、数字和下划线",
        "The login name must start with a letter and contain only letters, digits and _",
    ),
    "LOGIN_NAME_FORMAT_PERSON": (
        "登录名须以字母或汉字开头，只能包含字母、数字、下划线和汉字",
        "The login name must start with a letter or Chinese character and contain only"
        " letters, digits, _ and Chinese characters",
    ),
    "LOGIN_NAME_RESERVED": (
        "登录名不能以 WP_ 开头",
        "Login names starting with WP_ are reserved",
    ),
    "LOGIN_NAME_RESEMBLES_USCC": (
        "登录名不能与统一社会信用代码格式相同",
        "The login name must not look like a unified social credit code",
    ),
}


def login_key(name: str) -> str:
    """The form login names are compared in."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def check_login_name(value: str, kind: AccountKind, field: str = "loginName") -> str:
    """The login name as it will be shown, or a refusal naming the rule it breaks."""
    # No generic length cap here: the rule's own limit gives the better message.
    name = clean_text(value, field, max_length=max(len(value), 1))
    low, high = _LENGTHS[kind]
    if not low <= len(name) <= high:
        raise ValidationFailed.single(field, "LOGIN_NAME_LENGTH", min=low, max=high)
    if kind == AccountKind.ENTERPRISE and not _ENTERPRISE.fullmatch(name):
        raise ValidationFailed.single(field, "LOGIN_NAME_FORMAT")
    if kind != AccountKind.ENTERPRISE and not _PERSON.fullmatch(name):
        raise ValidationFailed.single(field, "LOGIN_NAME_FORMAT_PERSON")
    if login_key(name).startswith(RESERVED_PREFIX):
        raise ValidationFailed.single(field, "LOGIN_NAME_RESERVED")
    if looks_like_uscc(name):
        raise ValidationFailed.single(field, "LOGIN_NAME_RESEMBLES_USCC")
    return name
