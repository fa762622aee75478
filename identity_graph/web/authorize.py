"""The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): who is asking (the
browser session), whether they must log in again (``prompt=login``, ``max_age``, an
``id_token_hint`` naming someone else), whether the client may have what it asks
(``acr_values`` step-up, consent), then a code.

```mermaid
stateDiagram-v2
    [*] --> invalid: unknown client, redirect URI or pushed request (error page, never a redirect)
    [*] --> login: no browser session, prompt=login or max_age passed (prompt=none: error)
    login --> [*]: the login page comes back here
    [*] --> step_up: acr_values above the account's level (prompt=none: error)
    step_up --> face: the person starts a face check; its page comes back here
    step_up --> unmet: "back to the site" (unmet_authentication_requirements)
    [*] --> consent: third-party client without a covering consent (prompt=none: error)
    consent --> denied: "deny" (access_denied to the client)
    consent --> code: "allow" (remembered per client and scope set)
    [*] --> code: first-party client or consent on file
```

Every answer to the client, a code or an error, goes through ``answer_client``: it names
the issuer (RFC 9207 §2, "including error responses"), and it uses up a pushed request
(RFC 9126), so a ``request_uri`` gets one answer. A request by POST (OIDC Core §3.1.2.1)
is turned into the same request by GET: the browser-session cookie is ``SameSite=Lax``,
so a partner site's cross-site form POST arrives without it, while the GET it is sent on
to is a top-level navigation that carries it.

The consent and step-up forms carry the original request and a keyed MAC of it, so the
POST cannot widen what was asked. Answers to a form POST go through a refresh page, which
keeps CSP ``form-action 'self'`` from blocking the redirect to the partner site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from identity_graph.clients.models import OAuthClient
from identity_graph.container import Container
from identity_graph.core.i18n import Locale
from identity_graph.oauth import bridge
from identity_graph.oauth.audit import Refusals
from identity_graph.oauth.authorization_request import first, unsupported, with_known_scopes
from identity_graph.oauth.routes import AUTHORIZE_PATH
from identity_graph.oauth.server import IdentityAuthorizationServer
from identity_graph.oauth.starlette import StarletteOAuth2Request, request_from
from identity_graph.sessions import browser
from identity_graph.sessions.authorization_codes import CodeRequest
from identity_graph.sessions.browser import BrowserSession
from identity_graph.sessions.pushed_requests import URN_PREFIX
from identity_graph.sessions.tokens import ACR_VALUES
from identity_graph.web import authorize_steps as steps
from identity_graph.web.pages import Texts, page_locale, render, ui_locale

PATH = AUTHORIZE_PATH
DECISION_PATH = steps.DECISION_PATH
_FORM = "application/x-www-form-urlencoded"


class _Unusable(Exception):
    """A request that cannot be answered to the client: an error page instead."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Ask:
    """One authorization request as the browser carries it between pages (``original``)
    and as it is processed (``oauth``: a pushed request's parameters, scope reduced)."""

    original: list[tuple[str, str]]
    params: list[tuple[str, str]]
    oauth: StarletteOAuth2Request
    client: OAuthClient | None
    pushed: str | None = None  # the request_uri of a pushed request
    pushed_at: datetime | None = None

    @property
    def data(self) -> dict[str, str]:
        return self.oauth.payload.data


def authorize_routes(services: Container, server: IdentityAuthorizationServer) -> list[Route]:
    issuer = services.settings.public_url.rstrip("/")
    refusals = Refusals(services)
    pages = steps.Pages(services)

    async def read(request: Request, params: list[tuple[str, str]]) -> Ask:
        """The request, a pushed one resolved; ``_Unusable`` when nothing may be redirected."""
        pushed, pushed_at, processed = None, None, params
        request_uri = first(params, "request_uri") or ""
        client_id = first(params, "client_id") or ""
        if request_uri.startswith(URN_PREFIX):
            pending = await services.pushed_requests.pending(request_uri, client_id)
            if pending is None:
                raise _Unusable("invalid_request_uri")
            pushed, pushed_at, processed = request_uri, pending.pushed_at, pending.parameters
        client = await services.clients.get(client_id) if client_id else None
        if not first(processed, "redirect_uri"):
            raise _Unusable("invalid_request")  # OIDC Core §3.1.2.1: required
        processed = with_known_scopes(processed, client)
        uri = f"{issuer}{PATH}?{urlencode(params)}"
        oauth_request = request_from("GET", uri, request.headers, processed)
        return Ask(params, processed, oauth_request, client, pushed, pushed_at)

    def locale_for(request: Request, ask: Ask | None, form_lang: str | None) -> Locale:
        """An explicit choice on the page first, then the client's ``ui_locales``."""
        if form_lang or request.query_params.get("lang") or ask is None:
            return page_locale(request, form_lang)
        return ui_locale(ask.data.get("ui_locales")) or page_locale(request)

    async def handle(
        request: Request,
        params: list[tuple[str, str]],
        decision: str | None = None,
        form_lang: str | None = None,
    ) -> Response:
        try:
            ask = await read(request, params)
        except _Unusable as unusable:
            await refusals.record_error(
                request, "authorize", first(params, "client_id"), unusable.error
            )
            return pages.bad_request(request, locale_for(request, None, form_lang))
        locale = locale_for(request, ask, form_lang)
        prepared = bridge.Prepared()
        if ask.client is not None:
            prepared.clients[ask.client.client_id] = ask.client
        try:
            grant = await bridge.run(prepared, server.get_consent_grant, ask.oauth)
            refused = unsupported(ask.params)
            if refused is not None:
                refused.redirect_uri = grant.redirect_uri
                raise refused
        except OAuth2Error as error:
            error.state = ask.oauth.payload.state
            return await respond_error(request, ask, error, locale, decision is not None)
        return await decide(request, ask, grant, prepared, locale, decision)

    async def respond_error(
        request: Request, ask: Ask, error: OAuth2Error, locale: Locale, via_form: bool
    ) -> Response:
        await refusals.record_error(
            request, "authorize", ask.oauth.payload.client_id, str(error.error)
        )
        if not getattr(error, "redirect_uri", None):
            return pages.bad_request(request, locale)
        response: Response = await bridge.run(
            bridge.Prepared(), server.handle_error_response, ask.oauth, error
        )
        return await answer_client(request, ask, response, locale, via_form)

    async def answer_client(
        request: Request, ask: Ask, response: Response, locale: Locale, via_form: bool
    ) -> Response:
        """The one way back to the client: with ``iss``, using up a pushed request."""
        location = response.headers.get("location", "")
        if not location:
            return response
        pushed, client = ask.pushed, ask.client
        if pushed and client and not await services.pushed_requests.use(pushed, client.client_id):
            return pages.bad_request(request, locale)
        location += ("&" if "?" in location else "?") + urlencode({"iss": issuer})
        if via_form:
            return render(request, "continue.html", locale, next_url=location)
        return RedirectResponse(location, status_code=302)

    async def decide(
        request: Request,
        ask: Ask,
        grant: Any,
        prepared: bridge.Prepared,
        locale: Locale,
        decision: str | None,
    ) -> Response:
        data = ask.data
        prompts = set(data.get("prompt", "").split())
        session = await services.browser_sessions.read(request.cookies.get(browser.COOKIE))
        try:
            if steps.must_log_in(session, prompts, data.get("max_age"), ask.pushed_at, services):
                if "none" in prompts:
                    raise steps.Refusal("login_required", "The user is not logged in.")
                return steps.to_login(request, ask.original, data, locale)
            assert session is not None
            if "none" in prompts and not await pages.hint_matches(ask, session):
                raise steps.Refusal("login_required", "The hinted user is not logged in.")
            needed = steps.required_level(data.get("acr_values"))
            if needed is not None and not steps.reaches(session.account.level, needed):
                return await pages.step_up(request, ask, session, needed, prompts, decision, locale)
            client = grant.client.row
            scopes = set(grant.request.scope.split()) if grant.request.scope else set()
            if decision == "deny":
                raise steps.Refusal("access_denied", "The user denied the request.")
            if decision != "allow" and not client.first_party:
                on_file = await services.consents.covers(
                    session.account.id, client.client_id, scopes
                )
                if "consent" in prompts or not on_file:
                    if "none" in prompts:
                        raise steps.Refusal("consent_required", "Consent is needed.")
                    return pages.consent(request, ask, client.name, scopes, locale)
            if decision == "allow":
                await pages.remember_consent(session, client.client_id, scopes)
        except steps.Refusal as refusal:
            error = OAuth2Error(refusal.description, redirect_uri=grant.redirect_uri)
            error.error = refusal.error
            error.state = ask.oauth.payload.state
            return await respond_error(request, ask, error, locale, decision is not None)
        return await issue_code(request, ask, grant, prepared, session, locale, decision)

    async def issue_code(
        request: Request,
        ask: Ask,
        grant: Any,
        prepared: bridge.Prepared,
        session: BrowserSession,
        locale: Locale,
        decision: str | None,
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
            prepared, server.create_authorization_response, ask.oauth, session.account, grant
        )
        return await answer_client(request, ask, response, locale, decision is not None)

    async def authorize(request: Request) -> Response:
        return await handle(request, list(request.query_params.multi_items()))

    async def authorize_by_post(request: Request) -> Response:
        """OIDC Core §3.1.2.1: the same request, form-serialized; answered as its GET."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != _FORM:
            return pages.bad_request(request, page_locale(request))
        form = await request.form()
        if "request_mac" in form:
            # A consent page rendered before its form moved to DECISION_PATH.
            return await answer(request)
        params = list(request.query_params.multi_items())
        params += [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
        return RedirectResponse(f"{PATH}?{urlencode(params)}", status_code=303)

    async def answer(request: Request) -> Response:
        """The consent or step-up form: checked (CSRF, MAC), then the request replayed."""
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        query = form.get("request", "")
        if not pages.form_is_genuine(request, form):
            texts = Texts(page_locale(request, form.get("lang")))
            return render(
                request,
                "message.html",
                page_locale(request, form.get("lang")),
                403,
                heading=texts.request_error,
                message=texts.csrf,
            )
        params = parse_qsl(query, keep_blank_values=True)
        decision = form.get("decision") or "deny"
        return await handle(request, params, decision, form.get("lang"))

    return [
        Route(PATH, authorize, methods=["GET"]),
        Route(PATH, authorize_by_post, methods=["POST"]),
        Route(DECISION_PATH, answer, methods=["POST"]),
    ]
