"""One door for face-check and e-licence provider results (SPEC §4.4, §10).

Two services open provider sessions: ``ChallengeService`` (a verification case's fallback)
and ``FaceChecks`` (a face check bound to a purpose). Both give the provider the same
callback address, ``/verification/callbacks/{kind}``, and the same return page,
``/verification/result/{id}``. This module owns what they share, so the security checks
exist once:

* ``receive``: a callback counts only if its HMAC signature verifies with the secret of
  that kind's provider, its timestamp is within five minutes, it names an OPEN, unexpired
  session opened with that provider, and it is the first (the owner closes the session
  with a conditional UPDATE on OPEN, so a replay or duplicate changes nothing);
* ``open_session``: the session a sandbox provider page shows (open and unexpired only);
* ``find``: any session by id, for the return page that shows the outcome.

```mermaid
sequenceDiagram
    participant P as provider
    participant C as ProviderCallbacks
    participant O as owner (ChallengeService | FaceChecks)
    P->>C: POST /verification/callbacks/{kind} (signed)
    C->>C: signature, freshness, body
    C->>O: find_session(id), first owner that knows it
    C->>C: same kind and provider? open? not late?
    C->>O: complete(session, result) (conditional UPDATE ... WHERE state = open)
    P-->>P: browser sent to /verification/result/{id}
```

Session ids are random UUIDs in two tables; a callback costs at most two primary-key
look-ups to find its owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson

from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.flow import is_past
from identity_graph.core.signatures import verify
from identity_graph.verification.models import ChallengeKind, ChallengeState, FaceCheckPurpose
from identity_graph.verification.providers.base import (
    ChallengeProvider,
    FaceFailure,
    PersonClaim,
    UnitClaim,
)

CALLBACK_PATH = "/verification/callbacks"
RESULT_PATH = "/verification/result"
_RETURN_PATH_MAX = 300

MESSAGES = {
    "CALLBACK_REFUSED": ("回调无效", "Callback refused"),
    "FACE_REASON_NOT_IN_REGISTRY": (
        "人脸比对未通过：登记库中没有此人的照片",
        "The face could not be compared: there is no photo of this person on file",
    ),
    "FACE_REASON_LIVENESS_FAILED": ("活体检测未通过", "The liveness check did not pass"),
    "FACE_REASON_OTHER": ("人脸识别未通过", "The face check did not pass"),
}
_FAILURE_TEXTS = {
    FaceFailure.NOT_IN_REGISTRY.value: "FACE_REASON_NOT_IN_REGISTRY",
    FaceFailure.LIVENESS_FAILED.value: "FACE_REASON_LIVENESS_FAILED",
}


class CallbackRefused(DomainError):
    """A provider callback that is forged, late, replayed or for someone else."""

    def __init__(self, why: str) -> None:
        super().__init__("CALLBACK_REFUSED", why=why)
        self.why = why


@dataclass(frozen=True)
class ProviderResult:
    """A provider's signed verdict on one session."""

    session_id: uuid.UUID
    passed: bool
    reason: str | None
    reference: str | None


@dataclass(frozen=True)
class ProviderSession:
    """What the callback, the sandbox page and the return page need to know of a session.

    ``purpose`` is None for a verification case's fallback, else the face check's purpose.
    """

    id: uuid.UUID
    kind: ChallengeKind
    provider: str
    state: ChallengeState
    expires_at: datetime
    return_url: str | None
    failure_reason: str | None
    purpose: FaceCheckPurpose | None


class SessionOwner(Protocol):
    """A service that opens provider sessions and completes them from callbacks."""

    async def find_session(self, session_id: uuid.UUID) -> ProviderSession | None: ...

    async def session_claim(self, session_id: uuid.UUID) -> PersonClaim | UnitClaim: ...

    async def complete(
        self, session: ProviderSession, result: ProviderResult
    ) -> ChallengeState: ...


class ProviderCallbacks:
    def __init__(
        self,
        clock: Clock,
        providers: Mapping[ChallengeKind, ChallengeProvider],
        owners: Sequence[SessionOwner],
    ) -> None:
        self._clock = clock
        self.providers = dict(providers)
        self._owners = tuple(owners)

    async def receive(
        self, kind: ChallengeKind, body: bytes, headers: Mapping[str, str]
    ) -> ChallengeState:
        """Handle one provider callback (HTTP route and sandbox pages alike)."""
        provider = self.providers.get(kind)
        if provider is None:
            raise CallbackRefused("no provider")
        signed = verify(
            provider.secret,
            headers.get("x-idg-timestamp", ""),
            body,
            headers.get("x-idg-signature", ""),
            now=self._clock.now().timestamp(),
        )
        if not signed:
            raise CallbackRefused("bad signature")
        result = _parse(body)
        found = await self._lookup(result.session_id)
        if found is None:
            raise CallbackRefused("unknown session")
        owner, session = found
        if session.kind is not kind or session.provider != provider.name:
            raise CallbackRefused("unknown session")
        if is_past(session.expires_at, self._clock):
            raise CallbackRefused("late")
        return await owner.complete(session, result)

    async def open_session(
        self, session_id: uuid.UUID
    ) -> tuple[ProviderSession, PersonClaim | UnitClaim]:
        """An open, unexpired session and the claim it proves (for a sandbox page)."""
        found = await self._lookup(session_id)
        if found is None or found[1].state is not ChallengeState.OPEN:
            raise CallbackRefused("unknown session")
        owner, session = found
        if is_past(session.expires_at, self._clock):
            raise CallbackRefused("late")
        return session, await owner.session_claim(session_id)

    async def find(self, session_id: uuid.UUID) -> ProviderSession | None:
        """Any session, in whatever state (for the return page)."""
        found = await self._lookup(session_id)
        return found[1] if found else None

    def is_expired(self, session: ProviderSession) -> bool:
        return is_past(session.expires_at, self._clock)

    async def _lookup(self, session_id: uuid.UUID) -> tuple[SessionOwner, ProviderSession] | None:
        for owner in self._owners:
            session = await owner.find_session(session_id)
            if session is not None:
                return owner, session
        return None


def callback_url(public_url: str, kind: ChallengeKind) -> str:
    return f"{public_url.rstrip('/')}{CALLBACK_PATH}/{kind.value}"


def result_url(public_url: str, session_id: uuid.UUID) -> str:
    """Where the provider sends the browser back: the page that shows the outcome."""
    return f"{public_url.rstrip('/')}{RESULT_PATH}/{session_id}"


def failure_text_code(reason: str | None) -> str:
    """The message code for a provider's failure reason (unknown reasons: a plain fail)."""
    return _FAILURE_TEXTS.get(reason or "", "FACE_REASON_OTHER")


def clean_return_path(value: str | None, field: str = "returnUrl") -> str | None:
    """A path on this service: the return page links there, so an absolute address would
    make it an open redirect."""
    if value is None:
        return None
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or len(value) > _RETURN_PATH_MAX
    ):
        raise ValidationFailed.single(field, "RETURN_URL_INVALID")
    return value


def _parse(body: bytes) -> ProviderResult:
    try:
        data: Any = orjson.loads(body)
        session_id = uuid.UUID(str(data["challenge_id"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise CallbackRefused("malformed") from error
    if not isinstance(data, dict) or data.get("result") not in ("passed", "failed"):
        raise CallbackRefused("malformed")
    return ProviderResult(
        session_id,
        data["result"] == "passed",
        _short(data.get("reason"), 200),
        _short(data.get("reference"), 128),
    )


def _short(value: object, limit: int) -> str | None:
    text = str(value or "")[:limit]
    return text or None
