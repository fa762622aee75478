"""The activation pages (账号激活, seed 004 §五) without JavaScript: over HTTP (errors next to
their fields in zh-CN and English, CSRF, expiry) and in Chromium with JavaScript off (an
imported unit whose name collided activates as WP_… and logs in on the legal-person tab)."""

from __future__ import annotations

import re
import socket
import uuid
from pathlib import Path

import pytest
import pytest_asyncio

from identity_graph.accounts.enums import AccountStatus
from identity_graph.accounts.models import Account
from identity_graph.app import create_app
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import latest_sms, register_enterprise
from tests.recovery.activation_helpers import NEW_PASSWORD, UNIT_PHONE, import_unit
from tests.test_server import CHROMIUM_ARGS
from tests.web.live import bound_socket, serving, url_of
from tests.web.test_login_page import hidden, open_form, submit
from tests.web.test_register_page import field_error, value_of

CHROMIUM = Path("/usr/bin/chromium")
UNIT = {
    "legalPersonType": "enterprise",
    "unitName": "上海来华示例科技有限公司",
    "uscc": "91310000MA1FL0001R",
    "legalRepresentativeName": "赵六",
    "idType": "resident_id_card",
    "idNumber": "310115197001010011",
    "idValidity": "twenty_years",
    "idValidFrom": "2016-03-01",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 64})


def _form(html: str, step: str, **values: str) -> dict[str, str]:
    data = {"csrf_token": hidden(html, "csrf_token"), "lang": hidden(html, "lang"), "step": step}
    if 'name="flowId"' in html:
        data["flowId"] = hidden(html, "flowId")
    data.update(values)
    return data


def _captcha(html: str, hooks) -> dict[str, str]:
    captcha_id = hidden(html, "captchaId")
    return {"captchaId": captcha_id, "captchaAnswer": hooks.captcha_answers[uuid.UUID(captcha_id)]}


async def _sms(container) -> str:
    match = re.search(r"\b(\d{6})\b", await latest_sms(container, UNIT_PHONE))
    assert match
    return match.group(1)


async def test_pages_walk_the_steps_with_errors_next_to_fields(client, hooks, container, tmp_path):
    await import_unit(container, tmp_path, name="PageUnit001")
    first = await client.get("/activate", params={"lang": "en"})
    assert first.status_code == 200 and "<script" not in first.text
    assert "Step 1: confirm the account" in first.text

    bad = await client.post(
        "/activate",
        data=_form(
            first.text,
            "confirm",
            **{**UNIT, "idValidUntil": "2030-01-01"},
            **_captcha(first.text, hooks),
        ),
    )
    assert bad.status_code == 400
    assert "validity period" in field_error(bad.text, "idValidUntil")
    assert value_of(bad.text, "unitName") == UNIT["unitName"]

    mismatch = await client.post(
        "/activate",
        data=_form(
            bad.text,
            "confirm",
            **{**UNIT, "legalRepresentativeName": "钱七"},
            **_captcha(bad.text, hooks),
        ),
    )
    assert mismatch.status_code == 400 and "No unit awaiting activation" in mismatch.text

    forged = await client.post(
        "/activate", data={**_form(mismatch.text, "confirm", **UNIT), "csrf_token": "x"}
    )
    assert forged.status_code == 403

    code_page = await client.post(
        "/activate", data=_form(mismatch.text, "confirm", **UNIT, **_captcha(mismatch.text, hooks))
    )
    assert code_page.status_code == 200, code_page.text
    assert "136****0001" in code_page.text and UNIT_PHONE not in code_page.text
    wrong = await client.post("/activate", data=_form(code_page.text, "code", smsCode="000000"))
    assert wrong.status_code == 400 and field_error(wrong.text, "smsCode")
    account_page = await client.post(
        "/activate", data=_form(wrong.text, "code", smsCode=await _sms(container))
    )
    assert account_page.status_code == 200
    assert value_of(account_page.text, "loginName") == "PageUnit001"
    differ = await client.post(
        "/activate",
        data=_form(
            account_page.text,
            "account",
            loginName="PageUnit001",
            password=NEW_PASSWORD,
            passwordConfirm="other",
        ),
    )
    assert differ.status_code == 400 and field_error(differ.text, "passwordConfirm")
    assert NEW_PASSWORD not in differ.text
    weak = await client.post(
        "/activate",
        data=_form(
            differ.text, "account", loginName="PageUnit001", password="abc", passwordConfirm="abc"
        ),
    )
    assert weak.status_code == 400 and field_error(weak.text, "password")
    done = await client.post(
        "/activate",
        data=_form(
            weak.text,
            "account",
            loginName="PageUnit001",
            password=NEW_PASSWORD,
            passwordConfirm=NEW_PASSWORD,
        ),
    )
    assert done.status_code == 200 and "is active" in done.text
    assert (await Account.get(login_name="PageUnit001")).status == AccountStatus.ACTIVE
    replay = await client.post(
        "/activate",
        data=_form(
            weak.text,
            "account",
            loginName="PageUnit001",
            password=NEW_PASSWORD,
            passwordConfirm=NEW_PASSWORD,
        ),
    )
    assert replay.status_code == 400 and "Unknown or finished activation" in replay.text
    assert "Step 1" in replay.text


async def test_login_page_links_a_pending_unit_to_activation(client, hooks, container, tmp_path):
    await import_unit(container, tmp_path, name="PageUnit002")
    from tests.recovery.legacy_fixtures import OLD_PASSWORD

    _, form = await open_form(client, kind="enterprise")
    refused = await submit(client, hooks, form, "PageUnit002", OLD_PASSWORD)
    assert refused.status_code == 400
    assert "账号尚未激活" in refused.text
    assert 'id="activate-link"' in refused.text and 'href="/activate?lang=zh-CN"' in refused.text


@pytest.fixture
def live_socket() -> socket.socket:
    return bound_socket()


@pytest.fixture
def browser_settings(settings: Settings, live_socket: socket.socket) -> Settings:
    return settings.model_copy(update={"public_url": url_of(live_socket)})


@pytest_asyncio.fixture
async def site(container, browser_settings, live_socket):
    app = create_app(browser_settings, container, manage_database=False)
    async with serving([(app, live_socket)]):
        yield url_of(live_socket)


@pytest.mark.browser
async def test_browser_without_javascript_activates_a_wp_unit(
    site, container, hooks, gql, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    from tests.recovery.legacy_fixtures import OLD_PASSWORD

    assert (await register_enterprise(gql, hooks, container))["__typename"] == "Registered"
    await import_unit(container, tmp_path)  # "AcmeTrading01" is taken: WP_AcmeTrading01
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context(locale="zh-CN", java_script_enabled=False)
            page = await context.new_page()

            async def solve(id_name: str = "captchaId", answer_name: str = "captchaAnswer") -> None:
                captcha_id = await page.input_value(f"input[name={id_name}]")
                answer = hooks.captcha_answers[uuid.UUID(captcha_id)]
                await page.fill(f"input[name={answer_name}]", answer)

            await page.goto(f"{site}/login?kind=enterprise")
            await page.fill("#identifier", "WP_AcmeTrading01")
            await page.fill("#password", OLD_PASSWORD)
            await solve("captcha_id", "captcha_answer")
            await page.click("button[type=submit]")
            await expect(page.get_by_text("账号尚未激活")).to_be_visible()
            await page.click("#activate-link")

            await expect(page.get_by_role("heading", name="第一步：确认账号")).to_be_visible()
            await page.select_option("#legalPersonType", "enterprise")
            await page.fill("#unitName", UNIT["unitName"])
            await page.fill("#uscc", UNIT["uscc"])
            await page.fill("#legalRepresentativeName", UNIT["legalRepresentativeName"])
            await page.select_option("#idType", "resident_id_card")
            await page.fill("#idNumber", UNIT["idNumber"])
            await page.check("input[name=idValidity][value=long_term]")
            await page.fill("#idValidFrom", "2016-03-01")
            await solve()
            await page.click("button[type=submit]")

            await expect(page.get_by_role("heading", name="第二步：安全验证")).to_be_visible()
            await expect(page.get_by_text("136****0001").first).to_be_visible()
            await page.fill("#smsCode", await _sms(container))
            await page.click("form:first-of-type button[type=submit]")

            await expect(page.get_by_role("heading", name="第三步：设置账号和密码")).to_be_visible()
            assert await page.input_value("#loginName") == "WP_AcmeTrading01"
            await page.fill("#password", NEW_PASSWORD)
            await page.fill("#passwordConfirm", NEW_PASSWORD)
            await page.click("button[type=submit]")
            await expect(page.get_by_role("heading", name="激活成功")).to_be_visible()

            await page.get_by_role("link", name="去登录").click()
            await page.fill("#identifier", "WP_AcmeTrading01")
            await page.fill("#password", NEW_PASSWORD)
            await solve("captcha_id", "captcha_answer")
            await page.click("button[type=submit]")
            await expect(page.get_by_text("WP_AcmeTrading01")).to_be_visible()  # "当前登录"
            await context.close()
        finally:
            await browser.close()
    account = await Account.get(login_name="WP_AcmeTrading01")
    assert account.status == AccountStatus.ACTIVE
