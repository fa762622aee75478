"""``ClaimRowsCache`` on its own (``sessions/claim_rows.py``): which notices drop and hold
which entries, the bound, the TTL. The end-to-end proof on PostgreSQL is
``tests/oauth/test_userinfo_caches.py``."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace
from typing import Any

from identity_graph.core.change_feed import ALL, ChangeFeed
from identity_graph.core.events import LocalBus
from identity_graph.sessions.claim_rows import ClaimRowsCache
from identity_graph.sessions.tokens import (
    ACCOUNT_ROWS_TOPIC,
    ACCOUNT_SESSIONS_TOPIC,
    SESSION_TOPIC,
)


def _rows(account: uuid.UUID) -> Any:
    return SimpleNamespace(account=SimpleNamespace(id=account))


def _cache(**options: Any) -> tuple[ChangeFeed, ClaimRowsCache]:
    feed = ChangeFeed(LocalBus())
    return feed, ClaimRowsCache(feed, options.pop("ttl", 5.0), **options)


def test_off_with_a_ttl_of_zero():
    _, cache = _cache(ttl=0)
    assert not cache.enabled
    cache.put("s", _rows(uuid.uuid4()))
    assert cache.get("s") == (False, None)


def test_a_session_notice_drops_and_holds_it():
    feed, cache = _cache(settle=0.2)
    rows = _rows(uuid.uuid4())
    cache.put("s", rows)
    assert cache.get("s") == (True, rows)
    feed.apply(SESSION_TOPIC, "s")
    assert cache.get("s") == (False, None)
    cache.put("s", rows)  # a read that raced the change is not kept
    assert cache.get("s") == (False, None)
    time.sleep(0.25)
    cache.put("s", rows)
    assert cache.get("s") == (True, rows)


def test_an_account_or_person_row_notice_drops_every_session_of_the_account():
    feed, cache = _cache()
    account, other = uuid.uuid4(), uuid.uuid4()
    cache.put("a1", _rows(account))
    cache.put("a2", _rows(account))
    cache.put("b", _rows(other))
    feed.apply(ACCOUNT_ROWS_TOPIC, str(account))
    assert not cache.get("a1")[0] and not cache.get("a2")[0]
    assert cache.get("b")[0]
    cache.put("a3", _rows(account))  # held: read before the change committed, maybe
    assert not cache.get("a3")[0]
    feed.apply(ACCOUNT_SESSIONS_TOPIC, str(other))
    assert not cache.get("b")[0]


def test_a_resync_drops_everything():
    feed, cache = _cache()
    cache.put("s", _rows(uuid.uuid4()))
    feed.apply(ACCOUNT_ROWS_TOPIC, ALL)
    assert len(cache) == 0
    cache.put("t", _rows(uuid.uuid4()))
    feed.resync()
    assert len(cache) == 0


def test_bounded_oldest_first_and_the_ttl_backstop():
    _, cache = _cache(limit=3, ttl=0.2)
    for name in "abcd":
        cache.put(name, _rows(uuid.uuid4()))
    assert len(cache) == 3
    assert not cache.get("a")[0]
    assert cache.get("d")[0]
    time.sleep(0.25)
    assert not cache.get("d")[0]


def test_an_unknown_or_ended_session_is_remembered_as_none():
    _, cache = _cache()
    cache.put("gone", None)
    assert cache.get("gone") == (True, None)
