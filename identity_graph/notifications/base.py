"""The contracts: ``Notifier`` (what domains call) and ``Gateway`` (how a message leaves)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from identity_graph.core.i18n import Locale
from identity_graph.notifications.models import Channel, NotificationMessage


@dataclass(frozen=True)
class OutgoingMessage:
    """A decrypted message on its way to a gateway."""

    id: int
    channel: Channel
    template: str
    destination: str
    text: str


class GatewayUnavailable(Exception):
    """The gateway could not take the message now; the job retries with backoff."""


class Gateway(Protocol):
    name: str

    async def deliver(self, message: OutgoingMessage) -> str:
        """Hand over one message; return the gateway's reference for it."""
        ...


class Notifier(Protocol):
    async def send(
        self,
        channel: Channel,
        template: str,
        destination: str,
        params: Mapping[str, Any],
        locale: Locale,
    ) -> NotificationMessage:
        """Record a message and queue its delivery in the caller's transaction."""
        ...
