"""Calendario: the month of planned posts, and importing a calendar file, all or nothing.

The month is what `conectados calendar list --mes` lists (`list_publications`, `row_data`), laid
out Monday first, with the problems `calendar preview` finds in what is already imported
(`database_items`: each post checked again against today's rules and media). An upload goes
through the same check and import as `conectados calendar import`: if the check finds any
error nothing is imported and every problem is shown with its line and field.

An uploaded file is known as «web:NOMBRE» (its own name, without folders): that is where its
posts say they came from, so uploading the same file again is the same file, as running
`calendar import` twice on one path is (unchanged posts, «ya no están en él»).
"""

from __future__ import annotations

import calendar as calendar_grid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conectados.dates import parse_month
from conectados.errors import BadInput
from conectados.spanish import MONTHS, WEEKDAYS
from conectados.userfiles import size_text
from content_calendar.check import checker_for
from content_calendar.importer import ImportReport, import_calendar, report_lines
from content_calendar.planned import database_items, file_items, first_month, known_posts, row_data
from content_calendar.problems import problem_text
from content_calendar.schedule import list_publications
from content_calendar.source import MAX_CALENDAR_BYTES, SUFFIXES, WRONG_SUFFIX
from web.app import COMMUNICATIONS, Flash, Office, form_of, page

SOURCE_PREFIX = "web:"
"""What an uploaded file's posts say they came from: «web:diciembre.yaml»."""
MAX_NAME = 200
CHUNK = 64 * 1024


def routes(office: Office) -> list[Route]:
    return [
        Route("/calendario", month_page),
        Route("/calendario/importar", upload, methods=["POST"]),
    ]


@dataclass
class Day:
    day: date
    in_month: bool
    posts: list[dict] = field(default_factory=list)


@page(COMMUNICATIONS)
async def month_page(request: Request) -> Response:
    office: Office = request.app.state.office
    written = request.query_params.get("mes")
    if written is None:
        first = office.clock.now().astimezone(office.settings.zone).date().replace(day=1)
    else:
        try:
            first = parse_month(written, "mes")
        except BadInput as error:
            return office.refused(request, f"No se pudo: {error.problem}.", 400)
    return await _show_month(request, first)


async def _show_month(
    request: Request,
    first: date,
    status_code: int = 200,
    **upload: object,
) -> Response:
    office: Office = request.app.state.office
    zone = office.settings.zone
    month = f"{first:%Y-%m}"

    def read():
        rows = list_publications(office.database, month, zone)
        checker = checker_for(office.settings, office.clock.now(), known_posts(office.database))
        problems = [
            problem
            for item in database_items(office.database, checker)
            if f"{item.entry.scheduled_at.astimezone(zone):%Y-%m}" == month
            for problem in item.problems
        ]
        return [(row, row_data(row, zone)) for row in rows], problems

    rows, problems = await run_in_threadpool(read)
    days = {}
    weeks = []
    for week in calendar_grid.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append([])
        for day in week:
            days[day] = Day(day, day.month == first.month)
            weeks[-1].append(days[day])
    for row, data in rows:
        local = row.post.scheduled_at.astimezone(zone)
        days[local.date()].posts.append({**data, "hora": f"{local:%H:%M}"})
    previous = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + 4 * timedelta(days=1)).replace(day=1)
    return office.render(
        request,
        "calendar.html",
        status_code=status_code,
        title=f"Calendario · {MONTHS[first.month - 1]} de {first.year}",
        month_name=f"{MONTHS[first.month - 1]} de {first.year}",
        weekdays=WEEKDAYS,
        weeks=weeks,
        count=len(rows),
        previous=f"{previous:%Y-%m}",
        following=f"{following:%Y-%m}",
        problems=[(problem.warning, str(problem)) for problem in problems],
        max_size=size_text(MAX_CALENDAR_BYTES),
        zone=zone.key,
        upload_problems=upload.get("upload_problems", []),
        upload_error=upload.get("upload_error", ""),
        upload_name=upload.get("upload_name", ""),
    )


def shown_name(filename: str) -> str:
    """The uploaded file's own name, as the person knows it: no folders (some browsers send
    them), no control characters, not endless."""
    name = PurePath(filename.replace("\\", "/")).name
    return "".join(ch for ch in name if ch.isprintable()).strip()[:MAX_NAME]


async def read_capped(upload: UploadFile, limit: int) -> bytes | None:
    """The upload's bytes, or None as soon as it passes `limit` (Starlette does not cap a file
    part: it is read here a piece at a time and never more than `limit` + one piece)."""
    pieces, size = [], 0
    while piece := await upload.read(CHUNK):
        size += len(piece)
        if size > limit:
            return None
        pieces.append(piece)
    return b"".join(pieces)


@page(COMMUNICATIONS, files=1)
async def upload(request: Request) -> Response:
    office: Office = request.app.state.office
    form = form_of(request)
    sent = form.get("archivo")
    cancel_missing = form.get("cancelar_ausentes") == "1"
    today = office.clock.now().astimezone(office.settings.zone).date().replace(day=1)

    async def refuse(text: str, name: str = "") -> Response:
        return await _show_month(
            request, today, 400, upload_error=text, upload_name=name, upload_problems=[]
        )

    if not isinstance(sent, UploadFile) or not (name := shown_name(sent.filename or "")):
        return await refuse("Elija el archivo del calendario (.yaml, .yml o .csv).")
    if PurePath(name).suffix.lower() not in SUFFIXES:
        return await refuse(f"No se importó nada: «{name}»: {WRONG_SUFFIX}.", name)
    data = await read_capped(sent, MAX_CALENDAR_BYTES)
    if data is None:
        limit = size_text(MAX_CALENDAR_BYTES)
        return await refuse(
            f"No se importó nada: «{name}» pesa más de {limit} y un calendario no puede pasar "
            f"de {limit}; revise que sea el archivo correcto.",
            name,
        )
    source = SOURCE_PREFIX + name

    def check_and_import():
        now = office.clock.now()
        checker = checker_for(office.settings, now, known_posts(office.database))
        result = checker.check_data(data, source)
        if result.errors:
            return result, None, None
        report = import_calendar(office.database, result, source, now, cancel_missing)
        items = file_items(result)
        month = first_month(items, now, office.settings.zone) if items else None
        return result, report, month

    result, report, month = await run_in_threadpool(check_and_import)
    problems = [(problem.warning, problem_text(problem, name, None)) for problem in result.problems]
    if report is None:
        errors = len(result.errors)
        return await _show_month(
            request,
            today,
            400,
            upload_error=(
                f"No se importó nada: «{name}» tiene {errors} "
                f"{'error' if errors == 1 else 'errores'}. Corríjalos y vuelva a subirlo."
            ),
            upload_name=name,
            upload_problems=problems,
        )
    text = imported_text(name, report, cancel_missing)
    warnings = [text for warning, text in problems if warning]
    if warnings:
        text += f" Advertencias ({len(warnings)}): " + " · ".join(warnings)
    return office.redirect(f"/calendario?mes={month or f'{today:%Y-%m}'}", Flash(text))


def imported_text(name: str, report: ImportReport, cancel_missing: bool) -> str:
    """What an import did, in the words `calendar import` uses."""
    how = "súbalo de nuevo con «Cancelar las que ya no están»"
    lines = report_lines(report, f"«{name}»", how, cancel_missing)
    # The counts first: a long list of warnings must not push them out of the message.
    return " ".join([lines[-1], *lines[:-1]])
