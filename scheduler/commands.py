"""`conectados daemon`: the service that publishes the calendar on time and reads the replies."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

import click

from channels.registry import open_channels
from conectados.app import App
from conectados.errors import ConectadosError
from conectados.spanish import number
from conectados.terminal import Command
from responders.protocols import load_catalogue
from responders.public_text import company_texts
from responders.service import Responder
from scheduler.daemon import Daemon, Narrator, daemon_name, network_name, round_reach
from scheduler.figures import MetricsCollector
from scheduler.inbox import Inbox
from scheduler.outbox import Outbox
from scheduler.pauses import paused_channels
from scheduler.publisher import Publisher, PublishPolicy

log = logging.getLogger("conectados.daemon")

SANDBOX_PORT = 8765


@click.command(cls=Command)
@click.option(
    "--once",
    is_flag=True,
    help="Hace una sola ronda de cada trabajo y termina (para cron y pruebas): código 1 si "
    "ninguna red respondió; si solo algunas fallaron, código 0 y un aviso que las nombra.",
)
@click.pass_obj
def daemon(app: App, once: bool) -> None:
    """El servicio: publica a su hora, lee a los ciudadanos y envía las respuestas aprobadas.

    Publica una sola vez por red; reintenta lo que la red deja para después, da por fallido
    lo que se pasa de la hora límite y, si se interrumpe a mitad de una publicación, primero
    la busca en la red antes de volver a publicarla. Lee comentarios, menciones y mensajes
    cada pocos minutos, recibe los mensajes de WhatsApp por webhook ([webhooks]) y recoge las
    métricas de lo publicado. Se detiene con Ctrl+C o SIGTERM después de terminar lo que está
    en curso. Con las redes en modo sandbox inicia el simulador en 127.0.0.1:8765.
    """
    settings = app.settings
    if app.database.sqlite_path is not None and not app.database.exists():
        # Nothing set up yet: start on the embedded defaults, as `conectados init` would.
        app.database.upgrade()
        click.echo(f"Base de datos nueva: {app.database.sqlite_path}")
    database = app.ready_database()
    with open_channels(
        settings, app.credentials, app.clock, sandbox_port=0 if once else SANDBOX_PORT
    ) as opened:
        rules = settings.publishing
        publisher = Publisher(
            database,
            opened.fresh(),
            app.clock,
            settings.media_dir,
            daemon_name(),
            settings.zone,
            PublishPolicy(
                max_attempts=rules.max_attempts,
                deadline=timedelta(hours=rules.deadline_hours),
                lease=timedelta(seconds=rules.lease_seconds),
            ),
            workers=rules.workers,
            channel_factory=opened.fresh,
        )
        responder = Responder(database, load_catalogue(settings.protocols_dir), settings, app.clock)
        inboxes = {
            name: Inbox(database, {name: channel}, app.clock)
            for name, channel in opened.fresh().items()
        }

        metrics = MetricsCollector(database, opened.fresh(), app.clock, settings.metrics.days)
        outbox = Outbox(
            database,
            opened.fresh(),
            app.clock,
            publisher.owner,
            lease=timedelta(seconds=rules.lease_seconds),
            max_attempts=rules.max_attempts,
            hide_exposed=settings.pqr.hide_comments_with_data,
            own_texts=company_texts(settings.company),
        )
        if once:
            with database.session() as session:
                paused = paused_channels(session.connection(), app.clock.now())
            outcome = publisher.run_once()
            read = {name: inbox.run_once() for name, inbox in inboxes.items()}
            decided = responder.run_once().counts
            sent = outbox.run_once()
            figures = metrics.run_once()
            new = sum(sum(result.stored.values()) for result in read.values())
            click.echo(
                f"Publicadas: {len(outcome.published) + len(outcome.recovered)}; "
                f"para reintentar: {len(outcome.retried)}; fallidas: {len(outcome.failed)}"
                + (f"; redes en pausa: {', '.join(outcome.paused)}" if outcome.paused else "")
                + f". Mensajes nuevos de ciudadanos: {new} (respondidos solos: {decided['answer']}; "
                f"radicados: {decided['ticket']}; a revisión: {decided['review']}; "
                f"dejados: {decided['ignore']}). "
                f"Respuestas enviadas: {sent['sent']}. "
                f"Métricas de {sum(figures.values())} publicaciones."
            )
            reach = round_reach(outcome, read, paused, sent["sent"], figures, settings.zone)
            if reach.nothing_answered:
                raise ConectadosError(
                    "ninguna red respondió en esta ronda ("
                    + reach.describe_failures()
                    + "); revise la conexión, [sandbox] url y las credenciales con "
                    "«conectados status»"
                )
            if reach.failed:
                click.echo(f"Aviso: no todas las redes respondieron ({reach.describe_failures()}).")
            return
        narrator = Narrator(
            database, settings.zone, verbose=app.verbose > 0, echo=click.echo, now=app.clock.now
        )
        service = Daemon(publisher, every_seconds=rules.every_seconds, narrator=narrator)
        polled: dict[str, float] = {}
        for name, inbox in inboxes.items():
            if name == "whatsapp":
                continue  # nothing to poll: its messages come by webhook
            minutes = settings.channels.by_name()[name].poll_minutes
            polled[name] = minutes
            service.every(
                f"leer-{name}",
                lambda inbox=inbox: narrator.read(inbox.run_once()),
                seconds=minutes * 60,
            )

        def send() -> None:
            since = app.clock.now()
            if outbox.run_once()["sent"]:
                narrator.sent(since)

        # What the polls and the webhook receiver stored is decided within seconds.
        service.every(
            "responder",
            lambda: narrator.decided(responder.run_once().counts),
            seconds=rules.every_seconds,
        )
        service.every("enviar", send, seconds=rules.every_seconds)
        service.every(
            "metricas",
            lambda: narrator.figures(metrics.run_once()),
            seconds=settings.metrics.every_hours * 3600,
        )
        receiver = start_receiver(app, database, opened.sandbox.url if opened.sandbox else None)
        for line in started_lines(polled, receiver is not None):
            narrator.say(line)
        if opened.sandbox is not None:
            narrator.say(f"Simulador de redes (modo de prueba) en {opened.sandbox.url}")
        if receiver is not None:
            narrator.say(f"Recibe los mensajes de WhatsApp (webhooks de Meta) en {receiver.url}")
        try:
            service.run_forever(started="")
        finally:
            if receiver is not None:
                receiver.stop()


def _period(minutes: float) -> str:
    if minutes < 1:
        return f"{number(minutes * 60)} segundos"
    return (
        "minuto"
        if minutes == 1
        else f"{number(minutes, 0 if minutes == int(minutes) else 1)} minutos"
    )


def started_lines(polled: dict[str, float], webhooks: bool) -> list[str]:
    """What the service does, said once as it starts, for the person who runs it."""
    from responders.protocols import spanish_list

    every: dict[float, list[str]] = {}
    for name, minutes in polled.items():
        every.setdefault(minutes, []).append(network_name(name))
    reads = spanish_list(
        [f"{spanish_list(names)} cada {_period(minutes)}" for minutes, names in every.items()]
    )
    return [
        f"Servicio en marcha en {socket.gethostname()} (proceso {os.getpid()}); Ctrl+C para "
        "detenerlo.",
        "Publica el calendario a su hora"
        + (f", lee {reads}" if reads else "")
        + (", recibe WhatsApp al momento" if webhooks else "")
        + ", responde y radica lo que llega y envía lo aprobado.",
    ]


def start_receiver(app: App, database, own_sandbox_url: str | None):
    """The webhook receiver in this process, when WhatsApp is on and [webhooks] says so.

    A port already taken (another daemon of the same company receives them) is not fatal:
    this daemon goes on publishing and answering what the other one stores.
    """
    settings = app.settings
    if not (settings.webhooks.in_daemon and settings.channels.whatsapp.enabled):
        return None  # and uvicorn is not even imported
    from conectados.errors import ConectadosError
    from webhooks.commands import reachable
    from webhooks.server import WebhookServer, subscribe_to_sandbox, webhook_config

    config = webhook_config(settings, app.credentials)  # bad settings stop the daemon: exit 2
    try:
        server = WebhookServer(
            config, database, app.clock, settings.webhooks.host, settings.webhooks.port
        ).start()
    except ConectadosError as exc:
        # Said once, by the log (the terminal and the journal both show warnings).
        log.warning("este servicio no recibe webhooks: %s", exc)
        return None
    if config.sandbox:
        try:
            subscribe_to_sandbox(
                settings.sandbox.url or own_sandbox_url or "",
                reachable(server.url),
                config.verify_token,
            )
        except ConectadosError:
            server.stop()
            raise
    return server
