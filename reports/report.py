"""What a report holds: the figures per network, the citizens' requests, the PQR and the
people's decisions, with the words each figure goes by."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from channels.specs import SPECS
from reports.automatic_figures import AutomaticFigures
from reports.notice_figures import NoticeFigures
from reports.period import Period

NO_PROTOCOL = "sin protocolo"
"""The key of the requests that no protocol was clear about (they went to a person)."""
METRICS = ("reach", "views", "reactions", "comments", "shares", "clicks")
SPANISH = {
    "network": "red",
    "published": "hechas",
    "failed": "fallidas",
    "late": "tarde",
    "reach": "alcance",
    "views": "vistas",
    "reactions": "reacciones",
    "comments": "comentarios",
    "shares": "compartidos",
    "clicks": "clics",
    "saved": "guardados",
    "post_id": "publicacion",
    "text": "texto",
    "url": "enlace",
    "interactions": "interacciones",
}
"""The JSON's keys in Spanish, like every other key of `report --json`."""
CHANNEL_NAMES = {"comment": "comentarios", "mention": "menciones", "message": "mensajes privados"}
TICKET_STATES = ("abiertas", "vencidas sin respuesta", "respondidas", "cerradas")
"""Where a PQR stands: open within its term, past its term with no answer, answered, closed."""
DECISIONS = ("aprobadas", "rechazadas", "radicadas", "respondidas", "cerradas")
"""What a person decides: replies approved (edited or not, with another protocol or not) and
rejected, PQR filed by hand, answered and closed."""


def figures_meaning(network: str) -> str:
    """What a network's figures mean, in words the team reads (no API names)."""
    found = SPECS.get(network)
    return found.figures_meaning if found is not None else ""


def figures_source(network: str) -> str:
    """Where a network's figures come from in its API: a footnote for whoever checks them."""
    found = SPECS.get(network)
    return found.figures_source if found is not None else ""


@dataclass
class NetworkFigures:
    network: str
    published: int = 0
    failed: int = 0
    late: int = 0
    reach: int | None = 0
    """None when the network reported no reach for the period's posts (X never does): unknown,
    never a 0."""
    views: int = 0
    reactions: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0
    saved: int | None = None
    """How many times the posts were saved; None when no post of the network reported it
    (only Instagram does): unknown, never a 0. Not an interaction: the rate stays comparable
    between networks."""

    @property
    def interactions(self) -> int:
        return self.reactions + self.comments + self.shares + self.clicks

    @property
    def active(self) -> bool:
        """Whether the network published, failed or reported anything in the period (the
        report's notes speak only of those: a network with nothing needs no explanation)."""
        figures = (self.published, self.failed, self.reach or 0, self.views, self.interactions)
        return any(figures)

    @property
    def engagement_rate(self) -> float | None:
        """Interactions per view (or per person reached where views are not reported)."""
        base = self.views or self.reach or 0
        return self.interactions / base if base else None


@dataclass
class BestPost:
    network: str
    post_id: str
    text: str
    url: str | None
    views: int
    interactions: int
    saved: int | None = None
    """None where the network does not report saves (unknown, never 0)."""


@dataclass
class Report:
    company: str
    period: Period
    networks: dict[str, NetworkFigures] = field(default_factory=dict)
    best_posts: list[BestPost] = field(default_factory=list)
    reach_by_day: dict[str, dict[str, int]] = field(default_factory=dict)
    """network -> day -> views+reach collected by the end of that day (how it grew)."""
    requests_by_day: dict[str, int] = field(default_factory=dict)
    requests_by_channel: dict[str, int] = field(default_factory=dict)
    requests_by_protocol: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    answered_automatically: int = 0
    answered: int = 0
    first_answer_minutes: list[float] = field(default_factory=list)
    pending_replies_at_end: int = 0
    tickets_by_type: dict[str, int] = field(default_factory=dict)
    tickets_by_causal: dict[str, int] = field(default_factory=dict)
    tickets: int = 0
    tickets_settled: int = 0
    """The PQR whose term was settled in the period: answered in time in the period, or whose
    term ran out in the period (up to when the report is made), answered or not."""
    tickets_in_term: int = 0
    """Of tickets_settled, those answered by their due day (damage reports: by their due hour)."""
    tickets_by_state: dict[str, int] = field(default_factory=dict)
    """The PQR filed in the period by where they stood when the period ended (or now, for a
    period in course): TICKET_STATES -> how many."""
    tickets_overdue_open: int = 0
    """PQR past their term with no answer when the period ended (or now), whenever filed."""
    overdue: list[dict[str, str]] = field(default_factory=list)
    decisions_by_person: dict[str, dict[str, int]] = field(default_factory=dict)
    """person -> DECISIONS -> how many they made in the period (the service's own left out)."""
    previous: Report | None = None
    generated_at: datetime | None = None
    days_counted: int = 0
    """Days of the period already lived when the report was made (a month in course)."""
    protocol_names: dict[str, str] = field(default_factory=dict)
    """Protocol id -> its `nombre` in the catalogue: what the report shows instead of the id."""
    notices: NoticeFigures = field(default_factory=NoticeFigures)
    """The WhatsApp notices: broadcasts, their messages, reach, subscribers gained and lost."""
    automatic: AutomaticFigures = field(default_factory=AutomaticFigures)
    """Requests answered alone and sent to review, week by week; what was learned."""

    def protocol_label(self, protocol_id: str) -> str:
        """What a person reads for a protocol id: its name, or words for one with none."""
        if protocol_id in self.protocol_names:
            return self.protocol_names[protocol_id]
        if protocol_id == NO_PROTOCOL:
            return "Sin protocolo claro (las decide una persona)"
        words = protocol_id.replace("_", " ").strip()
        return f"{words[:1].upper()}{words[1:]} (protocolo que ya no está en el catálogo)"

    # --- headline figures -----------------------------------------------------------

    @property
    def total(self) -> NetworkFigures:
        total = NetworkFigures("total")
        for figures in self.networks.values():
            for name in ("published", "failed", "late", *METRICS):
                if name != "reach":
                    setattr(total, name, getattr(total, name) + getattr(figures, name))
        known = [figures.reach for figures in self.networks.values() if figures.reach is not None]
        total.reach = sum(known) if known or not self.networks else None
        saves = [figures.saved for figures in self.networks.values() if figures.saved is not None]
        total.saved = sum(saves) if saves else None
        return total

    @property
    def without_saves(self) -> list[str]:
        """The networks that published or reported figures but no saves (only Instagram
        reports them): their «guardados» read «—»."""
        return [
            name
            for name, figures in self.networks.items()
            if figures.saved is None and figures.active
        ]

    @property
    def without_reach(self) -> list[str]:
        """The networks that did not report reach: the total reach leaves them out."""
        return [name for name, figures in self.networks.items() if figures.reach is None]

    @property
    def partial(self) -> bool:
        return self.days_counted < self.period.days

    @property
    def requests_per_day(self) -> float:
        days = self.days_counted or self.period.days
        return self.requests / days if days else 0.0

    @property
    def automatic_share(self) -> float | None:
        return self.answered_automatically / self.requests if self.requests else None

    @property
    def median_first_answer(self) -> float | None:
        return statistics.median(self.first_answer_minutes) if self.first_answer_minutes else None

    @property
    def p90_first_answer(self) -> float | None:
        values = sorted(self.first_answer_minutes)
        if not values:
            return None
        return values[max(0, math.ceil(0.9 * len(values)) - 1)]  # nearest rank

    @property
    def in_term_share(self) -> float | None:
        return self.tickets_in_term / self.tickets_settled if self.tickets_settled else None

    def headline(self) -> dict[str, float | int | None]:
        total = self.total
        return {
            "publicaciones": total.published,
            "publicaciones_fallidas": total.failed,
            "publicaciones_tarde": total.late,
            "alcance": total.reach,
            "visualizaciones": total.views,
            "interacciones": total.interactions,
            "tasa_interaccion": total.engagement_rate,
            "solicitudes": self.requests,
            "solicitudes_por_dia": round(self.requests_per_day, 1),
            "respuestas_automaticas": self.automatic_share,
            "minutos_primera_respuesta_mediana": self.median_first_answer,
            "minutos_primera_respuesta_p90": self.p90_first_answer,
            "respuestas_pendientes_al_cierre": self.pending_replies_at_end,
            "pqr_radicadas": self.tickets,
            "pqr_respondidas_o_vencidas": self.tickets_settled,
            "pqr_respondidas_en_termino": self.tickets_in_term,
            "pqr_en_termino": self.in_term_share,
            "pqr_vencidas_sin_respuesta": self.tickets_overdue_open,
            "pqr_respondidas_tarde": len(self.overdue) - self.tickets_overdue_open,
            "pqr_vencidas": len(self.overdue),
        }

    def as_dict(self) -> dict:
        return {
            "empresa": self.company,
            "periodo": {
                "desde": self.period.start.isoformat(),
                "hasta": (self.period.end - timedelta(days=1)).isoformat(),
            },
            "generado": (
                self.generated_at.astimezone(self.period.zone).isoformat()
                if self.generated_at
                else None
            ),
            "periodo_incompleto": self.partial,
            "cifras": self.headline(),
            "periodo_anterior": self.previous.headline() if self.previous else None,
            "redes": {
                name: {
                    **{SPANISH.get(key, key): value for key, value in asdict(figures).items()},
                    "tasa_interaccion": figures.engagement_rate,
                    "definicion": figures_meaning(name),
                }
                for name, figures in self.networks.items()
            },
            "vistas_acumuladas_por_dia": self.reach_by_day,
            "respondidas": self.answered,
            "mejores_publicaciones": [
                {SPANISH.get(key, key): value for key, value in asdict(post).items()}
                for post in self.best_posts
            ],
            "solicitudes_cada_dia": self.requests_by_day,
            "solicitudes_por_canal": self.requests_by_channel,
            "solicitudes_por_protocolo": self.requests_by_protocol,
            "nombres_de_protocolos": {
                protocol_id: self.protocol_label(protocol_id)
                for protocol_id in self.requests_by_protocol
            },
            "pqr_por_tipo": self.tickets_by_type,
            "pqr_por_causal": self.tickets_by_causal,
            "pqr_radicadas_por_estado": self.tickets_by_state,
            "pqr_vencidas": self.overdue,
            "decisiones_por_persona": self.decisions_by_person,
            "avisos_whatsapp": self.notices.as_dict(),
            **self.automatic.as_dict(self.period.zone),
        }
