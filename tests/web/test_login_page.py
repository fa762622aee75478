"""The login page over HTTP: languages, CSRF, captcha, lockout messages, the browser
session cookie, and no open redirect through ``return_to``."""

from __future__ import annotations

import html as html_module
import re
import uuid

from identity_graph.sessions.browser import COOKIE
from tests.graphql.accounts_helpers import PASSWORD, register_enterprise, register_person


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return html_module.unescape(match.group(1))


async def open_form(client, **query: str) -> tuple[str, dict[str, str]]:
    page = await client.get("/login", params=query)
    assert page.status_code == 200
    return page.text, {
        "csrf_token": hidden(page.text, "csrf_token"),
        "captcha_id": hidden(page.text, "captcha_id"),
        "kind": hidden(page.text, "kind"),
        "return_to": hidden(page.text, "return_to"),
        "lang": hidden(page.text, "lang"),
    }


async def submit(client, hooks, form: dict[str, str], identifier: str, password: str = PASSWORD):
    answer = hooks.captcha_answers[uuid.UUID(form["captcha_id"])]
    data = {**form, "identifier": identifier, "password": password, "captcha_answer": answer}
    return await client.post("/login", data=data)


async def test_page_in_chinese_by_default_and_english_on_request(client):
    html, form = await open_form(client)
    assert "统一身份认证平台" in html and "自然人登录" in html and "法人登录" in html
    assert 'src="data:image/png;base64,' in html
    assert form["kind"] == "natural_person"
    english, _ = await open_form(client, lang="en")
    assert "Unified Identity Service" in english and "Legal persons" in english
    enterprise, form = await open_form(client, kind="enterprise")
    assert "统一社会信用代码" in enterprise and form["kind"] == "enterprise"


async def test_login_sets_the_browser_session_and_continues(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    _, form = await open_form(client, return_to="/oauth/authorize?client_id=x&state=1")
    answer = await submit(client, hooks, form, "zhangsan")
    assert answer.status_code == 200
    assert 'http-equiv="refresh" content="0;url=/oauth/authorize?client_id=x&amp;state=1"' in (
        answer.text
    )
    cookie = answer.cookies.get(COOKIE)
    session = await container.browser_sessions.read(cookie)
    assert session is not None and session.account.login_name == "zhangsan"
    set_cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    forged = cookie[:-1] + ("1" if cookie[-1] == "0" else "0")
    assert await container.browser_sessions.read(forged) is None


async def test_enterprise_logs_in_by_credit_code(client, hooks, gql, container):
    await register_enterprise(gql, hooks, container)
    _, form = await open_form(client, kind="enterprise")
    answer = await submit(client, hooks, form, "91350100m000100y43")
    assert answer.status_code == 200 and answer.cookies.get(COOKIE)


async def test_csrf_token_is_required(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    _, form = await open_form(client)
    form["csrf_token"] = "forged-" + "x" * 40
    answer = await submit(client, hooks, form, "zhangsan")
    assert answer.status_code == 403
    assert "页面已过期" in answer.text
    assert COOKIE not in answer.cookies


async def test_wrong_password_then_lockout_with_unlock_time(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    for attempt in range(4):
        _, form = await open_form(client)
        answer = await submit(client, hooks, form, "zhangsan", "Wrong#Pass2026")
        assert answer.status_code == 400
        assert f"还可尝试 {4 - attempt} 次" in answer.text
        assert 'value="zhangsan"' in answer.text
    _, form = await open_form(client, lang="en")
    locked = await submit(client, hooks, form, "zhangsan", "Wrong#Pass2026")
    assert locked.status_code == 429
    assert "try again after 2026-11-23 10:15:00 (UTC+8)" in locked.text


async def test_no_open_redirect_and_escaped_input(client, hooks, gql, container):
    await register_person(gql, hooks, container)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        _, form = await open_form(client, return_to=target)
        assert form["return_to"] == "/"
    _, form = await open_form(client)
    answer = await submit(client, hooks, form, "<script>alert(1)</script>", "x")
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;" in answer.text


async def test_front_page_says_who_is_logged_in(client, hooks, gql, container):
    anonymous = await client.get("/")
    assert anonymous.status_code == 200 and "您尚未登录" in anonymous.text
    await register_person(gql, hooks, container)
    _, form = await open_form(client)
    answer = await submit(client, hooks, form, "zhangsan")
    assert 'content="0;url=/"' in answer.text
    home = await client.get("/")
    assert "当前登录" in home.text and "zhangsan" in home.text


async def test_too_many_captchas_from_one_address_is_a_429_page_not_an_error(client, container):
    limit = container.settings.captcha_per_ip_per_minute
    for _ in range(limit):
        assert (await client.get("/login")).status_code == 200

    refused = await client.get("/login", headers={"Accept-Language": "en"})

    assert refused.status_code == 429
    assert "Traceback" not in refused.text and "<form" not in refused.text
