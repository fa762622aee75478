"""Signing keys for access and ID tokens (SPEC §10 "generated at first start, stored
encrypted, rotated by CLI"). Owns table ``signing_keys``.

```mermaid
stateDiagram-v2
    [*] --> active: first start / rotate-keys
    active --> retired: rotate-keys (stops signing, still published in the JWKS)
    retired --> [*]: publish window over (tokens it signed have all expired)
```

Private keys are AES-GCM encrypted with the field cipher; only public JWKs are stored in
clear. Each process caches the key set for ``cache_seconds`` (the backstop); a rotation
publishes a change notice (``core/change_feed.py``) so every worker and node reloads at
once. Verification keeps working meanwhile because retired keys stay published.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from joserfc.jwk import ECKey, KeyParameters, KeySet, RSAKey
from tortoise import fields
from tortoise.models import Model

from identity_graph.core.change_feed import ChangeFeed
from identity_graph.core.clock import Clock
from identity_graph.core.crypto import FieldCipher

_CONTEXT = "signing_key"
TOPIC = "signing_keys"


class Algorithm(StrEnum):
    ES256 = "ES256"
    RS256 = "RS256"


class SigningKey(Model):
    kid = fields.CharField(max_length=40, primary_key=True)
    alg = fields.CharField(max_length=8)
    private_jwk_enc = fields.TextField()
    public_jwk: Any = fields.JSONField()
    created_at = fields.DatetimeField()
    retired_at = fields.DatetimeField(null=True)
    unpublish_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signing_keys"


def _generate(alg: Algorithm, kid: str) -> ECKey | RSAKey:
    parameters: KeyParameters = {"kid": kid, "use": "sig", "alg": alg.value}
    if alg is Algorithm.ES256:
        return ECKey.generate_key("P-256", parameters=parameters)
    return RSAKey.generate_key(2048, parameters=parameters)


class SigningKeys:
    def __init__(
        self,
        clock: Clock,
        cipher: FieldCipher,
        *,
        publish_window: timedelta,
        cache_seconds: float = 60.0,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._clock = clock
        self._cipher = cipher
        self._window = publish_window
        self._cache_for = timedelta(seconds=cache_seconds)
        self._cached_at: datetime | None = None
        self._signing: dict[str, ECKey | RSAKey] = {}
        self._public: list[dict[str, Any]] = []
        self._key_set = KeySet([])
        self._changes = changes
        if changes is not None:
            changes.subscribe(TOPIC, self._forget)

    def _forget(self, key: str) -> None:
        self._cached_at = None

    async def _changed(self) -> None:
        self._cached_at = None
        if self._changes is not None:
            await self._changes.publish(TOPIC)

    async def ensure(self) -> None:
        """Create an active key for every algorithm that has none (first start)."""
        for alg in Algorithm:
            if not await SigningKey.filter(alg=alg.value, retired_at=None).exists():
                await self._create(alg)
                await self._changed()
        self._cached_at = None

    async def rotate(self, alg: Algorithm) -> str:
        """Retire the active key of ``alg`` and start signing with a new one."""
        now = self._clock.now()
        await SigningKey.filter(alg=alg.value, retired_at=None).update(
            retired_at=now, unpublish_at=now + self._window
        )
        kid = await self._create(alg)
        await self._changed()
        return kid

    async def _create(self, alg: Algorithm) -> str:
        kid = f"{alg.value.lower()}-{uuid.uuid4().hex[:16]}"
        key = _generate(alg, kid)
        await SigningKey.create(
            kid=kid,
            alg=alg.value,
            created_at=self._clock.now(),
            private_jwk_enc=self._cipher.encrypt(
                orjson.dumps(key.as_dict(private=True)).decode(), _CONTEXT
            ),
            public_jwk=key.as_dict(private=False),
        )
        return kid

    async def signing_key(self, alg: Algorithm = Algorithm.ES256) -> ECKey | RSAKey:
        await self._refresh()
        if alg.value not in self._signing:
            await self.ensure()
            await self._refresh()
        return self._signing[alg.value]

    async def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set: active and recently retired keys."""
        await self._refresh()
        if not self._public:  # asked before the first key was made
            await self.ensure()
            await self._refresh()
        return {"keys": list(self._public)}

    async def verification_keys(self) -> KeySet:
        """Published public keys, parsed once per refresh: every request verifies with them."""
        await self._refresh()
        return self._key_set

    async def _refresh(self) -> None:
        if self._changes is not None:
            self._changes.listen()
        now = self._clock.now()
        if self._cached_at is not None and now - self._cached_at < self._cache_for:
            return
        rows = await SigningKey.all().order_by("created_at")
        published = [row for row in rows if row.unpublish_at is None or row.unpublish_at > now]
        self._public = [dict(row.public_jwk) for row in published]
        self._key_set = (
            KeySet.import_key_set({"keys": list(self._public)}) if self._public else KeySet([])
        )
        self._signing = {}
        for row in published:
            if row.retired_at is None:
                private = orjson.loads(self._cipher.decrypt(row.private_jwk_enc, _CONTEXT))
                key_class = ECKey if row.alg == Algorithm.ES256.value else RSAKey
                self._signing[row.alg] = key_class.import_key(private)
        self._cached_at = now
