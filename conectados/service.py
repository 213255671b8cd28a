"""`conectados servicio`: the systemd unit that runs the daemon, and its file of secrets."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import click

from conectados.app import App
from conectados.errors import BadInput
from conectados.files import write_atomically
from conectados.settings import CONFIG_FILENAME, Settings, load_settings
from conectados.terminal import Command, Group
from conectados.userfiles import UserFileError, os_error_reason

UNIT_NAME = "conectados.service"
DEFAULT_USER = "conectados"
DEFAULT_FOLDER = "/var/lib/conectados"
DEFAULT_UNIT_FOLDER = "/etc/systemd/system"
DEFAULT_ENV_FILE = "/etc/conectados/conectados.env"
DEFAULT_COMMAND = "/usr/local/bin/conectados"
COMMAND_TEMPLATE = "conectados-comando.sh"
_COMMAND_MARK = "escrito por «conectados servicio instalar»"

# systemd reads spaces as separators, % as a specifier and $ as a variable in these lines.
_UNSAFE_IN_UNIT = re.compile(r"[\s%$\"'\\;]")
_USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class ServicePlan:
    """What the unit says: who runs it, where, with which program and secrets."""

    user: str
    folder: Path
    env_file: Path
    executable: Path | None
    """The installed `conectados` script; None runs `python -m conectados` instead."""
    python: Path
    config: Path | None = None
    """The settings file the service reads, when it is not `conectados.toml` in `folder`."""

    @property
    def program(self) -> str:
        return str(self.executable) if self.executable else f"{self.python} -m conectados"

    @property
    def exec_start(self) -> str:
        return f"{self.program} -v daemon"


def installed_executable(python: Path | None = None) -> tuple[Path | None, Path]:
    """(the `conectados` script beside this Python, this Python): the virtualenv's own."""
    python = Path(sys.executable if python is None else python).absolute()
    script = python.parent / "conectados"
    return (script if script.is_file() and os.access(script, os.X_OK) else None), python


def unit_text(plan: ServicePlan) -> str:
    """The unit file, with the real paths of this installation."""
    for label, value in (
        ("--carpeta", plan.folder),
        ("--entorno", plan.env_file),
        ("la ruta del programa", plan.executable or plan.python),
        ("--config", plan.config or ""),
    ):
        found = _UNSAFE_IN_UNIT.search(str(value))
        if found:
            raise BadInput(
                f"{value} tiene «{found.group()}» (espacio, %, $, comillas o ;), que systemd "
                "leería de otra forma; elija una ruta sin esos caracteres",
                label,
            )
        if not Path(value).is_absolute() and str(value):
            raise BadInput(f"{value} debe ser una ruta absoluta (empieza por /)", label)
    if not _USER_NAME.match(plan.user):
        raise BadInput(
            f"«{plan.user}» no es un nombre de usuario de Linux válido (minúsculas, números, "
            "_ y -; hasta 32)",
            "--usuario",
        )
    extra = f"Environment=CONECTADOS_CONFIG={plan.config}\n" if plan.config else ""
    template = resources.files("conectados").joinpath("deploy", UNIT_NAME)
    text = template.read_text(encoding="utf-8")
    for placeholder, value in (
        ("@USER@", plan.user),
        ("@GROUP@", plan.user),
        ("@FOLDER@", str(plan.folder)),
        ("@ENV_FILE@", str(plan.env_file)),
        ("@EXTRA_ENVIRONMENT@", extra),
        ("@EXEC_START@", plan.exec_start),
    ):
        text = text.replace(placeholder, value)
    return text


def command_text(plan: ServicePlan) -> str:
    """The `conectados` command for people: the service's user, folder and secrets."""
    unit_text(plan)  # the same checks: every path absolute and safe to write unquoted
    extra = f"export CONECTADOS_CONFIG={plan.config}\n" if plan.config else ""
    template = resources.files("conectados").joinpath("deploy", COMMAND_TEMPLATE)
    text = template.read_text(encoding="utf-8")
    for placeholder, value in (
        ("@USER@", plan.user),
        ("@FOLDER@", str(plan.folder)),
        ("@ENV_FILE@", str(plan.env_file)),
        ("@EXTRA_ENVIRONMENT@", extra),
        ("@PROGRAM@", plan.program),
    ):
        text = text.replace(placeholder, value)
    return text


def installed_unit(path: Path) -> dict[str, str]:
    """The user, folder, secrets file and settings file an installed unit names."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key == "User":
            found["--usuario"] = value
        elif key == "WorkingDirectory":
            found["--carpeta"] = value.lstrip("-")
        elif key == "EnvironmentFile":
            found["--entorno"] = value.lstrip("-")
        elif key == "Environment" and value.startswith("CONECTADOS_CONFIG="):
            found["--config"] = value.removeprefix("CONECTADOS_CONFIG=")
    return found


def company_settings(plan: ServicePlan) -> Settings:
    """The settings the service will read, if they are written already; else the defaults."""
    path = plan.config or plan.folder / CONFIG_FILENAME
    try:
        readable = path.is_file() and os.access(path, os.R_OK)
    except OSError:
        readable = False
    return load_settings(path, {}, plan.folder) if readable else Settings()


def env_file_text(settings: Settings, owner: str = "root") -> str:
    """The secrets file, with every variable the settings name, empty and commented out."""
    lines = [
        f"# Secretos de Conectados. Solo {owner} lo lee (modo 600); systemd se los pasa al",
        "# servicio al arrancarlo, y «sudo conectados …» a los comandos. Una variable por",
        "# línea, NOMBRE=valor, sin comillas ni «export». Quite el # de las que use y",
        "# reinicie: systemctl restart conectados",
        "# Los nombres son los de conectados.toml (token_env, api_key_env…).",
        "",
    ]
    for name, channel in settings.channels.by_name().items():
        lines.append(f"# {name}")
        lines += [f"#{variable}=" for variable in channel.credential_variables().values()]
    lines += [
        "# webhooks de Meta (WhatsApp, comentarios y Messenger por webhook)",
        f"#{settings.webhooks.verify_token_env}=",
        f"#{settings.webhooks.app_secret_env}=",
        "# PostgreSQL con contraseña (si no, base_datos en conectados.toml)",
        "#CONECTADOS_BASE_DATOS=postgresql://conectados:CONTRASEÑA@servidor:5432/conectados",
        "",
    ]
    return "\n".join(lines)


def write_env_file(path: Path, text: str) -> bool:
    """Create the secrets file with mode 600; never touch one that exists. Say if it wrote."""
    if os.path.lexists(path):
        return False
    try:
        path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        # O_EXCL: created here or not at all, even if another process races us; the mode is
        # set at creation, so the file is never readable by others, not even for a moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise UserFileError(_cannot_write(exc), path) from None
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, text.encode("utf-8"))
    finally:
        os.close(descriptor)
    return True


def _check_writable(path: Path) -> None:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if path.exists() and not os.access(path, os.W_OK) and path.name == UNIT_NAME:
        raise UserFileError(_cannot_write(PermissionError(13, "")), path)
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise UserFileError(_cannot_write(PermissionError(13, "")), path)


def _cannot_write(exc: OSError) -> str:
    return (
        f"no se pudo escribir ({os_error_reason(exc)}); ejecute el comando con sudo o elija "
        "otra carpeta"
    )


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
        _check_writable(path)
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
        raise UserFileError(_cannot_write(exc), unit_path) from None
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
        ours = _COMMAND_MARK in path.read_text(encoding="utf-8", errors="replace")
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


def _cli(plan: ServicePlan) -> str:
    program = str(plan.executable) if plan.executable else f"{plan.python} -m conectados"
    return f"{program} --config {plan.config}" if plan.config else program
