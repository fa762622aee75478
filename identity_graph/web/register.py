"""The registration pages (SPEC §2.1, §2.2, §3): residents at ``/register``, legal persons
(法人注册, seed 004 §二) at ``/register?kind=enterprise``; two steps, usable without JavaScript.

Step 1 proves the phone can be reached: mobile number and image captcha go to
``SmsCodeService.request`` (what ``requestSmsCode(purpose: REGISTER)`` calls). Step 2
carries the phone forward with the rest of the form to
``RegistrationService.register_natural_person`` or ``register_enterprise`` (what
``registerNaturalPerson`` / ``registerEnterprise`` call).
No server state joins the steps: the code is bound to the phone, so a phone changed
between them only earns ``SMS_CODE_NOT_REQUESTED``.

The page checks nothing the services check. It only turns form text into typed input
(enum members, ISO dates), as GraphQL's input coercion does, and compares the repeated
password, which never reaches a service. Every field error comes in one answer: when a
choice or date cannot be typed, or the passwords differ, the service still checks the
rest of the form (``RegistrationService.field_errors``, which writes nothing), so an empty
submit flags every required field at once. Form fields are named by the input paths the
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
from identity_graph.accounts.enums import LegalPersonType, UnitRegion
from identity_graph.accounts.forms import DocumentInput
from identity_graph.accounts.inputs import (
    Credentials,
    EnterpriseRegistration,
    LegalRepresentativeInput,
    NaturalPersonRegistration,
    UnitInput,
)
from identity_graph.challenges.models import SmsPurpose
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError, FieldError, RateLimited, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.ids.types import REGION_OF, IdType, RegionType
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.login import safe_return_to
from identity_graph.web.pages import Texts, page_locale, render, request_address

E = TypeVar("E", bound=StrEnum)
Errors = dict[str, list[str]]

_PHONE_FIELDS = frozenset({"phone", "captchaAnswer"})
_PASSWORDS = frozenset({"credentials.password", "passwordConfirm"})
_CREDENTIAL_FIELDS = _PASSWORDS | {
    "credentials.loginName",
    "credentials.phone",
    "credentials.email",
    "credentials.smsCode",
    "credentials.pledgeAccepted",
    "credentials.pledgeVersion",
}
_DOCUMENT = ("idType", "idNumber", "idValidFrom", "idValidUntil", "idLongTerm")
_DETAIL_FIELDS = _CREDENTIAL_FIELDS | {"realName", "regionType", *_DOCUMENT}
_REP = "legalRepresentative."
_UNIT_DETAIL_FIELDS = _CREDENTIAL_FIELDS | {
    "unit.name",
    "unit.regionType",
    "unit.legalPersonType",
    "unit.uscc",
    "unit.unitIdentifier",
    "unit.address",
    "unit.foundingDate",
    f"{_REP}name",
    *(_REP + name for name in _DOCUMENT),
}
_FIELDS = {"natural_person": _DETAIL_FIELDS, "enterprise": _UNIT_DETAIL_FIELDS}


def _choice(kind: type[E], form: Mapping[str, str], name: str, bad: list[FieldError]) -> E:
    """The chosen member; on an empty or unknown choice the error, and a stand-in member
    so the rest of the form can still be checked (the service leaves the stand-in out)."""
    value = form.get(name, "")
    try:
        return kind(value)
    except ValueError:
        bad.append(FieldError(name, "INVALID_FORMAT" if value else "REQUIRED"))
        return next(iter(kind))


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


def _document(form: Mapping[str, str], bad: list[FieldError], prefix: str = "") -> DocumentInput:
    id_type = _choice(IdType, form, f"{prefix}idType", bad)
    valid_from = _date(form, f"{prefix}idValidFrom", bad)
    valid_until = _date(form, f"{prefix}idValidUntil", bad)
    long_term = form.get(f"{prefix}idLongTerm") == "yes"
    return DocumentInput(
        id_type, form.get(f"{prefix}idNumber", ""), valid_from, valid_until, long_term
    )


def _credentials(form: Mapping[str, str]) -> Credentials:
    return Credentials(
        login_name=form.get("credentials.loginName", ""),
        password=form.get("credentials.password", ""),
        phone=form.get("credentials.phone", ""),
        sms_code=form.get("credentials.smsCode", ""),
        email=form.get("credentials.email") or None,
        pledge_version=form.get("credentials.pledgeVersion", ""),
        pledge_accepted=form.get("credentials.pledgeAccepted") == "yes",
    )


def registration_input(
    form: Mapping[str, str],
) -> tuple[NaturalPersonRegistration, list[FieldError]]:
    """The typed registration the form describes and the fields that could not be typed
    (stand-ins in the registration: see ``_choice``)."""
    bad: list[FieldError] = []
    region = _choice(RegionType, form, "regionType", bad)
    document = _document(form, bad)
    return NaturalPersonRegistration(
        _credentials(form),
        real_name=form.get("realName", ""),
        region_type=region,
        document=document,
    ), bad


def enterprise_input(form: Mapping[str, str]) -> tuple[EnterpriseRegistration, list[FieldError]]:
    """The unit registration the form describes (seed 004 §二) and the untypable fields."""
    bad: list[FieldError] = []
    region = _choice(UnitRegion, form, "unit.regionType", bad)
    legal_type = _choice(LegalPersonType, form, "unit.legalPersonType", bad)
    founded = _date(form, "unit.foundingDate", bad)
    document = _document(form, bad, _REP)
    unit = UnitInput(
        name=form.get("unit.name", ""),
        region_type=region,
        legal_person_type=legal_type,
        address=form.get("unit.address", ""),
        uscc=form.get("unit.uscc") or None,
        unit_identifier=form.get("unit.unitIdentifier") or None,
        founding_date=founded,
    )
    representative = LegalRepresentativeInput(name=form.get(f"{_REP}name", ""), document=document)
    return EnterpriseRegistration(_credentials(form), unit, representative), bad


def _kind(request: Request) -> str:
    return "enterprise" if request.query_params.get("kind") == "enterprise" else "natural_person"


def register_routes(services: Container) -> list[Route]:
    settings = services.settings
    secure = settings.public_url.startswith("https://")
    csrf = CsrfTokens(services.hasher, secure=secure)

    def address(request: Request) -> str:
        return request_address(request, services.proxies)

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
        kind: str,
        *,
        errors: Errors | None = None,
        general: list[str] | None = None,
        status: int = 200,
        **context: Any,
    ) -> Response:
        token = csrf.token_for(request)
        base = {"return_to": return_to, "lang": locale}
        mine = {"kind": kind} if kind == "enterprise" else {}
        response = render(
            request,
            "register.html",
            locale,
            status,
            step=step,
            kind=kind,
            csrf_token=token,
            action="/register?" + urlencode({"return_to": return_to, **mine}),
            restart_url="/register?" + urlencode({**base, **mine}),
            login_url="/login?" + urlencode({**base, **mine}),
            errors=errors or {},
            general=general or [],
            **context,
        )
        csrf.remember(response, token)
        return response

    async def phone_step(
        request: Request,
        locale: Locale,
        return_to: str,
        kind: str,
        phone: str = "",
        **context: Any,
    ) -> Response:
        try:
            captcha = await services.captcha.issue(address(request))
        except RateLimited as exc:
            context.update(refusal(exc, _PHONE_FIELDS, locale))
            captcha = None
        return page(
            request,
            locale,
            return_to,
            "phone",
            kind,
            values={"phone": phone},
            captcha=captcha,
            **context,
        )

    def details_step(
        request: Request,
        locale: Locale,
        return_to: str,
        kind: str,
        values: dict[str, str],
        **context: Any,
    ) -> Response:
        texts = Texts(locale)
        current = pledge.CURRENT
        return page(
            request,
            locale,
            return_to,
            "details",
            kind,
            values=values,
            unit_regions=[(r.value, getattr(texts, f"unit_region_{r.value}")) for r in UnitRegion],
            legal_person_types=[
                (t.value, getattr(texts, f"lpt_{t.value}")) for t in LegalPersonType
            ],
            regions=[(region.value, _region_label(texts, region)) for region in RegionType],
            id_types=_id_type_groups(texts),
            pledge_version=current.version,
            pledge_text=current.text_zh if locale == "zh-CN" else current.text_en,
            **context,
        )

    async def show(request: Request) -> Response:
        return_to = safe_return_to(request.query_params.get("return_to"))
        return await phone_step(request, page_locale(request), return_to, _kind(request))

    async def send_code(
        request: Request, form: dict[str, str], locale: Locale, return_to: str, kind: str
    ) -> Response:
        phone = form.get("phone", "")
        if not csrf.is_valid(request, form.get("csrf_token")):
            general = [Texts(locale).csrf]
            return await phone_step(
                request, locale, return_to, kind, phone, general=general, status=403
            )
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
            return await phone_step(request, locale, return_to, kind, phone, **refused)
        notice = services.translate("SMS_CODE_SENT", locale)
        values = {"credentials.phone": phone}
        if kind == "enterprise":  # the form's defaults: a domestic enterprise (企业法人)
            values.update({"unit.regionType": "domestic", "unit.legalPersonType": "enterprise"})
        return details_step(request, locale, return_to, kind, values, notice=notice)

    async def register(
        request: Request, form: dict[str, str], locale: Locale, return_to: str, kind: str
    ) -> Response:
        fields = _FIELDS[kind]
        values = {key: form[key] for key in fields - _PASSWORDS if key in form}
        texts = Texts(locale)
        if not csrf.is_valid(request, form.get("csrf_token")):
            return details_step(
                request, locale, return_to, kind, values, general=[texts.csrf], status=403
            )
        typed: NaturalPersonRegistration | EnterpriseRegistration
        typed, bad = registration_input(form) if kind != "enterprise" else enterprise_input(form)
        mismatch = form.get("credentials.password", "") != form.get("passwordConfirm", "")
        if bad or mismatch:
            # Every field error in this one answer: the service checks the rest of the form
            # (without writing anything) as it would on registering.
            untyped = {cause.field for cause in bad}
            bad = [*bad, *services.registration.field_errors(typed, untyped)]
        errors, _ = explain(bad, fields, locale)
        if mismatch:
            errors.setdefault("passwordConfirm", []).append(texts.password_mismatch)
        if errors:
            general = [services.translate("VALIDATION_FAILED", locale)]
            return details_step(
                request, locale, return_to, kind, values, errors=errors, general=general, status=400
            )
        context = AuditContext(client_ip=address(request))
        try:
            if isinstance(typed, EnterpriseRegistration):
                result = await services.registration.register_enterprise(typed, context, locale)
            else:
                result = await services.registration.register_natural_person(typed, context, locale)
        except DomainError as exc:
            refused = refusal(exc, fields, locale)
            return details_step(request, locale, return_to, kind, values, **refused)
        mine = {"kind": kind} if kind == "enterprise" else {}
        login_url = "/login?" + urlencode({"return_to": return_to, "lang": locale, **mine})
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
        return await step(request, form, locale, return_to, _kind(request))

    return [Route("/register", show, methods=["GET"]), Route("/register", submit, methods=["POST"])]
