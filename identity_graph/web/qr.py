"""The QR-code login tab (SPEC §3): the only page that needs JavaScript, to hear of the
approval (the ``qrLoginStatus`` subscription, or polling where WebSockets fail).

The page holds the poll token; the QR image holds only the request id and its code. When
an app approves, the next poll starts the login session and sets the browser-session
cookie, exactly as a password login does.
"""

from __future__ import annotations

import base64
import io
import uuid
from urllib.parse import urlencode

import qrcode
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity_graph.container import Container
from identity_graph.sessions import browser
from identity_graph.web.login import safe_return_to
from identity_graph.web.pages import Texts, page_locale, render, request_address


def qr_data_url(text: str) -> str:
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def qr_routes(services: Container) -> list[Route]:
    settings = services.settings
    secure = settings.public_url.startswith("https://")

    async def page(request: Request) -> Response:
        locale = page_locale(request)
        texts = Texts(locale)
        return_to = safe_return_to(request.query_params.get("return_to"))
        challenge = await services.qr_logins.start()
        base = {"return_to": return_to, "lang": locale}
        response = render(
            request,
            "qr_login.html",
            locale,
            qr_image=qr_data_url(challenge.qr_text),
            request_id=str(challenge.request_id),
            poll_token=challenge.poll_token,
            tabs=[
                ("natural_person", texts.natural_person),
                ("enterprise", texts.enterprise),
                ("agent", texts.agent),
                ("qr", texts.qr),
            ],
            tab_urls={
                "natural_person": "/login?" + urlencode({**base, "kind": "natural_person"}),
                "enterprise": "/login?" + urlencode({**base, "kind": "enterprise"}),
                "agent": "/login?" + urlencode({**base, "kind": "agent"}),
                "qr": "/login/qr?" + urlencode(base),
            },
        )
        # The return address travels with the poll, from a cookie this page sets.
        response.set_cookie(
            "idg_qr_return", return_to, httponly=True, secure=secure, samesite="strict"
        )
        return response

    async def status(request: Request) -> Response:
        form = await request.form()
        try:
            request_id = uuid.UUID(str(form.get("request_id", "")))
        except ValueError:
            return JSONResponse({"state": "expired"})
        address = request_address(request, services.proxies)
        result = await services.qr_logins.poll(request_id, str(form.get("poll_token", "")), address)
        if result.tokens is None:
            return JSONResponse({"state": result.state}, headers={"Cache-Control": "no-store"})
        next_url = safe_return_to(request.cookies.get("idg_qr_return"))
        response = JSONResponse({"state": "completed", "next": next_url})
        response.set_cookie(
            browser.COOKIE,
            services.browser_sessions.cookie_value(result.tokens.session_id),
            max_age=settings.session_ttl_seconds,
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/",
        )
        response.delete_cookie("idg_qr_return")
        return response

    return [
        Route("/login/qr", page, methods=["GET"]),
        Route("/login/qr/status", status, methods=["POST"]),
    ]
