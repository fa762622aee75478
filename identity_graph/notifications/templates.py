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
    "registration_conflict": (
        "您的注册未完成：{reasons}。如您已有账号，请直接登录或找回密码。",
        "Your registration was not completed: {reasons}. If you already have an account,"
        " log in or reset your password.",
    ),
    "registration_attempt_notice": (
        "有人尝试使用您账号（{login_name}）的{subject}注册新账号，未获成功。"
        "如非本人操作，请留意账号安全。",
        "Someone tried to register a new account with the {subject} of your account"
        " ({login_name}) and was refused. If it was not you, keep an eye on your account.",
    ),
    "password_changed": (
        "您的账号（{login_name}）密码已于 {time} 修改，其他设备上的登录已退出。"
        "如非本人操作，请立即找回密码。",
        "The password of your account ({login_name}) was changed at {time}; other devices"
        " were logged out. If it was not you, reset your password now.",
    ),
    "password_reset": (
        "您的账号（{login_name}）已于 {time} 通过找回密码设置了新密码，所有设备上的登录已退出。"
        "如非本人操作，请立即申诉。",
        "The password of your account ({login_name}) was reset at {time}; every device was"
        " logged out. If it was not you, file an appeal now.",
    ),
    "phone_changed": (
        "您的账号（{login_name}）预留手机号已于 {time} 更换为 {new_phone}。"
        "如非本人操作，请立即申诉。",
        "The phone number of your account ({login_name}) was changed to {new_phone} at"
        " {time}. If it was not you, file an appeal now.",
    ),
    "verification_passed": (
        "您的账号（{login_name}）{status}。",
        "Your account ({login_name}): {status}.",
    ),
    "verification_failed": (
        "您的账号（{login_name}）实名认证失败：{reason}。您可以{next_steps}。",
        "Real-name verification of your account ({login_name}) failed: {reason}. You can"
        " {next_steps}.",
    ),
    "review_rejected": (
        "您的账号（{login_name}）实名认证审核失败：{reasons}。请登录查看详情并重新提交材料。",
        "Manual review of your account ({login_name}) was rejected: {reasons}. Log in for"
        " details and submit new materials.",
    ),
    "agent_application_approved": (
        "{unit}已同意您的经办人申请，有效期至 {until}。单位授权事项后即可代为办理。",
        "{unit} approved your agent application, valid until {until}. You can act for the unit"
        " once it grants you services.",
    ),
    "agent_application_rejected": (
        "{unit}驳回了您的经办人申请：{reason}。",
        "{unit} rejected your agent application: {reason}.",
    ),
    "reverification_started": (
        "您的账号（{login_name}）修改了实名信息，实名认证状态已重置并重新认证。"
        "如非本人操作，请立即申诉。",
        "The identity data of your account ({login_name}) changed; real-name verification"
        " was reset and runs again. If it was not you, file an appeal now.",
    ),
    # Appeals (recovery/appeals): the result goes to the phone on the appeal.
    "appeal_approved": (
        "您的申诉（编号 {number}）已审核通过，账号（{login_name}）信息已按申诉更新。",
        "Your appeal ({number}) was approved; the account ({login_name}) was updated.",
    ),
    "appeal_approved_reset": (
        "您的申诉（编号 {number}）已审核通过，账号（{login_name}）预留手机号已更新。"
        "请在 {hours} 小时内打开链接设置新密码：{link}",
        "Your appeal ({number}) was approved and the phone of the account ({login_name})"
        " updated. Set a new password within {hours} hours: {link}",
    ),
    "appeal_rejected": (
        "您的申诉（编号 {number}）未通过审核：{reasons}。您可补充材料后重新申诉。",
        "Your appeal ({number}) was rejected: {reasons}. You may appeal again with"
        " further materials.",
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
