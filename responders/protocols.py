"""Message protocols: the company's approved answers (one YAML file each, read by
`responders.protocol_files`), the filters, and the catalogue that holds them.

Templates are Jinja2, rendered in a sandbox with only the variables listed in `VARIABLES`.
What a citizen wrote is never a template: at most their display name is a value in one.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from conectados.errors import ConectadosError
from conectados.spanish import spanish_list


class ProtocolAction(enum.StrEnum):
    """What a protocol does with a message it matches (Spanish: the team writes these)."""

    ANSWER = "responder"
    TICKET = "radicar"
    REVIEW = "revisar"


VARIABLES = {
    "autor": "el nombre con el que el ciudadano aparece en la red (puede estar vacío)",
    "empresa": "los datos de [empresa]: nombre, telefono, telefonos, whatsapp, correo, direccion, horario, web, puntos_pago",
    "avisos": "los avisos de servicio que tocan al mensaje: sector, desde, hasta, motivo, en_curso (sí o no) y cuando («en este momento, hasta hoy a las 2:00 p. m.» o «programado para mañana, de 8:00 a. m. a 2:00 p. m.»); los del sector que nombra el ciudadano, o todos si no nombra ninguno",
    "sector": "el sector de nuestro aviso que nombra el ciudadano (vacío si no nombra ninguno con aviso)",
    "radicado": "el número de radicado, en los protocolos que radican (puede estar vacío)",
    "fecha_limite": "la fecha límite para responder el radicado (puede estar vacía)",
    "estado": "en privado, el estado del radicado que cita el ciudadano (puede estar vacío)",
    "red": "facebook, x o whatsapp",
    "canal": "comment, mention o message",
    "adjuntos": "cuántos archivos (fotos, videos, audios) envió el ciudadano con su mensaje",
}
FIELDS = (
    "id",
    "nombre",
    "accion",
    "prioridad",
    "responde_reportes",
    "tipo_pqr",
    "causal",
    "descripcion",
    "claves",
    "ejemplos",
    "respuesta_publica",
    "respuesta_privada",
    "consulta_claves",
    "consulta_publica",
    "consulta_privada",
)
CONSULTATION_FIELDS = ("consulta_claves", "consulta_publica", "consulta_privada")
"""A protocol that files reports may also answer a plain question about its topic ("¿el agua
es potable?"): the words such a question rests on, and its answer."""
FILTER_GROUPS = ("otros_servicios", "nuestro_servicio", "spam", "insultos", "inconformidad")
PATTERN_GROUPS = ("patrones_inconformidad", "patrones_fuera_de_alcance")
PQR_TYPES = (
    "peticion",
    "queja",
    "reclamo",
    "recurso",
    "solicitud_informacion",
    "consulta",
    "reporte_dano",
)


class RenderError(ConectadosError):
    """A protocol's template failed with real data (the sample values at load did not)."""


def template_problem(error: Exception) -> str:
    """Jinja's complaint, said in Spanish for the team."""
    message = str(getattr(error, "message", None) or error)
    undefined = re.search(r"'([^']+)' (?:is undefined|has no attribute '([^']+)')", message)
    if undefined:
        name = undefined.group(2) or undefined.group(1)
        return f"la plantilla usa «{name}», que no existe; puede usar {', '.join(VARIABLES)}"
    missing_filter = re.search(r"No filter named '([^']+)'", message)
    if missing_filter:
        return f"la plantilla usa el filtro «{missing_filter.group(1)}», que no existe; solo está «lista»"
    missing_test = re.search(r"No test named '([^']+)'", message)
    if missing_test:
        return f"la plantilla usa la prueba «{missing_test.group(1)}», que no existe"
    if isinstance(error, SecurityError):
        return "la plantilla usa algo que no está permitido en una respuesta"
    if "out of range" in message or "index" in message:
        return "la plantilla pide un elemento de una lista vacía; póngalo dentro de «{% if ... %}»"
    return "la plantilla no se pudo completar; pruébela con «conectados protocols match»"


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, read-only, and without `"a" * 10**9`: no template can eat the memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            raise SecurityError("potencias en una plantilla")
        sizes = [len(value) for value in (left, right) if isinstance(value, str | list | tuple)]
        times = [value for value in (left, right) if isinstance(value, int)]
        if sizes and times and max(sizes) * max(times) > 10_000:
            raise SecurityError("operación demasiado grande para una plantilla")
        return super().call_binop(context, operator, left, right)


def template_environment() -> SandboxedEnvironment:
    environment = _Sandbox(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    environment.filters = {"lista": spanish_list}
    environment.tests = {}
    environment.globals = {}
    return environment


@dataclass(frozen=True)
class Key:
    """A keyword or phrase and how much it says for (or, negative, against) a protocol."""

    phrase: str
    stems: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Protocol:
    id: str
    name: str
    action: ProtocolAction
    description: str
    keys: tuple[Key, ...]
    examples: tuple[str, ...]
    public_template: jinja2.Template
    private_template: jinja2.Template
    source: str
    pqr_type: str | None = None
    example_stems: tuple[frozenset[str], ...] = ()
    causal: str | None = None
    """The SSPD causal code a ticket from this protocol is filed under (reclamos)."""
    low_priority: bool = False
    """`prioridad: baja`: only chosen when no other protocol has any evidence (greetings)."""
    answers_reports: bool = False
    """`responde_reportes: si`: it answers statements ("no hay agua"), not only questions."""
    consultation: Protocol | None = None
    """`consulta_*`: the answer to a plain question about a topic this protocol files reports
    of (same id, action answer), given when the message asks with the consultation's words
    and reports nothing (`responders.policy.consultation`)."""
    consultation_keys: tuple[Key, ...] = ()

    def render(self, context: Mapping[str, Any], private: bool) -> str:
        template = self.private_template if private else self.public_template
        try:
            return tidy(template.render(context))
        except jinja2.TemplateError as error:
            field = "respuesta_privada" if private else "respuesta_publica"
            raise RenderError(f"{self.source}: {field}: {template_problem(error)}") from None


@dataclass(frozen=True)
class Filters:
    """Words that put a message out of our scope: other utilities, spam, insults."""

    other_services: tuple[Key, ...] = ()
    """Electricity, gas, internet...: not ours, unless the message also names our service."""
    ours: tuple[Key, ...] = ()
    """Words that say the message is about water or sewerage after all."""
    spam: tuple[Key, ...] = ()
    insults: tuple[Key, ...] = ()
    discontent: tuple[Key, ...] = ()
    """Signs of a complaint ("hace dos meses", "nadie da razón"): never answered alone."""
    discontent_patterns: tuple[re.Pattern[str], ...] = ()
    """The same, as regular expressions over the folded words ("me cobraron", "leyeron mal")."""
    other_service_patterns: tuple[re.Pattern[str], ...] = ()
    source: str = ""


@dataclass
class Catalogue:
    protocols: dict[str, Protocol] = field(default_factory=dict)
    filters: Filters = field(default_factory=Filters)

    def __iter__(self):
        return iter(self.protocols.values())

    def get(self, protocol_id: str) -> Protocol | None:
        return self.protocols.get(protocol_id)


_DOUBLE_PERIOD = re.compile(r"\b([ap])\. m\.\.")


def tidy(text: str) -> str:
    """Collapse the blank lines and stray spaces that template conditionals leave behind."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    tidied: list[str] = []
    for line in lines:
        if not line and (not tidied or not tidied[-1]):
            continue
        tidied.append(line)
    # "a las 4:00 p. m." at the end of a sentence: one period, not two.
    return _DOUBLE_PERIOD.sub(r"\1. m.", "\n".join(tidied).strip())


def sample_context() -> dict[str, Any]:
    """Every variable a template may use, with typical values (to check templates at load)."""
    return {
        "autor": "Marta Gómez",
        "empresa": {
            "nombre": "Empresa de Acueducto de Ejemplo S.A. E.S.P.",
            "telefono": "607 123 4567",
            "telefonos": ["607 123 4567"],
            "whatsapp": "+57 300 123 4567",
            "correo": "pqr@ejemplo.gov.co",
            "direccion": "Calle 10 # 12-34",
            "horario": "lunes a viernes de 7:00 a. m. a 5:00 p. m.",
            "web": "https://www.ejemplo.gov.co",
            "puntos_pago": ["oficina principal", "PSE"],
        },
        "avisos": [
            {
                "sector": "Centro",
                "desde": "lunes 30 de noviembre, 8:00 a. m.",
                "hasta": "lunes 30 de noviembre, 4:00 p. m.",
                "motivo": "mantenimiento",
                "en_curso": True,
                "cuando": "en este momento, hasta hoy a las 4:00 p. m.",
            }
        ],
        "sector": "Centro",
        "radicado": "2026-000001",
        "fecha_limite": "18 de diciembre de 2026",
        "estado": "en trámite; la fecha límite de respuesta es el 18 de diciembre de 2026",
        "red": "facebook",
        "canal": "comment",
        "adjuntos": 1,
    }
