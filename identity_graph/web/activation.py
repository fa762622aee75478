"""The activation pages (账号激活, seed 004 §五): ``/activate``, usable without JavaScript,
zh-CN and English; the same service and messages as ``activateEnterprise``.

```mermaid
stateDiagram-v2
    [*] --> confirm: GET /activate (1 确认账号, captcha)
    confirm --> confirm: invalid fields, captcha, ACTIVATION_MISMATCH (values kept)
    confirm --> code: unit matched, code sent to the reserved phone (2 安全验证, masked)
    code --> code: wrong code, or "send again" (captcha)
    code --> account: code redeemed (3 设置账密)
    account --> account: name or password refused (passwords never echoed)
    account --> done: 4 激活成功, link to the legal-person login
    code --> confirm: flow expired or unknown (start again)
    account --> confirm
```

Form fields are named like the GraphQL input (``unitName``, ``idNumber``, ``smsCode``…), so
errors land next to their field. The flow id rides in a hidden field; every post is
CSRF-checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.accounts.enums import LegalPersonType
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError, FieldError, RateLimited, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.ids.types import IdType
from identity_graph.recovery.activation import (
    ActivationRequest,
    ActivationState,
    ActivationStep,
    ConfirmUnit,
    ValidityPeriod,
)
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import Texts, page_locale, render, request_address

E = TypeVar("E", bound=StrEnum)

ACTIVATION_TEXTS: dict[str, tuple[str, str]] = {
    "title": ("账号激活", "Activate a unit account"),
    "activate_link": ("单位账号待激活？账号激活", "Unit account pending activation? Activate it"),
    "steps": (
        "1 确认账号 · 2 安全验证 · 3 设置账密 · 4 激活成功",
        "1 Confirm the account · 2 Security check · 3 Name and password · 4 Done",
    ),
    "step_confirm": ("第一步：确认账号", "Step 1: confirm the account"),
    "step_code": ("第二步：安全验证", "Step 2: security check"),
    "step_account": ("第三步：设置账号和密码", "Step 3: account name and password"),
    "unit_name": ("企业名称", "Unit name"),
    "rep_id_number": ("法定代表人证件号码", "Legal representative's ID number"),
    "validity": ("证件有效期限", "ID validity"),
    "validity_five_years": ("5年", "5 years"),
    "validity_ten_years": ("10年", "10 years"),
    "validity_twenty_years": ("20年", "20 years"),
    "validity_long_term": ("长期有效", "Long-term"),
    "valid_from": ("身份证有效开始日期", "ID valid from"),
    "valid_until": (
        "身份证有效结束日期（选填，按有效期限计算）",
        "ID valid until (optional, follows from the validity)",
    ),
    "next": ("下一步", "Next"),
    "code_sent_to": (
        "验证码已发送至预留手机 {phone}",
        "A code was sent to the reserved phone {phone}",
    ),
    "resend": ("重新获取验证码", "Send a new code"),
    "login_name": ("单位账号名", "Account name"),
    "login_name_hint": (
        "可保留当前账号名，或改为 8–20 个字符（字母开头，字母、数字、下划线）",
        "Keep the current name, or choose 8–20 letters, digits or _ starting with a letter",
    ),
    "activate": ("激活", "Activate"),
    "done_title": ("激活成功", "Activated"),
    "done": (
        "单位账号“{login_name}”已激活，请使用法人登录。",
        "The unit account “{login_name}” is active; log in as a legal person.",
    ),
    "restart": ("重新开始", "Start again"),
}
_CONFIRM_FIELDS = frozenset(
    {
        "legalPersonType",
        "unitName",
        "uscc",
        "legalRepresentativeName",
        "idType",
        "idNumber",
        "idValidity",
        "idValidFrom",
        "idValidUntil",
        "captchaAnswer",
    }
)
_CODE_FIELDS = frozenset({"smsCode", "captchaAnswer"})
_ACCOUNT_FIELDS = frozenset({"loginName", "password", "passwordConfirm"})
_FLOW_CODES = frozenset({"ACTIVATION_FLOW_UNKNOWN", "FLOW_EXPIRED", "INVALID_STATE"})


class ActivationTexts:
    def __init__(self, locale: Locale) -> None:
        self._index = 0 if locale == "zh-CN" else 1

    def __getattr__(self, name: str) -> str:
        return ACTIVATION_TEXTS[name][self._index]


def activation_link(locale: Locale) -> tuple[str, str]:
    """Where the login page sends a unit that is pending activation, and the link's text."""
    return "/activate?" + urlencode({"lang": locale}), ActivationTexts(locale).activate_link


def _choice(kind: type[E], form: Mapping[str, str], name: str, bad: list[FieldError]) -> E | None:
    value = form.get(name, "")
    try:
        return kind(value) if value else None
    except ValueError:
        bad.append(FieldError(name, "INVALID_FORMAT"))
        return None


def _date(form: Mapping[str, str], name: str, bad: list[FieldError]) -> date | None:
    value = form.get(name, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        bad.append(FieldError(name, "INVALID_FORMAT"))
        return None


def confirm_input(form: Mapping[str, str], bad: list[FieldError]) -> ConfirmUnit:
    """The step-1 input the form describes; untypable values go to ``bad``."""
    return ConfirmUnit(
        legal_person_type=_choice(LegalPersonType, form, "legalPersonType", bad),
        unit_name=form.get("unitName", ""),
        uscc=form.get("uscc", ""),
        legal_representative_name=form.get("legalRepresentativeName", ""),
        id_type=_choice(IdType, form, "idType", bad),
        id_number=form.get("idNumber", ""),
        validity=_choice(ValidityPeriod, form, "idValidity", bad),
        id_valid_from=_date(form, "idValidFrom", bad),
        id_valid_until=_date(form, "idValidUntil", bad),
        captcha_id=form.get("captchaId") or None,
        captcha_answer=form.get("captchaAnswer", ""),
    )


def activation_routes(services: Container) -> list[Route]:
    secure = services.settings.public_url.startswith("https://")
    csrf = CsrfTokens(services.hasher, secure=secure)

    def address(request: Request) -> str:
        return request_address(request, services.proxies)

    def explain(exc: DomainError, on_form: frozenset[str], locale: Locale) -> dict[str, Any]:
        causes = exc.errors if isinstance(exc, ValidationFailed) else [exc.primary()]
        errors: dict[str, list[str]] = {}
        general: list[str] = []
        if isinstance(exc, ValidationFailed):
            general.append(services.translate(exc.code, locale))
        for cause in causes:
            message = services.translate(cause.code, locale, **cause.params)
            if cause.field in on_form:
                errors.setdefault(cause.field, []).append(message)
            else:
                general.append(message)
        return {
            "errors": errors,
            "general": general,
            "status": 429 if isinstance(exc, RateLimited) else 400,
        }

    async def page(
        request: Request,
        locale: Locale,
        step: str,
        *,
        values: Mapping[str, str] | None = None,
        errors: dict[str, list[str]] | None = None,
        general: list[str] | None = None,
        status: int = 200,
        flow: ActivationStep | None = None,
        notice: str | None = None,
    ) -> Response:
        texts = Texts(locale)
        captcha = None
        if step in ("confirm", "code"):
            try:
                captcha = await services.captcha.issue(address(request))
            except RateLimited as exc:
                general = [*(general or []), services.translate(exc.code, locale, **exc.params)]
                status = 429
        token = csrf.token_for(request)
        response = render(
            request,
            "activate.html",
            locale,
            status,
            a=ActivationTexts(locale),
            step=step,
            flow=flow,
            values=values or {},
            errors=errors or {},
            general=general or [],
            notice=notice,
            captcha=captcha,
            csrf_token=token,
            restart_url="/activate?" + urlencode({"lang": locale}),
            legal_person_types=[
                (kind.value, getattr(texts, f"lpt_{kind.value}")) for kind in LegalPersonType
            ],
            id_types=[(kind.value, getattr(texts, f"id_type_{kind.value}")) for kind in IdType],
            validities=[
                (period.value, getattr(ActivationTexts(locale), f"validity_{period.value}"))
                for period in ValidityPeriod
            ],
        )
        csrf.remember(response, token)
        return response

    async def show(request: Request) -> Response:
        locale = page_locale(request)
        values = {"legalPersonType": "enterprise", "idType": IdType.RESIDENT_ID_CARD.value}
        return await page(request, locale, "confirm", values=values)

    async def submit(request: Request) -> Response:
        posted = await request.form()
        form = {key: value for key, value in posted.items() if isinstance(value, str)}
        locale = page_locale(request, form.get("lang"))
        step = form.get("step", "confirm")
        step = step if step in ("confirm", "code", "resend", "account") else "confirm"
        kept = {key: form[key] for key in _CONFIRM_FIELDS - {"captchaAnswer"} if key in form}
        current = None
        if step != "confirm":
            try:
                current = await services.activation.current(form.get("flowId", ""))
            except DomainError as exc:
                return await page(request, locale, "confirm", **explain(exc, frozenset(), locale))
        shown = "account" if step == "account" else "code" if current else "confirm"
        if not csrf.is_valid(request, form.get("csrf_token")):
            general = [Texts(locale).csrf]
            return await page(
                request, locale, shown, values=kept, flow=current, general=general, status=403
            )
        bad: list[FieldError] = []
        typed = confirm_input(form, bad)
        differ = step == "account" and form.get("password", "") != form.get("passwordConfirm", "")
        if bad or differ:
            refused = explain(ValidationFailed(bad), _CONFIRM_FIELDS, locale)
            if differ:
                refused["errors"]["passwordConfirm"] = [Texts(locale).password_mismatch]
            values = {**kept, "loginName": form.get("loginName", "")}
            return await page(request, locale, shown, values=values, flow=current, **refused)
        activation = ActivationRequest(
            flow_id=form.get("flowId") if step != "confirm" else None,
            confirm=typed,
            resend=step == "resend",
            sms_code=form.get("smsCode") if step == "code" else None,
            login_name=form.get("loginName") if step == "account" else None,
            password=form.get("password") if step == "account" else None,
        )
        try:
            result = await services.activation.advance(
                activation, AuditContext(client_ip=address(request)), locale
            )
        except DomainError as exc:
            if exc.primary().code in _FLOW_CODES:
                return await page(request, locale, "confirm", **explain(exc, frozenset(), locale))
            fields = {"confirm": _CONFIRM_FIELDS, "account": _ACCOUNT_FIELDS}.get(
                shown, _CODE_FIELDS
            )
            refused = explain(exc, fields, locale)
            values = {**kept, "loginName": form.get("loginName", "")}
            return await page(request, locale, shown, values=values, flow=current, **refused)
        a = ActivationTexts(locale)
        if result.state == ActivationState.ACTIVATED:
            return render(
                request,
                "message.html",
                locale,
                200,
                heading=a.done_title,
                message=a.done.format(login_name=result.login_name),
                link_url="/login?" + urlencode({"kind": "enterprise", "lang": locale}),
                link_text=Texts(locale).go_login,
            )
        if result.state == ActivationState.PHONE_PROVED:
            values = {"loginName": result.login_name}
            return await page(request, locale, "account", values=values, flow=result)
        notice = a.code_sent_to.format(phone=result.masked_phone)
        return await page(request, locale, "code", flow=result, notice=notice)

    return [Route("/activate", show, methods=["GET"]), Route("/activate", submit, methods=["POST"])]
