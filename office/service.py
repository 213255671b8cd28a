"""`conectados servicio`: the commands that install the systemd unit and its file of secrets
(what those files say, and how they are written, is in the ground floor's
`conectados.service_files`, beside the templates in conectados/deploy/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from conectados.app import App
from conectados.errors import BadInput
from conectados.files import write_atomically
from conectados.service_files import (
    COMMAND_MARK,
    DEFAULT_COMMAND,
    DEFAULT_ENV_FILE,
    DEFAULT_FOLDER,
    DEFAULT_UNIT_FOLDER,
    DEFAULT_USER,
    UNIT_NAME,
    ServicePlan,
    cannot_write,
    check_writable,
    command_text,
    company_settings,
    env_file_text,
    installed_executable,
    installed_unit,
    unit_text,
    write_env_file,
)
from conectados.settings import Settings
from conectados.terminal import Command, Group
from conectados.userfiles import UserFileError


def _plan(
    app: App,
    usuario: str | None,
    carpeta: str | None,
    entorno: str | None,
    installed: dict[str, str] | None = None,
) -> ServicePlan:
    """The plan from the options; an option not given keeps what the installed unit says."""
    installed = installed or {}
    executable, python = installed_executable()
    config = Path(app.config_path) if app.config_path else None
    if config is None and app.environ.get("CONECTADOS_CONFIG"):
        config = Path(app.environ["CONECTADOS_CONFIG"])
    if config is None and installed.get("--config"):
        config = Path(installed["--config"])
    usuario = usuario or installed.get("--usuario") or DEFAULT_USER
    carpeta = carpeta or installed.get("--carpeta") or DEFAULT_FOLDER
    entorno = entorno or installed.get("--entorno") or DEFAULT_ENV_FILE
    return ServicePlan(
        user=usuario,
        folder=app.cwd / Path(carpeta).expanduser(),
        env_file=app.cwd / Path(entorno).expanduser(),
        executable=executable,
        python=python,
        config=(app.cwd / config.expanduser()) if config else None,
    )


_KEPT = "si no se indica: el de la unidad ya instalada, o"
_user_option = click.option(
    "--usuario",
    metavar="NOMBRE",
    help=f"Usuario sin privilegios que ejecuta el servicio ({_KEPT} {DEFAULT_USER}).",
)
_folder_option = click.option(
    "--carpeta",
    metavar="CARPETA",
    help="Carpeta de trabajo: conectados.toml, la base SQLite; la única en que escribe "
    f"({_KEPT} {DEFAULT_FOLDER}).",
)
_env_option = click.option(
    "--entorno",
    metavar="ARCHIVO",
    help=f"Archivo con los secretos (tokens), modo 600 ({_KEPT} {DEFAULT_ENV_FILE}).",
)


@click.group(cls=Group)
def servicio() -> None:
    """Instala Conectados como servicio del sistema (systemd).

    El servicio ejecuta «conectados daemon» con un usuario sin privilegios, lo reinicia si
    falla y toma los tokens de un archivo de entorno que solo root puede leer. Las personas
    usan «sudo conectados …», que corre como el servicio. Vea docs/instalacion.md.
    """


@servicio.command(cls=Command)
@_user_option
@_folder_option
@_env_option
@click.pass_obj
def unidad(app: App, usuario: str | None, carpeta: str | None, entorno: str | None) -> None:
    """Imprime la unidad de systemd, con las rutas de esta instalación, sin escribir nada."""
    click.echo(unit_text(_plan(app, usuario, carpeta, entorno)), nl=False)


@servicio.command(cls=Command)
@_user_option
@_folder_option
@_env_option
@click.option(
    "--destino",
    default=DEFAULT_UNIT_FOLDER,
    show_default=True,
    metavar="CARPETA",
    help="Dónde se escribe conectados.service.",
)
@click.option(
    "--comando",
    metavar="RUTA",
    help=f"Dónde se escribe el comando «conectados» para las personas (por defecto "
    f"{DEFAULT_COMMAND}; con --destino, en esa carpeta).",
)
@click.pass_obj
def instalar(
    app: App,
    usuario: str | None,
    carpeta: str | None,
    entorno: str | None,
    destino: str,
    comando: str | None,
) -> None:
    """Escribe la unidad de systemd, el archivo de secretos y el comando para las personas.

    La unidad se reescribe cada vez (después de actualizar, vuelva a ejecutarlo): las
    opciones que no se indiquen se toman de la unidad ya instalada. El archivo de secretos
    se crea con modo 600 solo si no existe: nunca se reemplaza ni se muestra su contenido.
    El comando (/usr/local/bin/conectados) carga esos secretos y ejecuta Conectados como el
    usuario del servicio, en su carpeta: «sudo conectados status».
    """
    unit_path = app.cwd / Path(destino).expanduser() / UNIT_NAME
    existed = unit_path.exists()
    installed = installed_unit(unit_path) if existed else {}
    plan = _plan(app, usuario, carpeta, entorno, installed)
    text = unit_text(plan)
    if comando is None:
        comando = (
            DEFAULT_COMMAND if destino == DEFAULT_UNIT_FOLDER else str(Path(destino) / "conectados")
        )
    command_path = app.cwd / Path(comando).expanduser()
    _refuse_someone_elses(command_path)
    command = command_text(plan)
    for path in (unit_path, plan.env_file, command_path):  # all writable, or none is written
        check_writable(path)
    root = os.geteuid() == 0
    owner = "root" if root else _user_name()
    settings = company_settings(plan)
    # The secrets file first: if the unit then fails, a rerun finds it and leaves it alone,
    # while a unit without its EnvironmentFile would not start.
    wrote_env = write_env_file(plan.env_file, env_file_text(settings, owner))
    try:
        write_atomically(unit_path, text)
        unit_path.chmod(0o644)
        write_atomically(command_path, command)
        command_path.chmod(0o755)
    except UserFileError:
        raise
    except OSError as exc:
        raise UserFileError(cannot_write(exc), unit_path) from None
    click.echo(f"Unidad de systemd {'actualizada' if existed else 'escrita'}: {unit_path}")
    taken = [
        f"{option} {value}"
        for option, given, value in (
            ("--usuario", usuario, plan.user),
            ("--carpeta", carpeta, plan.folder),
            ("--entorno", entorno, plan.env_file),
        )
        if given is None and option in installed
    ]
    if taken:
        click.echo("  Tomado de la unidad instalada (no lo indicó): " + ", ".join(taken))
    people = "conectados" if command_path == Path(DEFAULT_COMMAND) else str(command_path)
    click.echo(f"Comando para las personas: {command_path} (con sudo: sudo {people} status)")
    if wrote_env:
        click.echo(f"Archivo de secretos creado (modo 600, solo {owner} lo lee): {plan.env_file}")
        click.echo("  Escriba allí los tokens; las variables que lee Conectados ya están listadas.")
    else:
        click.echo(f"Archivo de secretos: {plan.env_file} (ya existía; no se tocó)")
        _say_missing_variables(plan.env_file, settings)
    folder, user = plan.folder, plan.user
    if not root:
        click.echo(
            "\nSin root, esto es solo una prueba: para instalarlo de verdad ejecute el mismo "
            "comando con sudo y sin --destino."
        )
    elif existed:
        click.echo(
            "\nPasos siguientes (como root), para que systemd use la unidad nueva:\n"
            "  systemctl daemon-reload\n"
            "  systemctl restart conectados\n"
            "  journalctl -u conectados -n 50       # cómo arrancó\n"
        )
    else:
        click.echo(
            "\nPasos siguientes (como root):\n"
            f"  useradd --system --home-dir {folder} --no-create-home "
            f"--shell /usr/sbin/nologin {user}\n"
            f"  install -d -o {user} -g {user} -m 750 {folder}\n"
            f"  sudo {people} init   # en {folder}: conectados.toml y la base\n"
            "  systemctl daemon-reload\n"
            "  systemctl enable --now conectados\n"
            "  systemctl status conectados\n"
            "  journalctl -u conectados -f          # los registros, en vivo\n"
        )
    if plan.executable is None:
        click.echo(
            "Aviso: Conectados no está instalado en este entorno (no hay un programa "
            f"«conectados» junto a {plan.python}); el servicio usará «python -m conectados». "
            "Instálelo con «make» o «pip install .» y vuelva a ejecutar este comando."
        )


def _user_name() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"el usuario {os.geteuid()}"


def _refuse_someone_elses(path: Path) -> None:
    """Never replace a program someone else wrote (a symbolic link is replaced, not followed)."""
    if path.is_symlink() or not path.exists():
        return
    try:
        ours = COMMAND_MARK in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        ours = False
    if not ours:
        raise BadInput(
            "ya existe y no lo escribió Conectados; bórrelo o elija otra ruta con --comando",
            str(path),
        )


def _say_missing_variables(env_file: Path, settings: Settings) -> None:
    """Name the variables conectados.toml names that the secrets file does not mention."""
    try:
        text = env_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    mentioned = set(re.findall(r"(?m)^\s*#?\s*([A-Za-z_][A-Za-z0-9_]*)=", text))
    missing = [name for name in _variables(settings) if name not in mentioned]
    if missing:
        click.echo(
            "  conectados.toml nombra variables que ese archivo no tiene; añádalas: "
            + ", ".join(missing)
        )


def _variables(settings: Settings) -> list[str]:
    names = [
        variable
        for channel in settings.channels.by_name().values()
        for variable in channel.credential_variables().values()
    ]
    names += [settings.webhooks.verify_token_env, settings.webhooks.app_secret_env]
    return list(dict.fromkeys(names))
