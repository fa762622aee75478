"""Appeals over GraphQL and the reset-link page (SPEC §6.1, §6.2; seed 002 §3.1.2): a
resident who lost their phone appeals with ID scans, a reviewer approves, the SMS with the
reset link arrives and the resident sets a new password; rejections with reasons; status
lookups that do not tell a wrong phone from an unknown number; bad input named by field;
reviewers only, never on their own appeal, one decision of two racing ones."""

from __future__ import annotations

import asyncio

import pytest

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.recovery.appeals.models import Appeal
from tests.appeals.helpers import (
    DECIDE,
    NEW_PHONE,
    QUEUE,
    RESIDENT,
    STATUS,
    TAKE,
    appeal_values,
    id_scans,
    reset_link,
    reviewer_token,
    submit_appeal,
)
from tests.files import samples
from tests.graphql.accounts_helpers import ME, latest_sms, login
from tests.verification.flows import ZHANG_WEI, resident
from tests.web.test_login_page import hidden

pytestmark = pytest.mark.postgres

NEW_PASSWORD = "Fresh#Start2026"


async def submitted(gql, hooks, container, client, **fields) -> dict:
    values = await appeal_values(gql, hooks, container, **fields)
    result = await submit_appeal(client, values, id_scans())
    assert result["__typename"] == "AppealSubmitted", result
    return result["appeal"]


async def test_a_resident_who_lost_their_phone_appeals_and_sets_a_new_password(
    gql, hooks, container, client
):
    old_token = await resident(gql, hooks, container, ZHANG_WEI)
    # Locked as well: the login page tells such a user to appeal (请通过申诉…解锁).
    await Account.filter(login_name="zhangwei").update(status=AccountStatus.LOCKED)
    appeal = await submitted(gql, hooks, container, client)
    assert appeal["status"] == "SUBMITTED" and appeal["kind"] == "PERSON_PASSWORD"
    assert appeal["number"].startswith("SS")
    # Submitted Monday 2026-11-23 (China time): 5 working days -> Monday 2026-11-30.
    assert appeal["dueOn"] == "2026-11-30"

    status = await gql(STATUS, {"number": appeal["number"], "phone": NEW_PHONE})
    assert status["data"]["appealStatus"]["status"] == "SUBMITTED"

    staff = await reviewer_token(container)
    queue = (await gql(QUEUE, {"first": 10}, token=staff))["data"]["appeals"]
    node = queue["edges"][0]["node"]
    assert node["number"] == appeal["number"] and node["overdue"] is False
    assert node["phone"] == NEW_PHONE
    assert {"name": "idNumber", "value": ZHANG_WEI["idNumber"]} in node["form"]
    assert [m["kind"] for m in node["materials"]] == ["ID_FRONT", "ID_BACK"]
    assert node["materials"][0]["dataUrl"].startswith("data:image/png;base64,")

    taken = (await gql(TAKE, {"id": node["id"]}, token=staff))["data"]["startAppealReview"]
    assert taken["appeal"]["status"] == "IN_REVIEW", taken
    decided = await gql(
        DECIDE, {"input": {"appealId": node["id"], "decision": "APPROVE"}}, token=staff
    )
    result = decided["data"]["decideAppeal"]
    assert result["__typename"] == "AppealDecided", result
    assert result["appeal"]["status"] == "APPROVED" and result["appeal"]["accountId"]

    # The SMS to the appeal's phone carries a link, never a password.
    sms = await latest_sms(container, NEW_PHONE)
    assert "审核通过" in sms and NEW_PASSWORD not in sms
    link = await reset_link(container, NEW_PHONE)
    page = await client.get(link)
    assert page.status_code == 200 and "zhangwei" in page.text
    form = {"csrf_token": hidden(page.text, "csrf_token"), "lang": "zh-CN"}
    weak = await client.post(link, data={**form, "password": "abc", "confirmPassword": "abc"})
    assert weak.status_code == 400 and 'class="field-error"' in weak.text
    done = await client.post(
        link, data={**form, "password": NEW_PASSWORD, "confirmPassword": NEW_PASSWORD}
    )
    assert done.status_code == 200 and "新密码已设置" in done.text
    again = await client.get(link)
    assert again.status_code == 404

    tokens = await login(gql, "NATURAL_PERSON", "zhangwei", NEW_PASSWORD)
    me = (await gql(ME, token=tokens["accessToken"]))["data"]["me"]
    assert me["phone"] == "137****1111"  # the new reserved phone, masked
    stale = await gql(ME, token=old_token)
    assert stale.get("data") is None or stale["data"]["me"] is None  # sessions ended
    final = await gql(STATUS, {"number": appeal["number"], "phone": NEW_PHONE}, language="en")
    assert final["data"]["appealStatus"]["status"] == "APPROVED"


async def test_a_rejection_has_reasons_and_reaches_the_appeal_phone(gql, hooks, container, client):
    await resident(gql, hooks, container, ZHANG_WEI)
    appeal = await submitted(gql, hooks, container, client)
    row = await Appeal.get(number=appeal["number"])
    staff = await reviewer_token(container)

    bare = await gql(
        DECIDE, {"input": {"appealId": str(row.id), "decision": "REJECT"}}, token=staff
    )
    refused = bare["data"]["decideAppeal"]
    assert refused["__typename"] == "ValidationErrors"
    assert [e["field"] for e in refused["errors"]] == ["reasons"]

    decision = {"appealId": str(row.id), "decision": "REJECT", "reasons": ["MATERIALS_UNCLEAR"]}
    body = await gql(DECIDE, {"input": decision}, token=staff)
    assert body["data"]["decideAppeal"]["appeal"]["status"] == "REJECTED"
    assert "材料不清晰" in await latest_sms(container, NEW_PHONE)

    shown = await gql(STATUS, {"number": appeal["number"], "phone": NEW_PHONE}, language="en")
    receipt = shown["data"]["appealStatus"]
    assert receipt["status"] == "REJECTED"
    assert receipt["reasons"] == [
        {"code": "MATERIALS_UNCLEAR", "text": "The materials are not legible"}
    ]
    late = await gql(DECIDE, {"input": {**decision, "decision": "APPROVE"}}, token=staff)
    assert late["data"]["decideAppeal"]["code"] == "APPEAL_ALREADY_DECIDED"

    one = "query One($id: ID!) { appeal(id: $id) { number status materials { kind } } }"
    shown = (await gql(one, {"id": str(row.id)}, token=staff))["data"]["appeal"]
    assert shown["status"] == "REJECTED" and len(shown["materials"]) == 2
    anonymous = await gql(one, {"id": str(row.id)})
    assert (anonymous["data"] or {}).get("appeal") is None  # materials: reviewers only
    assert anonymous["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_a_wrong_phone_looks_like_an_unknown_number(gql, hooks, container, client):
    appeal = await submitted(gql, hooks, container, client)
    wrong = await gql(STATUS, {"number": appeal["number"], "phone": "13900009999"})
    unknown = await gql(STATUS, {"number": "SS2026112300000000", "phone": NEW_PHONE})
    assert wrong == unknown
    assert wrong["data"]["appealStatus"]["code"] == "APPEAL_NOT_FOUND"
    english = await gql(STATUS, {"number": "nope", "phone": "x"}, language="en")
    assert english["data"]["appealStatus"]["message"].startswith("No such appeal")


async def test_status_lookups_are_rate_limited(gql, hooks, container, client):
    answers = [
        (await gql(STATUS, {"number": "SS1", "phone": NEW_PHONE}))["data"]["appealStatus"]
        for _ in range(21)
    ]
    assert answers[0]["code"] == "APPEAL_NOT_FOUND"
    assert answers[-1]["__typename"] == "RateLimitedError"


async def test_bad_input_is_named_by_field(gql, hooks, container, client):
    values = await appeal_values(
        gql, hooks, container, remark="备" * 151, idNumber="110105198503120038"
    )
    missing = await submit_appeal(client, values, id_scans()[:1], language="en")
    assert missing["__typename"] == "ValidationErrors", missing
    codes = {(e["field"], e["code"]) for e in missing["errors"]}
    assert ("materials", "MATERIAL_REQUIRED") in codes
    assert ("remark", "TOO_LONG") in codes
    assert ("idNumber", "ID_NUMBER_CHECKSUM") in codes or any(f == "idNumber" for f, _ in codes)
    assert all(
        e["message"] and not any("\u4e00" <= c <= "\u9fff" for c in e["message"])
        for e in missing["errors"]
    )

    # A file whose content is not what its name says; a letter type an ID slot does not take.
    fake = [
        ("ID_FRONT", "front.png", b"this is not a picture at all"),
        ("ID_BACK", "b.docx", samples.docx()),
    ]
    values = await appeal_values(gql, hooks, container, phone="13700004444")
    bad_files = await submit_appeal(client, values, fake)
    codes = {(e["field"], e["code"]) for e in bad_files["errors"]}
    assert ("materials.0.file", "FILE_TYPE_NOT_ALLOWED") in codes
    assert ("materials.1.file", "FILE_TYPE_NOT_ALLOWED") in codes

    values = await appeal_values(gql, hooks, container, phone="13700003333")
    wrong_code = await submit_appeal(client, {**values, "smsCode": "000000"}, id_scans())
    assert [(e["field"], e["code"]) for e in wrong_code["errors"]] == [
        ("smsCode", "SMS_CODE_WRONG")
    ]
    assert await Appeal.all().count() == 0


async def test_a_phone_already_used_is_refused(gql, hooks, container, client, clock):
    await resident(gql, hooks, container, ZHANG_WEI)  # holds 13812345678
    clock.advance(seconds=61)  # one SMS a minute per number
    values = await appeal_values(gql, hooks, container, phone="13812345678")
    taken = await submit_appeal(client, values, id_scans())
    assert [(e["field"], e["code"]) for e in taken["errors"]] == [("phone", "PHONE_TAKEN")]


async def test_reviewers_only_never_their_own_and_one_of_two_wins(gql, hooks, container, client):
    await resident(gql, hooks, container, ZHANG_WEI)
    appeal = await submitted(gql, hooks, container, client)
    row = await Appeal.get(number=appeal["number"])
    tokens = await login(gql, "NATURAL_PERSON", "zhangwei")
    outsider = await gql(QUEUE, {"first": 5}, token=tokens["accessToken"])
    assert outsider["data"] is None and outsider["errors"]
    not_staff = await gql(
        DECIDE,
        {"input": {"appealId": str(row.id), "decision": "APPROVE"}},
        token=tokens["accessToken"],
    )
    assert not_staff["data"]["decideAppeal"]["__typename"] == "NotAuthorizedError"

    # A reviewer who filed an appeal about themselves cannot decide it.
    staff = await reviewer_token(container)
    own_values = await appeal_values(gql, hooks, container, phone="13700002222")
    own = await submit_appeal(client, own_values, id_scans(), token=staff)
    own_row = await Appeal.get(number=own["appeal"]["number"])
    refused = await gql(
        DECIDE, {"input": {"appealId": str(own_row.id), "decision": "APPROVE"}}, token=staff
    )
    assert refused["data"]["decideAppeal"]["code"] == "APPEAL_OWN_CASE"

    second = await reviewer_token(container, "appeal-reviewer-2")
    decisions = await asyncio.gather(
        *(
            gql(DECIDE, {"input": {"appealId": str(row.id), "decision": "APPROVE"}}, token=t)
            for t in (staff, second)
        )
    )
    kinds = sorted(d["data"]["decideAppeal"]["__typename"] for d in decisions)
    assert kinds == ["AppealDecided", "OperationRefused"], decisions
    assert (await Appeal.get(id=row.id)).state.value == "approved"
    links = [
        m
        for m in await container.notifier.list_messages(destination=NEW_PHONE)
        if "/appeals/reset/" in m.text
    ]
    assert len(links) == 1


async def test_an_appeal_matching_no_account_cannot_be_approved(gql, hooks, container, client):
    appeal = await submitted(gql, hooks, container, client)  # nobody registered 张伟
    row = await Appeal.get(number=appeal["number"])
    staff = await reviewer_token(container)
    body = await gql(
        DECIDE, {"input": {"appealId": str(row.id), "decision": "APPROVE"}}, token=staff
    )
    assert body["data"]["decideAppeal"]["code"] == "APPEAL_ACCOUNT_NOT_FOUND"
    assert (await Appeal.get(id=row.id)).state.value == "submitted"  # nothing half-written


async def test_the_queue_filters_by_kind_and_status_and_puts_overdue_first(
    gql, hooks, container, client, clock
):
    first = await submitted(gql, hooks, container, client)  # Mon 2026-11-23, due 11-30
    clock.advance(days=3)  # Thursday: due Thursday 12-03
    values = await appeal_values(
        gql, hooks, container, phone="13700006666", kind="IDENTITY_CHANGE", newRealName="张卫"
    )
    second = (await submit_appeal(client, values, id_scans()))["appeal"]
    assert second["dueOn"] == "2026-12-03"
    clock.advance(days=5)  # Tuesday 12-01: the first is overdue, the second is not
    staff = await reviewer_token(container)

    queue = (await gql(QUEUE, {"first": 10}, token=staff))["data"]["appeals"]["edges"]
    assert [(e["node"]["number"], e["node"]["overdue"]) for e in queue] == [
        (first["number"], True),
        (second["number"], False),
    ]
    page = (await gql(QUEUE, {"first": 1}, token=staff))["data"]["appeals"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(QUEUE, {"first": 1, "after": page["pageInfo"]["endCursor"]}, token=staff)
    assert [e["node"]["number"] for e in rest["data"]["appeals"]["edges"]] == [second["number"]]

    changes = await gql(QUEUE, {"first": 10, "kind": "IDENTITY_CHANGE"}, token=staff)
    assert [e["node"]["number"] for e in changes["data"]["appeals"]["edges"]] == [second["number"]]
    row = await Appeal.get(number=first["number"])
    await gql(TAKE, {"id": str(row.id)}, token=staff)
    taken = await gql(QUEUE, {"first": 10, "status": ["IN_REVIEW"]}, token=staff)
    assert [e["node"]["number"] for e in taken["data"]["appeals"]["edges"]] == [first["number"]]
    again = await gql(TAKE, {"id": str(row.id)}, token=staff)
    assert again["data"]["startAppealReview"]["code"] == "APPEAL_ALREADY_TAKEN"
    other = await reviewer_token(container, "appeal-reviewer-2")
    body = await gql(
        DECIDE, {"input": {"appealId": str(row.id), "decision": "APPROVE"}}, token=other
    )
    assert body["data"]["decideAppeal"]["code"] == "APPEAL_ALREADY_TAKEN"  # not theirs


async def test_per_file_limits(gql, hooks, container, client):
    big_scan = ("ID_FRONT", "front.pdf", samples.pdf_of_size(1_100_000))  # ID scans: 1 MB
    values = {"kind": "PERSON_PASSWORD", "phone": NEW_PHONE, "smsCode": "123456", **RESIDENT}
    refused = await submit_appeal(client, values, [big_scan, id_scans()[1]], language="en")
    errors = [(e["field"], e["code"], e["message"]) for e in refused["errors"]]
    assert errors == [
        ("materials.0.file", "FILE_TOO_LARGE", "The file must not be larger than 1 MB")
    ]


async def test_the_result_sms_is_in_the_language_the_appeal_was_filed_in(
    gql, hooks, container, client, clock
):
    await resident(gql, hooks, container, ZHANG_WEI)
    values = await appeal_values(gql, hooks, container)
    filed = await submit_appeal(client, values, id_scans(), language="en")
    row = await Appeal.get(number=filed["appeal"]["number"])
    assert row.locale == "en"
    staff = await reviewer_token(container)
    decision = {"appealId": str(row.id), "decision": "REJECT", "reasons": ["MATERIALS_UNCLEAR"]}
    await gql(DECIDE, {"input": decision}, token=staff)  # the reviewer's own language: Chinese
    sms = await latest_sms(container, NEW_PHONE)
    assert f"Your appeal ({row.number}) was rejected" in sms
    assert "The materials are not legible" in sms and "材料" not in sms

    clock.advance(minutes=2)  # the phone's next SMS code
    again = await submit_appeal(client, await appeal_values(gql, hooks, container), id_scans())
    chinese = await Appeal.get(number=again["appeal"]["number"])
    assert chinese.locale == "zh-CN"  # no Accept-Language: the default
    approve = {"appealId": str(chinese.id), "decision": "APPROVE"}
    assert (await gql(DECIDE, {"input": approve}, token=staff))["data"]["decideAppeal"]
    assert "审核通过" in await latest_sms(container, NEW_PHONE)
