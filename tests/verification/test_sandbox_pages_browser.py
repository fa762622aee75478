"""The sandbox face-check and e-licence pages (``/sandbox/face|licence/{id}``) in a real
browser (Debian's Chromium via Playwright), against the app served by uvicorn on a real
port in this test's event loop; accounts, submissions and ``myVerification`` go over
GraphQL to the same container.

A person whose registry check failed passes the face check, sees the outcome on the
return page and follows its link to the ``returnUrl``, at the real-person level; a failed
face check changes nothing but the attempts; a person the registry holds no photo of is
told so on the sandbox page and fails even when "pass" is clicked; a unit types a wrong,
then the right, licence password with JavaScript off; a used session's page says it is
gone, in Chinese or English.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.settings import Settings
from tests.test_server import CHROMIUM_ARGS, CSP_LISTENER
from tests.verification.flows import (
    START_FACE,
    START_LICENCE,
    ZHANG_WEI,
    enterprise,
    my_verification,
    resident,
    submit,
)
from tests.verification.test_unit_verification import JIANGSU
from tests.web.live import bound_socket, serving, url_of

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page, Response

    from identity_graph.container import Container, TestHooks
    from tests.conftest import GraphQL

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
CHROMIUM = Path("/usr/bin/chromium")

FULL_ID = ZHANG_WEI["idNumber"]  # 110105198503120039
GONE_ZH = "该认证会话不存在、已完成或已过期。"
GONE_EN = "This session does not exist, is finished or has expired."


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the module; each test opens its own contexts (cookies, locale)."""
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


@pytest.fixture
def sock() -> socket.socket:
    return bound_socket()


@pytest.fixture
def settings(data_dir: Path, sock: socket.socket) -> Settings:
    """The conftest settings, with the live server as public URL: the challenge ``url``
    handed out over GraphQL then points at the served pages (and cookies are not Secure)."""
    return Settings(
        _env_file=None,
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=url_of(sock),
    )


@pytest_asyncio.fixture
async def site(container: Container, settings: Settings, sock: socket.socket) -> AsyncIterator[str]:
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, sock)]):
        yield url_of(sock)


@asynccontextmanager
async def opened(
    browser: Browser, *, locale: str = "zh-CN", javascript: bool = True
) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(locale=locale, java_script_enabled=javascript)
    if javascript:
        await context.add_init_script(CSP_LISTENER)
    try:
        yield context
    finally:
        await context.close()


async def start(gql: Any, document: str, token: str, return_url: str | None = None) -> str:
    """``startFaceVerification`` / ``startBusinessLicenceVerification``: the page's URL."""
    body = await gql(document, {"returnUrl": return_url}, token=token)
    assert "errors" not in body, body
    [started] = body["data"].values()
    assert started["__typename"] == "ChallengeStarted", started
    return str(started["url"])


def session_of(url: str) -> str:
    """The session id at the end of a sandbox page's address."""
    return url.rsplit("/", 1)[1]


async def goto(page: Page, url: str) -> Response:
    response = await page.goto(url)
    assert response is not None
    return response


async def submit_form(page: Page, button: Locator) -> Response:
    """Click a form button; the response the browser ends on (after any redirect)."""
    async with page.expect_navigation() as navigation:
        await button.click()
    response = await navigation.value
    assert response is not None
    return response


async def no_csp_violations(page: Page) -> None:
    assert await page.evaluate("window.__cspViolations") == []


async def failed_person(gql: Any, hooks: Any, container: Any) -> str:
    """张伟 with a wrong ``idValidFrom``: the registry check fails, the face check is offered."""
    token = await resident(gql, hooks, container, ZHANG_WEI)
    result = await submit(gql, hooks, token, person={**ZHANG_WEI, "idValidFrom": "2015-06-02"})
    verification = result["verification"]
    assert verification["status"] == "FAILED", verification
    assert "FACE" in verification["nextSteps"]
    return token


def methods(verification: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["method"], a["outcome"]) for a in verification["currentCase"]["attempts"]]


async def test_face_pass_returns_to_the_site_at_the_real_person_level(
    browser: Browser, site: str, gql: GraphQL, hooks: TestHooks, container: Container
) -> None:
    from playwright.async_api import expect

    token = await failed_person(gql, hooks, container)
    before = methods(await my_verification(gql, token))
    url = await start(gql, START_FACE, token, return_url="/?from=face")
    assert url.startswith(f"{site}/sandbox/face/")

    async with opened(browser) as context:
        page = await context.new_page()
        response = await goto(page, url)
        assert response.status == 200
        assert response.headers["cache-control"] == "no-store"
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        await expect(
            page.get_by_role("heading", name="人脸识别（沙箱）", exact=True)
        ).to_be_visible()
        await expect(
            page.get_by_text("沙箱环境：本页模拟外部认证服务，仅用于测试。")
        ).to_be_visible()
        await expect(page.get_by_text("待核验人员：张*（1101**********0039）")).to_be_visible()
        html = await page.content()
        assert FULL_ID not in html
        assert "张伟" not in html

        done = await submit_form(page, page.get_by_role("button", name="活体检测通过"))
        assert page.url == f"{site}/verification/result/{session_of(url)}"
        assert done.status == 200
        redirect = done.request.redirected_from
        assert redirect is not None and redirect.method == "POST"
        redirected = await redirect.response()
        assert redirected is not None and redirected.status == 303
        await expect(page.get_by_role("heading", name="人脸识别结果", exact=True)).to_be_visible()
        await expect(page.get_by_text("人脸识别通过，已完成实人认证。")).to_be_visible()
        await page.get_by_role("link", name="继续").click()
        await page.wait_for_url(f"{site}/?from=face")
        await expect(page.get_by_role("heading", name="统一身份认证", exact=True)).to_be_visible()
        await no_csp_violations(page)

    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED", verification
    assert verification["level"] == "REAL_PERSON"
    assert verification["currentCase"]["decidedBy"] == "FACE"
    assert verification["currentCase"]["status"] == "VERIFIED"
    assert methods(verification) == [*before, ("FACE", "passed")]


async def test_face_fail_keeps_the_case_failed_and_records_the_attempt(
    browser: Browser, site: str, gql: GraphQL, hooks: TestHooks, container: Container
) -> None:
    """Without JavaScript and without a returnUrl: the page itself says the result is sent."""
    from playwright.async_api import expect

    token = await failed_person(gql, hooks, container)
    before = await my_verification(gql, token)
    url = await start(gql, START_FACE, token)

    async with opened(browser, javascript=False) as context:
        page = await context.new_page()
        assert (await goto(page, url)).status == 200
        done = await submit_form(page, page.get_by_role("button", name="活体检测不通过"))
        assert done.status == 200
        assert page.url == f"{site}/verification/result/{session_of(url)}"
        await expect(page.get_by_role("heading", name="人脸识别结果", exact=True)).to_be_visible()
        await expect(page.get_by_text("活体检测未通过")).to_be_visible()
        await expect(page.get_by_role("button")).to_have_count(0)
        await expect(page.get_by_role("link", name="继续")).to_have_count(0)

    verification = await my_verification(gql, token)
    assert verification["status"] == "FAILED", verification
    assert verification["level"] == before["level"] == "PHONE_VERIFIED"
    assert verification["currentCase"]["id"] == before["currentCase"]["id"]
    assert verification["currentCase"]["decidedBy"] == before["currentCase"]["decidedBy"]
    assert verification["currentCase"]["failureFields"] == ["idValidFrom"]
    assert verification["nextSteps"] == before["nextSteps"]
    assert methods(verification) == [*methods(before), ("FACE", "failed")]
    face = verification["currentCase"]["attempts"][-1]
    assert face["provider"] == "sandbox_face"
    # The failure leaves the fallback open: another face check can start.
    assert (await start(gql, START_FACE, token)).startswith(f"{site}/sandbox/face/")


async def test_a_person_without_a_photo_on_file_cannot_pass(
    browser: Browser, site: str, gql: GraphQL, hooks: TestHooks, container: Container
) -> None:
    """张卫 under 张伟's number: the registry's photo is 张伟's, so the face cannot match."""
    from playwright.async_api import expect

    token = await resident(gql, hooks, container, ZHANG_WEI)
    result = await submit(gql, hooks, token, person={**ZHANG_WEI, "realName": "张卫"})
    failed = result["verification"]
    assert failed["currentCase"]["failureFields"] == ["realName"]
    url = await start(gql, START_FACE, token, return_url="/")

    async with opened(browser) as context:
        page = await context.new_page()
        assert (await goto(page, url)).status == 200
        await expect(
            page.get_by_text("沙箱登记库中没有此人的照片：人脸比对将不通过。")
        ).to_be_visible()
        await submit_form(page, page.get_by_role("button", name="活体检测通过"))
        await expect(page.get_by_text("人脸比对未通过：登记库中没有此人的照片")).to_be_visible()
        await no_csp_violations(page)

    verification = await my_verification(gql, token)
    assert (verification["status"], verification["level"]) == ("FAILED", "PHONE_VERIFIED")
    assert methods(verification) == [*methods(failed), ("FACE", "failed")]


async def test_licence_password_wrong_then_right_without_javascript(
    browser: Browser, site: str, gql: GraphQL, hooks: TestHooks, container: Container
) -> None:
    from playwright.async_api import expect

    token = await enterprise(
        gql, hooks, container, JIANGSU, loginName="NanjingYunqi", phone="13912340000"
    )
    result = await submit(gql, hooks, token, unit={**JIANGSU, "foundingDate": "2016-03-23"})
    failed = result["verification"]
    assert failed["status"] == "FAILED", failed
    assert "BUSINESS_LICENCE" in failed["nextSteps"]
    url = await start(gql, START_LICENCE, token)
    assert url.startswith(f"{site}/sandbox/licence/")

    async with opened(browser, javascript=False) as context:
        page = await context.new_page()
        assert (await goto(page, url)).status == 200
        await expect(
            page.get_by_role("heading", name="电子营业执照（沙箱）", exact=True)
        ).to_be_visible()
        await expect(
            page.get_by_text("单位：南京云栖软件有限公司（91320102MA1N8X3Q5W）")
        ).to_be_visible()
        password = page.get_by_label("执照密码")
        confirm = page.get_by_role("button", name="确认")

        await password.fill("licence-1")  # 北京星桥's password, not this unit's
        wrong = await submit_form(page, confirm)
        assert wrong.status == 400
        await expect(page.get_by_role("alert")).to_have_text("执照密码不正确")
        assert "licence-1" not in await page.content()
        await expect(password).to_have_value("")
        unchanged = await my_verification(gql, token)
        assert unchanged["status"] == "FAILED"
        assert unchanged["currentCase"]["id"] == failed["currentCase"]["id"]
        assert methods(unchanged) == methods(failed)

        await password.fill("licence-2")
        right = await submit_form(page, confirm)
        assert right.status == 200
        await expect(
            page.get_by_role("heading", name="电子营业执照认证结果", exact=True)
        ).to_be_visible()
        await expect(page.get_by_text("电子营业执照认证通过，单位已完成实名认证。")).to_be_visible()
        await expect(page.get_by_role("alert")).to_have_count(0)

    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED", verification
    assert verification["level"] == "REAL_NAME"
    assert verification["currentCase"]["decidedBy"] == "BUSINESS_LICENCE"
    assert methods(verification) == [*methods(failed), ("BUSINESS_LICENCE", "passed")]


async def test_used_session_is_gone_in_chinese_and_english(
    browser: Browser, site: str, gql: GraphQL, hooks: TestHooks, container: Container
) -> None:
    """Three pages of one face session: a Chinese tab passes it; a second Chinese tab and an
    English one (Accept-Language) submit after that and get the "gone" page; reopening the
    URL gets it too, and the page's language link switches it.

    The late submissions get 404 (the page finds the session no longer open); the page's
    409 is only for a result that loses the race between that check and the callback."""
    from playwright.async_api import expect

    token = await failed_person(gql, hooks, container)
    url = await start(gql, START_FACE, token, return_url="/")

    async with opened(browser) as chinese, opened(browser, locale="en-US") as english:
        first, second = await chinese.new_page(), await chinese.new_page()
        other = await english.new_page()
        for page in (first, second, other):
            assert (await goto(page, url)).status == 200
        await expect(other.locator("html")).to_have_attribute("lang", "en")
        await expect(
            other.get_by_role("heading", name="Face check (sandbox)", exact=True)
        ).to_be_visible()
        await expect(other.get_by_text("Person to check: 张* (1101**********0039)")).to_be_visible()
        assert FULL_ID not in await other.content()

        await submit_form(first, first.get_by_role("button", name="活体检测通过"))
        assert first.url == f"{site}/verification/result/{session_of(url)}"

        late = await submit_form(second, second.get_by_role("button", name="活体检测不通过"))
        assert late.status == 404
        await expect(second.get_by_text(GONE_ZH)).to_be_visible()
        await expect(second.get_by_role("button")).to_have_count(0)

        late_en = await submit_form(
            other, other.get_by_role("button", name="Pass the liveness check")
        )
        assert late_en.status == 404
        await expect(other.get_by_text(GONE_EN)).to_be_visible()
        await other.get_by_role("link", name="中文").click()
        await expect(other.get_by_text(GONE_ZH)).to_be_visible()
        await expect(other.locator("html")).to_have_attribute("lang", "zh-CN")

        reopened = await goto(first, url)
        assert reopened.status == 404
        await expect(
            first.get_by_role("heading", name="统一身份认证平台", exact=True)
        ).to_be_visible()
        await expect(first.get_by_text(GONE_ZH)).to_be_visible()
        await first.get_by_role("link", name="English").click()
        await first.wait_for_url(f"{url}?lang=en")
        await expect(first.locator("html")).to_have_attribute("lang", "en")
        await expect(
            first.get_by_role("heading", name="Unified Identity Service", exact=True)
        ).to_be_visible()
        await expect(first.get_by_text(GONE_EN)).to_be_visible()
        for page in (first, second, other):
            await no_csp_violations(page)

    verification = await my_verification(gql, token)
    assert verification["status"] == "VERIFIED", verification
    assert verification["level"] == "REAL_PERSON"
    # Only the first submission counted: the late "fail" and "pass" recorded nothing.
    assert [m for m in methods(verification) if m[0] == "FACE"] == [("FACE", "passed")]
