"""Settings: defaults, then `conectados.toml`, then CONECTADOS_* variables, then CLI flags.

Keys are Spanish because the communications team edits the file; field names are
English and carry the Spanish key as their alias. Credentials are never in the file:
it names the environment variable that holds each one.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    ValidationError,
)
from sqlalchemy.engine import URL, make_url

from conectados.config_errors import describe_validation_error, toml_line_index
from conectados.errors import ConfigError, ManyBadInputs
from conectados.settings_sections import (
    ChannelMode,
    Channels,
    Company,
    DatabaseLocation,
    FolderPath,
    LoggingSettings,
    MetricsSettings,
    NoticeSettings,
    PqrSettings,
    PublishingSettings,
    ResponderSettings,
    SandboxSettings,
    Section,
    WebhookSettings,
    WebSettings,
    ZoneName,
    check_database,
)
from conectados.userfiles import KB, UserFileError, read_user_text

# Commands and adapters name a channel's mode and the company's section from here.
__all__ = [
    "CONFIG_FILENAME",
    "ChannelMode",
    "Company",
    "Settings",
    "database_url",
    "load_settings",
    "resolve_config_path",
]

CONFIG_FILENAME = "conectados.toml"
CONFIG_ENV = "CONECTADOS_CONFIG"
ENV_PREFIX = "CONECTADOS_"
ENV_NESTING = "__"
MAX_SETTINGS_BYTES = 256 * KB
"""The example file is 6 KB; a bigger one is not a settings file."""


class Settings(Section):
    """Everything Conectados reads from `conectados.toml` and CONECTADOS_* variables."""

    timezone: ZoneName = Field("America/Bogota", alias="zona_horaria")
    database: DatabaseLocation = Field("conectados.db", alias="base_datos")
    media_folder: FolderPath = Field("assets", min_length=1, alias="carpeta_medios")
    company: Company = Field(default_factory=Company, alias="empresa")
    channels: Channels = Field(default_factory=Channels, alias="channels")
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings, alias="sandbox")
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings, alias="webhooks")
    web: WebSettings = Field(default_factory=WebSettings, alias="web")
    pqr: PqrSettings = Field(default_factory=PqrSettings, alias="pqr")
    publishing: PublishingSettings = Field(default_factory=PublishingSettings, alias="publicacion")
    metrics: MetricsSettings = Field(default_factory=MetricsSettings, alias="metricas")
    responder: ResponderSettings = Field(default_factory=ResponderSettings, alias="respuestas")
    notices: NoticeSettings = Field(default_factory=NoticeSettings, alias="avisos")
    logging: LoggingSettings = Field(default_factory=LoggingSettings, alias="registros")

    _source: Path | None = PrivateAttr(default=None)
    # Where a relative path resolves: the settings file's folder for values written there,
    # the working directory for defaults, variables and flags.
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _dirs: dict[str, Path] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> Path | None:
        """The settings file read, or None when running on defaults."""
        return self._source

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def database_url(self) -> URL:
        """SQLAlchemy URL: a bare path is a SQLite file, relative to where it was set."""
        return database_url(self.database, self._dir_for("base_datos"))

    @property
    def media_dir(self) -> Path:
        """The folder the calendar's media paths are relative to."""
        folder = Path(self.media_folder).expanduser()
        return folder if folder.is_absolute() else self._dir_for("carpeta_medios") / folder

    @property
    def protocols_dir(self) -> Path | None:
        """The company's own protocols folder, if it set one (adds to the shipped ones)."""
        if not self.responder.protocols_folder:
            return None
        folder = Path(self.responder.protocols_folder).expanduser()
        if folder.is_absolute():
            return folder
        return self._dir_for("respuestas.carpeta_protocolos") / folder

    @property
    def sandbox_state_path(self) -> Path | None:
        """The file where the emulator keeps its world between runs, if the settings name one."""
        if not self.sandbox.state:
            return None
        path = Path(self.sandbox.state).expanduser()
        return path if path.is_absolute() else self._dir_for("sandbox.estado") / path

    @property
    def sectors_path(self) -> Path:
        """The company's list of sectors (barrios and veredas, with their other names)."""
        path = Path(self.notices.sectors_file).expanduser()
        return path if path.is_absolute() else self._dir_for("avisos.sectores") / path

    @property
    def log_file(self) -> Path | None:
        """The file log lines also go to ([registros] archivo), if the company set one."""
        if not self.logging.file:
            return None
        path = Path(self.logging.file).expanduser()
        return path if path.is_absolute() else self._dir_for("registros.archivo") / path

    def _dir_for(self, key: str) -> Path:
        return self._dirs.get(key, self._base_dir)

    def with_database(self, location: str, base_dir: Path | None = None) -> Settings:
        """A copy that uses another database (the --db flag), relative to `base_dir`."""
        try:
            check_database(location)
        except ValueError as exc:
            raise ConfigError(str(exc), "opción --db") from None
        copy = self.model_copy(update={"database": location})
        copy._source = self._source
        copy._base_dir = self._base_dir
        copy._dirs = {**self._dirs, "base_datos": base_dir if base_dir is not None else Path.cwd()}
        return copy


def database_url(location: str, base_dir: Path) -> URL:
    """Turn a database setting into an SQLAlchemy URL; PostgreSQL always through psycopg 3."""
    if "://" not in location:
        path = Path(location).expanduser()
        return URL.create("sqlite", database=str(path if path.is_absolute() else base_dir / path))
    url = make_url(location)
    if url.get_backend_name() in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def resolve_config_path(
    explicit: Path | str | None, environ: Mapping[str, str], cwd: Path
) -> tuple[Path, bool]:
    """Where the settings file is: --config, then CONECTADOS_CONFIG, then ./conectados.toml.

    The flag says whether the user named it (then it must exist, except for `init`,
    which writes it).
    """
    for value, where in ((explicit, "opción --config"), (environ.get(CONFIG_ENV), CONFIG_ENV)):
        if value is None:
            continue
        if not str(value).strip():
            raise ConfigError("está vacía; escriba la ruta del archivo de configuración", where)
        return cwd / Path(value).expanduser(), True
    return cwd / CONFIG_FILENAME, False


def load_settings(
    config: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read and validate the settings; raise ConfigError naming file, line and key."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    path, named = resolve_config_path(config, environ, cwd)
    data: dict[str, Any] = {}
    text = ""
    from_file = _exists(path)
    if from_file:
        text = _read_text(path)
        data = _parse_toml(text, path)
    elif named:
        raise ConfigError(
            "el archivo de configuración no existe; créelo con «conectados init» "
            "o corrija la ruta en --config o CONECTADOS_CONFIG",
            str(path),
        )
    overrides = env_overrides(environ)
    for keys, (value, _var) in overrides.items():
        _set_nested(data, keys, value)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        lines = toml_line_index(text)
        problems = sorted(
            (
                describe_validation_error(error, Settings, path, lines, overrides)
                for error in exc.errors()
            ),
            key=lambda problem: _line_number(problem.location),
        )
        raise (problems[0] if len(problems) == 1 else ManyBadInputs(problems)) from None
    settings._source = path if from_file else None
    settings._base_dir = path.parent if from_file else cwd
    settings._dirs = {".".join(keys): cwd for keys in overrides}
    return settings


def env_overrides(environ: Mapping[str, str]) -> dict[tuple[str, ...], tuple[Any, str]]:
    """CONECTADOS_SECCION__CLAVE=valor for every known section or top-level key.

    Other CONECTADOS_* variables (token holders, CONECTADOS_CONFIG) are not settings
    and are left alone; a misspelt key inside a known section is reported by validation.
    """
    sections = {
        (field.alias or name).upper()
        for name, field in Settings.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    }
    top_level = {(field.alias or name).upper() for name, field in Settings.model_fields.items()}
    found: dict[tuple[str, ...], tuple[Any, str]] = {}
    for var, raw in environ.items():
        if not var.startswith(ENV_PREFIX) or var == CONFIG_ENV:
            continue
        parts = var[len(ENV_PREFIX) :].split(ENV_NESTING)
        head = parts[0]
        if (len(parts) == 1 and head in top_level) or (len(parts) > 1 and head in sections):
            found[tuple(p.lower() for p in parts)] = (_env_value(raw), var)
    return found


def _env_value(raw: str) -> Any:
    """A variable's text, or a list when written as a TOML array: ["a", "b"]."""
    stripped = raw.strip()
    if stripped.startswith("["):
        try:
            return tomllib.loads(f"v = {stripped}")["v"]
        except (tomllib.TOMLDecodeError, RecursionError):
            return raw  # validation then says what the value should be
    return raw


def _line_number(location: str | None) -> int:
    tail = (location or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _set_nested(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        child = data.get(key)
        if not isinstance(child, dict):
            child = {}
            data[key] = child
        data = child
    data[keys[-1]] = value


def _exists(path: Path) -> bool:
    """Whether there is anything at `path` (a broken link counts: reading it says why)."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True  # reading it names the problem in Spanish
    return True


def _read_text(path: Path) -> str:
    try:
        return read_user_text(path, MAX_SETTINGS_BYTES, "un archivo de configuración .toml")
    except UserFileError as error:
        raise ConfigError(error.problem, error.location) from None


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


MAX_KEY_PARTS = 16
"""Parts of a dotted key or table name ([channels.facebook] has two): Python's TOML parser
takes time that grows with the square of the parts, so a long chain is refused unparsed."""


def _longest_key(text: str) -> tuple[int, int]:
    """(line, dots) of the line with the most dots outside strings and comments, in one pass;
    a dot between two digits (1.5, a time's fraction) is a number's, not a key's."""
    worst = (0, 0)
    line, dots, quote, index, size = 1, 0, "", 0, len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            worst = max(worst, (dots, line), key=lambda pair: pair[0])
            line, dots = line + 1, 0
            if quote in ('"', "'"):
                quote = ""  # a one-line string does not go on (the parser says so)
        elif quote:
            if text.startswith(quote, index):
                index += len(quote) - 1
                quote = ""
            elif char == "\\" and quote[0] == '"' and text[index + 1 : index + 2] != "\n":
                index += 1  # an escaped quote does not close the string
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote) - 1
        elif char == "#":
            end = text.find("\n", index)
            index = (size if end == -1 else end) - 1
        elif char == "." and not (
            text[index - 1 : index].isdigit() and text[index + 1 : index + 2].isdigit()
        ):
            dots += 1
        index += 1
    worst = max(worst, (dots, line), key=lambda pair: pair[0])
    return worst[1], worst[0]


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    line, dots = _longest_key(text)
    if dots >= MAX_KEY_PARTS:
        raise ConfigError(
            f"una clave o una tabla tiene {dots + 1} partes separadas por puntos; la "
            "configuración usa a lo sumo dos (por ejemplo [channels.facebook])",
            f"{path}:{line}",
        )
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ConfigError(
            "el archivo tiene demasiadas listas o tablas unas dentro de otras; la "
            "configuración usa a lo sumo dos niveles (por ejemplo [channels.facebook])",
            str(path),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        line = match.group(1) if match else "?"
        column = match.group(2) if match else "?"
        raise ConfigError(
            f"el archivo no es TOML válido cerca de la columna {column}; revise comillas, "
            "corchetes y que cada clave tenga la forma clave = valor",
            f"{path}:{line}",
        ) from None
