"""GraphQL types for the notification outbox (operators only)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from identity_graph.core.jobs import Job
from identity_graph.graphql.context import Info
from identity_graph.notifications.models import Channel as DomainChannel
from identity_graph.notifications.models import DeliveryStatus as DomainDeliveryStatus


@strawberry.enum(description="How a message travels.")
class Channel(Enum):
    SMS = strawberry.enum_value(DomainChannel.SMS.value, description="Text message to a phone.")
    EMAIL = strawberry.enum_value(DomainChannel.EMAIL.value, description="E-mail.")


@strawberry.enum(description="Where a message is on its way out.")
class DeliveryStatus(Enum):
    QUEUED = strawberry.enum_value(
        DomainDeliveryStatus.QUEUED.value, description="Written; the gateway has not taken it yet."
    )
    DELIVERED = strawberry.enum_value(
        DomainDeliveryStatus.DELIVERED.value, description="The gateway accepted it."
    )
    FAILED = strawberry.enum_value(
        DomainDeliveryStatus.FAILED.value, description="Retries ran out; it will not be sent."
    )


@strawberry.type(description="The delivery job behind a message (transactional outbox).")
class DeliveryJob:
    state: str = strawberry.field(description="`pending`, `running`, `done` or `dead`.")
    attempts: int = strawberry.field(description="Delivery attempts so far.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    next_attempt_at: datetime = strawberry.field(description="When it runs (again).")

    @classmethod
    def from_model(cls, job: Job) -> DeliveryJob:
        return cls(
            state=job.state.value,
            attempts=job.attempts,
            last_error=job.last_error,
            next_attempt_at=job.run_at,
        )


@strawberry.type(description="One SMS or e-mail the service sent, as recorded in the outbox.")
class OutboxMessage:
    id: strawberry.ID = strawberry.field(description="Message number.")
    channel: Channel = strawberry.field(description="SMS or e-mail.")
    template: str = strawberry.field(description="Template id, e.g. `sms_code`.")
    destination: str = strawberry.field(description="Phone number or e-mail address.")
    text: str = strawberry.field(description="The text exactly as sent.")
    status: DeliveryStatus = strawberry.field(description="Delivery status.")
    created_at: datetime = strawberry.field(description="When the message was written.")
    delivered_at: datetime | None = strawberry.field(description="When the gateway took it.")
    job_id: strawberry.Private[int | None]

    @strawberry.field(description="The delivery job (attempts, last error).")
    async def delivery(self, info: Info) -> DeliveryJob | None:
        if self.job_id is None:
            return None
        job = await info.context.loaders.job_by_id.load(self.job_id)
        return DeliveryJob.from_model(job) if job else None
