"""The to-do pages for a person without an account (the Henan mini-program's 用户信息录入,
用户身份核验, 完成待办事项; seed 001): plain HTML forms, no JavaScript except the face step
(the provider's page).

```mermaid
stateDiagram-v2
    [*] --> ENTER: GET /todos (name, ID type and number, captcha)
    ENTER --> FACE: POST /todos (a face check, purpose CONFIRMATION_ACCESS, is opened)
    FACE --> LIST: GET /todos/list (the passed check is spent: the browser now holds the person)
    LIST --> ITEM: GET /todos/item/{id} (PENDING -> FACE_PASSED on the door's face session)
    ITEM --> DECLINED: POST /todos/item/{id}/decline (reason)
    ITEM --> SIGN_FACE: POST /todos/item/{id}/confirm (a second face check, CONFIRMATION_SIGN)
    SIGN_FACE --> CONFIRMED: GET /todos/item/{id}/signed (the check is spent: CONFIRMED)
    LIST --> ENTER: 15 minutes pass (the holder cookie expires)
```

What the browser holds is one cookie, sealed with the service's data key (the vault): the
typed person and the check in progress before the door, the proven person and the door's
face session after it, each with an expiry. Nothing of it is readable or forgeable by the
browser; a person only ever sees the to-dos that name their own ID number, and acting on
another's item is refused by the service (``CONFIRMATION_NOT_YOURS``).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from identity_graph.confirmations.models import ItemState
from identity_graph.confirmations.service import Holder
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.i18n import Locale
from identity_graph.ids.types import IdType
from identity_graph.verification.face_subjects import PersonToCheck
from identity_graph.verification.models import FaceCheckPurpose
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import page_locale, render, request_address

COOKIE = "idg_todo"
COLUMN = "todo_pages"
HOLD = timedelta(minutes=15)
DOOR = "todo-list"  # the door check's bound_to

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("我的待办事项", "My to-do items"),
    "intro": (
        "输入本人姓名和证件信息，通过人脸识别后查看需要您确认的业务。",
        "Enter your name and ID, pass a face check, and see the filings waiting for you.",
    ),
    "person.realName": ("姓名", "Full name"),
    "person.idType": ("证件类型", "ID type"),
    "person.idNumber": ("证件号码", "ID number"),
    "captchaAnswer": ("图形验证码", "Image code"),
    "reason": ("拒绝原因", "Reason for declining"),
    "next": ("下一步：人脸识别", "Next: face check"),
    "none": ("近 7 天没有需要您确认的事项。", "Nothing waits for you from the last 7 days."),
    "role": ("您的身份", "Your role"),
    "state": ("状态", "State"),
    "view": ("查看", "View"),
    "summary": ("业务摘要", "Filing summary"),
    "confirm": ("确认：再次人脸识别并签署", "Confirm: face check again and sign"),
    "decline": ("拒绝", "Decline"),
    "back": ("返回待办列表", "Back to my to-dos"),
    "expired": (
        "页面已过期，请重新输入信息并通过人脸识别。",
        "This page has expired: enter your details and pass the face check again.",
    ),
    "confirmed": ("已确认，业务将继续办理。", "Confirmed: the filing goes ahead."),
    "declined": ("已拒绝，经办方将收到通知。", "Declined: the filer will be told."),
    "csrf": ("表单已失效，请重试。", "The form expired; please try again."),
    "state.pending": ("待核验", "To verify"),
    "state.face_passed": ("待确认", "To confirm"),
    "state.confirmed": ("已确认", "Confirmed"),
    "state.declined": ("已拒绝", "Declined"),
    "state.expired": ("已过期", "Expired"),
}
ID_TYPES = {
    IdType.RESIDENT_ID_CARD: ("居民身份证", "Resident ID card"),
    IdType.FOREIGNER_PERMANENT_RESIDENCE_ID: ("外国人永久居留身份证", "Permanent residence ID"),
    IdType.MAINLAND_TRAVEL_PERMIT_HK_MACAO: (
        "港澳居民来往内地通行证",
        "HK/Macao home-return permit",
    ),
    IdType.MAINLAND_TRAVEL_PERMIT_TAIWAN: ("台湾居民来往大陆通行证", "Taiwan compatriot permit"),
    IdType.HMT_RESIDENCE_PERMIT: ("港澳台居民居住证", "HK/Macao/Taiwan residence permit"),
    IdType.FOREIGN_PASSPORT: ("外国护照", "Foreign passport"),
}


class Words:
    def __init__(self, locale: Locale) -> None:
        self._index = 0 if locale == "zh-CN" else 1

    def __getitem__(self, name: str) -> str:
        return TEXTS[name][self._index]

    def id_type(self, value: IdType) -> str:
        return ID_TYPES[value][self._index]


def todo_routes(services: Container) -> list[Route]:
    secure = services.settings.public_url.startswith("https://")
    csrf = CsrfTokens(services.hasher, secure=secure)
    confirmations = services.confirmations

    def read(request: Request) -> dict[str, Any]:
        sealed = request.cookies.get(COOKIE)
        if not sealed:
            return {}
        try:
            state = json.loads(services.vault.open(sealed, COLUMN))
        except Exception:  # tampered, or sealed under a retired key: start again
            return {}
        if not isinstance(state, dict) or state.get("until", 0) < _now(services):
            return {}
        return state

    def keep(response: Response, state: dict[str, Any]) -> Response:
        state = {**state, "until": _now(services) + int(HOLD.total_seconds())}
        response.set_cookie(
            COOKIE,
            services.vault.seal(json.dumps(state), COLUMN),
            max_age=int(HOLD.total_seconds()),
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/todos",
        )
        return response

    def holder_of(state: dict[str, Any]) -> Holder | None:
        person = state.get("holder")
        if not isinstance(person, dict):
            return None
        return Holder(IdType(person["id_type"]), person["id_number"], person["name"])

    def context(request: Request) -> AuditContext:
        return AuditContext(client_ip=request_address(request, services.proxies))

    def expired(request: Request, locale: Locale) -> Response:
        words = Words(locale)
        return render(
            request,
            "message.html",
            locale,
            403,
            heading=words["title"],
            message=words["expired"],
            link_url=f"/todos?lang={locale}",
            link_text=words["title"],
        )

    async def form(
        request: Request, locale: Locale, errors: list[str] | None = None, **typed: str
    ) -> Response:
        words = Words(locale)
        token = csrf.token_for(request)
        captcha = await services.captcha.issue(request_address(request, services.proxies))
        response = render(
            request,
            "todos_enter.html",
            locale,
            400 if errors else 200,
            w=words,
            errors=errors or [],
            csrf_token=token,
            captcha=captcha,
            id_types=[(value.value, words.id_type(value)) for value in ID_TYPES],
            typed=typed,
        )
        csrf.remember(response, token)
        return response

    def messages(error: DomainError, locale: Locale) -> list[str]:
        words = Words(locale)
        found = error.errors if isinstance(error, ValidationFailed) else [error.primary()]
        lines = []
        for item in found:
            text = services.translate(item.code, locale, **item.params)
            label = TEXTS.get(item.field or "")
            lines.append(f"{words[item.field]}: {text}" if label else text)
        return lines

    def refused(
        request: Request, locale: Locale, error: Exception, status: int, back: str
    ) -> Response:
        """A refusal on the message page: the domain's messages, or not found for a bad id."""
        text = (
            "; ".join(messages(error, locale))
            if isinstance(error, DomainError)
            else services.translate("CONFIRMATION_NOT_FOUND", locale)
        )
        words = Words(locale)
        return render(
            request,
            "message.html",
            locale,
            status,
            heading=words["title"],
            message=text,
            link_url=back,
            link_text=words["back"],
        )

    async def enter(request: Request) -> Response:
        return await form(request, page_locale(request))

    async def submit(request: Request) -> Response:
        data = await request.form()
        field = {key: str(value) for key, value in data.items() if isinstance(value, str)}
        locale = page_locale(request, field.get("lang"))
        typed = {name: field.get(name, "") for name in ("real_name", "id_type", "id_number")}
        if not csrf.is_valid(request, field.get("csrf_token")):
            return await form(request, locale, [Words(locale)["csrf"]], **typed)
        try:
            id_type = IdType(typed["id_type"])
        except ValueError:
            id_type = IdType.RESIDENT_ID_CARD
        person = PersonToCheck(typed["real_name"], id_type, typed["id_number"])
        try:
            started = await services.face_checks.start(
                FaceCheckPurpose.CONFIRMATION_ACCESS,
                context=context(request),
                person=person,
                captcha_id=field.get("captcha_id") or None,
                captcha_answer=field.get("captcha_answer") or "",
                bound_to=DOOR,
                return_url=f"/todos/list?lang={locale}",
            )
        except DomainError as error:
            return await form(request, locale, messages(error, locale), **typed)
        response = RedirectResponse(started.url, status_code=303)
        typed_person = {"id_type": person.id_type.value, "id_number": person.id_number}
        return keep(response, {"door": str(started.check.id), "person": typed_person})

    async def listing(request: Request) -> Response:
        locale = page_locale(request)
        state = read(request)
        holder = holder_of(state)
        if holder is None and state.get("door"):
            try:
                proven = await services.face_checks.consume(
                    state["door"],
                    purpose=FaceCheckPurpose.CONFIRMATION_ACCESS,
                    id_type=IdType(state["person"]["id_type"]),
                    id_number=state["person"]["id_number"],
                    bound_to=DOOR,
                )
            except DomainError as error:
                words = Words(locale)
                return render(
                    request,
                    "message.html",
                    locale,
                    403,
                    heading=words["title"],
                    message="; ".join(messages(error, locale)),
                    link_url=f"/todos?lang={locale}",
                    link_text=words["title"],
                )
            state = {
                "holder": {
                    "id_type": proven.id_type.value,
                    "id_number": proven.id_number,
                    "name": proven.real_name,
                },
                "session": proven.provider_reference or str(proven.check_id),
            }
            holder = holder_of(state)
        if holder is None:
            return expired(request, locale)
        items = await confirmations.todos(holder)
        words = Words(locale)
        rows = [
            {
                "id": str(item.id),
                "title": item.request.title,
                "role": item.role,
                "state": words[f"state.{item.state.value}"],
                "created": item.request.created_at.strftime("%Y-%m-%d %H:%M"),
            }
            for item in items
        ]
        page = render(request, "todos_list.html", locale, w=words, rows=rows, name=holder.name)
        return keep(page, state)

    async def item_page(request: Request) -> Response:
        locale = page_locale(request)
        state = read(request)
        holder = holder_of(state)
        if holder is None:
            return expired(request, locale)
        words = Words(locale)
        try:
            item_id = uuid.UUID(request.path_params["item"])
            item = await confirmations.open_seen(
                holder, item_id, state["session"], context(request)
            )
        except (ValueError, DomainError) as error:
            return refused(
                request,
                locale,
                error,
                404 if isinstance(error, ValueError) else 409,
                f"/todos/list?lang={locale}",
            )
        token = csrf.token_for(request)
        captcha = await services.captcha.issue(request_address(request, services.proxies))
        page = render(
            request,
            "todos_item.html",
            locale,
            w=words,
            item=item,
            open=item.state is ItemState.FACE_PASSED,
            state=words[f"state.{item.state.value}"],
            csrf_token=token,
            captcha=captcha,
            errors=[],
        )
        csrf.remember(page, token)
        return keep(page, state)

    async def act(request: Request) -> Response:
        data = await request.form()
        field = {key: str(value) for key, value in data.items() if isinstance(value, str)}
        locale = page_locale(request, field.get("lang"))
        state = read(request)
        holder = holder_of(state)
        words = Words(locale)
        if holder is None:
            return expired(request, locale)
        back = f"/todos/list?lang={locale}"
        if request.path_params["action"] not in ("confirm", "decline"):
            return Response(status_code=404)
        if not csrf.is_valid(request, field.get("csrf_token")):
            return render(
                request,
                "message.html",
                locale,
                403,
                heading=words["title"],
                message=words["csrf"],
                link_url=back,
                link_text=words["back"],
            )
        try:
            item_id = uuid.UUID(request.path_params["item"])
            if request.path_params["action"] == "decline":
                await confirmations.decline(
                    holder, item_id, field.get("reason", ""), context(request)
                )
                return keep(
                    render(
                        request,
                        "message.html",
                        locale,
                        heading=words["title"],
                        message=words["declined"],
                        link_url=back,
                        link_text=words["back"],
                    ),
                    state,
                )
            started = await services.face_checks.start(
                FaceCheckPurpose.CONFIRMATION_SIGN,
                context=context(request),
                person=PersonToCheck(holder.name, holder.id_type, holder.id_number),
                captcha_id=field.get("captcha_id") or None,
                captcha_answer=field.get("captcha_answer") or "",
                bound_to=str(item_id),
                return_url=f"/todos/item/{item_id}/signed?lang={locale}",
            )
        except (ValueError, DomainError) as error:
            return refused(request, locale, error, 400, back)
        response = RedirectResponse(started.url, status_code=303)
        return keep(response, {**state, "sign": str(started.check.id)})

    async def signed(request: Request) -> Response:
        locale = page_locale(request)
        state = read(request)
        holder = holder_of(state)
        words = Words(locale)
        if holder is None or not state.get("sign"):
            return expired(request, locale)
        back = f"/todos/list?lang={locale}"
        try:
            item_id = uuid.UUID(request.path_params["item"])
            await confirmations.confirm(
                holder, item_id, uuid.UUID(state["sign"]), None, context(request)
            )
        except (ValueError, DomainError) as error:
            return refused(request, locale, error, 409, back)
        done = render(
            request,
            "message.html",
            locale,
            heading=words["title"],
            message=words["confirmed"],
            link_url=back,
            link_text=words["back"],
        )
        return keep(done, {key: value for key, value in state.items() if key != "sign"})

    return [
        Route("/todos", enter, methods=["GET"]),
        Route("/todos", submit, methods=["POST"]),
        Route("/todos/list", listing, methods=["GET"]),
        Route("/todos/item/{item}", item_page, methods=["GET"]),
        Route("/todos/item/{item}/signed", signed, methods=["GET"]),
        Route("/todos/item/{item}/{action:str}", act, methods=["POST"]),
    ]


def _now(services: Container) -> int:
    return int(services.clock.now().timestamp())
