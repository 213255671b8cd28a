"""`conectados web` and `conectados usuarios`: the web office and the accounts that sign in.

Part of the roof: it hands the web office the status that `conectados status` gathers
(`office.status`), which the `web` package does not import.
"""

from __future__ import annotations

import sys

import click

from conectados.app import App
from conectados.errors import BadInput
from conectados.terminal import Command, Group


def build_office(app: App, database=None):
    from office.commands import format_status
    from office.status import collect_status
    from web.app import Office

    def status_source():
        current = collect_status(app)
        return current, format_status(current)

    return Office(app, status_source, database)


def start_web(app: App, database, port: int | None = None):
    """The web office in a thread of the daemon ([web] activo = true), or None."""
    from web.app import build_web_app
    from web.server import WebServer

    settings = app.settings.web
    office = build_office(app, database)
    return WebServer(
        build_web_app(office), settings.host, settings.port if port is None else port
    ).start()


@click.command(cls=Command)
@click.option(
    "--host",
    default=None,
    metavar="DIRECCIÓN",
    help="Dirección donde escucha (por defecto la de [web] direccion: 127.0.0.1).",
)
@click.option(
    "--port",
    default=None,
    type=click.IntRange(0, 65535),
    metavar="PUERTO",
    help="Puerto donde escucha (por defecto el de [web] puerto: 8000).",
)
@click.pass_obj
def web(app: App, host: str | None, port: int | None) -> None:
    """La oficina web: revisar, radicar, planear y ver el informe desde el navegador.

    Cada persona entra con su cuenta («conectados usuarios add»). Escucha solo en esta
    máquina (127.0.0.1) salvo que [web] direccion diga otra cosa; para usarla desde otros
    equipos, póngala detrás de un proxy HTTPS (el README dice cómo).
    """
    from web.accounts import list_users
    from web.app import build_web_app
    from web.server import WebServer

    settings = app.settings.web
    database = app.ready_database()
    office = build_office(app, database)
    server = WebServer(
        build_web_app(office),
        host or settings.host,
        settings.port if port is None else port,
    )
    click.echo(f"Oficina web en {server.url} (Ctrl+C para detenerla).")
    if not list_users(database):
        click.echo(
            "Todavía no hay cuentas: cree la primera con «conectados usuarios add NOMBRE "
            "--rol admin»."
        )
    server.serve_forever()
    click.echo("Oficina web detenida.")


@click.group(cls=Group)
def usuarios() -> None:
    """Cuentas de la oficina web: crear, listar y desactivar."""


@usuarios.command("add")
@click.argument("usuario")
@click.option(
    "--rol",
    required=True,
    type=click.Choice(["comunicaciones", "pqr", "admin"]),
    help="comunicaciones: calendario, revisión, avisos; pqr: radicados; admin: todo y las cuentas.",
)
@click.option("--nombre", default="", help="Nombre de la persona, como aparece en lo que decide.")
@click.pass_obj
def add(app: App, usuario: str, rol: str, nombre: str) -> None:
    """Crea una cuenta; la contraseña se pide sin mostrarla (o se lee de la entrada).

    La contraseña nunca va en la línea de órdenes (quedaría en el historial). Desde un
    programa: «printf '%s\\n' "$CLAVE" | conectados usuarios add ana --rol pqr».
    """
    from web.accounts import add_user
    from web.models import Role

    database = app.ready_database()
    user = add_user(database, usuario, nombre or usuario, Role(rol), _password())
    click.echo(f"Cuenta «{user.username}» creada, con el rol {user.role}.")


@usuarios.command("list")
@click.pass_obj
def list_(app: App) -> None:
    """Las cuentas, su rol y si están activas (nunca sus contraseñas)."""
    from web.accounts import list_users

    users = list_users(app.ready_database())
    if not users:
        click.echo("No hay cuentas: cree una con «conectados usuarios add NOMBRE --rol admin».")
        return
    zone = app.settings.zone
    for user in users:
        last = (
            f"último ingreso {user.last_login_at.astimezone(zone):%Y-%m-%d %H:%M}"
            if user.last_login_at
            else "nunca ha entrado"
        )
        state = "activa" if user.active else "desactivada"
        click.echo(f"{user.username:<20} {user.role:<15} {state:<12} {user.name} · {last}")


@usuarios.command("disable")
@click.argument("usuario")
@click.pass_obj
def disable(app: App, usuario: str) -> None:
    """Desactiva una cuenta: no puede entrar, y sus sesiones abiertas terminan."""
    from web.accounts import disable_user

    user = disable_user(app.ready_database(), usuario)
    click.echo(f"Cuenta «{user.username}» desactivada; sus sesiones abiertas terminaron.")


@usuarios.command("enable")
@click.argument("usuario")
@click.pass_obj
def enable(app: App, usuario: str) -> None:
    """Activa de nuevo una cuenta y la desbloquea (tras «disable» o tras contraseñas erradas)."""
    from web.accounts import enable_user

    user = enable_user(app.ready_database(), usuario)
    click.echo(f"Cuenta «{user.username}» activa y desbloqueada.")


@usuarios.command("password")
@click.argument("usuario")
@click.pass_obj
def password(app: App, usuario: str) -> None:
    """Cambia la contraseña de una cuenta (pedida sin mostrarla, o leída de la entrada); la
    desbloquea y cierra sus sesiones abiertas."""
    from web.accounts import set_password

    user = set_password(app.ready_database(), usuario, _password())
    click.echo(f"Contraseña de «{user.username}» cambiada; sus sesiones abiertas terminaron.")


def _password() -> str:
    """Asked twice without showing it in a terminal; one line of the input otherwise."""
    if not sys.stdin.isatty():
        typed = sys.stdin.readline().rstrip("\r\n")
        if not typed:
            raise BadInput("escriba la contraseña en la entrada estándar", "contraseña")
        return typed
    first = click.prompt("Contraseña (al menos 10 caracteres)", hide_input=True, prompt_suffix=": ")
    again = click.prompt("Repítala", hide_input=True, prompt_suffix=": ")
    if first != again:
        raise BadInput("las dos contraseñas no coinciden; vuelva a intentarlo", "contraseña")
    return first
