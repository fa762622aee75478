"""Brokering to an upstream OpenID provider ("national platform account"). The upstream
here is this very provider, served on a real port, with a client registered for the
broker: the code flow, PKCE, nonce and JWKS checks all run for real over HTTP. The first
use links by one local login; later uses log straight in through the link."""

from __future__ import annotations

import html as html_module
import re
import uuid
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from identity_graph.app import create_app
from identity_graph.clients.service import ClientRegistration
from identity_graph.core.audit import AuditContext
from identity_graph.sessions.upstream import UpstreamLink
from identity_graph.settings import Settings
from tests.graphql.accounts_helpers import PASSWORD, register_person
from tests.web.live import bound_socket, serving, url_of
from tests.web.test_login_page import hidden


@pytest.fixture
def provider_socket():
    return bound_socket()


@pytest.fixture
def settings(data_dir: Path, provider_socket) -> Settings:
    url = url_of(provider_socket)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=data_dir,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        jobs_worker_enabled=False,
        public_url=url,
        upstream_issuer=url,
    )


@pytest_asyncio.fixture
async def provider(container, settings, provider_socket):
    registered = await container.clients.register(
        ClientRegistration(
            name="broker",
            grant_types=["authorization_code"],
            scopes=["openid", "profile", "identity"],
            redirect_uris=[f"{settings.public_url}/login/upstream/callback"],
            first_party=True,
        ),
        AuditContext(),
    )
    settings.upstream_client_id = registered.client.client_id
    settings.upstream_client_secret = SecretStr(registered.secret or "")
    app = create_app(settings, container, manage_database=False)
    async with serving([(app, provider_socket)]):
        yield settings.public_url


async def follow(browser: httpx.AsyncClient, response: httpx.Response) -> httpx.Response:
    for _ in range(15):
        if response.status_code in (302, 303):
            target = response.headers["location"]
        elif (match := re.search(r'content="0;url=([^"]+)"', response.text)) is not None:
            target = html_module.unescape(match.group(1))
        else:
            return response
        response = await browser.get(httpx.URL(str(response.url)).join(target))
    raise AssertionError("too many redirects")


async def local_login(browser, hooks, page: httpx.Response) -> httpx.Response:
    form = {
        name: hidden(page.text, name)
        for name in ("csrf_token", "captcha_id", "kind", "return_to", "lang")
    }
    form.update(
        identifier="zhangsan",
        password=PASSWORD,
        captcha_answer=hooks.captcha_answers[uuid.UUID(form["captcha_id"])],
    )
    return await follow(
        browser, await browser.post(httpx.URL(str(page.url)).join("/login"), data=form)
    )


async def test_first_use_links_by_one_local_login_then_logs_in_by_link(
    provider, container, hooks, gql
):
    await register_person(gql, hooks, container)
    async with httpx.AsyncClient() as browser:
        page = await browser.get(f"{provider}/login")
        assert "国家平台账号登录" in page.text
        upstream_login = await follow(browser, await browser.get(f"{provider}/login/upstream"))
        assert "自然人登录" in upstream_login.text  # the upstream asks who we are
        linking = await local_login(browser, hooks, upstream_login)
        assert "完成账号关联" in linking.text
        linked = await follow(browser, await browser.get(f"{provider}/login/upstream/link"))
        assert linked.status_code == 200
        [link] = await UpstreamLink.all().prefetch_related("account")
        assert link.account.login_name == "zhangsan" and link.issuer == provider

    async with httpx.AsyncClient() as fresh:  # a new browser: no session anywhere
        upstream_login = await follow(fresh, await fresh.get(f"{provider}/login/upstream"))
        done = await local_login(fresh, hooks, upstream_login)
        assert str(done.url) == f"{provider}/" and "当前登录" in done.text
        session = await container.browser_sessions.read(fresh.cookies.get("idg_sso"))
        assert session is not None and session.amr == ["fed"]


async def test_a_forged_callback_does_nothing(provider, container):
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(f"{provider}/login/upstream/callback?code=x&state=y")
        assert answer.status_code == 400 and "未完成" in answer.text
        assert await UpstreamLink.all().count() == 0
