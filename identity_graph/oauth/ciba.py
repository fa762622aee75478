"""CIBA's two doors (``confirmations/ciba.py`` holds the flow and its diagram):

    POST /oauth/bc-authorize          (client authentication as at the token endpoint)
    scope=openid ...&login_hint=<login name or ID number>[&binding_message=...]
    [&requested_expiry=<s>][&client_notification_token=<ping mode>]
    -> 200 {"auth_req_id", "expires_in", "interval"}

    POST /oauth/token
    grant_type=urn:openid:params:grant-type:ciba&auth_req_id=...
    -> tokens, or authorization_pending / slow_down / expired_token / access_denied

authlib has no CIBA; its building blocks do the rest: client authentication
(``authenticate_client``), the grant base (``BaseGrant``, ``TokenEndpointMixin``), the
error classes of RFC 8628 that CIBA §11 reuses. The client is authenticated before
anything is read or written; the database work runs on the event loop (``prepare_ciba``),
and authlib's grant then only reads what it found (``bridge.run_inline``).
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.grants.base import BaseGrant, TokenEndpointMixin
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc8628.errors import (
    AuthorizationPendingError,
    ExpiredTokenError,
    SlowDownError,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity_graph.confirmations.ciba import DELIVERY_MODES, GRANT_TYPE, Approved, CibaRefused
from identity_graph.container import Container
from identity_graph.core.audit import AuditContext
from identity_graph.oauth import bridge
from identity_graph.oauth.starlette import StarletteOAuth2Request, oauth2_request, oauth_error

PATH = "/oauth/bc-authorize"
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
ERRORS: dict[str, type[OAuth2Error]] = {
    "authorization_pending": AuthorizationPendingError,
    "slow_down": SlowDownError,
    "expired_token": ExpiredTokenError,
    "access_denied": AccessDeniedError,
    "invalid_grant": InvalidGrantError,
}


def metadata(issuer: str) -> dict[str, Any]:
    """CIBA §4: the discovery fields."""
    return {
        "backchannel_authentication_endpoint": issuer + PATH,
        "backchannel_token_delivery_modes_supported": list(DELIVERY_MODES),
        "backchannel_user_code_parameter_supported": False,
    }


class CibaGrant(BaseGrant, TokenEndpointMixin):
    """``urn:openid:params:grant-type:ciba`` (CIBA §10.1) for confidential clients."""

    GRANT_TYPE = GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError(f"grant_type={self.GRANT_TYPE} is not allowed")
        self.request.client = client
        outcome = _prepared()
        if isinstance(outcome, CibaRefused):
            error = ERRORS.get(outcome.error, InvalidRequestError)
            raise error(outcome.description)
        self.request.user = outcome.account

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        outcome = _prepared()
        assert isinstance(outcome, Approved)
        token = self.generate_token(
            user=outcome.account, scope=outcome.scope, include_refresh_token=False
        )
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        headers.append(("Pragma", "no-cache"))
        return 200, token, headers


def _prepared() -> Approved | CibaRefused:
    prepared = bridge.PREPARED.get()
    outcome = getattr(prepared, "ciba", None)
    if not isinstance(outcome, Approved | CibaRefused):
        raise InvalidRequestError("auth_req_id is required")
    return outcome


def _client_ids(request: StarletteOAuth2Request) -> set[str]:
    basic_id, _ = extract_basic_authorization(request.headers)
    return {value for value in (basic_id, request.payload.data.get("client_id")) if value}


async def _authenticated(
    services: Container, server: Any, oauth_request: StarletteOAuth2Request
) -> Any:
    """The client, authenticated as authlib does (prepared row, no I/O in authlib)."""
    prepared = bridge.Prepared()
    for client_id in _client_ids(oauth_request):
        prepared.clients[client_id] = await services.clients.get(client_id)
    return bridge.run_inline(prepared, server.authenticate_client, oauth_request, AUTH_METHODS)


async def prepare_ciba(
    services: Container, server: Any, oauth_request: StarletteOAuth2Request, prepared: Any
) -> None:
    """For the token endpoint: authenticate, then poll; the grant answers what was found.
    A client that fails authentication is left to authlib (``invalid_client``)."""
    try:
        client = await _authenticated(services, server, oauth_request)
    except OAuth2Error:
        return
    if not client.check_grant_type(GRANT_TYPE):
        return  # the grant answers unauthorized_client
    auth_req_id = oauth_request.form.get("auth_req_id")
    if not auth_req_id:
        prepared.ciba = CibaRefused("invalid_request", "auth_req_id is required")
        return
    try:
        prepared.ciba = await services.ciba.redeem(client.get_client_id(), str(auth_req_id))
    except CibaRefused as refused:
        prepared.ciba = refused
    if isinstance(prepared.ciba, Approved):
        prepared.code = prepared.ciba  # auth_time, acr, amr of the ID token


def ciba_route(services: Container, server: Any) -> Route:
    issuer = services.settings.public_url.rstrip("/")

    async def bc_authorize(request: Request) -> Response:
        oauth_request = await oauth2_request(request, issuer)
        try:
            client = await _authenticated(services, server, oauth_request)
        except OAuth2Error as error:
            return server.handle_error_response(oauth_request, error)
        form = {key: str(value) for key, value in oauth_request.form.items()}
        context = AuditContext(client_ip=request.client.host if request.client else None)
        try:
            started = await services.ciba.start(client.row, form, context)
        except CibaRefused as refused:
            status = 401 if refused.error == "invalid_client" else 400
            if refused.error in ("unauthorized_client", "access_denied"):
                status = 403
            return oauth_error(refused.error, refused.description, status)
        return JSONResponse(
            {
                "auth_req_id": started.auth_req_id,
                "expires_in": started.expires_in,
                "interval": started.interval,
            },
            headers={"Cache-Control": "no-store"},
        )

    return Route(PATH, bc_authorize, methods=["POST"])
