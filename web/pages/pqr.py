"""PQR: the tickets with their legal terms, one ticket with the citizen's message, the
answer and the close, and the month's SSPD export; what `conectados pqr list/show/answer/close/
export` do, through the same functions.

Only for the PQR office (roles pqr and admin): these pages show the citizen's name, contact
and message. The radicado goes in the URL and the title, never any personal data.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conectados.errors import BadInput, ConectadosError
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.filing import MANUAL_CHANNELS
from responders.models import TicketStatus
from responders.sspd import RESPUESTAS
from responders.terms import TicketType
from responders.tickets import RADICADO_PATTERN, TYPE_NAMES
from web.app import PQR, Flash, Office, form_of, page, said

RADICADO = re.compile(RADICADO_PATTERN)
"""2026-000001: `responders.tickets.format_radicado`."""
STATES = {
    # the filter's word -> the `pqr list --estado` word (STATUS_BY_NAME), or what it means
    "abiertas": "abierto",
    "respondidas": "respondido",
    "cerradas": "cerrado",
    "todas": "todos",
}
STATE_LABELS = {
    "abiertas": "Abiertas (y las respondidas sin entregar)",
    "respondidas": "Respondidas",
    "cerradas": "Cerradas",
    "todas": "Todas",
}


def routes(office: Office) -> list[Route]:
    return [
        Route("/pqr", ticket_list),
        Route("/pqr/exportar", export),
        Route("/pqr/{radicado}", ticket_page),
        Route("/pqr/{radicado}/responder", answer, methods=["POST"]),
        Route("/pqr/{radicado}/cerrar", close, methods=["POST"]),
        Route("/pqr/{radicado}/tipo-respuesta", set_type, methods=["POST"]),
        Route("/pqr/{radicado}/notificado", notified, methods=["POST"]),
    ]


def _now_and_today(office: Office):
    now = office.clock.now()
    return now, now.astimezone(office.settings.zone).date()


def _problem(request: Request, text: str, status_code: int = 400) -> Response:
    office: Office = request.app.state.office
    title = "No encontrada" if status_code == 404 else "No se pudo"
    return office.render(request, "refused.html", status_code=status_code, title=title, text=text)


@page(PQR)
async def ticket_list(request: Request) -> Response:
    office: Office = request.app.state.office
    state = request.query_params.get("estado") or "abiertas"
    kind = request.query_params.get("tipo") or ""
    if state not in STATES:
        return _problem(request, f"campo estado: use uno de: {', '.join(STATES)}.")
    if kind and kind not in {value.value for value in TicketType}:
        return _problem(request, "campo tipo: no es un tipo de PQR; elíjalo de la lista.")

    def read():
        from responders.pqr_days import is_overdue, left_phrase, overdue_first
        from responders.pqr_export import channel_name
        from responders.pqr_listing import STATUS_BY_NAME, due_text, list_tickets, status_text

        word = STATES[state]
        pending_only = word == "abierto"
        status = None if word in ("abierto", "todos") else STATUS_BY_NAME[word]
        tickets, undelivered = list_tickets(office.database, status, kind or None, pending_only)
        now, today = _now_and_today(office)
        zone = office.settings.zone
        saturday = office.settings.pqr.saturday_is_working_day
        return [
            {
                "radicado": ticket.radicado,
                "type": TYPE_NAMES.get(TicketType(ticket.type), ticket.type),
                "channel": channel_name(ticket.network, None),
                "filed": ticket.filed_at,
                "due": due_text(ticket, zone),
                "left": left_phrase(ticket, now, today, saturday, due_today="vence hoy"),
                "overdue": ticket.status == TicketStatus.OPEN and is_overdue(ticket, now, today),
                "state": status_text(ticket, undelivered),
                "undelivered": ticket.id in undelivered,
            }
            for ticket in overdue_first(tickets, now, today)
        ]

    rows = await run_in_threadpool(read)
    from responders.pqr_listing import UNDELIVERED_NOTE

    _, today = _now_and_today(office)
    return office.render(
        request,
        "pqr_list.html",
        title="PQR",
        rows=rows,
        state=state,
        kind=kind,
        states=list(STATE_LABELS.items()),
        types=[(value.value, name) for value, name in TYPE_NAMES.items()],
        undelivered_note=UNDELIVERED_NOTE if any(row["undelivered"] for row in rows) else "",
        month=f"{today:%Y-%m}",
    )


async def _show(
    request: Request,
    radicado: str,
    text: str = "",
    answer_type: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    office: Office = request.app.state.office

    def read():
        from responders.cli_shared import attachment_lines
        from responders.pqr_days import left_phrase, rules_for
        from responders.pqr_listing import (
            answer_heading,
            causal_line,
            closed_line,
            due_text,
            filed_line,
            notified_line,
            reply_line,
            term_line,
            ticket_view,
            undelivered_warning,
        )
        from responders.tickets import STATUS_NAMES

        view = ticket_view(office.database, radicado)
        ticket = view.ticket
        zone = office.settings.zone
        now, today = _now_and_today(office)
        left = left_phrase(
            ticket, now, today, office.settings.pqr.saturday_is_working_day, due_today="vence hoy"
        )
        return {
            "ticket": ticket,
            "interaction": view.interaction,
            "heading": f"{TYPE_NAMES[TicketType(ticket.type)]} · {STATUS_NAMES[ticket.status]}",
            "facts": [
                filed_line(ticket, zone),
                f"Vence: {due_text(ticket, zone)}{f' ({left})' if left else ''}",
                *(
                    line
                    for line in (term_line(ticket, rules_for(office.settings)), causal_line(ticket))
                    if line
                ),
            ],
            "attachments": attachment_lines(view.interaction) if view.interaction else [],
            "answer_heading": answer_heading(ticket, zone) if ticket.answer_text else "",
            "replies": [reply_line(reply) for reply in view.replies],
            "after": [
                line for line in (closed_line(ticket, zone), notified_line(ticket, zone)) if line
            ],
            "warning": undelivered_warning(ticket, view.delivery) or "",
            "can_answer": ticket.status == TicketStatus.OPEN,
            "can_close": ticket.status != TicketStatus.CLOSED,
            "can_set_type": bool(ticket.answer_text) and ticket.status != TicketStatus.CLOSED,
            "can_notify": bool(ticket.answer_text) and ticket.notified_at is None,
        }

    try:
        data = await run_in_threadpool(read)
    except BadInput:
        return _problem(request, f"No hay ningún radicado {radicado}.", 404)
    return office.render(
        request,
        "pqr_ticket.html",
        status_code=status_code,
        title=f"PQR {data['ticket'].radicado}",
        text=text,
        answer_type=answer_type,
        answer_types=[(key, name) for key, (_, name) in RESPUESTAS.items()],
        media=list(MANUAL_CHANNELS.items()),
        error=error,
        **data,
    )


def _radicado(request: Request) -> str | None:
    radicado = request.path_params["radicado"]
    return radicado if RADICADO.fullmatch(radicado) else None


def _not_a_radicado(request: Request) -> Response:
    return _problem(
        request,
        "Esa dirección no es de un radicado: un radicado se escribe como 2026-000001.",
        404,
    )


@page(PQR)
async def ticket_page(request: Request) -> Response:
    radicado = _radicado(request)
    if radicado is None:
        return _not_a_radicado(request)
    return await _show(request, radicado)


@page(PQR)
async def answer(request: Request) -> Response:
    office: Office = request.app.state.office
    radicado = _radicado(request)
    if radicado is None:
        return _not_a_radicado(request)
    form = form_of(request)
    text = str(form.get("texto", "")).replace("\r\n", "\n")
    answer_type = str(form.get("tipo_respuesta", ""))
    who = request.state.user.reviewer

    def record():
        from responders.pqr import (
            answer_text,
            answer_ticket,
            answered_lines,
            check_answer_type,
            days_used,
        )
        from responders.review import window_templates_of

        recorded = answer_text(text, "texto")
        kind = check_answer_type(answer_type or None, "tipo_respuesta")
        now = office.clock.now()
        answered = answer_ticket(
            office.database,
            radicado,
            recorded,
            kind,
            who,
            now,
            window_templates=window_templates_of(office.settings.channels),
        )
        days = days_used(
            answered.filed_on,
            now,
            office.settings.zone,
            office.settings.pqr.saturday_is_working_day,
        )
        return answered_lines(answered, days, kind)

    try:
        lines = await run_in_threadpool(record)
    except (BadInput, AlreadyDecided, ChangedMeanwhile, ConectadosError) as error:
        return await _show(
            request,
            radicado,
            text,
            answer_type,
            f"No se registró la respuesta: {said(error)}.",
            status_code=400,
        )
    return office.redirect(f"/pqr/{radicado}", Flash(" ".join(lines)))


@page(PQR)
async def close(request: Request) -> Response:
    office: Office = request.app.state.office
    radicado = _radicado(request)
    if radicado is None:
        return _not_a_radicado(request)
    without_answer = form_of(request).get("sin_respuesta") == "1"
    who = request.state.user.reviewer

    def decide():
        from responders.pqr import close_by_radicado, closed_text

        number, problem = close_by_radicado(
            office.database, radicado, who, office.clock.now(), without_answer
        )
        return closed_text(number, problem)

    try:
        closed = await run_in_threadpool(decide)
    except (AlreadyDecided, ChangedMeanwhile) as error:
        return office.redirect(f"/pqr/{radicado}", Flash(f"No se cerró: {said(error)}.", "error"))
    except (BadInput, ConectadosError) as error:
        return await _show(request, radicado, error=f"No se cerró: {said(error)}.", status_code=400)
    return office.redirect(f"/pqr/{radicado}", Flash(closed))


@page(PQR)
async def set_type(request: Request) -> Response:
    """The SUI's type of an answer already recorded (`conectados pqr answer R --tipo-respuesta`)."""
    office: Office = request.app.state.office
    radicado = _radicado(request)
    if radicado is None:
        return _not_a_radicado(request)
    chosen = str(form_of(request).get("tipo_respuesta", ""))

    def record() -> str:
        from responders.pqr import check_answer_type, set_answer_type

        kind = check_answer_type(chosen or None, "tipo_respuesta")
        if kind is None:
            raise BadInput("elija el tipo de respuesta", "tipo_respuesta")
        set_answer_type(office.database, radicado, kind)
        return RESPUESTAS[kind][1]

    try:
        name = await run_in_threadpool(record)
    except (BadInput, ConectadosError) as error:
        return await _show(
            request, radicado, error=f"No se registró el tipo: {said(error)}.", status_code=400
        )
    return office.redirect(f"/pqr/{radicado}", Flash(f"Tipo de respuesta registrado: {name}."))


@page(PQR)
async def notified(request: Request) -> Response:
    """The answer reached the citizen by phone, at the office, by mail or letter
    (`conectados pqr notificar R --medio M`): recorded once, with who and when."""
    office: Office = request.app.state.office
    radicado = _radicado(request)
    if radicado is None:
        return _not_a_radicado(request)
    medium = str(form_of(request).get("medio", ""))
    who = request.state.user.reviewer

    def record():
        from responders.pqr import record_notification

        if medium not in MANUAL_CHANNELS:
            raise BadInput("elija por qué medio recibió la respuesta", "medio")
        return record_notification(
            office.database, radicado, medium, who, office.clock.now(), office.settings.zone
        )

    try:
        done = await run_in_threadpool(record)
    except (BadInput, ConectadosError) as error:
        return await _show(
            request, radicado, error=f"No se registró: {said(error)}.", status_code=400
        )
    late = " (después del plazo legal)" if done.late else ""
    return office.redirect(
        f"/pqr/{radicado}",
        Flash(f"Registrado: la respuesta llegó al ciudadano por {MANUAL_CHANNELS[medium]}{late}."),
    )


@page(PQR)
async def export(request: Request) -> Response:
    """The month's SSPD file, byte for byte what `conectados pqr export --mes` writes."""
    office: Office = request.app.state.office
    month = request.query_params.get("mes", "")

    def build():
        from conectados.dates import parse_month
        from conectados.spanish import spreadsheet_csv
        from responders.pqr_export import EXPORT_COLUMNS, export_month

        try:
            first = parse_month(month, "mes")
        except BadInput as error:
            raise BadInput(error.problem, "campo mes") from None
        zone = office.settings.zone
        done = export_month(
            office.database,
            first,
            zone,
            office.clock.now().astimezone(zone).date(),
            office.settings.pqr.saturday_is_working_day,
        )
        return first, spreadsheet_csv(EXPORT_COLUMNS, done.rows)

    try:
        first, text = await run_in_threadpool(build)
    except BadInput as error:
        return _problem(request, f"No se pudo exportar: {said(error)}.")
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="pqr-{first:%Y-%m}.csv"'},
    )
