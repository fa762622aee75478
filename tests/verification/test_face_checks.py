"""Purpose-bound face checks over GraphQL and the sandbox face page (SPEC §2.3, §8):
``startFaceCheck`` for a resident, an enterprise's legal representative and a person
without an account; ``faceCheck`` polled by its owner; the return page's outcome."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tortoise import Tortoise

from identity_graph.verification.models import FaceCheck, FaceCheckPurpose
from tests.graphql.helpers import solved_captcha
from tests.verification.face_check_flows import (
    LI_NA,
    answer_page,
    path_of,
    poll,
    start_anonymous,
    start_face_check,
)
from tests.verification.flows import XINGQIAO, ZHANG_WEI, enterprise, resident, submit

pytestmark = pytest.mark.postgres


async def verified_resident(gql, hooks, container) -> str:
    token = await resident(gql, hooks, container, ZHANG_WEI)
    result = await submit(gql, hooks, token, person=ZHANG_WEI)
    assert result["verification"]["status"] == "VERIFIED", result
    return token


async def test_a_resident_passes_a_face_check_of_their_own_identity(gql, hooks, container, client):
    token = await verified_resident(gql, hooks, container)

    started = await start_face_check(gql, "CONFIRMATION_ACCESS", token=token, returnUrl="/todo?x=1")

    assert started["__typename"] == "FaceCheckStarted", started
    check = started["faceCheck"]
    assert (check["status"], check["purpose"]) == ("OPEN", "CONFIRMATION_ACCESS")
    assert (check["personName"], check["idNumber"]) == ("张*", "1101**********0039")
    assert started["expiresAt"] == check["expiresAt"]
    assert path_of(started["url"]) == f"/sandbox/face/{started['faceCheckId']}"
    page = await client.get(path_of(started["url"]))
    assert "张*（1101**********0039）" in page.text and "110105198503120039" not in page.text
    done = await answer_page(client, started["url"], "passed")
    assert done.headers["location"] == f"/verification/result/{started['faceCheckId']}"
    shown = await client.get(done.headers["location"])
    assert "人脸识别通过，请返回原页面继续办理。" in shown.text
    assert 'href="/todo?x=1"' in shown.text
    polled = await poll(gql, started["faceCheckId"], token)
    assert polled is not None and polled["status"] == "PASSED"
    # Passing a purpose-bound check leaves the verification as it was.
    me = await gql("{ myVerification { level currentCase { decidedBy } } }", token=token)
    assert me["data"]["myVerification"] == {
        "level": "REAL_NAME",
        "currentCase": {"decidedBy": "REGISTRY"},
    }


async def test_a_failed_face_session_says_why(gql, hooks, container, client):
    token = await verified_resident(gql, hooks, container)
    started = await start_face_check(gql, "AGENT_ADMIN", token=token)

    done = await answer_page(client, started["url"], "failed")

    shown = await client.get(done.headers["location"], headers={"Accept-Language": "en"})
    assert "The liveness check did not pass" in shown.text
    polled = await poll(gql, started["faceCheckId"], token)
    assert polled is not None
    assert (polled["status"], polled["failureReason"]) == ("FAILED", "活体检测未通过")


async def test_an_enterprise_checks_its_legal_representative(gql, hooks, container, client):
    token = await enterprise(gql, hooks, container, XINGQIAO)

    started = await start_face_check(gql, "AGENT_ADMIN", token=token)

    assert started["__typename"] == "FaceCheckStarted", started
    assert started["faceCheck"]["personName"] == "张*"
    assert started["faceCheck"]["idNumber"] == "1101**********0039"
    done = await answer_page(client, started["url"], "passed")
    assert done.status_code == 303
    polled = await poll(gql, started["faceCheckId"], token)
    assert polled is not None and polled["status"] == "PASSED"


@pytest.mark.parametrize(
    ("who", "purpose", "typename", "code"),
    [
        ("unverified", "AGENT_ADMIN", "OperationRefused", "FACE_CHECK_VERIFY_FIRST"),
        ("enterprise", "CONFIRMATION_ACCESS", "NotAuthorizedError", "FACE_CHECK_NOT_FOR_ACCOUNT"),
        ("anonymous", "AGENT_ADMIN", "NotAuthorizedError", "FACE_CHECK_LOGIN_REQUIRED"),
    ],
)
async def test_who_may_start_which_purpose(gql, hooks, container, who, purpose, typename, code):
    token = None
    if who == "unverified":
        token = await resident(gql, hooks, container, ZHANG_WEI)
    elif who == "enterprise":
        token = await enterprise(gql, hooks, container, XINGQIAO)
    fields = {"person": LI_NA} if who == "anonymous" else {}

    refused = await start_face_check(gql, purpose, token=token, language="en", **fields)

    assert (refused["__typename"], refused["code"]) == (typename, code)
    assert refused["message"] and "FACE_CHECK" not in refused["message"]
    assert await FaceCheck.all().count() == 0


async def test_a_logged_in_person_may_not_name_someone_else(gql, hooks, container):
    token = await verified_resident(gql, hooks, container)

    refused = await start_face_check(gql, "CONFIRMATION_ACCESS", token=token, person=LI_NA)

    assert refused["__typename"] == "ValidationErrors"
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("person", "FACE_CHECK_PERSON_NOT_EXPECTED")
    ]
    assert await FaceCheck.all().count() == 0


async def test_a_person_without_an_account_passes_with_a_captcha(gql, hooks, container, client):
    started = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA, returnUrl="/todo")

    assert started["__typename"] == "FaceCheckStarted", started
    assert started["faceCheck"]["personName"] == "李*"
    await answer_page(client, started["url"], "passed")
    polled = await poll(gql, started["faceCheckId"])
    assert polled is not None and polled["status"] == "PASSED"
    proven = await container.face_checks.consume(
        started["faceCheckId"],
        purpose=FaceCheckPurpose.CONFIRMATION_ACCESS,
        id_number=LI_NA["idNumber"],
    )
    assert (proven.real_name, proven.id_number, proven.account_id) == (
        "李娜",
        "320102199007210048",
        None,
    )
    again = await poll(gql, started["faceCheckId"])
    assert again is not None and again["status"] == "USED"


async def test_an_unknown_person_cannot_pass(gql, hooks, container, client):
    """李娜's number under another name: the registry has no photo of "李雪" to compare."""
    person = {**LI_NA, "realName": "李雪"}
    started = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", person)
    page = await client.get(path_of(started["url"]))
    assert "沙箱登记库中没有此人的照片：人脸比对将不通过。" in page.text

    done = await answer_page(client, started["url"], "passed")

    shown = await client.get(done.headers["location"])
    assert "人脸比对未通过：登记库中没有此人的照片" in shown.text
    polled = await poll(gql, started["faceCheckId"])
    assert polled is not None and polled["status"] == "FAILED"
    assert polled["failureReason"] == "人脸比对未通过：登记库中没有此人的照片"


async def test_bad_input_is_reported_at_once_and_writes_nothing(gql, hooks, container):
    person = {"realName": "李娜1", "idType": "RESIDENT_ID_CARD", "idNumber": "320102199007210049"}

    refused = await start_face_check(gql, "CONFIRMATION_ACCESS", person=person, language="en")

    assert refused["__typename"] == "ValidationErrors"
    assert sorted(e["field"] for e in refused["errors"]) == [
        "captchaAnswer",
        "person.idNumber",
        "person.realName",
    ]
    for error in refused["errors"]:
        assert error["field"] not in error["message"], error
    missing = await start_face_check(gql, "CONFIRMATION_SIGN")
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("person", "REQUIRED")]
    assert await FaceCheck.all().count() == 0


async def test_a_wrong_captcha_or_return_url_is_refused(gql, hooks, container):
    wrong = await start_face_check(
        gql, "CONFIRMATION_ACCESS", person=LI_NA, captchaId=str(uuid.uuid4()), captchaAnswer="ABCDE"
    )
    captcha_id, answer = await solved_captcha(gql, hooks)
    misspelt = await start_face_check(
        gql, "CONFIRMATION_ACCESS", person=LI_NA, captchaId=captcha_id, captchaAnswer=answer + "X"
    )
    offsite = await start_anonymous(
        gql, hooks, "CONFIRMATION_ACCESS", LI_NA, returnUrl="https://evil.example/"
    )
    too_long = await start_anonymous(gql, hooks, "CONFIRMATION_SIGN", LI_NA, boundTo="x" * 129)

    assert wrong["errors"][0]["code"] == "CAPTCHA_INVALID"
    assert misspelt["errors"][0]["code"] == "CAPTCHA_WRONG"
    assert offsite["errors"][0]["field"] == "returnUrl"
    assert too_long["errors"][0]["field"] == "boundTo"
    assert await FaceCheck.all().count() == 0


async def test_only_its_owner_reads_a_check(gql, hooks, container):
    owner = await verified_resident(gql, hooks, container)
    other = await resident(
        gql, hooks, container, {**ZHANG_WEI, **LI_NA}, phone="13900001111", loginName="lina"
    )
    started = await start_face_check(gql, "CONFIRMATION_ACCESS", token=owner)
    check_id = started["faceCheckId"]

    assert (await poll(gql, check_id, owner)) is not None
    assert await poll(gql, check_id, other) is None
    assert await poll(gql, check_id) is None
    assert await poll(gql, "not-an-id", owner) is None
    assert await poll(gql, str(uuid.uuid4()), owner) is None


async def test_an_open_check_expires_and_its_page_is_gone(gql, hooks, container, client, clock):
    token = await verified_resident(gql, hooks, container)
    started = await start_face_check(gql, "CONFIRMATION_SIGN", token=token, boundTo="item-1")
    clock.advance(timedelta(seconds=container.settings.face_check_ttl_seconds))

    page = await client.get(path_of(started["url"]))
    shown = await client.get(f"/verification/result/{started['faceCheckId']}")

    assert page.status_code == 404 and "张*" not in page.text
    assert "认证会话已过期" in shown.text
    polled = await poll(gql, started["faceCheckId"], token)
    assert polled is not None and polled["status"] == "EXPIRED"


async def test_a_waiting_result_page_and_an_unknown_one(gql, hooks, container, client):
    token = await verified_resident(gql, hooks, container)
    started = await start_face_check(gql, "AGENT_ADMIN", token=token)

    waiting = await client.get(f"/verification/result/{started['faceCheckId']}")
    unknown = await client.get(f"/verification/result/{uuid.uuid4()}")
    garbage = await client.get("/verification/result/not-a-session")

    assert waiting.status_code == 200 and "正在等待认证结果" in waiting.text
    assert [unknown.status_code, garbage.status_code] == [404, 404]


async def test_no_table_holds_the_typed_id_number_in_clear(gql, hooks, container, client):
    started = await start_anonymous(gql, hooks, "CONFIRMATION_ACCESS", LI_NA)
    await answer_page(client, started["url"], "passed")

    assert Tortoise.apps is not None
    for model in Tortoise.apps["models"].values():
        rows = await model.all().values()
        assert LI_NA["idNumber"] not in str(rows), model.__name__
        assert LI_NA["realName"] not in str(rows), model.__name__
