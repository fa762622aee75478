"""Grant types the token endpoint supports, one class each (authlib's grants, configured).

Only what is implemented is registered; discovery lists exactly these.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7636 import CodeChallenge

from identity_graph.accounts.enums import AccountStatus
from identity_graph.oauth.bridge import PREPARED, call_async
from identity_graph.oauth.ciba import CibaGrant
from identity_graph.oauth.token_exchange import TokenExchangeGrant
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
        proven = prepared.dpop_jkt if prepared is not None else None
        if row is not None and row.dpop_jkt is not None and row.dpop_jkt != proven:
            return None  # RFC 9449 §10: asked for with a DPoP key, redeemed only with it
        if prepared is not None:
            prepared.code = row
        return row

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: the claim in ``query_authorization_code`` used it up."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Any:
        account = authorization_code.account
        return account if account.status == AccountStatus.ACTIVE else None

    def save_authorization_code(self, code: str, request: Any) -> None:
        """Called by ``create_authorization_response``; the route prepared who and how."""
        prepared = PREPARED.get()
        if prepared is None or prepared.code_request is None:
            raise RuntimeError("the authorize route must prepare the code request")
        payload = request.payload
        code_request = replace(
            prepared.code_request,
            client_id=request.client.get_client_id(),
            # As sent: the token request must repeat it only if it was sent (RFC 6749 §4.1.3).
            redirect_uri=payload.redirect_uri or "",
            scope=request.scope or "",
            nonce=payload.data.get("nonce"),
            code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method"),
            dpop_jkt=payload.data.get("dpop_jkt"),
        )
        call_async(self.server.codes.store, code, code_request)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """RFC 6749 §6 with rotation: every redemption returns a new refresh token, and a
    used one presented again revokes its family (OAuth 2.0 Security BCP §4.14.2)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Any:
        # The token route claimed it, and wrote its successor, before authlib ran
        # (``oauth/routes.py``, ``claim_first``): authlib reaches this hook only after the
        # same client authentication succeeded there and with the same refresh token present.
        prepared = PREPARED.get()
        return prepared.refresh if prepared is not None else None

    def authenticate_user(self, refresh_token: Any) -> Any:
        # The claim already checked that the login session lives (one hop, not two).
        account = refresh_token.account
        return account if account.status == AccountStatus.ACTIVE else None

    def revoke_old_credential(self, refresh_token: Any) -> None:
        """Nothing to do: the claim marked it used (and wrote the successor)."""


class S256Only(CodeChallenge):
    """RFC 7636 §4.2: ``plain`` only for clients that cannot do S256; every client here can.

    authlib asks public clients for PKCE only at the token endpoint; here a public client
    without a challenge is refused at the authorize step already (OAuth 2.0 Security BCP
    §2.1.1), and a challenge must name S256, since an omitted method means ``plain``.
    """

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        public = grant.request.client.row.token_endpoint_auth_method == "none"
        if public and not data.get("code_challenge"):
            raise InvalidRequestError("PKCE (S256 'code_challenge') is required.")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


GRANTS = (
    ClientCredentialsGrant,
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    TokenExchangeGrant,
    CibaGrant,
)
EXTENSIONS: dict[type, list[Any]] = {AuthorizationCodeGrant: [S256Only(required=True)]}
