"""The services catalogue (事项, SPEC §2.4): which partner client provides which service.

Operators register services with admin mutations and the CLI; enterprises grant them to
their agents; partners ask whether an agent may handle one. A code is unique across the
catalogue and never reused: a retired service keeps its row, because grants refer to it.

Every partner check reads a service by its code, so ``by_code_cached`` answers from process
memory (``core/change_feed.py``): registering, renaming or retiring a service announces its
code, which drops it here at once and in every other worker and node when the notice
arrives; the TTL is the backstop for a lost notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from identity_graph.clients.models import OAuthClient, ServiceItem
from identity_graph.core import keyset
from identity_graph.core.audit import AuditContext, AuditLog
from identity_graph.core.change_feed import Cache, ChangeFeed
from identity_graph.core.clock import Clock
from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.core.keyset import Window
from identity_graph.core.rows import fetch_by_column
from identity_graph.core.validators import Checks, clean_text

TOPIC = "service_item"  # change notices, keyed by the service code

# Government service codes are digits (e.g. 000106004000); partners may add letters.
_CODE = re.compile(r"[0-9A-Z][0-9A-Z_-]{3,31}")

MESSAGES = {
    "SERVICE_CODE_INVALID": (
        "事项编码须为 4 到 32 位数字、大写字母、下划线或连字符",
        "A service code is 4 to 32 digits, capital letters, underscores or hyphens",
    ),
    "SERVICE_CODE_TAKEN": ("该事项编码已被使用", "This service code is already in use"),
    "SERVICE_NOT_FOUND": ("事项不存在", "No such service"),
    "SERVICE_RETIRED": ("该事项已停用", "This service has been retired"),
}


def normalize_code(value: str, field: str = "code") -> str:
    code = clean_text(value, field, max_length=32).upper()
    if not _CODE.fullmatch(code):
        raise ValidationFailed.single(field, "SERVICE_CODE_INVALID")
    return code


class ServiceCatalogue:
    def __init__(
        self,
        clock: Clock,
        audit: AuditLog,
        changes: ChangeFeed | None = None,
        cache_seconds: float = 0.0,
    ) -> None:
        self._clock = clock
        self._audit = audit
        self._changes = changes
        self._cache: Cache[ServiceItem | None] | None = (
            Cache(changes, TOPIC, cache_seconds) if changes is not None else None
        )

    async def _changed(self, code: str) -> None:
        if self._changes is not None:
            await self._changes.publish(TOPIC, code)

    async def by_code_cached(self, code: str) -> ServiceItem | None:
        """The service ``code`` names (retired or not), or None: from memory when it can."""
        if self._cache is None:
            return await fetch_by_column(ServiceItem, "code", code)
        hit, item = self._cache.get(code)
        if not hit:
            item = await fetch_by_column(ServiceItem, "code", code)
            self._cache.put(code, item)
        return item

    async def register(
        self, client_id: str, code: str, name: str, context: AuditContext
    ) -> ServiceItem:
        checks = Checks()
        clean_code = checks.run(normalize_code, code)
        clean_name = checks.run(clean_text, name, "name", max_length=100)
        checks.raise_if_any()
        assert clean_code is not None and clean_name is not None
        client = await OAuthClient.get_or_none(client_id=client_id, disabled_at=None)
        if client is None:
            raise DomainError("CLIENT_NOT_FOUND", "clientId")
        if await ServiceItem.filter(code=clean_code).exists():
            raise DomainError("SERVICE_CODE_TAKEN", "code")
        now = self._clock.now()
        item = await ServiceItem.create(
            code=clean_code, name=clean_name, client=client, created_at=now, updated_at=now
        )
        await self._changed(clean_code)
        await self._audit.record(
            "service.registered",
            context,
            subject_type="service",
            subject_id=clean_code,
            details={"client_id": client.client_id},
        )
        return item

    async def rename(self, code: str, name: str, context: AuditContext) -> ServiceItem:
        item = await self.by_code(code)
        item.name = clean_text(name, "name", max_length=100)
        item.updated_at = self._clock.now()
        await item.save(update_fields=["name", "updated_at"])
        await self._changed(item.code)
        await self._audit.record(
            "service.renamed", context, subject_type="service", subject_id=item.code
        )
        return item

    async def retire(self, code: str, context: AuditContext) -> ServiceItem:
        """No new grants or permissions for the service; existing grants stop counting."""
        item = await self.by_code(code)
        if item.retired_at is None:
            item.retired_at = item.updated_at = self._clock.now()
            await item.save(update_fields=["retired_at", "updated_at"])
            await self._changed(item.code)
            await self._audit.record(
                "service.retired", context, subject_type="service", subject_id=item.code
            )
        return item

    async def by_code(self, code: str, field: str = "code") -> ServiceItem:
        item = await ServiceItem.get_or_none(code=normalize_code(code, field))
        if item is None:
            raise DomainError("SERVICE_NOT_FOUND", field)
        return item

    async def grantable(self, codes: Iterable[str], field: str) -> list[ServiceItem]:
        """The live services ``codes`` name, in order; every unknown or retired one is an
        error naming ``field`` (the whole list is refused, nothing is granted)."""
        wanted = [normalize_code(code, field) for code in codes]
        if not wanted:
            raise ValidationFailed.single(field, "REQUIRED")
        found = {item.code: item for item in await ServiceItem.filter(code__in=wanted)}
        for code in wanted:
            item = found.get(code)
            if item is None:
                raise DomainError("SERVICE_NOT_FOUND", field)
            if item.retired_at is not None:
                raise DomainError("SERVICE_RETIRED", field)
        return [found[code] for code in dict.fromkeys(wanted)]

    async def listing(
        self,
        *,
        client_id: str | None,
        limit: int = 20,
        after_id: int | None = None,
        window: Window | None = None,
    ) -> list[ServiceItem]:
        """Oldest first: ``limit`` rows past ``after_id``, or the rows of ``window``."""
        query = ServiceItem.all().prefetch_related("client")
        if client_id is not None:
            query = query.filter(client__client_id=client_id)
        return await keyset.read(query, window or keyset.forward(limit, after_id))

    async def get_many(self, ids: list[int]) -> dict[int, ServiceItem]:
        rows = await ServiceItem.filter(id__in=ids).prefetch_related("client")
        return {row.id: row for row in rows}
