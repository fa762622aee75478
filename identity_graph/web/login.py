"""The provider's login page (SPEC §3, §7): natural-person, legal-person and agent tabs
(经办人登录: the unit, the agent's phone and ID number, the agent password), password and
image captcha, lockout messages, usable without JavaScript.

A successful login starts a login session, sets the browser-session cookie and continues
to ``return_to`` (a path on this site, never another origin: no open redirect) through a
page that refreshes to it, so that the form's CSP ``form-action 'self'`` never meets a
redirect to a partner site.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.accounts.enums import AccountKind
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.errors import AuthenticationRefused, DomainError, RateLimited
from identity_graph.core.i18n import Locale
from identity_graph.sessions import browser
from identity_graph.sessions.login import AgentIdentity, PasswordLogin
from identity_graph.web.activation import activation_link
from identity_graph.web.appeals import appeal_link
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import Texts, page_locale, render, request_address

_KINDS = {
    "natural_person": AccountKind.NATURAL_PERSON,
    "enterprise": AccountKind.ENTERPRISE,
    # An agent logs in as the person, acting for the unit the identifier names.
    "agent": AccountKind.ENTERPRISE,
}
_IDENTIFIER_LABELS = {
    "natural_person": "person_identifier",
    "enterprise": "enterprise_identifier",
    "agent": "agent_unit",
}


def safe_return_to(value: str | None) -> str:
    """A path on this site; anything else (``//evil``, ``https://…``, ``/\\evil``) is ``/``."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    return value if all(31 < ord(char) < 127 for char in value) else "/"


def login_routes(services: Container) -> list[Route]:
    settings = services.settings
    secure = settings.public_url.startswith("https://")
    csrf = CsrfTokens(services.hasher, secure=secure)

    def address(request: Request) -> str:
        return request_address(request, services.proxies)

    async def page(
        request: Request,
        locale: Locale,
        kind: str,
        return_to: str,
        *,
        error: str | None = None,
        identifier: str = "",
        agent_phone: str = "",
        status: int = 200,
        appeal: tuple[str, str] | None = None,
    ) -> Response:
        texts = Texts(locale)
        token = csrf.token_for(request)
        try:
            captcha = await services.captcha.issue(address(request))
        except RateLimited as exc:
            text = services.translate(exc.code, locale, **exc.params)
            return render(request, "message.html", locale, 429, heading=texts.login, message=text)
        base = {"return_to": return_to, "lang": locale}
        response = render(
            request,
            "login.html",
            locale,
            status,
            kind=kind,
            return_to=return_to,
            error=error,
            appeal=appeal,
            identifier=identifier,
            agent_phone=agent_phone,
            csrf_token=token,
            captcha=captcha,
            tabs=[
                ("natural_person", texts.natural_person),
                ("enterprise", texts.enterprise),
                ("agent", texts.agent),
                ("qr", texts.qr),
            ],
            tab_urls={
                **{tab: "/login?" + urlencode({**base, "kind": tab}) for tab in _KINDS},
                "qr": "/login/qr?" + urlencode(base),
            },
            upstream_url="/login/upstream?" + urlencode({"return_to": return_to})
            if settings.upstream_issuer
            else None,
            identifier_label=getattr(texts, _IDENTIFIER_LABELS[kind]),
            activation=activation_link(locale) if kind == "enterprise" else None,
        )
        csrf.remember(response, token)
        return response

    async def show(request: Request) -> Response:
        kind = request.query_params.get("kind", "natural_person")
        kind = kind if kind in _KINDS else "natural_person"
        return_to = safe_return_to(request.query_params.get("return_to"))
        # OIDC Core §3.1.2.1 login_hint: the partner site knows who is coming.
        hint = request.query_params.get("login_hint", "")[:64]
        return await page(request, page_locale(request), kind, return_to, identifier=hint)

    async def submit(request: Request) -> Response:
        form = await request.form()
        field = {key: value for key, value in form.items() if isinstance(value, str)}
        locale = page_locale(request, field.get("lang"))
        kind = field.get("kind", "natural_person")
        kind = kind if kind in _KINDS else "natural_person"
        return_to = safe_return_to(field.get("return_to"))
        identifier = field.get("identifier", "")[:64]
        agent_phone = field.get("agent_phone", "")[:20]
        if not csrf.is_valid(request, field.get("csrf_token")):
            message = Texts(locale).csrf
            return await page(request, locale, kind, return_to, error=message, status=403)
        attempt = PasswordLogin(
            kind=_KINDS[kind],
            identifier=identifier,
            password=field.get("password", ""),
            captcha_id=field.get("captcha_id") or None,
            captcha_answer=field.get("captcha_answer") or "",
            agent=AgentIdentity(agent_phone, field.get("agent_id_number", "")[:64])
            if kind == "agent"
            else None,
        )
        try:
            result = await services.login.login(attempt, AuditContext(client_ip=address(request)))
        except DomainError as exc:
            first = exc.primary()
            message = services.translate(first.code, locale, **first.params)
            status = 429 if isinstance(exc, AuthenticationRefused) and exc.unlock_at else 400
            return await page(
                request,
                locale,
                kind,
                return_to,
                error=message,
                identifier=identifier,
                agent_phone=agent_phone,
                status=status,
                appeal=appeal_link(first.code, kind, locale),
            )
        response = render(request, "continue.html", locale, next_url=return_to)
        response.set_cookie(
            browser.COOKIE,
            services.browser_sessions.cookie_value(result.tokens.session_id),
            max_age=settings.session_ttl_seconds,
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/",
        )
        return response

    return [Route("/login", show, methods=["GET"]), Route("/login", submit, methods=["POST"])]
