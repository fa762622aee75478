"""GraphQL types for the notification outbox (operators only)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from identity_graph.core.jobs import Job
from identity_graph.graphql.context import Info
from identity_graph.notifications.models import Channel as DomainChannel
from identity_graph.notifications.models import DeliveryStatus as DomainDeliveryStatus

Channel = strawberry.enum(DomainChannel, description="How a message travels: `sms` or `email`.")
DeliveryStatus = strawberry.enum(
    DomainDeliveryStatus,
    description="`queued` until the gateway took it, then `delivered`; `failed` when retries ran out.",
)


@strawberry.type(description="The delivery job behind a message (transactional outbox).")
class DeliveryJob:
    state: str = strawberry.field(description="`pending`, `running`, `done` or `dead`.")
    attempts: int = strawberry.field(description="Delivery attempts so far.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    next_attempt_at: datetime = strawberry.field(description="When it runs (again).")

    @classmethod
    def from_model(cls, job: Job) -> DeliveryJob:
        return cls(state=job.state.value, attempts=job.attempts, last_error=job.last_error,
                   next_attempt_at=job.run_at)


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
