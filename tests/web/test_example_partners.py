"""The demo of ``make serve``: two example partner sites (examples/partner_site.py) and
the provider, driven like a browser. Log in once at A, get into B without a password, log
out at A and the provider session is gone for B too."""

from __future__ import annotations

import html as html_module
import re
from urllib.parse import urlsplit

import httpx

from examples.partner_site import create_partner_app
from identity_graph.app import create_app
from identity_graph.demo import ensure_demo_partners
from tests.graphql.accounts_helpers import register_person
from tests.web.test_login_page import hidden

PROVIDER = "http://127.0.0.1:8000"


class Hosts(httpx.AsyncBaseTransport):
    """Send each request to the ASGI app serving its host and port."""

    def __init__(self, apps: dict[str, object]) -> None:
        self._transports = {
            netloc: httpx.ASGITransport(app=app, client=("198.51.100.20", 40000))  # type: ignore[arg-type]
            for netloc, app in apps.items()
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transports[request.url.netloc.decode()].handle_async_request(request)


async def follow(browser: httpx.AsyncClient, response: httpx.Response) -> httpx.Response:
    """Follow redirects and the provider's refresh pages, as a browser does."""
    for _ in range(20):
        if response.status_code in (301, 302, 303):
            target = response.headers["location"]
        elif 'http-equiv="refresh"' in response.text:
            match = re.search(r'content="0;url=([^"]+)"', response.text)
            assert match
            target = html_module.unescape(match.group(1))
        else:
            return response
        if target.startswith("/"):
            origin = urlsplit(str(response.url))
            target = f"{origin.scheme}://{origin.netloc}{target}"
        response = await browser.get(target)
    raise AssertionError("too many redirects")


async def log_in_on_page(browser, hooks, page: httpx.Response) -> httpx.Response:
    import uuid

    answer = hooks.captcha_answers[uuid.UUID(hidden(page.text, "captcha_id"))]
    form = {
        name: hidden(page.text, name)
        for name in ("csrf_token", "captcha_id", "kind", "return_to", "lang")
    }
    form.update(identifier="zhangsan", password="Secret#2026x", captcha_answer=answer)
    return await follow(browser, await browser.post(f"{PROVIDER}/login", data=form))


async def allow(browser, page: httpx.Response) -> httpx.Response:
    form = {name: hidden(page.text, name) for name in ("csrf_token", "request", "request_mac")}
    form["decision"] = "allow"
    return await follow(browser, await browser.post(f"{PROVIDER}/oauth/authorize", data=form))


async def test_single_sign_on_and_single_logout_across_two_partners(
    settings, container, hooks, gql
):
    await register_person(gql, hooks, container)
    await ensure_demo_partners(container)
    provider = create_app(settings, container, manage_database=False)
    server_side = httpx.AsyncClient(transport=Hosts({"127.0.0.1:8000": provider}))
    apps = {
        "127.0.0.1:8000": provider,
        "127.0.0.1:8001": create_partner_app(
            PROVIDER, "idg-demo-partner-a", "http://127.0.0.1:8001", server_side
        ),
        "127.0.0.1:8002": create_partner_app(
            PROVIDER, "idg-demo-partner-b", "http://127.0.0.1:8002", server_side
        ),
    }
    async with httpx.AsyncClient(transport=Hosts(apps)) as browser:
        login_page = await follow(browser, await browser.get("http://127.0.0.1:8001/login"))
        assert "自然人登录" in login_page.text
        consent = await log_in_on_page(browser, hooks, login_page)
        assert "示例接入系统 A" in consent.text
        home_a = await allow(browser, consent)
        assert str(home_a.url) == "http://127.0.0.1:8001/"
        assert "张三" in home_a.text and "1101**********1238" in home_a.text

        consent_b = await follow(browser, await browser.get("http://127.0.0.1:8002/login"))
        assert "示例接入系统 B" in consent_b.text  # no password asked: single sign-on
        home_b = await allow(browser, consent_b)
        assert "张三" in home_b.text

        out = await follow(browser, await browser.get("http://127.0.0.1:8001/logout"))
        assert str(out.url) == "http://127.0.0.1:8001/" and "Not logged in" in out.text
        again = await follow(browser, await browser.get("http://127.0.0.1:8002/login"))
        assert "自然人登录" in again.text  # the provider session is gone for B as well
    await server_side.aclose()
