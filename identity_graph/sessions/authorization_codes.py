"""Owns table ``oauth_authorization_codes`` (RFC 6749 §4.1, RFC 7636, OIDC Core §3.1).

```mermaid
stateDiagram-v2
    [*] --> issued: the signed-in user allowed the client (authorize endpoint)
    issued --> used: redeemed at the token endpoint (atomic claim: one winner)
    issued --> [*]: 60 seconds pass unused
```

A code is stored as a keyed hash and bound to the client, the redirect URI, the PKCE
challenge, the nonce and the login session it came from. Redeeming is one conditional
UPDATE, so of two concurrent redemptions exactly one gets the row; a code that fails any
later check stays used (RFC 6749 §4.1.2: a code is single-use, whatever happens).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise import fields
from tortoise.models import Model

from identity_graph.accounts.models import Account
from identity_graph.core.clock import Clock
from identity_graph.core.secrets import SecretHasher, new_token

_PURPOSE = "authorization-code"
CODE_TTL = timedelta(seconds=60)


class AuthorizationCode(Model):
    id = fields.BigIntField(primary_key=True)
    code_hmac = fields.CharField(max_length=64, unique=True)
    client_id = fields.CharField(max_length=64)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="authorization_codes", on_delete=fields.CASCADE
    )
    session_id = fields.UUIDField(null=True)
    redirect_uri = fields.CharField(max_length=500)
    scope = fields.CharField(max_length=200, default="")
    nonce = fields.CharField(max_length=200, null=True)
    code_challenge = fields.CharField(max_length=128, null=True)
    code_challenge_method = fields.CharField(max_length=8, null=True)
    auth_time = fields.DatetimeField()
    amr: Any = fields.JSONField(default=list)
    acr = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_authorization_codes"

    # authlib's AuthorizationCodeMixin and the CodeChallenge extension read these.
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce


@dataclass(frozen=True)
class CodeRequest:
    """What the authorize endpoint decided: who, for which client, with which bindings."""

    client_id: str
    account_id: uuid.UUID
    session_id: uuid.UUID | None
    redirect_uri: str
    scope: str
    acr: str
    amr: list[str]
    auth_time: Any
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None


class AuthorizationCodes:
    def __init__(self, clock: Clock, hasher: SecretHasher) -> None:
        self._clock = clock
        self._hasher = hasher

    async def issue(self, request: CodeRequest) -> str:
        code = new_token(32)
        now = self._clock.now()
        await AuthorizationCode.create(
            code_hmac=self._hasher.digest(_PURPOSE, code),
            client_id=request.client_id,
            account_id=request.account_id,
            session_id=request.session_id,
            redirect_uri=request.redirect_uri,
            scope=request.scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            auth_time=request.auth_time,
            amr=request.amr,
            acr=request.acr,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        return code

    async def claim(self, code: str, client_id: str) -> AuthorizationCode | None:
        """The code's row if this call is the first to redeem it, in time, for this client."""
        now = self._clock.now()
        digest = self._hasher.digest(_PURPOSE, code)
        claimed = await AuthorizationCode.filter(
            code_hmac=digest, client_id=client_id, used_at=None, expires_at__gt=now
        ).update(used_at=now)
        if not claimed:
            return None
        return await AuthorizationCode.get(code_hmac=digest).prefetch_related("account")
