""" "Log in with the national platform account" (SPEC §3, §7): this provider acts as a
relying party of an upstream OpenID provider (``IDG_UPSTREAM_*``): code flow with PKCE and
nonce, the ID token checked against the upstream's JWKS. The upstream subject is then
linked to a local account (``sessions/upstream.py``) and a local login session starts.

```mermaid
stateDiagram-v2
    [*] --> upstream: the button (state, nonce, PKCE verifier in a MAC'd cookie)
    upstream --> logged_in: callback; the subject is linked already
    upstream --> logged_in: callback; the upstream vouches a verified ID number held here
    upstream --> link_pending: callback; nobody known (asked to log in locally once)
    link_pending --> logged_in: a local login, then the link is made
```

On every completed upstream login the upstream's assurance (``acr`` with the verified real
name and ID number from UserInfo) may raise the account's level
(``verification/upstream.py``). A login that needed the local link cannot: had the
upstream vouched for a verified ID number held here, it would have linked by that number.

This uses httpx and joserfc directly rather than authlib's Starlette client, which needs a
server-side session middleware this service does not otherwise use.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from identity_graph.accounts.models import Account
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.core.i18n import Locale
from identity_graph.core.outbound import outbound_client
from identity_graph.sessions import browser
from identity_graph.verification.upstream import UpstreamIdentity
from identity_graph.web.login import safe_return_to
from identity_graph.web.pages import Texts, page_locale, render

FLOW_COOKIE = "idg_upstream"
LINK_COOKIE = "idg_upstream_link"
_TTL = 600


def upstream_routes(services: Container) -> list[Route]:
    settings = services.settings
    issuer = settings.public_url.rstrip("/")
    upstream = settings.upstream_issuer.rstrip("/")
    secure = issuer.startswith("https://")
    callback_uri = f"{issuer}/login/upstream/callback"
    metadata: dict[str, Any] = {}

    def now() -> float:
        return services.clock.now().timestamp()

    def seal(values: dict[str, Any]) -> str:
        body = base64.urlsafe_b64encode(orjson.dumps(values)).decode()
        return f"{body}.{services.hasher.digest('upstream-cookie', body)}"

    def unseal(cookie: str | None) -> dict[str, Any] | None:
        body, _, mac = (cookie or "").partition(".")
        if not body or not services.hasher.matches("upstream-cookie", body, mac):
            return None
        values: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(body))
        return values if values.get("e", 0) > now() else None

    async def discover(http: httpx.AsyncClient) -> dict[str, Any]:
        if not metadata:
            answer = await http.get(f"{upstream}/.well-known/openid-configuration")
            answer.raise_for_status()
            metadata.update(answer.json())
        return metadata

    def message(request: Request, locale: Locale, text: str, status: int = 400) -> Response:
        texts = Texts(locale)
        return render(request, "message.html", locale, status, heading=texts.upstream, message=text)

    async def start(request: Request) -> Response:
        locale = page_locale(request)
        if not upstream:
            return message(request, locale, Texts(locale).upstream_off, 404)
        async with outbound_client(timeout=10) as http:
            meta = await discover(http)
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)  # RFC 7636 §4.1: 43 to 128 characters
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": settings.upstream_client_id,
                "redirect_uri": callback_uri,
                "scope": settings.upstream_scope,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            }
        )
        response = RedirectResponse(f"{meta['authorization_endpoint']}?{query}", 302)
        flow = {
            "s": state,
            "n": nonce,
            "v": verifier,
            "r": safe_return_to(request.query_params.get("return_to")),
            "e": now() + _TTL,
        }
        response.set_cookie(FLOW_COOKIE, seal(flow), httponly=True, secure=secure, samesite="lax")
        return response

    async def id_token_claims(code: str, flow: dict[str, Any]) -> tuple[dict[str, Any], str]:
        secret = settings.upstream_client_secret
        async with outbound_client(timeout=10) as http:
            meta = await discover(http)
            answer = await http.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": callback_uri,
                    "code_verifier": flow["v"],
                },
                auth=(settings.upstream_client_id, secret.get_secret_value() if secret else ""),
            )
            tokens = answer.json()
            keys = KeySet.import_key_set((await http.get(meta["jwks_uri"])).json())
        claims = jwt.decode(tokens["id_token"], keys).claims
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != upstream or settings.upstream_client_id not in audiences:
            raise ValueError("the ID token is not for us")
        if claims.get("nonce") != flow["n"] or int(claims.get("exp", 0)) <= now():
            raise ValueError("the ID token is replayed or expired")
        return claims, str(tokens.get("access_token", ""))

    async def userinfo(access_token: str) -> dict[str, Any]:
        """The upstream's UserInfo answer (empty when it gives none)."""
        if not access_token or "userinfo_endpoint" not in metadata:
            return {}
        async with outbound_client(timeout=10) as http:
            answer = await http.get(
                metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}
            )
        info = answer.json() if answer.status_code == 200 else {}
        return info if isinstance(info, dict) else {}

    def asserted(claims: dict[str, Any], info: dict[str, Any]) -> UpstreamIdentity:
        def text(value: object) -> str | None:
            return value if isinstance(value, str) and value else None

        return UpstreamIdentity(
            issuer=upstream,
            subject=str(claims["sub"]),
            acr=text(claims.get("acr")) or text(info.get("acr")),
            real_name=text(info.get("real_name")),
            id_number=text(info.get("id_number")),
            verified=info.get("real_name_status") == "VERIFIED",
        )

    async def matched_by_id_number(identity: UpstreamIdentity) -> Account | None:
        """Only an ID number the upstream says it verified may link by itself."""
        if identity.id_number is None or not identity.verified:
            return None
        return await services.upstream_links.match_id_number(identity.id_number)

    async def raise_level(account: Account, identity: UpstreamIdentity) -> None:
        await services.upstream_assurance.apply(account.id, identity, AuditContext())

    async def log_in(request: Request, account: Account, return_to: str) -> Response:
        tokens = await services.tokens.start_session(account, amr=["fed"], client_ip=None)
        response = render(request, "continue.html", page_locale(request), next_url=return_to)
        response.set_cookie(
            browser.COOKIE,
            services.browser_sessions.cookie_value(tokens.session_id),
            max_age=settings.session_ttl_seconds,
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/",
        )
        response.delete_cookie(FLOW_COOKIE)
        return response

    async def callback(request: Request) -> Response:
        locale = page_locale(request)
        texts = Texts(locale)
        flow = unseal(request.cookies.get(FLOW_COOKIE))
        code = request.query_params.get("code")
        if flow is None or not code or request.query_params.get("state") != flow["s"]:
            return message(request, locale, texts.upstream_failed)
        try:
            claims, access_token = await id_token_claims(code, flow)
            identity = asserted(claims, await userinfo(access_token))
        except (httpx.HTTPError, JoseError, ValueError, KeyError):
            return message(request, locale, texts.upstream_failed)
        subject = identity.subject
        account = await services.upstream_links.account_for(upstream, subject)
        if account is None:
            account = await matched_by_id_number(identity)
            if account is not None:
                await services.upstream_links.link(
                    upstream, subject, account.id, "id_number", AuditContext()
                )
        if account is not None:
            await raise_level(account, identity)
            return await log_in(request, account, flow["r"])
        pending = {"s": subject, "r": flow["r"], "e": now() + _TTL}
        response = render(
            request,
            "message.html",
            locale,
            heading=texts.upstream,
            message=texts.upstream_link_first,
            link_url="/login?" + urlencode({"return_to": "/login/upstream/link"}),
            link_text=texts.login,
        )
        response.set_cookie(
            LINK_COOKIE, seal(pending), httponly=True, secure=secure, samesite="lax"
        )
        return response

    async def link(request: Request) -> Response:
        locale = page_locale(request)
        pending = unseal(request.cookies.get(LINK_COOKIE))
        session = await services.browser_sessions.read(request.cookies.get(browser.COOKIE))
        if pending is None or session is None:
            return message(request, locale, Texts(locale).upstream_failed)
        await services.upstream_links.link(
            upstream, pending["s"], session.account.id, "local_login", AuditContext()
        )
        response = render(request, "continue.html", locale, next_url=pending["r"])
        response.delete_cookie(LINK_COOKIE)
        return response

    return [
        Route("/login/upstream", start, methods=["GET"]),
        Route("/login/upstream/callback", callback, methods=["GET"]),
        Route("/login/upstream/link", link, methods=["GET"]),
    ]
