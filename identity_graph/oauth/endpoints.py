"""Token introspection (RFC 7662) and revocation (RFC 7009) for the tokens this server
issues. The route verifies the token and decides whether it is alive (``sessions/
issued_tokens.py``: revoked, grant revoked, session ended) before entering authlib, so the
endpoints read everything from ``PREPARED``. A refresh token is introspected only by the
client that holds it: to anyone else it is ``active: false``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnsupportedTokenTypeError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _Revocation
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _Introspection

from identity_graph.clients.revocations import TokenRevocations
from identity_graph.core.audit import AuditContext
from identity_graph.oauth.bridge import PREPARED, call_async
from identity_graph.oauth.tokens import AccessToken
from identity_graph.sessions.oauth_refresh import OAuthRefreshToken, OAuthRefreshTokens

_SECRET_METHODS = ["client_secret_basic", "client_secret_post"]


class UnsupportedTokenType(UnsupportedTokenTypeError):
    """RFC 7009 §2.2.1 names this error inside RFC 6749 §5.2 error responses, which are
    400 unless the client failed to authenticate; authlib answers 401."""

    status_code = 400


def _check_params(request: Any, supported: tuple[str, ...]) -> None:
    if "token" not in request.form:
        raise InvalidRequestError()
    hint = request.form.get("token_type_hint")
    if hint and hint not in supported:
        raise UnsupportedTokenType()


def _prepared_token(token_string: str) -> Any:
    prepared = PREPARED.get()
    return prepared.tokens.get(token_string) if prepared is not None else None


class IntrospectionEndpoint(_Introspection):
    CLIENT_AUTH_METHODS = _SECRET_METHODS
    SUPPORTED_TOKEN_TYPES = ("access_token", "refresh_token")

    def check_params(self, request: Any, client: Any) -> None:
        _check_params(request, self.SUPPORTED_TOKEN_TYPES)

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | None:
        return _prepared_token(token_string)

    def check_permission(self, token: AccessToken, client: Any, request: Any) -> bool:
        # Any confidential partner system may act as a resource server and ask about an
        # access token; a refresh token concerns only the client holding it.
        return token.token_type != "refresh_token" or token.check_client(client)

    def introspect_token(self, token: AccessToken) -> dict[str, Any]:
        claims = token.claims
        answer: dict[str, Any] = {"active": True, "token_type": token.token_type}
        for name in ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti", "cnf"):
            if name in claims:
                answer[name] = claims[name]
        return answer


class RevocationEndpoint(_Revocation):
    """Access tokens go on the revoked list; a refresh token ends its whole family."""

    CLIENT_AUTH_METHODS = [*_SECRET_METHODS, "none"]  # noqa: RUF012 - public clients too
    SUPPORTED_TOKEN_TYPES = ("access_token", "refresh_token")

    def __init__(
        self, server: Any, revocations: TokenRevocations, refresh_tokens: OAuthRefreshTokens
    ) -> None:
        super().__init__(server)
        self._revocations = revocations
        self._refresh_tokens = refresh_tokens

    def check_params(self, request: Any, client: Any) -> None:
        _check_params(request, self.SUPPORTED_TOKEN_TYPES)

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _prepared_token(token_string)

    def revoke_token(self, token: AccessToken | OAuthRefreshToken, request: Any) -> None:
        if isinstance(token, OAuthRefreshToken):
            # RFC 7009 §2.1: the access tokens of the same grant end with it.
            call_async(self._refresh_tokens.revoke_family, token.family_id, token.client_id)
            return
        claims = token.claims
        expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
        call_async(
            self._revocations.revoke, claims["jti"], claims["client_id"], expires, AuditContext()
        )
