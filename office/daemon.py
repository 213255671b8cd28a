"""`conectados daemon`: the service that publishes the calendar on time and reads the replies."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

import click

from channels.registry import SANDBOX_PORT
from channels.specs import display_name
from conectados.app import App
from conectados.errors import ConectadosError
from conectados.spanish import number, spanish_list
from conectados.tables import window_width
from conectados.terminal import Command
from office.build import Office, open_office, start_receiver
from office.webhook_words import DIRECT_BY_WEBHOOK, arriving, webhook_message_networks
from scheduler.daemon import Daemon, Narrator, round_reach
from scheduler.paused import paused_channels

log = logging.getLogger("conectados.avisos")


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
    cada pocos minutos, recibe por webhook ([webhooks]) los mensajes de WhatsApp y los
    mensajes directos de Instagram, y recoge las
    métricas de lo publicado. Se detiene con Ctrl+C o SIGTERM después de terminar lo que está
    en curso. Con las redes en modo sandbox inicia el simulador en 127.0.0.1:8765.
    """
    serve(app, once)


def serve(
    app: App, once: bool, opener: Callable[..., AbstractContextManager[Office]] = open_office
) -> None:
    """The service on the office `opener` builds: one round of each job, or until stopped."""
    if app.database.sqlite_path is not None and not app.database.exists():
        # Nothing set up yet: start on the embedded defaults, as `conectados init` would.
        app.database.upgrade()
        click.echo(f"Base de datos nueva: {app.database.sqlite_path}")
    database = app.ready_database()
    with opener(app, database, sandbox_port=0 if once else SANDBOX_PORT) as office:
        if once:
            run_once(app, office)
        else:
            run_forever(app, office)


def run_once(app: App, office: Office) -> None:
    """One round of every job, in order, and what it did in one line (`daemon --once`)."""
    settings = app.settings
    with office.database.session() as session:
        paused = paused_channels(session.connection(), app.clock.now())
    outcome = office.publisher.run_once()
    read = {name: inbox.run_once() for name, inbox in office.inboxes.items()}
    decided = office.responder.run_once().counts
    sent = office.outbox.run_once()
    notified = office.notifier.run_once()
    figures = office.metrics.run_once()
    new = sum(sum(result.stored.values()) for result in read.values())
    click.echo(
        f"Publicadas: {len(outcome.published) + len(outcome.recovered)}; "
        f"para reintentar: {len(outcome.retried)}; fallidas: {len(outcome.failed)}"
        + (f"; redes en pausa: {', '.join(outcome.paused)}" if outcome.paused else "")
        + f". Mensajes nuevos de ciudadanos: {new} (respondidos solos: {decided['answer']}; "
        f"radicados: {decided['ticket']}; a revisión: {decided['review']}; "
        f"dejados: {decided['ignore']}). "
        f"Respuestas enviadas: {sent['sent']}. "
        + notified_words(notified)
        + f"Métricas de {sum(figures.values())} publicaciones."
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


def run_forever(app: App, office: Office) -> None:
    """Every job on its schedule, and the webhook receiver, until Ctrl+C or SIGTERM."""
    settings = app.settings
    database = office.database
    every_seconds = office.policy.every_seconds
    narrator = Narrator(
        database,
        settings.zone,
        verbose=app.verbose > 0,
        echo=click.echo,
        now=app.clock.now,
        width=window_width(app.environ),
    )
    service = Daemon(office.publisher, every_seconds=every_seconds, narrator=narrator)
    polled: dict[str, float] = {}
    for name, inbox in office.inboxes.items():  # the networks that can be polled
        minutes = settings.channels.by_name()[name].poll_minutes
        polled[name] = minutes
        service.every(
            f"leer-{name}",
            lambda inbox=inbox: narrator.read(inbox.run_once()),
            seconds=minutes * 60,
        )

    def send() -> None:
        since = app.clock.now()
        if office.outbox.run_once()["sent"]:
            narrator.sent(since)

    # What the polls and the webhook receiver stored is decided within seconds.
    service.every(
        "responder",
        lambda: narrator.decided(office.responder.run_once().counts),
        seconds=every_seconds,
    )
    service.every("enviar", send, seconds=every_seconds)

    # Its own thread, not a scheduled job: a broadcast to thousands takes minutes at the
    # number's pace, and a job still running at its next tick would be skipped with a warning.
    notifying = threading.Thread(
        target=notify_until_stopped,
        args=(office, narrator, service.stopping, min(every_seconds, NOTIFY_EVERY_SECONDS)),
        name="avisar",
        daemon=True,
    )
    notifying.start()
    service.every(
        "metricas",
        lambda: narrator.figures(office.metrics.run_once()),
        seconds=settings.metrics.every_hours * 3600,
    )
    sandbox = office.channels.sandbox
    receiver = start_receiver(app, database, sandbox.url if sandbox else None)
    if receiver is not None:
        from webhooks.server import tune_collector_for_receiver

        tune_collector_for_receiver()  # this long-lived process chose to receive webhooks
    web = _start_web(app, database) if settings.web.in_daemon else None
    pushed = webhook_message_networks(settings.channels) if receiver is not None else []
    for line in started_lines(polled, pushed):
        narrator.say(line)
    if sandbox is not None:
        narrator.say(f"Simulador de redes (modo de prueba) en {sandbox.url}")
    if receiver is not None:
        narrator.say(f"Recibe {_received(pushed)} (webhooks de Meta) en {receiver.url}")
    if web is not None:
        narrator.say(f"Oficina web en {web.url}")
    try:
        service.run_forever(started="")
    finally:
        service.stopping.set()
        notifying.join(timeout=60)
        office.notifier.close()
        if receiver is not None:
            receiver.stop()
        if web is not None:
            web.stop()


def _start_web(app: App, database):
    """The web office in a thread ([web] activo = true). A port already taken (another
    daemon, or «conectados web») is not fatal: this daemon goes on publishing and answering."""
    from office.web_office import start_web

    try:
        return start_web(app, database)
    except ConectadosError as exc:
        log.warning("este servicio no atiende la oficina web: %s", exc)
        return None


NOTIFY_EVERY_SECONDS = 5.0
"""A notice added now starts going out within seconds."""


def notify_until_stopped(office: Office, narrator, stopping: threading.Event, idle: float) -> None:
    """Send what is due, again and again; when nothing is, look again in `idle` seconds."""
    while not stopping.is_set():
        try:
            done = office.notifier.run_once(should_stop=stopping.is_set)
        except Exception:  # one bad round must not stop the notices
            log.exception("falló la ronda de avisos; se intentará de nuevo")
            done = None
        if done is not None and (done.sent or done.failed or done.paused):
            narrator.say(notified_words(done).strip())
        stopping.wait(idle)


def notified_words(done) -> str:
    """ "Avisos por WhatsApp: 120 enviados, 2 fallidos. " (nothing when nothing happened)."""
    if not (done.sent or done.failed or done.paused or done.limited_until):
        return ""
    said = f"Avisos por WhatsApp: {number(done.sent)} enviados, {number(done.failed)} fallidos"
    if done.paused:
        said += f"; en pausa: {done.paused[0]}"
    if done.limited_until:
        said += "; el resto espera el límite diario de WhatsApp"
    return said + ". "


def _received(networks: list[str]) -> str:
    """«los mensajes de WhatsApp y los mensajes directos de Instagram (y los comentarios de
    Instagram si la app de Meta los suscribe)»: they are polled too, and come sooner by webhook."""
    said = arriving(networks)
    said = said if said.startswith("los ") else f"los mensajes de {said}"
    hooked = spanish_list(display_name(n) for n in networks if n in DIRECT_BY_WEBHOOK)
    return said + (
        f" (y los comentarios de {hooked} si la app de Meta los suscribe)" if hooked else ""
    )


def _period(minutes: float) -> str:
    if minutes < 1:
        return f"{number(minutes * 60)} segundos"
    return (
        "minuto"
        if minutes == 1
        else f"{number(minutes, 0 if minutes == int(minutes) else 1)} minutos"
    )


def started_lines(polled: dict[str, float], pushed: list[str]) -> list[str]:
    """What the service does, said once as it starts, for the person who runs it (`pushed`:
    the networks the webhook receiver running in it takes at once)."""
    every: dict[float, list[str]] = {}
    for name, minutes in polled.items():
        every.setdefault(minutes, []).append(display_name(name))
    reads = spanish_list(
        [f"{spanish_list(names)} cada {_period(minutes)}" for minutes, names in every.items()]
    )
    return [
        f"Servicio en marcha en {socket.gethostname()} (proceso {os.getpid()}); Ctrl+C para "
        "detenerlo.",
        "Publica el calendario a su hora"
        + (f", lee {reads}" if reads else "")
        + (f", recibe {arriving(pushed)} al momento" if pushed else "")
        + ", responde y radica lo que llega y envía lo aprobado.",
    ]
