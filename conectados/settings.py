"""Settings: defaults, then `conectados.toml`, then CONECTADOS_* variables, then CLI flags.

Keys are Spanish because the communications team edits the file; field names are
English and carry the Spanish key as their alias. Credentials are never in the file:
it names the environment variable that holds each one.
"""

from __future__ import annotations

import enum
import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from conectados.config_errors import describe_validation_error, toml_line_index
from conectados.errors import ConfigError, ManyBadInputs
from conectados.userfiles import KB, UserFileError, read_user_text

CONFIG_FILENAME = "conectados.toml"
CONFIG_ENV = "CONECTADOS_CONFIG"
ENV_PREFIX = "CONECTADOS_"
ENV_NESTING = "__"
MAX_SETTINGS_BYTES = 256 * KB
"""The example file is 6 KB; a bigger one is not a settings file."""

_ENV_VAR_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _check_env_var_name(name: str) -> str:
    if not _ENV_VAR_NAME.match(name):
        raise ValueError(
            "debe ser el NOMBRE de una variable de entorno (mayúsculas, números y _), "
            "no el token: guarde el token en esa variable, nunca en este archivo"
        )
    return name


def _check_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"zona horaria desconocida «{name}»; use un nombre IANA, por ejemplo America/Bogota"
        ) from None
    return name


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_path(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        raise ValueError(
            f"tiene un carácter no válido ({'nulo' if found.group() == chr(0) else 'de control'}) "
            f"en la posición {found.start() + 1}; escriba la ruta sin él"
        )
    return value


def _check_database(value: str) -> str:
    if not value.strip():
        raise ValueError("no puede estar vacío: escriba la ruta de un archivo .db o una URL")
    _check_path(value)
    if "://" in value:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            backend = None
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                "solo se admiten SQLite (una ruta de archivo) y PostgreSQL "
                "(postgresql://usuario@servidor/base)"
            )
    return value


def _check_sandbox_url(value: str) -> str:
    if not value:
        return value  # no url: the daemon starts its own emulator
    example = "por ejemplo http://127.0.0.1:8765"
    if value != value.strip() or any(char.isspace() or not char.isprintable() for char in value):
        raise ValueError(
            f"la dirección no puede tener espacios ni caracteres de control; {example}"
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError(
            f"«{value[:80]}» no es una dirección válida: revise el servidor y el puerto "
            f"(de 1 a 65535); {example}"
        ) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"la dirección debe empezar por http:// o https://; {example}")
    if not parts.hostname:
        raise ValueError(f"falta el servidor en la dirección; {example}")
    if port == 0:
        raise ValueError(f"el puerto debe estar entre 1 y 65535; {example}")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError(f"la dirección del simulador no lleva «?» ni «#»; {example}")
    return value


EnvVarName = Annotated[str, AfterValidator(_check_env_var_name)]
SandboxUrl = Annotated[str, AfterValidator(_check_sandbox_url)]
ZoneName = Annotated[str, AfterValidator(_check_zone)]
DatabaseLocation = Annotated[str, AfterValidator(_check_database)]
FolderPath = Annotated[str, AfterValidator(_check_path)]


_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Characters no setting holds (a line break or a tab may stand in a text, nothing else)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else [value]:
            found = _CONTROL_IN_TEXT.search(text) if isinstance(text, str) else None
            if found:
                kind = "nulo" if found.group() == "\x00" else "de control"
                raise ValueError(
                    f"tiene un carácter no válido ({kind}) en la posición {found.start() + 1}; "
                    "escriba el texto sin él"
                )
        return value


class Company(_Section):
    """[empresa]: who the company is; reply templates quote these values."""

    name: str = Field("", alias="nombre")
    nit: str = Field("", alias="nit")
    phones: list[str] = Field(default_factory=list, alias="telefonos")
    whatsapp: str = Field("", alias="whatsapp")
    email: str = Field("", alias="correo")
    address: str = Field("", alias="direccion")
    office_hours: str = Field("", alias="horario")
    website: str = Field("", alias="web")
    payment_points: list[str] = Field(default_factory=list, alias="puntos_pago")

    def missing_fields(self) -> list[str]:
        """The Spanish keys still empty, which templates would otherwise print blank."""
        return [
            field.alias or name
            for name, field in type(self).model_fields.items()
            if not getattr(self, name)
        ]


class ChannelMode(enum.StrEnum):
    """Which world a channel talks to."""

    SANDBOX = "sandbox"
    """The local emulator of the networks: no credentials, nothing leaves the machine."""
    REAL = "real"
    """The real network, with the credentials named in the settings."""


class _ChannelSettings(_Section):
    enabled: bool = Field(True, alias="activo")
    mode: ChannelMode = Field(ChannelMode.SANDBOX, alias="modo")
    poll_minutes: float = Field(2, gt=0, le=24 * 60, alias="leer_cada_minutos")

    def credential_variables(self) -> dict[str, str]:
        """Role of each credential -> the environment variable that holds it."""
        return {
            name.removesuffix("_env"): getattr(self, name)
            for name in type(self).model_fields
            if name.endswith("_env")
        }


class FacebookSettings(_ChannelSettings):
    """[channels.facebook]: the company's Facebook Page (and its Messenger inbox)."""

    page_id: str = Field("", alias="pagina_id")
    token_env: EnvVarName = Field("CONECTADOS_FACEBOOK_TOKEN", alias="token_env")
    comment_window_days: int = Field(14, ge=1, le=90, alias="dias_comentarios")


class XSettings(_ChannelSettings):
    """[channels.x]: the company's X account, with OAuth 1.0a user credentials."""

    user_id: str = Field("", alias="usuario_id")
    api_key_env: EnvVarName = Field("CONECTADOS_X_API_KEY", alias="api_key_env")
    api_secret_env: EnvVarName = Field("CONECTADOS_X_API_SECRET", alias="api_secret_env")
    access_token_env: EnvVarName = Field("CONECTADOS_X_ACCESS_TOKEN", alias="access_token_env")
    access_secret_env: EnvVarName = Field("CONECTADOS_X_ACCESS_SECRET", alias="access_secret_env")


class WhatsAppSettings(_ChannelSettings):
    """[channels.whatsapp]: the company's WhatsApp Business number, on the Cloud API.

    Citizens' messages arrive only by webhook (`conectados webhooks serve`); this table says
    how to answer them.
    """

    enabled: bool = Field(True, alias="activo")
    phone_number_id: str = Field("", alias="telefono_id")
    token_env: EnvVarName = Field("CONECTADOS_WHATSAPP_TOKEN", alias="token_env")
    template: str = Field("", max_length=512, alias="plantilla_fuera_de_ventana")
    template_language: str = Field("es", min_length=2, max_length=15, alias="idioma_plantilla")


class Channels(_Section):
    """[channels]: one table per network."""

    facebook: FacebookSettings = Field(default_factory=FacebookSettings, alias="facebook")
    x: XSettings = Field(default_factory=XSettings, alias="x")
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings, alias="whatsapp")

    def by_name(self) -> dict[str, _ChannelSettings]:
        return {name: getattr(self, name) for name in type(self).model_fields}


class SandboxSettings(_Section):
    """[sandbox]: where the emulator runs; empty url means start one in this process."""

    url: SandboxUrl = Field("", alias="url")
    # The file where the emulator this process starts keeps its world between runs (the demo
    # sets it); empty: its world lives in memory and is gone when the process ends.
    state: FolderPath = Field("", max_length=1000, alias="estado")


class WebhookSettings(_Section):
    """[webhooks]: the receiver of what Meta pushes (WhatsApp, Page comments, Messenger)."""

    in_daemon: bool = Field(True, alias="con_el_servicio")
    host: str = Field("127.0.0.1", min_length=1, alias="direccion")
    # 0: the system picks a free port (the simulator is subscribed to it; tests use it).
    port: int = Field(8080, ge=0, le=65535, alias="puerto")
    path: str = Field("/webhooks/meta", pattern=r"^/[A-Za-z0-9/_.-]*$", alias="ruta")
    verify_token_env: EnvVarName = Field(
        "CONECTADOS_WEBHOOK_VERIFY_TOKEN", alias="token_verificacion_env"
    )
    app_secret_env: EnvVarName = Field("CONECTADOS_META_APP_SECRET", alias="secreto_app_env")
    max_kilobytes: int = Field(1024, ge=1, le=16 * 1024, alias="tamano_maximo_kb")


class PublishingSettings(_Section):
    """[publicacion]: how the daemon publishes."""

    every_seconds: float = Field(5, gt=0, le=3600, alias="cada_segundos")
    max_attempts: int = Field(5, ge=1, le=50, alias="intentos")
    deadline_hours: float = Field(6, gt=0, le=24 * 7, alias="horas_limite")
    lease_seconds: float = Field(600, ge=1, le=24 * 3600, alias="reserva_segundos")
    workers: int = Field(8, ge=1, le=64, alias="en_paralelo")


class MetricsSettings(_Section):
    """[metricas]: how often figures are collected, and for how old publications."""

    every_hours: float = Field(6, gt=0, le=24 * 7, alias="cada_horas")
    days: int = Field(30, ge=1, le=365, alias="dias")


class PqrSettings(_Section):
    """[pqr]: how legal terms are counted."""

    saturday_is_working_day: bool = Field(False, alias="sabado_habil")
    damage_hours: float = Field(24, gt=0, le=24 * 30, alias="horas_reporte_dano")
    privacy_notice: str = Field("", max_length=1000, alias="aviso_datos")
    privacy_policy_url: str = Field("", max_length=300, alias="politica_datos_url")
    hide_comments_with_data: bool = Field(True, alias="ocultar_comentarios_con_datos")


class ResponderSettings(_Section):
    """[respuestas]: when the responder answers on its own and where the protocols are."""

    protocols_folder: FolderPath = Field("", alias="carpeta_protocolos")
    auto_threshold: float = Field(0.6, gt=0, le=1, alias="umbral_automatico")
    review_threshold: float = Field(0.45, gt=0, le=1, alias="umbral_revision")
    min_margin: float = Field(0.15, ge=0, le=1, alias="margen_minimo")
    auto_hours: float = Field(48, gt=0, le=24 * 30, alias="responder_hasta_horas")
    per_author_hour: int = Field(3, ge=1, le=100, alias="respuestas_por_persona_hora")

    @model_validator(mode="after")
    def _ordered(self) -> ResponderSettings:
        if self.review_threshold > self.auto_threshold:
            raise ValueError("umbral_revision no puede ser mayor que umbral_automatico")
        return self


class LoggingSettings(_Section):
    """[registros]: where log lines go besides stderr (the journal under systemd)."""

    file: FolderPath = Field("", alias="archivo")


class Settings(_Section):
    """Everything Conectados reads from `conectados.toml` and CONECTADOS_* variables."""

    timezone: ZoneName = Field("America/Bogota", alias="zona_horaria")
    database: DatabaseLocation = Field("conectados.db", alias="base_datos")
    media_folder: FolderPath = Field("assets", min_length=1, alias="carpeta_medios")
    company: Company = Field(default_factory=Company, alias="empresa")
    channels: Channels = Field(default_factory=Channels, alias="channels")
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings, alias="sandbox")
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings, alias="webhooks")
    pqr: PqrSettings = Field(default_factory=PqrSettings, alias="pqr")
    publishing: PublishingSettings = Field(default_factory=PublishingSettings, alias="publicacion")
    metrics: MetricsSettings = Field(default_factory=MetricsSettings, alias="metricas")
    responder: ResponderSettings = Field(default_factory=ResponderSettings, alias="respuestas")
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
            _check_database(location)
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
