"""Inputs of the verification mutations (SPEC §4.4 forms)."""

from __future__ import annotations

from datetime import date

import strawberry

from identity_graph.accounts.enums import EnterpriseSize as DomainSize
from identity_graph.accounts.enums import Holding as DomainHolding
from identity_graph.accounts.forms import DocumentInput
from identity_graph.graphql.accounts.enums import (
    EnterpriseSize,
    Holding,
    IdType,
    RegionType,
)
from identity_graph.graphql.input_rules import text, unprefixed
from identity_graph.graphql.verification.enums import RejectionReason, ReviewDecision
from identity_graph.ids.types import IdType as DomainIdType
from identity_graph.ids.types import RegionType as DomainRegion
from identity_graph.verification.documents import PersonForm, UnitForm
from identity_graph.verification.review import Decision
from identity_graph.verification.review import RejectionReason as DomainReason
from identity_graph.verification.service import Submission


@strawberry.input(description="A natural person's verification form (自然人实名认证).")
class PersonVerificationInput:
    real_name: str = strawberry.field(
        metadata=text(50), description="Real name as on the document."
    )
    region_type: RegionType = strawberry.field(description="Region of the document.")
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(metadata=text(64), description="Document number.")
    id_valid_from: date | None = strawberry.field(default=None, description="Issue date.")
    id_valid_until: date | None = strawberry.field(default=None, description="Expiry date.")
    id_long_term: bool = strawberry.field(default=False, description="Never expires (长期).")
    address: str | None = strawberry.field(metadata=text(200), default=None, description="Address.")

    def to_domain(self) -> PersonForm:
        return PersonForm(
            self.real_name,
            DomainRegion[self.region_type.name],
            DomainIdType[self.id_type.name],
            self.id_number,
            self.id_valid_from,
            self.id_valid_until,
            self.id_long_term,
            self.address,
        )


@strawberry.input(description="The legal representative on a unit's verification form.")
class RepresentativeVerificationInput:
    name: str = strawberry.field(metadata=text(50), description="Name.")
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(metadata=text(64), description="Document number.")


@strawberry.input(
    description="The person verifying for a unit (经办人), if not its legal representative."
)
class ProxyVerificationInput:
    id_type: IdType = strawberry.field(description="Document type.")
    id_number: str = strawberry.field(metadata=text(64), description="Document number.")


@strawberry.input(description="A legal person's verification form (法人实名认证).")
class UnitVerificationInput:
    code: str = strawberry.field(
        metadata=text(64), description="USCC (18) or organisation code (9)."
    )
    unit_name: str = strawberry.field(metadata=text(100), description="Registered name.")
    legal_representative: RepresentativeVerificationInput = strawberry.field(
        description="Legal representative."
    )
    founding_date: date | None = strawberry.field(default=None, description="Founding date.")
    address: str = strawberry.field(metadata=text(200), description="Registered address.")
    unit_phone: str | None = strawberry.field(
        metadata=text(32), default=None, description="Telephone."
    )
    industry: str | None = strawberry.field(
        metadata=text(16), default=None, description="GB/T 4754 code."
    )
    size: EnterpriseSize | None = strawberry.field(default=None, description="Size.")
    holding: Holding | None = strawberry.field(default=None, description="Ownership.")
    proxy: ProxyVerificationInput | None = strawberry.field(
        default=None,
        description="Who verifies for the unit when not the legal representative; the "
        "national platform must link them to the unit.",
    )

    def to_domain(self) -> UnitForm:
        rep = self.legal_representative
        proxy = self.proxy
        return UnitForm(
            self.code,
            self.unit_name,
            rep.name,
            DomainIdType[rep.id_type.name],
            rep.id_number,
            self.founding_date,
            self.address,
            self.unit_phone,
            self.industry,
            DomainSize[self.size.name] if self.size else None,
            DomainHolding[self.holding.name] if self.holding else None,
            DocumentInput(DomainIdType[proxy.id_type.name], proxy.id_number) if proxy else None,
        )


@strawberry.input(description="Submit real-name verification: one of `person` or `unit`.")
class SubmitRealNameVerificationInput:
    # The form's fields are named as the domain names them: `realName`, not `person.realName`.
    person: PersonVerificationInput | None = strawberry.field(
        default=None, description="For a resident account.", metadata=unprefixed()
    )
    unit: UnitVerificationInput | None = strawberry.field(
        default=None, description="For an enterprise account.", metadata=unprefixed()
    )
    captcha_id: str = strawberry.field(metadata=text(64), description="From the `captcha` query.")
    captcha_answer: str = strawberry.field(
        metadata=text(16), description="The characters in the image."
    )
    pledge_accepted: bool = strawberry.field(description="The truthfulness pledge (承诺书).")
    pledge_version: str = strawberry.field(
        metadata=text(32), description="The version read (`registrationPledge`)."
    )

    def submission(self) -> Submission:
        return Submission(
            self.captcha_id, self.captcha_answer, self.pledge_accepted, self.pledge_version
        )


@strawberry.input(description="Send uploaded scans for manual review.")
class SubmitManualReviewInput:
    document_ids: list[strawberry.ID] = strawberry.field(
        description="From `uploadDocument`: ID front and back (persons) or the licence (units), "
        "plus up to 3 others."
    )
    note: str | None = strawberry.field(
        metadata=text(500, multiline=True), default=None, description="A note for the reviewer."
    )


@strawberry.input(description="A reviewer's decision on a manual review.")
class DecideReviewInput:
    review_id: strawberry.ID = strawberry.field(description="From `reviewQueue`.")
    decision: ReviewDecision = strawberry.field(description="Approve or reject.")
    reasons: list[RejectionReason] = strawberry.field(
        default_factory=list, description="At least one to reject."
    )
    note: str | None = strawberry.field(
        metadata=text(1000, multiline=True), default=None, description="Free text for the holder."
    )

    def to_domain(self) -> Decision:
        return Decision(
            self.decision is ReviewDecision.APPROVE,
            [DomainReason[reason.name] for reason in self.reasons],
            self.note,
        )
