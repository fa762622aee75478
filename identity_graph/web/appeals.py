"""Appeal pages without JavaScript (SPEC §6.1, seed 002 §3.1.2/§3.2.2), zh-CN and English.

``/appeals/new`` lists the five kinds; ``/appeals/new?kind=…`` proves the phone (captcha,
SMS code for purpose APPEAL) and then takes the kind's form with its uploads (multipart) to
``AppealService.submit`` — what ``submitAppeal`` calls. ``/appeals/status`` looks an appeal
up by number and phone (``appealStatus``). ``/appeals/reset/{token}`` is the page the
approval SMS links to, where the person sets the new password. The authorisation letter
template is ``/appeals/authorisation-letter.docx``.

```mermaid
stateDiagram-v2
    [*] --> kinds: GET /appeals/new
    kinds --> phone: choose a kind
    phone --> phone: bad captcha / number (errors shown)
    phone --> details: SMS code sent
    details --> details: invalid fields or files (values kept, files chosen again)
    details --> submitted: 201, the appeal number and a link to the status page
    [*] --> status: GET/POST /appeals/status
    [*] --> reset: GET /appeals/reset/{token} (from the SMS)
    reset --> reset: password refused by the policy / not repeated
    reset --> done: password set, link spent, sessions ended
```

Fields are named by the GraphQL input names, so the services' errors land next to them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.accounts.enums import LegalPersonType
from identity_graph.challenges.models import SmsPurpose
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError, FieldError, RateLimited, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.files.service import DocumentKind
from identity_graph.ids.types import IdType, RegionType
from identity_graph.recovery.appeals.forms import REQUIRED_MATERIALS, AppealForm, material_label
from identity_graph.recovery.appeals.models import Appeal, AppealKind
from identity_graph.recovery.appeals.service import Material
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import Texts, page_locale, render, request_address

E = TypeVar("E", bound=StrEnum)

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("申诉", "Appeals"),
    "choose_kind": ("请选择申诉类型", "Choose the kind of appeal"),
    "kind_person_password": ("自然人申诉找回密码", "Resident: recover the password"),
    "kind_unit_password": ("单位法人用户申诉找回密码", "Unit: recover the password"),
    "kind_assisted_registration": ("辅助企业注册申诉", "Assisted enterprise registration"),
    "kind_modify_enterprise": ("修改企业信息申诉", "Modify enterprise information"),
    "kind_identity_change": ("变更实名身份申诉", "Change of real-name identity"),
    "hint_person_password": (
        "当您忘记登录名或预留手机号时，可通过填写用户信息并上传有效身份证件进行申诉重置密码",
        "Forgot your login name or lost your phone: enter your details and upload your ID",
    ),
    "hint_unit_password": (
        "当您忘记登录名或预留手机号时，可通过填写单位信息并上传有效身份证件进行申诉重置密码",
        "A unit that forgot its login name or lost its phone: enter the unit and upload IDs",
    ),
    "hint_assisted_registration": (
        "自助注册时法人信息核验不通过，可提交材料由审核员协助注册",
        "Self-registration failed on the legal person check: a reviewer registers the unit",
    ),
    "hint_modify_enterprise": (
        "已注册但无法自行修改手机号或法人信息",
        "Registered, but the phone or legal person data cannot be changed online",
    ),
    "hint_identity_change": (
        "已实名账号须变更姓名或证件号码",
        "A verified account must change its name or ID number",
    ),
    "step_phone": (
        "第一步：验证手机号码（申诉结果将发送至该号码）",
        "Step 1: verify the phone (the result is sent there)",
    ),
    "step_details": ("第二步：填写信息并上传材料", "Step 2: details and materials"),
    "materials": ("上传材料", "Materials"),
    "materials_hint": (
        "支持 jpg、jpeg、png、pdf 格式（授权书另支持 doc、docx、xls、xlsx），证件扫描件不超过 1MB，"
        "其他文件不超过 5MB；证件需签字上传",
        "jpg, jpeg, png or pdf (the authorisation letter also doc, docx, xls, xlsx); ID scans at"
        " most 1 MB, other files 5 MB; sign the ID copies",
    ),
    "template_link": ("下载申诉授权书模板", "Download the authorisation letter template"),
    "optional": ("（选填）", " (optional)"),
    "remark": ("备注（不超过 150 字）", "Remark (at most 150 characters)"),
    "unit_name": ("单位全称", "Full unit name"),
    "legal_person_type": ("法人类型", "Legal-person type"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "agent_region_type": ("主代办人身份类型", "Main agent's region"),
    "agent_id_type": ("主代办人证件类型", "Main agent's ID type"),
    "agent_id_number": ("主代办人证件号码", "Main agent's ID number"),
    "rep_name": ("法定代表人姓名", "Legal representative's name"),
    "rep_id_type": ("法定代表人证件类型", "Legal representative's ID type"),
    "rep_id_number": ("法定代表人证件号码", "Legal representative's ID number"),
    "account_name": ("账号名（8–20 位，字母开头）", "Account name (8–20, starting with a letter)"),
    "new_real_name": ("新姓名", "New name"),
    "new_id_number": ("新证件号码", "New ID number"),
    "submit": ("提交申诉", "Submit the appeal"),
    "submitted_title": ("申诉已提交", "Appeal submitted"),
    "submitted": (
        "申诉编号：{number}。请妥善保存，审核结果将以短信通知，预计 {due} 前完成审核。",
        "Appeal number: {number}. Keep it; the result comes by SMS, due by {due}.",
    ),
    "status_title": ("申诉进度查询", "Appeal status"),
    "status_link": ("查询申诉进度", "Check an appeal's status"),
    "number": ("申诉编号", "Appeal number"),
    "query": ("查询", "Look up"),
    "status_label": ("审核状态", "Status"),
    "status_submitted": ("已提交，等待审核", "Submitted, waiting for a reviewer"),
    "status_in_review": ("审核中", "In review"),
    "status_approved": ("审核通过", "Approved"),
    "status_rejected": ("未通过", "Rejected"),
    "due_on": ("预计完成日期", "Due by"),
    "reasons": ("驳回原因", "Reasons"),
    "reset_title": ("设置新密码", "Set a new password"),
    "reset_intro": ("账号：{login_name}", "Account: {login_name}"),
    "reset_submit": ("确认", "Confirm"),
    "reset_done": (
        "新密码已设置，所有设备上的登录已退出，请使用新密码登录。",
        "The new password is set and every session ended; log in with it.",
    ),
    "reset_invalid_title": ("链接无效", "Invalid link"),
    "go_login": ("去登录", "Log in"),
    "new_appeal": ("提出申诉", "File an appeal"),
}

LETTER_TEXT = (
    "申诉授权书",
    "",
    "本单位（单位全称：__________，统一社会信用代码：__________）现授权",
    "__________（证件类型：______，证件号码：__________）代表本单位向统一身份认证平台提出申诉，",
    "办理（□辅助企业注册 □修改企业信息 □找回密码）事项。",
    "",
    "法定代表人（签字）：__________",
    "单位（盖章）：",
    "日期：____年__月__日",
)

_PERSON = ("realName", "regionType", "idType", "idNumber")
_UNIT = ("unitName", "legalPersonType", "uscc")
_REP = ("legalRepresentativeName", "legalRepresentativeIdType", "legalRepresentativeIdNumber")
FIELDS: Mapping[AppealKind, tuple[str, ...]] = {
    AppealKind.PERSON_PASSWORD: _PERSON,
    AppealKind.UNIT_PASSWORD: (*_UNIT, "agentRegionType", "agentIdType", "agentIdNumber"),
    AppealKind.ASSISTED_REGISTRATION: (*_UNIT, *_REP, "accountName"),
    AppealKind.MODIFY_ENTERPRISE: (*_UNIT, *_REP),
    AppealKind.IDENTITY_CHANGE: (*_PERSON, "newRealName", "newIdNumber"),
}
_OPTIONAL = frozenset({"newRealName", "newIdNumber"})
_SELECTS = {
    "regionType": "region",
    "agentRegionType": "region",
    "idType": "id_type",
    "agentIdType": "id_type",
    "legalRepresentativeIdType": "id_type",
    "legalPersonType": "lpt",
}
_LABELS = {
    "realName": ("t", "real_name"),
    "regionType": ("t", "region_type"),
    "idType": ("t", "id_type"),
    "idNumber": ("t", "id_number"),
    "unitName": ("a", "unit_name"),
    "legalPersonType": ("a", "legal_person_type"),
    "uscc": ("a", "uscc"),
    "agentRegionType": ("a", "agent_region_type"),
    "agentIdType": ("a", "agent_id_type"),
    "agentIdNumber": ("a", "agent_id_number"),
    "legalRepresentativeName": ("a", "rep_name"),
    "legalRepresentativeIdType": ("a", "rep_id_type"),
    "legalRepresentativeIdNumber": ("a", "rep_id_number"),
    "accountName": ("a", "account_name"),
    "newRealName": ("a", "new_real_name"),
    "newIdNumber": ("a", "new_id_number"),
}


class AppealTexts:
    def __init__(self, locale: Locale) -> None:
        self._index = 0 if locale == "zh-CN" else 1

    def __getattr__(self, name: str) -> str:
        return TEXTS[name][self._index]


def _choice(kind: type[E], form: Mapping[str, str], name: str, bad: list[FieldError]) -> E | None:
    value = form.get(name, "")
    if not value:
        return None  # the service says REQUIRED where the kind needs it
    try:
        return kind(value)
    except ValueError:
        bad.append(FieldError(name, "INVALID_FORMAT"))
        return None


def appeal_form(kind: AppealKind, form: Mapping[str, str]) -> tuple[AppealForm, list[FieldError]]:
    """The typed form the page describes (text to enum members, as GraphQL coerces)."""
    bad: list[FieldError] = []

    def text(name: str) -> str | None:
        return form.get(name) or None

    typed = AppealForm(
        kind=kind,
        phone=form.get("phone", ""),
        sms_code=form.get("smsCode", ""),
        real_name=text("realName"),
        region_type=_choice(RegionType, form, "regionType", bad),
        id_type=_choice(IdType, form, "idType", bad),
        id_number=text("idNumber"),
        unit_name=text("unitName"),
        legal_person_type=_choice(LegalPersonType, form, "legalPersonType", bad),
        uscc=text("uscc"),
        agent_region_type=_choice(RegionType, form, "agentRegionType", bad),
        agent_id_type=_choice(IdType, form, "agentIdType", bad),
        agent_id_number=text("agentIdNumber"),
        legal_rep_name=text("legalRepresentativeName"),
        legal_rep_id_type=_choice(IdType, form, "legalRepresentativeIdType", bad),
        legal_rep_id_number=text("legalRepresentativeIdNumber"),
        account_name=text("accountName"),
        new_real_name=text("newRealName"),
        new_id_number=text("newIdNumber"),
        remark=text("remark"),
    )
    return typed, bad


# Refusals whose message already tells the user to appeal ("请通过申诉…解锁").
APPEAL_CODES = frozenset({"ACCOUNT_LOCKED"})


def appeal_link(code: str, login_kind: str, locale: Locale) -> tuple[str, str] | None:
    """The appeal page to offer under a login refusal that sends the user to appeal."""
    if code not in APPEAL_CODES:
        return None
    kind = AppealKind.UNIT_PASSWORD if login_kind == "enterprise" else AppealKind.PERSON_PASSWORD
    url = "/appeals/new?" + urlencode({"kind": kind.value, "lang": locale})
    return url, AppealTexts(locale).new_appeal


def _slots(kind: AppealKind) -> list[DocumentKind]:
    """The file inputs of a kind's form: its required slots, then one optional other."""
    required = sorted(REQUIRED_MATERIALS[kind] - {DocumentKind.OTHER})
    return [*required, DocumentKind.OTHER]


def authorisation_letter() -> bytes:
    """The 申诉授权书 template as a minimal Office Open XML document."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{line}</w:t></w:r></w:p>' for line in LETTER_TEXT
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def appeal_routes(services: Container) -> list[Route]:
    secure = services.settings.public_url.startswith("https://")
    csrf = CsrfTokens(services.hasher, secure=secure)

    def address(request: Request) -> str:
        return request_address(request, services.proxies)

    def refusal(exc: DomainError, on_form: set[str], locale: Locale) -> dict[str, Any]:
        causes = exc.errors if isinstance(exc, ValidationFailed) else [exc.primary()]
        errors: dict[str, list[str]] = {}
        general = (
            [services.translate(exc.code, locale)] if isinstance(exc, ValidationFailed) else []
        )
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

    def page(
        request: Request, locale: Locale, template: str, status: int = 200, **context: Any
    ) -> Response:
        token = csrf.token_for(request)
        context.setdefault("errors", {})
        context.setdefault("general", [])
        context.setdefault("values", {})
        response = render(
            request, template, locale, status, a=AppealTexts(locale), csrf_token=token, **context
        )
        csrf.remember(response, token)
        return response

    def choices(locale: Locale) -> dict[str, list[tuple[str, str]]]:
        t = Texts(locale)
        return {
            "region": [(r.value, getattr(t, f"region_{r.value}")) for r in RegionType],
            "id_type": [(i.value, getattr(t, f"id_type_{i.value}")) for i in IdType],
            "lpt": [(x.value, getattr(t, f"lpt_{x.value}")) for x in LegalPersonType],
        }

    def fields_of(kind: AppealKind, locale: Locale) -> list[dict[str, Any]]:
        t, a = Texts(locale), AppealTexts(locale)
        options = choices(locale)
        out = []
        for name in FIELDS[kind]:
            source, key = _LABELS[name]
            label = getattr(t if source == "t" else a, key)
            select = _SELECTS.get(name)
            out.append(
                {
                    "name": name,
                    "label": label + (a.optional if name in _OPTIONAL else ""),
                    "options": options[select] if select else None,
                    "required": name not in _OPTIONAL,
                }
            )
        return out

    def slots_of(kind: AppealKind, locale: Locale) -> list[dict[str, Any]]:
        english = locale == "en"
        a = AppealTexts(locale)
        return [
            {
                "name": f"file.{slot.value}",
                "label": material_label(slot, english)
                + (
                    a.optional
                    if slot is DocumentKind.OTHER and slot not in REQUIRED_MATERIALS[kind]
                    else ""
                ),
                "required": slot in REQUIRED_MATERIALS[kind],
            }
            for slot in _slots(kind)
        ]

    def kind_of(request: Request) -> AppealKind | None:
        try:
            return AppealKind(request.query_params.get("kind", ""))
        except ValueError:
            return None

    async def phone_step(
        request: Request, locale: Locale, kind: AppealKind, **context: Any
    ) -> Response:
        try:
            captcha = await services.captcha.issue(address(request))
        except RateLimited as exc:
            context.update(refusal(exc, {"phone", "captchaAnswer"}, locale))
            captcha = None
        return page(
            request, locale, "appeals.html", step="phone", kind=kind, captcha=captcha, **context
        )

    def details_step(
        request: Request, locale: Locale, kind: AppealKind, **context: Any
    ) -> Response:
        return page(
            request,
            locale,
            "appeals.html",
            step="details",
            kind=kind,
            fields=fields_of(kind, locale),
            slots=slots_of(kind, locale),
            **context,
        )

    async def show(request: Request) -> Response:
        locale = page_locale(request)
        kind = kind_of(request)
        if kind is None:
            a = AppealTexts(locale)
            kinds = [
                (k.value, getattr(a, f"kind_{k.value}"), getattr(a, f"hint_{k.value}"))
                for k in AppealKind
            ]
            return page(request, locale, "appeals.html", step="kinds", kinds=kinds, kind=None)
        return await phone_step(request, locale, kind)

    async def send_code(
        request: Request, form: dict[str, str], locale: Locale, kind: AppealKind
    ) -> Response:
        phone = form.get("phone", "")
        values = {"phone": phone}
        if not csrf.is_valid(request, form.get("csrf_token")):
            return await phone_step(
                request, locale, kind, values=values, general=[Texts(locale).csrf], status=403
            )
        try:
            await services.sms.request(
                SmsPurpose.APPEAL,
                phone,
                form.get("captchaId") or None,
                form.get("captchaAnswer", ""),
                client_ip=address(request),
                locale=locale,
            )
        except DomainError as exc:
            return await phone_step(
                request,
                locale,
                kind,
                values=values,
                **refusal(exc, {"phone", "captchaAnswer"}, locale),
            )
        notice = services.translate("SMS_CODE_SENT", locale)
        return details_step(request, locale, kind, values=values, notice=notice)

    async def submit(
        request: Request, posted: Any, form: dict[str, str], locale: Locale, kind: AppealKind
    ) -> Response:
        on_form = {*FIELDS[kind], "phone", "smsCode", "remark"}
        values = {key: form[key] for key in on_form if key in form}
        if not csrf.is_valid(request, form.get("csrf_token")):
            return details_step(
                request, locale, kind, values=values, general=[Texts(locale).csrf], status=403
            )
        typed, bad = appeal_form(kind, form)
        materials: list[Material] = []
        names: list[str] = []
        for slot in _slots(kind):
            upload = posted.get(f"file.{slot.value}")
            if not isinstance(upload, UploadFile) or not upload.filename:
                continue
            limit = services.documents.max_bytes(slot)
            data = await upload.read(limit + 1)
            materials.append(Material(slot, upload.filename, data))
            names.append(f"file.{slot.value}")
        if bad:
            refused = refusal(ValidationFailed(bad), on_form, locale)
            return details_step(request, locale, kind, values=values, **refused)
        try:
            appeal = await services.appeals.submit(
                typed,
                materials,
                applicant_id=None,
                client_ip=address(request),
                context=AuditContext(client_ip=address(request)),
                locale=locale,
            )
        except DomainError as exc:
            if isinstance(exc, ValidationFailed):  # materials.N.file -> the Nth file input
                exc = ValidationFailed([_file_field(e, names) for e in exc.errors])
            refused = refusal(exc, on_form | set(names), locale)
            return details_step(request, locale, kind, values=values, **refused)
        a = AppealTexts(locale)
        return page(
            request,
            locale,
            "message.html",
            201,
            heading=a.submitted_title,
            message=a.submitted.format(number=appeal.number, due=appeal.due_on.isoformat()),
            link_url="/appeals/status?" + urlencode({"lang": locale, "number": appeal.number}),
            link_text=a.status_link,
        )

    async def post_new(request: Request) -> Response:
        posted = await request.form(max_part_size=6 * 1024 * 1024)
        form = {key: value for key, value in posted.items() if isinstance(value, str)}
        locale = page_locale(request, form.get("lang"))
        kind = kind_of(request)
        if kind is None:
            return await show(request)
        if form.get("step") == "details":
            return await submit(request, posted, form, locale, kind)
        return await send_code(request, form, locale, kind)

    def status_page(request: Request, locale: Locale, **context: Any) -> Response:
        return page(request, locale, "appeal_status.html", **context)

    async def status_show(request: Request) -> Response:
        locale = page_locale(request)
        return status_page(
            request, locale, values={"number": request.query_params.get("number", "")}
        )

    async def status_post(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        locale = page_locale(request, form.get("lang"))
        values = {"number": form.get("number", ""), "phone": form.get("phone", "")}
        if not csrf.is_valid(request, form.get("csrf_token")):
            return status_page(
                request, locale, values=values, general=[Texts(locale).csrf], status=403
            )
        try:
            appeal = await services.appeals.status(
                values["number"], values["phone"], client_ip=address(request)
            )
        except DomainError as exc:
            return status_page(request, locale, values=values, **refusal(exc, {"phone"}, locale))
        return status_page(request, locale, values=values, appeal=_receipt(appeal, locale))

    def _receipt(appeal: Appeal, locale: Locale) -> dict[str, Any]:
        a = AppealTexts(locale)
        return {
            "number": appeal.number,
            "kind": getattr(a, f"kind_{appeal.kind.value}"),
            "status": getattr(a, f"status_{appeal.state.value}"),
            "due_on": appeal.due_on.isoformat(),
            "reasons": [services.translate(code, locale) for code in appeal.reasons or []],
        }

    def invalid_link(request: Request, locale: Locale) -> Response:
        a = AppealTexts(locale)
        return page(
            request,
            locale,
            "message.html",
            404,
            heading=a.reset_invalid_title,
            message=services.translate("RESET_LINK_INVALID", locale),
            link_url=f"/appeals/new?lang={locale}",
            link_text=a.new_appeal,
        )

    async def reset_show(request: Request) -> Response:
        locale = page_locale(request)
        try:
            _, account = await services.appeals.open_reset(request.path_params["token"])
        except DomainError:
            return invalid_link(request, locale)
        return page(request, locale, "appeal_reset.html", login_name=account.login_name)

    async def reset_post(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        locale = page_locale(request, form.get("lang"))
        token = request.path_params["token"]
        try:
            _, account = await services.appeals.open_reset(token)
        except DomainError:
            return invalid_link(request, locale)
        if not csrf.is_valid(request, form.get("csrf_token")):
            return page(
                request,
                locale,
                "appeal_reset.html",
                403,
                login_name=account.login_name,
                general=[Texts(locale).csrf],
            )
        try:
            await services.appeals.complete_reset(
                token,
                form.get("password", ""),
                form.get("confirmPassword", ""),
                AuditContext(actor_id=account.id, client_ip=address(request)),
                locale,
            )
        except DomainError as exc:
            refused = refusal(exc, {"password", "confirmPassword"}, locale)
            return page(
                request, locale, "appeal_reset.html", login_name=account.login_name, **refused
            )
        a = AppealTexts(locale)
        kind = "enterprise" if account.kind.value == "enterprise" else "natural_person"
        login = {"lang": locale, **({"kind": kind} if kind == "enterprise" else {})}
        return page(
            request,
            locale,
            "message.html",
            heading=a.reset_title,
            message=a.reset_done,
            link_url="/login?" + urlencode(login),
            link_text=a.go_login,
        )

    async def letter(request: Request) -> Response:
        return Response(
            authorisation_letter(),
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers={"Content-Disposition": 'attachment; filename="authorisation-letter.docx"'},
        )

    return [
        Route("/appeals/new", show, methods=["GET"]),
        Route("/appeals/new", post_new, methods=["POST"]),
        Route("/appeals/status", status_show, methods=["GET"]),
        Route("/appeals/status", status_post, methods=["POST"]),
        Route("/appeals/reset/{token}", reset_show, methods=["GET"]),
        Route("/appeals/reset/{token}", reset_post, methods=["POST"]),
        Route("/appeals/authorisation-letter.docx", letter, methods=["GET"]),
    ]


def _file_field(error: FieldError, names: list[str]) -> FieldError:
    parts = error.field.split(".")
    if len(parts) == 3 and parts[0] == "materials" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(names):
            return FieldError(names[index], error.code, error.params)
    return error
