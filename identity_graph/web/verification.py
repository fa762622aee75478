"""Provider callbacks, the sandbox providers' pages and the return page (SPEC §4.4, §10).

``POST /verification/callbacks/{face|business_licence}`` takes a provider's signed result
for a verification challenge or a face check alike (checked by
``ProviderCallbacks.receive``: signature, freshness, binding, single use); a refused
callback gets 400 with no detail, so a forger learns nothing.

``/sandbox/face/{id}`` and ``/sandbox/licence/{id}`` are the sandbox providers' own pages,
served only when those providers are configured: a tester passes or fails the face
session (a person the sandbox registry has no photo of fails whatever is clicked), or
types the unit's licence password from the registry file. The page then delivers the
signed result to the same handler a real provider's callback reaches.

``/verification/result/{id}`` is where every provider sends the browser back: it shows
the outcome (or that it is still awaited) and links to the path the holder asked to
return to. It shows no personal data: the session id is all it needs.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from identity_graph.container import Container
from identity_graph.core.crypto import mask_id_number, mask_name
from identity_graph.core.i18n import Locale
from identity_graph.verification.callbacks import (
    CALLBACK_PATH,
    RESULT_PATH,
    CallbackRefused,
    ProviderSession,
    failure_text_code,
)
from identity_graph.verification.models import ChallengeKind, ChallengeState
from identity_graph.verification.providers.base import PersonClaim, UnitClaim
from identity_graph.verification.providers.sandbox_challenges import (
    SandboxChallenges,
    face_verdict,
    has_photo,
)
from identity_graph.web.csrf import CsrfTokens
from identity_graph.web.pages import Texts, page_locale, render

_KINDS = {"face": ChallengeKind.FACE, "licence": ChallengeKind.BUSINESS_LICENCE}
_MAX_CALLBACK = 16_384


def verification_routes(services: Container) -> list[Route]:
    callbacks = services.provider_callbacks
    secure = services.settings.public_url.startswith("https://")
    csrf = CsrfTokens(services.hasher, secure=secure)

    async def callback(request: Request) -> Response:
        try:
            kind = ChallengeKind(request.path_params["kind"])
        except ValueError:
            return JSONResponse({"error": "unknown_kind"}, status_code=404)
        body = await request.body()
        if len(body) > _MAX_CALLBACK:
            return JSONResponse({"error": "too_large"}, status_code=413)
        try:
            state = await callbacks.receive(kind, body, request.headers)
        except CallbackRefused:
            return JSONResponse({"error": "refused"}, status_code=400)
        return JSONResponse({"ok": True, "state": state.value})

    async def sandbox_page(request: Request) -> Response:
        locale = page_locale(request)
        t = Texts(locale)
        kind = _KINDS.get(request.path_params["kind"])
        provider = callbacks.providers.get(kind) if kind else None
        if kind is None or not isinstance(provider, SandboxChallenges):
            return Response(status_code=404)
        try:
            session, claim = await callbacks.open_session(
                uuid.UUID(request.path_params["challenge_id"])
            )
        except (ValueError, CallbackRefused):
            session = None
        if session is None or session.kind is not kind:
            return _gone(request, locale, t, 404)
        heading = t.face_title if kind is ChallengeKind.FACE else t.licence_title
        token = csrf.token_for(request)
        error = None
        if request.method == "POST":
            form = await request.form()
            if not csrf.is_valid(request, str(form.get("csrf") or "")):
                error = t.csrf
            else:
                passed, reason = _verdict(provider, claim, form.get("result"), form.get("password"))
                if kind is ChallengeKind.BUSINESS_LICENCE and not passed:
                    error = t.licence_wrong
                if error is None:
                    body, headers = provider.signed_result(str(session.id), passed, reason)
                    try:
                        await callbacks.receive(
                            kind, body, {k.lower(): v for k, v in headers.items()}
                        )
                    except CallbackRefused:
                        return _gone(request, locale, t, 409, heading)
                    return RedirectResponse(f"{RESULT_PATH}/{session.id}", status_code=303)
        response = render(
            request,
            "sandbox_challenge.html",
            locale,
            400 if error else 200,
            heading=heading,
            intro=_intro(t, claim),
            note=_note(t, provider, claim),
            csrf=token,
            error=error,
            kind=request.path_params["kind"],
        )
        csrf.remember(response, token)
        return response

    async def result_page(request: Request) -> Response:
        locale = page_locale(request)
        t = Texts(locale)
        try:
            session = await callbacks.find(uuid.UUID(request.path_params["session_id"]))
        except ValueError:
            session = None
        if session is None:
            return _gone(request, locale, t, 404)
        face = session.kind is ChallengeKind.FACE
        heading = t.result_face_title if face else t.result_licence_title
        if session.state is ChallengeState.OPEN:
            if callbacks.is_expired(session):
                message, link, label = t.result_expired, session.return_url, t.result_continue
            else:
                message, link, label = t.result_waiting, request.url.path, t.result_refresh
        else:
            message = _outcome(services, locale, t, session)
            link, label = session.return_url, t.result_continue
        return render(
            request,
            "message.html",
            locale,
            heading=heading,
            message=message,
            link_url=link,
            link_text=label,
        )

    return [
        Route(CALLBACK_PATH + "/{kind}", callback, methods=["POST"]),
        Route("/sandbox/{kind:str}/{challenge_id}", sandbox_page, methods=["GET", "POST"]),
        Route(RESULT_PATH + "/{session_id}", result_page, methods=["GET"]),
    ]


def _verdict(
    provider: SandboxChallenges,
    claim: PersonClaim | UnitClaim,
    result: object,
    password: object,
) -> tuple[bool, str | None]:
    """What the sandbox provider answers for the tester's choice (see sandbox_challenges)."""
    if isinstance(claim, PersonClaim):
        return face_verdict(provider.registry, claim, result == "passed")
    unit = provider.registry.unit_by_licence(claim.code)
    return unit is not None and unit.licence_accepts(str(password or "")), None


def _outcome(services: Container, locale: Locale, t: Texts, session: ProviderSession) -> str:
    passed = session.state is ChallengeState.PASSED
    if session.kind is ChallengeKind.BUSINESS_LICENCE:
        return t.result_licence_passed if passed else t.result_licence_failed
    if not passed:
        return services.translate(failure_text_code(session.failure_reason), locale)
    # A verification case's face fallback or step-up ends at the real-person level.
    return t.result_real_person if session.purpose is None else t.result_face_passed


def _gone(
    request: Request, locale: Locale, t: Texts, status: int, heading: str | None = None
) -> Response:
    return render(
        request, "message.html", locale, status, heading=heading or t.site, message=t.challenge_gone
    )


def _intro(t: Texts, claim: PersonClaim | UnitClaim) -> str:
    if isinstance(claim, PersonClaim):
        return t.face_intro.format(
            name=mask_name(claim.real_name), number=mask_id_number(claim.id_number)
        )
    return t.licence_intro.format(name=claim.name, code=claim.code)


def _note(t: Texts, provider: SandboxChallenges, claim: PersonClaim | UnitClaim) -> str | None:
    """Tell the tester beforehand that this person cannot pass (no photo on file)."""
    if isinstance(claim, PersonClaim) and not has_photo(provider.registry, claim):
        return t.face_no_photo
    return None
