"""How each transport answers an outage, and that a bug still is one: the service method
behind a page, a GraphQL field and an OAuth endpoint is made to fail the way a lost
database or Redis connection fails (the real servers are stopped in test_outages.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis import exceptions as redis_errors

CAPTCHA = "{ captcha { id } }"


def _fail_with(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, error: Exception) -> None:
    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(target, name, failing)


@pytest.mark.parametrize(
    "error",
    [ConnectionRefusedError(111, "Connection refused"), redis_errors.ConnectionError("down")],
)
async def test_outages_answer_503_in_each_transport(
    client: httpx.AsyncClient, container: Any, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    _fail_with(monkeypatch, container.captcha, "issue", error)
    _fail_with(monkeypatch, container.signing_keys, "signing_key", error)

    graphql = await client.post("/graphql", json={"query": CAPTCHA})
    assert graphql.status_code == 503 and graphql.headers["retry-after"] == "5"
    assert graphql.json()["errors"][0]["extensions"] == {
        "code": "SERVICE_UNAVAILABLE",
        "retryAfter": 5,
    }
    assert graphql.json()["data"] is None

    page = await client.get("/login", headers={"Accept-Language": "en"})
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "Temporarily unavailable" in page.text
    assert 'href="/login"' in page.text  # try again

    token = await client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert token.status_code == 503 and token.headers["retry-after"] == "5"
    assert token.json()["error"] == "temporarily_unavailable"
    assert token.headers["cache-control"] == "no-store"


async def test_bugs_stay_loud(
    client: httpx.AsyncClient, container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_with(monkeypatch, container.captcha, "issue", RuntimeError("a bug"))
    graphql = await client.post("/graphql", json={"query": CAPTCHA})
    assert graphql.status_code == 200
    assert graphql.json()["errors"][0]["extensions"] == {"code": "INTERNAL_ERROR"}
    with pytest.raises(RuntimeError, match="a bug"):  # Starlette's 500, with the traceback
        await client.get("/login")
