"""Submitting real-name verification and running the registry check (SPEC §4.3, §4.4).

The state diagram of a case is in ``cases.py``. A submission is one transaction: the form
is checked (captcha, pledge, documents), its identity data is sealed on the new case as a
proposal (``proposals.py``), the previous case is superseded, the new case becomes the
account's current one and a registry-check job is queued. The profile keeps its data until
the case verifies (VERIFIED or MANUAL_APPROVED): only then is the proposal written (an info
update record says it re-ran verification), so a failed check leaves the profile as it was.
An identity change of a verified account (``reverification.py``) keeps the verified case
as ``previous_case_id``: approved, the old case is superseded; rejected, the account points
at the old case again, verified with its old identity. The check
itself runs after the commit, so no transaction waits on an authority; the queued job is
the safety net that retries it when the registry is unavailable or the process dies.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from identity_graph.accounts import pledge
from identity_graph.accounts.enums import AccountKind, AssuranceLevel
from identity_graph.accounts.models import Account, Enterprise, NaturalPerson
from identity_graph.accounts.profile import ProfileService
from identity_graph.accounts.service import AccountService
from identity_graph.accounts.vault import PersonalData
from identity_graph.challenges.captcha import CaptchaService
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock, local_date
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.jobs import JobQueue, Postpone
from identity_graph.core.ratelimit import RateLimiter, Rule
from identity_graph.verification.cases import STATUS_OF, WAITING_FOR_HOLDER, level_of, move
from identity_graph.verification.claims import ClaimCodec
from identity_graph.verification.documents import (
    PersonForm,
    UnitForm,
    clean_person_form,
    clean_unit_form,
)
from identity_graph.verification.models import (
    CaseReason,
    CaseState,
    VerificationAttempt,
    VerificationCase,
)
from identity_graph.verification.notices import Notices
from identity_graph.verification.proposals import ProposalCodec
from identity_graph.verification.providers.base import (
    PersonClaim,
    RegistryAnswer,
    RegistryCheck,
    RegistryOutcome,
    UnitClaim,
)
from identity_graph.verification.rules import Method, Route, Subject, person_route, unit_route

log = logging.getLogger("identity_graph.verification")

REGISTRY_JOB = "verification.registry_check"

MESSAGES = {
    "ALREADY_VERIFIED": (
        "账号已通过实名认证；如需修改实名信息，请在个人资料中修改并确认重新认证",
        "The account is already verified; to change identity data, edit the profile and"
        " confirm re-verification",
    ),
    "VERIFICATION_IN_PROGRESS": (
        "实名认证正在进行中，请稍后查看结果",
        "Verification is in progress; check back for the result",
    ),
    "REVIEW_IN_PROGRESS": (
        "材料正在人工审核中，请等待审核结果",
        "Your materials are being reviewed; please wait for the decision",
    ),
    "IDENTITY_CHANGE_NEEDS_REVIEW": (
        "已认证账号变更实名身份须提交人工审核",
        "Changing the identity of a verified account needs manual review",
    ),
    "CASE_ALREADY_MOVED": (
        "认证状态已变化，请刷新后重试",
        "The verification status changed meanwhile; reload and try again",
    ),
    "STAFF_NOT_VERIFIED": ("工作人员账号无需实名认证", "Staff accounts are not verified"),
    "PERSON_OR_UNIT_REQUIRED": (
        "请填写自然人或法人认证信息之一",
        "Send exactly one of the person and unit forms",
    ),
    "ID_INVALID": ("标识格式不正确", "Not a valid id"),
    "RETURN_URL_INVALID": (
        "返回地址须为本站路径（以 / 开头）",
        "The return address must be a path on this site (starting with /)",
    ),
    "REGISTRY_UNAVAILABLE": ("国家平台暂时无法核验", "The national platform could not answer"),
    "NOTHING_TO_WITHDRAW": (
        "当前没有正在核验中的实名认证可撤回",
        "There is no verification in progress to withdraw",
    ),
}


class RegistryUnavailable(Postpone):
    """Raised by the retry job so the outbox backs off and tries again, for as long as the
    case is PENDING: an unavailable registry is never a reason to give up."""


@dataclass(frozen=True)
class Submission:
    captcha_id: str | None
    captcha_answer: str
    pledge_accepted: bool
    pledge_version: str


@dataclass(frozen=True)
class Policy:
    case_ttl: timedelta
    retry_after: timedelta
    submissions: Rule


class VerificationService:
    def __init__(
        self,
        clock: Clock,
        accounts: AccountService,
        profiles: ProfileService,
        vault: PersonalData,
        captcha: CaptchaService,
        limiter: RateLimiter,
        registry: RegistryCheck,
        jobs: JobQueue,
        notices: Notices,
        audit: AuditLog,
        industry: Callable[[str, str], str],
        policy: Policy,
    ) -> None:
        self._clock = clock
        self.clock = clock
        self._accounts = accounts
        self._profiles = profiles
        self._vault = vault
        self._captcha = captcha
        self._limiter = limiter
        self._registry = registry
        self._jobs = jobs
        self._notices = notices
        self._audit = audit
        self._industry = industry
        self.policy = policy
        self.claims = ClaimCodec(vault)
        self.proposals = ProposalCodec(vault)

    async def submit_person(
        self,
        account_id: uuid.UUID,
        form: PersonForm,
        submission: Submission,
        context: AuditContext,
        *,
        loaded: Account | None = None,
    ) -> VerificationCase:
        """``loaded``: the account row this request already read (the bearer check), so it
        is not read again (issue 16: ≤ 8 queries per submission); the case pointer's
        optimistic lock (``point``) still refuses a submission that raced another."""
        account = await self._submittable(account_id, AccountKind.NATURAL_PERSON, loaded)
        person = await NaturalPerson.get(id=account_id)
        clean = clean_person_form(
            form, birth_date=person.birth_date, gender=person.gender, today=self._today()
        )
        await self._pass_checks(account, submission)
        route = person_route(form.id_type)
        case = await self.open_case(
            account,
            Subject.PERSON,
            route,
            clean.changes,
            self.claims.seal(clean.claim),
            context,
            profile=person,
        )
        return await self.check_now(case, account)

    async def submit_unit(
        self,
        account_id: uuid.UUID,
        form: UnitForm,
        submission: Submission,
        context: AuditContext,
        *,
        loaded: Account | None = None,
    ) -> VerificationCase:
        account = await self._submittable(account_id, AccountKind.ENTERPRISE, loaded)
        unit = await Enterprise.get(id=account_id)
        clean = clean_unit_form(
            form,
            region=unit.region_type,
            legal_person_type=unit.legal_person_type,
            industry=self._industry,
            today=self._today(),
        )
        await self._pass_checks(account, submission)
        route = unit_route(unit.region_type, unit.legal_person_type, checksum_ok=clean.checksum_ok)
        case = await self.open_case(
            account,
            Subject.UNIT,
            route,
            clean.changes,
            self.claims.seal(clean.claim),
            context,
            profile=unit,
        )
        return await self.check_now(case, account)

    async def _submittable(
        self, account_id: uuid.UUID, kind: AccountKind, loaded: Account | None = None
    ) -> Account:
        account = loaded if loaded is not None and loaded.id == account_id else None
        if account is None:
            account = await Account.get(id=account_id)
        if account.kind is AccountKind.STAFF:
            raise NotAuthorized("STAFF_NOT_VERIFIED")
        if account.kind is not kind:
            raise NotAuthorized("WRONG_ACCOUNT_KIND")
        case = await self.current(account)
        if account.verification_status.is_verified:
            raise DomainError("ALREADY_VERIFIED")
        if case is not None and case.state is CaseState.PENDING:
            raise DomainError("VERIFICATION_IN_PROGRESS")
        if case is not None and case.state is CaseState.MANUAL_REVIEW:
            raise DomainError("REVIEW_IN_PROGRESS")
        if case is not None and case.reason is CaseReason.IDENTITY_CHANGE:
            raise DomainError("IDENTITY_CHANGE_NEEDS_REVIEW")
        return account

    async def _pass_checks(self, account: Account, submission: Submission) -> None:
        await self._limiter.enforce(self.policy.submissions, str(account.id))
        pledge.accept(submission.pledge_accepted, submission.pledge_version)
        await self._captcha.verify(
            submission.captcha_id, submission.captcha_answer, "captchaAnswer"
        )

    async def open_case(
        self,
        account: Account,
        subject: Subject,
        route: Route,
        changes: dict[str, tuple[str, Any]],
        claim: str,
        context: AuditContext,
        reason: CaseReason = CaseReason.SUBMISSION,
        profile: NaturalPerson | Enterprise | None = None,
    ) -> VerificationCase:
        """Supersede the current case and open the new one, proposing the identity data
        (written when the case verifies). An identity change keeps the verified case.
        ``profile``: the person or unit row the caller read for ``account`` (unused while the
        identity data waits on the case; kept so callers need not know)."""
        now = self._clock.now()
        state = CaseState.PENDING if route is Route.AUTOMATIC else CaseState.AWAITING_MATERIALS
        await self._refuse_taken(account.id, changes)
        async with in_transaction():
            current = await self.current(account)
            previous = _kept_case(current) if reason is CaseReason.IDENTITY_CHANGE else None
            if current is None or current.id != previous:
                await self.supersede(account)
            case = await VerificationCase.create(
                id=uuid.uuid4(),
                account_id=account.id,
                subject=subject,
                route=route,
                reason=reason,
                state=state,
                claim_cipher=claim,
                proposed_cipher=self.proposals.seal(changes),
                previous_case_id=previous,
                created_at=now,
                updated_at=now,
                expires_at=now + self.policy.case_ttl,
            )
            await self.point(account.id, account.verification_case_id, case)
            if state is CaseState.PENDING:
                await self._jobs.enqueue(
                    REGISTRY_JOB, {"case_id": str(case.id)}, delay=self.policy.retry_after
                )
            await self._audit.record(
                "verification.submitted",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"case": str(case.id), "route": route.value, "reason": reason.value},
            )
        return case

    async def _refuse_taken(
        self, account_id: uuid.UUID, changes: Mapping[str, tuple[str, Any]]
    ) -> None:
        """An ID number or unit code another account holds is refused now, as a write of
        the profile would be: the proposal is written only later, when the case verifies."""
        for field, (column, value) in changes.items():
            taken: QuerySet[Any]
            if column == "id_number_cipher" and value:
                index = self._vault.index_id_number(value)
                taken = NaturalPerson.filter(id_number_index=index)
            elif column in ("uscc", "unit_identifier") and value:
                taken = Enterprise.filter(**{column: value})
            else:
                continue
            if await taken.exclude(id=account_id).exists():
                raise ValidationFailed.single(field, "IDENTITY_TAKEN")

    async def supersede(self, account: Account) -> None:
        """Retire the account's current case (a newer one is about to replace it)."""
        case = await self.current(account)
        if case is not None and case.state is not CaseState.SUPERSEDED:
            await move(case, CaseState.SUPERSEDED, self._clock.now(), self.policy.case_ttl)

    async def point(
        self, account_id: uuid.UUID, expected: uuid.UUID | None, case: VerificationCase
    ) -> None:
        """Make ``case`` current and copy its status and level onto the account; the
        account must still point at ``expected`` (the optimistic lock of ``cases.py``)."""
        recorded = await self._accounts.record_verification(
            account_id,
            expected_case=expected,
            case_id=case.id,
            status=STATUS_OF[case.state],
            level=level_of(case),
        )
        if not recorded:
            raise DomainError("CASE_ALREADY_MOVED")
        if STATUS_OF[case.state].is_verified:
            await self._adopt(account_id, case)
        elif case.state is CaseState.MANUAL_REJECTED and case.previous_case_id is not None:
            await self._restore(account_id, case)

    async def _adopt(self, account_id: uuid.UUID, case: VerificationCase) -> None:
        """The case verified: write its proposal (once) and retire the case it replaces."""
        sealed = case.proposed_cipher
        if sealed is not None:
            taken = await VerificationCase.filter(id=case.id, proposed_cipher=sealed).update(
                proposed_cipher=None
            )
            account = await Account.get(id=account_id)
            model = NaturalPerson if account.kind is AccountKind.NATURAL_PERSON else Enterprise
            changes = self.proposals.open(sealed, model)
            if taken and changes:
                context = AuditContext(actor_id=account_id)
                row = await model.get(id=account_id)
                await self._profiles.apply_changes(
                    account_id, changes, context, reverification=True, loaded=(account, row)
                )
        if case.previous_case_id is not None:
            previous = await VerificationCase.get_or_none(id=case.previous_case_id)
            if previous is not None and STATUS_OF[previous.state].is_verified:
                await move(previous, CaseState.SUPERSEDED, self._clock.now(), self.policy.case_ttl)

    async def _restore(self, account_id: uuid.UUID, case: VerificationCase) -> None:
        """A rejected identity change: the account is verified again with its old identity."""
        previous = await VerificationCase.get_or_none(id=case.previous_case_id)
        if previous is not None and STATUS_OF[previous.state].is_verified:
            await self.point(account_id, case.id, previous)

    async def get_cases(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, VerificationCase]:
        return {case.id: case for case in await VerificationCase.filter(id__in=ids)}

    async def current(self, account: Account) -> VerificationCase | None:
        if account.verification_case_id is None:
            return None
        return await VerificationCase.get_or_none(id=account.verification_case_id)

    async def withdraw(self, account_id: uuid.UUID, context: AuditContext) -> VerificationCase:
        """The holder gives up waiting for a PENDING case (a registry outage that outlasts
        their patience): the case is WITHDRAWN, the account UNVERIFIED, and a new submission
        is taken. Of a withdrawal racing the registry's answer, one wins (``move``)."""
        account = await Account.get(id=account_id)
        case = await self.current(account)
        if case is None or case.state is not CaseState.PENDING:
            raise DomainError("NOTHING_TO_WITHDRAW")
        async with in_transaction():
            await move(case, CaseState.WITHDRAWN, self._clock.now(), self.policy.case_ttl)
            await self.point(account.id, case.id, case)
            await self._audit.record(
                "verification.withdrawn",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"case": str(case.id)},
            )
        return case

    async def record_reviewed_identity(self, account_id: uuid.UUID, context: AuditContext) -> None:
        """A reviewer approved a verified resident's new identity outside a case (an
        identity-change appeal, ``recovery.appeals``): the verified case of the old
        identity is superseded by a MANUAL_APPROVED case of the profile's new one, so the
        account never stays verified for an identity it no longer holds."""
        account = await Account.get(id=account_id)
        if not account.verification_status.is_verified:
            return
        person = await NaturalPerson.get(id=account_id)
        claim = PersonClaim(
            self._vault.open(person.real_name_cipher, "real_name"),
            person.id_type,
            self._vault.open(person.id_number_cipher, "id_number"),
            person.id_valid_from,
            person.id_valid_until,
            bool(person.id_long_term),
        )
        now = self._clock.now()
        async with in_transaction():
            await self.supersede(account)
            case = await VerificationCase.create(
                id=uuid.uuid4(),
                account_id=account.id,
                subject=Subject.PERSON,
                route=Route.MANUAL,
                reason=CaseReason.IDENTITY_CHANGE,
                state=CaseState.MANUAL_APPROVED,
                claim_cipher=self.claims.seal(claim),
                decided_by=Method.MANUAL_REVIEW,
                level=AssuranceLevel.REAL_NAME,
                decided_at=now,
                created_at=now,
                updated_at=now,
                expires_at=now + self.policy.case_ttl,
            )
            await VerificationAttempt.create(
                case_id=case.id,
                method=Method.MANUAL_REVIEW,
                provider="appeal",
                outcome="approved",
                created_at=now,
            )
            await self.point(account.id, account.verification_case_id, case)
            await self._audit.record(
                "verification.identity_reviewed",
                context,
                subject_type="account",
                subject_id=str(account.id),
                details={"case": str(case.id)},
            )

    # Registry check: inline after submission, and as the retry job.

    async def check_now(
        self, case: VerificationCase, account: Account | None = None
    ) -> VerificationCase:
        """Ask the registry once; an unavailable registry leaves the case PENDING.
        ``account``: the case's account as the caller read it (for the notice's phone)."""
        if case.state is not CaseState.PENDING:
            return case
        answer = await self._ask(case)
        return await self._settle(case, answer, account)

    async def run_registry_job(self, payload: Mapping[str, Any]) -> None:
        """Job handler: retry a PENDING case; raise while the registry stays unavailable."""
        case = await VerificationCase.get_or_none(id=uuid.UUID(payload["case_id"]))
        if case is None or case.state is not CaseState.PENDING:
            return
        answer = await self._ask(case)
        await self._settle(case, answer)
        if answer.outcome is RegistryOutcome.UNAVAILABLE:
            raise RegistryUnavailable(answer.detail or "registry unavailable")

    async def _ask(self, case: VerificationCase) -> RegistryAnswer:
        claim = self.claims.open(case.claim_cipher)
        if isinstance(claim, PersonClaim):
            return await self._registry.check_person(claim)
        assert isinstance(claim, UnitClaim)
        return await self._registry.check_unit(claim)

    async def _settle(
        self, case: VerificationCase, answer: RegistryAnswer, account: Account | None = None
    ) -> VerificationCase:
        now = self._clock.now()
        mismatched = [_FIELD_NAMES.get(name, name) for name in answer.mismatched]
        async with in_transaction():
            await VerificationAttempt.create(
                case_id=case.id,
                method=Method.REGISTRY,
                provider=self._registry.name,
                outcome=answer.outcome.value,
                mismatched=mismatched,
                reference=answer.reference,
                detail=(answer.detail or "")[:200] or None,
                created_at=now,
            )
            if answer.outcome is RegistryOutcome.UNAVAILABLE:
                log.warning("registry unavailable", extra={"case": str(case.id)})
                return case
            if answer.outcome is RegistryOutcome.MATCH:
                await move(
                    case,
                    CaseState.VERIFIED,
                    now,
                    self.policy.case_ttl,
                    decided_by=Method.REGISTRY,
                    level=AssuranceLevel.REAL_NAME,
                    decided_at=now,
                )
            else:
                await move(
                    case,
                    CaseState.FAILED,
                    now,
                    self.policy.case_ttl,
                    failure_code=f"REGISTRY_{answer.outcome.value.upper()}",
                    failure_fields=mismatched,
                    decided_at=now,
                )
            await self.point(case.account_id, case.id, case)  # type: ignore[attr-defined]
            await self._notices.decided(case, account=account)
        return case

    def _today(self) -> Any:
        return local_date(self._clock)


def _kept_case(current: VerificationCase | None) -> uuid.UUID | None:
    """The verified case an identity change returns to on rejection: the current case if it
    verified the account, or the one a still-open identity change already keeps."""
    if current is None:
        return None
    if STATUS_OF[current.state].is_verified:
        return current.id
    if current.reason is CaseReason.IDENTITY_CHANGE and current.state in WAITING_FOR_HOLDER:
        return current.previous_case_id
    return None


# Registry field names (base.UNIT_FIELDS) as the unit form's inputs name them.
_FIELD_NAMES = {
    "legalRepresentativeName": "legalRepresentative.name",
    "legalRepresentativeIdNumber": "legalRepresentative.idNumber",
    "unitName": "unitName",
}
