"""The authorization server: authlib's framework-agnostic core wired to our services.

Hooks run in a worker thread (``bridge.run``); they read what the route prepared and fall
back to ``bridge.call_async`` for anything else.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from authlib.oauth2 import AuthorizationServer
from starlette.responses import Response

from identity_graph.clients.models import OAuthClient
from identity_graph.clients.service import ClientService
from identity_graph.oauth.authorization_request import SCOPES
from identity_graph.oauth.bridge import PREPARED, Prepared, call_async
from identity_graph.oauth.client import Client
from identity_graph.oauth.grants import EXTENSIONS, GRANTS
from identity_graph.oauth.starlette import StarletteOAuth2Request
from identity_graph.oauth.tokens import AccessTokenIssuer, grant_of
from identity_graph.sessions.authorization_codes import AuthorizationCodes
from identity_graph.sessions.oauth_refresh import OAuthRefreshTokens, RefreshGrant, Successor
from identity_graph.sessions.tokens import TokenService


class IdentityAuthorizationServer(AuthorizationServer):
    def __init__(
        self,
        clients: ClientService,
        issuer: AccessTokenIssuer,
        codes: AuthorizationCodes,
        refresh_tokens: OAuthRefreshTokens,
        tokens: TokenService,
    ) -> None:
        super().__init__(scopes_supported=SCOPES)
        self._clients = clients
        self.codes = codes
        self.refresh_tokens = refresh_tokens
        self._tokens = tokens
        self._issuer = issuer
        self.register_token_generator("default", issuer)
        for grant in GRANTS:
            self.register_grant(grant, EXTENSIONS.get(grant))

    async def rotate_refresh(self, prepared: Prepared, token: str, client: Client) -> None:
        """For a refresh grant, before authlib runs: mint the successor, then claim ``token``
        and write the successor in one go (``OAuthRefreshTokens.rotate``); the claimed row
        (None if refused) and the successor go into ``prepared`` for the hooks. The claim
        needs a live login session (a logout ends it), and a token bound to a DPoP key the
        proof of that key. The caller drops the successor if authlib does not issue it."""
        # RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a
        # confidential client's is already bound to its credentials).
        public = client.row.token_endpoint_auth_method == "none"
        prepared.successor = Successor.mint(prepared.dpop_jkt if public else None)
        prepared.refresh = await self.refresh_tokens.rotate(
            token, client.get_client_id(), prepared.successor, prepared.dpop_jkt
        )

    def issue_exchanged_token(self, client: Client, exchange: Any, scope: str) -> dict[str, Any]:
        """RFC 8693: the unit's token, acting by the person (``token_exchange.py``)."""
        return self._issuer.exchanged(client, exchange, scope)

    def query_client(self, client_id: str) -> Client | None:
        prepared = PREPARED.get()
        if prepared is not None and client_id in prepared.clients:
            row: OAuthClient | None = prepared.clients[client_id]
        elif prepared is not None and prepared.inline:
            row = None  # only prepared clients exist for an inline request
        else:
            row = call_async(self._clients.get, client_id)
        return Client(row, self._clients.secret_matches) if row is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Access and ID tokens are self-contained JWTs; only a refresh token is stored. A
        refresh grant's successor was written by the claim (``rotate_refresh``): issuing it
        is what keeps it. A code's starts a new family, stored here."""
        refresh = token.get("refresh_token")
        prepared = PREPARED.get()
        if not refresh or prepared is None:
            return
        successor = prepared.successor
        if successor is not None:
            if successor.id is None or refresh != successor.value:
                raise RuntimeError("a refresh grant issues the successor its claim wrote")
            successor.issued = True
            return
        code = prepared.code
        public = request.client.row.token_endpoint_auth_method == "none"
        grant = RefreshGrant(
            client_id=request.client.get_client_id(),
            account_id=code.account.id,
            session_id=code.session_id,
            scope=code.scope,
            acr=code.acr,
            auth_time=code.auth_time,
            family_id=grant_of(code) or uuid.uuid4(),
            # RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a
            # confidential client's is already bound to its credentials).
            dpop_jkt=prepared.dpop_jkt if public else None,
        )
        call_async(self.refresh_tokens.store, refresh, grant)

    def create_oauth2_request(self, request: StarletteOAuth2Request) -> StarletteOAuth2Request:
        return request

    def create_json_request(self, request: StarletteOAuth2Request) -> StarletteOAuth2Request:
        return request

    def handle_response(
        self, status_code: int, payload: Any, headers: list[tuple[str, str]]
    ) -> Response:
        body = payload if isinstance(payload, str | bytes) else orjson.dumps(payload)
        response = Response(body, status_code=status_code, media_type="application/json")
        for name, value in headers:
            response.headers[name] = value
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib's signals (Flask blinker) have no listeners here."""
