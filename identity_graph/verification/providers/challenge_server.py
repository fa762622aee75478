"""The challenge protocol of ``http_challenges.py``, served: a stand-alone sandbox provider.

It plays a face-check vendor and the electronic business licence service at once, so that
``HttpChallenges`` is tested against a real server and operators can run the sandbox
providers as a process of their own (``identity-graph sandbox-providers``).

```mermaid
stateDiagram-v2
    [*] --> OPEN: POST /v1/sessions (signed; idempotent on challenge_id)
    OPEN --> DONE: page submitted, signed callback accepted (2xx) by the relying service
    OPEN --> OPEN: callback refused or unreachable (the page says so; try again)
    DONE --> [*]: page answers 410
```

The page at ``/s/{reference}`` shows the face session (pass or fail) or asks for the
unit's licence password, checked against the registry file's test licences. A face session
for a person the registry file does not list (or lists under another name) has no photo to
compare with and fails whatever the tester clicks (``sandbox_challenges.face_verdict``).
The result is delivered as the signed callback a real provider sends. Sessions live in
memory: this is a sandbox, not a store.
"""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from identity_graph.core.crypto import mask_id_number, mask_name
from identity_graph.core.outbound import outbound_client
from identity_graph.core.signatures import verify
from identity_graph.verification.providers.base import PersonClaim, UnitClaim
from identity_graph.verification.providers.http_challenges import KINDS, SESSIONS_PATH
from identity_graph.verification.providers.registry_file import Registry
from identity_graph.verification.providers.registry_server import person_claim, unit_claim
from identity_graph.verification.providers.sandbox_challenges import face_verdict, has_photo
from identity_graph.verification.providers.signed_http import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signed_message,
)


@dataclass
class Session:
    reference: str
    challenge_id: str
    kind: str
    callback_url: str
    return_url: str | None
    subject: PersonClaim | UnitClaim
    done: bool = False


def create_challenge_app(
    secret: bytes,
    registry: Registry,
    public_url: str,
    *,
    now: Callable[[], float] = time.time,
    client: httpx.AsyncClient | None = None,
) -> Starlette:
    """The provider app; ``public_url`` is where browsers reach it (for the page links)."""
    base = public_url.rstrip("/")
    sessions: dict[str, Session] = {}
    by_challenge: dict[str, Session] = {}

    async def open_session(request: Request) -> Response:
        body = await request.body()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not verify(secret, timestamp, body, signature, now=now()):
            return _signed(secret, {"error": "bad signature"}, 401, now())
        try:
            session = _session(orjson.loads(body))
        except (ValueError, KeyError, TypeError):  # orjson.JSONDecodeError is a ValueError
            return _signed(secret, {"error": "malformed request"}, 400, now())
        session = by_challenge.setdefault(session.challenge_id, session)
        sessions[session.reference] = session
        answer = {
            "challenge_id": session.challenge_id,
            "url": f"{base}/s/{session.reference}",
            "reference": session.reference,
        }
        return _signed(secret, answer, 200, now())

    async def page(request: Request) -> Response:
        session = sessions.get(request.path_params["reference"])
        if session is None or session.done:
            return HTMLResponse(_document("会话已结束 / Session closed", ""), 410)
        error = ""
        if request.method == "POST":
            form = await request.form()
            passed, reason = form.get("result") == "passed", None
            if isinstance(session.subject, PersonClaim):
                passed, reason = face_verdict(registry, session.subject, passed)
            else:
                unit = registry.unit_by_licence(session.subject.code)
                passed = unit is not None and unit.licence_accepts(str(form.get("password") or ""))
                if not passed:
                    error = "执照密码错误 / Wrong licence password"
            if not error:
                if await _deliver(session, passed, reason):
                    session.done = True
                    if session.return_url:
                        return RedirectResponse(session.return_url, status_code=303)
                    return HTMLResponse(_document("已完成 / Done", ""))
                error = "回调未被接受，请重试 / The callback was not accepted; try again"
        subject = session.subject
        photo = not isinstance(subject, PersonClaim) or has_photo(registry, subject)
        return HTMLResponse(_form(session, error, photo), 400 if error else 200)

    async def _deliver(session: Session, passed: bool, reason: str | None) -> bool:
        body, headers = signed_message(
            secret,
            {
                "challenge_id": session.challenge_id,
                "result": "passed" if passed else "failed",
                "reason": reason,
                "reference": session.reference,
            },
            now(),
        )
        http = client or outbound_client(timeout=5.0)
        try:
            response = await http.post(
                session.callback_url,
                content=body,
                headers={**headers, "Content-Type": "application/json"},
            )
        except httpx.RequestError:
            return False
        finally:
            if client is None:
                await http.aclose()
        return 200 <= response.status_code < 300

    return Starlette(
        routes=[
            Route(SESSIONS_PATH, open_session, methods=["POST"]),
            Route("/s/{reference}", page, methods=["GET", "POST"]),
        ]
    )


def _session(data: Any) -> Session:
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise ValueError("kind")
    kind = data["kind"]
    subject_data = data["subject"]
    if not isinstance(subject_data, dict):
        raise TypeError("subject")
    subject = person_claim(subject_data) if kind == "face" else unit_claim(subject_data)
    fields = [data["challenge_id"], data["callback_url"]]
    return_url = data.get("return_url")
    if not all(isinstance(value, str) for value in fields) or not isinstance(
        return_url, str | None
    ):
        raise TypeError("fields")
    return Session(f"prv-{secrets.token_hex(12)}", fields[0], kind, fields[1], return_url, subject)


def _form(session: Session, error: str, photo: bool) -> str:
    subject = session.subject
    note = ""
    if isinstance(subject, PersonClaim):
        title = "人脸识别（沙箱） / Face check (sandbox)"
        who = f"{mask_name(subject.real_name)} {mask_id_number(subject.id_number)}"
        if not photo:
            note = (
                "<p>登记库中没有此人的照片，人脸比对将不通过 / "
                "No photo of this person on file: the face comparison will fail</p>"
            )
        controls = (
            '<button name="result" value="passed">通过 / Pass</button> '
            '<button name="result" value="failed">不通过 / Fail</button>'
        )
    else:
        title = "电子营业执照（沙箱） / Electronic business licence (sandbox)"
        who = f"{subject.name} {subject.code}"
        controls = (
            '<label>执照密码 / Licence password <input type="password" name="password"></label> '
            '<button name="result" value="passed">确认 / Confirm</button>'
        )
    alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return _document(
        title, f'<p>{html.escape(who)}</p>{note}{alert}<form method="post">{controls}</form>'
    )


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>{body}</html>"
    )


def _signed(secret: bytes, content: dict[str, Any], status: int, at: float) -> Response:
    body, headers = signed_message(secret, content, at)
    return Response(body, status, headers, media_type="application/json")
