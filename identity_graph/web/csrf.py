"""CSRF protection for the pages' forms: a signed double-submit token (OWASP's "signed
double-submit cookie").

The token is ``nonce.mac``: a random nonce and an HMAC, under the service's keyed hasher, of
the nonce and the browser's login-session cookie. The form echoes the token and the cookie
carries it; a POST is accepted only if both agree and the MAC is right for the session
cookie this browser sends. A naive double submit trusts any value found in the cookie, so
whoever can plant a cookie (a sibling subdomain, a plain-http page on the network) could
pick both halves; here an invented token fails the MAC, and one taken from another browser
fails as soon as either browser is logged in, since the MAC covers that browser's session.

When the public URL is https the cookie is ``__Host-`` prefixed: browsers accept it only
over https, from this host, for path ``/`` and without a ``Domain``, so no subdomain can
set or overwrite it. It is also ``SameSite=Lax``: a cross-site POST does not carry it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from identity_graph.core.secrets import SecretHasher, constant_time_equals, new_token
from identity_graph.sessions import browser

_PURPOSE = "csrf"
_NAME = "idg_csrf"


class CsrfTokens:
    """Issues and checks the pages' CSRF tokens for one site (``secure``: https)."""

    def __init__(self, hasher: SecretHasher, *, secure: bool) -> None:
        self._hasher = hasher
        self.secure = secure
        self.cookie = f"__Host-{_NAME}" if secure else _NAME

    def token_for(self, request: Request) -> str:
        """The page's token: the cookie's while it is valid for this browser, or a new
        one (set it with ``remember``)."""
        current = request.cookies.get(self.cookie)
        if current and self._signed(request, current):
            return current
        nonce = new_token(24)
        return f"{nonce}.{self._mac(request, nonce)}"

    def remember(self, response: Response, token: str) -> None:
        response.set_cookie(
            self.cookie, token, httponly=True, secure=self.secure, samesite="lax", path="/"
        )

    def is_valid(self, request: Request, submitted: str | None) -> bool:
        cookie = request.cookies.get(self.cookie)
        if not cookie or not submitted or not constant_time_equals(cookie, submitted):
            return False
        return self._signed(request, cookie)

    def _signed(self, request: Request, token: str) -> bool:
        nonce, _, mac = token.partition(".")
        return bool(nonce and mac) and constant_time_equals(mac, self._mac(request, nonce))

    def _mac(self, request: Request, nonce: str) -> str:
        session = request.cookies.get(browser.COOKIE, "")
        return self._hasher.digest(_PURPOSE, f"{session}\x1f{nonce}")
