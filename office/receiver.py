"""`conectados webhooks serve`: receive what Meta pushes (WhatsApp, comments, Messenger,
Instagram Direct).

Part of the roof: it builds the receiver alone in its process, as the daemon does beside
its jobs (office.build.start_receiver).
"""

from __future__ import annotations

import click

from conectados.app import App
from conectados.terminal import Group


@click.group(cls=Group)
def webhooks() -> None:
    """Recibe lo que Meta envía: mensajes de WhatsApp, comentarios y mensajes de Facebook e Instagram."""


@webhooks.command()
@click.option(
    "--host",
    default=None,
    metavar="DIRECCIÓN",
    help="Dirección donde escucha (por defecto la de [webhooks] direccion: 127.0.0.1).",
)
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    metavar="PUERTO",
    help="Puerto donde escucha (por defecto el de [webhooks] puerto: 8080).",
)
@click.pass_obj
def serve(app: App, host: str | None, port: int | None) -> None:
    """Inicia el receptor de webhooks y lo deja en marcha hasta Ctrl+C.

    Comprueba la firma de Meta (X-Hub-Signature-256) de cada entrega antes de leerla, guarda
    cada mensaje una sola vez aunque Meta lo reintente, y contesta enseguida: «conectados
    daemon» lo responde, lo radica o lo deja para revisión. Detrás de un proxy HTTPS, la
    dirección pública de la ruta [webhooks] ruta es la que se registra en Meta, con el token
    de verificación de [webhooks] token_verificacion_env. Con las redes en modo sandbox se
    suscribe solo al simulador de «conectados daemon».
    """
    from channels.registry import SANDBOX_URL
    from office.build import build_receiver, reachable, receiver_config
    from webhooks.server import subscribe_to_sandbox, tune_collector_for_receiver

    settings = app.settings
    config = receiver_config(app)
    server = build_receiver(app, app.ready_database(), config, host, port)
    tune_collector_for_receiver()  # this process is the receiver and nothing else
    once_started = None
    if config.sandbox:
        # The simulator stands in for Meta's App Dashboard: the receiver subscribes to it.
        sandbox_url = settings.sandbox.url or SANDBOX_URL

        def once_started() -> None:
            subscribe_to_sandbox(sandbox_url, reachable(server.url), config.verify_token)
            click.echo(f"Suscrito al simulador de redes en {sandbox_url}.")

    click.echo(f"Recibiendo webhooks en {server.url} (Ctrl+C para detenerlo).")
    server.serve_forever(once_started)
    click.echo("Receptor detenido.")
