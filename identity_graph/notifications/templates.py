"""Message templates by id, in zh-CN and English. SMS texts carry the platform signature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from identity_graph.core.i18n import Locale

SIGNATURE = ("【统一身份认证】", "[Unified Identity] ")

TEMPLATES: Mapping[str, tuple[str, str]] = {
    "sms_code": (
        "您的{purpose}验证码为 {code}，{minutes} 分钟内有效。请勿将验证码告诉他人。",
        "Your {purpose} code is {code}, valid for {minutes} minutes. Never share it.",
    ),
}

PURPOSE_NAMES: Mapping[str, tuple[str, str]] = {
    "register": ("注册", "registration"),
    "login": ("登录", "login"),
    "reset_password": ("找回密码", "password reset"),
    "change_phone": ("更换手机号", "phone change"),
    "activate": ("账号激活", "account activation"),
    "appeal": ("申诉", "appeal"),
    "verify_identity": ("身份核验", "identity check"),
}


class UnknownTemplate(LookupError):
    pass


def render(template: str, locale: Locale, params: Mapping[str, Any]) -> str:
    """The final text of one message, signature included."""
    if template not in TEMPLATES:
        raise UnknownTemplate(template)
    index = 0 if locale == "zh-CN" else 1
    values = dict(params)
    purpose = values.get("purpose")
    if isinstance(purpose, str) and purpose in PURPOSE_NAMES:
        values["purpose"] = PURPOSE_NAMES[purpose][index]
    return SIGNATURE[index] + TEMPLATES[template][index].format(**values)
