"""Grant types the token endpoint supports, one class each (authlib's grants, configured).

Only what is implemented is registered; discovery lists exactly these.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidScopeError


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


GRANTS = (ClientCredentialsGrant,)
