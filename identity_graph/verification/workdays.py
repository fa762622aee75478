"""The working-day calendar behind manual-review due dates (SPEC §4.4, §12).

Rule: a manual review is due **5 working days** after submission, counted from the day after
submission, on the Chinese public-holiday calendar: statutory holidays are off, and the
adjusted weekend days the State Council declares working days (调休) count. Dates are
``datetime.date`` in China time; the caller converts.

Three sources decide a year, in this order:

1. the operator's holiday file, for the years it declares (see ``load_holiday_file``);
2. the ``chinesecalendar`` package (``chinese_calendar``), for the years its data holds;
3. Monday–Friday, with a WARNING logged once per year, because a due date computed without the
   year's holidays is probably early and someone should add the year to the holiday file.

The operator file wins over the package because the package only knows the notices published
before its release: the file is how an operator adds next year's notice the week it appears,
and corrects the package when it is wrong, without waiting for a release or a deployment.

Holiday file format (CSV, UTF-8, an Excel BOM tolerated)::

    # covers: 2027
    date,kind,name
    2027-01-01,holiday,元旦
    2027-02-20,workday,an adjusted working Saturday (illustration only)

- the header ``date,kind,name`` is the first line that is neither blank nor a comment;
- ``kind`` is ``holiday`` (a day off) or ``workday`` (an adjusted working weekend day, so it must
  fall on a Saturday or Sunday); ``name`` is free text and may be empty;
- ``# covers: 2027`` (several years may be listed, comma-separated; the line may be repeated)
  declares the file complete for that year: in a covered year an unlisted weekday is a working
  day and an unlisted weekend day is off, whatever the package says;
- every row must fall in a declared year. Claiming a year is explicit because a claimed year
  replaces the package's whole year: a typo such as 2026 for 2027 is refused instead of
  silently erasing 2026's Spring Festival;
- other ``#`` lines are comments; one date listed twice with different kinds is refused.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import chinese_calendar

MANUAL_REVIEW_WORKING_DAYS = 5
HEADER = ("date", "kind", "name")

_COVERS = re.compile(r"#\s*covers\s*:(?P<years>.*)", re.IGNORECASE)
_YEAR = re.compile(r"\d{4}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SATURDAY = 5

# The package refuses (NotImplementedError) any year outside the span of its holiday data; the
# same span is read once here so that no lookup ever needs to catch that exception.
_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"


class CalendarSource(StrEnum):
    """Which source decides a year; the order of the members is the order of precedence."""

    OPERATOR_FILE = "operator_file"
    CHINESE_CALENDAR = "chinese_calendar"
    WEEKDAYS = "weekdays"


class HolidayFileError(ValueError):
    """A malformed operator holiday file; ``line`` is 1-based, or None for the whole file."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.line = line


@dataclass(frozen=True)
class HolidayFile:
    """The operator's calendar: the years it is complete for, and its listed days."""

    years: frozenset[int]
    days: Mapping[date, DayKind] = field(default_factory=dict)


def load_holiday_file(path: Path) -> HolidayFile:
    """Read and check an operator holiday file (format in the module docstring)."""
    # split("\n"), not splitlines(): a name holding U+2028 must not shift the line numbers.
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    return _Parser(path).parse(enumerate(lines, start=1))


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.years: set[int] = set()
        self.days: dict[date, tuple[DayKind, int]] = {}
        self.seen_header = False

    def parse(self, numbered_lines: Iterable[tuple[int, str]]) -> HolidayFile:
        for number, line in numbered_lines:
            self._line(number, line.strip())
        if not self.seen_header:
            raise HolidayFileError(self.path, None, f"missing header {','.join(HEADER)!r}")
        for day, (_, number) in self.days.items():
            if day.year not in self.years:
                problem = f"{day} is in {day.year}, which no '# covers: {day.year}' line declares"
                raise HolidayFileError(self.path, number, problem)
        days = {day: kind for day, (kind, _) in self.days.items()}
        return HolidayFile(years=frozenset(self.years), days=days)

    def _line(self, number: int, line: str) -> None:
        if not line:
            return
        if line.startswith("#"):
            if covers := _COVERS.fullmatch(line):
                self.years.update(self._years(number, covers["years"]))
            return
        cells = tuple(cell.strip() for cell in next(csv.reader([line])))
        if not self.seen_header:
            if cells != HEADER:
                self._fail(number, f"expected the header {','.join(HEADER)!r}, got {line!r}")
            self.seen_header = True
            return
        self._row(number, cells)

    def _years(self, number: int, text: str) -> list[int]:
        years = [part.strip() for part in text.split(",")]
        if not all(_YEAR.fullmatch(year) for year in years):
            self._fail(number, f"'# covers:' wants four-digit years separated by commas: {text!r}")
        return [int(year) for year in years]

    def _row(self, number: int, cells: tuple[str, ...]) -> None:
        if len(cells) != len(HEADER):
            self._fail(number, f"expected {len(HEADER)} columns (date,kind,name), got {len(cells)}")
        day, kind = self._date(number, cells[0]), self._kind(number, cells[1])
        if kind is DayKind.WORKDAY and day.weekday() < _SATURDAY:
            self._fail(number, f"{day} is a weekday; 'workday' marks an adjusted weekend day")
        if day in self.days and self.days[day][0] is not kind:
            earlier_kind, earlier = self.days[day]
            self._fail(number, f"{day} is {kind} here but {earlier_kind} on line {earlier}")
        self.days.setdefault(day, (kind, number))

    def _date(self, number: int, text: str) -> date:
        try:
            if _ISO_DATE.fullmatch(text):
                return date.fromisoformat(text)
        except ValueError:
            pass
        self._fail(number, f"{text!r} is not a date written YYYY-MM-DD")

    def _kind(self, number: int, text: str) -> DayKind:
        try:
            return DayKind(text)
        except ValueError:
            self._fail(number, f"unknown kind {text!r}; expected 'holiday' or 'workday'")

    def _fail(self, number: int, problem: str) -> NoReturn:
        raise HolidayFileError(self.path, number, problem)


class WorkingDays:
    """Answers "is this a working day" and counts working days across all three sources."""

    def __init__(
        self, holiday_file: HolidayFile | None = None, logger: logging.Logger | None = None
    ) -> None:
        self._file = holiday_file or HolidayFile(years=frozenset())
        self._logger = logger or logging.getLogger("identity_graph.verification")
        self._warned_years: set[int] = set()

    def covers(self, year: int) -> CalendarSource:
        """The source that decides ``year``."""
        if year in self._file.years:
            return CalendarSource.OPERATOR_FILE
        if year in _PACKAGE_YEARS:
            return CalendarSource.CHINESE_CALENDAR
        return CalendarSource.WEEKDAYS

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (a China date) is worked, by the source that decides its year."""
        source = self.covers(day.year)
        if source is CalendarSource.OPERATOR_FILE:
            listed = self._file.days.get(day)
            if listed is not None:
                return listed is DayKind.WORKDAY
            return day.weekday() < _SATURDAY
        if source is CalendarSource.CHINESE_CALENDAR:
            # The package's own rule (chinese_calendar.is_workday), read from its public data
            # dicts: the same answer without rescanning the dicts for their span on every call.
            weekday = day.weekday() < _SATURDAY
            return day in chinese_calendar.workdays or (
                weekday and day not in chinese_calendar.holidays
            )
        self._warn_once(day.year)
        return day.weekday() < _SATURDAY

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself never counts)."""
        if n < 1:
            raise ValueError(f"n must be at least 1 working day, got {n}")
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def due_date(self, submitted_on: date, working_days: int = MANUAL_REVIEW_WORKING_DAYS) -> date:
        """When a manual review submitted on ``submitted_on`` (China date) is due (SPEC §4.4)."""
        return self.add_working_days(submitted_on, working_days)

    def _warn_once(self, year: int) -> None:
        if year not in self._warned_years:
            self._warned_years.add(year)
            self._logger.warning("no holiday calendar covers %d; counting Monday-Friday", year)
