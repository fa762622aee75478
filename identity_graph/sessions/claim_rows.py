"""The rows UserInfo answers from, in process memory (issue 16): per login session its
state (expiry, the unit it acts for), its account and the account's person or unit row,
exactly as ``sessions/subject.py`` reads them in one query.

PostgreSQL only. Every writer of those rows is covered without its cooperation: row
triggers (migration 0026) on ``accounts``, ``natural_persons``, ``enterprises`` and
``login_sessions`` send a change notice at commit (``core/change_feed.py``; with Redis as
the bus the feed listens to the database too, ``core/postgres_bus.py``), so a logout, a
disabled account or a changed name made by this app, another node, a script or psql drops
the entry in every process within the notice's delivery (milliseconds). The process that
ends a session drops it at once (``TokenService`` publishes ``login_session``). A lost notice
is covered by a reconnect's resync (everything dropped) and by the change feed's TTL, the
backstop; after a notice the key is held (read from the database, not kept) for the settle
window, so a read that raced the commit cannot keep the old rows. Updates of
``accounts.last_login_at`` alone send nothing: logins stay cheap and the claims do not
name it.

Off on SQLite (one process; no triggers) and with a TTL of 0: every request reads.
Bounded (``LIMIT`` entries, the oldest evicted first). The personal data stays as the
database holds it (ciphertext); UserInfo decrypts per request, as before; nothing is logged.

```mermaid
stateDiagram-v2
    [*] --> missing
    missing --> cached: UserInfo reads session + account + person/unit (TTL starts)
    cached --> missing: TTL over, or evicted (bound)
    cached --> held: trigger notice (session, account, person or unit row), logout here
    missing --> held: trigger notice
    held --> held: read (from the database, not kept)
    held --> missing: settle window over
    cached --> [*]: resync (reconnect, TRUNCATE): every entry dropped and held
```
"""

from __future__ import annotations

import time
from collections import OrderedDict

from identity_graph.core.change_feed import ALL, SETTLE_SECONDS, ChangeFeed
from identity_graph.sessions.subject import SessionSubject
from identity_graph.sessions.tokens import (
    ACCOUNT_ROWS_TOPIC,
    ACCOUNT_SESSIONS_TOPIC,
    SESSION_TOPIC,
)

LIMIT = 20_000


class ClaimRowsCache:
    """``SessionSubject`` (or None: no such live session) by session id, dropped by the
    notices of the session, of its account and of the account's person or unit row."""

    def __init__(
        self,
        feed: ChangeFeed,
        ttl: float,
        *,
        limit: int = LIMIT,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self._feed = feed
        self._ttl = ttl
        self._limit = limit
        self._settle = settle
        # session id → (deadline, rows); account id → its cached session ids
        self._entries: OrderedDict[str, tuple[float, SessionSubject | None]] = OrderedDict()
        self._by_account: dict[str, set[str]] = {}
        self._held: dict[str, float] = {}  # session or account ids
        self._held_all = 0.0
        self._prune_at = 1000
        feed.subscribe(SESSION_TOPIC, self._session_changed)
        feed.subscribe(ACCOUNT_SESSIONS_TOPIC, self._account_changed)
        feed.subscribe(ACCOUNT_ROWS_TOPIC, self._account_changed)

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, session_id: str) -> tuple[bool, SessionSubject | None]:
        """``(True, rows)`` for a fresh entry, ``(False, None)`` when the caller must read."""
        if self._ttl <= 0:
            return False, None
        self._feed.listen()
        entry = self._entries.get(session_id)
        if entry is None:
            return False, None
        if time.monotonic() >= entry[0]:
            self._drop(session_id)
            return False, None
        return True, entry[1]

    def put(self, session_id: str, rows: SessionSubject | None) -> None:
        """Keep ``rows`` unless the session or its account is held (a notice came while
        they were being read)."""
        if self._ttl <= 0:
            return
        now = time.monotonic()
        account = str(rows.account.id) if rows is not None else None
        if now < self._held_all or self._is_held(session_id, now):
            return
        if account is not None and self._is_held(account, now):
            return
        self._drop(session_id)
        while len(self._entries) >= self._limit:
            self._drop(next(iter(self._entries)))
        self._entries[session_id] = (now + self._ttl, rows)
        if account is not None:
            self._by_account.setdefault(account, set()).add(session_id)

    def _is_held(self, key: str, now: float) -> bool:
        until = self._held.get(key)
        return until is not None and now < until

    def _drop(self, session_id: str) -> None:
        entry = self._entries.pop(session_id, None)
        if entry is None or entry[1] is None:
            return
        account = str(entry[1].account.id)
        sessions = self._by_account.get(account)
        if sessions is not None:
            sessions.discard(session_id)
            if not sessions:
                del self._by_account[account]

    def _hold(self, key: str) -> None:
        now = time.monotonic()
        self._held[key] = now + self._settle
        if len(self._held) > self._prune_at:  # forget windows that are over (amortised O(1):
            # a bulk import's stream of insert notices stays cheap)
            self._held = {k: v for k, v in self._held.items() if v > now}
            self._prune_at = max(1000, 2 * len(self._held))

    def _drop_all(self) -> None:
        self._entries.clear()
        self._by_account.clear()
        self._held_all = time.monotonic() + self._settle

    def _session_changed(self, key: str) -> None:
        if key == ALL:
            self._drop_all()
            return
        self._drop(key)
        self._hold(key)

    def _account_changed(self, key: str) -> None:
        if key == ALL:
            self._drop_all()
            return
        for session_id in list(self._by_account.get(key, ())):
            self._drop(session_id)
        self._hold(key)
