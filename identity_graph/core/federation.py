"""Who may use the federation fields of the subgraph, and how much of them (SPEC §9).

A gateway composes the schema from ``_service { sdl }`` and fetches entities with
``_entities(representations: …)``. Both are reachable by anyone who can reach
``/graphql``, so both are gated here; the GraphQL resolvers only ask.

``_service { sdl }``::

    request ──► introspection on? ──yes──► SDL
                     │ no
                     ├─► gateway secret header matches ──► SDL
                     ├─► operator made the SDL public ───► SDL
                     └─► otherwise ──► SDL_NOT_AVAILABLE (the schema stays private)

``_entities``::

    call ──► more than max representations? ──yes──► REPRESENTATIONS_TOO_MANY (nothing read)
                     │ no
                     ├─► gateway (secret) or signed-in caller ──► resolve
                     └─► anonymous ──► per-address limit ──ok──► resolve
                                               └─over──► RATE_LIMITED (retryAfter)
    resolve ──► each representation: one of our entity types? resolve it
                                     : REPRESENTATION_INVALID in its place

The secret is compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import hmac

from identity_graph.core.errors import DomainError
from identity_graph.core.i18n import Catalog
from identity_graph.core.ratelimit import RateLimiter, Rule

GATEWAY_HEADER = "x-gateway-secret"

MESSAGES: Catalog = {
    "SDL_NOT_AVAILABLE": (
        "子图架构仅对网关开放（内省已关闭）",
        "The subgraph schema is only available to the gateway (introspection is disabled)",
    ),
    "REPRESENTATIONS_TOO_MANY": (
        "一次最多查询 {max} 个实体表示",
        "At most {max} representations per call",
    ),
}


class FederationAccess:
    def __init__(
        self,
        limiter: RateLimiter,
        *,
        introspection: bool,
        public_sdl: bool,
        gateway_secret: str | None,
        max_representations: int,
        anonymous_calls_per_minute: int,
    ) -> None:
        self._limiter = limiter
        self._sdl_public = introspection or public_sdl
        self._secret = gateway_secret.encode() if gateway_secret else None
        self.max_representations = max_representations
        self._anonymous = Rule("entities_anonymous_ip", anonymous_calls_per_minute, 60)

    def is_gateway(self, header: str | None) -> bool:
        """The request carries the configured gateway secret."""
        if self._secret is None or not header:
            return False
        return hmac.compare_digest(header.encode(), self._secret)

    def check_sdl(self, header: str | None) -> None:
        if not (self._sdl_public or self.is_gateway(header)):
            raise DomainError("SDL_NOT_AVAILABLE")

    async def admit_entities(
        self, count: int, *, header: str | None, signed_in: bool, client_ip: str
    ) -> None:
        """Raise unless this caller may resolve ``count`` representations now."""
        if count > self.max_representations:
            raise DomainError("REPRESENTATIONS_TOO_MANY", max=self.max_representations)
        if signed_in or self.is_gateway(header):
            return
        await self._limiter.enforce(self._anonymous, client_ip)
