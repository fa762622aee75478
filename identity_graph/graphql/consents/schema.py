"""``myConsents`` and ``revokeConsent``: which partner systems a person allowed, and
withdrawing that (SPEC §7)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from identity_graph.core.errors import DomainError, NotAuthorized
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import (
    NotAuthorizedError,
    OperationRefused,
    RateLimitedError,
    ValidationErrors,
    as_graphql_error,
    payload,
)
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    list_connection,
    page_of_list,
)
from identity_graph.graphql.permissions import IsAuthenticated

_CURSOR = "consent"


@strawberry.type(description="A partner system you allowed to use some of your data.")
class Consent:
    client_id: str = strawberry.field(description="The partner system's `client_id`.")
    client_name: str = strawberry.field(description="Its name, as on the consent page.")
    scopes: list[str] = strawberry.field(description="What you allowed.")
    granted_at: datetime = strawberry.field(description="When you last allowed it.")


@strawberry.type(description="The consent is withdrawn; the system must ask again.")
class ConsentRevoked:
    client_id: str = strawberry.field(description="The partner system.")


RevokeConsentResult = Annotated[
    ConsentRevoked | ValidationErrors | RateLimitedError | NotAuthorizedError | OperationRefused,
    strawberry.union("RevokeConsentResult", description="Withdrawn, or why not."),
]


@strawberry.type
class ConsentQueries:
    @strawberry.field(
        description="Partner systems you allowed, newest first: a connection (Relay), "
        "paged forwards or backwards.",
        permission_classes=[IsAuthenticated],
    )
    async def my_consents(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Consent]:
        viewer = info.context.viewer
        assert viewer is not None
        services = info.context.services
        rows = await services.consents.of(viewer.account_id)
        try:
            page, page_info, cursors = page_of_list(
                rows,
                _CURSOR,
                lambda row: row.client_id,
                first=first,
                after=after,
                last=last,
                before=before,
            )
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        names = {}
        for row in page:
            client = await services.clients.get(row.client_id)
            names[row.client_id] = client.name if client else row.client_id
        return list_connection(
            page,
            page_info,
            cursors,
            lambda row: Consent(
                client_id=row.client_id,
                client_name=names[row.client_id],
                scopes=list(row.scopes),
                granted_at=row.granted_at,
            ),
        )


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(
        description="Withdraw a consent; the system's refresh tokens for you stop working."
    )
    async def revoke_consent(
        self,
        info: Info,
        client_id: Annotated[
            str,
            strawberry.argument(description="The partner system's `client_id`.", metadata=text(64)),
        ],
    ) -> RevokeConsentResult:
        context = info.context

        async def call() -> str:
            viewer = context.viewer
            if viewer is None:
                raise NotAuthorized("NOT_AUTHENTICATED")
            if not await context.services.consents.revoke(
                viewer.account_id, client_id, context.audit
            ):
                raise DomainError("CONSENT_NOT_FOUND", "clientId")
            return client_id

        return await payload(info, call(), lambda revoked: ConsentRevoked(client_id=revoked))
