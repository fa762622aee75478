"""``FaceChecks.consume``: a passed check is spent once, by its purpose, for its person, in
its window; everything else is refused with its own code. Checks are passed for real (the
sandbox page over HTTP); consumption is the Python API the agents and confirmations
domains call."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from identity_graph.ids.types import IdType
from identity_graph.verification.face_checks import FaceCheckRefused, ProvenFace
from identity_graph.verification.models import FaceCheck, FaceCheckPurpose
from tests.verification.face_check_flows import (
    LI_NA,
    answer_page,
    passed_check,
    start_anonymous,
    start_face_check,
)
from tests.verification.flows import XINGQIAO, ZHANG_WEI, enterprise, resident, submit

pytestmark = pytest.mark.postgres

ACCESS = FaceCheckPurpose.CONFIRMATION_ACCESS
SIGN = FaceCheckPurpose.CONFIRMATION_SIGN
ADMIN = FaceCheckPurpose.AGENT_ADMIN


async def account_of(gql, token: str) -> uuid.UUID:
    body = await gql("{ me { id } }", token=token)
    return uuid.UUID(body["data"]["me"]["id"])


async def verified(gql, hooks, container) -> tuple[str, uuid.UUID]:
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person=ZHANG_WEI)
    return token, await account_of(gql, token)


async def refused(call) -> str:
    with pytest.raises(FaceCheckRefused) as caught:
        await call
    return caught.value.code


async def test_a_passed_check_proves_its_person_once(gql, hooks, container, client, clock):
    token, account = await verified(gql, hooks, container)
    check_id = await passed_check(client, gql, "AGENT_ADMIN", token)
    checks = container.face_checks

    proven = await checks.consume(check_id, purpose=ADMIN, account_id=account)

    assert isinstance(proven, ProvenFace)
    assert (proven.real_name, proven.id_type, proven.id_number) == (
        "张伟",
        IdType.RESIDENT_ID_CARD,
        "110105198503120039",
    )
    assert proven.id_number_index == container.vault.index_id_number("110105198503120039")
    assert (proven.account_id, proven.purpose, proven.provider) == (account, ADMIN, "sandbox_face")
    assert proven.provider_reference and proven.consumed_at == clock.now()
    again = checks.consume(check_id, purpose=ADMIN, account_id=account)
    assert await refused(again) == "FACE_CHECK_USED"


async def test_the_legal_representative_is_matched_by_account_or_number(
    gql, hooks, container, client
):
    token = await enterprise(gql, hooks, container, XINGQIAO)
    unit = await account_of(gql, token)
    first = await passed_check(client, gql, "AGENT_ADMIN", token)
    second = await passed_check(client, gql, "AGENT_ADMIN", token)
    checks = container.face_checks

    by_account = await checks.consume(first, purpose=ADMIN, account_id=unit)
    by_number = await checks.consume(
        second, purpose=ADMIN, id_number="110105198503120039", id_type=IdType.RESIDENT_ID_CARD
    )

    assert by_account.real_name == by_number.real_name == "张伟"
    assert by_number.account_id == unit


async def test_two_concurrent_consumptions_have_one_winner(gql, hooks, container, client):
    started = await start_anonymous(gql, hooks, "CONFIRMATION_SIGN", LI_NA, boundTo="item-7")
    await answer_page(client, started["url"], "passed")
    checks = container.face_checks

    results = await asyncio.gather(
        *(
            checks.consume(
                started["faceCheckId"],
                purpose=SIGN,
                id_number=LI_NA["idNumber"],
                bound_to="item-7",
            )
            for _ in range(2)
        ),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, ProvenFace)]
    losers = [r for r in results if isinstance(r, FaceCheckRefused)]
    assert len(winners) == 1 and [r.code for r in losers] == ["FACE_CHECK_USED"]
    row = await FaceCheck.get(id=started["faceCheckId"])
    assert row.consumed_at == winners[0].consumed_at


async def test_another_purpose_person_or_object_is_refused(gql, hooks, container, client):
    token, account = await verified(gql, hooks, container)
    check_id = await passed_check(client, gql, "CONFIRMATION_SIGN", token, boundTo="item-1")
    checks = container.face_checks

    codes = [
        await refused(checks.consume(check_id, purpose=ACCESS, account_id=account)),
        await refused(checks.consume(check_id, purpose=SIGN, account_id=account)),
        await refused(
            checks.consume(check_id, purpose=SIGN, account_id=account, bound_to="item-2")
        ),
        await refused(checks.consume(check_id, purpose=SIGN, account_id=uuid.uuid4())),
        await refused(
            checks.consume(check_id, purpose=SIGN, id_number=LI_NA["idNumber"], bound_to="item-1")
        ),
        await refused(
            checks.consume(
                check_id,
                purpose=SIGN,
                id_number="110105198503120039",
                id_type=IdType.FOREIGN_PASSPORT,
                bound_to="item-1",
            )
        ),
    ]

    assert codes == ["FACE_CHECK_OTHER_PURPOSE"] * 3 + ["FACE_CHECK_OTHER_PERSON"] * 3
    # Refusals spend nothing: the right caller still gets it.
    proven = await checks.consume(
        check_id,
        purpose=SIGN,
        account_id=account,
        id_number=" 110105198503120039 ",
        bound_to="item-1",
    )
    assert proven.bound_to == "item-1"


async def test_missing_pending_failed_and_expired_checks_are_refused(
    gql, hooks, container, client, clock
):
    token, account = await verified(gql, hooks, container)
    checks = container.face_checks
    pending = (await start_face_check(gql, "AGENT_ADMIN", token=token))["faceCheckId"]
    failed = (await start_face_check(gql, "AGENT_ADMIN", token=token))["faceCheckId"]
    await answer_page(client, f"https://testserver/sandbox/face/{failed}", "failed")
    late = await passed_check(client, gql, "AGENT_ADMIN", token)

    def consume(check_id: object):
        return checks.consume(check_id, purpose=ADMIN, account_id=account)  # type: ignore[arg-type]

    assert await refused(consume(None)) == "FACE_CHECK_REQUIRED"
    assert await refused(consume("not-a-uuid")) == "FACE_CHECK_REQUIRED"
    assert await refused(consume(uuid.uuid4())) == "FACE_CHECK_REQUIRED"
    assert await refused(consume(pending)) == "FACE_CHECK_PENDING"
    assert await refused(consume(failed)) == "FACE_CHECK_FAILED"
    clock.advance(timedelta(seconds=container.settings.face_check_usable_seconds))
    assert await refused(consume(late)) == "FACE_CHECK_EXPIRED"
    assert await refused(consume(pending)) == "FACE_CHECK_EXPIRED"


async def test_refusals_read_in_both_languages_without_codes(container):
    for code in (
        "FACE_CHECK_REQUIRED",
        "FACE_CHECK_PENDING",
        "FACE_CHECK_FAILED",
        "FACE_CHECK_EXPIRED",
        "FACE_CHECK_USED",
        "FACE_CHECK_OTHER_PURPOSE",
        "FACE_CHECK_OTHER_PERSON",
    ):
        chinese, english = container.translate(code, "zh-CN"), container.translate(code, "en")
        assert "人脸识别" in chinese and "face check" in english, code
        assert "_" not in chinese + english, code


async def test_consume_must_say_whom_it_expects(container):
    with pytest.raises(TypeError):
        await container.face_checks.consume(uuid.uuid4(), purpose=ADMIN)
