"""The outbox notifier: writes each message and its delivery job in one transaction.

```mermaid
stateDiagram-v2
    [*] --> queued: send() (same transaction as the change that caused it)
    queued --> delivered: job ran, gateway accepted
    queued --> queued: gateway unavailable, job retries with backoff
    queued --> failed: job dead-lettered
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from identity_graph.core import keyset
from identity_graph.core.clock import Clock
from identity_graph.core.crypto import BlindIndex, FieldCipher
from identity_graph.core.i18n import Locale
from identity_graph.core.jobs import JobQueue
from identity_graph.core.keyset import Window
from identity_graph.notifications.base import Gateway, OutgoingMessage
from identity_graph.notifications.models import Channel, DeliveryStatus, NotificationMessage
from identity_graph.notifications.templates import render

DELIVER_JOB = "notifications.deliver"


@dataclass(frozen=True)
class MessageView:
    """A decrypted message for operators (CLI, admin GraphQL)."""

    id: int
    channel: Channel
    template: str
    destination: str
    text: str
    status: DeliveryStatus
    job_id: int | None
    created_at: Any
    delivered_at: Any


class OutboxNotifier:
    def __init__(
        self,
        clock: Clock,
        jobs: JobQueue,
        gateway: Gateway,
        cipher: FieldCipher,
        blind_index: BlindIndex,
    ) -> None:
        self._clock = clock
        self._jobs = jobs
        self._gateway = gateway
        self._cipher = cipher
        self._index = blind_index

    async def send(
        self,
        channel: Channel,
        template: str,
        destination: str,
        params: Mapping[str, Any],
        locale: Locale,
    ) -> NotificationMessage:
        text = render(template, locale, params)
        message = await NotificationMessage.create(
            channel=channel,
            template=template,
            locale=locale,
            destination_enc=self._cipher.encrypt(destination, "notification.destination"),
            destination_index=self._index(channel.value, destination),
            body_enc=self._cipher.encrypt(text, "notification.body"),
            created_at=self._clock.now(),
        )
        job = await self._jobs.enqueue(DELIVER_JOB, {"message_id": message.id})
        message.job_id = job.id
        await message.save(update_fields=["job_id"])
        return message

    async def deliver(self, payload: Mapping[str, Any]) -> None:
        """Job handler: hand one queued message to the gateway."""
        message = await NotificationMessage.get_or_none(id=payload["message_id"])
        if message is None or message.status == DeliveryStatus.DELIVERED:
            return
        outgoing = self._view(message)
        # GatewayUnavailable propagates: the job fails and retries with backoff.
        reference = await self._gateway.deliver(
            OutgoingMessage(
                message.id, message.channel, message.template, outgoing.destination, outgoing.text
            )
        )
        await NotificationMessage.filter(id=message.id).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=self._clock.now(),
            gateway_reference=reference,
        )

    async def mark_failed(self, payload: Mapping[str, Any]) -> None:
        """Dead-letter hook: the message will not be delivered."""
        await NotificationMessage.filter(id=payload["message_id"]).update(
            status=DeliveryStatus.FAILED
        )

    async def list_messages(
        self,
        *,
        destination: str | None = None,
        channel: Channel = Channel.SMS,
        limit: int = 20,
        before_id: int | None = None,
        window: Window | None = None,
    ) -> list[MessageView]:
        """Newest first; ``destination`` filters through the blind index. ``limit`` rows
        past ``before_id``, or the rows of ``window`` (forwards or backwards)."""
        query = NotificationMessage.all()
        if destination:
            query = query.filter(destination_index=self._index(channel.value, destination))
        rows = await keyset.read(query, window or keyset.forward(limit, before_id), descending=True)
        return [self._view(row) for row in rows]

    def _view(self, row: NotificationMessage) -> MessageView:
        return MessageView(
            id=row.id,
            channel=row.channel,
            template=row.template,
            destination=self._cipher.decrypt(row.destination_enc, "notification.destination"),
            text=self._cipher.decrypt(row.body_enc, "notification.body"),
            status=row.status,
            job_id=row.job_id,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
        )
