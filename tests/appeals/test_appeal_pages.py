"""The appeal pages over HTTP: the login refusal that tells a locked account to appeal
links to the appeal page; the kinds list and the form in both languages; a form with a bad
file comes back with the error next to that file; a spent or unknown reset link is 404; an
appeal filed on the English page keeps its language for the result SMS."""

from __future__ import annotations

import re
import uuid

import pytest

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from tests.graphql.accounts_helpers import latest_sms, register_person
from tests.web.test_login_page import hidden, open_form, submit

pytestmark = pytest.mark.postgres


async def test_a_locked_account_is_sent_to_the_appeal_page(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    await Account.filter(login_name="zhangsan").update(status=AccountStatus.LOCKED)
    _, form = await open_form(client)
    answer = await submit(client, hooks, form, "zhangsan")
    assert "请通过申诉" in answer.text
    assert 'href="/appeals/new?kind=person_password&amp;lang=zh-CN"' in answer.text
    _, form = await open_form(client, kind="enterprise", lang="en")
    answer = await submit(client, hooks, form, "nobody-here")
    assert "/appeals/new" not in answer.text  # only where the message says to appeal


async def test_kinds_and_form_in_both_languages(client):
    kinds = await client.get("/appeals/new")
    assert kinds.status_code == 200
    for label in (
        "自然人申诉找回密码",
        "单位法人用户申诉找回密码",
        "辅助企业注册申诉",
        "修改企业信息申诉",
    ):
        assert label in kinds.text
    english = await client.get("/appeals/new", params={"kind": "unit_password", "lang": "en"})
    assert "Unit: recover the password" in english.text and 'name="captchaId"' in english.text


async def test_a_bad_file_comes_back_next_to_its_input(client, hooks, container):
    page = await client.get("/appeals/new", params={"kind": "person_password", "lang": "en"})
    form = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "captchaId": hidden(page.text, "captchaId"),
        "lang": "en",
    }
    form["captchaAnswer"] = hooks.captcha_answers[uuid.UUID(form["captchaId"])]
    sent = await client.post(
        "/appeals/new?kind=person_password", data={**form, "step": "phone", "phone": "13700005555"}
    )
    assert sent.status_code == 200 and 'name="smsCode"' in sent.text
    code = re.search(r"\b(\d{6})\b", await latest_sms(container, "13700005555"))
    assert code
    details = {
        "csrf_token": hidden(sent.text, "csrf_token"),
        "lang": "en",
        "step": "details",
        "phone": "13700005555",
        "smsCode": code.group(1),
        "realName": "张伟",
        "regionType": "mainland",
        "idType": "resident_id_card",
        "idNumber": "110105198503120039",
        "remark": "x" * 151,
    }
    files = {
        "file.ID_FRONT": ("front.png", b"MZ\x90\x00not an image", "image/png"),
        "file.ID_BACK": ("back.png", b"plain text", "image/png"),
    }
    refused = await client.post("/appeals/new?kind=person_password", data=details, files=files)
    assert refused.status_code == 400
    assert 'id="file.ID_FRONT-error"' in refused.text and 'id="remark-error"' in refused.text
    assert "Must be at most 150 characters" in refused.text
    assert 'value="110105198503120039"' in refused.text  # values kept


async def test_an_unknown_reset_link_is_not_found(client):
    page = await client.get("/appeals/reset/not-a-real-token", params={"lang": "en"})
    assert page.status_code == 404 and "invalid, used or expired" in page.text


async def test_an_appeal_filed_on_the_english_page_keeps_its_language(client, hooks, container):
    from identity_graph.recovery.appeals.models import Appeal
    from tests.files import samples

    page = await client.get("/appeals/new", params={"kind": "person_password", "lang": "en"})
    form = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "captchaId": hidden(page.text, "captchaId"),
        "lang": "en",
    }
    form["captchaAnswer"] = hooks.captcha_answers[uuid.UUID(form["captchaId"])]
    sent = await client.post(
        "/appeals/new?kind=person_password", data={**form, "step": "phone", "phone": "13700005556"}
    )
    code = re.search(r"\b(\d{6})\b", await latest_sms(container, "13700005556"))
    assert code
    details = {
        "csrf_token": hidden(sent.text, "csrf_token"),
        "lang": "en",
        "step": "details",
        "phone": "13700005556",
        "smsCode": code.group(1),
        "realName": "张伟",
        "regionType": "mainland",
        "idType": "resident_id_card",
        "idNumber": "110105198503120039",
    }
    files = {
        "file.ID_FRONT": ("front.png", samples.png(), "image/png"),
        "file.ID_BACK": ("back.jpg", samples.jpeg(), "image/jpeg"),
    }
    filed = await client.post("/appeals/new?kind=person_password", data=details, files=files)
    assert filed.status_code == 201, filed.text
    [appeal] = await Appeal.all()
    assert appeal.locale == "en"  # its result SMS will be in English
