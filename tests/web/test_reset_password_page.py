"""忘记密码 pages over HTTP, without JavaScript (seed 002 §3, seed 004 §三): the links on every
login tab, a resident's and a unit's whole reset, errors naming their fields in zh-CN and
en, the same anti-enumeration answer as GraphQL, and the CSRF check."""

from __future__ import annotations

import html as html_module
import re
import uuid

import pytest

from identity_graph.accounts.enums import AccountKind
from tests.graphql.accounts_helpers import USCC, register_enterprise, register_person
from tests.recovery.reset_helpers import NEW_PASSWORD, REP_ID, REP_NAME, UNIT_NAME, received_code
from tests.web.test_login_page import hidden

PHONE = "13812345678"


@pytest.fixture
def settings(settings):
    """Cheap Argon2: hashing cost is not under test here."""
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


def alerts(page: str) -> list[str]:
    return [html_module.unescape(text) for text in re.findall(r'role="alert">([^<]*)<', page)]


async def start(client, hooks, kind: str = "natural_person", lang: str = "zh-CN", **fields):
    page = await client.get("/reset-password", params={"kind": kind, "lang": lang})
    assert page.status_code == 200 and "<script" not in page.text
    captcha_id = hidden(page.text, "captcha_id")
    data = {
        "csrf_token": hidden(page.text, "csrf_token"),
        "kind": kind,
        "lang": lang,
        "captcha_id": captcha_id,
        "captcha_answer": hooks.captcha_answers[uuid.UUID(captcha_id)],
        **fields,
    }
    return await client.post("/reset-password", data=data)


def completion(page: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": hidden(page, "csrf_token"),
        "kind": hidden(page, "kind"),
        "lang": hidden(page, "lang"),
        "flow_id": hidden(page, "flow_id"),
        "reason": "forgotten",
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        **fields,
    }


@pytest.mark.parametrize("kind", ["natural_person", "enterprise", "agent"])
async def test_every_login_tab_links_to_the_reset(client, kind):
    page = await client.get("/login", params={"kind": kind, "lang": "en"})
    assert "Forgot your password?" in page.text
    target = {
        "natural_person": "kind=natural_person&amp;lang=en",
        "enterprise": "kind=enterprise&amp;lang=en",
        "agent": "kind=natural_person&amp;from=agent&amp;lang=en",
    }[kind]
    assert f'href="/reset-password?{target}"' in page.text
    chinese = await client.get("/login", params={"kind": kind})
    assert "忘记密码？" in chinese.text


async def test_the_agent_tab_explains_where_the_agent_password_is_set(client):
    """An agent's login password belongs to the binding: the reset page says it is set again
    from the person's own account, which is what the page then resets."""
    english = await client.get(
        "/reset-password", params={"kind": "natural_person", "from": "agent", "lang": "en"}
    )
    assert "set a new agent password in the agent centre" in english.text
    assert 'name="login_name"' in english.text
    chinese = await client.get(
        "/reset-password", params={"kind": "natural_person", "from": "agent"}
    )
    assert "重新设置经办人密码" in chinese.text
    plain = await client.get("/reset-password", params={"kind": "natural_person", "lang": "en"})
    assert "agent centre" not in plain.text


async def test_resident_resets_on_the_pages(client, hooks, container, gql):
    await register_person(gql, hooks, container)
    sent = await start(client, hooks, login_name="zhangsan", channel="sms", destination=PHONE)
    assert sent.status_code == 200, sent.text
    assert "138****5678" in sent.text and 'action="/reset-password/complete"' in sent.text
    code = await received_code(container, PHONE)

    mismatch = await client.post(
        "/reset-password/complete",
        data=completion(sent.text, code=code, confirm_password="Other#Pass2027"),
    )
    assert alerts(mismatch.text) == ["两次输入的新密码不一致"]
    wrong = await client.post(
        "/reset-password/complete",
        data=completion(mismatch.text, code="000000" if code != "000000" else "111111"),
    )
    assert wrong.status_code == 400 and alerts(wrong.text) == ["验证码：验证码错误"]
    done = await client.post("/reset-password/complete", data=completion(wrong.text, code=code))
    assert done.status_code == 200, done.text
    assert "重置密码已完成" in done.text
    stored = await container.accounts.find_for_login(AccountKind.NATURAL_PERSON, "zhangsan")
    assert await container.accounts.verify_password(stored.account, NEW_PASSWORD)


async def test_unit_resets_on_the_pages_in_english(client, hooks, container, gql):
    await register_enterprise(gql, hooks, container)
    sent = await start(
        client,
        hooks,
        kind="enterprise",
        lang="en",
        identifier="AcmeTrading01",
        legal_representative_name=REP_NAME,
        id_number=REP_ID,
    )
    assert "139****5678" in sent.text, sent.text
    code = await received_code(container, "13912345678")
    wrong_unit = await client.post(
        "/reset-password/complete",
        data=completion(sent.text, code=code, unit_name="Other Ltd", uscc=USCC),
    )
    assert alerts(wrong_unit.text) == [
        "Unit name: The unit name or credit code does not match the account"
    ]
    done = await client.post(
        "/reset-password/complete",
        data=completion(wrong_unit.text, code=code, unit_name=UNIT_NAME, uscc=USCC),
    )
    assert "Your password was reset" in done.text, done.text


async def test_unknown_account_gets_the_same_page(client, hooks, container, gql, clock):
    await register_person(gql, hooks, container)
    known = await start(client, hooks, login_name="zhangsan", destination=PHONE)
    clock.advance(seconds=61)
    unknown = await start(client, hooks, login_name="nobody2026", destination=PHONE)
    strip = re.compile(r'name="(csrf_token|flow_id)" value="[^"]*"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)


async def test_errors_name_fields_and_csrf_is_checked(client, hooks, container):
    blank = await start(client, hooks, lang="en", login_name="", destination="123")
    assert blank.status_code == 400
    assert alerts(blank.text) == [
        "Login name or mobile number: This field is required",
        "Reserved phone or e-mail: Not a valid mainland mobile number",
    ]
    page = await client.get("/reset-password")
    forged = await client.post(
        "/reset-password",
        data={"csrf_token": "forged", "kind": "natural_person", "login_name": "zhangsan"},
    )
    assert forged.status_code == 403 and alerts(forged.text) == ["页面已过期，请重新提交"]
    assert page.status_code == 200
