"""Owns table ``oauth_pushed_requests``: authorization requests a client pushed to the
provider before sending the browser (RFC 9126, Pushed Authorization Requests).

```mermaid
stateDiagram-v2
    [*] --> pushed: the authenticated client POSTs its request (validated first)
    pushed --> used: the authorization endpoint answered the client (code or error)
    pushed --> [*]: the lifetime passes unused
```

The client gets ``urn:ietf:params:oauth:request_uri:<handle>``; only a keyed hash of the
handle is stored. While the person logs in and consents, the browser carries the
``request_uri`` (never the parameters, so nothing can be changed on the way), and the
request is used up when the authorization endpoint answers the client: one conditional
UPDATE, so a request URI yields at most one answer (RFC 9126 §4, "one-time use").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import fields
from tortoise.models import Model

from identity_graph.core.clock import Clock
from identity_graph.core.secrets import SecretHasher, new_token

URN_PREFIX = "urn:ietf:params:oauth:request_uri:"
_PURPOSE = "pushed-authorization-request"


class PushedRequest(Model):
    id = fields.BigIntField(primary_key=True)
    handle_hmac = fields.CharField(max_length=64, unique=True)
    client_id = fields.CharField(max_length=64)
    parameters: Any = fields.JSONField()
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_pushed_requests"


@dataclass(frozen=True)
class Pushed:
    request_uri: str
    expires_in: int


@dataclass(frozen=True)
class Pending:
    """A pushed request not yet answered: its parameters and when it was pushed (a
    ``prompt=login`` in it is satisfied by a login after that moment)."""

    parameters: list[tuple[str, str]]
    pushed_at: datetime


class PushedRequests:
    def __init__(self, clock: Clock, hasher: SecretHasher, ttl: timedelta) -> None:
        self._clock = clock
        self._hasher = hasher
        self._ttl = ttl

    async def push(self, client_id: str, parameters: list[tuple[str, str]]) -> Pushed:
        """Keep a validated request of ``client_id``; the handle is returned once."""
        handle = new_token(32)
        now = self._clock.now()
        await PushedRequest.create(
            handle_hmac=self._digest(handle),
            client_id=client_id,
            parameters=[[name, value] for name, value in parameters],
            created_at=now,
            expires_at=now + self._ttl,
        )
        return Pushed(URN_PREFIX + handle, int(self._ttl.total_seconds()))

    async def pending(self, request_uri: str, client_id: str) -> Pending | None:
        """The pushed request while it is unused and in time, for its client."""
        row = await self._live(request_uri, client_id)
        if row is None:
            return None
        return Pending([(str(name), str(value)) for name, value in row.parameters], row.created_at)

    async def use(self, request_uri: str, client_id: str) -> bool:
        """Use the request up; False when another answer already did, or it expired."""
        if not request_uri.startswith(URN_PREFIX):
            return False
        now = self._clock.now()
        used = await PushedRequest.filter(
            handle_hmac=self._digest(request_uri[len(URN_PREFIX) :]),
            client_id=client_id,
            used_at=None,
            expires_at__gt=now,
        ).update(used_at=now)
        return bool(used)

    async def _live(self, request_uri: str, client_id: str) -> PushedRequest | None:
        if not request_uri.startswith(URN_PREFIX):
            return None
        row = await PushedRequest.get_or_none(
            handle_hmac=self._digest(request_uri[len(URN_PREFIX) :]), client_id=client_id
        )
        if row is None or row.used_at is not None or row.expires_at <= self._clock.now():
            return None
        return row

    def _digest(self, handle: str) -> str:
        return self._hasher.digest(_PURPOSE, handle)
