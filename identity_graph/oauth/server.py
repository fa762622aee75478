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
from identity_graph.oauth.bridge import PREPARED, call_async
from identity_graph.oauth.client import Client
from identity_graph.oauth.grants import EXTENSIONS, GRANTS
from identity_graph.oauth.starlette import StarletteOAuth2Request
from identity_graph.oauth.tokens import AccessTokenIssuer, grant_of
from identity_graph.sessions.authorization_codes import AuthorizationCodes
from identity_graph.sessions.oauth_refresh import OAuthRefreshTokens, RefreshGrant
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

    async def claim_live_refresh(
        self, token: str, client_id: str, dpop_jkt: str | None = None
    ) -> Any:
        """Claim a refresh token whose login session still lives (a logout ends it); one
        bound to a DPoP key only under a proof of that key."""
        return await self.refresh_tokens.claim_live(token, client_id, dpop_jkt)

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
        """Access and ID tokens are self-contained JWTs; only a refresh token is stored, in
        the family of the code or refresh token it came from."""
        refresh = token.get("refresh_token")
        prepared = PREPARED.get()
        if not refresh or prepared is None:
            return
        origin = prepared.refresh or prepared.code
        family = grant_of(origin) or uuid.uuid4()
        public = request.client.row.token_endpoint_auth_method == "none"
        grant = RefreshGrant(
            client_id=request.client.get_client_id(),
            account_id=origin.account.id,
            session_id=origin.session_id,
            scope=origin.scope,
            acr=origin.acr,
            auth_time=origin.auth_time,
            family_id=family,
            # RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a
            # confidential client's is already bound to its credentials).
            dpop_jkt=prepared.dpop_jkt if public else None,
            parent_id=prepared.refresh.id if prepared.refresh is not None else None,
        )
        if prepared.inline:
            prepared.pending_refresh = (refresh, grant)  # the route stores it (no thread)
        else:
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
