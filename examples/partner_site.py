"""A small partner site that logs in through identity_graph (OpenID Connect, code + PKCE).

It shows what a partner does: discovery, the authorization request with state, nonce and a
PKCE S256 challenge, the code exchange, ID-token verification against the JWKS, UserInfo,
RP-initiated logout and back-channel logout. It keeps its own sessions in memory.

    .venv/bin/python examples/partner_site.py --client-id idg-demo-partner-a --port 8001

``make serve`` registers ``idg-demo-partner-a`` (port 8001) and ``idg-demo-partner-b``
(port 8002) in development. This file is an example, not part of the service.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass
class PartnerState:
    pending: dict[str, dict[str, str]] = field(default_factory=dict)  # state -> nonce, verifier
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # cookie -> login


def create_partner_app(
    issuer: str, client_id: str, base_url: str, http: httpx.AsyncClient | None = None
) -> Starlette:
    state = PartnerState()
    client = http or httpx.AsyncClient(timeout=10)
    # Browsers share cookies between ports of one host: one name per partner site.
    cookie_name = f"rp_{client_id.replace('-', '_')}"
    metadata: dict[str, Any] = {}

    async def provider() -> dict[str, Any]:
        if not metadata:
            answer = await client.get(f"{issuer}/.well-known/openid-configuration")
            metadata.update(answer.json())
        return metadata

    async def keys() -> KeySet:
        answer = await client.get((await provider())["jwks_uri"])
        return KeySet.import_key_set(answer.json())

    async def home(request: Request) -> Response:
        login = state.sessions.get(request.cookies.get(cookie_name, ""))
        if login is None:
            body = '<p>Not logged in.</p><p><a href="/login">Log in with 统一身份认证</a></p>'
        else:
            rows = "".join(
                f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                for k, v in sorted(login["claims"].items())
            )
            body = f'<p>Logged in.</p><table>{rows}</table><p><a href="/logout">Log out</a></p>'
        return HTMLResponse(f"<!doctype html><title>{client_id}</title><h1>{client_id}</h1>{body}")

    async def login(request: Request) -> Response:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        key, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        state.pending[key] = {"nonce": nonce, "verifier": verifier}
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": f"{base_url}/callback",
                "scope": "openid profile phone identity enterprise",
                "state": key,
                "nonce": nonce,
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            }
        )
        return RedirectResponse(f"{(await provider())['authorization_endpoint']}?{query}", 302)

    async def callback(request: Request) -> Response:
        pending = state.pending.pop(request.query_params.get("state", ""), None)
        code = request.query_params.get("code")
        if pending is None or not code:
            error = html.escape(request.query_params.get("error", "invalid state"))
            return HTMLResponse(f"<p>Login failed: {error}</p>", status_code=400)
        meta = await provider()
        answer = await client.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{base_url}/callback",
                "client_id": client_id,
                "code_verifier": pending["verifier"],
            },
        )
        tokens = answer.json()
        id_token = jwt.decode(tokens["id_token"], await keys())
        claims = id_token.claims
        if claims["iss"] != issuer or claims["aud"] != client_id:
            return HTMLResponse("<p>ID token not for us.</p>", status_code=400)
        if claims.get("nonce") != pending["nonce"]:
            return HTMLResponse("<p>Nonce mismatch.</p>", status_code=400)
        info = await client.get(
            meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        cookie = secrets.token_urlsafe(24)
        state.sessions[cookie] = {
            "claims": {**claims, **info.json()},
            "id_token": tokens["id_token"],
            "sid": claims.get("sid"),
        }
        response = RedirectResponse("/", status_code=302)
        response.set_cookie(cookie_name, cookie, httponly=True, samesite="lax")
        return response

    async def logout(request: Request) -> Response:
        login = state.sessions.pop(request.cookies.get(cookie_name, ""), None)
        end = (await provider())["end_session_endpoint"]
        params = {"post_logout_redirect_uri": f"{base_url}/", "client_id": client_id}
        if login is not None:
            params["id_token_hint"] = login["id_token"]
        response = RedirectResponse(f"{end}?{urlencode(params)}", status_code=302)
        response.delete_cookie(cookie_name)
        return response

    async def backchannel(request: Request) -> Response:
        token = str((await request.form()).get("logout_token", ""))
        try:
            claims = jwt.decode(token, await keys()).claims
        except ValueError:
            return Response(status_code=400)
        if claims.get("iss") != issuer or claims.get("aud") != client_id:
            return Response(status_code=400)
        if LOGOUT_EVENT not in claims.get("events", {}) or "nonce" in claims:
            return Response(status_code=400)
        for cookie, login in list(state.sessions.items()):
            if login["sid"] == claims.get("sid"):
                del state.sessions[cookie]
        return Response(status_code=200)

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/login", login),
            Route("/callback", callback),
            Route("/logout", logout),
            Route("/backchannel", backchannel, methods=["POST"]),
        ]
    )
    app.state.partner = state
    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--issuer", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    uvicorn.run(create_partner_app(args.issuer, args.client_id, base), port=args.port)


if __name__ == "__main__":
    main()
