"""Operator mutations for partner systems: ``registerClient``, ``updateClient``,
``rotateClientSecret`` (admin role)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity_graph.accounts.enums import Role
from identity_graph.clients.service import ClientChanges, ClientRegistration, RegisteredClient
from identity_graph.core.errors import NotAuthorized
from identity_graph.graphql.clients.types import (
    CibaDeliveryMode,
    ClientSecretResult,
    ClientUpdated,
    ClientWithSecret,
    OAuthClient,
    RegisterClientInput,
    UpdateClientInput,
    UpdateClientResult,
)
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import payload
from identity_graph.graphql.input_rules import text


def _require_admin(info: Info) -> None:
    viewer = info.context.viewer
    if viewer is None:
        raise NotAuthorized("NOT_AUTHENTICATED")
    if not viewer.has_role(Role.ADMIN):
        raise NotAuthorized()


def _value(mode: CibaDeliveryMode | None) -> str | None:
    return str(mode.value) if mode is not None else None


def _with_secret(result: RegisteredClient) -> ClientWithSecret:
    return ClientWithSecret(
        client=OAuthClient.from_model(result.client), client_secret=result.secret
    )


@strawberry.type
class ClientMutations:
    @strawberry.mutation(description="Register a partner system (admin). The secret is shown once.")
    async def register_client(self, info: Info, input: RegisterClientInput) -> ClientSecretResult:
        context = info.context

        async def call() -> RegisteredClient:
            _require_admin(info)
            registration = ClientRegistration(
                name=input.name,
                grant_types=input.grant_types,
                token_endpoint_auth_method=input.token_endpoint_auth_method,
                scopes=input.scopes,
                redirect_uris=input.redirect_uris,
                post_logout_redirect_uris=input.post_logout_redirect_uris,
                backchannel_logout_uri=input.backchannel_logout_uri,
                first_party=input.first_party,
                subject_type=input.subject_type,
                sector_identifier=input.sector_identifier,
                backchannel_token_delivery_mode=_value(input.backchannel_token_delivery_mode),
                backchannel_client_notification_endpoint=(
                    input.backchannel_client_notification_endpoint
                ),
            )
            return await context.services.clients.register(registration, context.audit)

        return await payload(info, call(), _with_secret)

    @strawberry.mutation(description="Change a partner system (admin).")
    async def update_client(self, info: Info, input: UpdateClientInput) -> UpdateClientResult:
        context = info.context

        async def call() -> ClientUpdated:
            _require_admin(info)
            changes = ClientChanges(
                name=input.name,
                grant_types=input.grant_types,
                token_endpoint_auth_method=input.token_endpoint_auth_method,
                scopes=input.scopes,
                redirect_uris=input.redirect_uris,
                post_logout_redirect_uris=input.post_logout_redirect_uris,
                backchannel_logout_uri=input.backchannel_logout_uri,
                first_party=input.first_party,
                disabled=input.disabled,
                backchannel_token_delivery_mode=_value(input.backchannel_token_delivery_mode),
                backchannel_client_notification_endpoint=(
                    input.backchannel_client_notification_endpoint
                ),
            )
            row = await context.services.clients.update(input.client_id, changes, context.audit)
            return ClientUpdated(client=OAuthClient.from_model(row))

        return await payload(info, call(), lambda result: result)

    @strawberry.mutation(
        description="Issue a new secret (admin); the old one stops working at once."
    )
    async def rotate_client_secret(
        self,
        info: Info,
        client_id: Annotated[
            str,
            strawberry.argument(description="The partner system's `client_id`.", metadata=text(64)),
        ],
    ) -> ClientSecretResult:
        context = info.context

        async def call() -> RegisteredClient:
            _require_admin(info)
            return await context.services.clients.rotate_secret(client_id, context.audit)

        return await payload(info, call(), _with_secret)
