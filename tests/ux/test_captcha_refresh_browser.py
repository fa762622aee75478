""" "看不清，换一张" in a real browser (Debian's Chromium via Playwright): a new captcha in
place on the login and registration pages, the typed values kept and the new captcha
accepted; without JavaScript the same link reloads the page with a new captcha."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.sessions.browser import COOKIE
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import PASSWORD, register_person
from tests.test_server import CHROMIUM_ARGS, CSP_LISTENER
from tests.web.live import bound_socket, serving

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
        public_url=f"http://127.0.0.1:{sock.getsockname()[1]}",
        argon2_time_cost=1,
        argon2_memory_kib=64,
    )


@pytest_asyncio.fixture
async def site(container, settings, sock) -> AsyncIterator[str]:
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, sock)]):
        yield settings.public_url


@pytest_asyncio.fixture
async def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def test_login_captcha_refreshes_in_place_and_the_new_one_logs_in(
    site, browser, container, hooks, gql
):
    from playwright.async_api import expect

    await register_person(gql, hooks, container)
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.add_init_script(CSP_LISTENER)
    await page.goto(f"{site}/login")
    await page.fill("#identifier", "zhangsan")
    await page.fill("#password", PASSWORD)
    first_id = await page.input_value("input[name=captcha_id]")
    first_image = await page.get_attribute("#captcha_image", "src")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    await page.get_by_role("link", name="看不清，换一张").click()
    await expect(page.locator("input[name=captcha_id]")).not_to_have_value(first_id)

    second_id = await page.input_value("input[name=captcha_id]")
    assert navigations == []  # the form was not reloaded
    assert await page.input_value("#identifier") == "zhangsan"
    assert await page.input_value("#password") == PASSWORD
    assert await page.get_attribute("#captcha_image", "src") != first_image
    assert await page.evaluate("document.activeElement.id") == "captcha_answer"
    await page.fill("#captcha_answer", hooks.captcha_answers[uuid.UUID(second_id)])
    await page.click("button[type=submit]")
    await expect(page.get_by_role("alert")).to_have_count(0)
    cookies = {cookie["name"] for cookie in await context.cookies()}
    assert COOKIE in cookies
    assert await page.evaluate("window.__cspViolations") == []
    await context.close()


async def test_register_captcha_refreshes_and_keeps_the_phone(site, browser, hooks):
    from playwright.async_api import expect

    page = await browser.new_page(locale="en-US")
    await page.goto(f"{site}/register?lang=en")
    await page.fill("#phone", "13700001111")
    first_id = await page.input_value("input[name=captchaId]")

    await page.get_by_role("link", name="Hard to read? Get another").click()
    await expect(page.locator("input[name=captchaId]")).not_to_have_value(first_id)

    new_id = await page.input_value("input[name=captchaId]")
    assert await page.input_value("#phone") == "13700001111"
    await page.fill("#captchaAnswer", hooks.captcha_answers[uuid.UUID(new_id)])
    await page.click("button[type=submit]")
    await expect(page.locator("input[name='credentials.smsCode']")).to_be_visible()


async def test_without_javascript_the_link_reloads_with_a_new_captcha(site, browser):
    context = await browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{site}/login?kind=enterprise")
    first_id = await page.input_value("input[name=captcha_id]")

    await page.get_by_role("link", name="看不清，换一张").click()
    await page.wait_for_load_state()

    assert "kind=enterprise" in page.url
    assert await page.input_value("input[name=captcha_id]") != first_id
    assert await page.input_value("input[name=kind]") == "enterprise"
    await context.close()
