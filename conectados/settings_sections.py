"""The sections of the settings ([empresa], [channels], [pqr]...) and the checks on their values.

Each section is a frozen model with Spanish aliases; conectados.settings puts them together."""

from __future__ import annotations

import enum
import re
import zoneinfo
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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


def check_database(value: str) -> str:
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
DatabaseLocation = Annotated[str, AfterValidator(check_database)]
FolderPath = Annotated[str, AfterValidator(_check_path)]
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Characters no setting holds (a line break or a tab may stand in a text, nothing else)."""


class Section(BaseModel):
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


class Company(Section):
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


class _ChannelSettings(Section):
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

    def missing_account_key(self) -> str | None:
        """The key naming the company's account that real mode needs and the file leaves
        empty ("pagina_id"), if any."""
        return None

    def window_template(self) -> str:
        """The approved template that carries a reply after the network's message window
        closes; "" for a network without one (or when none is configured)."""
        return ""

    def account_id(self) -> str:
        """The company's account on this network, as the settings name it ("" when unset)."""
        return ""

    def real_mode_gap(self) -> str:
        """What real mode lacks for part of the network's work, in Spanish ("" for nothing):
        `conectados status` says it next to the network."""
        return ""


class FacebookSettings(_ChannelSettings):
    """[channels.facebook]: the company's Facebook Page (and its Messenger inbox)."""

    page_id: str = Field("", alias="pagina_id")
    app_id: str = Field("", alias="app_id")
    """The Meta app's id: videos that are not Reels go up through its Resumable Upload API."""
    token_env: EnvVarName = Field("CONECTADOS_FACEBOOK_TOKEN", alias="token_env")
    comment_window_days: int = Field(14, ge=1, le=90, alias="dias_comentarios")

    def missing_account_key(self) -> str | None:
        return None if self.page_id else "pagina_id"

    def account_id(self) -> str:
        return self.page_id


class InstagramSettings(_ChannelSettings):
    """[channels.instagram]: the company's Instagram professional account, linked to its
    Facebook Page (Instagram API with Facebook Login, on graph.facebook.com)."""

    ig_user_id: str = Field("", alias="cuenta_id")
    """The Instagram professional account's id (the Page's instagram_business_account)."""
    token_env: EnvVarName = Field("CONECTADOS_FACEBOOK_TOKEN", alias="token_env")
    """The same Meta token as the Page's serves Instagram (a system user's, or the Page's)."""
    media_url: str = Field("", max_length=500, alias="url_medios")
    """The public address where carpeta_medios is served (Meta fetches images from it)."""
    comment_window_days: int = Field(14, ge=1, le=90, alias="dias_comentarios")
    human_agent_tag: bool = Field(False, alias="etiqueta_agente_humano")
    """Meta granted the app the Human Agent feature (App Review): a Direct message is answered
    up to 7 days after the citizen wrote, tagged HUMAN_AGENT; off, only within 24 hours."""

    @field_validator("media_url")
    @classmethod
    def _media_url(cls, value: str) -> str:
        address = value.strip()
        if address and (
            not address.lower().startswith(("https://", "http://"))
            or any(char.isspace() for char in address)
            or len(address.split("://", 1)[1].split("/", 1)[0]) == 0
        ):
            raise ValueError(
                "debe ser la dirección completa donde se sirve la carpeta de medios, con "
                "https:// al comienzo y sin espacios (por ejemplo "
                "https://www.acueducto.gov.co/medios), o vacío"
            )
        return address

    def missing_account_key(self) -> str | None:
        return None if self.ig_user_id else "cuenta_id"

    def real_mode_gap(self) -> str:
        if self.media_url:
            return ""
        return "sin url_medios no salen imágenes ni carruseles (los Reels sí)"

    def account_id(self) -> str:
        return self.ig_user_id


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

    def missing_account_key(self) -> str | None:
        return None if self.phone_number_id else "telefono_id"

    def window_template(self) -> str:
        return self.template

    def account_id(self) -> str:
        return self.phone_number_id


class Channels(Section):
    """[channels]: one table per network."""

    facebook: FacebookSettings = Field(default_factory=FacebookSettings, alias="facebook")
    instagram: InstagramSettings = Field(default_factory=InstagramSettings, alias="instagram")
    x: XSettings = Field(default_factory=XSettings, alias="x")
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings, alias="whatsapp")

    @model_validator(mode="before")
    @classmethod
    def _one_meta_token(cls, data: Any) -> Any:
        """Instagram uses the Page's Meta token: with no token_env of its own, it takes the
        variable [channels.facebook] names (a company that renamed it names it once)."""
        if not isinstance(data, dict) or not isinstance(data.get("facebook"), dict):
            return data
        variable = data["facebook"].get("token_env")
        instagram = data.get("instagram", {})
        if not isinstance(variable, str) or not _ENV_VAR_NAME.match(variable):
            return data  # Facebook's own error says what is wrong, once
        if not isinstance(instagram, dict) or "token_env" in instagram:
            return data
        return {**data, "instagram": {**instagram, "token_env": variable}}

    def by_name(self) -> dict[str, _ChannelSettings]:
        return {name: getattr(self, name) for name in type(self).model_fields}


class SandboxSettings(Section):
    """[sandbox]: where the emulator runs; empty url means start one in this process."""

    url: SandboxUrl = Field("", alias="url")
    # The file where the emulator this process starts keeps its world between runs (the demo
    # sets it); empty: its world lives in memory and is gone when the process ends.
    state: FolderPath = Field("", max_length=1000, alias="estado")


class WebhookSettings(Section):
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


class WebSettings(Section):
    """[web]: the web office, where the team reviews, files and plans from a browser."""

    in_daemon: bool = Field(False, alias="activo")
    host: str = Field("127.0.0.1", min_length=1, alias="direccion")
    # 0: the system picks a free port (tests use it).
    port: int = Field(8000, ge=0, le=65535, alias="puerto")


class PublishingSettings(Section):
    """[publicacion]: how the daemon publishes."""

    every_seconds: float = Field(5, gt=0, le=3600, alias="cada_segundos")
    max_attempts: int = Field(5, ge=1, le=50, alias="intentos")
    deadline_hours: float = Field(6, gt=0, le=24 * 7, alias="horas_limite")
    lease_seconds: float = Field(600, ge=1, le=24 * 3600, alias="reserva_segundos")
    workers: int = Field(8, ge=1, le=64, alias="en_paralelo")


class MetricsSettings(Section):
    """[metricas]: how often figures are collected, and for how old publications."""

    every_hours: float = Field(6, gt=0, le=24 * 7, alias="cada_horas")
    days: int = Field(30, ge=1, le=365, alias="dias")


class PqrSettings(Section):
    """[pqr]: how legal terms are counted."""

    saturday_is_working_day: bool = Field(False, alias="sabado_habil")
    damage_hours: float = Field(24, gt=0, le=24 * 30, alias="horas_reporte_dano")
    privacy_notice: str = Field("", max_length=1000, alias="aviso_datos")
    privacy_policy_url: str = Field("", max_length=300, alias="politica_datos_url")
    hide_comments_with_data: bool = Field(True, alias="ocultar_comentarios_con_datos")


class ResponderSettings(Section):
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


class NoticeSettings(Section):
    """[avisos]: WhatsApp notices to the citizens who subscribed, by sector.

    The templates are the company's, approved by Meta in WhatsApp Manager (utility category
    for service notices); their body variables are listed in docs/comunicaciones.md.
    """

    sectors_file: FolderPath = Field("sectores.yaml", min_length=1, alias="sectores")
    notice_template: str = Field("aviso_corte", max_length=512, alias="plantilla_aviso")
    restored_template: str = Field(
        "servicio_restablecido", max_length=512, alias="plantilla_restablecido"
    )
    content_text_template: str = Field(
        "contenido_texto", max_length=512, alias="plantilla_contenido_texto"
    )
    content_image_template: str = Field(
        "contenido_imagen", max_length=512, alias="plantilla_contenido_imagen"
    )
    content_video_template: str = Field(
        "contenido_video", max_length=512, alias="plantilla_contenido_video"
    )
    template_language: str = Field("es", min_length=2, max_length=15, alias="idioma_plantillas")
    messages_per_second: float = Field(80, gt=0, le=1000, alias="mensajes_por_segundo")
    """The number's throughput (Meta: 80 per second by default, up to 1,000)."""
    daily_limit: int = Field(1000, ge=1, le=10_000_000, alias="limite_diario")
    """People reached with templates in any 24 hours (the portfolio's messaging limit:
    250, 2,000, 10,000, 100,000): past it the rest waits, queued."""
    confirmation_wait_seconds: float = Field(
        300, ge=1, le=24 * 3600, alias="espera_confirmacion_segundos"
    )
    """A send cut off mid-call (the daemon was killed) waits this long for WhatsApp's status
    before it is taken as never sent and queued again."""
    lease_seconds: float = Field(60, ge=1, le=3600, alias="reserva_segundos")


class LoggingSettings(Section):
    """[registros]: where log lines go besides stderr (the journal under systemd)."""

    file: FolderPath = Field("", alias="archivo")
