"""End to end: ``identity-graph serve`` in a subprocess, spoken to over real HTTP.

Covers what in-process tests cannot: the CLI and uvicorn, the JSON log on stderr (and that
personal data stays out of it), Prometheus in multiprocess mode, and GraphiQL running in a
real browser under the Content-Security-Policy. One server per scenario, started once per
module; with ``--db postgres`` both servers use the session's PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.server_helpers import RunningServer, run_server

pytestmark = [pytest.mark.server, pytest.mark.postgres]

CAPTCHA = "{ captcha { id imageDataUrl expiresAt } }"
PNG_PREFIX = "data:image/png;base64,"
PHONE = "13912345678"
REQUEST_SMS = """
mutation Send($input: RequestSmsCodeInput!) {
  requestSmsCode(input: $input) {
    __typename
    ... on UserError { code }
    ... on ValidationErrors { errors { field code } }
  }
}
"""
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = Path(tempfile.gettempdir()) / "graphiql.png"  # for a human to look at
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Runs before the page's own scripts; Playwright injects it outside the page's CSP.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def _database(backend: str, database_url: str) -> str | None:
    """PostgreSQL when the session runs with ``--db postgres``; else the server's own SQLite."""
    return database_url if backend == "postgres" else None


@pytest.fixture(scope="module")
def server(
    backend: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("server")
    with run_server(data_dir, _database(backend, database_url)) as running:
        yield running


@pytest.fixture(scope="module")
def workers_server(
    backend: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("server-workers")
    with run_server(data_dir, _database(backend, database_url), workers=2) as running:
        yield running


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
        yield client


def _graphql(
    http: httpx.Client, query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    response = http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    return response


def _assert_captcha(body: dict[str, Any]) -> dict[str, Any]:
    captcha = body["data"]["captcha"]
    assert captcha["imageDataUrl"].startswith(PNG_PREFIX)
    png = base64.b64decode(captcha["imageDataUrl"].removeprefix(PNG_PREFIX))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert datetime.fromisoformat(captcha["expiresAt"]) > datetime.now(UTC)
    return dict(captcha)


def _samples(exposition: str, name: str, **labels: str) -> list[Sample]:
    """Samples of ``name`` whose labels include ``labels`` (parsing also checks the format)."""
    return [
        sample
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]


def test_health_and_readiness(http: httpx.Client, server: RunningServer, backend: str) -> None:
    health = http.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "up"}
    if backend == "sqlite":
        assert (server.data_dir / "identity_graph.sqlite3").is_file()


def test_graphql_query_over_post(http: httpx.Client) -> None:
    response = _graphql(http, CAPTCHA)
    assert response.headers["content-type"].startswith("application/json")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    _assert_captcha(response.json())


def test_graphql_query_over_get(http: httpx.Client) -> None:
    response = http.get(
        "/graphql", params={"query": CAPTCHA}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    _assert_captcha(response.json())


def test_get_refuses_mutations(http: httpx.Client) -> None:
    # GraphQL over HTTP: GET must never change state. The phone in the query string also
    # checks that URLs stay out of the log (test_request_log_keeps_personal_data_out).
    variables = {
        "input": {"purpose": "LOGIN", "phone": PHONE, "captchaId": "x", "captchaAnswer": "y"}
    }
    response = http.get(
        "/graphql",
        params={"query": REQUEST_SMS, "variables": json.dumps(variables)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "MUTATION_OVER_GET"
    assert error["message"]
    assert "data" not in response.json()


def test_metrics(http: httpx.Client) -> None:
    _graphql(http, CAPTCHA)
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in ("idg_http_requests_total", "idg_graphql_operations_total", "idg_job_queue_depth"):
        assert name in text
    assert _samples(text, "idg_http_requests_total", method="POST", route="/graphql", status="200")
    operations = _samples(
        text, "idg_graphql_operations_total", operation="captcha", type="query", outcome="ok"
    )
    assert operations
    assert operations[0].value >= 1
    assert {sample.labels["state"] for sample in _samples(text, "idg_job_queue_depth")} >= {
        "pending",
        "dead",
    }


def test_request_log_keeps_personal_data_out(http: httpx.Client, server: RunningServer) -> None:
    captcha = _assert_captcha(_graphql(http, CAPTCHA).json())
    # "0" is not in the captcha alphabet, so this answer is always wrong.
    variables = {
        "input": {
            "purpose": "LOGIN",
            "phone": PHONE,
            "captchaId": captcha["id"],
            "captchaAnswer": "00000",
        }
    }
    response = _graphql(http, REQUEST_SMS, variables)
    result = response.json()["data"]["requestSmsCode"]
    assert result["__typename"] == "ValidationErrors"
    assert result["errors"] == [{"field": "captchaAnswer", "code": "CAPTCHA_WRONG"}]

    request_id = response.headers["x-request-id"]
    logged = server.wait_for_log(lambda record: record.get("request_id") == request_id)
    assert len(logged) == 1
    assert logged[0]["message"] == "request"
    assert logged[0]["route"] == "/graphql"
    assert logged[0]["method"] == "POST"
    assert logged[0]["status"] == 200
    assert logged[0]["duration_ms"] >= 0

    lines = server.log_lines()
    assert [line for line in lines if not _is_json_object(line)] == []
    assert [line for line in lines if PHONE in line] == []
    records = server.log_records()
    assert [r for r in records if r["level"] in {"error", "critical"} or "exception" in r] == []


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    return CHROMIUM


@pytest.mark.browser
async def test_graphiql_renders_and_runs_the_default_query(
    server: RunningServer, chromium: Path, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    screenshot = tmp_path / "graphiql.png"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            page.on(
                "console",
                lambda message: (
                    problems.append(f"console: {message.text} at {message.location.get('url')}")
                    if message.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on(
                "requestfailed",
                lambda request: problems.append(f"request failed: {request.url} {request.failure}"),
            )
            page.on(
                "response",
                lambda response: (
                    problems.append(f"HTTP {response.status}: {response.url}")
                    if response.status >= 400
                    else None
                ),
            )
            await page.add_init_script(CSP_LISTENER)

            response = await page.goto(f"{server.base_url}/graphql")
            assert response is not None
            assert response.status == 200
            assert "text/html" in (await response.request.all_headers())["accept"]
            assert response.headers["content-type"].startswith("text/html")
            assert "script-src 'self'" in response.headers["content-security-policy"]

            await page.locator(".graphiql-container").wait_for(timeout=15_000)
            editor = page.locator(".graphiql-query-editor .CodeMirror")
            await editor.wait_for()
            await expect(editor).to_contain_text("captcha { id imageDataUrl expiresAt }")
            await page.locator(".graphiql-execute-button").click()
            result = page.locator(".graphiql-response")
            await expect(result).to_contain_text("imageDataUrl", timeout=10_000)
            await expect(result).to_contain_text(PNG_PREFIX)
            violations = await page.evaluate("window.__cspViolations")
            await page.screenshot(path=screenshot)
        finally:
            await browser.close()
    shutil.copy(screenshot, SCREENSHOT_COPY)
    assert violations == []
    assert problems == []


async def _started_workers(server: RunningServer, expected: int, seconds: float) -> set[str]:
    """The pids of the worker processes that have logged their start, waiting up to
    ``seconds`` for ``expected`` of them (one healthy worker answers /healthz before the
    other has finished importing the app on a loaded host)."""
    deadline = time.monotonic() + seconds
    while True:
        started = set(re.findall(r"Started server process \[(\d+)\]", server.log_text()))
        if len(started) >= expected or time.monotonic() > deadline:
            return started
        await asyncio.sleep(0.25)


async def test_two_workers_answer_concurrent_queries(workers_server: RunningServer) -> None:
    assert len(await _started_workers(workers_server, 2, 90.0)) == 2
    async with httpx.AsyncClient(base_url=workers_server.base_url, timeout=20.0) as client:
        assert (await client.get("/healthz")).status_code == 200
        responses = await asyncio.gather(
            *(client.post("/graphql", json={"query": CAPTCHA}) for _ in range(20))
        )
        metrics = await client.get("/metrics")

    assert [r.status_code for r in responses] == [200] * 20
    assert [r.json().get("errors") for r in responses] == [None] * 20
    ids = {_assert_captcha(r.json())["id"] for r in responses}
    assert len(ids) == 20

    assert metrics.status_code == 200
    assert "idg_http_requests_total" in metrics.text
    # Counters from every worker are summed (prometheus_client multiprocess mode).
    served = _samples(
        metrics.text, "idg_http_requests_total", method="POST", route="/graphql", status="200"
    )
    assert sum(sample.value for sample in served) == 20
    assert len(await _started_workers(workers_server, 2, 0.0)) == 2


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/graphql", "application/json"), ("/oauth/token", "application/x-www-form-urlencoded")],
)
def test_a_client_leaving_mid_body_is_logged_as_499_without_a_trace(
    server: RunningServer, path: str, content_type: str
) -> None:
    """A client that closes its connection before its body ends (a closed tab, a load
    test stopping) is no fault of the server's: one request line with status 499, no error
    record and no stack trace."""
    host, port = server.base_url.removeprefix("http://").split(":")
    before = len(server.log_records())
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            "Content-Length: 1000\r\n\r\n".encode()
            + b'{"query": "{ __typename'
        )
        time.sleep(0.3)  # the route is now waiting for the rest of the body
    logged = server.wait_for_log(
        lambda record: record.get("route") == path and record.get("status") == 499
    )
    assert len(logged) == 1 and logged[0]["method"] == "POST"
    later = server.log_records()[before:]
    assert [r for r in later if r["level"] in {"error", "critical"} or "exception" in r] == []
