"""The pushed authorization request endpoint (RFC 9126).

A client authenticates as at the token endpoint and POSTs the parameters it would have put
in the authorization URL; they are checked now exactly as the authorization endpoint
checks them (``authorization_request.py``, then authlib: client, redirect URI, response
type, PKCE), so a bad request fails here, to the client, instead of in the person's
browser. The answer is a one-time ``request_uri`` (``sessions/pushed_requests.py``).

A DPoP proof sent with the push binds the code to that key (RFC 9449 §10.1), as a
``dpop_jkt`` parameter would.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity_graph.container import Container
from identity_graph.oauth import bridge
from identity_graph.oauth.audit import Refusals
from identity_graph.oauth.authorization_request import first, with_known_scopes
from identity_graph.oauth.dpop import DPoPProofs, InvalidDPoPProof, proof_header
from identity_graph.oauth.server import IdentityAuthorizationServer
from identity_graph.oauth.starlette import (
    StarletteOAuth2Request,
    oauth2_request,
    oauth_error,
    request_from,
)

PATH = "/oauth/par"
_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
# Credentials authenticate the push; they are not part of the authorization request.
_NOT_KEPT = {"client_secret", "client_assertion", "client_assertion_type"}


def par_route(
    services: Container,
    server: IdentityAuthorizationServer,
    proofs: DPoPProofs,
    authorize_uri: str,
) -> Route:
    issuer = services.settings.public_url.rstrip("/")
    refusals = Refusals(services)

    async def authenticated(oauth_request: StarletteOAuth2Request) -> tuple[bridge.Prepared, str]:
        prepared = bridge.Prepared()
        basic_id, _ = extract_basic_authorization(oauth_request.headers)
        for client_id in {basic_id, oauth_request.form.get("client_id")} - {None, ""}:
            prepared.clients[str(client_id)] = await services.clients.get(str(client_id))
        client = bridge.run_inline(
            prepared, server.authenticate_client, oauth_request, _AUTH_METHODS, "par"
        )
        return prepared, client.get_client_id()

    async def checked(request: Request, oauth_request: StarletteOAuth2Request) -> Response:
        try:
            prepared, client_id = await authenticated(oauth_request)
        except OAuth2Error as error:
            return server.handle_error_response(oauth_request, error)
        params = [(k, v) for k, v in oauth_request.form.items() if k not in _NOT_KEPT]
        if first(params, "client_id") not in (None, client_id):
            return oauth_error("invalid_request", "client_id differs from the client")
        if first(params, "request_uri") is not None:
            return oauth_error("invalid_request", "request_uri cannot be pushed (RFC 9126 §2.1)")
        if first(params, "request") is not None:
            return oauth_error("request_not_supported", "Request objects are not supported.")
        if not first(params, "redirect_uri"):
            return oauth_error("invalid_request", "redirect_uri is required.")
        try:
            proof = proof_header(request.headers)
            jkt = await proofs.verify(proof, "POST", issuer + PATH) if proof else None
        except InvalidDPoPProof as error:
            return oauth_error(InvalidDPoPProof.error, str(error))
        if jkt is not None:
            if first(params, "dpop_jkt") not in (None, jkt):
                return oauth_error("invalid_request", "dpop_jkt differs from the DPoP proof key")
            params = [(k, v) for k, v in params if k != "dpop_jkt"] + [("dpop_jkt", jkt)]
        params = [(k, v) for k, v in params if k != "client_id"] + [("client_id", client_id)]
        params = with_known_scopes(params, prepared.clients.get(client_id))
        asked = request_from("GET", authorize_uri, oauth_request.headers, params)
        try:
            bridge.run_inline(prepared, server.get_consent_grant, asked)
        except OAuth2Error as error:
            return oauth_error(str(error.error), str(error.description or error.error))
        pushed = await services.pushed_requests.push(client_id, params)
        return JSONResponse(
            {"request_uri": pushed.request_uri, "expires_in": pushed.expires_in},
            status_code=201,
            headers={"Cache-Control": "no-store"},
        )

    async def push(request: Request) -> Response:
        oauth_request = await oauth2_request(request, issuer)
        response = await checked(request, oauth_request)
        basic_id, _ = extract_basic_authorization(oauth_request.headers)
        client_id = basic_id or oauth_request.form.get("client_id")
        await refusals.record(request, "par", client_id, response)
        return response

    return Route(PATH, push, methods=["POST"])
