"""Starlette's router with fixed paths found by a dictionary instead of a scan.

Starlette tries every route in order, a regular expression each, until one matches: about
5 % of an introspection or UserInfo request (bench/README.md, profiles of the token
endpoints), growing with every page added before the route. Most of our routes have a fixed
path (``/oauth/token``, ``/graphql``), so the router here looks the request's path up
first and tries only the routes with exactly that path.

The answer is always the one Starlette's scan gives. A path goes into the dictionary only
when no route listed before its routes could also match it (a ``Mount`` or a route with
parameters): then the scan's first full match, if any, is among those routes, in the same
order. Anything else (no full match, so a ``405``, a redirect for a trailing slash or a
``404``; a websocket; a path not in the dictionary) goes to Starlette's own scan.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Route, Router, WebSocketRoute, get_route_path
from starlette.types import Receive, Scope, Send


class FixedPathRouter(Router):
    """A ``Router`` that finds routes with a fixed path without trying the others."""

    _fixed: dict[str, list[Route]]
    _indexed: tuple[int, int] | None = None

    def _index(self) -> dict[str, list[Route]]:
        """The fixed-path routes by path, built again when routes are added (Starlette's
        ``add_route`` and ``mount`` append) or the list is replaced."""
        if self._indexed != (id(self.routes), len(self.routes)):
            fixed: dict[str, list[Route]] = {}
            shadowing: list[BaseRoute] = []  # routes that could match a fixed path too
            for route in self.routes:
                if isinstance(route, Route) and not route.param_convertors:
                    path = route.path
                    if not any(_could_match(other, path) for other in shadowing):
                        fixed.setdefault(path, []).append(route)
                    continue
                if not isinstance(route, WebSocketRoute):  # never matches plain HTTP
                    shadowing.append(route)
            self._fixed = fixed
            self._indexed = (id(self.routes), len(self.routes))
        return self._fixed

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            candidates = self._index().get(get_route_path(scope))
            for route in candidates or ():
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


def _could_match(route: BaseRoute, path: str) -> bool:
    """Whether ``route`` (a mount, a route with parameters) might match a request for
    ``path``; kinds of route without a path pattern (``Host``) are assumed to."""
    regex = getattr(route, "path_regex", None)
    if regex is None:
        return True
    return regex.match(path) is not None
