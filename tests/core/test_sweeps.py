"""Periodic sweeps run every sweep each round, survive a failing one and stop on request."""

from __future__ import annotations

import asyncio

from identity_graph.core.sweeps import run_sweeps


async def test_sweeps_run_until_stopped_and_survive_failures() -> None:
    stop = asyncio.Event()
    calls: list[str] = []

    async def broken() -> int:
        calls.append("broken")
        raise RuntimeError("database hiccup")

    async def counting() -> int:
        calls.append("counting")
        if calls.count("counting") == 3:
            stop.set()
        return 1

    await asyncio.wait_for(
        run_sweeps({"broken": broken, "counting": counting}, stop, every=0.001), timeout=5
    )
    assert calls == ["broken", "counting"] * 3
