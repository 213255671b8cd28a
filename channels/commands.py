"""`conectados sandbox ...`: run the emulator of the networks on its own."""

from __future__ import annotations

import errno

import click

from channels.sandbox import SandboxServer
from conectados.errors import BadInput
from conectados.terminal import Group


@click.group(cls=Group)
def sandbox() -> None:
    """Simulador local de Facebook y X, para pruebas y demostraciones."""


@sandbox.command()
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="DIRECCIÓN",
    help="Dirección donde escucha (por defecto 127.0.0.1).",
)
@click.option(
    "--port",
    default=8765,
    type=click.IntRange(0, 65535),
    metavar="PUERTO",
    help="Puerto donde escucha (por defecto 8765).",
)
def serve(host: str, port: int) -> None:
    """Inicia el simulador y lo deja en marcha hasta Ctrl+C.

    Habla las mismas rutas de la Graph API de Meta y de la API v2 de X que usa Conectados;
    su API de control está en /_sandbox/ (ciudadanos, fallas, estado, reinicio).
    """
    try:
        server = SandboxServer(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(f"el puerto {port} ya está en uso; elija otro con --port") from None
        raise BadInput(f"no se pudo escuchar en {host}:{port} ({exc.strerror})") from None
    click.echo(f"Simulador de redes escuchando en {server.url} (Ctrl+C para detenerlo).")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Simulador detenido.")
    finally:
        server.close()
