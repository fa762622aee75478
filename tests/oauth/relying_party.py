"""openid-client (Node, the OpenID-certified relying-party library) as the partner site of
the OpenID tests, and a scripted browser for the person's pages.

The test run installs openid-client itself, pinned by ``openid_client/package-lock.json``
(``npm ci``), into a cache folder outside the repository, once per lock file, as the
browser tests rely on an installed Chromium. ``rp.mjs`` then runs there as a child process
and answers one JSON line per call; the provider is served on a real loopback port, so
every request between the two is real HTTP.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.node_packages import installed
from tests.web.test_authorize import refresh_target
from tests.web.test_login_page import hidden, submit

SOURCE = Path(__file__).resolve().parent / "openid_client"
CALL_SECONDS = 30.0


def installed_rp() -> Path:
    """The folder holding the pinned openid-client and ``rp.mjs``; installs on first use."""
    return installed(SOURCE, "openid-client", "openid-client", ("rp.mjs",))


class RelyingParty:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    @asynccontextmanager
    async def started(cls) -> AsyncIterator[RelyingParty]:
        folder = await asyncio.to_thread(installed_rp)
        process = await asyncio.create_subprocess_exec(
            "node",
            "rp.mjs",
            cwd=folder,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            yield cls(process)
        finally:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()

    async def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write((json.dumps({"op": op, **arguments}) + "\n").encode())
        await self._process.stdin.drain()
        line = await asyncio.wait_for(self._process.stdout.readline(), CALL_SECONDS)
        if not line:
            assert self._process.stderr is not None
            raise AssertionError((await self._process.stderr.read()).decode())
        return dict(json.loads(line))

    async def ok(self, op: str, **arguments: Any) -> dict[str, Any]:
        """``call`` that must succeed."""
        answer = await self.call(op, **arguments)
        assert "error" not in answer, answer
        return answer


class Browser:
    """The person's browser: follows redirects by hand, logs in, answers consent."""

    def __init__(self, http: httpx.AsyncClient, provider: str, redirect_uri: str, hooks: Any):
        self.http = http
        self.provider = provider
        self.redirect_uri = redirect_uri
        self.hooks = hooks

    def _absolute(self, location: str) -> str:
        return location if location.startswith("http") else self.provider + location

    async def log_in(self, login_url: str, identifier: str = "zhangsan") -> str:
        page = await self.http.get(self._absolute(login_url))
        assert page.status_code == 200, page.text
        form = {
            name: hidden(page.text, name)
            for name in ("csrf_token", "captcha_id", "kind", "return_to", "lang")
        }
        answer = await submit(self.http, self.hooks, form, identifier)
        assert answer.status_code == 200, answer.text
        return refresh_target(answer.text)

    async def until_client(
        self, response: httpx.Response, *, consent: str = "allow", log_in: bool = True
    ) -> str:
        """Follow ``response`` through login and consent to the client's redirect URI."""
        for _ in range(10):
            location = response.headers.get("location")
            if location and location.startswith(self.redirect_uri):
                return location
            if location and location.startswith("/login") and log_in:
                response = await self.http.get(self._absolute(await self.log_in(location)))
            elif location:
                response = await self.http.get(self._absolute(location))
            elif 'name="decision"' in response.text:
                response = await self.decide(response.text, consent)
            elif 'http-equiv="refresh"' in response.text:
                target = refresh_target(response.text)
                if target.startswith(self.redirect_uri):
                    return target
                response = await self.http.get(self._absolute(target))
            else:
                raise AssertionError(f"{response.status_code}: {response.text[:600]}")
        raise AssertionError("too many steps")

    async def decide(self, page: str, decision: str) -> httpx.Response:
        form = {
            name: hidden(page, name) for name in ("csrf_token", "request", "request_mac", "lang")
        }
        return await self.http.post(
            f"{self.provider}/oauth/authorize/decision", data={**form, "decision": decision}
        )


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)
