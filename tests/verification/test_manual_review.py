"""Manual review over GraphQL (SPEC §4.4, §6.2): a foreign passport goes to review, is
rejected with reasons, resubmitted and approved; reviewers never decide their own case; of
two reviewers deciding at once exactly one wins; bad uploads change nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from identity_graph.accounts.enums import Role
from identity_graph.core.audit import AuditContext
from tests.files import samples
from tests.graphql.accounts_helpers import latest_sms
from tests.verification.flows import (
    DECIDE,
    QUEUE,
    SUBMIT_REVIEW,
    my_verification,
    resident,
    submit,
    upload,
)

pytestmark = pytest.mark.postgres

PASSPORT = {
    "realName": "John Smith",
    "regionType": "OTHER",
    "idType": "FOREIGN_PASSPORT",
    "idNumber": "E12345678",
    "idValidFrom": "2020-01-01",
    "idValidUntil": "2030-01-01",
}


async def reviewer_token(container, name: str = "reviewer-1") -> str:
    account = await container.accounts.create_staff(
        name, "a long password here", [Role.REVIEWER], AuditContext()
    )
    return await container.sessions.issue_personal_token(
        account, "test", timedelta(days=1), AuditContext()
    )


async def scans(client, token: str) -> list[str]:
    front = await upload(client, token, "ID_FRONT", samples.png())
    back = await upload(client, token, "ID_BACK", samples.jpeg(), "back.jpg")
    assert front["__typename"] == back["__typename"] == "DocumentUploaded", (front, back)
    return [front["document"]["id"], back["document"]["id"]]


async def passport_holder_in_review(gql, hooks, container, client) -> tuple[str, str]:
    token = await resident(gql, hooks, container, PASSPORT)
    submitted = await submit(gql, hooks, token, person=PASSPORT)
    verification = submitted["verification"]
    assert verification["status"] == "UNVERIFIED"
    assert verification["currentCase"]["route"] == "MANUAL"
    assert verification["nextSteps"] == ["MANUAL_REVIEW", "SUBMIT"]
    body = await gql(
        SUBMIT_REVIEW, {"input": {"documentIds": await scans(client, token)}}, token=token
    )
    review = body["data"]["submitManualReview"]
    assert review["__typename"] == "ReviewSubmitted", review
    return token, review["review"]["id"]


async def test_passport_rejected_resubmitted_and_approved(gql, hooks, container, client):
    token, review_id = await passport_holder_in_review(gql, hooks, container, client)
    # Submitted Monday 2026-11-23 (China time): 5 working days -> Monday 2026-11-30.
    assert (await my_verification(gql, token))["status"] == "MANUAL_REVIEW"
    staff = await reviewer_token(container)
    queue = (await gql(QUEUE, {"first": 10}, token=staff))["data"]["reviewQueue"]
    node = queue["edges"][0]["node"]
    assert node["dueOn"] == "2026-11-30" and node["overdue"] is False
    assert node["claim"] == {"name": "John Smith", "idNumber": "E12345678"}
    assert node["documents"][0]["dataUrl"].startswith("data:image/png;base64,")

    rejected = await gql(
        DECIDE,
        {
            "input": {
                "reviewId": review_id,
                "decision": "REJECT",
                "reasons": ["SCAN_UNCLEAR"],
                "note": "请重新拍摄",
            }
        },
        token=staff,
    )
    assert rejected["data"]["decideReview"]["review"]["status"] == "REJECTED"
    verification = await my_verification(gql, token)
    assert verification["status"] == "MANUAL_REJECTED"
    assert verification["statusText"] == "实名认证审核失败"
    assert verification["currentCase"]["reviews"][0]["reasons"][0]["text"] == "证件扫描件不清晰"
    assert "证件扫描件不清晰" in await latest_sms(container, "13812345678")

    again = await gql(
        SUBMIT_REVIEW, {"input": {"documentIds": await scans(client, token)}}, token=token
    )
    second = again["data"]["submitManualReview"]["review"]["id"]
    approved = await gql(
        DECIDE, {"input": {"reviewId": second, "decision": "APPROVE"}}, token=staff
    )
    assert approved["data"]["decideReview"]["review"]["status"] == "APPROVED"
    verification = await my_verification(gql, token)
    assert verification["status"] == "MANUAL_APPROVED"
    assert verification["level"] == "REAL_NAME"
    assert "平台人工审核通过" in await latest_sms(container, "13812345678")


async def test_open_review_becomes_overdue_after_five_working_days(
    gql, hooks, container, client, clock
):
    await passport_holder_in_review(gql, hooks, container, client)
    clock.advance(days=8)  # Tuesday 2026-12-01, past Monday the 30th
    staff = await reviewer_token(container)
    queue = (await gql(QUEUE, {"first": 10}, token=staff))["data"]["reviewQueue"]
    assert queue["edges"][0]["node"]["overdue"] is True


async def test_rejection_needs_a_reason_and_decided_reviews_stay_decided(
    gql, hooks, container, client
):
    _, review_id = await passport_holder_in_review(gql, hooks, container, client)
    staff = await reviewer_token(container)
    bare = await gql(DECIDE, {"input": {"reviewId": review_id, "decision": "REJECT"}}, token=staff)
    assert bare["data"]["decideReview"]["errors"][0]["code"] == "REJECTION_REASON_REQUIRED"

    decisions = await asyncio.gather(
        *(
            gql(DECIDE, {"input": {"reviewId": review_id, "decision": "APPROVE"}}, token=staff)
            for _ in range(2)
        )
    )
    kinds = sorted(d["data"]["decideReview"]["__typename"] for d in decisions)
    assert kinds == ["OperationRefused", "ReviewDecided"]
    refused = next(
        d for d in decisions if d["data"]["decideReview"]["__typename"] == "OperationRefused"
    )
    assert refused["data"]["decideReview"]["code"] == "REVIEW_ALREADY_DECIDED"


async def test_a_reviewer_cannot_decide_their_own_case_and_residents_cannot_review(
    gql, hooks, container, client
):
    token, review_id = await passport_holder_in_review(gql, hooks, container, client)
    own = await gql(DECIDE, {"input": {"reviewId": review_id, "decision": "APPROVE"}}, token=token)
    assert own["data"]["decideReview"]["code"] == "NOT_AUTHORIZED"
    queue = await gql(QUEUE, {"first": 10}, token=token)
    assert queue["errors"][0]["extensions"]["code"] == "NOT_AUTHORIZED"
    assert (await my_verification(gql, token))["status"] == "MANUAL_REVIEW"


@pytest.mark.parametrize(
    ("kind", "data", "name", "code"),
    [
        ("ID_FRONT", samples.EXECUTABLE, "scan.png", "FILE_EXECUTABLE"),
        ("ID_FRONT", b"", "scan.png", "FILE_EMPTY"),
        ("BUSINESS_LICENCE", samples.pdf_of_size(5 * 1_048_576 + 10), "l.pdf", "FILE_TOO_LARGE"),
        ("ID_BACK", samples.png()[:40], "scan.png", "FILE_CORRUPT"),
        ("ID_FRONT", samples.gif(), "scan.png", "FILE_TYPE_NOT_ALLOWED"),
    ],
)
async def test_bad_uploads_are_refused_naming_the_file(
    gql, hooks, container, client, kind, data, name, code
):
    token = await resident(gql, hooks, container, PASSPORT)
    result = await upload(client, token, kind, data, name)
    assert result["__typename"] == "ValidationErrors"
    assert result["errors"][0] == {
        "field": "file",
        "code": code,
        "message": result["errors"][0]["message"],
    }


async def test_review_needs_both_id_sides(gql, hooks, container, client):
    token = await resident(gql, hooks, container, PASSPORT)
    await submit(gql, hooks, token, person=PASSPORT)
    front = await upload(client, token, "ID_FRONT", samples.png())
    body = await gql(
        SUBMIT_REVIEW, {"input": {"documentIds": [front["document"]["id"]]}}, token=token
    )
    result = body["data"]["submitManualReview"]
    assert result["errors"][0]["code"] == "DOCUMENT_REQUIRED"
    assert (await my_verification(gql, token))["status"] == "UNVERIFIED"
