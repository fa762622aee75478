"""Time, injected: ``SystemClock`` in production, ``FixedClock`` in tests (never ``sleep``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


# China Standard Time has had no daylight saving since 1991: a fixed offset is exact.
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_date(clock: Clock) -> date:
    """Today's date in China: birth dates, document validity and working days use it."""
    return clock.now().astimezone(CHINA_TIME).date()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment
