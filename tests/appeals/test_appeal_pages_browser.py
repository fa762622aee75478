"""The appeal pages in a real browser with JavaScript off (Debian's Chromium via Playwright),
against the app served by uvicorn on a real port in this test's event loop: a resident who
lost their phone files a password-recovery appeal with ID scans (seed 002 §3.1.2), reads the
appeal number, follows the link to the status page and looks it up; in English, a wrong
phone gets the "not found" answer."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.settings import Settings
from tests.appeals.helpers import NEW_PHONE
from tests.files import samples
from tests.graphql.accounts_helpers import latest_sms
from tests.test_server import CHROMIUM_ARGS
from tests.verification.flows import ZHANG_WEI, resident
from tests.web.live import bound_socket, serving, url_of

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
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
    )


@pytest_asyncio.fixture
async def site(container, settings, sock) -> AsyncIterator[str]:
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, sock)]):
        yield url_of(sock)


async def test_appeal_and_status_pages_without_javascript(site, container, hooks, gql):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    await resident(gql, hooks, container, ZHANG_WEI)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context(locale="zh-CN", java_script_enabled=False)
            page = await context.new_page()
            await page.goto(f"{site}/appeals/new")
            await page.get_by_role("link", name="自然人申诉找回密码").click()
            await page.fill("#phone", NEW_PHONE)
            captcha_id = await page.input_value("input[name=captchaId]")
            await page.fill("#captchaAnswer", hooks.captcha_answers[uuid.UUID(captcha_id)])
            await page.get_by_role("button", name="获取短信验证码").click()
            await expect(
                page.get_by_role("heading", name="第二步：填写信息并上传材料")
            ).to_be_visible()

            code = re.search(r"\b(\d{6})\b", await latest_sms(container, NEW_PHONE))
            assert code
            await page.fill("#smsCode", code.group(1))
            await page.fill("#realName", "张伟")
            await page.select_option("#regionType", "mainland")
            await page.select_option("#idType", "resident_id_card")
            await page.fill("#idNumber", ZHANG_WEI["idNumber"])
            front = {"name": "front.png", "mimeType": "image/png", "buffer": samples.png()}
            await page.set_input_files("[id='file.ID_FRONT']", front)
            await page.fill("#remark", "手机号已停用")
            await page.get_by_role("button", name="提交申诉").click()
            # The back of the ID is missing: the form comes back with the reason.
            await expect(page.get_by_role("alert").first).to_be_visible()
            assert "请上传" in await page.content()
            assert await page.input_value("#idNumber") == ZHANG_WEI["idNumber"]

            code = re.search(r"\b(\d{6})\b", await latest_sms(container, NEW_PHONE))
            assert code  # not used up: the form was refused before the code was checked
            await page.fill("#smsCode", code.group(1))
            back = {"name": "back.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg()}
            await page.set_input_files("[id='file.ID_FRONT']", front)
            await page.set_input_files("[id='file.ID_BACK']", back)
            await page.get_by_role("button", name="提交申诉").click()
            await expect(page.get_by_role("heading", name="申诉已提交")).to_be_visible()
            number = re.search(r"SS\d{16}", await page.content())
            assert number

            await page.get_by_role("link", name="查询申诉进度").click()
            assert await page.input_value("#number") == number.group(0)
            await page.fill("#phone", NEW_PHONE)
            await page.get_by_role("button", name="查询").click()
            await expect(page.locator("#appeal-status")).to_have_text("已提交，等待审核")

            english = await browser.new_context(locale="en", java_script_enabled=False)
            other = await english.new_page()
            await other.goto(f"{site}/appeals/status?number={number.group(0)}")
            await other.fill("#phone", "13900009999")
            await other.get_by_role("button", name="Look up").click()
            await expect(other.get_by_role("alert")).to_contain_text("No such appeal")
        finally:
            await browser.close()
