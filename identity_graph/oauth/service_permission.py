"""``POST /agents/service-permission``: ``canHandleService`` for partner back-ends as a plain
HTTP resource (SPEC §2.4, §7 "checks partners can rely on"; issue 11), beside the GraphQL
field and answering exactly as it does, through the same service function.

A protected resource (RFC 6750): the partner's client-credentials access token as
``Authorization: Bearer``; a form (``application/x-www-form-urlencoded``) or JSON object
body with ``serviceCode``, ``enterpriseId`` or ``uscc``, and ``personId`` (the ``sub`` the
partner knows). The answer is JSON in the caller's language (``Accept-Language``):

* 200 — the decision: ``allowed``, the stable ``code`` (``ALLOWED``,
  ``NO_PERMISSION_FOR_SERVICE``, …), ``message``, ``nextStep`` and ``nextStepMessage``, the
  unit, service, agent role and validity, the grant's expiry;
* 400 — bad input: ``VALIDATION_FAILED`` with every invalid field, by name and label;
* 401 — no token, or one that is invalid, expired or revoked (``WWW-Authenticate``);
* 403 — ``SERVICE_NOT_PROVIDED_BY_CLIENT``: a partner asks only about its own services.

No query for the token when the caches can answer (``SessionService.authenticate_client``,
as introspection) and one for the decision (``agents/standing.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity_graph.agents.check_request import partner_check
from identity_graph.agents.checks import ServiceDecision
from identity_graph.container import Container
from identity_graph.core.errors import DomainError, NotAuthorized, ValidationFailed
from identity_graph.core.i18n import Locale, negotiate
from identity_graph.core.labels import labels

PATH = "/agents/service-permission"

_NO_STORE = {"Cache-Control": "no-store"}


def service_permission_routes(services: Container) -> list[Route]:
    t = services.translate

    def answer(status: int, code: str, locale: Locale, **extra: Any) -> Response:
        body = {"code": code, "message": t(code, locale), **extra}
        return JSONResponse(body, status_code=status, headers=_NO_STORE)

    def unauthenticated(locale: Locale, presented: bool) -> Response:
        # RFC 6750 §3.1: no error code when the request carried no credentials at all.
        challenge = 'Bearer error="invalid_token"' if presented else "Bearer"
        code = "PARTNER_TOKEN_INVALID" if presented else "NOT_AUTHENTICATED"
        body: dict[str, str] = {"code": code, "message": t(code, locale)}
        if presented:
            body["error"] = "invalid_token"
        headers = {**_NO_STORE, "WWW-Authenticate": challenge}
        return JSONResponse(body, status_code=401, headers=headers)

    def refused(exc: DomainError, locale: Locale) -> Response:
        if isinstance(exc, ValidationFailed):
            fields = [_field_error(t, e.field, e.code, e.params, locale) for e in exc.errors]
            return answer(400, exc.code, locale, errors=fields)
        status = 403 if isinstance(exc, NotAuthorized) else 400
        return answer(status, exc.code, locale)

    async def check(request: Request) -> Response:
        locale = negotiate(request.headers.get("accept-language"))
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return unauthenticated(locale, presented=bool(scheme))
        client = await services.sessions.authenticate_client(token.strip())
        if client is None:
            return unauthenticated(locale, presented=True)
        values = await _body(request)
        if values is None:
            return answer(400, "BODY_NOT_A_FORM_OR_JSON_OBJECT", locale)
        try:
            asked = partner_check(values)
            decision = await services.agents.can_handle_for_client(
                client, asked.unit, asked.service_code, asked.person
            )
        except DomainError as exc:
            return refused(exc, locale)
        return JSONResponse(_decision(t, decision, locale), headers=_NO_STORE)

    return [Route(PATH, check, methods=["POST"])]


async def _body(request: Request) -> Mapping[str, object] | None:
    """The body's fields, or None when it is neither a form nor a JSON object."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    if content_type == "application/json":
        try:
            parsed = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def _field_error(
    t: Any, field: str, code: str, params: Mapping[str, Any], locale: Locale
) -> dict[str, str]:
    label = labels([field], locale)
    separator = "：" if locale == "zh-CN" else ": "
    message = t(code, locale, **params)
    return {"field": field, "label": label, "code": code, "message": label + separator + message}


def _decision(t: Any, decision: ServiceDecision, locale: Locale) -> dict[str, Any]:
    """The GraphQL ``ServicePermission``, field for field (plus the next step's code)."""
    valid, grant = decision.valid_until, decision.grant_expires_at
    return {
        "allowed": decision.allowed,
        "code": decision.code,
        "message": t(decision.code, locale),
        "nextStep": decision.next_step,
        "nextStepMessage": t(decision.next_step, locale),
        "enterpriseId": str(decision.enterprise_id) if decision.enterprise_id else None,
        "serviceCode": decision.service_code,
        "agentRole": decision.role.name if decision.role else None,
        "validUntil": valid.isoformat() if valid else None,
        "grantExpiresAt": grant.isoformat() if grant else None,
    }
