"""Verification queries: requirements, the viewer's status, the reviewer's queue (SPEC §4)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity_graph.accounts.enums import LegalPersonType as DomainLegalPersonType
from identity_graph.accounts.enums import UnitRegion as DomainUnitRegion
from identity_graph.accounts.models import Account as AccountModel
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.graphql.accounts.enums import IdType, LegalPersonType, RegionType, UnitRegion
from identity_graph.graphql.context import Info
from identity_graph.graphql.errors import as_graphql_error
from identity_graph.graphql.pagination import (
    After,
    Before,
    Connection,
    Last,
    MaybeFirst,
    Paging,
    due_and_id,
    due_key,
)
from identity_graph.graphql.permissions import IsAuthenticated, IsReviewer
from identity_graph.graphql.verification.enums import ReviewStatus, VerificationSubject
from identity_graph.graphql.verification.types import (
    ManualReviewType,
    Verification,
    VerificationRequirements,
    verification_of,
)
from identity_graph.ids.types import IdType as DomainIdType
from identity_graph.ids.types import RegionType as DomainRegion
from identity_graph.verification import rules
from identity_graph.verification.models import ReviewState

_CURSOR = "review"


@strawberry.type
class VerificationQueries:
    @strawberry.field(
        description="Which path a verification takes (SPEC §4.3): give `regionType` and "
        "`idType` for a person, or `unitRegion` and `legalPersonType` for a unit."
    )
    def verification_requirements(
        self,
        info: Info,
        region_type: Annotated[
            RegionType | None,
            strawberry.argument(description="A person's region of residence; with `idType`."),
        ] = None,
        id_type: Annotated[
            IdType | None,
            strawberry.argument(description="A person's identity document; with `regionType`."),
        ] = None,
        unit_region: Annotated[
            UnitRegion | None,
            strawberry.argument(description="Where a unit is registered; with `legalPersonType`."),
        ] = None,
        legal_person_type: Annotated[
            LegalPersonType | None,
            strawberry.argument(
                description="Who represents a unit (法定代表人 kind); with `unitRegion`."
            ),
        ] = None,
    ) -> VerificationRequirements:
        if region_type is not None and id_type is not None:
            region, kind = DomainRegion[region_type.name], DomainIdType[id_type.name]
            try:
                return VerificationRequirements.from_domain(rules.person_requirements(region, kind))
            except ValueError:
                error = ValidationFailed.single("idType", "ID_TYPE_REGION_MISMATCH")
                raise as_graphql_error(info, error) from None
        if unit_region is not None and legal_person_type is not None:
            req = rules.unit_requirements(
                DomainUnitRegion[unit_region.name],
                DomainLegalPersonType[legal_person_type.name],
            )
            return VerificationRequirements.from_domain(req)
        raise as_graphql_error(info, ValidationFailed.single("regionType", "REQUIRED"))

    @strawberry.field(
        description="Your real-name verification: status, level, next steps, current case "
        "and history.",
        permission_classes=[IsAuthenticated],
    )
    async def my_verification(self, info: Info) -> Verification:
        viewer = info.context.viewer
        assert viewer is not None
        account = await AccountModel.get(id=viewer.account_id)
        return await verification_of(info, account)

    @strawberry.field(
        description="Reviewers: manual reviews, oldest due date first (overdue ones lead).",
        permission_classes=[IsReviewer],
    )
    async def review_queue(
        self,
        info: Info,
        status: Annotated[
            list[ReviewStatus] | None,
            strawberry.argument(description="Reviews in these states; leave out for open ones."),
        ] = None,
        subject: Annotated[
            VerificationSubject | None,
            strawberry.argument(description="Only reviews of persons or only of units."),
        ] = None,
        first: MaybeFirst = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ManualReviewType]:
        try:
            paging = Paging.of(
                _CURSOR, first=first, after=after, last=last, before=before, parse=due_and_id
            )
        except DomainError as error:
            raise as_graphql_error(info, error) from None
        states = [ReviewState[s.name] for s in status] if status else [ReviewState.OPEN]
        rows = await info.context.services.reviews.queue(
            states=states,
            subject=rules.Subject[subject.name] if subject else None,
            window=paging.window,
        )
        return paging.connection(rows, due_key, lambda row: ManualReviewType.from_model(info, row))
