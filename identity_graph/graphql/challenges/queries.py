"""Captcha query: every call issues a fresh single-use captcha."""

from __future__ import annotations

import strawberry

from identity_graph.graphql.challenges.types import Captcha
from identity_graph.graphql.context import Info


@strawberry.type
class ChallengeQueries:
    @strawberry.field(
        description="A fresh image captcha (single use, expires in minutes). Rate-limited per IP."
    )
    async def captcha(self, info: Info) -> Captcha:
        issued = await info.context.services.captcha.issue(info.context.client_ip)
        return Captcha(
            id=strawberry.ID(str(issued.id)),
            image_data_url=issued.image_data_url,
            expires_at=issued.expires_at,
        )
