"""`conectados avisos ...`: scheduled work and outages, which the no-water answer lists."""

from __future__ import annotations

from functools import partial

import click

from conectados.app import App
from conectados.errors import BadInput
from conectados.spanish import number, spanish_list, spanish_moment
from conectados.tables import Field, Listing, print_listing, short_moment
from conectados.terminal import Group, RowId
from notices import notice_sends
from notices.models import BroadcastKind
from responders import service_notices

NOTICE_ID = click.argument(
    "notice_id",
    type=RowId("no hay ningún aviso con id {id}; vea «conectados avisos list»"),
    metavar="ID",
)
"""The ID argument of the commands about one notice (close, estado, notificar, reanudar)."""


@click.group(cls=Group)
def avisos() -> None:
    """Avisos de servicio (cortes programados, daños): la respuesta sobre falta de agua los cita, y con --notificar (o «avisos notificar») se envían por WhatsApp a los suscriptores."""


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
@click.option(
    "--notificar",
    is_flag=True,
    help="Además lo envía por WhatsApp a quienes se suscribieron a esos sectores (plantilla "
    "[avisos] plantilla_aviso); los sectores deben estar en la lista de la empresa.",
)
@click.pass_obj
def add(app: App, sector: str, desde: str, hasta: str, motivo: str, notificar: bool) -> None:
    """Registra un aviso de servicio (y, con --notificar, lo envía a los suscriptores)."""
    zone = app.settings.zone
    notice = service_notices.checked(sector, desde, hasta, motivo, zone, app.clock.now())
    starts, ends, reason = notice.starts, notice.ends, notice.reason
    add_notice = partial(
        service_notices.add,
        sector=notice.sector,
        starts=starts,
        ends=ends,
        reason=reason,
        now=app.clock.now(),
    )
    if not notificar:
        with app.ready_database().session(write=True) as session:
            notice_id = add_notice(session.connection())
    else:
        sent = notice_sends.add_and_notify(
            app.ready_database(),
            add_notice,
            sector,
            starts,
            ends,
            reason,
            app.settings.sectors_path,
            app.settings.notices,
            zone,
            app.clock.now(),
        )
        notice_id = sent.notice_id
    click.echo(
        f"Aviso {notice_id} registrado: {sector}, de {spanish_moment(starts)} a "
        f"{spanish_moment(ends)} ({motivo})."
    )
    if notificar:
        say_queued(sent)


def say_queued(sent: notice_sends.Notified) -> None:
    if not sent.queued:
        click.echo(
            f"Nadie está suscrito a los avisos de {spanish_list(sent.sectors)}: no se envía a nadie."
        )
        return
    people = "1 suscriptor" if sent.queued == 1 else f"{number(sent.queued)} suscriptores"
    click.echo(
        f"Se enviará por WhatsApp a {people} de {spanish_list(sent.sectors)} con el servicio en "
        f"marcha («conectados daemon»). Siga el envío con «conectados avisos estado "
        f"{sent.notice_id}»."
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
        from notices.notice_status import sent_by_notice

        sent = sent_by_notice(session.connection(), [row.id for row in rows])
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
        )
        + ((Field("enviados"),) if sent else ()),
        heading=("id", "estado"),
    )
    for row in rows:
        state = service_notices.state_name(row, now)
        listing.add(
            str(row.id),
            row.sector,
            short_moment(row.starts_at.astimezone(zone), today),
            short_moment(row.ends_at.astimezone(zone), today),
            row.reason,
            state,
            *((number(sent[row.id]) if row.id in sent else "",) if sent else ()),
        )
    print_listing(listing, app.environ)


@avisos.command()
@NOTICE_ID
@click.option(
    "--notificar",
    is_flag=True,
    help="Además avisa por WhatsApp que el servicio se restableció (plantilla [avisos] "
    "plantilla_restablecido) a los suscriptores de sus sectores.",
)
@click.pass_obj
def close(app: App, notice_id: int, notificar: bool) -> None:
    """Cierra un aviso (el servicio ya se restableció): deja de citarse en las respuestas."""
    database = app.ready_database()
    close_notice = partial(service_notices.close, notice_id=notice_id, now=app.clock.now())
    sent = None
    if notificar:
        sent = notice_sends.close_and_notify(
            database,
            close_notice,
            notice_id,
            _notice_sector(database, notice_id),
            app.settings.sectors_path,
            app.settings.notices,
            app.clock.now(),
        )
        closed = sent is not None
    else:
        with database.session(write=True) as session:
            closed = close_notice(session.connection())
    if not closed:
        with database.session() as session:
            raise service_notices.why_not_closed(
                session.connection(), notice_id, "vea «conectados avisos list»"
            )
    click.echo(f"Aviso {notice_id} cerrado.")
    if sent is not None:
        say_queued(sent)


@avisos.command()
@NOTICE_ID
@click.pass_obj
def notificar(app: App, notice_id: int) -> None:
    """Envía por WhatsApp un aviso ya registrado sin --notificar a los suscriptores de sus sectores."""
    import sqlalchemy as sa

    from responders.models import ServiceNotice

    database = app.ready_database()
    now = app.clock.now()
    with database.session() as session:
        row = session.execute(sa.select(ServiceNotice).where(ServiceNotice.id == notice_id)).first()
    if row is None:
        raise BadInput(
            f"no hay ningún aviso con id {notice_id}; vea «conectados avisos list»", "ID"
        )
    notice = row[0]
    if notice.ends_at < now:
        raise BadInput(
            f"el aviso {notice_id} ya terminó; registre uno nuevo si sigue el corte", "ID"
        )

    def still_open(connection: sa.Connection) -> int:
        open_now = connection.execute(
            sa.select(ServiceNotice.id).where(
                ServiceNotice.id == notice_id, ServiceNotice.closed_at.is_(None)
            )
        ).first()
        if open_now is None:  # closed (or closed meanwhile)
            raise BadInput(
                f"el aviso {notice_id} está cerrado: el servicio ya se restableció", "ID"
            )
        return notice_id

    sent = notice_sends.add_and_notify(
        database,
        still_open,
        notice.sector,
        notice.starts_at,
        notice.ends_at,
        notice.reason,
        app.settings.sectors_path,
        app.settings.notices,
        app.settings.zone,
        now,
    )
    say_queued(sent)


def _notice_sector(database, notice_id: int) -> str:
    """The notice's sector as it was written ("" when there is no such notice)."""
    import sqlalchemy as sa

    from responders.models import ServiceNotice

    with database.session() as session:
        return (
            session.execute(
                sa.select(ServiceNotice.sector).where(ServiceNotice.id == notice_id)
            ).scalar()
            or ""
        )


@avisos.command()
@NOTICE_ID
@click.pass_obj
def estado(app: App, notice_id: int) -> None:
    """Cómo va el envío por WhatsApp de un aviso: enviados, entregados, leídos, fallidos y por qué."""
    from notices.notice_status import notice_broadcasts

    now = app.clock.now()
    with app.ready_database().session() as session:
        connection = session.connection()
        if not service_notices.exists(connection, notice_id):
            raise BadInput(
                f"no hay ningún aviso con id {notice_id}; vea «conectados avisos list»", "ID"
            )
        found = notice_broadcasts(connection, notice_id, now)
    if not found:
        click.echo(
            f"El aviso {notice_id} no se envió por WhatsApp; envíelo con «conectados avisos "
            f"notificar {notice_id}»."
        )
        return
    for figures in found:
        for line in status_lines(figures, app.settings.zone):
            click.echo(line)


def status_lines(figures, zone) -> list[str]:
    """What `avisos estado` says of one broadcast, plainly."""
    title = "Aviso" if figures.kind == BroadcastKind.NOTICE else "Servicio restablecido"
    state = {"sending": "enviándose", "paused": "EN PAUSA", "done": "terminado"}.get(
        str(figures.state), str(figures.state)
    )
    lines = [
        f"{title} (envío {figures.id}, {state}): "
        + (
            "1 suscriptor alcanzado"
            if figures.reached == 1
            else f"{number(figures.reached)} suscriptores alcanzados"
        ),
        f"  enviados: {number(figures.sent)}; entregados: {number(figures.delivered)}; "
        f"leídos: {number(figures.read)}; fallidos: {number(figures.failed)}",
    ]
    for _code, why, count in figures.failures:
        lines.append(f"    {number(count)}: {why}")
    if figures.waiting_pace:
        lines.append(
            f"  en cola: {number(figures.waiting_pace)} (salen al ritmo que permite WhatsApp, "
            "mensajes por segundo)"
        )
    if figures.waiting_limit:
        when = (
            f" desde {spanish_moment(figures.next_at.astimezone(zone))}" if figures.next_at else ""
        )
        lines.append(
            f"  esperando el límite diario: {number(figures.waiting_limit)} (WhatsApp limita a "
            f"cuántas personas se escribe en 24 horas; salen{when})"
        )
    if figures.in_flight - figures.unconfirmed:
        lines.append(f"  enviándose: {number(figures.in_flight - figures.unconfirmed)}")
    if figures.unconfirmed:
        lines.append(
            f"  sin confirmar: {number(figures.unconfirmed)} (el servicio se detuvo a mitad del "
            "envío; sale de nuevo solo cuando WhatsApp confirme envíos posteriores y no "
            "estos, para no repetirlo)"
        )
    if figures.expired:
        lines.append(f"  no enviados porque el aviso se cerró antes: {number(figures.expired)}")
    if figures.withdrawn:
        lines.append(f"  retiraron su consentimiento antes del envío: {number(figures.withdrawn)}")
    if figures.paused_reason:
        lines.append(f"  en pausa: {figures.paused_reason}")
    return lines


@avisos.command()
@NOTICE_ID
@click.pass_obj
def reanudar(app: App, notice_id: int) -> None:
    """Reanuda el envío por WhatsApp de un aviso en pausa (WhatsApp rechazó la plantilla y ya
    se corrigió en WhatsApp Manager): los pendientes salen con el servicio en marcha."""
    import sqlalchemy as sa

    from notices.deliveries import resume_broadcast
    from notices.models import Broadcast

    with app.ready_database().session(write=True) as session:
        connection = session.connection()
        ids = connection.execute(
            sa.select(Broadcast.id).where(Broadcast.notice_id == notice_id)
        ).scalars()
        resumed = [
            broadcast_id for broadcast_id in ids if resume_broadcast(connection, broadcast_id)
        ]
    if not resumed:
        raise BadInput(f"el envío del aviso {notice_id} no está en pausa", "ID")
    click.echo(
        f"Envío del aviso {notice_id} reanudado; siga su avance con «conectados avisos estado "
        f"{notice_id}»."
    )
