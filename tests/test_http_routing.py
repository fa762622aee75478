"""The fixed-path router answers exactly as Starlette's scan: the same route for every
path of the real app, shadowing routes respected, 405, trailing-slash redirects and 404."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Mount, Route, Router, WebSocketRoute

from identity_graph.app import create_app
from identity_graph.http_routing import FixedPathRouter


def _named(name: str):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(name)

    return endpoint


def _routes() -> list:  # type: ignore[type-arg]
    inner = Router([Route("/shadowed", _named("mount"))])
    return [
        Route("/a", _named("a-get"), methods=["GET"]),
        Route("/a", _named("a-post"), methods=["POST"]),
        Route("/items/{name}", _named("item")),
        Route("/items/fixed", _named("never: the parameter route is first")),
        Mount("/m", app=inner),
        Route("/m/shadowed", _named("never: the mount is first")),
        Route("/m/free", _named("never: the mount answers 404 for it")),
        WebSocketRoute("/b", _named("socket")),  # type: ignore[arg-type]
        Route("/b", _named("b")),
        Route("/slash/", _named("slash")),
    ]


def _client(router_class: type[Router]) -> httpx.AsyncClient:
    app = Starlette()
    app.router = router_class(_routes())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


CASES = [
    ("GET", "/a"),
    ("POST", "/a"),
    ("DELETE", "/a"),
    ("GET", "/items/fixed"),
    ("GET", "/items/other"),
    ("GET", "/m/shadowed"),
    ("GET", "/m/free"),
    ("GET", "/b"),
    ("GET", "/slash"),
    ("GET", "/nowhere"),
]


@pytest.mark.parametrize(("method", "path"), CASES)
async def test_same_answer_as_starlettes_scan(method: str, path: str) -> None:
    async with _client(Router) as plain, _client(FixedPathRouter) as fixed:
        want = await plain.request(method, path)
        got = await fixed.request(method, path)
    assert (got.status_code, got.text, got.headers.get("location")) == (
        want.status_code,
        want.text,
        want.headers.get("location"),
    )


def test_shadowed_paths_are_left_to_the_scan() -> None:
    router = FixedPathRouter(_routes())
    index = router._index()
    assert set(index) == {"/a", "/b", "/slash/"}
    assert [route.methods for route in index["/a"]] == [{"GET", "HEAD"}, {"POST"}]


def test_routes_added_later_are_found() -> None:
    router = FixedPathRouter(_routes())
    router._index()
    router.add_route("/late", _named("late"))
    assert "/late" in router._index()


def test_every_route_of_the_app_is_the_one_the_scan_finds(settings) -> None:  # type: ignore[no-untyped-def]
    """For each fixed path of the real app and each of its methods, the dictionary's first
    full match is the route Starlette's scan picks."""
    app = create_app(settings)
    router = app.router
    assert isinstance(router, FixedPathRouter)
    index = router._index()
    assert "/oauth/token" in index and "/oauth/introspect" in index and "/graphql" in index
    for path, candidates in index.items():
        for method in ("GET", "POST", "HEAD"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method}
            scanned = next(
                (r for r in router.routes if r.matches(scope)[0] is Match.FULL), None
            )
            found = next((r for r in candidates if r.matches(scope)[0] is Match.FULL), None)
            assert found is scanned, (path, method)
