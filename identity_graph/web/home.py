"""The provider's own front page: who is logged in here, and the way out (a login page
without a ``return_to`` continues to it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from identity_graph.container import Container
from identity_graph.sessions import browser
from identity_graph.web.pages import page_locale, render


def home_routes(services: Container) -> list[Route]:
    async def home(request: Request) -> Response:
        session = await services.browser_sessions.read(request.cookies.get(browser.COOKIE))
        login_name = session.account.login_name if session else None
        return render(request, "home.html", page_locale(request), login_name=login_name)

    return [Route("/", home, methods=["GET"])]
