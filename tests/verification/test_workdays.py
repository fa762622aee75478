"""The working-day calendar for manual-review due dates (SPEC §4.4, §12).

Expectations are counted by hand on a calendar. For 2025–2026 they use the chinesecalendar
1.11 data: Spring Festival 2026 is off 15–23 February with Saturdays 14 and 28 February worked;
Mid-Autumn and National Day 2026 are off 25–27 September and 1–7 October with Sunday
20 September and Saturday 10 October worked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity_graph.verification.workdays import (
    CalendarSource,
    HolidayFile,
    HolidayFileError,
    WorkingDays,
    load_holiday_file,
)

D = date.fromisoformat
LOGGER = "identity_graph.verification"
WARNING_2030 = "no holiday calendar covers 2030; counting Monday-Friday"
HEADER = "date,kind,name\n"
FILE_2030 = (
    "# covers: 2030\n"
    + HEADER
    + "2030-03-06,holiday,an invented Wednesday off\n"
    + "2030-03-16,workday,an invented working Saturday\n"
)

WriteFile = Callable[[str], Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    def write(text: str) -> Path:
        path = tmp_path / "holidays.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.mark.parametrize(
    ("submitted", "n", "due"),
    [
        ("2025-03-02", 5, "2025-03-07"),  # Sunday: Monday to Friday of an ordinary week
        ("2025-03-05", 5, "2025-03-12"),  # Wednesday: Thu, Fri, weekend, Mon, Tue, Wed
        ("2025-03-08", 1, "2025-03-10"),  # Saturday: the next day counted is Monday
        ("2025-03-07", 1, "2025-03-10"),  # Friday: the submission day itself never counts
    ],
)
def test_ordinary_weeks_skip_weekends(submitted: str, n: int, due: str) -> None:
    assert WorkingDays().add_working_days(D(submitted), n) == D(due)


@pytest.mark.parametrize(
    ("submitted", "n", "due"),
    [
        # Fri 13 and worked Sat 14, then 15–23 off, then Tue 24, Wed 25, Thu 26.
        ("2026-02-12", 5, "2026-02-26"),
        # Submitted on the last day off: Tue 24 … Fri 27, then the worked Saturday 28.
        ("2026-02-23", 5, "2026-02-28"),
    ],
)
def test_spring_festival_2026(submitted: str, n: int, due: str) -> None:
    assert WorkingDays().add_working_days(D(submitted), n) == D(due)


@pytest.mark.parametrize(
    ("submitted", "n", "due"),
    [
        # Friday (itself Mid-Autumn): 26–27 off, Mon 28–Wed 30, 1–7 Oct off, Thu 8, Fri 9.
        ("2026-09-25", 5, "2026-10-09"),
        # … and further: the worked Saturday 10 Oct, then Mon 12 to Thu 15.
        ("2026-09-25", 10, "2026-10-15"),
        # Friday 18 Sep: Saturday off, Sunday 20 worked, then Mon 21 to Thu 24.
        ("2026-09-18", 5, "2026-09-24"),
        # Wed 30 Sep: golden week off, Thu 8, Fri 9, Sat 10 worked, Mon 12, Tue 13.
        ("2026-09-30", 5, "2026-10-13"),
    ],
)
def test_national_day_2026(submitted: str, n: int, due: str) -> None:
    assert WorkingDays().add_working_days(D(submitted), n) == D(due)


def test_due_date_is_five_working_days() -> None:
    assert WorkingDays().due_date(D("2026-09-25")) == D("2026-10-09")
    assert WorkingDays().due_date(D("2026-09-25"), working_days=10) == D("2026-10-15")


def test_package_years_agree_with_the_package_day_by_day() -> None:
    calendar = WorkingDays()
    day, last = D("2004-01-01"), D("2026-12-31")
    while day <= last:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize("n", [0, -1])
def test_n_below_one_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WorkingDays().add_working_days(D("2026-03-02"), n)


def test_sources_by_year() -> None:
    calendar = WorkingDays(HolidayFile(years=frozenset({2026, 2030})))
    assert calendar.covers(2025) == "chinese_calendar"
    assert calendar.covers(2026) is CalendarSource.OPERATOR_FILE
    assert calendar.covers(2030) == "operator_file"
    assert calendar.covers(2031) == "weekdays"
    assert WorkingDays().covers(2026) == "chinese_calendar"
    assert WorkingDays().covers(2003) == "weekdays"


def test_uncovered_year_counts_weekdays_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    calendar = WorkingDays()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(20):
            assert calendar.add_working_days(D("2030-03-04"), 5) == D("2030-03-11")
    assert [r.getMessage() for r in caplog.records] == [WARNING_2030]
    assert caplog.records[0].levelno == logging.WARNING
    assert caplog.records[0].name == LOGGER


def test_warning_is_per_instance_and_per_year(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        WorkingDays().is_working_day(D("2030-01-01"))
        calendar = WorkingDays()
        calendar.is_working_day(D("2030-01-01"))
        calendar.is_working_day(D("2031-01-01"))
        calendar.is_working_day(D("2031-06-01"))
    assert [r.getMessage() for r in caplog.records] == [
        WARNING_2030,
        WARNING_2030,
        "no holiday calendar covers 2031; counting Monday-Friday",
    ]


def test_injected_logger_receives_the_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="custom"):
        WorkingDays(logger=logging.getLogger("custom")).is_working_day(D("2030-01-01"))
    assert [r.name for r in caplog.records] == ["custom"]


def test_counting_out_of_the_package_into_an_uncovered_year(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Thu 31 Dec 2026 from the package; then 2027 by weekdays, so Fri 1 Jan counts (with a
    # warning), then Mon 4 to Wed 6.
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert WorkingDays().due_date(D("2026-12-30")) == D("2027-01-06")
    assert [r.getMessage() for r in caplog.records] == [
        "no holiday calendar covers 2027; counting Monday-Friday"
    ]


def test_operator_file_decides_its_year_and_silences_the_warning(
    write_file: WriteFile, caplog: pytest.LogCaptureFixture
) -> None:
    calendar = WorkingDays(load_holiday_file(write_file(FILE_2030)))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        # Mon 4 Mar: Tue 5, Wed 6 off, Thu 7, Fri 8, Mon 11, Tue 12 (weekdays alone: Mon 11).
        assert calendar.due_date(D("2030-03-04")) == D("2030-03-12")
        # Thu 14 Mar: Fri 15, worked Sat 16, Mon 18 to Wed 20 (weekdays alone: Thu 21).
        assert calendar.due_date(D("2030-03-14")) == D("2030-03-20")
        assert not calendar.is_working_day(D("2030-03-06"))
        assert calendar.is_working_day(D("2030-03-16"))
        assert not calendar.is_working_day(D("2030-03-17"))
    assert calendar.covers(2030) == "operator_file"
    assert caplog.records == []


def test_operator_file_replaces_a_package_year(write_file: WriteFile) -> None:
    text = "# covers: 2026\n" + HEADER + "2026-03-04,holiday,an operator correction\n"
    calendar = WorkingDays(load_holiday_file(write_file(text)))
    assert calendar.covers(2026) == "operator_file"
    assert not calendar.is_working_day(D("2026-03-04"))
    # The package's Spring Festival is gone with the rest of its 2026: Thu 12 Feb is followed by
    # Fri 13, then (Saturday 14 no longer worked) Mon 16 to Thu 19.
    assert calendar.due_date(D("2026-02-12")) == D("2026-02-19")
    # Years the file does not declare still come from the package.
    assert calendar.covers(2025) == "chinese_calendar"
    assert not calendar.is_working_day(D("2025-10-01"))


def test_file_format_details(write_file: WriteFile) -> None:
    text = (
        "\ufeff# a comment line\n"
        "\n"
        "# covers: 2030, 2031\n"
        "date,kind,name\n"
        "   \n"
        '2030-03-06,holiday,"a name, with a comma"\n'
        "2030-03-06,holiday,listed twice with the same kind\n"
        "2031-01-04 , workday , spaces around cells\n"
        "2030-03-07,holiday,\n"
        "# covers: 2032\n"
    )
    loaded = load_holiday_file(write_file(text))
    assert loaded.years == {2030, 2031, 2032}
    assert loaded.days == {
        D("2030-03-06"): "holiday",
        D("2031-01-04"): "workday",
        D("2030-03-07"): "holiday",
    }


def test_example_file_loads() -> None:
    import identity_graph

    example = Path(identity_graph.__file__).parent / "data" / "holidays.example.csv"
    loaded = load_holiday_file(example)
    assert loaded.years == {2027}
    assert loaded.days[D("2027-10-01")] == "holiday"


@pytest.mark.parametrize(
    ("body", "line", "problem"),
    [
        ("2030-02-30,holiday,x\n", 3, "not a date"),
        ("30/03/2030,holiday,x\n", 3, "not a date"),
        ("20300306,holiday,x\n", 3, "not a date"),
        ("2030-03-06,holliday,x\n", 3, "unknown kind 'holliday'"),
        ("2030-03-06,holiday\n", 3, "expected 3 columns"),
        ("2030-03-06,holiday,x,y\n", 3, "expected 3 columns"),
        ("2030-03-09,holiday,x\n\n2030-03-09,workday,y\n", 5, "holiday on line 3"),
        ("2030-03-06,workday,a Wednesday\n", 3, "is a weekday"),
        ("2029-03-06,holiday,typo for 2030\n", 3, "no '# covers: 2029' line"),
        ("# covers: 203O\n", 3, "four-digit years"),
    ],
)
def test_malformed_rows_are_refused_with_their_line(
    write_file: WriteFile, body: str, line: int, problem: str
) -> None:
    path = write_file("# covers: 2030\n" + HEADER + body)
    with pytest.raises(HolidayFileError, match=problem) as refused:
        load_holiday_file(path)
    assert refused.value.line == line
    assert f"line {line}:" in str(refused.value)
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("# covers: 2030\n2030-03-06,holiday,x\n", 2),  # no header: the row stands in its place
        ("# covers: 2030\nDate;Kind;Name\n", 2),
        ("# only comments\n", None),
        ("", None),
    ],
)
def test_a_missing_header_is_refused(write_file: WriteFile, text: str, line: int | None) -> None:
    with pytest.raises(HolidayFileError, match="header") as refused:
        load_holiday_file(write_file(text))
    assert refused.value.line == line


@pytest.fixture(scope="module")
def calendars(tmp_path_factory: pytest.TempPathFactory) -> list[WorkingDays]:
    path = tmp_path_factory.mktemp("holidays") / "holidays.csv"
    path.write_text(FILE_2030, encoding="utf-8")
    return [WorkingDays(), WorkingDays(load_holiday_file(path))]


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2031, 12, 31)),
    n=st.integers(min_value=1, max_value=30),
)
def test_result_is_the_nth_working_day_after_start(
    calendars: list[WorkingDays], start: date, n: int
) -> None:
    for calendar in calendars:
        due = calendar.add_working_days(start, n)
        assert due > start
        assert calendar.is_working_day(due)
        between = (start + timedelta(days=k) for k in range(1, (due - start).days + 1))
        assert sum(calendar.is_working_day(day) for day in between) == n
