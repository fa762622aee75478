"""The to-do pages for a person without an account (issue 13; seed 001's mini-program):
enter name + ID type + number, pass a face check, see only one's own to-dos, review the
summary, confirm with a second face check or decline with a reason. Over HTTP (errors,
decline, another's item) and in Chromium (the whole confirmation, in Chinese)."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from identity_graph.app import create_app
from identity_graph.confirmations.drafts import Draft, PersonDraft
from identity_graph.confirmations.models import ConfirmationItem, ItemState, RequestState
from identity_graph.core.audit import AuditContext
from identity_graph.ids.types import IdType
from identity_graph.settings import Settings
from tests.agents.flows import LI_NA
from tests.test_server import CHROMIUM_ARGS
from tests.verification.face_check_flows import path_of
from tests.verification.flows import ZHANG_WEI
from tests.web.live import bound_socket, serving
from tests.web.test_login_page import hidden

CHROMIUM = Path("/usr/bin/chromium")


async def filing(container: Any, reference: str = "REG-2026-0100") -> uuid.UUID:
    request = await container.confirmations.create(
        "idg-henan-portal",
        Draft(
            reference=reference,
            title="郑州示例科技有限公司设立登记",
            summary="设立登记：郑州示例科技有限公司，注册资本 100 万元，股东张伟、李娜。",
            persons=[
                PersonDraft(
                    ZHANG_WEI["realName"],
                    IdType.RESIDENT_ID_CARD,
                    ZHANG_WEI["idNumber"],
                    "法定代表人",
                ),
                PersonDraft(LI_NA["realName"], IdType.RESIDENT_ID_CARD, LI_NA["idNumber"], "股东"),
            ],
        ),
        AuditContext(),
    )
    return request.id


def link(html: str, text: str) -> str:
    match = re.search(rf'<a href="([^"]+)">{re.escape(text)}</a>', html)
    assert match, html[:2000]
    return match.group(1).replace("&amp;", "&")


async def through_face(client: Any, redirect: Any, continue_text: str) -> Any:
    """The sandbox face page: pass; its result page links back to the to-do pages."""
    assert redirect.status_code == 303, redirect.text
    page = await client.get(path_of(redirect.headers["location"]))
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    done = await client.post(
        path_of(redirect.headers["location"]), data={"csrf": csrf.group(1), "result": "passed"}
    )
    location = done.headers["location"]
    result = await client.get(path_of(location) if "://" in location else location)
    return await client.get(link(result.text, continue_text))


async def door(client: Any, hooks: Any, person: dict[str, str], lang: str = "en") -> Any:
    form = await client.get("/todos", params={"lang": lang})
    data = {
        "csrf_token": hidden(form.text, "csrf_token"),
        "lang": lang,
        "captcha_id": hidden(form.text, "captcha_id"),
        "captcha_answer": hooks.captcha_answers[uuid.UUID(hidden(form.text, "captcha_id"))],
        "real_name": person["realName"],
        "id_type": "resident_id_card",
        "id_number": person["idNumber"],
    }
    return data, await client.post("/todos", data=data)


async def test_door_errors_decline_and_another_persons_item(client, container, hooks):
    request_id = await filing(container)
    data, _ = await door(client, hooks, LI_NA)
    client.cookies.clear()
    form = await client.get("/todos", params={"lang": "en"})
    assert "Enter your name and ID" in form.text and "<script" not in form.text
    bad = await client.post(
        "/todos",
        data={
            **data,
            "csrf_token": hidden(form.text, "csrf_token"),
            "captcha_id": hidden(form.text, "captcha_id"),
            "captcha_answer": hooks.captcha_answers[uuid.UUID(hidden(form.text, "captcha_id"))],
            "id_number": "41010219900101001X",
        },
    )
    assert bad.status_code == 400
    assert "ID number:" in bad.text  # the field named by its label, in English
    chinese = await client.get("/todos")
    assert "我的待办事项" in chinese.text and "证件号码" in chinese.text

    assert (await client.get("/todos/list")).status_code == 403  # no face check yet

    _, redirect = await door(client, hooks, LI_NA)
    listing = await through_face(client, redirect, "继续")
    assert listing.status_code == 200, listing.text
    assert listing.text.count("/todos/item/") == 1  # only her own item
    assert "股东" in listing.text and "法定代表人" not in listing.text
    item_url = link(listing.text, "View")
    item = await client.get(item_url)
    assert "注册资本 100 万元" in item.text
    declined = await client.post(
        item_url.split("?")[0] + "/decline",
        data={
            "csrf_token": hidden(item.text, "csrf_token"),
            "lang": "en",
            "reason": "我没有参与设立",
        },
    )
    assert "Declined" in declined.text
    rows = await ConfirmationItem.filter(request_id=request_id).order_by("position")
    assert [row.state for row in rows] == [ItemState.PENDING, ItemState.DECLINED]
    assert rows[1].decline_reason == "我没有参与设立"
    request = await container.confirmations.for_client("idg-henan-portal", request_id)
    assert request.state is RequestState.DECLINED

    # 张伟's item is not hers: refused, and nothing moves.
    stolen = await client.get(f"/todos/item/{rows[0].id}?lang=en")
    assert stolen.status_code == 409 and "your own to-do items" in stolen.text
    assert (await ConfirmationItem.get(id=rows[0].id)).state is ItemState.PENDING


@pytest.fixture
def provider_socket() -> socket.socket:
    return bound_socket()


@pytest.fixture
def settings(data_dir: Path, provider_socket: socket.socket) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=f"http://127.0.0.1:{provider_socket.getsockname()[1]}",
    )


@pytest_asyncio.fixture
async def site(container, settings, provider_socket) -> AsyncIterator[str]:
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, provider_socket)]):
        yield settings.public_url


@pytest.mark.browser
async def test_a_person_without_an_account_confirms_in_the_browser(site, container, hooks):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    request_id = await filing(container, "REG-2026-0200")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = await browser.new_page(locale="zh-CN", java_script_enabled=False)
        await page.goto(f"{site}/todos")
        await expect(page.locator("h1")).to_have_text("我的待办事项")
        await page.fill("#real_name", ZHANG_WEI["realName"])
        await page.select_option("#id_type", "resident_id_card")
        await page.fill("#id_number", ZHANG_WEI["idNumber"])

        async def answer_captcha() -> None:
            captcha = await page.locator('input[name="captcha_id"]').get_attribute("value")
            assert captcha is not None
            await page.fill("#captcha_answer", hooks.captcha_answers[uuid.UUID(captcha)])

        await answer_captcha()
        await page.click("button[type=submit]")
        await page.click('button[value="passed"]')  # the sandbox face page
        await page.click("main a")  # the result page: continue
        await expect(page.locator("ul.todos li")).to_have_count(1)
        await expect(page.locator("ul.todos")).to_contain_text("法定代表人")
        await page.click("ul.todos a")
        await expect(page.locator(".summary")).to_contain_text("注册资本 100 万元")
        await expect(page.locator(".state")).to_have_text("待确认")
        await answer_captcha()
        await page.click('button[value="confirm"]')
        await page.click('button[value="passed"]')  # the second face check, at signing
        await page.click("main a")
        await expect(page.locator("main p").first).to_have_text("已确认，业务将继续办理。")
        await browser.close()
    rows = await ConfirmationItem.filter(request_id=request_id).order_by("position")
    assert rows[0].state is ItemState.CONFIRMED and rows[0].evidence
    assert len(rows[0].face_sessions) == 2
    assert rows[1].state is ItemState.PENDING
