"""``me``, ``infoUpdateRecords`` and ``registrationPledge``."""

from __future__ import annotations

import strawberry

from identity_graph.accounts import pledge
from identity_graph.accounts.models import InfoUpdateRecord as RecordModel
from identity_graph.core.errors import ValidationFailed
from identity_graph.graphql.accounts.payloads import (
    FieldChange,
    InfoUpdateRecord,
    RegistrationPledge,
)
from identity_graph.graphql.accounts.types import Account
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    Paging,
)
from identity_graph.graphql.permissions import IsAuthenticated

_CURSOR = "info-update"


def _record(row: RecordModel) -> InfoUpdateRecord:
    return InfoUpdateRecord(
        changed_at=row.created_at,
        actor_id=strawberry.ID(str(row.actor_id)) if row.actor_id else None,
        changes=[
            FieldChange(field=item["field"], old_value=item["old"], new_value=item["new"])
            for item in row.changes
        ],
        reverification=row.reverification,
    )


@strawberry.type
class AccountQueries:
    @strawberry.field(
        description="The logged-in account: kind, login name, masked phone and e-mail, status, "
        "level, and its person or unit details.",
        permission_classes=[IsAuthenticated],
    )
    async def me(self, info: Info) -> Account | None:
        viewer = info.context.viewer
        assert viewer is not None
        model = await info.context.loaders.account_by_id.load(viewer.account_id)
        return Account.from_model(model, info) if model else None

    @strawberry.field(
        description="Your profile changes (信息更新记录), newest first.",
        permission_classes=[IsAuthenticated],
    )
    async def info_update_records(
        self,
        info: Info,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[InfoUpdateRecord]:
        viewer = info.context.viewer
        assert viewer is not None
        try:
            paging = Paging.of(_CURSOR, first=first, after=after, last=last, before=before)
        except ValidationFailed as exc:
            raise as_graphql_error(info, exc) from None
        rows = await info.context.services.info_updates.page(viewer.account_id, paging.window)
        return paging.connection(rows, lambda row: row.id, _record)

    @strawberry.field(description="The truthfulness pledge to show on registration forms.")
    def registration_pledge(self, info: Info) -> RegistrationPledge:
        current = pledge.CURRENT
        text = current.text_zh if info.context.locale == "zh-CN" else current.text_en
        return RegistrationPledge(version=current.version, text=text)
