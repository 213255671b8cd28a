"""`conectados avisos ...`: scheduled work and outages, which the no-water answer lists."""

from __future__ import annotations

from datetime import datetime

import click

from conectados import dates
from conectados.app import App
from conectados.errors import BadInput
from conectados.spanish import spanish_moment
from conectados.tables import Field, Listing, print_listing, short_moment
from conectados.terminal import Group, RowId
from responders import service_notices


def parse_moment(value: str, option: str, zone, end_of_day: bool = False) -> datetime:
    """ "AAAA-MM-DD HH:MM" in the company's zone; a date alone is the start of that day, or its
    end for --hasta ("hasta el 2 de diciembre" includes the 2nd)."""
    return dates.parse_moment(
        value,
        zone,
        f"opción {option}",
        not_a_date="«{value}» no es una fecha y hora; escriba «AAAA-MM-DD HH:MM», por ejemplo «2026-12-01 08:00»",
        end_of_day=end_of_day,
    )


@click.group(cls=Group)
def avisos() -> None:
    """Avisos de servicio (cortes programados, daños): la respuesta sobre falta de agua los cita."""


@avisos.command()
@click.option(
    "--sector",
    required=True,
    help="Barrio, sector o vereda afectados; varios o sus otros nombres, separados por comas o «/».",
)
@click.option(
    "--desde",
    required=True,
    help="Inicio: «AAAA-MM-DD HH:MM» (hora de la empresa) o solo la fecha.",
)
@click.option(
    "--hasta",
    required=True,
    help="Fin previsto: «AAAA-MM-DD HH:MM», o solo la fecha (hasta el final de ese día).",
)
@click.option("--motivo", required=True, help="Por qué: «cambio de válvula», «daño en la red»…")
@click.pass_obj
def add(app: App, sector: str, desde: str, hasta: str, motivo: str) -> None:
    """Registra un aviso de servicio."""
    zone = app.settings.zone
    starts = parse_moment(desde, "--desde", zone)
    ends = parse_moment(hasta, "--hasta", zone, end_of_day=True)
    if ends <= starts:
        raise BadInput("debe ser posterior a --desde", "opción --hasta")
    for value, option, limit in ((sector, "--sector", 200), (motivo, "--motivo", 500)):
        if not value.strip():
            raise BadInput("no puede estar vacío", f"opción {option}")
        if len(value) > limit:
            raise BadInput(f"es demasiado largo (máximo {limit} caracteres)", f"opción {option}")
    if ends < app.clock.now():
        raise BadInput("ya pasó; un aviso es para trabajos en curso o próximos", "opción --hasta")
    with app.ready_database().session(write=True) as session:
        notice_id = service_notices.add(
            session.connection(),
            " ".join(sector.split()),
            starts,
            ends,
            " ".join(motivo.split()),
            app.clock.now(),
        )
    click.echo(
        f"Aviso {notice_id} registrado: {sector}, de {spanish_moment(starts)} a "
        f"{spanish_moment(ends)} ({motivo})."
    )


@avisos.command(name="list")
@click.option("--todos", is_flag=True, help="También los cerrados y los ya terminados.")
@click.pass_obj
def list_(app: App, todos: bool) -> None:
    """Lista los avisos vigentes (en curso o próximos)."""
    zone = app.settings.zone
    now = app.clock.now()
    with app.ready_database().session() as session:
        rows = service_notices.listed(session.connection(), now, everything=todos)
    if not rows:
        click.echo("No hay avisos vigentes." if not todos else "No hay avisos.")
        return
    today = now.astimezone(zone).date()
    listing = Listing(
        f"Avisos de servicio ({len(rows)})",
        (
            Field("id"),
            Field("sector", "text", max_width=30),
            Field("desde"),
            Field("hasta"),
            Field("motivo", "text", priority=1, min_width=16, max_width=50),
            Field("estado"),
        ),
        heading=("id", "estado"),
    )
    for row in rows:
        state = (
            "cerrado"
            if row.closed_at
            else "terminado"
            if row.ends_at < now
            else "en curso"
            if row.starts_at <= now
            else "próximo"
        )
        listing.add(
            str(row.id),
            row.sector,
            short_moment(row.starts_at.astimezone(zone), today),
            short_moment(row.ends_at.astimezone(zone), today),
            row.reason,
            state,
        )
    print_listing(listing, app.environ)


@avisos.command()
@click.argument(
    "notice_id",
    type=RowId("no hay ningún aviso con id {id}; vea «conectados avisos list»"),
    metavar="ID",
)
@click.pass_obj
def close(app: App, notice_id: int) -> None:
    """Cierra un aviso (el servicio ya se restableció): deja de citarse en las respuestas."""
    with app.ready_database().session(write=True) as session:
        connection = session.connection()
        if not service_notices.close(connection, notice_id, app.clock.now()):
            if not service_notices.exists(connection, notice_id):
                raise BadInput(
                    f"no hay ningún aviso con id {notice_id}; vea «conectados avisos list»", "ID"
                )
            raise BadInput(f"el aviso {notice_id} ya estaba cerrado", "ID")
    click.echo(f"Aviso {notice_id} cerrado.")
