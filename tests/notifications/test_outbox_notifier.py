"""The outbox notifier: a message and its delivery job are written with the change, the
worker hands it to the gateway, an unavailable gateway is retried with backoff, and a
message whose retries run out is marked failed."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from identity_graph.core.jobs import Job, JobState
from identity_graph.notifications.base import GatewayUnavailable, OutgoingMessage
from identity_graph.notifications.models import Channel, DeliveryStatus, NotificationMessage


class ScriptedGateway:
    """Fails ``failures`` times, then accepts; records what it was given."""

    name = "scripted"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[OutgoingMessage] = []

    async def deliver(self, message: OutgoingMessage) -> str:
        if self.failures:
            self.failures -= 1
            raise GatewayUnavailable("HTTP 503")
        self.delivered.append(message)
        return "gw-42"


async def send(container, phone: str = "13812345678") -> NotificationMessage:
    async with in_transaction():
        return await container.notifier.send(
            Channel.SMS,
            "sms_code",
            phone,
            {"code": "123456", "minutes": 5, "purpose": "login"},
            "en",
        )


async def test_rolled_back_change_sends_nothing(container):
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await container.notifier.send(
                Channel.SMS,
                "sms_code",
                "13812345678",
                {"code": "1", "minutes": 5, "purpose": "login"},
                "zh-CN",
            )
            raise RuntimeError("registration failed")
    assert await NotificationMessage.all().count() == 0
    assert await Job.all().count() == 0


async def test_retry_then_deliver(container, clock, monkeypatch):
    gateway = ScriptedGateway(failures=1)
    monkeypatch.setattr(container.notifier, "_gateway", gateway)
    message = await send(container)
    worker = container.job_worker()
    await worker.run_once()
    assert (await NotificationMessage.get(id=message.id)).status is DeliveryStatus.QUEUED
    clock.advance(seconds=container.settings.jobs_backoff_base_seconds + 1)
    await worker.run_once()
    stored = await NotificationMessage.get(id=message.id)
    assert stored.status is DeliveryStatus.DELIVERED
    assert stored.gateway_reference == "gw-42"
    assert gateway.delivered[0].destination == "13812345678"
    assert "123456" in gateway.delivered[0].text
    assert (await Job.get(id=message.job_id)).attempts == 2


async def test_dead_letter_marks_the_message_failed(container, clock, monkeypatch):
    monkeypatch.setattr(container.notifier, "_gateway", ScriptedGateway(failures=100))
    message = await send(container)
    worker = container.job_worker()
    for _ in range(container.settings.jobs_max_attempts):
        await worker.run_once()
        clock.advance(seconds=container.settings.jobs_backoff_max_seconds + 1)
    assert (await Job.get(id=message.job_id)).state is JobState.DEAD
    assert (await NotificationMessage.get(id=message.id)).status is DeliveryStatus.FAILED


async def test_delivery_is_idempotent(container, monkeypatch):
    gateway = ScriptedGateway(failures=0)
    monkeypatch.setattr(container.notifier, "_gateway", gateway)
    message = await send(container)
    await container.notifier.deliver({"message_id": message.id})
    await container.notifier.deliver({"message_id": message.id})
    assert len(gateway.delivered) == 1
