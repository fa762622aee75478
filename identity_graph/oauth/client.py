"""A registered client as authlib sees it (``ClientMixin``), over a loaded row."""

from __future__ import annotations

from collections.abc import Callable

from authlib.oauth2.rfc6749 import ClientMixin

from identity_graph.clients.models import OAuthClient
from identity_graph.oauth.authorization_request import OFFLINE


class Client(ClientMixin):
    def __init__(self, row: OAuthClient, secret_matches: Callable[[OAuthClient, str], bool]):
        self.row = row
        self._secret_matches = secret_matches

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.row.redirect_uris or []
        return uris[0] if uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.row.scopes or [])
        if "refresh_token" in (self.row.grant_types or []):
            allowed.add(OFFLINE)  # kept by the authorize step only under prompt=consent
        return " ".join(part for part in scope.split() if part in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match (OAuth 2.0 Security BCP §4.1.3): no prefixes, no patterns.
        return redirect_uri in (self.row.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return self._secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.row.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type in (self.row.response_types or [])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.row.grant_types or [])
