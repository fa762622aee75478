"""Partner systems (OAuth clients) for operators (SPEC §7). Secrets appear only in the
answer that created them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from identity_graph.clients.models import OAuthClient as ClientModel
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
)
from identity_graph.graphql.input_rules import text


@strawberry.enum(
    description="How a CIBA client learns that the person has answered (CIBA Core §5)."
)
class CibaDeliveryMode(Enum):
    POLL = strawberry.enum_value(
        "poll", description="The client polls the token endpoint with its `auth_req_id`."
    )
    PING = strawberry.enum_value(
        "ping",
        description="The client is told at its notification endpoint, then asks the token"
        " endpoint once.",
    )


def _mode(value: str | None) -> CibaDeliveryMode | None:
    return CibaDeliveryMode(value) if value else None


@strawberry.type(description="A partner system (接入系统) registered as an OAuth client.")
class OAuthClient:
    client_id: str = strawberry.field(description="Public identifier (`client_id`).")
    name: str = strawberry.field(description="Display name, shown on the consent page.")
    grant_types: list[str] = strawberry.field(description="Allowed grant types.")
    token_endpoint_auth_method: str = strawberry.field(
        description="`client_secret_basic`, `client_secret_post` or `none` (public, PKCE)."
    )
    scopes: list[str] = strawberry.field(description="Scopes the client may ask for.")
    redirect_uris: list[str] = strawberry.field(description="Exact redirect URIs.")
    post_logout_redirect_uris: list[str] = strawberry.field(
        description="Exact URIs allowed after RP-initiated logout."
    )
    backchannel_logout_uri: str | None = strawberry.field(
        description="Where logout tokens are posted."
    )
    first_party: bool = strawberry.field(description="First-party clients skip consent.")
    subject_type: str = strawberry.field(
        description="`public` (the account id) or `pairwise` (a per-sector `sub`)."
    )
    backchannel_token_delivery_mode: CibaDeliveryMode | None = strawberry.field(
        description="CIBA token delivery mode (CIBA 令牌交付方式); null without the CIBA grant."
    )
    backchannel_client_notification_endpoint: str | None = strawberry.field(
        description="Where CIBA pings go (CIBA 通知地址); ping mode only."
    )
    disabled: bool = strawberry.field(description="A disabled client gets no tokens.")
    created_at: datetime = strawberry.field(description="Registration time.")

    @classmethod
    def from_model(cls, row: ClientModel) -> OAuthClient:
        return cls(
            client_id=row.client_id,
            name=row.name,
            grant_types=list(row.grant_types),
            token_endpoint_auth_method=row.token_endpoint_auth_method,
            scopes=list(row.scopes),
            redirect_uris=list(row.redirect_uris),
            post_logout_redirect_uris=list(row.post_logout_redirect_uris),
            backchannel_logout_uri=row.backchannel_logout_uri,
            first_party=row.first_party,
            subject_type=row.subject_type,
            backchannel_token_delivery_mode=_mode(row.backchannel_token_delivery_mode),
            backchannel_client_notification_endpoint=row.backchannel_client_notification_endpoint,
            disabled=row.disabled_at is not None,
            created_at=row.created_at,
        )


@strawberry.type(description="The client and, once only, its secret. Store the secret now.")
class ClientWithSecret:
    client: OAuthClient = strawberry.field(description="The client.")
    client_secret: str | None = strawberry.field(
        description="The secret (null for public clients); it cannot be shown again."
    )


@strawberry.type(description="The client as saved.")
class ClientUpdated:
    client: OAuthClient = strawberry.field(description="The client.")


@strawberry.input(description="A new partner system.")
class RegisterClientInput:
    name: str = strawberry.field(metadata=text(100), description="Display name.")
    grant_types: list[str] = strawberry.field(
        metadata=text(64),
        description="`authorization_code`, `refresh_token`, `client_credentials`,"
        " `urn:ietf:params:oauth:grant-type:token-exchange`, `urn:openid:params:grant-type:ciba`.",
    )
    token_endpoint_auth_method: str = strawberry.field(
        metadata=text(64),
        default="client_secret_basic",
        description="How the client authenticates.",
    )
    scopes: list[str] = strawberry.field(
        metadata=text(64),
        default_factory=lambda: ["openid", "profile"],
        description="`openid`, `profile`, `phone`, `email`, `identity`.",
    )
    redirect_uris: list[str] = strawberry.field(
        metadata=text(500),
        default_factory=list,
        description="https, or http on 127.0.0.1/localhost.",
    )
    post_logout_redirect_uris: list[str] = strawberry.field(
        metadata=text(500), default_factory=list, description="Allowed after logout."
    )
    backchannel_logout_uri: str | None = strawberry.field(
        metadata=text(500), default=None, description="Back-channel logout endpoint."
    )
    first_party: bool = strawberry.field(default=False, description="Skip consent.")
    subject_type: str = strawberry.field(
        metadata=text(16), default="public", description="`public` or `pairwise` (OIDC Core §8)."
    )
    sector_identifier: str | None = strawberry.field(
        metadata=text(200),
        default=None,
        description="Pairwise sector shared by several clients; default: the redirect host.",
    )
    backchannel_token_delivery_mode: CibaDeliveryMode | None = strawberry.field(
        default=None,
        description="With the grant `urn:openid:params:grant-type:ciba` (confidential"
        " clients only): poll or ping.",
    )
    backchannel_client_notification_endpoint: str | None = strawberry.field(
        metadata=text(500),
        default=None,
        description="Ping mode: the https endpoint told when the person has answered.",
    )


@strawberry.input(description="Changes to a client; fields left out stay as they are.")
class UpdateClientInput:
    client_id: str = strawberry.field(metadata=text(64), description="Which client.")
    name: str | None = strawberry.field(
        metadata=text(100), default=None, description="Display name."
    )
    grant_types: list[str] | None = strawberry.field(
        metadata=text(64), default=None, description="Grant types."
    )
    token_endpoint_auth_method: str | None = strawberry.field(
        metadata=text(64), default=None, description="Auth method."
    )
    scopes: list[str] | None = strawberry.field(
        metadata=text(64), default=None, description="Scopes."
    )
    redirect_uris: list[str] | None = strawberry.field(
        metadata=text(500), default=None, description="Redirects."
    )
    post_logout_redirect_uris: list[str] | None = strawberry.field(
        metadata=text(500), default=None, description="After-logout redirects."
    )
    backchannel_logout_uri: str | None = strawberry.field(
        metadata=text(500), default=None, description="Back-channel logout endpoint."
    )
    first_party: bool | None = strawberry.field(default=None, description="Skip consent.")
    disabled: bool | None = strawberry.field(default=None, description="Disable or enable.")
    backchannel_token_delivery_mode: CibaDeliveryMode | None = strawberry.field(
        default=None,
        description="CIBA delivery mode; turning to poll drops the notification endpoint.",
    )
    backchannel_client_notification_endpoint: str | None = strawberry.field(
        metadata=text(500),
        default=None,
        description="CIBA notification endpoint (ping mode); an empty string removes it.",
    )


_ERRORS = ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused
ClientSecretResult = Annotated[
    ClientWithSecret | _ERRORS,
    strawberry.union("ClientSecretResult", description="The client and its secret, or why not."),
]
UpdateClientResult = Annotated[
    ClientUpdated | _ERRORS,
    strawberry.union("UpdateClientResult", description="Saved, or why not."),
]
