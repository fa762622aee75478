"""Owns table ``oauth_consents``: which scopes a person allowed a partner system (SPEC §7).

A consent covers a request when it includes every scope asked for; allowing more scopes
later widens the stored set. Revoking removes it and the client's refresh tokens for that
person (``oauth_refresh_tokens``, this domain's table too), and the next authorization asks
again.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from identity_graph.accounts.models import Account
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock
from identity_graph.sessions.oauth_refresh import OAuthRefreshToken

MESSAGES = {
    "CONSENT_NOT_FOUND": ("没有对该系统的授权", "You have not allowed this system"),
}


class Consent(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="consents", on_delete=fields.CASCADE
    )
    client_id = fields.CharField(max_length=64)
    scopes: Any = fields.JSONField(default=list)
    granted_at = fields.DatetimeField()

    class Meta:
        table = "oauth_consents"
        unique_together = (("account_id", "client_id"),)


class Consents:
    def __init__(self, clock: Clock, audit: AuditLog) -> None:
        self._clock = clock
        self._audit = audit

    async def covers(self, account_id: uuid.UUID, client_id: str, scopes: set[str]) -> bool:
        consent = await Consent.get_or_none(account_id=account_id, client_id=client_id)
        return consent is not None and scopes <= set(consent.scopes)

    async def of(self, account_id: uuid.UUID) -> list[Consent]:
        return await Consent.filter(account_id=account_id).order_by("-granted_at")

    async def revoke(self, account_id: uuid.UUID, client_id: str, context: AuditContext) -> bool:
        """Withdraw a consent: the client's refresh tokens for this person stop working too,
        and its next authorization asks again."""
        async with in_transaction():
            removed = await Consent.filter(account_id=account_id, client_id=client_id).delete()
            if not removed:
                return False
            await OAuthRefreshToken.filter(
                account_id=account_id, client_id=client_id, revoked_at=None
            ).update(revoked_at=self._clock.now())
            await self._audit.record(
                "consent.revoked", context, subject_type="client", subject_id=client_id
            )
        return True

    async def remember(
        self, account_id: uuid.UUID, client_id: str, scopes: set[str], context: AuditContext
    ) -> None:
        consent = await Consent.get_or_none(account_id=account_id, client_id=client_id)
        now = self._clock.now()
        if consent is None:
            await Consent.create(
                account_id=account_id, client_id=client_id, scopes=sorted(scopes), granted_at=now
            )
        else:
            merged = sorted(set(consent.scopes) | scopes)
            await Consent.filter(id=consent.id).update(scopes=merged, granted_at=now)
        await self._audit.record(
            "consent.granted",
            context,
            subject_type="client",
            subject_id=client_id,
            details={"scopes": sorted(scopes)},
        )
