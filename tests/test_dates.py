"""The one reader of dates people write: command-line options and calendar files."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

import pytest

from conectados.dates import (
    CALENDAR_FORMATS,
    DAY,
    clock_change,
    parse_moment,
    parse_month,
    read_local,
)
from conectados.errors import BadInput

BOGOTA = zoneinfo.ZoneInfo("America/Bogota")
NOT_A_DATE = "«{value}» no es una fecha"


def test_a_moment_is_read_in_the_company_zone():
    moment = parse_moment("2026-12-01 08:30", BOGOTA, "opción --desde", not_a_date=NOT_A_DATE)
    assert moment == datetime(2026, 12, 1, 8, 30, tzinfo=BOGOTA)
    assert parse_moment(" 2026-12-01T08:30 ", BOGOTA, "x", not_a_date=NOT_A_DATE) == moment


def test_a_date_alone_is_the_start_of_its_day_or_its_end_when_asked():
    assert parse_moment("2026-12-02", BOGOTA, "x", not_a_date=NOT_A_DATE) == datetime(
        2026, 12, 2, tzinfo=BOGOTA
    )
    assert parse_moment(
        "2026-12-02", BOGOTA, "x", not_a_date=NOT_A_DATE, end_of_day=True
    ) == datetime(2026, 12, 2, 23, 59, tzinfo=BOGOTA)
    # A time written out is kept, even at the end of a range.
    assert (
        parse_moment("2026-12-02 10:00", BOGOTA, "x", not_a_date=NOT_A_DATE, end_of_day=True).hour
        == 10
    )


def test_what_is_not_a_date_is_refused_with_the_callers_message_and_place():
    with pytest.raises(BadInput) as refused:
        parse_moment("mañana", BOGOTA, "opción --desde", not_a_date=NOT_A_DATE)
    assert "«mañana» no es una fecha" in str(refused.value)
    assert "--desde" in str(refused.value)


def test_years_outside_2000_to_2100_are_refused():
    with pytest.raises(BadInput) as refused:
        parse_moment("9999-12-31", BOGOTA, "x", not_a_date=NOT_A_DATE)
    assert "queda fuera de los años que maneja Conectados (2000 a 2100)" in str(refused.value)
    with pytest.raises(BadInput) as refused:
        parse_moment(
            "1999-12-31", BOGOTA, "x", not_a_date=NOT_A_DATE, out_of_range="{value} no se cuenta"
        )
    assert "1999-12-31 no se cuenta" in str(refused.value)


def test_exact_takes_only_digits_written_whole():
    assert read_local("2026-1-1", (DAY,)) == datetime(2026, 1, 1)
    assert read_local("2026-1-1", (DAY,), exact=True) is None
    assert read_local("2026-01-01", (DAY,), exact=True) == datetime(2026, 1, 1)


def test_only_the_formats_asked_for_are_taken():
    assert read_local("2026-12-01T08:00", ("%Y-%m-%d %H:%M", DAY)) is None


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2026-12-01 08:00", datetime(2026, 12, 1, 8)),
        ("01/12/2026 14:30", datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01 8:00 a. m.", datetime(2026, 12, 1, 8)),
        ("2026-12-01 2:30 p. m.", datetime(2026, 12, 1, 14, 30)),
        ("2026-12-01 12:00 m.", datetime(2026, 12, 1, 12)),
        ("2026-12-01 12:00 a. m.", datetime(2026, 12, 1, 0)),
    ],
)
def test_the_calendar_reads_times_as_written_in_colombia(written, read):
    assert read_local(written, CALENDAR_FORMATS, calendar=True) == read


def test_the_calendar_keeps_an_offset_the_date_says():
    read = read_local("2026-12-01T08:00-05:00", CALENDAR_FORMATS, calendar=True)
    assert read is not None and read.utcoffset() is not None


@pytest.mark.parametrize("written", ["2026-12-01", "2026-12-01 13:00 p. m.", "2026-12-01 8:00 m."])
def test_the_calendar_refuses_a_date_without_a_time_or_an_impossible_hour(written):
    assert read_local(written, CALENDAR_FORMATS, calendar=True) is None


def test_a_month_is_written_exactly_as_aaaa_mm():
    assert parse_month("2026-01", "--mes") == date(2026, 1, 1)
    for wrong in ("2026-1", "", " 2026-01", "2026-13", "1999-12", "2026-01-01"):
        with pytest.raises(BadInput, match="no es un mes"):
            parse_month(wrong, "--mes")


def test_clock_changes_are_told_apart():
    new_york = zoneinfo.ZoneInfo("America/New_York")
    assert clock_change(datetime(2026, 3, 8, 2, 30), new_york) == "gap"
    assert clock_change(datetime(2026, 11, 1, 1, 30), new_york) == "twice"
    assert clock_change(datetime(2026, 11, 1, 1, 30), BOGOTA) is None


def test_by_default_a_wrong_date_says_how_to_write_one():
    with pytest.raises(BadInput) as refused:
        parse_moment("28/11/2026", BOGOTA, "opción --desde")
    assert "«28/11/2026» no es una fecha; escriba AAAA-MM-DD o «AAAA-MM-DD HH:MM»" in str(
        refused.value
    )
