"""A whole 忘记密码 in Chromium with JavaScript turned off (seed 002 §3.1.1): from the login
page's link, through the captcha and the SMS code, to logging in with the new password."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from identity_graph.accounts.enums import AccountKind
from identity_graph.app import create_app
from identity_graph.sessions import browser as browser_session
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import USCC, register_enterprise, register_person
from tests.recovery.reset_helpers import (
    NEW_PASSWORD,
    REP_ID,
    REP_NAME,
    UNIT_NAME,
    received_code,
)
from tests.test_server import CHROMIUM_ARGS
from tests.web.live import bound_socket, serving, url_of

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def sock() -> socket.socket:
    return bound_socket()


@pytest.fixture
def settings(data_dir: Path, sock: socket.socket) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=url_of(sock),
        argon2_time_cost=1,
        argon2_memory_kib=64,
    )


@pytest_asyncio.fixture
async def site(container, settings, sock) -> AsyncIterator[str]:
    async with serving([(create_app(settings, container, manage_database=False), sock)]):
        yield url_of(sock)


async def _solve(page, hooks) -> None:
    captcha_id = await page.locator('input[name="captcha_id"]').get_attribute("value")
    await page.fill("#captcha_answer", hooks.captcha_answers[uuid.UUID(captcha_id)])


async def test_reset_with_javascript_off(site, container, hooks, gql):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    await register_person(gql, hooks, container)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context(java_script_enabled=False, locale="zh-CN")
            page = await context.new_page()
            await page.goto(f"{site}/login?kind=natural_person")
            await page.click("text=忘记密码？")
            await expect(page.locator("h1")).to_have_text("找回密码")

            await page.fill("#login_name", "zhangsan")
            await page.fill("#destination", "13812345678")
            await _solve(page, hooks)
            await page.click("button[type=submit]")
            await expect(page.locator(".notice")).to_contain_text("138****5678")

            code = await received_code(container, "13812345678")
            await page.select_option("#reason", "forgotten")
            await page.fill("#new_password", NEW_PASSWORD)
            await page.fill("#confirm_password", NEW_PASSWORD)
            await page.fill("#code", code)
            await page.click("button[type=submit]")
            await expect(page.locator(".notice")).to_contain_text("重置密码已完成")

            await page.click("text=返回登录")
            await page.fill("#identifier", "zhangsan")
            await page.fill("#password", NEW_PASSWORD)
            await _solve(page, hooks)
            await page.click("button[type=submit]")
            await expect(page.locator("body")).not_to_contain_text("账号或密码错误")
            cookies = {cookie["name"] for cookie in await context.cookies()}
            assert browser_session.COOKIE in cookies
        finally:
            await browser.close()


async def test_unit_reset_in_english_with_javascript_off(site, container, hooks, gql):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    await register_enterprise(gql, hooks, container)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context(java_script_enabled=False, locale="en-US")
            page = await context.new_page()
            await page.goto(f"{site}/login?kind=enterprise&lang=en")
            await page.click("text=Forgot your password?")
            await page.fill("#identifier", USCC)
            await page.fill("#legal_representative_name", REP_NAME)
            await page.fill("#id_number", REP_ID)
            await _solve(page, hooks)
            await page.click("button[type=submit]")
            await expect(page.locator(".notice")).to_contain_text("139****5678")

            code = await received_code(container, "13912345678")
            await page.fill("#unit_name", UNIT_NAME)
            await page.fill("#uscc", USCC)
            await page.select_option("#reason", "suspected_leak")
            await page.fill("#new_password", NEW_PASSWORD)
            await page.fill("#confirm_password", NEW_PASSWORD)
            await page.fill("#code", code)
            await page.click("button[type=submit]")
            await expect(page.locator(".notice")).to_contain_text("Your password was reset")
        finally:
            await browser.close()
    unit = await container.accounts.find_for_login(AccountKind.ENTERPRISE, "AcmeTrading01")
    assert await container.accounts.verify_password(unit.account, NEW_PASSWORD)
