"""The UserInfo endpoint (OIDC Core §5.3): claims for the holder of a user access token,
by its scopes, while the token lives (``sessions/issued_tokens.py``: a logout, a revoked
grant or a revoked token ends it at once).

A token bound to a DPoP key (``cnf.jkt``) is accepted only as ``Authorization: DPoP``
with a proof of that key naming this request and the token (``ath``, RFC 9449 §7); a
bound token sent as a bearer token is refused, as is a DPoP proof for an unbound token.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.accounts.enums import AccountKind
from identity_graph.agents.context import SCOPE as ENTERPRISE_SCOPE
from identity_graph.container import Container
from identity_graph.oauth.claims import claims_for
from identity_graph.oauth.dpop import ALGORITHMS, DPoPProofs, InvalidDPoPProof, proof_header
from identity_graph.oauth.starlette import form_fields
from identity_graph.oauth.tokens import VerifiedTokens

PATH = "/oauth/userinfo"
_NO_STORE = {"Cache-Control": "no-store"}


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] = _NO_STORE) -> Response:
    """The JSON answer, serialized by orjson (Starlette's JSONResponse is ``json.dumps``)."""
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _refusal(error: str, status: int = 401, scheme: str = "Bearer") -> Response:
    # RFC 6750 §3 (RFC 9449 §7.1 for DPoP): the error travels in WWW-Authenticate.
    challenge = f'{scheme} error="{error}"'
    if scheme == "DPoP":
        challenge += f', algs="{" ".join(ALGORITHMS)}"'
    return _json({"error": error}, status, {"WWW-Authenticate": challenge})


async def _presented(request: Request) -> tuple[str, str]:
    """(scheme, token): the RFC 6750 §2.1 header (or ``DPoP``), or the §2.2 form body on
    POST (pyoidc sends that); never the query string (§2.3), which ends up in logs."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "dpop"):
        return scheme.lower(), token.strip()
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        # The last value, as Starlette's FormData.get gives it.
        values = [v for k, v in await form_fields(request) if k == "access_token"]
        return "bearer", values[-1].strip() if values else ""
    return "bearer", ""


async def refuse_control_characters(request: Request, field: str) -> Response:
    """A malformed request to a protected resource (RFC 6750 §3.1)."""
    return _refusal("invalid_request", 400)


def userinfo_routes(services: Container) -> list[Route]:
    issuer = services.settings.public_url.rstrip("/")
    proofs = DPoPProofs(services.clock, services.replay_cache)
    verified = VerifiedTokens(issuer)

    async def possession(request: Request, scheme: str, token: str, claims: dict) -> str | None:
        """The refusal for a token not presented as its binding requires, or None."""
        bound = (
            (claims.get("cnf") or {}).get("jkt") if isinstance(claims.get("cnf"), dict) else None
        )
        if bound is None:
            return "invalid_token" if scheme == "dpop" else None
        if scheme != "dpop":
            return "invalid_token"
        try:
            proof = proof_header(request.headers)
            if proof is None:
                return "invalid_dpop_proof"
            jkt = await proofs.verify(proof, request.method, issuer + PATH, access_token=token)
        except InvalidDPoPProof:
            return "invalid_dpop_proof"
        return None if jkt == bound else "invalid_dpop_proof"

    async def userinfo(request: Request) -> Response:
        scheme, token = await _presented(request)
        challenge = "DPoP" if scheme == "dpop" else "Bearer"
        if not token:
            return _json({"error": "invalid_request"}, 401, {"WWW-Authenticate": challenge})
        keys = await services.signing_keys.verification_keys()
        claims = verified.read(token, keys)
        if claims is None or ("sid" not in claims and "abid" not in claims):
            return _refusal("invalid_token", scheme=challenge)
        refused = await possession(request, scheme, token, claims)
        if refused is not None:
            return _refusal(refused, scheme="DPoP" if "cnf" in claims else challenge)
        live = await services.issued_tokens.subject(claims, services.clock.now())
        if not live.active:
            return _refusal("invalid_token", scheme=challenge)
        scopes = set(str(claims.get("scope", "")).split())
        if "openid" not in scopes:
            return _refusal("insufficient_scope", 403, challenge)
        account = live.account
        client = await services.clients.get(str(claims.get("client_id", "")))
        if account is None or client is None:
            return _refusal("invalid_token")
        if "abid" in claims and live.enterprise is not None:  # exchanged: the unit, by its agent
            sub = services.subjects.for_client(client, live.enterprise.enterprise_id)
            if sub != claims.get("sub"):
                return _refusal("invalid_token")
            acting = {
                "sub": sub,
                "account_type": "enterprise",
                "act": {"sub": services.subjects.for_client(client, account.id)},
                "enterprise": live.enterprise.claim(),
            }
            return _json(acting)
        sub = services.subjects.for_client(client, account.id)
        if sub != claims.get("sub"):
            return _refusal("invalid_token")
        # Only the row the account's kind has (read with the session and the account).
        person = live.person if account.kind is AccountKind.NATURAL_PERSON else None
        unit = live.unit if account.kind is AccountKind.ENTERPRISE else None
        body = claims_for(account, scopes, services.vault, person, unit)
        body["sub"] = sub
        if ENTERPRISE_SCOPE in scopes and live.enterprise is not None:  # an agent's session
            body["enterprise"] = live.enterprise.claim()
        return _json(body)

    return [Route(PATH, userinfo, methods=["GET", "POST"])]
