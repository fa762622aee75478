"""Password hashing: Argon2id at pinned OWASP parameters, run off the event loop.

Hashing costs tens of milliseconds of CPU by design; running it in a worker thread keeps
the event loop serving other requests while it runs (argon2-cffi releases the GIL).

At most ``concurrency`` hashes run at once per process. Argon2id is memory-hard: sixteen
concurrent 19 MiB hashes on two cores thrash the CPU caches and finish later, all of them,
than the same hashes queued two at a time. The right number is the cores this process may
use (cores divided by workers); the queue in front of it is cheap.
"""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from identity_graph.accounts import legacy_hashes


class PasswordHasher:
    def __init__(
        self, *, time_cost: int, memory_kib: int, parallelism: int, concurrency: int = 1
    ) -> None:
        self._slots = anyio.CapacityLimiter(max(1, concurrency))
        self._argon2 = Argon2Hasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._slots)

    async def verify(self, stored: str, password: str) -> bool:
        """Check ``password`` against an Argon2 hash, or a legacy one not yet upgraded."""
        if legacy_hashes.is_legacy(stored):
            return await legacy_hashes.check_off_loop(stored, password, self._slots)
        return await anyio.to_thread.run_sync(self._verify, stored, password, limiter=self._slots)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other parameters or is a legacy hash (upgrade
        at next login)."""
        if legacy_hashes.is_legacy(stored):
            return True
        return self._argon2.check_needs_rehash(stored)
