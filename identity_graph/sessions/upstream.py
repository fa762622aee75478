"""Owns table ``upstream_links``: which upstream subject (the national platform's account)
is which local account (SPEC §3 "log in with the national platform account").

A link is made on first use, either because the upstream vouches for an ID number that a
local resident holds (blind-index match, only when the upstream says the identity is
verified), or because the person logs in locally once while the upstream login is pending.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from identity_graph.accounts.models import Account, NaturalPerson
from identity_graph.accounts.vault import PersonalData
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.clock import Clock


class UpstreamLink(Model):
    id = fields.BigIntField(primary_key=True)
    issuer = fields.CharField(max_length=200)
    subject = fields.CharField(max_length=200)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="upstream_links", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "upstream_links"
        unique_together = (("issuer", "subject"),)


class UpstreamLinks:
    def __init__(self, clock: Clock, vault: PersonalData, audit: AuditLog) -> None:
        self._clock = clock
        self._vault = vault
        self._audit = audit

    async def account_for(self, issuer: str, subject: str) -> Account | None:
        link = await UpstreamLink.get_or_none(issuer=issuer, subject=subject).prefetch_related(
            "account"
        )
        return link.account if link is not None else None

    async def match_id_number(self, id_number: str) -> Account | None:
        """The resident holding ``id_number`` (exact, through the blind index)."""
        person = await NaturalPerson.get_or_none(
            id_number_index=self._vault.index_id_number(id_number)
        ).prefetch_related("account")
        return person.account if person is not None else None

    async def link(
        self, issuer: str, subject: str, account_id: uuid.UUID, how: str, context: AuditContext
    ) -> bool:
        try:
            await UpstreamLink.create(
                issuer=issuer, subject=subject, account_id=account_id, created_at=self._clock.now()
            )
        except IntegrityError:
            return False
        await self._audit.record(
            "upstream.linked",
            context,
            subject_type="account",
            subject_id=str(account_id),
            details={"issuer": issuer, "how": how},
        )
        return True
