"""The end-session endpoint (OIDC RP-Initiated Logout 1.0).

``id_token_hint`` must be an ID token this provider signed (an expired one is fine); a
``post_logout_redirect_uri`` is followed only when it is registered, exactly, for the
client the hint or ``client_id`` names, so the endpoint can never be an open redirect. A
request whose hint names the current session logs out at once; otherwise the person
confirms with a CSRF-protected form. Logging out ends the login session everywhere and
queues back-channel logout tokens (``sessions/logout.py``).

The request may come by GET or by form POST (RP-Initiated Logout §2: both MUST be
supported). A POST is answered with the same request as a GET: a partner site's form POST
is cross-site, so the ``SameSite=Lax`` browser-session cookie does not come with it, and
without it there would be no session to end; the GET it is sent on to carries it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.i18n import Locale
from identity_graph.oauth.routes import END_SESSION_PATH
from identity_graph.sessions import browser
from identity_graph.sessions.signing_keys import Algorithm
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import Texts, page_locale, render

PATH = END_SESSION_PATH
CONFIRM_PATH = END_SESSION_PATH + "/confirm"
_FORM = "application/x-www-form-urlencoded"


class _Invalid(Exception):
    pass


def logout_routes(services: Container) -> list[Route]:
    issuer = services.settings.public_url.rstrip("/")
    secure = issuer.startswith("https://")
    csrf = CsrfTokens(services.hasher, secure=secure)

    async def hint_claims(hint: str | None) -> dict[str, Any] | None:
        if not hint:
            return None
        keys = await services.signing_keys.verification_keys()
        try:
            decoded = jwt.decode(hint, keys, algorithms=[Algorithm.RS256.value])
        except (JoseError, ValueError):
            raise _Invalid from None
        if decoded.claims.get("iss") != issuer:
            raise _Invalid
        return dict(decoded.claims)

    async def return_uri(params: dict[str, str], claims: dict[str, Any] | None) -> str | None:
        uri = params.get("post_logout_redirect_uri")
        audience = claims.get("aud") if claims else None
        client_id = params.get("client_id") or (audience if isinstance(audience, str) else None)
        if claims and params.get("client_id") and params["client_id"] != audience:
            raise _Invalid
        if not uri:
            return None
        client = await services.clients.get(client_id) if client_id else None
        if client is None or uri not in (client.post_logout_redirect_uris or []):
            raise _Invalid
        if params.get("state"):
            uri += ("&" if "?" in uri else "?") + urlencode({"state": params["state"]})
        return uri

    async def finish(
        request: Request, locale: Locale, target: str | None, via_form: bool
    ) -> Response:
        session = await services.browser_sessions.read(request.cookies.get(browser.COOKIE))
        if session is not None:
            await services.logout.end_session(session.session_id, AuditContext())
        if target and not via_form:
            response: Response = RedirectResponse(target, status_code=302)
        elif target:
            response = render(request, "continue.html", locale, next_url=target)
        else:
            texts = Texts(locale)
            response = render(
                request,
                "message.html",
                locale,
                heading=texts.logout_title,
                message=texts.logged_out,
            )
        response.delete_cookie(browser.COOKIE, path="/", secure=secure, httponly=True)
        return response

    def invalid(request: Request, locale: Locale) -> Response:
        texts = Texts(locale)
        return render(
            request,
            "message.html",
            locale,
            400,
            heading=texts.logout_title,
            message=texts.logout_error,
        )

    async def start(request: Request) -> Response:
        params = dict(request.query_params)
        locale = page_locale(request)
        try:
            claims = await hint_claims(params.get("id_token_hint"))
            target = await return_uri(params, claims)
        except _Invalid:
            return invalid(request, locale)
        session = await services.browser_sessions.read(request.cookies.get(browser.COOKIE))
        if session is None or (claims and claims.get("sid") == str(session.session_id)):
            return await finish(request, locale, target, via_form=False)
        token = csrf.token_for(request)
        response = render(
            request,
            "logout.html",
            locale,
            action=CONFIRM_PATH,
            csrf_token=token,
            post_logout_redirect_uri=params.get("post_logout_redirect_uri", ""),
            client_id=params.get("client_id") or (claims or {}).get("aud", ""),
            state=params.get("state", ""),
        )
        csrf.remember(response, token)
        return response

    async def start_by_post(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != _FORM:
            return invalid(request, page_locale(request))
        form = await request.form()
        params = list(request.query_params.multi_items())
        params += [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
        return RedirectResponse(f"{PATH}?{urlencode(params)}", status_code=303)

    async def confirm(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        locale = page_locale(request, form.get("lang"))
        if not csrf.is_valid(request, form.get("csrf_token")):
            return invalid(request, locale)
        try:
            target = await return_uri(form, None)
        except _Invalid:
            return invalid(request, locale)
        return await finish(request, locale, target, via_form=True)

    return [
        Route(PATH, start, methods=["GET"]),
        Route(PATH, start_by_post, methods=["POST"]),
        Route(CONFIRM_PATH, confirm, methods=["POST"]),
    ]
