"""The authorization server: authlib's framework-agnostic core wired to our services.

Hooks run in a worker thread (``bridge.run``); they read what the route prepared and fall
back to ``bridge.call_async`` for anything else.
"""

from __future__ import annotations

from typing import Any

import orjson
from authlib.oauth2 import AuthorizationServer
from starlette.responses import Response

from identity_graph.clients.models import OAuthClient
from identity_graph.clients.service import ClientService
from identity_graph.oauth.bridge import PREPARED, call_async
from identity_graph.oauth.client import Client
from identity_graph.oauth.grants import EXTENSIONS, GRANTS
from identity_graph.oauth.starlette import StarletteOAuth2Request
from identity_graph.oauth.tokens import AccessTokenIssuer
from identity_graph.sessions.authorization_codes import AuthorizationCodes


class IdentityAuthorizationServer(AuthorizationServer):
    def __init__(
        self, clients: ClientService, issuer: AccessTokenIssuer, codes: AuthorizationCodes
    ) -> None:
        super().__init__(scopes_supported=["openid", "profile", "phone", "email", "identity"])
        self._clients = clients
        self.codes = codes
        self.register_token_generator("default", issuer)
        for grant in GRANTS:
            self.register_grant(grant, EXTENSIONS.get(grant))

    def query_client(self, client_id: str) -> Client | None:
        prepared = PREPARED.get()
        if prepared is not None and client_id in prepared.clients:
            row: OAuthClient | None = prepared.clients[client_id]
        else:
            row = call_async(self._clients.get, client_id)
        return Client(row, self._clients.secret_matches) if row is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Access and ID tokens are self-contained JWTs: nothing to store. (Refresh tokens
        for partner clients will be stored here when they are issued.)"""

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
