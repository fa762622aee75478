"""Periodic sweeps: housekeeping that must happen on time even if nobody asks, such as
expiring agent bindings whose validity ended (SPEC §2.3). Every rule a sweep enforces is
also enforced at read time; the sweep only brings the stored state in line, so a late or
missed sweep never grants anything. Sweeps are idempotent conditional UPDATEs, so several
workers running them at once is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from identity_graph.core.events import wait_set

log = logging.getLogger("identity_graph.sweeps")

Sweep = Callable[[], Awaitable[int]]


async def run_sweeps(sweeps: Mapping[str, Sweep], stop: asyncio.Event, every: float) -> None:
    """Run each sweep, then wait ``every`` seconds, until ``stop`` is set."""
    while not stop.is_set():
        for name, sweep in sweeps.items():
            try:
                changed = await sweep()
            except Exception:
                log.exception("sweep failed", extra={"sweep": name})
                continue
            if changed:
                log.info("sweep changed rows", extra={"sweep": name, "rows": changed})
        await wait_set(stop, every)
