"""The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): who is asking (the
browser session), whether they must log in again (``prompt=login``, ``max_age``), whether
the client may have what it asks (``acr_values`` step-up, consent), then a code.

```mermaid
stateDiagram-v2
    [*] --> invalid: unknown client or redirect URI (error page, never a redirect)
    [*] --> login: no browser session, prompt=login or max_age passed (prompt=none: error)
    login --> [*]: the login page comes back here
    [*] --> step_up: acr_values above the account's level (explained, never downgraded)
    [*] --> consent: third-party client without a covering consent (prompt=none: error)
    consent --> denied: "deny" (access_denied to the client)
    consent --> code: "allow" (remembered per client and scope set)
    [*] --> code: first-party client or consent on file
```

The consent form carries the original request and a keyed MAC of it, so the POST cannot
widen what was asked. Answers to a form POST go through a refresh page, which keeps CSP
``form-action 'self'`` from blocking the redirect to the partner site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from identity_graph.accounts.enums import AssuranceLevel
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.i18n import Locale
from identity_graph.oauth import bridge
from identity_graph.oauth.audit import Refusals
from identity_graph.oauth.routes import AUTHORIZE_PATH
from identity_graph.oauth.server import IdentityAuthorizationServer
from identity_graph.oauth.starlette import StarletteOAuth2Request, oauth2_request
from identity_graph.sessions import browser
from identity_graph.sessions.authorization_codes import CodeRequest
from identity_graph.sessions.browser import BrowserSession
from identity_graph.sessions.tokens import ACR_VALUES
from identity_graph.web import csrf
from identity_graph.web.pages import Texts, page_locale, render

PATH = AUTHORIZE_PATH
_LEVELS = list(AssuranceLevel)
_ACR_LEVEL = {uri: AssuranceLevel(level) for level, uri in ACR_VALUES.items()}


class _Refusal(Exception):
    """An OAuth error to send back to the client's redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error, self.description = error, description


def authorize_routes(services: Container, server: IdentityAuthorizationServer) -> list[Route]:
    settings = services.settings
    issuer = settings.public_url.rstrip("/")
    secure = issuer.startswith("https://")
    refusals = Refusals(services)

    async def validated(oauth_request: StarletteOAuth2Request) -> tuple[Any, bridge.Prepared]:
        prepared = bridge.Prepared()
        client_id = oauth_request.payload.client_id
        if client_id:
            prepared.clients[client_id] = await services.clients.get(client_id)
        grant = await bridge.run(prepared, server.get_consent_grant, oauth_request)
        return grant, prepared

    def error_page(request: Request, locale: Locale) -> Response:
        texts = Texts(locale)
        return render(
            request,
            "message.html",
            locale,
            400,
            heading=texts.request_error,
            message=texts.bad_client,
        )

    async def respond_error(
        request: Request,
        oauth_request: StarletteOAuth2Request,
        error: OAuth2Error,
        locale: Locale,
        via_form: bool = False,
    ) -> Response:
        await refusals.record_error(
            request, "authorize", oauth_request.payload.client_id, str(error.error)
        )
        if not getattr(error, "redirect_uri", None):
            return error_page(request, locale)
        response: Response = await bridge.run(
            bridge.Prepared(), server.handle_error_response, oauth_request, error
        )
        location = response.headers.get("location")
        if via_form and location:
            return render(request, "continue.html", locale, next_url=location)
        return response

    async def authorize(request: Request) -> Response:
        locale = page_locale(request)
        oauth_request = await oauth2_request(request, issuer)
        try:
            grant, prepared = await validated(oauth_request)
            return await decide(request, oauth_request, grant, prepared, locale, consent=None)
        except OAuth2Error as error:
            return await respond_error(request, oauth_request, error, locale)

    async def decide(
        request: Request,
        oauth_request: StarletteOAuth2Request,
        grant: Any,
        prepared: bridge.Prepared,
        locale: Locale,
        consent: bool | None,
    ) -> Response:
        data = oauth_request.payload.data
        prompts = set(data.get("prompt", "").split())
        session = await services.browser_sessions.read(request.cookies.get(browser.COOKIE))
        try:
            if _must_log_in(session, prompts, data.get("max_age"), services):
                if "none" in prompts:
                    raise _Refusal("login_required", "The user is not logged in.")
                return _to_login(request, oauth_request, prompts)
            assert session is not None
            needed = _required_level(data.get("acr_values"))
            if _LEVELS.index(session.account.level) < _LEVELS.index(needed):
                return _step_up(request, locale, needed)
            client = grant.client.row
            scopes = set(grant.request.scope.split()) if grant.request.scope else set()
            if consent is False:
                raise _Refusal("access_denied", "The user denied the request.")
            if consent is None and not client.first_party:
                on_file = await services.consents.covers(
                    session.account.id, client.client_id, scopes
                )
                if "consent" in prompts or not on_file:
                    if "none" in prompts:
                        raise _Refusal("consent_required", "Consent is needed.")
                    return _consent_page(request, oauth_request, client.name, scopes, locale)
            if consent:
                await services.consents.remember(
                    session.account.id, client.client_id, scopes, AuditContext()
                )
        except _Refusal as refusal:
            error = OAuth2Error(refusal.description, redirect_uri=grant.redirect_uri)
            error.error = refusal.error
            error.state = oauth_request.payload.state
            return await respond_error(
                request, oauth_request, error, locale, via_form=consent is not None
            )
        return await issue_code(request, oauth_request, grant, prepared, session, locale, consent)

    async def issue_code(
        request: Request,
        oauth_request: StarletteOAuth2Request,
        grant: Any,
        prepared: bridge.Prepared,
        session: BrowserSession,
        locale: Locale,
        via_form: bool | None,
    ) -> Response:
        prepared.code_request = CodeRequest(
            client_id="",
            account_id=session.account.id,
            session_id=session.session_id,
            redirect_uri="",
            scope="",
            acr=ACR_VALUES[session.account.level.value],
            amr=session.amr,
            auth_time=session.auth_time,
        )
        response: Response = await bridge.run(
            prepared, server.create_authorization_response, oauth_request, session.account, grant
        )
        location = response.headers.get("location", "")
        if location:
            # RFC 9207: name the issuer, so a client can tell which provider answered.
            location += ("&" if "?" in location else "?") + urlencode({"iss": issuer})
        if via_form and location:
            return render(request, "continue.html", locale, next_url=location)
        return RedirectResponse(location, status_code=302) if location else response

    def _consent_page(
        request: Request,
        oauth_request: StarletteOAuth2Request,
        client_name: str,
        scopes: set[str],
        locale: Locale,
    ) -> Response:
        texts = Texts(locale)
        query = urlencode(oauth_request.payload.datalist, doseq=True)
        token = csrf.token_for(request)
        order = ("openid", "profile", "phone", "email", "identity")
        response = render(
            request,
            "consent.html",
            locale,
            consent_intro=texts.consent_intro.format(client=client_name),
            scopes=[getattr(texts, f"scope_{scope}") for scope in order if scope in scopes],
            csrf_token=token,
            request_query=query,
            request_mac=services.hasher.digest("authorize-request", query),
        )
        csrf.remember(response, token, secure)
        return response

    async def answer_consent(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        locale = page_locale(request, form.get("lang"))
        query = form.get("request", "")
        if not csrf.is_valid(request, form.get("csrf_token")) or not services.hasher.matches(
            "authorize-request", query, form.get("request_mac", "")
        ):
            texts = Texts(locale)
            return render(
                request,
                "message.html",
                locale,
                403,
                heading=texts.request_error,
                message=texts.csrf,
            )
        replay = dict(request.scope)
        replay["method"], replay["query_string"] = "GET", query.encode()
        original = Request(replay)
        oauth_request = await oauth2_request(original, issuer)
        try:
            grant, prepared = await validated(oauth_request)
            allowed = form.get("decision") == "allow"
            return await decide(request, oauth_request, grant, prepared, locale, consent=allowed)
        except OAuth2Error as error:
            return await respond_error(request, oauth_request, error, locale, via_form=True)

    def _to_login(
        request: Request, oauth_request: StarletteOAuth2Request, prompts: set[str]
    ) -> Response:
        # Drop prompt=login on the way back, or the login would be asked for forever.
        items = [(k, v) for k, v in oauth_request.payload.datalist.items() if k != "prompt"]
        query = urlencode([(k, value) for k, values in items for value in values])
        target = urlencode({"return_to": f"{PATH}?{query}", "lang": page_locale(request)})
        hint = oauth_request.payload.data.get("login_hint")
        if hint:
            target += "&" + urlencode({"login_hint": hint[:64]})
        return RedirectResponse(f"/login?{target}", status_code=303)

    def _step_up(request: Request, locale: Locale, needed: AssuranceLevel) -> Response:
        texts = Texts(locale)
        name = (
            texts.level_real_person
            if needed == AssuranceLevel.REAL_PERSON
            else (texts.level_real_name)
        )
        return render(
            request,
            "message.html",
            locale,
            403,
            heading=texts.step_up_title,
            message=texts.step_up.format(level=name),
        )

    return [Route(PATH, authorize, methods=["GET"]), Route(PATH, answer_consent, methods=["POST"])]


def _must_log_in(
    session: BrowserSession | None, prompts: set[str], max_age: str | None, services: Container
) -> bool:
    if session is None or "login" in prompts:
        return True
    if max_age is not None and max_age.isdigit():
        age = (services.clock.now() - session.auth_time).total_seconds()
        return age > int(max_age)
    return False


def _required_level(acr_values: str | None) -> AssuranceLevel:
    """The lowest level among the requested ones (OIDC: a voluntary claim); unknown values
    are refused rather than ignored, so a typo never silently downgrades."""
    if not acr_values:
        return AssuranceLevel.PHONE_VERIFIED
    levels = []
    for value in acr_values.split():
        if value not in _ACR_LEVEL:
            raise _Refusal("invalid_request", f"Unknown acr value {value[:80]!r}.")
        levels.append(_ACR_LEVEL[value])
    return min(levels, key=_LEVELS.index)
