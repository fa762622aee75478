"""Provider callbacks over HTTP (``POST /verification/callbacks/{kind}``): only a signed,
fresh, first callback for an open, unexpired challenge or face check of that provider
counts; anything else is a bare 400 and changes nothing. Verification challenges and
purpose-bound face checks share the route and every one of these checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest

from identity_graph.core.signatures import sign
from identity_graph.verification.models import (
    ChallengeKind,
    ChallengeState,
    FaceCheck,
    VerificationAttempt,
    VerificationChallenge,
)
from tests.verification.face_check_flows import LI_NA, poll, start_anonymous
from tests.verification.flows import START_FACE, ZHANG_WEI, my_verification, resident, submit

pytestmark = pytest.mark.postgres

FACE = "/verification/callbacks/face"


async def open_face(gql, hooks, container) -> tuple[str, str]:
    """A resident whose registry check failed, with an open face challenge: (token, id)."""
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})
    started = (await gql(START_FACE, token=token))["data"]["startFaceVerification"]
    assert started["__typename"] == "ChallengeStarted", started
    return token, started["challengeId"]


def signed(container, challenge_id: str, *, result: str = "passed", **overrides: Any):
    """Body and headers as the face provider sends them; ``overrides`` tamper with them."""
    provider = container.challenges.providers[ChallengeKind.FACE]
    content = {"challenge_id": challenge_id, "result": result, "reason": None, "reference": "r1"}
    body = orjson.dumps({**content, **overrides.pop("fields", {})})
    timestamp = str(int(container.clock.now().timestamp()) - overrides.pop("age", 0))
    secret = overrides.pop("secret", provider.secret)
    headers = {
        "X-IDG-Timestamp": timestamp,
        "X-IDG-Signature": sign(secret, timestamp, body),
        "Content-Type": "application/json",
    }
    return body, headers


async def unchanged(gql, token: str, challenge_id: str) -> None:
    verification = await my_verification(gql, token)
    assert verification["status"] == "FAILED"
    assert [a["method"] for a in verification["currentCase"]["attempts"]] == ["REGISTRY"]
    challenge = await VerificationChallenge.get(id=challenge_id)
    assert challenge.state is ChallengeState.OPEN


async def test_a_signed_callback_verifies_once_and_its_replay_is_refused(
    gql, hooks, container, client
):
    token, challenge_id = await open_face(gql, hooks, container)
    body, headers = signed(container, challenge_id)

    first = await client.post(FACE, content=body, headers=headers)
    replay = await client.post(FACE, content=body, headers=headers)

    assert (first.status_code, first.json()) == (200, {"ok": True, "state": "passed"})
    assert (replay.status_code, replay.json()) == (400, {"error": "refused"})
    verification = await my_verification(gql, token)
    assert (verification["status"], verification["level"]) == ("VERIFIED", "REAL_PERSON")
    assert await VerificationAttempt.filter(method="face").count() == 1


async def test_a_failed_result_is_recorded_and_keeps_the_case_failed(gql, hooks, container, client):
    token, challenge_id = await open_face(gql, hooks, container)
    body, headers = signed(container, challenge_id, result="failed", fields={"reason": "spoof"})

    answer = await client.post(FACE, content=body, headers=headers)

    assert answer.json() == {"ok": True, "state": "failed"}
    verification = await my_verification(gql, token)
    assert verification["status"] == "FAILED"
    assert verification["currentCase"]["attempts"][-1]["outcome"] == "failed"


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": b"not-the-provider-secret"},
        {"age": 301},
        {"age": -301},
        {"fields": {"result": "maybe"}},
        {"fields": {"challenge_id": "00000000-0000-4000-8000-000000000000"}},
        {"fields": {"challenge_id": "not-a-uuid"}},
    ],
    ids=["forged", "stale", "from-the-future", "bad-result", "unknown", "malformed-id"],
)
async def test_a_bad_callback_is_refused_and_changes_nothing(gql, hooks, container, client, tamper):
    token, challenge_id = await open_face(gql, hooks, container)
    body, headers = signed(container, challenge_id, **tamper)

    answer = await client.post(FACE, content=body, headers=headers)

    assert (answer.status_code, answer.json()) == (400, {"error": "refused"})
    await unchanged(gql, token, challenge_id)


async def test_unsigned_tampered_and_malformed_bodies_are_refused(gql, hooks, container, client):
    token, challenge_id = await open_face(gql, hooks, container)
    body, headers = signed(container, challenge_id, result="failed")

    unsigned = await client.post(FACE, content=body)
    tampered = await client.post(
        FACE, content=body.replace(b'"failed"', b'"passed"'), headers=headers
    )
    garbage = b"not json"
    timestamp = headers["X-IDG-Timestamp"]
    secret = container.challenges.providers[ChallengeKind.FACE].secret
    malformed = await client.post(
        FACE,
        content=garbage,
        headers={"X-IDG-Timestamp": timestamp, "X-IDG-Signature": sign(secret, timestamp, garbage)},
    )

    assert [r.status_code for r in (unsigned, tampered, malformed)] == [400, 400, 400]
    await unchanged(gql, token, challenge_id)


async def test_a_callback_for_another_kind_is_refused(gql, hooks, container, client):
    token, challenge_id = await open_face(gql, hooks, container)
    body, headers = signed(container, challenge_id)

    # Signed with the face secret but sent to the licence endpoint: the licence provider's
    # secret does not verify it, and the challenge is not a licence challenge anyway.
    answer = await client.post(
        "/verification/callbacks/business_licence", content=body, headers=headers
    )

    assert answer.status_code == 400
    await unchanged(gql, token, challenge_id)


async def test_a_late_callback_is_refused_and_the_page_is_gone(
    gql, hooks, container, client, clock
):
    token, challenge_id = await open_face(gql, hooks, container)
    clock.advance(timedelta(seconds=container.settings.challenge_ttl_seconds + 1))
    body, headers = signed(container, challenge_id)

    answer = await client.post(FACE, content=body, headers=headers)
    page = await client.get(f"/sandbox/face/{challenge_id}")

    assert answer.status_code == 400
    assert page.status_code == 404 and "张*" not in page.text
    await unchanged(gql, token, challenge_id)


async def test_unknown_kinds_and_oversized_bodies(client):
    unknown = await client.post("/verification/callbacks/fingerprint", content=b"{}")
    oversized = await client.post(FACE, content=b"x" * 20_000)

    assert unknown.status_code == 404
    assert oversized.status_code == 413


# --- the same route completes purpose-bound face checks --------------------------------


async def open_face_check(gql, hooks) -> str:
    started = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA)
    assert started["__typename"] == "FaceCheckStarted", started
    return str(started["faceCheckId"])


async def test_a_face_check_is_passed_by_one_callback_and_its_replay_is_refused(
    gql, hooks, container, client
):
    check_id = await open_face_check(gql, hooks)
    body, headers = signed(container, check_id)

    first = await client.post(FACE, content=body, headers=headers)
    replay = await client.post(FACE, content=body, headers=headers)

    assert (first.status_code, first.json()) == (200, {"ok": True, "state": "passed"})
    assert (replay.status_code, replay.json()) == (400, {"error": "refused"})
    polled = await poll(gql, check_id)
    assert polled is not None and polled["status"] == "PASSED"
    row = await FaceCheck.get(id=check_id)
    assert row.provider_reference == "r1"
    assert row.expires_at == container.clock.now() + timedelta(
        seconds=container.settings.face_check_usable_seconds
    )


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": b"not-the-provider-secret"},
        {"age": 301},
        {"fields": {"result": "maybe"}},
        {"fields": {"challenge_id": "not-a-uuid"}},
    ],
    ids=["forged", "stale", "bad-result", "malformed-id"],
)
async def test_a_bad_callback_leaves_the_face_check_open(gql, hooks, container, client, tamper):
    check_id = await open_face_check(gql, hooks)
    body, headers = signed(container, check_id, **tamper)

    answer = await client.post(FACE, content=body, headers=headers)

    assert (answer.status_code, answer.json()) == (400, {"error": "refused"})
    assert (await FaceCheck.get(id=check_id)).state is ChallengeState.OPEN


async def test_a_face_check_callback_of_another_kind_or_too_late_is_refused(
    gql, hooks, container, client, clock
):
    check_id = await open_face_check(gql, hooks)
    licence = container.provider_callbacks.providers[ChallengeKind.BUSINESS_LICENCE]
    body, headers = signed(container, check_id, secret=licence.secret)

    # Signed by the licence provider: the session is a face session of another provider.
    other_kind = await client.post(
        "/verification/callbacks/business_licence", content=body, headers=headers
    )
    clock.advance(timedelta(seconds=container.settings.face_check_ttl_seconds))
    body, headers = signed(container, check_id)
    late = await client.post(FACE, content=body, headers=headers)

    assert [other_kind.status_code, late.status_code] == [400, 400]
    assert (await FaceCheck.get(id=check_id)).state is ChallengeState.OPEN
