"""How each kind of route answers a request body over the size limit (413).

The request layer (``observability.RequestMiddleware``) stops reading a body past
``IDG_MAX_BODY_BYTES`` (``IDG_MAX_UPLOAD_BODY_BYTES`` for uploads) and asks the responder of
the request's path for the answer, so every client gets the shape it understands:

* pages, and the authorization and logout endpoints a browser is sent to: an HTML page in
  the page's language with a link back;
* the OAuth endpoints a client calls (token, introspection, revocation, userinfo, PAR):
  an OAuth error body, ``{"error": "invalid_request", "error_description": ...}``
  (RFC 6749 §5.2), not cached;
* provider callbacks: the JSON they already answer every refusal with;
* ``/graphql``: the GraphQL error shape (the request layer's own answer).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from identity_graph.container import Container
from identity_graph.core.i18n import negotiate
from identity_graph.oauth.routes import AUTHORIZE_PATH, END_SESSION_PATH
from identity_graph.observability import TooLargeResponder
from identity_graph.verification.callbacks import CALLBACK_PATH
from identity_graph.web.pages import Texts, page_locale, render

CODE = "PAYLOAD_TOO_LARGE"


def too_large_responders(services: Container) -> list[tuple[str, TooLargeResponder]]:
    """Path prefixes and their 413 answers, most specific first; pages for the rest."""

    async def page(request: Request) -> Response:
        locale = page_locale(request)
        texts = Texts(locale)
        return render(
            request,
            "message.html",
            locale,
            413,
            heading=texts.bad_request,
            message=services.translate(CODE, locale),
            link_url=request.url.path if request.method == "POST" else "/",
            link_text=texts.back,
        )

    async def oauth(request: Request) -> Response:
        locale = negotiate(request.headers.get("accept-language", ""))
        body = {"error": "invalid_request", "error_description": services.translate(CODE, locale)}
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        return JSONResponse(body, status_code=413, headers=headers)

    async def callback(request: Request) -> Response:
        return JSONResponse({"error": "too_large"}, status_code=413)

    return [
        (AUTHORIZE_PATH, page),
        (END_SESSION_PATH, page),
        ("/oauth/", oauth),
        ("/.well-known/", oauth),
        (CALLBACK_PATH, callback),
        ("/", page),
    ]
