"""The resident registration page (SPEC §2.1, §3): two steps, usable without JavaScript.

Step 1 proves the phone can be reached: mobile number and image captcha go to
``SmsCodeService.request`` (what ``requestSmsCode(purpose: REGISTER)`` calls). Step 2
carries the phone forward with the rest of the form to
``RegistrationService.register_natural_person`` (what ``registerNaturalPerson`` calls).
No server state joins the steps: the code is bound to the phone, so a phone changed
between them only earns ``SMS_CODE_NOT_REQUESTED``.

The page checks nothing the services check. It only turns form text into typed input
(enum members, ISO dates), as GraphQL's input coercion does, and compares the repeated
password, which never reaches a service. Form fields are named by the input paths the
services name in their errors (``credentials.loginName``, ``idNumber``, ``captchaAnswer``:
the GraphQL input names), so every error lands next to its field without a mapping table;
an error without a field on the form (``REGISTRATION_CONFLICT``, rate limits) shows above
it. Entered values come back on error, passwords never.

```mermaid
stateDiagram-v2
    [*] --> phone: GET /register
    phone --> phone: bad captcha or number, rate limited (errors shown)
    phone --> details: SMS code sent to the number
    details --> details: invalid fields, wrong code, conflict (values kept, passwords not)
    details --> phone: "request a new code"
    details --> registered: account created (201), link to /login?return_to=...
```

``return_to`` rides in the form's action URL, not in a hidden field, so that the language
switch of a page rendered after a POST (built from the request URL) keeps it. It is
checked by ``safe_return_to`` and handed to ``/login`` on success: a partner-site user
registers, then continues the single sign-on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.accounts import pledge
from identity_graph.accounts.forms import DocumentInput
from identity_graph.accounts.inputs import Credentials, NaturalPersonRegistration
from identity_graph.challenges.models import SmsPurpose
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError, FieldError, RateLimited, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.ids.types import REGION_OF, IdType, RegionType
from identity_graph.web import csrf
from identity_graph.web.login import safe_return_to
from identity_graph.web.pages import Texts, page_locale, render, request_address

E = TypeVar("E", bound=StrEnum)
Errors = dict[str, list[str]]

_PHONE_FIELDS = frozenset({"phone", "captchaAnswer"})
_PASSWORDS = frozenset({"credentials.password", "passwordConfirm"})
_DETAIL_FIELDS = _PASSWORDS | {
    "credentials.loginName",
    "credentials.phone",
    "credentials.email",
    "credentials.smsCode",
    "credentials.pledgeAccepted",
    "credentials.pledgeVersion",
    "realName",
    "regionType",
    "idType",
    "idNumber",
    "idValidFrom",
    "idValidUntil",
    "idLongTerm",
}


def _choice(kind: type[E], form: Mapping[str, str], name: str, bad: list[FieldError]) -> E | None:
    value = form.get(name, "")
    try:
        return kind(value)
    except ValueError:
        bad.append(FieldError(name, "INVALID_FORMAT" if value else "REQUIRED"))
        return None


def _date(form: Mapping[str, str], name: str, bad: list[FieldError]) -> date | None:
    value = form.get(name, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        bad.append(FieldError(name, "INVALID_FORMAT"))
        return None


def _region_label(texts: Texts, region: RegionType) -> str:
    return getattr(texts, f"region_{region.value}")


def _id_type_groups(texts: Texts) -> list[tuple[str, list[tuple[str, str]]]]:
    """ID types grouped by the region they belong to (SPEC §4.3), for ``<optgroup>``s."""
    return [
        (
            _region_label(texts, region),
            [
                (kind.value, getattr(texts, f"id_type_{kind.value}"))
                for kind in IdType
                if REGION_OF[kind] is region
            ],
        )
        for region in RegionType
    ]


def registration_input(
    form: Mapping[str, str],
) -> tuple[NaturalPersonRegistration | None, list[FieldError]]:
    """The typed registration the form describes, or the fields that cannot be typed."""
    bad: list[FieldError] = []
    region = _choice(RegionType, form, "regionType", bad)
    id_type = _choice(IdType, form, "idType", bad)
    valid_from = _date(form, "idValidFrom", bad)
    valid_until = _date(form, "idValidUntil", bad)
    if region is None or id_type is None or bad:
        return None, bad
    credentials = Credentials(
        login_name=form.get("credentials.loginName", ""),
        password=form.get("credentials.password", ""),
        phone=form.get("credentials.phone", ""),
        sms_code=form.get("credentials.smsCode", ""),
        email=form.get("credentials.email") or None,
        pledge_version=form.get("credentials.pledgeVersion", ""),
        pledge_accepted=form.get("credentials.pledgeAccepted") == "yes",
    )
    document = DocumentInput(
        id_type, form.get("idNumber", ""), valid_from, valid_until, form.get("idLongTerm") == "yes"
    )
    return NaturalPersonRegistration(
        credentials, real_name=form.get("realName", ""), region_type=region, document=document
    ), []


def register_routes(services: Container) -> list[Route]:
    settings = services.settings
    secure = settings.public_url.startswith("https://")

    def address(request: Request) -> str:
        return request_address(request, settings.trust_forwarded_for)

    def explain(
        causes: Iterable[FieldError], on_form: frozenset[str], locale: Locale
    ) -> tuple[Errors, list[str]]:
        """Each cause in the page's language, by form field, or above the form."""
        errors: Errors = {}
        general: list[str] = []
        for cause in causes:
            message = services.translate(cause.code, locale, **cause.params)
            if cause.field in on_form:
                errors.setdefault(cause.field, []).append(message)
            else:
                general.append(message)
        return errors, general

    def refusal(exc: DomainError, on_form: frozenset[str], locale: Locale) -> dict[str, Any]:
        causes = exc.errors if isinstance(exc, ValidationFailed) else [exc.primary()]
        errors, general = explain(causes, on_form, locale)
        if isinstance(exc, ValidationFailed):
            general.insert(0, services.translate(exc.code, locale))
        status = 429 if isinstance(exc, RateLimited) else 400
        return {"errors": errors, "general": general, "status": status}

    def page(
        request: Request,
        locale: Locale,
        return_to: str,
        step: str,
        *,
        errors: Errors | None = None,
        general: list[str] | None = None,
        status: int = 200,
        **context: Any,
    ) -> Response:
        token = csrf.token_for(request)
        base = {"return_to": return_to, "lang": locale}
        response = render(
            request,
            "register.html",
            locale,
            status,
            step=step,
            csrf_token=token,
            action="/register?" + urlencode({"return_to": return_to}),
            restart_url="/register?" + urlencode(base),
            login_url="/login?" + urlencode(base),
            errors=errors or {},
            general=general or [],
            **context,
        )
        csrf.remember(response, token, secure)
        return response

    async def phone_step(
        request: Request, locale: Locale, return_to: str, phone: str = "", **context: Any
    ) -> Response:
        try:
            captcha = await services.captcha.issue(address(request))
        except RateLimited as exc:
            context.update(refusal(exc, _PHONE_FIELDS, locale))
            captcha = None
        return page(
            request, locale, return_to, "phone", values={"phone": phone}, captcha=captcha, **context
        )

    def details_step(
        request: Request, locale: Locale, return_to: str, values: dict[str, str], **context: Any
    ) -> Response:
        texts = Texts(locale)
        current = pledge.CURRENT
        return page(
            request,
            locale,
            return_to,
            "details",
            values=values,
            regions=[(region.value, _region_label(texts, region)) for region in RegionType],
            id_types=_id_type_groups(texts),
            pledge_version=current.version,
            pledge_text=current.text_zh if locale == "zh-CN" else current.text_en,
            **context,
        )

    async def show(request: Request) -> Response:
        return_to = safe_return_to(request.query_params.get("return_to"))
        return await phone_step(request, page_locale(request), return_to)

    async def send_code(
        request: Request, form: dict[str, str], locale: Locale, return_to: str
    ) -> Response:
        phone = form.get("phone", "")
        if not csrf.is_valid(request, form.get("csrf_token")):
            general = [Texts(locale).csrf]
            return await phone_step(request, locale, return_to, phone, general=general, status=403)
        try:
            await services.sms.request(
                SmsPurpose.REGISTER,
                phone,
                form.get("captchaId") or None,
                form.get("captchaAnswer", ""),
                client_ip=address(request),
                locale=locale,
            )
        except DomainError as exc:
            refused = refusal(exc, _PHONE_FIELDS, locale)
            return await phone_step(request, locale, return_to, phone, **refused)
        notice = services.translate("SMS_CODE_SENT", locale)
        return details_step(request, locale, return_to, {"credentials.phone": phone}, notice=notice)

    async def register(
        request: Request, form: dict[str, str], locale: Locale, return_to: str
    ) -> Response:
        values = {key: form[key] for key in _DETAIL_FIELDS - _PASSWORDS if key in form}
        texts = Texts(locale)
        if not csrf.is_valid(request, form.get("csrf_token")):
            return details_step(
                request, locale, return_to, values, general=[texts.csrf], status=403
            )
        registration, bad = registration_input(form)
        errors, _ = explain(bad, _DETAIL_FIELDS, locale)
        if form.get("credentials.password", "") != form.get("passwordConfirm", ""):
            errors.setdefault("passwordConfirm", []).append(texts.password_mismatch)
        if registration is None or errors:
            general = [services.translate("VALIDATION_FAILED", locale)]
            return details_step(
                request, locale, return_to, values, errors=errors, general=general, status=400
            )
        try:
            result = await services.registration.register_natural_person(
                registration, AuditContext(client_ip=address(request)), locale
            )
        except DomainError as exc:
            refused = refusal(exc, _DETAIL_FIELDS, locale)
            return details_step(request, locale, return_to, values, **refused)
        login_url = "/login?" + urlencode({"return_to": return_to, "lang": locale})
        return render(
            request,
            "message.html",
            locale,
            201,
            heading=texts.registered_title,
            message=texts.registered.format(login_name=result.account.login_name),
            link_url=login_url,
            link_text=texts.go_login,
        )

    async def submit(request: Request) -> Response:
        posted = await request.form()
        form = {key: value for key, value in posted.items() if isinstance(value, str)}
        locale = page_locale(request, form.get("lang"))
        return_to = safe_return_to(request.query_params.get("return_to"))
        step = register if form.get("step") == "details" else send_code
        return await step(request, form, locale, return_to)

    return [Route("/register", show, methods=["GET"]), Route("/register", submit, methods=["POST"])]
