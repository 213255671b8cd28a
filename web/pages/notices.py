"""Avisos: the service notices going on or coming, adding one, closing one.

The same functions and checks as `conectados avisos add/list/close`
(`responders.service_notices`): the moments are read in the company's zone, the end must be
after the start and not past, the sector and the reason have the same limits; closing is a
compare-and-set, so a notice closed twice (or by two people at once) is closed once and the
second is told.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conectados.errors import BadInput
from conectados.spanish import spanish_moment
from notices.notice_status import sent_by_notice
from responders import service_notices
from web.app import COMMUNICATIONS, Flash, Office, form_of, page, said

FORM_FIELDS = service_notices.Fields("sector", "desde", "hasta", "motivo", "«desde»")
"""The form's fields, as a refusal names them («hasta: debe ser posterior a «desde»»)."""


def routes(office: Office) -> list[Route]:
    return [
        Route("/avisos", notices_page),
        Route("/avisos", add, methods=["POST"]),
        Route("/avisos/{notice_id:id}/cerrar", close, methods=["POST"]),
    ]


async def _show(
    request: Request,
    status_code: int = 200,
    error: str = "",
    wrong: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    office: Office = request.app.state.office
    everything = request.query_params.get("todos") == "1"
    now = office.clock.now()

    def read():
        with office.database.session() as session:
            connection = session.connection()
            rows = service_notices.listed(connection, now, everything=everything)
            return rows, sent_by_notice(connection, [row.id for row in rows])

    rows, sent = await run_in_threadpool(read)
    notices = [
        {
            "id": row.id,
            "sector": row.sector,
            "starts": row.starts_at,
            "ends": row.ends_at,
            "reason": row.reason,
            "state": service_notices.state_name(row, now),
            "open": row.closed_at is None,
            "sent": sent.get(row.id),
        }
        for row in rows
    ]
    return office.render(
        request,
        "notices.html",
        status_code=status_code,
        title="Avisos de servicio",
        notices=notices,
        everything=everything,
        any_sent=bool(sent),
        error=error,
        wrong=wrong,
        typed=typed or {},
        max_sector=service_notices.MAX_SECTOR,
        max_reason=service_notices.MAX_REASON,
    )


@page(COMMUNICATIONS)
async def notices_page(request: Request) -> Response:
    return await _show(request)


@page(COMMUNICATIONS)
async def add(request: Request) -> Response:
    office: Office = request.app.state.office
    form = form_of(request)
    typed = {name: str(form.get(name, "")) for name in ("sector", "desde", "hasta", "motivo")}

    def register():
        now = office.clock.now()
        notice = service_notices.checked(
            typed["sector"],
            typed["desde"],
            typed["hasta"],
            typed["motivo"],
            office.settings.zone,
            now,
            FORM_FIELDS,
        )
        with office.database.session(write=True) as session:
            notice_id = service_notices.add(
                session.connection(), notice.sector, notice.starts, notice.ends, notice.reason, now
            )
        return notice_id, notice

    try:
        notice_id, notice = await run_in_threadpool(register)
    except BadInput as error:
        return await _show(
            request, 400, f"No se registró el aviso: {said(error)}.", error.location or "", typed
        )
    zone = office.settings.zone
    return office.redirect(
        "/avisos",
        Flash(
            f"Aviso {notice_id} registrado: {notice.sector}, de "
            f"{spanish_moment(notice.starts.astimezone(zone))} a "
            f"{spanish_moment(notice.ends.astimezone(zone))} ({notice.reason})."
        ),
    )


@page(COMMUNICATIONS)
async def close(request: Request) -> Response:
    office: Office = request.app.state.office
    notice_id = request.path_params["notice_id"]

    def close_it() -> str | None:
        with office.database.session(write=True) as session:
            if service_notices.close(session.connection(), notice_id, office.clock.now()):
                return None
        with office.database.session() as session:
            why = service_notices.why_not_closed(
                session.connection(), notice_id, "vea la lista de esta página"
            )
        return f"No se cerró: {why.problem}."

    problem = await run_in_threadpool(close_it)
    if problem:
        return office.redirect("/avisos", Flash(problem, "error"))
    return office.redirect(
        "/avisos",
        Flash(f"Aviso {notice_id} cerrado: ya no se cita en las respuestas sobre falta de agua."),
    )
