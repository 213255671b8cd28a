"""`conectados daemon`: the service that publishes the calendar on time."""

from __future__ import annotations

from datetime import timedelta

import click

from channels.registry import open_channels
from conectados.app import App
from conectados.terminal import Command
from scheduler.daemon import Daemon, daemon_name
from scheduler.publisher import Publisher, PublishPolicy

SANDBOX_PORT = 8765


@click.command(cls=Command)
@click.option(
    "--once",
    is_flag=True,
    help="Hace una sola ronda de cada trabajo y termina (para cron y pruebas).",
)
@click.pass_obj
def daemon(app: App, once: bool) -> None:
    """El servicio: publica el calendario a su hora, una sola vez por red.

    Reintenta lo que la red deja para después, da por fallido lo que se pasa de la hora
    límite y, si se interrumpe a mitad de una publicación, primero la busca en la red antes
    de volver a publicarla. Se detiene con Ctrl+C o SIGTERM después de terminar lo que está
    en curso. Con las redes en modo sandbox inicia el simulador en 127.0.0.1:8765.
    """
    database = app.ready_database()
    with open_channels(
        app.settings, app.credentials, app.clock, sandbox_port=0 if once else SANDBOX_PORT
    ) as opened:
        rules = app.settings.publishing
        publisher = Publisher(
            database,
            opened.channels,
            app.clock,
            app.settings.media_dir,
            daemon_name(),
            app.settings.zone,
            PublishPolicy(
                max_attempts=rules.max_attempts,
                deadline=timedelta(hours=rules.deadline_hours),
                lease=timedelta(seconds=rules.lease_seconds),
            ),
        )
        if once:
            outcome = publisher.run_once()
            click.echo(
                f"Publicadas: {len(outcome.published) + len(outcome.recovered)}; "
                f"para reintentar: {len(outcome.retried)}; fallidas: {len(outcome.failed)}"
                + (f"; redes en pausa: {', '.join(outcome.paused)}" if outcome.paused else "")
                + "."
            )
            return
        click.echo(f"Servicio en marcha ({publisher.owner}). Ctrl+C para detenerlo.")
        Daemon(publisher, every_seconds=rules.every_seconds).run_forever()
        click.echo("Servicio detenido.")
