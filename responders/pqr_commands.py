"""`conectados pqr ...`: the PQR office: terms, tickets, answers and the SSPD export.

Thin: each command parses, calls one function of `responders.pqr` (the decisions),
`responders.pqr_listing` (what it lists and shows) or `responders.pqr_export`, and prints.
It runs past 400 lines because it is one click group of ten commands whose Spanish help and
output are most of the text; no SQL and no ticket move lives here."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click
from rich.panel import Panel
from rich.text import Text

from conectados.app import App
from conectados.dates import parse_moment, parse_month
from conectados.errors import BadInput
from conectados.files import write_atomically
from conectados.spanish import short_number, spreadsheet_csv
from conectados.tables import (
    Field,
    Listing,
    print_listing,
    screen_console,
    short_date,
    short_moment,
)
from conectados.terminal import Group
from conectados.userfiles import KB, os_error_reason, read_user_text
from responders.cli_shared import (
    answer_types,
    manual_channels,
    print_message,
    reviewer_name,
    ticket_types,
)
from responders.filing import (
    file_from_channel,
    file_from_interaction,
    filing_lines,
)
from responders.models import (
    Ticket,
    TicketStatus,
)
from responders.pqr import (
    MEDIUM_NAMES,
    answer_text,
    answer_ticket,
    answered_lines,
    channel_title,
    close_by_radicado,
    closed_text,
    days_used,
    record_notification,
    set_answer_type,
)
from responders.pqr_days import is_overdue, left_phrase, time_left
from responders.pqr_days import rules_for as term_rules
from responders.pqr_export import EXPORT_COLUMNS, channel_name, export_month, incomplete_lines
from responders.pqr_listing import (
    STATUS_BY_NAME,
    UNDELIVERED_NOTE,
    answer_heading,
    causal_line,
    closed_line,
    due_text,
    filed_line,
    list_tickets,
    notified_line,
    reply_line,
    status_text,
    term_line,
    ticket_view,
    undelivered_warning,
)
from responders.review import window_templates_of
from responders.sspd import CAUSALES, RESPUESTAS
from responders.terms import TicketType, working_days_between
from responders.tickets import STATUS_NAMES, TYPE_NAMES, TermRules

MAX_ANSWER_BYTES = 64 * KB
"""An answer letter is a few KB; a bigger file is the wrong file (or /dev/zero)."""


def rules_for(app: App) -> TermRules:
    return term_rules(app.settings)


def parse_filing(value: str, zone) -> datetime:
    return parse_moment(
        value,
        zone,
        "argumento FECHA",
        exact=True,
        out_of_range="«{value}» queda fuera de los años que se pueden contar (2000 a 2100)",
    )


@click.group(cls=Group)
def pqr() -> None:
    """Oficina de PQR: radicados, plazos legales, respuestas y el reporte para la SSPD."""


@pqr.command()
@click.pass_obj
def causales(app: App) -> None:
    """Las causales de la SSPD con su código, para --causal de «pqr radicar»."""
    group = None
    for causal in CAUSALES.values():
        if causal.group != group:
            group = causal.group
            click.echo(f"{group.capitalize()}:")
        click.echo(f"  {causal.code}  {causal.name}")


@pqr.command()
@click.argument("fecha", metavar="FECHA")
@click.option(
    "--tipo",
    type=ticket_types(),
    default="petición",
    help="Tipo de trámite; el plazo depende de él (por omisión, petición).",
)
@click.option("--json", "as_json", is_flag=True, help="Un objeto JSON.")
@click.pass_obj
def vence(app: App, fecha: str, tipo: str, as_json: bool) -> None:
    """Fecha de vencimiento de una solicitud radicada en FECHA (AAAA-MM-DD [HH:MM]).

    15 días hábiles para peticiones, quejas, reclamos y recursos (Ley 142 de 1994, art. 158);
    10 para solicitudes de información y 30 para consultas (Ley 1755 de 2015, art. 14). No
    cuentan domingos, festivos ni, salvo [pqr] sabado_habil = true, sábados. Lo radicado en
    un día no hábil cuenta desde el siguiente día hábil; el plazo corre desde el día después.
    """
    rules = rules_for(app)
    kind = TicketType(tipo)
    term = rules.term(parse_filing(fecha, rules.zone), kind)
    if as_json:
        payload = {
            "radicado_en": term.filed_on.isoformat(),
            "vence": term.due_on.isoformat(),
            "dias_habiles": term.working_days,
        }
        if term.due_at is not None:
            payload["vence_hora"] = term.due_at.strftime("%Y-%m-%d %H:%M")
            payload["horas"] = rules.damage_hours
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    if term.due_at is not None:
        click.echo(
            f"Un {TYPE_NAMES[kind]} radicado el {fecha} debe atenderse a más tardar el "
            f"{term.due_at:%Y-%m-%d %H:%M} ({short_number(rules.damage_hours)} horas; {term.basis})."
        )
        return
    filed = parse_filing(fecha, rules.zone).date()
    moved = (
        ""
        if term.filed_on == filed
        else f" (no es día hábil: cuenta como radicada el {term.filed_on:%Y-%m-%d})"
    )
    click.echo(
        f"Radicada el {filed:%Y-%m-%d}{moved}: vence el {term.due_on:%Y-%m-%d}, "
        f"{term.working_days} días hábiles ({term.basis})."
    )


def _left(app: App, ticket: Ticket, today: date) -> str:
    return time_left(ticket, app.clock.now(), today, app.settings.pqr.saturday_is_working_day)


def _overdue(app: App, ticket: Ticket, today: date) -> bool:
    return is_overdue(ticket, app.clock.now(), today)


@pqr.command(name="list")
@click.option(
    "--vencen-en",
    type=click.IntRange(0, 60),
    metavar="N",
    help="Abiertas que vencen en N días hábiles o menos.",
)
@click.option("--vencidas", is_flag=True, help="Abiertas cuyo plazo ya pasó.")
@click.option(
    "--estado",
    type=click.Choice([*STATUS_BY_NAME, "todos"]),
    default="abierto",
    help="Cuáles mostrar (por omisión, las abiertas y las respondidas cuya respuesta no le "
    "llegó al ciudadano).",
)
@click.option("--tipo", type=ticket_types(), help="Solo este tipo de trámite.")
@click.pass_obj
def list_(app: App, vencen_en: int | None, vencidas: bool, estado: str, tipo: str | None) -> None:
    """Lista las PQR (por omisión, las abiertas), con los días hábiles que les quedan."""
    zone = app.settings.zone
    today = app.clock.now().astimezone(zone).date()
    pending_only = estado == "abierto"
    status = None if estado in ("abierto", "todos") else STATUS_BY_NAME[estado]
    tickets, undelivered = list_tickets(app.ready_database(), status, tipo, pending_only)
    saturday = app.settings.pqr.saturday_is_working_day
    if vencidas:
        tickets = [t for t in tickets if t.status == TicketStatus.OPEN and _overdue(app, t, today)]
    if vencen_en is not None:
        tickets = [
            t
            for t in tickets
            if t.status == TicketStatus.OPEN
            and not _overdue(app, t, today)
            and working_days_between(today, t.due_date, saturday) <= vencen_en
        ]
    if not tickets:
        click.echo("No hay PQR que cumplan esas condiciones.")
        return
    listing = Listing(
        f"PQR ({len(tickets)})",
        (
            Field("radicado"),
            Field("tipo", "text", priority=1, max_width=24),
            Field("causal", "text", priority=4, min_width=14, max_width=30),
            Field("red", priority=3),
            Field("radicada", priority=2),
            Field("vence"),
            Field("quedan", "text", min_width=12, max_width=30),
            Field("estado", "text", min_width=10, max_width=32),
        ),
        heading=("radicado", "estado"),
        hidden_hint="conectados pqr show RADICADO",
    )
    for ticket in tickets:
        causal = CAUSALES.get(ticket.causal or "")
        listing.add(
            ticket.radicado,
            TYPE_NAMES.get(TicketType(ticket.type), ticket.type),
            f"{causal.code} {causal.name}" if causal else ticket.causal,
            channel_name(ticket.network, None),
            short_moment(ticket.filed_at.astimezone(zone), today),
            (
                short_moment(ticket.due_at.astimezone(zone), today)
                if ticket.due_at
                else short_date(ticket.due_date, today)
            ),
            _left(app, ticket, today),
            status_text(ticket, undelivered),
        )
    print_listing(listing, app.environ)
    if undelivered:
        click.echo(UNDELIVERED_NOTE)


@pqr.command()
@click.argument("radicado", metavar="RADICADO")
@click.pass_obj
def show(app: App, radicado: str) -> None:
    """Muestra una PQR: el mensaje del ciudadano, el plazo, las respuestas y su entrega."""
    zone = app.settings.zone
    today = app.clock.now().astimezone(zone).date()
    view = ticket_view(app.ready_database(), radicado)
    ticket, interaction, replies, delivery = (
        view.ticket,
        view.interaction,
        view.replies,
        view.delivery,
    )
    console = screen_console(app.environ)
    kind = TicketType(ticket.type)
    console.print(
        Text(f"Radicado {ticket.radicado} · {TYPE_NAMES[kind]} · {STATUS_NAMES[ticket.status]}"),
        style="bold",
    )
    console.print(Text(filed_line(ticket, zone)))
    left = left_phrase(ticket, app.clock.now(), today, app.settings.pqr.saturday_is_working_day)
    console.print(Text(f"Vence: {due_text(ticket, zone)}{f' ({left})' if left else ''}"))
    for line in (term_line(ticket, rules_for(app)), causal_line(ticket)):
        if line:
            console.print(Text(line))
    if interaction is not None:
        print_message(console, interaction)
    elif ticket.request_text is not None:
        console.print(Text(f"{ticket.citizen_name} ({ticket.citizen_contact}) pidió:"))
        console.print(Panel(Text(ticket.request_text)))
    if ticket.answer_text:
        console.print(Text(answer_heading(ticket, zone)))
        console.print(Panel(Text(ticket.answer_text)))
    for reply in replies:
        console.print(Text(f"- {reply_line(reply)}"))
    for line in (closed_line(ticket, zone), notified_line(ticket, zone)):
        if line:
            console.print(Text(line))
    warning = undelivered_warning(ticket, delivery)
    if warning:
        console.print(Text(warning), style="red")


@pqr.command()
@click.argument("radicado", metavar="RADICADO")
@click.option("--texto", help="La respuesta de la empresa.")
@click.option(
    "--archivo", type=click.Path(path_type=Path), help="Archivo de texto con la respuesta."
)
@click.option(
    "--tipo-respuesta",
    type=answer_types(),
    help="Cómo se resolvió (para el reporte a la SSPD); solo, sin --texto, corrige el de una "
    "respuesta ya registrada.",
)
@click.pass_obj
def answer(
    app: App, radicado: str, texto: str | None, archivo: Path | None, tipo_respuesta: str | None
) -> None:
    """Registra la respuesta a una PQR y la envía, en privado, por la red por la que llegó.

    La respuesta nunca se publica: va por mensaje privado. Si la red ya no la dejaría pasar
    (Facebook permite una sola respuesta privada por comentario, y solo en los primeros 7
    días; Messenger y WhatsApp, 24 horas después del último mensaje), queda registrada y el
    comando lo dice: notifíquela por otro medio y regístrelo con «conectados pqr notificar».
    """
    if texto is None and archivo is None and tipo_respuesta is not None:
        _set_answer_type(app, radicado, tipo_respuesta)
        return
    if (texto is None) == (archivo is None):
        raise BadInput("use --texto o --archivo (uno de los dos)", "opciones")
    if archivo is not None:
        texto = read_user_text(app.cwd / archivo, MAX_ANSWER_BYTES, "un archivo con la respuesta")
    text = answer_text(texto, "--archivo" if archivo else "--texto")
    now = app.clock.now()
    # Private only, under a fixed heading: no template, nothing public (see answer_ticket).
    answered = answer_ticket(
        app.ready_database(),
        radicado,
        text,
        tipo_respuesta,
        reviewer_name(app),
        now,
        window_templates=window_templates_of(app.settings.channels),
    )
    done = days_used(
        answered.filed_on, now, app.settings.zone, app.settings.pqr.saturday_is_working_day
    )
    for line in answered_lines(answered, done, tipo_respuesta):
        click.echo(line)


def _set_answer_type(app: App, radicado: str, answer_type: str) -> None:
    """`pqr answer R --tipo-respuesta T` alone: the SUI's type of an answer already recorded."""
    number = set_answer_type(app.ready_database(), radicado, answer_type)
    click.echo(f"Tipo de respuesta de {number}: {RESPUESTAS[answer_type][1]}.")


@pqr.command()
@click.argument("radicado", metavar="RADICADO")
@click.option(
    "--medio",
    type=manual_channels(),
    required=True,
    help="Cómo se le notificó la respuesta: teléfono, correo, carta u oficina.",
)
@click.pass_obj
def notificar(app: App, radicado: str, medio: str) -> None:
    """Registra que la respuesta se le notificó al ciudadano por otro medio que las redes.

    Para la respuesta que la red no pudo entregar y la de una PQR que llegó por teléfono, en
    la oficina, por correo o por carta: cuenta para el término desde hoy.
    """
    now = app.clock.now()
    zone = app.settings.zone
    notified = record_notification(
        app.ready_database(), radicado, medio, reviewer_name(app), now, zone
    )
    days = days_used(notified.filed_on, now, zone, app.settings.pqr.saturday_is_working_day)
    click.echo(
        f"Respuesta de {notified.radicado} notificada por {MEDIUM_NAMES[medio]} ({days} días "
        f"hábiles desde la radicación{'; fuera del término' if notified.late else ''})."
    )


@pqr.command()
@click.argument("radicado", metavar="RADICADO")
@click.option(
    "--sin-respuesta",
    is_flag=True,
    help="Cierra aunque el ciudadano no haya recibido respuesta (ni por la red ni por otro medio).",
)
@click.pass_obj
def close(app: App, radicado: str, sin_respuesta: bool) -> None:
    """Cierra una PQR: el ciudadano recibió la respuesta y no queda nada por hacer."""
    number, problem = close_by_radicado(
        app.ready_database(), radicado, reviewer_name(app), app.clock.now(), sin_respuesta
    )
    click.echo(closed_text(number, problem))


MAX_CITIZEN = {"--ciudadano": 200, "--contacto": 255, "--texto": 64 * KB}
"""The ticket's columns (the request itself: a long letter fits; a file of it does not)."""


@pqr.command()
@click.option(
    "--respuesta", type=int, metavar="ID", help="Una respuesta en revisión (replies list)."
)
@click.option("--mensaje", type=int, metavar="ID", help="Un mensaje de «conectados inbox».")
@click.option(
    "--canal",
    type=manual_channels(),
    help="Llegó fuera de las redes: por teléfono, en la oficina, por correo o por carta.",
)
@click.option("--ciudadano", metavar="NOMBRE", help="Con --canal: quién la presenta.")
@click.option("--contacto", help="Con --canal: teléfono, correo o dirección para responderle.")
@click.option("--texto", help="Con --canal: lo que pidió el ciudadano.")
@click.option(
    "--tipo",
    type=ticket_types(),
    help="Tipo de trámite; el plazo depende de él (por omisión, el del protocolo).",
)
@click.option("--causal", metavar="CÓDIGO", help="Causal de la SSPD (102, 107, 315...).")
@click.pass_obj
def radicar(
    app: App,
    respuesta: int | None,
    mensaje: int | None,
    canal: str | None,
    ciudadano: str | None,
    contacto: str | None,
    texto: str | None,
    tipo: str | None,
    causal: str | None,
) -> None:
    """Radica a mano una PQR, con su número y su plazo legal.

    Desde una respuesta en revisión (--respuesta ID) o un mensaje (--mensaje ID): el acuse de
    recibo con el radicado reemplaza al borrador y va a donde iría el automático. Desde una
    llamada o una visita (--canal telefono --ciudadano ... --contacto ... --texto ... --tipo
    ...): no se envía nada; la PQR guarda el canal y los datos del ciudadano.
    """
    chosen = [name for name, value in (("--respuesta", respuesta), ("--mensaje", mensaje),
                                       ("--canal", canal)) if value is not None]  # fmt: skip
    if len(chosen) != 1:
        raise BadInput(
            "diga de dónde viene la PQR con una de --respuesta ID, --mensaje ID o --canal",
            "opciones",
        )
    kind = TicketType(tipo) if tipo else None
    citizen = {"--ciudadano": ciudadano, "--contacto": contacto, "--texto": texto}
    who = reviewer_name(app)
    now = app.clock.now()
    database = app.ready_database()
    if canal is None:
        extra = [option for option, value in citizen.items() if value is not None]
        if extra:
            raise BadInput(
                f"{', '.join(extra)} solo van con --canal: los datos del ciudadano ya están en "
                "el mensaje",
                extra[0],
            )
        from responders.service import Responder

        responder = Responder.from_settings(database, app.settings, app.clock)
        filing = file_from_interaction(
            database, responder, mensaje, who, now, kind, causal, reply_id=respuesta
        )
    else:
        for option, value in citizen.items():
            if value is None or not value.strip():
                raise BadInput(
                    f"falta {option}: una PQR por {channel_title(canal)} lo necesita",
                    option,
                )
            if len(value) > MAX_CITIZEN[option]:
                raise BadInput(f"es muy largo (máximo {MAX_CITIZEN[option]} caracteres)", option)
        if kind is None:
            raise BadInput(f"falta --tipo: {', '.join(ticket_types().words)}", "--tipo")
        name, contact, text = (value.strip() for value in citizen.values())
        filing = file_from_channel(
            database, rules_for(app), canal, name, contact, text, kind, who, now, causal
        )
    for line in filing_lines(filing, app.settings.zone):
        click.echo(line)


@pqr.command()
@click.option("--mes", required=True, help="Mes de radicación, AAAA-MM.")
@click.option("-o", "--salida", type=click.Path(path_type=Path), required=True, help="Archivo CSV.")
@click.pass_obj
def export(app: App, mes: str, salida: Path) -> None:
    """Una fila por PQR radicada en el mes, con los campos del reporte a la SSPD (SUI).

    Sin datos personales: ni nombres, ni mensajes, ni números de cuenta. El archivo abre con
    doble clic en Excel y LibreOffice: UTF-8 con BOM y columnas separadas por «;».
    """
    first = parse_month(mes, "--mes")
    zone = app.settings.zone
    export = export_month(
        app.ready_database(),
        first,
        zone,
        app.clock.now().astimezone(zone).date(),
        app.settings.pqr.saturday_is_working_day,
    )
    try:
        write_atomically(app.cwd / salida, spreadsheet_csv(EXPORT_COLUMNS, export.rows))
    except OSError as error:
        raise BadInput(
            f"no se pudo escribir ({os_error_reason(error)}); elija otra ruta", str(salida)
        ) from None
    click.echo(f"{len(export.rows)} PQR de {mes} en {salida}.")
    for line in incomplete_lines(export.missing):
        click.echo(line)
