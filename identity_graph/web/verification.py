"""Provider callbacks and the sandbox providers' pages (SPEC §4.4, §10).

``POST /verification/callbacks/{face|business_licence}`` takes a provider's signed result
(checked by ``ChallengeService.receive``: signature, freshness, binding, single use); a
refused callback gets 400 with no detail, so a forger learns nothing.

``/sandbox/face/{id}`` and ``/sandbox/licence/{id}`` are the sandbox providers' own pages,
served only when those providers are configured: a tester passes or fails the face
session, or types the unit's licence password from the registry file. The page then
delivers the signed result to the same handler a real provider's callback reaches.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from identity_graph.container import Container
from identity_graph.core.crypto import mask_id_number, mask_name
from identity_graph.verification.challenges import CallbackRefused
from identity_graph.verification.models import ChallengeKind
from identity_graph.verification.providers.base import PersonClaim, UnitClaim
from identity_graph.verification.providers.sandbox_challenges import SandboxChallenges
from identity_graph.web import csrf
from identity_graph.web.pages import Texts, page_locale, render

_KINDS = {"face": ChallengeKind.FACE, "licence": ChallengeKind.BUSINESS_LICENCE}
_MAX_CALLBACK = 16_384


def verification_routes(services: Container) -> list[Route]:
    challenges = services.challenges
    secure = services.settings.public_url.startswith("https://")

    async def callback(request: Request) -> Response:
        try:
            kind = ChallengeKind(request.path_params["kind"])
        except ValueError:
            return JSONResponse({"error": "unknown_kind"}, status_code=404)
        body = await request.body()
        if len(body) > _MAX_CALLBACK:
            return JSONResponse({"error": "too_large"}, status_code=413)
        try:
            challenge = await challenges.receive(kind, body, request.headers)
        except CallbackRefused:
            return JSONResponse({"error": "refused"}, status_code=400)
        return JSONResponse({"ok": True, "state": challenge.state.value})

    async def sandbox_page(request: Request) -> Response:
        locale = page_locale(request)
        t = Texts(locale)
        if request.path_params["kind"] not in _KINDS:
            return Response(status_code=404)
        kind = _KINDS[request.path_params["kind"]]
        provider = challenges.providers.get(kind)
        if not isinstance(provider, SandboxChallenges):
            return Response(status_code=404)
        try:
            challenge_id = uuid.UUID(request.path_params["challenge_id"])
            challenge, claim = await challenges.claim_for(challenge_id)
        except (ValueError, CallbackRefused):
            return render(
                request, "message.html", locale, 404, heading=t.site, message=t.challenge_gone
            )
        heading = t.face_title if kind is ChallengeKind.FACE else t.licence_title
        intro = _intro(t, claim)
        token = csrf.token_for(request)
        error = None
        if request.method == "POST":
            form = await request.form()
            if not csrf.is_valid(request, str(form.get("csrf") or "")):
                error = t.csrf
            else:
                passed = form.get("result") == "passed"
                if kind is ChallengeKind.BUSINESS_LICENCE:
                    unit = provider.registry.unit_by_licence(getattr(claim, "code", ""))
                    passed = unit is not None and unit.licence_accepts(
                        str(form.get("password") or "")
                    )
                    if not passed:
                        error = t.licence_wrong
                if error is None:
                    body, headers = provider.signed_result(str(challenge.id), passed)
                    try:
                        await challenges.receive(
                            kind, body, {k.lower(): v for k, v in headers.items()}
                        )
                    except CallbackRefused:
                        return render(
                            request,
                            "message.html",
                            locale,
                            409,
                            heading=heading,
                            message=t.challenge_gone,
                        )
                    if challenge.return_url:
                        return RedirectResponse(challenge.return_url, status_code=303)
                    return render(
                        request, "message.html", locale, heading=heading, message=t.challenge_done
                    )
        response = render(
            request,
            "sandbox_challenge.html",
            locale,
            400 if error else 200,
            heading=heading,
            intro=intro,
            csrf=token,
            error=error,
            kind=request.path_params["kind"],
        )
        csrf.remember(response, token, secure)
        return response

    return [
        Route("/verification/callbacks/{kind}", callback, methods=["POST"]),
        Route("/sandbox/{kind:str}/{challenge_id}", sandbox_page, methods=["GET", "POST"]),
    ]


def _intro(t: Texts, claim: PersonClaim | UnitClaim) -> str:
    if isinstance(claim, PersonClaim):
        return t.face_intro.format(
            name=mask_name(claim.real_name), number=mask_id_number(claim.id_number)
        )
    return t.licence_intro.format(name=claim.name, code=claim.code)
