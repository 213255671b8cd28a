"""`conectados suscriptores ...` and `conectados sectores ...`: who receives notices, the
consent trail, a deletion request, and the company's list of sectors."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from conectados.app import App
from conectados.errors import BadInput, ExitStatus
from conectados.files import write_atomically
from conectados.spanish import spanish_list, spreadsheet_csv
from conectados.tables import Field, Listing, print_listing, short_moment
from conectados.terminal import Group
from conectados.userfiles import os_error_reason
from notices.models import Consent, Purpose, Subscriber
from notices.sectors import Sectors, load_sectors
from notices.subscriptions import (
    ERASURE_REASON,
    Erased,
    Outstanding,
    erase,
    outstanding,
    subscriber_by_number,
)

PURPOSE_NAMES = {Purpose.NOTICES: "avisos", Purpose.CONTENT: "contenido"}
EXPORT_COLUMNS = (
    "suscriptor",
    "proposito",
    "sector",
    "otorgado",
    "mensaje_otorgado",
    "palabras",
    "retirado",
    "mensaje_retirado",
    "como_se_retiro",
)


def masked(number: str | None) -> str:
    """ "•••••••4567": a phone number or id shows only its last 4 characters."""
    if not number:
        return "(borrado)"
    return "•" * max(len(number) - 4, 0) + number[-4:]


@click.group(cls=Group)
def suscriptores() -> None:
    """Suscriptores de avisos por WhatsApp: quiénes, a qué sectores, su consentimiento y su borrado."""


@suscriptores.command(name="list")
@click.option("--sector", help="Solo los suscritos a este sector (o sus otros nombres).")
@click.option("--todos", is_flag=True, help="También quienes se retiraron o pidieron el borrado.")
@click.pass_obj
def list_(app: App, sector: str | None, todos: bool) -> None:
    """Lista los suscriptores con sus sectores y propósitos."""
    zone = app.settings.zone
    wanted = None
    if sector is not None:
        sectors = load_sectors(app.settings.sectors_path)
        wanted = (
            {found.name for found in sectors.resolve(sector, "--sector")}
            if sectors.items
            else {" ".join(sector.split())}
        )
    with app.ready_database().session() as session:
        connection = session.connection()
        people = connection.execute(sa.select(Subscriber).order_by(Subscriber.id)).all()
        consents = connection.execute(
            sa.select(Consent.subscriber_id, Consent.purpose, Consent.sector, Consent.granted_at)
            .where(Consent.withdrawn_at.is_(None))
            .order_by(Consent.id)
        ).all()
    active: dict[int, list] = {}
    for consent in consents:
        active.setdefault(consent.subscriber_id, []).append(consent)
    today = app.clock.now().astimezone(zone).date()
    listing = Listing(
        "Suscriptores",
        (
            Field("id"),
            Field("nombre", "text", max_width=30),
            Field("número"),
            Field("sectores", "text", max_width=40),
            Field("propósitos", "text", priority=1, max_width=20),
            Field("desde"),
        ),
        heading=("id", "número"),
    )
    for person in people:
        mine = active.get(person.id, [])
        sectors_of = [c.sector for c in mine if c.sector]
        if wanted is not None and not wanted & set(sectors_of):
            continue
        if not mine and not todos:
            continue
        purposes = sorted({PURPOSE_NAMES[Purpose(c.purpose)] for c in mine})
        since = min((c.granted_at for c in mine), default=person.created_at)
        listing.add(
            str(person.id),
            person.name or "",
            masked(person.address),
            ", ".join(dict.fromkeys(sectors_of)),
            ", ".join(purposes) or ("borrado" if person.erased_at else "retirado"),
            short_moment(since.astimezone(zone), today),
        )
    if not listing.rows:
        click.echo("No hay suscriptores." if not todos else "No hay suscriptores registrados.")
        return
    listing.title = f"Suscriptores ({len(listing.rows)})"
    print_listing(listing, app.environ)


@suscriptores.command()
@click.argument("archivo", type=click.Path(path_type=Path), metavar="ARCHIVO.csv")
@click.pass_obj
def export(app: App, archivo: Path) -> None:
    """El registro de consentimientos (Ley 1581): quién, para qué, desde cuándo, por qué mensaje y su retiro.

    Una fila por consentimiento, con las fechas en la hora de la empresa; sin números de
    teléfono (el suscriptor va por su id). Abre con doble clic en Excel y LibreOffice.
    """
    zone = app.settings.zone

    def moment(value) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    with app.ready_database().session() as session:
        rows = session.connection().execute(sa.select(Consent).order_by(Consent.id)).all()

    lines = [
        (
            row.subscriber_id,
            PURPOSE_NAMES[Purpose(row.purpose)],
            row.sector or "",
            moment(row.granted_at),
            row.granted_by or "",
            row.granted_words or "",
            moment(row.withdrawn_at),
            row.withdrawn_by or "",
            row.withdrawn_how or "",
        )
        for row in rows
    ]
    try:
        write_atomically(app.cwd / archivo, spreadsheet_csv(EXPORT_COLUMNS, lines))
    except OSError as error:
        raise BadInput(
            f"no se pudo escribir ({os_error_reason(error)}); elija otra ruta", str(archivo)
        ) from None
    click.echo(f"{len(lines)} consentimientos en {archivo}.")


@suscriptores.command()
@click.argument("quien", metavar="ID|NÚMERO")
@click.option("--si", is_flag=True, help="No pide confirmación.")
@click.pass_obj
def borrar(app: App, quien: str, si: bool) -> int | None:
    """Borra los datos de una persona que lo pidió (Ley 1581); las cifras se conservan.

    Se borran su número, su nombre, todo lo que escribió (salvo sus PQR), nuestras respuestas a
    eso y los identificadores de los mensajes que se le enviaron; sus consentimientos quedan
    retirados. Sus PQR y los mensajes de ellas se conservan: la empresa debe guardarlos.
    """
    database = app.ready_database()
    with database.session() as session:
        connection = session.connection()
        subscriber_id = _who(connection, quien)
        number = connection.execute(
            sa.select(Subscriber.address).where(Subscriber.id == subscriber_id)
        ).scalar()
        waiting = outstanding(connection, subscriber_id)
    for line in outstanding_lines(waiting):
        click.echo(line)
    if not si and not _confirmed(
        f"¿Borrar los datos del suscriptor {subscriber_id} ({masked(number)})? No se puede deshacer"
    ):
        click.echo("No se borró nada.")
        return ExitStatus.FAILURE
    with database.session(write=True) as session:
        erased = erase(session.connection(), subscriber_id, app.clock.now())
    if erased is None:
        raise BadInput(f"el suscriptor {subscriber_id} ya estaba borrado", "ID|NÚMERO")
    for line in erased_lines(erased):
        click.echo(line)


_YES = frozenset({"s", "si", "sí"})
_NO = frozenset({"", "n", "no"})


def _confirmed(question: str) -> bool:
    """A Spanish yes/no question: «s», «sí» or «si» is yes; «n», «no» or nothing is no."""
    while True:
        answer = click.prompt(f"{question} [s/N]", default="", show_default=False)
        word = answer.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        click.echo("Responda «s» (sí) o «n» (no).")


def outstanding_lines(waiting: Outstanding) -> list[str]:
    """The warning before an erasure: what of this person is still in the office's hands."""
    lines = []
    if waiting.replies:
        lines.append(
            f"Atención: tiene {waiting.replies} respuesta(s) pendiente(s) de revisión o de envío; "
            f"al borrar se rechazan («{ERASURE_REASON}»): si es una queja, radíquela antes."
        )
    if waiting.open_tickets:
        lines.append(
            f"Atención: tiene {len(waiting.open_tickets)} PQR abierta(s): "
            f"{', '.join(waiting.open_tickets)}; se conservan, pero ya no podrá escribirle por "
            "WhatsApp: respóndala por otro medio."
        )
    return lines


def _who(connection: sa.Connection, text: str) -> int:
    """A subscriber's id («12») or number («+57 300 123 4567», «3001234567»)."""
    digits = text.strip()
    is_number = digits.startswith("+") or sum(char.isdigit() for char in digits) >= 10
    if is_number:
        found = subscriber_by_number(connection, digits)
    elif digits.isascii() and digits.isdigit() and 0 < int(digits) < 2**31:
        found = connection.execute(
            sa.select(Subscriber.id).where(Subscriber.id == int(digits))
        ).scalar()
    else:
        raise BadInput(
            f"«{digits[:40]}» no es un id ni un número de teléfono; vea «conectados "
            "suscriptores list»",
            "ID|NÚMERO",
        )
    if found is None:
        raise BadInput(
            "no hay ningún suscriptor con ese id o número; vea «conectados suscriptores list "
            "--todos»",
            "ID|NÚMERO",
        )
    return found


def erased_lines(erased: Erased) -> list[str]:
    kept = (
        f"Se conserva: el registro de {erased.consents} consentimiento(s) sin datos personales "
        "y los estados y fechas de los envíos (para las cifras)"
    )
    if erased.tickets_kept:
        kept += (
            f", y {erased.tickets_kept} PQR con sus mensajes, que la empresa debe guardar por "
            "ley (la supresión no procede donde hay un deber legal de conservar)."
        )
    else:
        kept += "."
    return [
        f"Suscriptor {erased.subscriber_id} borrado.",
        "Se borró: su número, su nombre, las palabras con que dio su consentimiento; el texto, "
        f"el autor y los identificadores de {erased.messages_blanked} mensaje(s) suyo(s) que no "
        f"son PQR y el texto de {erased.replies_blanked} respuesta(s) nuestra(s) a ellos; "
        f"{erased.network_ids_removed} identificador(es) de mensajes enviados a su número "
        "(en WhatsApp contienen el número). "
        + (
            f"{erased.replies_settled} respuesta(s) pendiente(s) rechazada(s) ({ERASURE_REASON}). "
            if erased.replies_settled
            else ""
        )
        + f"{erased.withdrawn} consentimiento(s) retirado(s) y {erased.deliveries_withdrawn} "
        "envío(s) pendiente(s) cancelado(s).",
        kept,
    ]


# --- sectores ------------------------------------------------------------------------------


@click.group(cls=Group)
def sectores() -> None:
    """Sectores de la empresa (barrios y veredas) para los avisos por WhatsApp."""


@sectores.command(name="list")
@click.pass_obj
def sectors_list(app: App) -> None:
    """Lista los sectores del archivo de la empresa, con sus otros nombres."""
    sectors = load_sectors(app.settings.sectors_path)
    if not sectors.items:
        click.echo(_empty(sectors))
        return
    listing = Listing(
        f"Sectores ({len(sectors)})",
        (
            Field("nombre", "text", max_width=40),
            Field("tipo"),
            Field("alias", "text", max_width=60),
        ),
        heading=("nombre",),
    )
    for sector in sectors.items:
        listing.add(sector.name, sector.kind, ", ".join(sector.aliases))
    print_listing(listing, app.environ)


@sectores.command()
@click.argument("archivo", type=click.Path(path_type=Path), required=False)
@click.pass_obj
def check(app: App, archivo: Path | None) -> None:
    """Revisa el archivo de sectores (por omisión, el de [avisos] sectores)."""
    path = app.cwd / archivo if archivo is not None else app.settings.sectors_path
    sectors = load_sectors(path)
    if sectors.missing:
        raise BadInput(
            "no existe; créelo con la lista «sectores:» (vea docs/comunicaciones.md)", str(path)
        )
    barrios = sum(sector.kind == "barrio" for sector in sectors.items)
    kinds = [f"{barrios} barrio(s)", f"{len(sectors) - barrios} vereda(s)"]
    click.echo(f"{path}: {len(sectors)} sector(es) sin problemas ({spanish_list(kinds)}).")


def _empty(sectors: Sectors) -> str:
    if sectors.missing:
        return (
            f"No hay lista de sectores ({sectors.path}); créela para que los ciudadanos se "
            "suscriban a los avisos de su barrio o vereda."
        )
    return f"La lista de sectores ({sectors.path}) está vacía."
