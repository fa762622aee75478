"""How the pages and the authorization endpoint answer a request the edge refused
(``web/input_hygiene.py``): a parameter holding control characters.

Pages show a friendly 400 page that names the field by its label. The authorization
endpoint follows RFC 6749 §4.1.2.1: while the client and its redirect URI are clean and
registered, the error goes back to the client (``invalid_request`` with the ``state``);
otherwise the user sees the error page and nothing is redirected.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from identity_graph.container import Container
from identity_graph.core.labels import LABELS, label
from identity_graph.core.validators import has_control_characters
from identity_graph.web.input_hygiene import Responder
from identity_graph.web.pages import Texts, page_locale, render

# The client and its redirect URI must be read before anything may be redirected; a bad
# parameter name or path leaves the request unreadable.
_NEVER_REDIRECT = frozenset({"client_id", "redirect_uri", "parameter", "path"})
# Form and query fields of the pages, and the page text that labels each.
_LABELS = {
    "identifier": "identifier",
    "password": "password",
    "credentials.password": "password",
    "passwordConfirm": "password_confirm",
    "captcha_answer": "captcha",
    "captchaAnswer": "captcha",
    "phone": "phone",
    "credentials.phone": "phone",
    "credentials.smsCode": "sms_code",
    "credentials.loginName": "login_name",
    "credentials.email": "email_optional",
    "realName": "real_name",
    "idNumber": "id_number",
    "idValidFrom": "id_valid_from",
    "idValidUntil": "id_valid_until",
    "regionType": "region_type",
    "idType": "id_type",
    "licence_password": "licence_password",
}


def field_label(texts: Texts, field: str) -> str:
    """The label a page shows for ``field``: its page text, else its label in the shared
    table (``core/labels.py``), else the parameter's own name (a protocol parameter such
    as ``client_id`` or ``redirect_uri``, which is what the reader of that page knows)."""
    key = _LABELS.get(field)
    if key:
        return str(getattr(texts, key))
    if field in LABELS:
        return label(field, texts.locale)
    return field[:64]


def page_refusal(services: Container) -> Responder:
    async def refuse(request: Request, field: str) -> Response:
        locale = page_locale(request)
        texts = Texts(locale)
        problem = services.translate("CONTROL_CHARACTERS", locale)
        return render(
            request,
            "message.html",
            locale,
            400,
            heading=texts.bad_request,
            message=texts.bad_field.format(label=field_label(texts, field), problem=problem),
            link_url=request.url.path if request.method == "POST" else "/",
            link_text=texts.back,
        )

    return refuse


def authorization_refusal(services: Container) -> Responder:
    issuer = services.settings.public_url.rstrip("/")
    pages = page_refusal(services)

    async def refuse(request: Request, field: str) -> Response:
        clean = {
            name: value
            for name, value in request.query_params.items()
            if not has_control_characters(name) and not has_control_characters(value)
        }
        target = await _registered_redirect(services, field, clean)
        if target is None:
            locale = page_locale(request)
            texts = Texts(locale)
            return render(
                request,
                "message.html",
                locale,
                400,
                heading=texts.request_error,
                message=texts.bad_client,
            )
        answer = {
            "error": "invalid_request",
            "error_description": f"The {field[:64]} parameter holds control characters.",
        }
        if "state" in clean:
            answer["state"] = clean["state"]
        answer["iss"] = issuer  # RFC 9207
        separator = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{separator}{urlencode(answer)}", status_code=302)

    async def choose(request: Request, field: str) -> Response:
        if request.method != "GET":  # the consent form: a page, as for any form
            return await pages(request, field)
        return await refuse(request, field)

    return choose


async def _registered_redirect(
    services: Container, field: str, clean: dict[str, str]
) -> str | None:
    """The redirect URI the error may go to: one registered for a clean, known client
    (the first registered one when none is named, as for any authorization request)."""
    if field in _NEVER_REDIRECT or "client_id" not in clean:
        return None
    client = await services.clients.get(clean["client_id"])
    if client is None:
        return None
    registered = list(client.redirect_uris or [])
    wanted = clean.get("redirect_uri")
    if wanted is None:
        return registered[0] if registered else None
    return wanted if wanted in registered else None
