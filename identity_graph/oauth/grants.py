"""Grant types the token endpoint supports, one class each (authlib's grants, configured).

Only what is implemented is registered; discovery lists exactly these.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc7636 import CodeChallenge

from identity_graph.accounts.enums import AccountStatus
from identity_graph.oauth.bridge import PREPARED, call_async
from identity_graph.sessions.authorization_codes import AuthorizationCode


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """RFC 6749 §4.4, for partner back-ends; confidential clients only."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # authlib checks the scope against the server's list only; a client gets no more
        # than it was registered for (RFC 6749 §3.3: the server may refuse).
        requested = self.request.payload.scope
        if requested and self.client.get_allowed_scope(requested) != " ".join(requested.split()):
            raise InvalidScopeError()


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """RFC 6749 §4.1 with PKCE (RFC 7636, S256 only; required of public clients).

    Codes are issued by the authorize endpoint through ``AuthorizationCodes``; here they
    are redeemed. The claim is atomic and happens once the client has authenticated.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def query_authorization_code(self, code: str, client: Any) -> AuthorizationCode | None:
        row: AuthorizationCode | None = call_async(
            self.server.codes.claim, code, client.get_client_id()
        )
        prepared = PREPARED.get()
        if prepared is not None:
            prepared.code = row
        return row

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: the claim in ``query_authorization_code`` used it up."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Any:
        account = authorization_code.account
        return account if account.status == AccountStatus.ACTIVE else None

    def save_authorization_code(self, code: str, request: Any) -> None:
        raise NotImplementedError("codes are issued through AuthorizationCodes.issue")


class S256Only(CodeChallenge):
    """RFC 7636 §4.2: ``plain`` only for clients that cannot do S256; every client here can."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012


GRANTS = (ClientCredentialsGrant, AuthorizationCodeGrant)
EXTENSIONS: dict[type, list[Any]] = {AuthorizationCodeGrant: [S256Only(required=True)]}
