"""Face check and electronic business licence over HTTP: a provider gateway (SPEC §4.4, §10).

The wire protocol, which ``challenge_server`` serves for tests and as a stand-alone sandbox:

* ``POST {base_url}/v1/sessions`` opens a face session or a licence challenge. The signed
  body is ``{"challenge_id", "kind": "face" | "licence", "callback_url", "return_url",
  "subject"}``, where ``subject`` is the claim in the registry protocol's fields
  (``http.person_body`` / ``http.unit_body``); ``Idempotency-Key`` is the challenge id, so
  a retried request opens one session.
* The signed answer is ``{"challenge_id", "url", "reference"}``: ``url`` is the provider's
  page for the face check, or the payload of the QR code the licence app scans.
* The result arrives later as a signed callback to ``callback_url`` (``challenges.py``).

An answer counts only if it is signed, names this challenge and gives an absolute http(s)
``url``; otherwise the holder is told the provider is unavailable and may try again, and
nothing is recorded (the challenge row is written only after the provider has answered).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import httpx

from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError
from identity_graph.verification.providers.base import (
    ChallengeRequest,
    ChallengeStart,
    PersonClaim,
)
from identity_graph.verification.providers.http import person_body, unit_body
from identity_graph.verification.providers.signed_http import SignedExchange, Unanswered

SESSIONS_PATH = "/v1/sessions"
KINDS = ("face", "licence")
_URL_MAX = 2048
_REFERENCE_MAX = 128

log = logging.getLogger(__name__)


class ProviderUnavailable(DomainError):
    """The face or licence provider did not open a session: try again later."""

    def __init__(self) -> None:
        super().__init__("CHALLENGE_PROVIDER_UNAVAILABLE")


class HttpChallenges:
    """``ChallengeProvider`` for one ``kind`` (face or licence) behind a provider gateway."""

    def __init__(
        self,
        kind: str,
        base_url: str,
        secret: bytes,
        clock: Clock,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff_seconds: float = 0.2,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown challenge kind {kind!r}")
        self.kind = kind
        self.name = f"http_{kind}"
        self.secret = secret
        self._exchange = SignedExchange(
            base_url,
            secret,
            timeout=timeout,
            attempts=attempts,
            backoff_seconds=backoff_seconds,
            client=client,
            label=f"{kind} provider",
            now=lambda: clock.now().timestamp(),
        )

    async def start(self, request: ChallengeRequest) -> ChallengeStart:
        subject = request.subject
        fields: dict[str, Any] = {
            "challenge_id": request.challenge_id,
            "kind": self.kind,
            "callback_url": request.callback_url,
            "return_url": request.return_url,
            "subject": person_body(subject)
            if isinstance(subject, PersonClaim)
            else unit_body(subject),
        }
        try:
            data = await self._exchange.post(SESSIONS_PATH, fields, request.challenge_id)
        except Unanswered as why:
            raise ProviderUnavailable() from why
        url, reference = data.get("url"), data.get("reference")
        if (
            data.get("challenge_id") != request.challenge_id
            or not _absolute(url)
            or not isinstance(reference, str)
            or not 0 < len(reference) <= _REFERENCE_MAX
        ):
            log.warning("%s: unusable answer to challenge %s", self.name, request.challenge_id)
            raise ProviderUnavailable()
        assert isinstance(url, str)
        return ChallengeStart(url, reference)

    async def aclose(self) -> None:
        await self._exchange.aclose()


def _absolute(url: object) -> bool:
    if not isinstance(url, str) or len(url) > _URL_MAX:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.netloc)
