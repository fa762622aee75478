"""The UserInfo endpoint (OIDC Core §5.3): claims for the bearer of a user access token,
by its scopes, while its login session lives (a logout ends it at once)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity_graph.accounts.enums import AccountKind
from identity_graph.container import Container
from identity_graph.oauth.claims import claims_for
from identity_graph.oauth.tokens import read_access_token

PATH = "/oauth/userinfo"


def _refusal(error: str, status: int = 401) -> Response:
    # RFC 6750 §3: the error travels in WWW-Authenticate.
    return JSONResponse(
        {"error": error},
        status_code=status,
        headers={"WWW-Authenticate": f'Bearer error="{error}"'},
    )


def userinfo_routes(services: Container) -> list[Route]:
    issuer = services.settings.public_url.rstrip("/")

    async def bearer(request: Request) -> str:
        """RFC 6750 §2.1 header, or §2.2 form body on POST (pyoidc sends that); never the
        query string (§2.3), which ends up in logs."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return token.strip()
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            value = (await request.form()).get("access_token")
            return value.strip() if isinstance(value, str) else ""
        return ""

    async def userinfo(request: Request) -> Response:
        token = await bearer(request)
        if not token:
            return JSONResponse(
                {"error": "invalid_request"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        keys = await services.signing_keys.verification_keys()
        claims = read_access_token(token, keys, issuer)
        now = int(services.clock.now().timestamp())
        if claims is None or int(claims["exp"]) <= now or "sid" not in claims:
            return _refusal("invalid_token")
        if await services.revocations.is_revoked(claims["jti"]):
            return _refusal("invalid_token")
        scopes = set(str(claims.get("scope", "")).split())
        if "openid" not in scopes:
            return _refusal("insufficient_scope", 403)
        account = await services.tokens.session_account_by_text(str(claims["sid"]))
        client = await services.clients.get(str(claims.get("client_id", "")))
        sub = services.subjects.for_client(client, account.id) if account else None
        if account is None or client is None or sub != claims.get("sub"):
            return _refusal("invalid_token")
        # Only the row the account's kind has (one query, not two).
        person = unit = None
        if account.kind is AccountKind.NATURAL_PERSON:
            person = (await services.accounts.get_natural_persons([account.id])).get(account.id)
        elif account.kind is AccountKind.ENTERPRISE:
            unit = (await services.accounts.get_enterprises([account.id])).get(account.id)
        body = claims_for(account, scopes, services.vault, person, unit)
        body["sub"] = sub
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return [Route(PATH, userinfo, methods=["GET", "POST"])]
