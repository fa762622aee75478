"""忘记密码 pages without JavaScript (SPEC §5; seed 002 §3.1.1/§3.2.1, seed 004 §三), zh-CN
and en: step 1 names the account (a resident: login name and the reserved phone or e-mail;
a unit: account name or credit code, legal representative and ID number) with a captcha;
step 2 takes the code, the new password twice and the reason (a unit also its name and
credit code); step 3 says it is done. The same service and messages as GraphQL
(``recovery/reset.py``); the flow id travels in a hidden field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError, RateLimited, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.recovery import reset as domain
from identity_graph.recovery.reset_models import ResetChannel
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import page_locale, render, request_address

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("找回密码", "Reset your password"),
    "natural_person": ("自然人", "Residents"),
    "enterprise": ("法人", "Legal persons"),
    "intro_natural_person": (
        "登录名重置密码：您需要知道登录名和预留手机号（或预留电子邮箱）。",
        "Reset by login name: you need your login name and your reserved phone (or e-mail).",
    ),
    "intro_enterprise": (
        "请填写法人账号（或统一社会信用代码）、法定代表人姓名和证件号码。",
        "Enter the unit's account name (or credit code), the legal representative's name"
        " and ID number.",
    ),
    "agent_note": (
        "经办人登录密码是您为所代办单位设置的密码。忘记时，请在此找回您的个人账号密码，"
        "登录后在“经办人中心”重新设置经办人密码；单位的管理员也可以在添加经办人时为您设置。",
        "The agent-login password is the one you set for the unit you act for. If you forgot"
        " it, reset your personal password here, log in, and set a new agent password in the"
        " agent centre; the unit's administrator can also set one when adding you.",
    ),
    "loginName": ("登录名 / 手机号码", "Login name or mobile number"),
    "identifier": ("法人账号 / 统一社会信用代码", "Account name or unified social credit code"),
    "channel": ("验证方式", "Send the code by"),
    "channel_sms": ("手机号", "SMS to the reserved phone"),
    "channel_email": ("电子邮箱", "E-mail to the reserved address"),
    "destination": ("预留手机号 / 预留电子邮箱", "Reserved phone or e-mail"),
    "legalRepresentativeName": ("法定代表人姓名", "Legal representative's name"),
    "idNumber": ("法定代表人证件号码", "Legal representative's ID number"),
    "captchaAnswer": ("图形验证码", "Captcha"),
    "next": ("下一步", "Next"),
    "code": ("验证码", "Code"),
    "newPassword": ("新密码", "New password"),
    "confirmPassword": ("确认新密码", "Repeat the new password"),
    "password_rule": (
        "密码至少 8 位，且包含大写字母、小写字母、数字、符号中的至少 3 类。",
        "At least 8 characters mixing at least 3 of: upper case, lower case, digits, symbols.",
    ),
    "reason": ("密码修改原因", "Why the password is changed"),
    "choose": ("请选择", "Choose"),
    "reason_forgotten": ("忘记密码", "Forgotten"),
    "reason_suspected_leak": ("疑似泄露", "May be known to others"),
    "reason_routine": ("定期更换", "Routine change"),
    "reason_other": ("其他", "Other"),
    "unitName": ("单位名称", "Unit name"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "flowId": ("找回密码流程", "Password reset"),
    "confirm": ("确定", "Confirm"),
    "mismatch": ("两次输入的新密码不一致", "The two new passwords differ"),
    "done": (
        "重置密码已完成，所有设备上的登录已退出。请使用新密码登录。",
        "Your password was reset and every device was logged out. Log in with the new one.",
    ),
    "to_login": ("返回登录", "Go to login"),
    "start_again": ("重新开始", "Start again"),
    "csrf": ("页面已过期，请重新提交", "The page expired; please submit again"),
}
_KINDS = ("natural_person", "enterprise")
_REASONS = [reason.value for reason in domain.ResetReason]


class ResetTexts:
    def __init__(self, locale: Locale) -> None:
        self._index = 0 if locale == "zh-CN" else 1

    def __getattr__(self, name: str) -> str:
        return TEXTS[name][self._index]


def reset_password_routes(services: Container) -> list[Route]:
    csrf = CsrfTokens(services.hasher, secure=services.settings.public_url.startswith("https"))
    resets = services.password_resets

    def context_of(request: Request) -> AuditContext:
        return AuditContext(client_ip=request_address(request, services.proxies))

    def messages(exc: DomainError, locale: Locale) -> list[str]:
        """Each failure as "label: message", in the caller's language."""
        texts = ResetTexts(locale)
        if isinstance(exc, ValidationFailed):
            separator = "：" if locale == "zh-CN" else ": "
            return [
                (getattr(texts, e.field) if e.field in TEXTS else e.field)
                + separator
                + services.translate(e.code, locale, **e.params)
                for e in exc.errors
            ]
        first = exc.primary()
        return [services.translate(first.code, locale, **first.params)]

    async def page(
        request: Request,
        locale: Locale,
        template_step: str,
        kind: str,
        *,
        status: int = 200,
        errors: list[str] | None = None,
        values: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        token = csrf.token_for(request)
        texts = ResetTexts(locale)
        captcha = None
        if template_step == "start":
            try:
                captcha = await services.captcha.issue(request_address(request, services.proxies))
            except RateLimited as exc:
                errors = [services.translate(exc.code, locale, **exc.params)]
                status = 429
        response = render(
            request,
            "reset_password.html",
            locale,
            status,
            r=texts,
            kind_labels={name: getattr(texts, name) for name in _KINDS},
            reason_labels={name: getattr(texts, f"reason_{name}") for name in _REASONS},
            step=template_step,
            kind=kind,
            kinds=_KINDS,
            reasons=_REASONS,
            errors=errors or [],
            values=values or {},
            csrf_token=token,
            captcha=captcha,
            **extra,
        )
        csrf.remember(response, token)
        return response

    async def form_of(request: Request) -> tuple[dict[str, str], Locale, str]:
        form = await request.form()
        fields = {key: value[:256] for key, value in form.items() if isinstance(value, str)}
        kind = fields.get("kind", "natural_person")
        return (
            fields,
            page_locale(request, fields.get("lang")),
            kind if kind in _KINDS else _KINDS[0],
        )

    async def show(request: Request) -> Response:
        kind = request.query_params.get("kind", "natural_person")
        return await page(
            request,
            page_locale(request),
            "start",
            kind if kind in _KINDS else _KINDS[0],
            from_agent_login=request.query_params.get("from") == "agent",
        )

    async def start(request: Request) -> Response:
        fields, locale, kind = await form_of(request)
        if not csrf.is_valid(request, fields.get("csrf_token")):
            return await page(
                request, locale, "start", kind, status=403, errors=[ResetTexts(locale).csrf]
            )
        captcha = (fields.get("captcha_id") or None, fields.get("captcha_answer") or None)
        try:
            if kind == "enterprise":
                started = await resets.start_for_unit(
                    domain.UnitReset(
                        fields.get("identifier", ""),
                        fields.get("legal_representative_name", ""),
                        fields.get("id_number", ""),
                        *captcha,
                    ),
                    context_of(request),
                    locale,
                )
            else:
                channel = (
                    ResetChannel.EMAIL if fields.get("channel") == "email" else ResetChannel.SMS
                )
                started = await resets.start_for_person(
                    domain.PersonReset(
                        fields.get("login_name", ""),
                        channel,
                        fields.get("destination", ""),
                        *captcha,
                    ),
                    context_of(request),
                    locale,
                )
        except DomainError as exc:
            status = 429 if isinstance(exc, RateLimited) else 400
            return await page(
                request,
                locale,
                "start",
                kind,
                status=status,
                errors=messages(exc, locale),
                values=fields,
            )
        notice = services.translate(
            "RESET_CODE_SENT",
            locale,
            destination=started.masked_destination,
            minutes=services.settings.sms_code_ttl_seconds // 60,
        )
        return await page(
            request,
            locale,
            "complete",
            kind,
            flow_id=str(started.flow_id),
            notice=notice,
            masked=started.masked_destination,
        )

    async def finish(request: Request) -> Response:
        fields, locale, kind = await form_of(request)
        flow_id = fields.get("flow_id", "")[:64]

        async def again(errors: list[str], status: int) -> Response:
            kept = {key: fields.get(key, "") for key in ("unit_name", "uscc", "reason")}
            return await page(
                request,
                locale,
                "complete",
                kind,
                status=status,
                errors=errors,
                values=kept,
                flow_id=flow_id,
                masked=None,
                notice=None,
            )

        if not csrf.is_valid(request, fields.get("csrf_token")):
            return await again([ResetTexts(locale).csrf], 403)
        if fields.get("new_password", "") != fields.get("confirm_password", ""):
            return await again([ResetTexts(locale).mismatch], 400)
        reason = fields.get("reason", "")
        try:
            await resets.complete(
                domain.ResetCompletion(
                    flow_id=flow_id,
                    code=fields.get("code", ""),
                    new_password=fields.get("new_password", ""),
                    reason=domain.ResetReason(reason) if reason in _REASONS else None,
                    unit_name=fields.get("unit_name"),
                    uscc=fields.get("uscc"),
                ),
                context_of(request),
                locale,
            )
        except DomainError as exc:
            return await again(messages(exc, locale), 400)
        return await page(request, locale, "done", kind)

    return [
        Route("/reset-password", show, methods=["GET"]),
        Route("/reset-password", start, methods=["POST"]),
        Route("/reset-password/complete", finish, methods=["POST"]),
    ]
