"""Sandbox face check and electronic business licence (SPEC §4.4, §10), like a payment sandbox.

``start`` hands out the address of a sandbox page served by this process under
``/sandbox/...`` (``web/verification.py``). There a tester passes or fails the face session, or
types the unit's licence password as the licence app would (test licences are in the
registry file). The page then produces exactly what a real provider sends: a JSON result
signed with the provider secret, delivered to the same callback handler the HTTP route
uses, so the signature, binding and single-use checks run as in production.

A face check compares the live face with the registry's photo of the person the claim
names (``face_verdict``). The sandbox registry file stands for that photo archive: a person
it does not list under the claimed ID type and number, or lists under another name, has no
photo on file, so the session fails (reason ``not_in_registry``) whatever the tester
clicks. Only a listed person can pass, and only if the tester passes the liveness step.
"""

from __future__ import annotations

import uuid

import orjson

from identity_graph.core.clock import Clock
from identity_graph.core.signatures import sign
from identity_graph.verification.providers.base import (
    ChallengeRequest,
    ChallengeStart,
    FaceFailure,
    PersonClaim,
)
from identity_graph.verification.providers.registry_file import Registry, normalize_name


def has_photo(registry: Registry, claim: PersonClaim) -> bool:
    """Whether the registry holds a photo for the person the claim names."""
    person = registry.person(claim.id_type, claim.id_number)
    return person is not None and person.real_name == normalize_name(claim.real_name)


def face_verdict(
    registry: Registry, claim: PersonClaim, live_face_passed: bool
) -> tuple[bool, str | None]:
    """The face provider's answer: (passed, reason). No photo on file, no pass."""
    if not has_photo(registry, claim):
        return False, FaceFailure.NOT_IN_REGISTRY.value
    if not live_face_passed:
        return False, FaceFailure.LIVENESS_FAILED.value
    return True, None


class SandboxChallenges:
    """One sandbox provider; ``kind`` is ``face`` or ``licence`` (the page's path)."""

    def __init__(
        self, kind: str, public_url: str, secret: bytes, registry: Registry, clock: Clock
    ) -> None:
        self._clock = clock
        self.name = f"sandbox_{kind}"
        self.kind = kind
        self.secret = secret
        self.registry = registry
        self._base = public_url.rstrip("/")

    async def start(self, request: ChallengeRequest) -> ChallengeStart:
        reference = f"sbx-{uuid.uuid4().hex[:16]}"
        return ChallengeStart(f"{self._base}/sandbox/{self.kind}/{request.challenge_id}", reference)

    def signed_result(
        self, challenge_id: str, passed: bool, reason: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The callback a real provider would send: body and signature headers."""
        body = orjson.dumps(
            {
                "challenge_id": challenge_id,
                "result": "passed" if passed else "failed",
                "reason": reason,
                "reference": f"sbx-{uuid.uuid4().hex[:16]}",
            }
        )
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "X-IDG-Timestamp": timestamp,
            "X-IDG-Signature": sign(self.secret, timestamp, body),
        }
        return body, headers

    async def aclose(self) -> None:
        return None
