"""The systemd unit that runs the daemon, the command wrapper, and the file of secrets: their
text, and writing them safely (the secrets file created 600, never overwritten)."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from conectados.errors import BadInput
from conectados.settings import CONFIG_FILENAME, Settings, load_settings
from conectados.userfiles import UserFileError, os_error_reason

UNIT_NAME = "conectados.service"
DEFAULT_USER = "conectados"
DEFAULT_FOLDER = "/var/lib/conectados"
DEFAULT_UNIT_FOLDER = "/etc/systemd/system"
DEFAULT_ENV_FILE = "/etc/conectados/conectados.env"
DEFAULT_COMMAND = "/usr/local/bin/conectados"
COMMAND_TEMPLATE = "conectados-comando.sh"
COMMAND_MARK = "escrito por «conectados servicio instalar»"

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
    return _filled(UNIT_NAME, plan, extra, {"@GROUP@": plan.user, "@EXEC_START@": plan.exec_start})


def command_text(plan: ServicePlan) -> str:
    """The `conectados` command for people: the service's user, folder and secrets."""
    unit_text(plan)  # the same checks: every path absolute and safe to write unquoted
    extra = f"export CONECTADOS_CONFIG={plan.config}\n" if plan.config else ""
    return _filled(COMMAND_TEMPLATE, plan, extra, {"@PROGRAM@": plan.program})


def _filled(template_name: str, plan: ServicePlan, extra: str, own: dict[str, str]) -> str:
    """A shipped template (conectados/deploy/) with this installation's values."""
    text = resources.files("conectados").joinpath("deploy", template_name).read_text("utf-8")
    values = {
        "@USER@": plan.user,
        "@FOLDER@": str(plan.folder),
        "@ENV_FILE@": str(plan.env_file),
        "@EXTRA_ENVIRONMENT@": extra,
    } | own
    for placeholder, value in values.items():
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
        raise UserFileError(cannot_write(exc), path) from None
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, text.encode("utf-8"))
    finally:
        os.close(descriptor)
    return True


def check_writable(path: Path) -> None:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if path.exists() and not os.access(path, os.W_OK) and path.name == UNIT_NAME:
        raise UserFileError(cannot_write(PermissionError(13, "")), path)
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise UserFileError(cannot_write(PermissionError(13, "")), path)


def cannot_write(exc: OSError) -> str:
    return (
        f"no se pudo escribir ({os_error_reason(exc)}); ejecute el comando con sudo o elija "
        "otra carpeta"
    )
