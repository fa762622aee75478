"""CSRF protection for the pages' forms: a random token in a cookie that the form must echo
(double submit). A cross-site form cannot read the cookie to copy it, and the cookie is
``SameSite=Lax``, so it is not even sent with a cross-site POST."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from identity_graph.core.secrets import constant_time_equals, new_token

COOKIE = "idg_csrf"


def token_for(request: Request) -> str:
    """The page's token: the existing cookie's, or a new one (set it with ``remember``)."""
    current = request.cookies.get(COOKIE)
    return current if current and len(current) >= 32 else new_token(32)


def remember(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(COOKIE, token, httponly=True, secure=secure, samesite="lax", path="/")


def is_valid(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(COOKIE)
    return bool(cookie and submitted and constant_time_equals(cookie, submitted))
