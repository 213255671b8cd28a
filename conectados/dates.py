"""Dates and times people write (command-line options, calendar files): the one reader.

Every command that takes a date, and the calendar check, read it here, so "2026-12-01 08:00"
means the same everywhere. What truly differs between them is an option: which formats are
taken, whether a date alone means the end of its day, whether digits must be written whole
("2026-1-1" refused), and whether the calendar's "8:00 a. m." and UTC offsets are read.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo

from conectados.errors import BadInput

FIRST_YEAR = 2000
LAST_YEAR = 2100
"""The years a date typed on the command line may name (the office's dates live here)."""

DAY = "%Y-%m-%d"
MINUTE = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
"""A moment to the minute, with a space or ISO's T."""
CALENDAR_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)
"""What a calendar file's «fecha» may look like (a time is required there)."""
NOT_A_DATE = "«{value}» no es una fecha; escriba AAAA-MM-DD o «AAAA-MM-DD HH:MM»"
OUT_OF_RANGE = (
    f"«{{value}}» queda fuera de los años que maneja Conectados ({FIRST_YEAR} a {LAST_YEAR})"
)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?$")
_MERIDIEM = re.compile(r"(\d{1,2}):(\d{2})\s*(?:([ap])\.?\s*)?m\.?$", re.IGNORECASE)


def read_local(
    written: str,
    formats: Sequence[str],
    *,
    end_of_day: bool = False,
    exact: bool = False,
    calendar: bool = False,
) -> datetime | None:
    """`written` read by the first of `formats` that takes it whole, or None.

    The moment is naive (local time) unless `calendar` and it says its own offset. A date alone
    (format without hours) is the start of its day, or 23:59 with `end_of_day` ("hasta el 2 de
    diciembre" includes the 2nd). `exact` takes only what the format writes back the same
    (strptime alone takes "2026-1-1"). `calendar` also reads "8:00 a. m.", "2:30 p. m." and
    "12:00 m." (noon), as written in Colombia, and ISO moments with an offset.
    """
    if calendar:
        meridiem = _MERIDIEM.search(written)
        if meridiem:
            hour, minute, half = int(meridiem[1]), meridiem[2], (meridiem[3] or "").lower()
            if not 1 <= hour <= 12 or (not half and hour != 12):
                return None
            hour = 12 if not half else hour % 12 + (12 if half == "p" else 0)
            written = f"{written[: meridiem.start()].strip()} {hour:02d}:{minute}"
        if _ISO.match(written):  # 2026-12-01 08:00, the usual way, parsed fast
            try:
                return datetime.fromisoformat(written)
            except ValueError:
                return None
    for pattern in formats:
        try:
            moment = datetime.strptime(written, pattern)
        except ValueError:
            continue
        if exact and not _written_whole(written, pattern):
            continue
        if end_of_day and "%H" not in pattern:
            moment = moment.replace(hour=23, minute=59)
        return moment
    return None


def _written_whole(written: str, pattern: str) -> bool:
    """Whether each field of `pattern` is written with all its digits ("2026-01-01", not "2026-1-1")."""
    shape = re.escape(pattern).replace("%Y", "[0-9]{4}")
    for field in ("%m", "%d", "%H", "%M", "%S"):
        shape = shape.replace(field, "[0-9]{2}")
    return re.fullmatch(shape, written) is not None


def parse_moment(
    value: str,
    zone: tzinfo,
    where: str,
    *,
    not_a_date: str = NOT_A_DATE,
    formats: Sequence[str] = (*MINUTE, DAY),
    end_of_day: bool = False,
    exact: bool = False,
    out_of_range: str = OUT_OF_RANGE,
) -> datetime:
    """A moment typed on the command line, in `zone`; BadInput (about `where`) otherwise.

    `not_a_date` and `out_of_range` are the messages, with `{value}` for what was typed.
    """
    local = read_local(value.strip(), formats, end_of_day=end_of_day, exact=exact)
    if local is None:
        raise BadInput(not_a_date.format(value=value), where)
    if not FIRST_YEAR <= local.year <= LAST_YEAR:  # 9999-12-31 has no UTC time to store
        raise BadInput(out_of_range.format(value=value), where)
    return local.replace(tzinfo=zone)


def parse_month(text: str, option: str) -> date:
    """The first day of a month written exactly AAAA-MM ("2026-1" and "" are refused)."""
    first = read_local(text, ("%Y-%m",), exact=True)
    if first is None or not FIRST_YEAR <= first.year <= LAST_YEAR:
        raise BadInput(
            f"«{text[:40]}» no es un mes; escriba AAAA-MM, por ejemplo 2026-01, "
            f"entre {FIRST_YEAR} y {LAST_YEAR}",
            f"opción {option}",
        )
    return first.date()


def clock_change(local: datetime, zone: zoneinfo.ZoneInfo) -> str | None:
    """Whether `local` is skipped ("gap") or repeated ("twice") in `zone` by a clock change."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None, fold=0)
    return "gap" if back != local.replace(fold=0) else "twice"
