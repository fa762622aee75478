"""Agent queries: ``enterpriseLookup`` (public), ``myAgents`` (the unit's managers),
``myAuthorizations`` (a person), ``canHandleService`` (a person or a partner back-end) and
``services`` (operators)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity_graph.agents.check_request import unit_ref
from identity_graph.agents.checks import UnitRef
from identity_graph.agents.models import BindingState
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.graphql.agents.enums import AgentStatus
from identity_graph.graphql.agents.pages import caller, paging, person_bindings_page, unit_page
from identity_graph.graphql.agents.types import (
    Agent,
    AgentConnection,
    EnterpriseLookupResult,
    Service,
    ServiceConnection,
    ServicePermission,
    parse_id,
)
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.input_rules import text
from identity_graph.graphql.pagination import (
    After,
    Before,
    Last,
    MaybeFirst,
    Paging,
)
from identity_graph.graphql.permissions import IsAdmin, IsAuthenticated

_LIVE = [AgentStatus.PENDING, AgentStatus.ACTIVE]
Statuses = Annotated[
    list[AgentStatus] | None,
    strawberry.argument(description="Only these statuses (default: pending and active)."),
]


def _states(statuses: list[AgentStatus] | None) -> list[BindingState]:
    return [BindingState(str(status.value)) for status in (statuses or _LIVE)]


def _unit_ref(enterprise_id: strawberry.ID | None, uscc: str | None) -> UnitRef:
    return unit_ref(str(enterprise_id) if enterprise_id is not None else None, uscc)


@strawberry.type
class AgentQueries:
    @strawberry.field(
        description="Public minimal look-up of a unit by credit code before applying to be its"
        " agent: the masked name and the unit's standing, or null. Rate-limited per address."
    )
    async def enterprise_lookup(
        self,
        info: Info,
        uscc: Annotated[
            str,
            strawberry.argument(
                description="Unified social credit code (18 characters).", metadata=text(32)
            ),
        ],
    ) -> EnterpriseLookupResult | None:
        context = info.context
        try:
            found = await context.services.agents.lookup(uscc, context.client_ip)
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        return EnterpriseLookupResult.from_summary(found) if found else None

    @strawberry.field(
        description="The unit's agents (我的经办人), oldest first: only the unit's legal account"
        " and its main or admin agents may list them.",
        permission_classes=[IsAuthenticated],
    )
    async def my_agents(
        self,
        info: Info,
        enterprise_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The unit, for a person managing it without having switched into it."
            ),
        ] = None,
        status: Statuses = None,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AgentConnection:
        try:
            unit = parse_id(enterprise_id, "enterpriseId") if enterprise_id else None
            return await unit_page(info, unit, _states(status), paging(first, after, last, before))
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None

    @strawberry.field(
        description="Units that authorised me (法人(单位)授权办理情况): my bindings with each unit,"
        " its status and the services it granted.",
        permission_classes=[IsAuthenticated],
    )
    async def my_authorizations(
        self,
        info: Info,
        status: Statuses = None,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AgentConnection:
        try:
            return await person_bindings_page(
                info, paging(first, after, last, before), _states(status)
            )
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None

    @strawberry.field(
        description="May a person handle a service for a unit? A person asks for themself; a"
        " partner back-end (client-credentials token) asks about a person (`personId`: the"
        " `sub` it knows) and only for services it provides. Refusals carry a stable code,"
        " e.g. `NO_PERMISSION_FOR_SERVICE`."
    )
    async def can_handle_service(
        self,
        info: Info,
        service_code: Annotated[
            str, strawberry.argument(description="The service code (事项编码).", metadata=text(32))
        ],
        enterprise_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The unit's id (or give `uscc`).")
        ] = None,
        uscc: Annotated[
            str | None,
            strawberry.argument(
                description="The unit's credit code (or give `enterpriseId`).", metadata=text(32)
            ),
        ] = None,
        person_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Partner calls: the person asked about."),
        ] = None,
    ) -> ServicePermission:
        context = info.context
        agents = context.services.agents
        try:
            unit = _unit_ref(enterprise_id, uscc)
            if context.partner is not None:
                decision = await agents.can_handle_for_client(
                    context.partner, unit, service_code, person_id
                )
            else:
                decision = await agents.can_handle_for_person(caller(info), unit, service_code)
        except DomainError as exc:
            raise as_graphql_error(info, exc) from None
        return ServicePermission.from_decision(info, decision)

    @strawberry.field(
        description="The binding this session acts under (after agent login or"
        " `switchEnterprise`), or null when acting as yourself.",
        permission_classes=[IsAuthenticated],
    )
    async def acting_as(self, info: Info) -> Agent | None:
        viewer = info.context.viewer
        if viewer is None or viewer.acting_enterprise_id is None:
            return None
        binding = await info.context.services.agents.bindings.acting(
            viewer.account_id, viewer.acting_enterprise_id
        )
        return Agent.from_model(binding) if binding else None

    @strawberry.field(
        description="The services catalogue (事项), oldest first (admin).",
        permission_classes=[IsAdmin],
    )
    async def services(
        self,
        info: Info,
        client_id: Annotated[
            str | None,
            strawberry.argument(
                description="Only the services of this partner system.", metadata=text(64)
            ),
        ] = None,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ServiceConnection:
        try:
            paging = Paging.of("service", first=first, after=after, last=last, before=before)
        except ValidationFailed as exc:
            raise as_graphql_error(info, exc) from None
        rows = await info.context.services.catalogue.listing(
            client_id=client_id, window=paging.window
        )
        return paging.connection(rows, lambda row: row.id, Service.from_model)
