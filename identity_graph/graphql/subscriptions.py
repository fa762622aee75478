"""Subscriptions over graphql-transport-ws at ``/graphql`` (SPEC §9).

Each subscription listens on a channel of the event bus (``core/events.py``: in-process, or
Redis pub/sub across workers and nodes) and yields the *current* state read from the
database, first on subscribing and then after every change, so a lost or early notice never
shows anything wrong. The connection authenticates in ``connection_init`` with the same
bearer tokens as HTTP (``graphql/view.py``); every yield gets fresh DataLoaders, since a
WebSocket's context lives as long as the connection.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated

import strawberry
from graphql import GraphQLError

from identity_graph.accounts.models import Account as AccountModel
from identity_graph.accounts.service import verification_channel
from identity_graph.confirmations.models import ConfirmationRequest, RequestState
from identity_graph.confirmations.service import confirmation_channel
from identity_graph.core.errors import DomainError
from identity_graph.core.events import watch
from identity_graph.graphql.confirmations import TransactionConfirmation
from identity_graph.graphql.context import Info
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.verification.types import Verification, verification_of
from identity_graph.sessions.qr_login import QrStatus, qr_channel

# A QR code lives two minutes: a backstop read every 30-60 s in case its approval's notice
# was lost, and the read at its expiry. Other subscriptions keep watch's (longer) default.
QR_BACKSTOP_SECONDS = 60.0


def _require_viewer(info: Info) -> AccountModel | None:
    viewer = info.context.viewer
    if viewer is None:
        raise GraphQLError(
            info.context.t("NOT_AUTHENTICATED"), extensions={"code": "NOT_AUTHENTICATED"}
        )
    return viewer.account


@strawberry.enum(description="Where a QR-code login stands, as its page sees it.")
class QrLoginState(Enum):
    PENDING = strawberry.enum_value("pending", description="Waiting for an app to approve.")
    APPROVED = strawberry.enum_value(
        "approved", description="Approved: the page completes the login now."
    )
    EXPIRED = strawberry.enum_value(
        "expired", description="Expired, completed or unknown: show a new code."
    )


@strawberry.type(description="Live updates, over WebSocket (graphql-transport-ws) at `/graphql`.")
class Subscription:
    @strawberry.subscription(
        description="The QR-code login page's request (扫码登录): its state now and when an"
        " app approves or it expires. Needs the page's own poll token; ends after the last"
        " state."
    )
    async def qr_login_status(
        self,
        info: Info,
        request_id: Annotated[strawberry.ID, strawberry.argument(description="The request id.")],
        poll_token: Annotated[
            str,
            strawberry.argument(
                description="The secret only the requesting page holds.", metadata=text(128)
            ),
        ],
    ) -> AsyncGenerator[QrLoginState, None]:
        services = info.context.services
        try:
            key = uuid.UUID(str(request_id))
        except ValueError:
            yield QrLoginState.EXPIRED
            return

        async def read() -> QrStatus:
            return await services.qr_logins.status(key, poll_token[:128])

        # An approval is announced; an expiry is not, so the read is timed to it.
        async with services.events.listen(qr_channel(key)) as listener:
            async for status in watch(
                listener,
                read,
                lambda status: status.state,
                backstop_seconds=QR_BACKSTOP_SECONDS,
                due=lambda status: status.seconds_left,
            ):
                yield QrLoginState(status.state)
                if status.state != "pending":
                    return

    @strawberry.subscription(
        description="Partners (client-credentials token in `connection_init`): a confirmation"
        " request you opened, now and after every change; ends when it is final."
    )
    async def transaction_confirmation_changed(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The request id.")],
    ) -> AsyncGenerator[TransactionConfirmation, None]:
        partner = info.context.partner
        if partner is None:
            raise GraphQLError(
                info.context.t("PARTNER_TOKEN_REQUIRED"),
                extensions={"code": "PARTNER_TOKEN_REQUIRED"},
            )
        service = info.context.services.confirmations
        try:
            key = uuid.UUID(str(id))
            first = await service.for_client(partner.client_id, key)
        except (ValueError, DomainError):
            raise GraphQLError(
                info.context.t("CONFIRMATION_NOT_FOUND"),
                extensions={"code": "CONFIRMATION_NOT_FOUND", "field": "id"},
            ) from None

        async def read() -> ConfirmationRequest:
            return await service.for_client(partner.client_id, first.id)

        def state(row: ConfirmationRequest) -> tuple[object, ...]:
            return (row.state, row.updated_at)

        clock = info.context.services.clock

        def due(row: ConfirmationRequest) -> float:
            """Until its seven days end: the read then expires it (and announces that)."""
            return (row.expires_at - clock.now()).total_seconds()

        async with info.context.services.events.listen(confirmation_channel(key)) as listener:
            async for row in watch(listener, read, state, due=due):
                info.context.refresh_loaders()
                yield TransactionConfirmation.from_model(row)
                if row.state is not RequestState.OPEN:
                    return

    @strawberry.subscription(
        description="Your real-name verification, now and after every change (a registry"
        " check finishing, a reviewer's decision, a face check). Authenticate in"
        ' `connection_init` with `{Authorization: "Bearer …"}`.'
    )
    async def my_verification_changed(self, info: Info) -> AsyncGenerator[Verification, None]:
        _require_viewer(info)
        viewer = info.context.viewer
        assert viewer is not None
        services = info.context.services

        async def read() -> AccountModel:
            return await AccountModel.get(id=viewer.account_id)

        def key(account: AccountModel) -> tuple[object, ...]:
            return (
                account.verification_status,
                account.verification_case_id,
                account.level,
                account.updated_at,
            )

        async with services.events.listen(verification_channel(viewer.account_id)) as listener:
            async for account in watch(listener, read, key):
                info.context.refresh_loaders()
                yield await verification_of(info, account)
