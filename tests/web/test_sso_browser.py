"""Single sign-on in a real browser (Debian's Chromium via Playwright): the provider and two
example partner sites served by uvicorn on real ports in this test's event loop, so the
captcha answer can be read through the test hook. Log in once at A, enter B without a
password, log out at A, and the back-channel logout reaches B.

This is also the check that the pages' strict CSP (``form-action 'self'``) does not block
the way back to a partner site after a form POST.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from examples.partner_site import create_partner_app
from identity_graph.app import create_app
from identity_graph.clients.service import ClientRegistration
from identity_graph.core.audit import AuditContext
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import PASSWORD, register_person
from tests.test_server import CHROMIUM_ARGS, CSP_LISTENER
from tests.web.live import bound_socket, serving

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def sockets() -> list[socket.socket]:
    return [bound_socket() for _ in range(3)]


@pytest.fixture
def settings(data_dir: Path, sockets: list[socket.socket]) -> Settings:
    port = sockets[0].getsockname()[1]
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=f"http://127.0.0.1:{port}",
    )


@pytest_asyncio.fixture
async def sites(container, settings, sockets) -> AsyncIterator[dict[str, str]]:
    urls = {
        name: f"http://127.0.0.1:{sock.getsockname()[1]}"
        for name, sock in zip(("provider", "a", "b"), sockets, strict=True)
    }
    apps = {"provider": create_app(settings, container, manage_database=False)}
    for name in ("a", "b"):
        client_id = f"idg-browser-{name}"
        await container.clients.ensure(
            client_id,
            ClientRegistration(
                name=f"示例接入系统 {name.upper()}",
                grant_types=["authorization_code"],
                token_endpoint_auth_method="none",
                scopes=["openid", "profile", "identity", "enterprise"],
                redirect_uris=[f"{urls[name]}/callback"],
                post_logout_redirect_uris=[f"{urls[name]}/"],
                backchannel_logout_uri=f"{urls[name]}/backchannel",
            ),
            AuditContext(),
        )
        apps[name] = create_partner_app(urls["provider"], client_id, urls[name])
    async with serving(list(zip(apps.values(), sockets, strict=True))):
        yield urls


async def test_log_in_once_enter_twice_log_out_everywhere(sites, container, hooks, gql):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    await register_person(gql, hooks, container)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.add_init_script(CSP_LISTENER)

            await page.goto(f"{sites['a']}/login")
            await expect(page.get_by_role("heading", name="登录")).to_be_visible()
            await page.fill("#identifier", "zhangsan")
            await page.fill("#password", PASSWORD)
            captcha_id = await page.input_value("input[name=captcha_id]")
            await page.fill("#captcha_answer", hooks.captcha_answers[uuid.UUID(captcha_id)])
            await page.click("button[type=submit]")
            await expect(page.get_by_text("示例接入系统 A")).to_be_visible()
            await page.get_by_role("button", name="同意").click()
            await page.wait_for_url(f"{sites['a']}/")
            await expect(page.get_by_text("张三").first).to_be_visible()
            assert await page.evaluate("window.__cspViolations") == []

            await page.goto(f"{sites['b']}/login")  # no password: the provider knows us
            await page.get_by_role("button", name="同意").click()
            await page.wait_for_url(f"{sites['b']}/")
            await expect(page.get_by_text("张三").first).to_be_visible()

            await page.goto(f"{sites['a']}/logout")
            await page.wait_for_url(f"{sites['a']}/")
            await expect(page.get_by_text("Not logged in")).to_be_visible()
            await container.job_worker().run_once()  # back-channel logout to A and B
            await page.goto(f"{sites['b']}/")
            await expect(page.get_by_text("Not logged in")).to_be_visible()
            assert await page.evaluate("window.__cspViolations") == []
        finally:
            await browser.close()


async def test_qr_login_tab_in_the_browser(sites, container, hooks, gql):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    import base64
    import io

    import zxingcpp
    from PIL import Image
    from playwright.async_api import async_playwright, expect

    from tests.graphql.accounts_helpers import login
    from tests.web.test_qr_login import APPROVE

    await register_person(gql, hooks, container)
    app_token = (await login(gql, "NATURAL_PERSON", "zhangsan"))["accessToken"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.add_init_script(CSP_LISTENER)
            sockets, polls = [], []
            page.on("websocket", lambda socket: sockets.append(socket.url))
            page.on(
                "request",
                lambda request: polls.append(request.url) if "/qr/status" in request.url else None,
            )
            await page.goto(f"{sites['a']}/login")
            await page.get_by_role("link", name="扫码登录").click()
            await expect(page.get_by_role("status")).to_have_text("等待扫码确认…")
            source = await page.get_attribute("main img", "src")
            assert source is not None
            png = base64.b64decode(source.split(",", 1)[1])
            [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
            approved = await gql(APPROVE, {"code": decoded.text}, token=app_token)
            assert approved["data"]["approveQrLogin"]["approved"] is True
            # The page hears of the approval from its subscription (no polling), completes
            # the login with one request and goes on to the consent page.
            await expect(page.get_by_role("button", name="同意")).to_be_visible(timeout=10_000)
            assert [url.rsplit("/", 1)[-1] for url in sockets] == ["graphql"]
            assert len(polls) == 1
            await page.get_by_role("button", name="同意").click()
            await page.wait_for_url(f"{sites['a']}/")
            await expect(page.get_by_text("张三").first).to_be_visible()
            assert await page.evaluate("window.__cspViolations") == []
        finally:
            await browser.close()


async def test_an_agent_logs_in_at_a_partner_site_which_sees_the_unit(sites, container, hooks, gql):
    """Seed 004 §一 经办人登录 through a partner site: the site's page lists the unit and the
    granted service from its claims (issue 11)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    from tests.agents.flows import GRANT, LI_NA, SERVICE, approved_agent, run, world
    from tests.agents.test_agent_login import AGENT_PASSWORD, SET_PASSWORD
    from tests.verification.flows import XINGQIAO

    w = await world(gql, hooks, container)
    agent_id = await approved_agent(gql, w)
    await run(gql, GRANT, {"agentId": agent_id, "serviceCodes": [SERVICE]}, w.unit_token)
    body = await gql(
        SET_PASSWORD,
        {
            "input": {
                "enterpriseId": w.unit_id,
                "accountPassword": PASSWORD,
                "newPassword": AGENT_PASSWORD,
            }
        },
        token=w.person_token,
    )
    assert body["data"]["setAgentPassword"]["hasAgentPassword"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.add_init_script(CSP_LISTENER)
            await page.goto(f"{sites['a']}/login")
            await page.get_by_role("link", name="经办人登录").click()
            await page.get_by_label("企业账号 / 统一社会信用代码").fill(XINGQIAO["code"])
            await page.get_by_label("经办人手机号").fill("13812340001")
            await page.get_by_label("经办人身份证号码").fill(LI_NA["idNumber"])
            await page.get_by_label("经办人密码").fill(AGENT_PASSWORD)
            captcha_id = await page.locator('input[name="captcha_id"]').get_attribute("value")
            assert captcha_id is not None
            await page.get_by_label("图形验证码").fill(hooks.captcha_answers[uuid.UUID(captcha_id)])
            await page.get_by_role("button", name="登录").click()
            await expect(page.get_by_text("您代为办理的单位及其授权事项")).to_be_visible()
            await page.get_by_role("button", name="同意").click()
            await page.wait_for_url(f"{sites['a']}/")
            row = page.locator("tr", has=page.locator("th", has_text="enterprise"))
            await expect(row).to_contain_text(XINGQIAO["unitName"])
            await expect(row).to_contain_text(SERVICE)
            assert await page.evaluate("window.__cspViolations") == []
        finally:
            await browser.close()
