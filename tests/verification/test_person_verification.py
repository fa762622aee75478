"""Natural persons over GraphQL (SPEC §4.4): registry match, mismatch, face fallback."""

from __future__ import annotations

import re

import pytest
from tortoise import Tortoise

from identity_graph.verification.providers.sandbox import SandboxRegistry
from tests.graphql.accounts_helpers import ME, latest_sms
from tests.verification.flows import (
    START_FACE,
    ZHANG_WEI,
    my_verification,
    resident,
    submit,
)

pytestmark = pytest.mark.postgres


async def test_resident_id_verified_by_the_registry(gql, hooks, container):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    before = await my_verification(gql, token)
    assert before["status"] == "UNVERIFIED"
    assert before["nextSteps"] == ["SUBMIT"]

    result = await submit(gql, hooks, token, person=ZHANG_WEI)

    verification = result["verification"]
    assert verification["status"] == "VERIFIED"
    assert verification["statusText"] == "国家平台实名认证通过"
    assert verification["level"] == "REAL_NAME"
    case = verification["currentCase"]
    assert case["decidedBy"] == "REGISTRY"
    assert case["attempts"][0]["outcome"] == "match"
    me = await gql(ME, token=token)
    assert me["data"]["me"]["level"] == "REAL_NAME"
    assert "国家平台实名认证通过" in await latest_sms(container, "13812345678")


async def test_name_mismatch_fails_with_the_field_and_the_fallbacks(gql, hooks, container):
    token = await resident(gql, hooks, container, ZHANG_WEI)

    result = await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})

    verification = result["verification"]
    assert verification["status"] == "FAILED"
    assert verification["level"] == "PHONE_VERIFIED"
    assert verification["currentCase"]["failureFields"] == ["realName"]
    assert verification["nextSteps"] == ["FACE", "MANUAL_REVIEW", "SUBMIT"]
    sms = await latest_sms(container, "13812345678")
    assert "实名认证失败" in sms and "人脸识别" in sms
    # The failed submission did not overwrite the profile (it waits on the case).
    me = await gql("{ me { naturalPerson { realName } } }", token=token)
    assert me["data"]["me"]["naturalPerson"]["realName"] == "张伟"


async def test_failed_person_verified_by_face_at_the_real_person_level(
    gql, hooks, container, client
):
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "idValidFrom": "2015-06-02"})

    started = (await gql(START_FACE, {"returnUrl": "/"}, token=token))["data"]
    face = started["startFaceVerification"]
    assert face["__typename"] == "ChallengeStarted", face
    path = face["url"].split("://", 1)[1].split("/", 1)[1]
    page = await client.get(f"/{path}")
    assert page.status_code == 200
    assert "1101**********0039" in page.text and "张*" in page.text and "张伟" not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    done = await client.post(f"/{path}", data={"csrf": csrf.group(1), "result": "passed"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/verification/result/{face['challengeId']}"
    shown = await client.get(done.headers["location"])
    assert shown.status_code == 200 and "人脸识别通过，已完成实人认证" in shown.text
    assert 'href="/"' in shown.text and "张" not in shown.text

    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED"
    assert verification["statusText"] == "人脸识别认证通过（实人认证）"
    assert verification["level"] == "REAL_PERSON"
    assert verification["currentCase"]["decidedBy"] == "FACE"
    assert verification["currentCase"]["route"] == "FALLBACK"
    sms = await latest_sms(container, "13812345678")
    assert "人脸识别认证通过" in sms and "国家平台" not in sms
    me = await gql("{ me { verificationStatusText } }", token=token, language="en")
    assert me["data"]["me"]["verificationStatusText"] == "Verified by face check (real person)"
    again = await client.post(f"/{path}", data={"csrf": csrf.group(1), "result": "passed"})
    assert again.status_code == 404
    # Verified by face: now the submitted data is written to the profile.
    me = await gql("{ me { naturalPerson { idValidFrom } } }", token=token)
    assert me["data"]["me"]["naturalPerson"]["idValidFrom"] == "2015-06-02"


async def test_registry_outage_keeps_pending_until_the_retry_succeeds(gql, hooks, container, clock):
    registry = container.registry
    assert isinstance(registry, SandboxRegistry)
    token = await resident(gql, hooks, container, ZHANG_WEI)
    registry.outage_rate = 1.0

    result = await submit(gql, hooks, token, person=ZHANG_WEI)
    assert result["verification"]["status"] == "PENDING"
    assert result["verification"]["nextSteps"] == ["WAIT", "WITHDRAW"]

    worker = container.job_worker()
    clock.advance(seconds=61)
    await worker.run_once()
    assert (await my_verification(gql, token))["status"] == "PENDING"

    registry.outage_rate = 0.0
    clock.advance(minutes=5)  # past the job's backoff, within the access token's life
    await worker.run_once()
    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED"
    outcomes = [a["outcome"] for a in verification["currentCase"]["attempts"]]
    assert outcomes == ["unavailable", "unavailable", "match"]


async def test_no_table_or_log_holds_the_id_number_in_clear(gql, hooks, container, caplog):
    caplog.set_level("DEBUG")
    token = await resident(gql, hooks, container, ZHANG_WEI)
    await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})
    await submit(gql, hooks, token, person=ZHANG_WEI)

    assert Tortoise.apps is not None
    for model in Tortoise.apps["models"].values():
        rows = await model.all().values()
        assert "110105198503120039" not in str(rows), model.__name__
    assert "110105198503120039" not in caplog.text
