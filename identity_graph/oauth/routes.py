"""OAuth 2.0 routes: the token endpoint, introspection and revocation, authorization-server
metadata (RFC 8414) and the JWKS. Thin: read the request, check a DPoP proof (RFC 9449),
prepare what authlib needs, run authlib in the bridge."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity_graph.confirmations.ciba import GRANT_TYPE as CIBA_GRANT
from identity_graph.container import Container
from identity_graph.oauth import bridge
from identity_graph.oauth.audit import Refusals
from identity_graph.oauth.ciba import ciba_route, prepare_ciba
from identity_graph.oauth.ciba import metadata as ciba_metadata
from identity_graph.oauth.claims import SUPPORTED as CLAIMS
from identity_graph.oauth.dpop import ALGORITHMS as DPOP_ALGORITHMS
from identity_graph.oauth.dpop import DPoPProofs, InvalidDPoPProof, proof_header
from identity_graph.oauth.endpoints import IntrospectionEndpoint, RevocationEndpoint
from identity_graph.oauth.grants import GRANTS, RefreshTokenGrant
from identity_graph.oauth.par import PATH as PAR_PATH
from identity_graph.oauth.par import par_route
from identity_graph.oauth.server import IdentityAuthorizationServer
from identity_graph.oauth.service_permission import PATH as SERVICE_PERMISSION_PATH
from identity_graph.oauth.service_permission import service_permission_routes
from identity_graph.oauth.starlette import StarletteOAuth2Request, oauth2_request, oauth_error
from identity_graph.oauth.token_exchange import GRANT_TYPE as EXCHANGE_GRANT
from identity_graph.oauth.token_exchange import prepare_exchange
from identity_graph.oauth.tokens import (
    AccessToken,
    AccessTokenIssuer,
    AccessTokenPolicy,
    VerifiedTokens,
)
from identity_graph.oauth.userinfo import PATH as USERINFO_PATH
from identity_graph.oauth.userinfo import userinfo_routes
from identity_graph.sessions.signing_keys import Algorithm
from identity_graph.sessions.tokens import ACR_VALUES

TOKEN_PATH = "/oauth/token"
JWKS_PATH = "/oauth/jwks"
INTROSPECTION_PATH = "/oauth/introspect"
REVOCATION_PATH = "/oauth/revoke"
AUTHORIZE_PATH = "/oauth/authorize"
END_SESSION_PATH = "/oauth/logout"
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]


def provider_metadata(issuer: str, server: IdentityAuthorizationServer) -> dict[str, Any]:
    """OpenID Provider metadata (OIDC Discovery §3), also served as RFC 8414 metadata:
    exactly what is implemented, nothing more."""
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + AUTHORIZE_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "userinfo_endpoint": issuer + USERINFO_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "end_session_endpoint": issuer + END_SESSION_PATH,
        "pushed_authorization_request_endpoint": issuer + PAR_PATH,
        "require_pushed_authorization_requests": False,
        "dpop_signing_alg_values_supported": DPOP_ALGORITHMS,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "introspection_endpoint": issuer + INTROSPECTION_PATH,
        "revocation_endpoint": issuer + REVOCATION_PATH,
        # Not an RFC 8414 name: canHandleService for partner back-ends (README "Agents").
        "service_permission_endpoint": issuer + SERVICE_PERMISSION_PATH,
        "scopes_supported": server.scopes_supported,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [grant.GRANT_TYPE for grant in GRANTS],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "introspection_endpoint_auth_methods_supported": SECRET_METHODS,
        # RFC 7009 §2.1: a public client revokes its own tokens with its client_id alone.
        "revocation_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": list(ACR_VALUES.values()),
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": CLAIMS,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["zh-CN", "en"],
        **ciba_metadata(issuer),
    }


def invalid_request(description: str) -> Response:
    """An ``invalid_request`` error body (RFC 6749 §5.2), never cached (§5.1)."""
    return JSONResponse(
        {"error": "invalid_request", "error_description": description},
        status_code=400,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


async def refuse_control_characters(request: Request, field: str) -> Response:
    """The OAuth endpoints' answer to a parameter holding control characters."""
    return invalid_request(f"The {field[:64]} parameter holds control characters.")


def _client_id(request: StarletteOAuth2Request) -> str | None:
    basic_id, _ = extract_basic_authorization(request.headers)
    return basic_id or request.payload.data.get("client_id")


def _client_ids(request: StarletteOAuth2Request) -> set[str]:
    """Every client id the request names (header and form), so all can be prepared."""
    basic_id, _ = extract_basic_authorization(request.headers)
    return {value for value in (basic_id, request.payload.data.get("client_id")) if value}


def build_server(services: Container) -> IdentityAuthorizationServer:
    settings = services.settings
    issuer = settings.public_url.rstrip("/")
    return IdentityAuthorizationServer(
        services.clients,
        AccessTokenIssuer(
            services.clock,
            AccessTokenPolicy(
                issuer,
                client_credentials_ttl=settings.client_credentials_token_ttl_seconds,
                user_access_ttl=settings.access_token_ttl_seconds,
                id_token_ttl=settings.access_token_ttl_seconds,
            ),
            services.subjects,
            services.agents_session_context,
        ),
        services.authorization_codes,
        services.oauth_refresh_tokens,
        services.tokens,
    )


def oauth_routes(services: Container, server: IdentityAuthorizationServer) -> list[Route]:
    issuer = services.settings.public_url.rstrip("/")
    refusals = Refusals(services)
    proofs = DPoPProofs(services.clock, services.replay_cache)
    verified = VerifiedTokens(issuer)
    server.register_endpoint(IntrospectionEndpoint(server))
    server.register_endpoint(
        RevocationEndpoint(server, services.revocations, services.oauth_refresh_tokens)
    )

    async def prepare(oauth_request: StarletteOAuth2Request, name: str = "") -> bridge.Prepared:
        """The calling client and, for the endpoints, the token it asks about: alive only
        while it is in time, unrevoked, and its grant and login session live."""
        prepared = bridge.Prepared()
        for client_id in _client_ids(oauth_request):
            prepared.clients[client_id] = await services.clients.get(client_id)
        token_string = oauth_request.form.get("token")
        if not token_string:
            return prepared
        keys = await services.signing_keys.verification_keys()
        claims = verified.read(token_string, keys)
        if claims is not None:
            now = int(services.clock.now().timestamp())
            live = await services.issued_tokens.access(claims, now)
            prepared.tokens[token_string] = AccessToken.of_access_token(claims, live.active)
        elif name == RevocationEndpoint.ENDPOINT_NAME:
            refresh = await services.oauth_refresh_tokens.find(token_string)
            if refresh is not None:
                prepared.tokens[token_string] = refresh
        else:
            prepared.tokens[token_string] = await refresh_view(token_string, prepared)
        return prepared

    async def refresh_view(token_string: str, prepared: bridge.Prepared) -> AccessToken | None:
        """What introspection tells of a live refresh token (RFC 7662 §2.2)."""
        found = await services.issued_tokens.refresh(token_string)
        if found is None:
            return None
        row, account = found
        client = prepared.clients.get(row.client_id) or await services.clients.get(row.client_id)
        if client is None:
            return None
        claims = {
            "client_id": row.client_id,
            "sub": services.subjects.for_client(client, account.id),
            "scope": row.scope,
            "iss": issuer,
            "iat": int(row.created_at.timestamp()),
            "exp": int(row.expires_at.timestamp()),
        }
        return AccessToken(claims, True, "refresh_token")

    async def endpoint(name: str, request: Request) -> Response:
        oauth_request = await oauth2_request(request, issuer)
        prepared = await prepare(oauth_request, name)
        # Introspection reads only what was prepared; revocation writes (a bridge hop).
        runner = bridge.run_inline if name == IntrospectionEndpoint.ENDPOINT_NAME else None
        if runner is not None:
            response: Response = runner(
                prepared, server.create_endpoint_response, name, oauth_request
            )
        else:
            response = await bridge.run(
                prepared, server.create_endpoint_response, name, oauth_request
            )
        await refusals.record(request, name, _client_id(oauth_request), response)
        return response

    async def introspect(request: Request) -> Response:
        return await endpoint(IntrospectionEndpoint.ENDPOINT_NAME, request)

    async def revoke(request: Request) -> Response:
        return await endpoint(RevocationEndpoint.ENDPOINT_NAME, request)

    async def claim_first(prepared: bridge.Prepared, oauth_request: StarletteOAuth2Request) -> bool:
        """Authenticate the client as authlib will (prepared client, no I/O), then claim
        the refresh token and write its successor (``server.rotate_refresh``); False leaves
        the whole request to authlib in a thread, which then answers the error (bad client,
        missing token) as usual."""
        token_value = oauth_request.payload.data.get("refresh_token")
        if not isinstance(token_value, str) or not token_value:
            return False
        marker = bridge.PREPARED.set(prepared)
        prepared.inline = True  # only prepared clients: nothing may be fetched from here
        try:
            client = server.authenticate_client(
                oauth_request, RefreshTokenGrant.TOKEN_ENDPOINT_AUTH_METHODS, "token"
            )
        except OAuth2Error:
            return False
        finally:
            prepared.inline = False
            bridge.PREPARED.reset(marker)
        await server.rotate_refresh(prepared, token_value, client)
        return True

    async def token(request: Request) -> Response:
        oauth_request = await oauth2_request(request, issuer)
        client_id = _client_id(oauth_request)
        try:
            proof = proof_header(request.headers)
            jkt = await proofs.verify(proof, "POST", issuer + TOKEN_PATH) if proof else None
        except InvalidDPoPProof as error:
            refused = oauth_error(InvalidDPoPProof.error, str(error))
            await refusals.record(request, "token", client_id, refused)
            return refused
        prepared = bridge.Prepared(
            signing_key=await services.signing_keys.signing_key(Algorithm.ES256),
            id_token_key=await services.signing_keys.signing_key(Algorithm.RS256),
            dpop_jkt=jkt,
        )
        for named in _client_ids(oauth_request):
            prepared.clients[named] = await services.clients.get(named)
        grant_type = oauth_request.payload.grant_type
        if grant_type == EXCHANGE_GRANT:
            form = {key: str(value) for key, value in oauth_request.form.items()}
            prepared.exchange = await prepare_exchange(services, form, client_id, issuer)
        if grant_type == CIBA_GRANT:
            await prepare_ciba(services, server, oauth_request, prepared)
        if grant_type in ("client_credentials", EXCHANGE_GRANT, CIBA_GRANT):
            # Every hook of this grant reads only what was prepared: no thread needed.
            response: Response = bridge.run_inline(
                prepared, server.create_token_response, oauth_request
            )
        elif grant_type == "refresh_token" and await claim_first(prepared, oauth_request):
            # Claimed, and the successor written, here on the event loop; authlib then reads
            # only prepared objects. A successor it did not issue (it refused the request
            # after the claim: a wider scope, a disabled account) is removed again.
            try:
                response = bridge.run_inline(prepared, server.create_token_response, oauth_request)
            finally:
                await server.refresh_tokens.drop(prepared.successor)
        else:
            response = await bridge.run(prepared, server.create_token_response, oauth_request)
        await refusals.record(request, "token", client_id, response)
        return response

    async def metadata(request: Request) -> Response:
        return JSONResponse(
            provider_metadata(issuer, server), headers={"Cache-Control": "public, max-age=300"}
        )

    async def jwks(request: Request) -> Response:
        return JSONResponse(
            await services.signing_keys.jwks(), headers={"Cache-Control": "public, max-age=300"}
        )

    return [
        Route(TOKEN_PATH, token, methods=["POST"]),
        par_route(services, server, proofs, issuer + AUTHORIZE_PATH),
        ciba_route(services, server),
        Route(INTROSPECTION_PATH, introspect, methods=["POST"]),
        Route(REVOCATION_PATH, revoke, methods=["POST"]),
        Route(JWKS_PATH, jwks, methods=["GET"]),
        Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
        Route("/.well-known/openid-configuration", metadata, methods=["GET"]),
        *userinfo_routes(services),
        *service_permission_routes(services),
    ]
