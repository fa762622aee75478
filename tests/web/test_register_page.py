"""The registration page over HTTP (SPEC §2.1, §3): phone and captcha, then the details
with the SMS code; the services' errors next to their fields in the page's language,
values kept (passwords never), nothing written on error, CSRF, and ``return_to`` carried
to the login page without an open redirect."""

from __future__ import annotations

import html as html_module
import re
import uuid

import pytest

from identity_graph.accounts import pledge
from identity_graph.accounts.models import Account
from identity_graph.sessions.browser import COOKIE
from tests.graphql.accounts_helpers import PASSWORD, PERSON_ID, latest_sms, register_person
from tests.web.test_login_page import hidden, open_form, submit

PHONE = "13700001111"
OTHER_ID = "11010519491231002X"


@pytest.fixture
def settings(settings):
    """Cheap Argon2: hashing cost is not under test here."""
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


def action(html: str) -> str:
    match = re.search(r'<form method="post" action="([^"]*)"', html)
    assert match
    return html_module.unescape(match.group(1))


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(name)}-error">([^<]*)</p>', html)
    assert match, f"no error next to {name}"
    return html_module.unescape(match.group(1))


def value_of(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, name
    return html_module.unescape(match.group(1))


async def send_code(client, hooks, phone: str = PHONE, *, answer: str | None = None, **query: str):
    """Step 1: open the page, solve its captcha and ask for a code; the answered page."""
    page = await client.get("/register", params=query)
    assert page.status_code == 200
    # Usable without JavaScript: the one script only swaps the captcha in place.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/captcha.js" defer>']
    captcha_id = hidden(page.text, "captchaId")
    data = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "lang": hidden(page.text, "lang"),
        "step": "phone",
        "phone": phone,
        "captchaId": captcha_id,
        "captchaAnswer": answer or hooks.captcha_answers[uuid.UUID(captcha_id)],
    }
    return await client.post(action(page.text), data=data)


async def code_from_outbox(container, phone: str = PHONE) -> str:
    match = re.search(r"\b(\d{6})\b", await latest_sms(container, phone))
    assert match
    return match.group(1)


def details(page: str, code: str, **overrides: str) -> dict[str, str]:
    """Step 2's form as a resident fills it in, from the step-2 page's hidden fields."""
    data = {
        "csrf_token": hidden(page, "csrf_token"),
        "lang": hidden(page, "lang"),
        "step": "details",
        "credentials.phone": value_of(page, "credentials.phone"),
        "credentials.smsCode": code,
        "credentials.loginName": "wangwu",
        "credentials.password": PASSWORD,
        "passwordConfirm": PASSWORD,
        "realName": "王五",
        "regionType": "mainland",
        "idType": "resident_id_card",
        "idNumber": PERSON_ID,
        "idValidFrom": "2015-01-01",
        "idValidUntil": "2035-01-01",
        "credentials.pledgeVersion": hidden(page, "credentials.pledgeVersion"),
        "credentials.pledgeAccepted": "yes",
    }
    data.update(overrides)
    return data


async def step_two(client, hooks, container, **query: str) -> tuple[str, str, str]:
    """Through step 1: the step-2 page, its form action and the SMS code."""
    sent = await send_code(client, hooks, **query)
    assert sent.status_code == 200, sent.text
    return sent.text, action(sent.text), await code_from_outbox(container)


async def test_register_in_two_steps_then_log_in(client, hooks, container):
    page, target, code = await step_two(client, hooks, container)
    assert "第二步" in page and "如该号码可以接收短信，验证码已发送" in page
    assert pledge.CURRENT.text_zh in page and pledge.CURRENT.version in page
    assert "<script" not in page
    done = await client.post(target, data=details(page, code))
    assert done.status_code == 201, done.text
    assert "注册成功" in done.text and "wangwu" in done.text
    assert 'href="/login?return_to=%2F&amp;lang=zh-CN"' in done.text
    account = await Account.get(login_name="wangwu")
    assert account.pledge_version == pledge.CURRENT.version
    _, form = await open_form(client)
    answer = await submit(client, hooks, form, "wangwu")
    assert answer.status_code == 200 and answer.cookies.get(COOKIE)


async def test_english_page_and_messages(client, hooks, container):
    first = await client.get("/register", params={"lang": "en"})
    assert "Register as a resident" in first.text and "Mobile number" in first.text
    wrong = await send_code(client, hooks, answer="WRONG", lang="en")
    assert field_error(wrong.text, "captchaAnswer") == "Wrong captcha; get a new one and retry"
    page, target, code = await step_two(client, hooks, container, lang="en")
    assert "Step 2" in page and pledge.CURRENT.text_en in html_module.unescape(page)
    refused = await client.post(target, data=details(page, code, idNumber="123"))
    assert field_error(refused.text, "idNumber") == "The ID number must be 18 characters"
    assert "Some fields are invalid" in refused.text
    done = await client.post(target, data=details(page, code))
    assert done.status_code == 201 and "Registration complete" in done.text


async def test_missing_csrf_token_is_refused(client, hooks, container):
    page = await client.get("/register")
    captcha_id = hidden(page.text, "captchaId")
    answer = hooks.captcha_answers[uuid.UUID(captcha_id)]
    data = {"step": "phone", "phone": PHONE, "captchaId": captcha_id, "captchaAnswer": answer}
    refused = await client.post("/register", data=data)
    assert refused.status_code == 403 and "页面已过期" in refused.text
    assert await latest_sms(container, PHONE) == ""
    page_two, target, code = await step_two(client, hooks, container)
    form = details(page_two, code)
    del form["csrf_token"]
    refused = await client.post(target, data=form)
    assert refused.status_code == 403 and "页面已过期" in refused.text
    assert value_of(refused.text, "credentials.loginName") == "wangwu"
    assert not await Account.exists()


async def test_wrong_captcha_keeps_the_phone_and_sends_nothing(client, hooks, container):
    refused = await send_code(client, hooks, answer="WRONG")
    assert refused.status_code == 400
    assert field_error(refused.text, "captchaAnswer") == "图形验证码错误，请刷新后重试"
    assert value_of(refused.text, "phone") == PHONE
    assert 'src="data:image/png;base64,' in refused.text
    assert await latest_sms(container, PHONE) == ""
    bad_phone = await send_code(client, hooks, phone="12345")
    assert bad_phone.status_code == 400 and field_error(bad_phone.text, "phone")


async def test_wrong_sms_code(client, hooks, container):
    page, target, code = await step_two(client, hooks, container)
    wrong = "000000" if code != "000000" else "111111"
    refused = await client.post(target, data=details(page, wrong))
    assert refused.status_code == 400
    assert field_error(refused.text, "credentials.smsCode") == "短信验证码错误"
    assert value_of(refused.text, "credentials.loginName") == "wangwu"
    assert PASSWORD not in refused.text
    assert not await Account.exists()


async def test_invalid_id_number_names_the_field_keeps_values_writes_nothing(
    client, hooks, container
):
    page, target, code = await step_two(client, hooks, container)
    bad = PERSON_ID[:-1] + ("9" if PERSON_ID[-1] != "9" else "8")
    refused = await client.post(target, data=details(page, code, idNumber=bad))
    assert refused.status_code == 400
    assert field_error(refused.text, "idNumber") == "证件号码校验位不正确，请核对号码"
    assert 'id="idNumber"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "输入有误，请检查标注的字段" in refused.text
    for name, value in (("idNumber", bad), ("realName", "王五"), ("credentials.smsCode", code)):
        assert value_of(refused.text, name) == value
    assert '<option value="resident_id_card" selected>' in refused.text
    assert 'name="credentials.pledgeAccepted" value="yes" required checked' in refused.text
    assert PASSWORD not in refused.text
    assert not await Account.exists()
    fixed = await client.post(action(refused.text), data=details(refused.text, code))
    assert fixed.status_code == 201, "a field refusal leaves the SMS code usable"


async def test_form_checks_before_any_service(client, hooks, container):
    page, target, code = await step_two(client, hooks, container)
    form = details(page, code, passwordConfirm="Other#2026x", idValidFrom="2015-13-45")
    refused = await client.post(target, data=form)
    assert refused.status_code == 400
    assert field_error(refused.text, "passwordConfirm") == "两次输入的密码不一致"
    assert field_error(refused.text, "idValidFrom") == "格式不正确"
    no_type = await client.post(target, data=details(page, code, idType=""))
    assert field_error(no_type.text, "idType") == "此项为必填项"
    unchecked = details(page, code)
    del unchecked["credentials.pledgeAccepted"]
    no_pledge = await client.post(target, data=unchecked)
    assert field_error(no_pledge.text, "credentials.pledgeAccepted") == "请阅读并接受真实性承诺书"
    done = await client.post(target, data=details(page, code))
    assert done.status_code == 201


async def test_taken_login_name(client, hooks, gql, container):
    assert (await register_person(gql, hooks, container))["__typename"] == "Registered"
    page, target, code = await step_two(client, hooks, container)
    form = details(page, code, idNumber=OTHER_ID, **{"credentials.loginName": "zhangsan"})
    refused = await client.post(target, data=form)
    assert refused.status_code == 400
    assert "注册未完成：所填登录名、手机号码或证件信息已被使用" in refused.text
    assert value_of(refused.text, "credentials.loginName") == "zhangsan"
    assert "登录名已被使用" in await latest_sms(container, PHONE)
    assert await Account.filter().count() == 1


async def test_second_code_too_soon_is_rate_limited(client, hooks, container):
    assert (await send_code(client, hooks)).status_code == 200
    again = await send_code(client, hooks)
    assert again.status_code == 429 and "操作过于频繁" in again.text


async def test_return_to_is_carried_to_login_and_never_off_site(client, hooks, container):
    target = "/oauth/authorize?client_id=x&state=1"
    page, form_action, code = await step_two(client, hooks, container, return_to=target)
    assert form_action == "/register?return_to=%2Foauth%2Fauthorize%3Fclient_id%3Dx%26state%3D1"
    switch = re.search(r'<a href="([^"]*)" hreflang="en">', page)
    assert switch and "return_to=%2Foauth%2Fauthorize" in html_module.unescape(switch.group(1))
    done = await client.post(form_action, data=details(page, code))
    expected = "/login?return_to=%2Foauth%2Fauthorize%3Fclient_id%3Dx%26state%3D1&lang=zh-CN"
    assert f'href="{html_module.escape(expected)}"' in done.text
    for evil in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        opened = await client.get("/register", params={"return_to": evil})
        assert action(opened.text) == "/register?return_to=%2F"
        assert 'href="/login?return_to=%2F&amp;lang=zh-CN"' in opened.text
    # Only the language switch repeats the query, and it leads back to this page.
    posted = await client.post("/register?return_to=//evil.example", data={"step": "details"})
    assert posted.status_code == 403 and action(posted.text) == "/register?return_to=%2F"


async def test_login_page_links_to_registration(client):
    person = await client.get("/login", params={"return_to": "/x?y=1", "lang": "en"})
    assert 'href="/register?return_to=%2Fx%3Fy%3D1&amp;lang=en">No account yet? Register' in (
        person.text
    )
    enterprise = await client.get("/login", params={"kind": "enterprise"})
    assert 'href="/register?return_to=%2F&amp;lang=zh-CN&amp;kind=enterprise">' in enterprise.text
    assert "法人注册" in enterprise.text
    agent = await client.get("/login", params={"kind": "agent"})
    assert "/register" not in agent.text
