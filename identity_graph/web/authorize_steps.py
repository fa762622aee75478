"""The steps of an authorization request that are the provider's own, not authlib's: when
the person must log in again, which verification level the client asks for (``acr_values``,
OIDC Core §5.5.1.1: voluntary, so values this provider does not know are ignored), whether
an ``id_token_hint`` names the person logged in, and the consent and step-up pages.

Step-up (SPEC §4.1): a person below the asked level is never downgraded silently. Where a
face check can lift them (real-name verified, real-person asked), the page offers it and
the face page comes back to the same authorization request; otherwise, or when they go
back, or with ``prompt=none``, the client is answered ``unmet_authentication_requirements``
(OpenID Connect Core Unmet Authentication Requirements 1.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from identity_graph.accounts.enums import AccountKind, AssuranceLevel
from identity_graph.accounts.models import Account
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import DomainError
from identity_graph.core.i18n import Locale
from identity_graph.oauth.routes import AUTHORIZE_PATH
from identity_graph.sessions.browser import BrowserSession
from identity_graph.sessions.signing_keys import Algorithm
from identity_graph.sessions.tokens import ACR_VALUES
from identity_graph.verification.models import ChallengeKind
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import Texts, render, request_address

if TYPE_CHECKING:
    from identity_graph.web.authorize import Ask

DECISION_PATH = AUTHORIZE_PATH + "/decision"
_LEVELS = list(AssuranceLevel)
_ACR_LEVEL = {uri: AssuranceLevel(level) for level, uri in ACR_VALUES.items()}
_SCOPE_ORDER = ("openid", "profile", "phone", "email", "identity", "enterprise", "offline_access")
_MAX_RETURN_URL = 500  # the challenge's return_url column


class Refusal(Exception):
    """An OAuth error to send back to the client's redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error, self.description = error, description


def must_log_in(
    session: BrowserSession | None,
    prompts: set[str],
    max_age: str | None,
    pushed_at: datetime | None,
    services: Container,
) -> bool:
    """``prompt=login`` of a pushed request is met by a login after the push (the pushed
    parameters cannot drop it on the way back, as ``to_login`` does for the others)."""
    if session is None:
        return True
    if "login" in prompts and (pushed_at is None or session.auth_time < pushed_at):
        return True
    if max_age is not None and max_age.isdigit():
        age = (services.clock.now() - session.auth_time).total_seconds()
        return age > int(max_age)
    return False


def without_login_prompt(original: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request to come back to after a login: ``prompt=login`` is met by then (or
    it would be asked for forever); other prompt values stay."""
    kept = []
    for key, value in original:
        if key == "prompt":
            value = " ".join(part for part in value.split() if part != "login")
            if not value:
                continue
        kept.append((key, value))
    return kept


def to_login(
    request: Request, original: list[tuple[str, str]], data: Mapping[str, str], locale: Locale
) -> Response:
    query = urlencode(without_login_prompt(original))
    target = urlencode({"return_to": f"{AUTHORIZE_PATH}?{query}", "lang": locale})
    hint = data.get("login_hint")
    if hint:
        target += "&" + urlencode({"login_hint": hint[:64]})
    return RedirectResponse(f"/login?{target}", status_code=303)


def required_level(acr_values: str | None) -> AssuranceLevel | None:
    """The lowest level among the known requested ones (any of them satisfies a voluntary
    request); None when none is known."""
    levels = [_ACR_LEVEL[value] for value in (acr_values or "").split() if value in _ACR_LEVEL]
    return min(levels, key=_LEVELS.index) if levels else None


def reaches(level: AssuranceLevel, needed: AssuranceLevel) -> bool:
    return _LEVELS.index(level) >= _LEVELS.index(needed)


def face_lifts(account: Account, needed: AssuranceLevel) -> bool:
    """A face check takes a real-name verified person to the real-person level."""
    return (
        account.kind is AccountKind.NATURAL_PERSON
        and account.level is AssuranceLevel.REAL_NAME
        and needed is AssuranceLevel.REAL_PERSON
    )


class Pages:
    """The pages the authorization endpoint shows, and the checks behind their forms."""

    def __init__(self, services: Container) -> None:
        self._services = services
        issuer = services.settings.public_url.rstrip("/")
        self._issuer = issuer
        self._secure = issuer.startswith("https://")
        self._csrf = CsrfTokens(services.hasher, secure=self._secure)

    def bad_request(self, request: Request, locale: Locale) -> Response:
        texts = Texts(locale)
        return render(
            request,
            "message.html",
            locale,
            400,
            heading=texts.request_error,
            message=texts.bad_client,
        )

    def _form(
        self, request: Request, ask: Ask, template: str, locale: Locale, **context: Any
    ) -> Response:
        query = urlencode(ask.original)
        token = self._csrf.token_for(request)
        response = render(
            request,
            template,
            locale,
            action=DECISION_PATH,
            csrf_token=token,
            request_query=query,
            request_mac=self._services.hasher.digest("authorize-request", query),
            **context,
        )
        self._csrf.remember(response, token)
        return response

    def form_is_genuine(self, request: Request, form: Mapping[str, str]) -> bool:
        return self._csrf.is_valid(
            request, form.get("csrf_token")
        ) and self._services.hasher.matches(
            "authorize-request", form.get("request", ""), form.get("request_mac", "")
        )

    def consent(
        self, request: Request, ask: Ask, client_name: str, scopes: set[str], locale: Locale
    ) -> Response:
        texts = Texts(locale)
        return self._form(
            request,
            ask,
            "consent.html",
            locale,
            consent_intro=texts.consent_intro.format(client=client_name),
            scopes=[getattr(texts, f"scope_{scope}") for scope in _SCOPE_ORDER if scope in scopes],
        )

    async def remember_consent(
        self, session: BrowserSession, client_id: str, scopes: set[str]
    ) -> None:
        await self._services.consents.remember(
            session.account.id, client_id, scopes, AuditContext()
        )

    async def step_up(
        self,
        request: Request,
        ask: Ask,
        session: BrowserSession,
        needed: AssuranceLevel,
        prompts: set[str],
        decision: str | None,
        locale: Locale,
    ) -> Response:
        if "none" in prompts or decision == "cancel":
            raise Refusal(
                "unmet_authentication_requirements",
                "The user does not reach the requested authentication level.",
            )
        back = f"{AUTHORIZE_PATH}?{urlencode(without_login_prompt(ask.original))}"
        face = face_lifts(session.account, needed) and len(back) <= _MAX_RETURN_URL
        error = None
        if decision == "face" and face:
            address = request_address(request, self._services.proxies)
            try:
                started = await self._services.challenges.start(
                    session.account.id, ChallengeKind.FACE, back, AuditContext(client_ip=address)
                )
            except DomainError as exc:
                first = exc.primary()
                error = self._services.translate(first.code, locale, **first.params)
            else:
                return render(request, "continue.html", locale, next_url=started.url)
        texts = Texts(locale)
        level = (
            texts.level_real_person
            if needed is AssuranceLevel.REAL_PERSON
            else texts.level_real_name
        )
        client_name = ask.client.name if ask.client is not None else ""
        return self._form(
            request,
            ask,
            "step_up.html",
            locale,
            message=texts.step_up.format(level=level),
            face=face,
            error=error,
            back_label=texts.back_to_client.format(client=client_name),
        )

    async def hint_matches(self, ask: Ask, session: BrowserSession) -> bool:
        """Whether an ``id_token_hint`` (an ID token this provider issued to the client,
        expired or not) names the person logged in; True without a hint."""
        hint = ask.data.get("id_token_hint")
        if not hint:
            return True
        keys = await self._services.signing_keys.verification_keys()
        try:
            claims = jwt.decode(hint, keys, algorithms=[Algorithm.RS256.value]).claims
        except (JoseError, ValueError):
            raise Refusal("invalid_request", "id_token_hint is not a valid ID token.") from None
        client_id = ask.oauth.payload.client_id
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != self._issuer or client_id not in audiences:
            raise Refusal("invalid_request", "id_token_hint was not issued to this client.")
        subject = self._services.subjects.for_client(ask.client, session.account.id)
        return bool(claims.get("sub") == subject)
