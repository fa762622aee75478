"""RFC 8693 token exchange for agents (SPEC §7): a partner trades the access token it holds
for a person for one that names the enterprise the person acts for.

    POST /oauth/token
    grant_type=urn:ietf:params:oauth:grant-type:token-exchange
    subject_token=<the person's access token, issued to this client>
    subject_token_type=urn:ietf:params:oauth:token-type:access_token
    enterprise_id=<the unit's id>   (or uscc=<its credit code>)
    [scope=...]

The answer is an access token whose ``sub`` is the unit (as this client sees subjects),
with ``act`` naming the person (RFC 8693 §4.1), ``enterprise`` holding the context (id,
credit code, name, agent role, granted service codes) and ``abid`` the agent binding: it
dies with the binding (removal, expiry) at introspection and UserInfo, not at its expiry.
No refresh token: exchange again. The checks that need the database run on the event loop
before authlib is entered (``prepare_exchange``); the grant only reads what they found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749.errors import (
    InvalidGrantError,
    InvalidRequestError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.grants.base import BaseGrant, TokenEndpointMixin

from identity_graph.agents.context import EnterpriseContext
from identity_graph.container import Container
from identity_graph.oauth.bridge import PREPARED
from identity_graph.oauth.tokens import read_access_token

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"


@dataclass(frozen=True)
class Exchange:
    """What ``prepare_exchange`` found: a refusal, or the person, unit and subject claims."""

    client_id: str | None
    error: str | None = None  # "invalid_request" or "invalid_grant"
    description: str | None = None
    person_id: uuid.UUID | None = None
    context: EnterpriseContext | None = None
    subject_claims: dict[str, Any] | None = None


def refusal(client_id: str | None, error: str, description: str) -> Exchange:
    return Exchange(client_id, error, description)


class TokenExchangeGrant(BaseGrant, TokenEndpointMixin):
    """RFC 8693 for confidential clients registered with this grant type."""

    GRANT_TYPE = GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError(f"grant_type={self.GRANT_TYPE} is not allowed")
        self.request.client = client
        exchange = _prepared()
        if exchange.client_id != client.get_client_id():
            raise InvalidGrantError("the subject token was not issued to this client")
        if exchange.error == "invalid_request":
            raise InvalidRequestError(exchange.description)
        if exchange.error is not None:
            raise InvalidGrantError(exchange.description)
        self.validate_requested_scope()

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        exchange = _prepared()
        client = self.request.client
        scope = self.request.payload.scope or (exchange.subject_claims or {}).get("scope", "")
        scope = client.get_allowed_scope(scope)
        token = self.server.issue_exchanged_token(client, exchange, scope)
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        headers.append(("Pragma", "no-cache"))
        return 200, token, headers


def _prepared() -> Exchange:
    prepared = PREPARED.get()
    exchange = getattr(prepared, "exchange", None)
    if not isinstance(exchange, Exchange):
        raise InvalidRequestError("token exchange was not prepared")
    return exchange


async def prepare_exchange(
    services: Container, form: Mapping[str, str], client_id: str | None, issuer: str
) -> Exchange:
    """Everything the grant needs, read on the event loop: the subject token alive and
    issued to this client for a person, and that person acting for the unit asked for."""
    if form.get("subject_token_type") != ACCESS_TOKEN or not form.get("subject_token"):
        return refusal(client_id, "invalid_request", f"subject_token_type must be {ACCESS_TOKEN}")
    keys = await services.signing_keys.verification_keys()
    claims = read_access_token(form["subject_token"], keys, issuer)
    now = int(services.clock.now().timestamp())
    live = await services.issued_tokens.access(claims, now, fresh_account=True) if claims else None
    if claims is None or live is None or not live.active or live.account is None:
        return refusal(client_id, "invalid_grant", "the subject token is not active")
    if "abid" in claims or claims.get("client_id") != client_id:
        return refusal(client_id, "invalid_grant", "the subject token was not issued to you")
    unit = await _unit(services, form)
    if unit is None:
        return refusal(client_id, "invalid_request", "name the unit: enterprise_id or uscc")
    context = await services.agents.contexts.of_person(live.account.id, unit)
    if context is None:
        return refusal(client_id, "invalid_grant", "the person does not act for that unit")
    return Exchange(client_id, person_id=live.account.id, context=context, subject_claims=claims)


async def _unit(services: Container, form: Mapping[str, str]) -> uuid.UUID | None:
    if form.get("enterprise_id"):
        try:
            return uuid.UUID(form["enterprise_id"])
        except ValueError:
            return None
    if form.get("uscc"):
        found = await services.accounts.enterprise_by_uscc(form["uscc"])
        return found.id if found else None
    return None
