"""What the holder is told about a case (SPEC §4.2, §4.4): the status texts of the MOST
manual, failure reasons with the next steps, reviewer rejection reasons, and the SMS sent
through the outbox for every decision and every failure with a next step.

SMS go to the reserved phone in Chinese (the platform's language; the holder's own
language is not known outside a request).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from identity_graph.accounts.enums import AssuranceLevel, VerificationStatus, status_code
from identity_graph.accounts.models import Account
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.labels import Named
from identity_graph.notifications.base import Notifier
from identity_graph.notifications.models import Channel
from identity_graph.verification.models import CaseState, VerificationCase
from identity_graph.verification.rules import FALLBACKS, Method, Route

Translate = Callable[..., str]

STATUS_TEXTS: Mapping[str, tuple[str, str]] = {
    "STATUS_UNVERIFIED": ("未实名认证", "Not verified"),
    "STATUS_PENDING": ("实名认证中", "Verification in progress"),
    "STATUS_VERIFIED": ("国家平台实名认证通过", "Verified by the national platform"),
    "STATUS_FAILED": ("实名认证失败", "Real-name verification failed"),
    "STATUS_MANUAL_REVIEW": ("人工审核中", "Under manual review"),
    "STATUS_MANUAL_REJECTED": ("实名认证审核失败", "Manual review rejected"),
    "STATUS_MANUAL_APPROVED": ("平台人工审核通过", "Approved by manual review"),
    # Verified by a fallback after the registry check failed, or stepped up to real person.
    "STATUS_VERIFIED_BY_FACE": (
        "人脸识别认证通过（实人认证）",
        "Verified by face check (real person)",
    ),
    "STATUS_VERIFIED_BY_LICENCE": (
        "电子营业执照认证通过",
        "Verified with the electronic business licence",
    ),
    "STATUS_VERIFIED_REAL_PERSON": (
        "国家平台实名认证通过，已完成实人认证",
        "Verified by the national platform; real person confirmed",
    ),
    "STATUS_MANUAL_APPROVED_REAL_PERSON": (
        "平台人工审核通过，已完成实人认证",
        "Approved by manual review; real person confirmed",
    ),
}

FAILURE_TEXTS: Mapping[str, tuple[str, str]] = {
    "REGISTRY_MISMATCH": (
        "国家平台核验信息不一致（{fields}）",
        "the national platform's records differ ({fields})",
    ),
    "REGISTRY_NOT_FOUND": (
        "国家平台未查询到该身份信息",
        "the national platform has no record of this identity",
    ),
    "FACE_FAILED": ("人脸识别未通过", "the face check did not pass"),
    "LICENCE_FAILED": ("电子营业执照核验未通过", "the electronic business licence check failed"),
}

NEXT_STEP_TEXTS: Mapping[str, tuple[str, str]] = {
    "NEXT_SUBMIT": ("提交实名认证信息", "submit your identity data"),
    "NEXT_FACE": ("进行人脸识别认证", "take a face check"),
    "NEXT_BUSINESS_LICENCE": (
        "使用电子营业执照认证",
        "confirm with the electronic business licence",
    ),
    "NEXT_MANUAL_REVIEW": ("上传证件材料申请人工审核", "upload scans for manual review"),
    "NEXT_WAIT": ("等待认证结果", "wait for the result"),
    "NEXT_WITHDRAW": (
        "撤回本次认证后重新提交",
        "withdraw this verification and submit again",
    ),
    "NEXT_NONE": ("无需操作", "nothing to do"),
}

# What an unverified principal is told when a business field refuses it (``IsVerified``).
REQUIRED_TEXTS: Mapping[str, tuple[str, str]] = {
    "VERIFICATION_REQUIRED_UNVERIFIED": (
        "请先完成实名认证后再办理业务",
        "Complete real-name verification before using services",
    ),
    "VERIFICATION_REQUIRED_PENDING": (
        "实名认证正在进行中，请等待认证结果后再办理业务",
        "Verification is in progress; wait for the result before using services",
    ),
    "VERIFICATION_REQUIRED_FAILED": (
        "实名认证失败，请选择人脸识别、电子营业执照或人工审核完成认证后再办理业务",
        "Verification failed; complete it by face check, electronic licence or manual review"
        " before using services",
    ),
    "VERIFICATION_REQUIRED_MANUAL_REVIEW": (
        "材料正在人工审核中（5 个工作日内），审核通过后即可办理业务",
        "Your materials are under review (within 5 working days); services open once approved",
    ),
    "VERIFICATION_REQUIRED_MANUAL_REJECTED": (
        "实名认证审核失败，请查看原因并重新提交材料",
        "Manual review was rejected; see the reasons and submit new materials",
    ),
    "VERIFICATION_REQUIRED_VERIFIED": ("", ""),
    "VERIFICATION_REQUIRED_MANUAL_APPROVED": ("", ""),
}

MESSAGES = {**STATUS_TEXTS, **FAILURE_TEXTS, **NEXT_STEP_TEXTS, **REQUIRED_TEXTS}

_METHOD_STEP = {
    Method.FACE: "NEXT_FACE",
    Method.BUSINESS_LICENCE: "NEXT_BUSINESS_LICENCE",
    Method.MANUAL_REVIEW: "NEXT_MANUAL_REVIEW",
}


def status_text_code(status: VerificationStatus, case: VerificationCase | None) -> str:
    """The message code of a status as the holder reads it: a case decided by a fallback
    names the fallback, not the registry check that failed, and a face step-up is said."""
    if case is not None and status.is_verified:
        if case.decided_by is Method.FACE:
            return "STATUS_VERIFIED_BY_FACE"
        if case.decided_by is Method.BUSINESS_LICENCE:
            return "STATUS_VERIFIED_BY_LICENCE"
        if case.level is AssuranceLevel.REAL_PERSON:
            return f"{status_code(status)}_REAL_PERSON"
    return status_code(status)


def next_steps(case: VerificationCase | None, *, expired: bool = False) -> list[str]:
    """What the holder can do now, as ``NEXT_*`` codes (also the GraphQL enum values)."""
    if case is None or expired:
        return ["NEXT_SUBMIT"]
    state = case.state
    if state is CaseState.PENDING:
        return ["NEXT_WAIT", "NEXT_WITHDRAW"]
    if state is CaseState.MANUAL_REVIEW:
        return ["NEXT_WAIT"]
    if state is CaseState.AWAITING_MATERIALS or state is CaseState.MANUAL_REJECTED:
        return ["NEXT_MANUAL_REVIEW", "NEXT_SUBMIT"]
    if state is CaseState.FAILED:
        methods = FALLBACKS[case.subject] if case.route is Route.AUTOMATIC else ()
        steps = [_METHOD_STEP[m] for m in methods] or ["NEXT_MANUAL_REVIEW"]
        return [*steps, "NEXT_SUBMIT"]
    if state in (CaseState.SUPERSEDED, CaseState.WITHDRAWN):
        return ["NEXT_SUBMIT"]
    return ["NEXT_NONE"]


class Notices:
    def __init__(self, notifier: Notifier, vault: PersonalData, translate: Translate) -> None:
        self._notifier = notifier
        self._vault = vault
        self._t = translate

    async def decided(
        self,
        case: VerificationCase,
        reasons: list[str] | None = None,
        *,
        account: Account | None = None,
    ) -> None:
        """Tell the reserved phone about a decision or a failure (in the caller's transaction).
        ``account``: the case's account if the caller has it (its phone and login name)."""
        owner = case.account_id  # type: ignore[attr-defined]
        if account is None or account.id != owner:
            account = await Account.get(id=owner)
        phone = self._vault.phone_of(account)
        if phone is None:
            return
        params = {"login_name": account.login_name}
        if case.state in (CaseState.VERIFIED, CaseState.MANUAL_APPROVED):
            template = "verification_passed"
            status = VerificationStatus(case.state.value)
            params["status"] = self._t(status_text_code(status, case))
        elif case.state is CaseState.MANUAL_REJECTED:
            template = "review_rejected"
            params["reasons"] = "；".join(self._t(code) for code in reasons or [])
        elif case.state is CaseState.FAILED:
            template = "verification_failed"
            params["reason"] = self.failure_text(case)
            params["next_steps"] = "、".join(
                self._t(code) for code in next_steps(case) if code != "NEXT_SUBMIT"
            )
        else:
            return
        await self._notifier.send(Channel.SMS, template, phone, params, "zh-CN")

    def failure_text(self, case: VerificationCase, locale: str = "zh-CN") -> str:
        if case.failure_code is None:
            return ""
        fields = Named.of(case.failure_fields or [])
        return self._t(case.failure_code, locale, fields=fields)
