"""The report as tidy CSV tables (one row per observation), for the team's spreadsheets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conectados.files import write_atomically
from conectados.spanish import spreadsheet_csv
from reports.report import (
    SPANISH,
    Report,
)
from reports.words import (
    HEADLINE_NAMES,
    type_name,
)


def write_csvs(report: Report, folder: Path) -> list[Path]:
    """Tidy tables: one row per observation, for the team's spreadsheets."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    period = f"{report.period.start:%Y-%m-%d}/{report.period.end - timedelta(days=1):%Y-%m-%d}"

    def save(name: str, header: list[str], rows: list[list]) -> None:
        path = folder / name
        write_atomically(
            path, spreadsheet_csv(["periodo", *header], ([period, *row] for row in rows))
        )
        written.append(path)

    head = report.headline()
    before = report.previous.headline() if report.previous else {}
    save(
        "resumen.csv",
        ["cifra", "nombre", "valor", "periodo_anterior"],
        [
            [name, HEADLINE_NAMES.get(name, name), value, before.get(name, "")]
            for name, value in head.items()
        ],
    )
    save(
        "redes.csv",
        ["red", "cifra", "valor"],
        [
            [name, SPANISH[metric], getattr(figures, metric)]
            for name, figures in report.networks.items()
            for metric in ("published", "failed", "late", "reach", "views", "reactions", "comments", "shares", "clicks", "saved")
        ],
    )  # fmt: skip
    save(
        "solicitudes_por_dia.csv",
        ["fecha", "solicitudes"],
        [[day, count] for day, count in report.requests_by_day.items()],
    )
    save(
        "solicitudes_por_canal.csv",
        ["canal", "solicitudes"],
        [[name, count] for name, count in report.requests_by_channel.items()],
    )
    save(
        "solicitudes_por_protocolo.csv",
        ["protocolo", "nombre", "solicitudes"],
        [
            [name, report.protocol_label(name), count]
            for name, count in report.requests_by_protocol.items()
        ],
    )
    save(
        "alcance_por_dia.csv",
        ["red", "fecha", "vistas_acumuladas"],
        [[network, day, value] for network, per in report.reach_by_day.items() for day, value in per.items()],
    )  # fmt: skip
    save(
        "pqr_por_tipo.csv",
        ["tipo", "nombre", "radicadas"],
        [[kind, type_name(kind), count] for kind, count in report.tickets_by_type.items()],
    )
    save(
        "decisiones_por_persona.csv",
        ["persona", "decision", "cantidad"],
        [
            [person, what, count]
            for person, counts in report.decisions_by_person.items()
            for what, count in counts.items()
        ],
    )
    save(
        "avisos_whatsapp.csv",
        ["cifra", "valor"],
        [
            *[[f"avisos_enviados_{kind}", count] for kind, count in
              report.notices.as_dict()["avisos_enviados_por_tipo"].items()],
            *[[name, value] for name, value in report.notices.as_dict().items()
              if not isinstance(value, dict)],
        ],
    )  # fmt: skip
    save(
        "respondidas_solas_por_semana.csv",
        ["semana", "lunes", "del_periodo", "solicitudes", "respondidas_solas", "a_revision",
         "proporcion_respondidas_solas"],
        [
            [week.iso_week, week.monday.isoformat(), "si" if week.in_period else "no",
             week.requests, week.alone, week.review, _blank(week.alone_share)]
            for week in report.automatic.weeks
        ],
    )  # fmt: skip
    learned = report.automatic.learned
    save(
        "aprendizaje.csv",
        ["protocolo", "nombre", "ejemplos_aprendidos", "umbral", "precision_antes",
         "precision_despues", "cobertura_antes", "cobertura_despues", "calculado"],
        [
            [protocol_id, name, figures.examples, _blank(figures.threshold),
             _blank(figures.precision_before), _blank(figures.precision_after),
             _blank(figures.coverage_before), _blank(figures.coverage_after),
             learned.computed_at.astimezone(report.period.zone).isoformat(timespec="minutes")]
            for protocol_id, name, figures in [
                *((key, report.protocol_label(key), value) for key, value in learned.protocols.items()),
                ("total", "Total", learned.total),
            ]
        ] if learned is not None else [],
    )  # fmt: skip
    save(
        "pqr_vencidas.csv",
        ["radicado", "tipo", "nombre_tipo", "vencia", "respondida"],
        [
            [t["radicado"], t["tipo"], type_name(t["tipo"]), t["vencia"], t["respondida"]]
            for t in report.overdue
        ],
    )
    return written


def _blank(value: float | None) -> float | str:
    """A measured share, or an empty cell where there is no data (never a 0)."""
    return "" if value is None else value
