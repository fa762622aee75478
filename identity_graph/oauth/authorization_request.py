"""What the authorization endpoint and the pushed-request endpoint (RFC 9126) both do to
an authorization request before authlib validates it: the same request must get the same
answer whichever way it came.

* Scope values this provider does not know are ignored (OIDC Core §3.1.2.1: "Scope values
  used that are not understood by an implementation SHOULD be ignored"); ``offline_access``
  is kept only with ``prompt=consent`` and for a client that may refresh (§11), otherwise
  ignored too.
* ``redirect_uri`` is required (OIDC Core §3.1.2.1); without it there is nowhere safe to
  send an error, so the endpoint shows its own error page.
* Request objects are not supported: ``request`` is answered ``request_not_supported`` and
  a ``request_uri`` other than a pushed request's ``request_uri_not_supported`` (§6), as
  discovery says.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc9101.errors import RequestNotSupportedError, RequestUriNotSupportedError

from identity_graph.clients.models import OAuthClient

SCOPES = ["openid", "profile", "phone", "email", "identity", "enterprise", "offline_access"]
OFFLINE = "offline_access"

Parameters = list[tuple[str, str]]


def first(params: Parameters, name: str) -> str | None:
    return next((value for key, value in params if key == name), None)


def with_known_scopes(params: Parameters, client: OAuthClient | None) -> Parameters:
    """``params`` with the scope reduced to the values this provider serves."""
    scope = first(params, "scope")
    if scope is None:
        return params
    prompts = set((first(params, "prompt") or "").split())
    may_refresh = client is not None and "refresh_token" in (client.grant_types or [])
    kept: list[str] = []
    for value in scope.split():
        if value not in SCOPES or value in kept:
            continue
        if value == OFFLINE and not ("consent" in prompts and may_refresh):
            continue
        kept.append(value)
    return [(key, " ".join(kept) if key == "scope" else value) for key, value in params]


def unsupported(params: Parameters) -> OAuth2Error | None:
    """The error for a request object (by value or by reference), or None."""
    if first(params, "request") is not None:
        return RequestNotSupportedError()
    if first(params, "request_uri") is not None:
        return RequestUriNotSupportedError()
    return None
