"""The report for people: a one-file HTML page, tidy CSVs, and a summary for the terminal."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.cells import cell_len

from conectados.files import write_atomically
from conectados.spanish import number, percent, spanish_date, spanish_moment, spreadsheet_csv
from reports.charts import bars, lines
from reports.figures import (
    API_SOURCES,
    NETWORK_TITLES,
    REACH_DEFINITIONS,
    SPANISH,
    TICKET_STATES,
    Report,
)
from responders.sspd import CAUSALES
from responders.terms import TicketType
from responders.tickets import TYPE_NAMES

NETWORK_NAMES = NETWORK_TITLES | {"total": "Total"}
HEADLINE_NAMES = {
    "publicaciones": "Publicaciones hechas",
    "publicaciones_fallidas": "Publicaciones fallidas",
    "publicaciones_tarde": "Publicaciones con retraso",
    "alcance": "Alcance (suma por publicación)",
    "visualizaciones": "Visualizaciones",
    "interacciones": "Interacciones con publicaciones",
    "tasa_interaccion": "Tasa de interacción (proporción)",
    "solicitudes": "Solicitudes de ciudadanos",
    "solicitudes_por_dia": "Solicitudes por día",
    "respuestas_automaticas": "Respondidas automáticamente (proporción)",
    "minutos_primera_respuesta_mediana": "Primera respuesta: la mitad, en estos minutos o menos",
    "minutos_primera_respuesta_p90": "Primera respuesta: 9 de cada 10, en estos minutos o menos",
    "respuestas_pendientes_al_cierre": "Respuestas pendientes al cierre",
    "pqr_radicadas": "PQR radicadas",
    "pqr_respondidas_o_vencidas": "PQR respondidas en el periodo o cuyo plazo venció en él",
    "pqr_respondidas_en_termino": "De ellas, PQR respondidas a tiempo",
    "pqr_en_termino": "PQR respondidas en término (proporción)",
    "pqr_vencidas_sin_respuesta": "PQR vencidas sin respuesta al cierre",
    "pqr_respondidas_tarde": "PQR respondidas fuera de término en el periodo",
    "pqr_vencidas": "PQR vencidas sin respuesta o respondidas fuera de término",
}
"""The headline figures as the summary table (resumen.csv) names them next to their keys."""


def minutes(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return "menos de 1 min"
    if value < 10:
        return f"{number(value, 1)} min"
    if value < 120:
        return f"{number(value, 0)} min"
    return f"{number(value / 60, 1)} h"


def within(value: float | None) -> str:
    """A time as "at most": "1,5 min o menos", "menos de 1 min"."""
    if value is None or value < 1:
        return minutes(value)
    return f"{minutes(value)} o menos"


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as a person reads it, in the company's zone: "5 de diciembre de 2026, 10:24 a. m."."""
    local = moment.astimezone(zone)
    return f"{spanish_date(local.date())}, {spanish_moment(local).partition(', ')[2]}"


def _day_or_moment(text: str, zone: ZoneInfo) -> str:
    """ "2026-11-10" or "2026-11-10 08:00" (already in the company's zone) in words."""
    if not text:
        return ""
    if len(text) == len("2026-11-10"):
        return spanish_date(date.fromisoformat(text))
    return when(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone), zone)


def _sentence(text: str) -> str:
    """A sentence ends with one period ("… 10:24 a. m." already has it)."""
    return text if text.endswith(".") else text + "."


def reach_note(report: Report) -> str:
    """ "X no informa el alcance" (and what the total then adds up), or nothing."""
    missing = [NETWORK_NAMES.get(name, name) for name in report.without_reach]
    if not missing:
        return ""
    others = [
        NETWORK_NAMES.get(name, name)
        for name in report.networks
        if name not in report.without_reach
    ]
    note = f"{' ni '.join(missing)} no informa{'n' if len(missing) > 1 else ''} el alcance"
    return note + (f"; la suma es solo de {', '.join(others)}" if others else "")


def term_note(report: Report) -> str:
    """What «PQR respondidas en término» counts, with this period's numbers."""
    if not report.tickets_settled:
        return "ninguna PQR se respondió ni venció en el periodo"
    return (
        f"{number(report.tickets_in_term)} de {number(report.tickets_settled)} PQR respondidas "
        "en el periodo o cuyo plazo venció en él se respondieron a tiempo"
    )


def change(
    current: float | int | None, before: float | int | None, as_percent: bool = False
) -> str:
    if current is None or before is None:
        return ""
    if as_percent:
        delta = 100 * (current - before)
        return f"{'+' if delta >= 0 else '−'}{number(abs(delta), 1)} puntos"
    if before == 0:
        return "nuevo" if current else ""
    delta = (current - before) / before
    return f"{'+' if delta >= 0 else '−'}{number(abs(100 * delta), 0)} %"


def summary(report: Report, width: int = 80) -> list[str]:
    """What the terminal shows: the headline figures and the comparison, `width` columns wide
    at most (a long label puts its value on the next line; notes wrap)."""
    head = report.headline()
    before = report.previous.headline() if report.previous else {}
    rows = [
        ("Publicaciones hechas", number(head["publicaciones"]), change(head["publicaciones"], before.get("publicaciones"))),
        ("Fallidas / con retraso", f"{head['publicaciones_fallidas']} / {head['publicaciones_tarde']}", ""),
        ("Alcance (suma por publicación)", number(head["alcance"]), change(head["alcance"], before.get("alcance"))),
        ("Visualizaciones", number(head["visualizaciones"]), change(head["visualizaciones"], before.get("visualizaciones"))),
        ("Interacciones con publicaciones", number(head["interacciones"]), change(head["interacciones"], before.get("interacciones"))),
        ("Solicitudes de ciudadanos", number(head["solicitudes"]), change(head["solicitudes"], before.get("solicitudes"))),
        ("Solicitudes por día", number(head["solicitudes_por_dia"], 1), change(head["solicitudes_por_dia"], before.get("solicitudes_por_dia"))),
        ("Respondidas automáticamente", percent(head["respuestas_automaticas"]), change(head["respuestas_automaticas"], before.get("respuestas_automaticas"), True)),
        ("Primera respuesta: la mitad, en", within(head["minutos_primera_respuesta_mediana"]), ""),
        ("Primera respuesta: 9 de cada 10, en", within(head["minutos_primera_respuesta_p90"]), ""),
        ("Respuestas pendientes al cierre", number(head["respuestas_pendientes_al_cierre"]), ""),
        ("PQR radicadas", number(head["pqr_radicadas"]), change(head["pqr_radicadas"], before.get("pqr_radicadas"))),
        ("PQR respondidas en término", percent(head["pqr_en_termino"]), change(head["pqr_en_termino"], before.get("pqr_en_termino"), True)),
        ("PQR vencidas sin respuesta", number(head["pqr_vencidas_sin_respuesta"]), ""),
        ("PQR respondidas fuera de término", number(head["pqr_respondidas_tarde"]), ""),
    ]  # fmt: skip
    width = max(width, 20)
    names = max(cell_len(name) for name, _, _ in rows)
    values = max(cell_len(value) for _, value, _ in rows)
    deltas = max(cell_len(delta) for _, _, delta in rows)
    side_by_side = 2 + names + 2 + values + (2 + deltas if deltas else 0) <= width
    title = [f"{report.company or 'Informe'} — {report.period.label}"]
    if report.partial and report.generated_at:
        title.append(f"(en curso: cifras hasta el {when(report.generated_at, report.period.zone)})")
    if cell_len(" ".join(title)) <= width:
        title = [" ".join(title)]
    out = [line for part in title for line in _wrap(part, width, "")] + [""]
    for name, value, delta in rows:
        if side_by_side:
            pad = " " * (names - cell_len(name))
            out.append(
                f"  {name}{pad}  {' ' * (values - cell_len(value))}{value}  {delta}".rstrip()
            )
        else:
            out.extend(_wrap(name, width, "  "))
            out.extend(_wrap(f"{value}  {delta}".rstrip(), width, "      "))
    notes = [f"PQR respondidas en término: {term_note(report)}."]
    if reach_note(report):
        notes.insert(0, f"Alcance: {reach_note(report)}.")
    if report.previous:
        notes.append(f"La variación compara con: {report.previous.period.label}.")
    out.append("")
    for note in notes:
        out.extend(_wrap(note, width, "  ", "    "))
    out.extend(_decisions_lines(report, width))
    return out


def _wrap(text: str, width: int, indent: str, more: str | None = None) -> list[str]:
    """`text` in lines of at most `width` columns (a word longer than that is cut)."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent if more is None else more,
        break_on_hyphens=False,
    )


DECISION_TITLES = {
    "aprobadas": "respuestas aprobadas",
    "rechazadas": "respuestas rechazadas",
    "radicadas": "PQR radicadas a mano",
    "respondidas": "PQR respondidas",
    "cerradas": "PQR cerradas",
}


def _decisions_lines(report: Report, width: int) -> list[str]:
    """ "Decisiones por persona": one short paragraph per person, for the terminal."""
    if not report.decisions_by_person:
        return []
    out = ["", "  Decisiones por persona:"]
    for person, counts in report.decisions_by_person.items():
        done = [
            f"{DECISION_TITLES[what]}: {number(count)}" for what, count in counts.items() if count
        ]
        out.extend(_wrap(f"{person} — {'; '.join(done)}", width, "    ", "      "))
    return out


def _decisions_section(report: Report) -> str:
    if not report.decisions_by_person:
        return ""
    rows = [
        [person, *(number(counts[what]) for what in DECISION_TITLES)]
        for person, counts in report.decisions_by_person.items()
    ]
    table = _table(["persona", *DECISION_TITLES.values()], rows, set(range(1, 6)))
    return (
        f"<section><h2>Decisiones por persona</h2>{table}"
        '<p class="nota">Quién decidió en el periodo (CONECTADOS_USUARIO o el usuario del '
        "sistema); lo que el servicio hizo solo no aparece aquí.</p></section>"
    )


# --- HTML ---------------------------------------------------------------------------------

STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 190mm; margin: 0 auto;
       font-size: 11pt; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 2pt; color: #1f5f8b; }
h2 { font-size: 13pt; margin: 16pt 0 6pt; border-bottom: 1px solid #ccc; padding-bottom: 2pt; }
.subtitulo { color: #555; margin: 0 0 10pt; }
.cifras { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6pt; }
.cifra { border: 1px solid #d8e2ea; border-radius: 4pt; padding: 6pt; background: #f6f9fb; }
.cifra .valor { font-size: 16pt; font-weight: bold; color: #1f5f8b; }
.cifra .nombre { font-size: 9pt; color: #444; }
.cifra .cambio { font-size: 8.5pt; color: #666; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 4pt 0 8pt; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3pt 3pt; text-align: left; vertical-align: top; }
th { font-size: 8.5pt; }
td.n, th.n { text-align: right; white-space: nowrap; }
.grafica { width: 100%; height: auto; margin: 2pt 0 6pt; }
.nota { font-size: 8.5pt; color: #666; }
section { break-inside: avoid; }
"""


def _figure(name: str, value: str, delta: str) -> str:
    return (
        f'<div class="cifra"><div class="valor">{escape(value)}</div>'
        f'<div class="nombre">{escape(name)}</div>'
        f'<div class="cambio">{escape(delta)}</div></div>'
    )


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(str(cell))}</td>'
            if i in numeric
            else f"<td>{escape(str(cell))}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _type_name(kind: str) -> str:
    try:
        return TYPE_NAMES[TicketType(kind)]
    except ValueError:
        return kind


def _plain(text: str, length: int) -> str:
    """A post's text for a table: one line, without emoji (print fonts lack them)."""
    text = " ".join("".join(char for char in text if ord(char) <= 0xFFFF).split())
    return text if len(text) <= length else text[: length - 1] + "…"


def html(report: Report) -> str:
    head = report.headline()
    before = report.previous.headline() if report.previous else {}
    compare = (
        f"Las variaciones comparan con: {report.previous.period.label}." if report.previous else ""
    )
    zone = report.period.zone
    if report.partial and report.generated_at:
        compare = (
            _sentence(f"Periodo en curso: cifras hasta el {when(report.generated_at, zone)}")
            + " "
            + compare
        )
    cards = [
        _figure("solicitudes de ciudadanos por día", number(head["solicitudes_por_dia"], 1),
                change(head["solicitudes_por_dia"], before.get("solicitudes_por_dia"))),
        _figure("respondidas automáticamente", percent(head["respuestas_automaticas"]),
                change(head["respuestas_automaticas"], before.get("respuestas_automaticas"), True)),
        _figure("primera respuesta: la mitad, en este tiempo o menos", minutes(head["minutos_primera_respuesta_mediana"]),
                f"9 de cada 10, en {within(head['minutos_primera_respuesta_p90'])}"),
        _figure("PQR respondidas en término", percent(head["pqr_en_termino"]),
                f"{term_note(report)}; {number(head['pqr_vencidas_sin_respuesta'])} vencidas sin respuesta"),
        _figure("publicaciones", number(head["publicaciones"]),
                f"{head['publicaciones_fallidas']} fallidas, {head['publicaciones_tarde']} con retraso"),
        _figure("alcance (suma por publicación)", number(head["alcance"]),
                reach_note(report) or change(head["alcance"], before.get("alcance"))),
        _figure("visualizaciones", number(head["visualizaciones"]),
                change(head["visualizaciones"], before.get("visualizaciones"))),
        _figure("tasa de interacción", percent(head["tasa_interaccion"]),
                f"{number(head['interacciones'])} interacciones"),
    ]  # fmt: skip
    days = list(report.requests_by_day)
    every = max(1, len(days) // 10)
    day_labels = [day[8:10] for day in days]
    charts = [
        "<section><h2>Solicitudes de ciudadanos por día</h2>"
        + bars("Solicitudes por día", day_labels, {"solicitudes": [report.requests_by_day[d] for d in days]}, every)
        + "</section>",
    ]  # fmt: skip
    grown_days = sorted({day for per in report.reach_by_day.values() for day in per})
    series = {
        NETWORK_NAMES.get(network, network): [per.get(day, 0) for day in grown_days]
        for network, per in report.reach_by_day.items()
        if any(per.values())
    }
    grown = (
        lines(
            "Vistas acumuladas por red",
            [day[8:10] for day in grown_days],
            series,
            max(1, len(grown_days) // 10),
        )
        if series
        else '<p class="nota">Sin datos: aún no hay cifras de las redes para las publicaciones '
        "del periodo.</p>"
    )
    charts.append(f"<section><h2>Vistas acumuladas por red</h2>{grown}</section>")
    buckets = [
        ("< 5 min", 5),
        ("5–30 min", 30),
        ("30 min–2 h", 120),
        ("2–24 h", 1440),
        ("> 24 h", None),
    ]
    counts = []
    low = 0.0
    for _, high in buckets:
        counts.append(
            sum(1 for m in report.first_answer_minutes if m >= low and (high is None or m < high))
        )
        low = high or low
    charts.append(
        "<section><h2>Tiempo hasta la primera respuesta</h2>"
        + bars(
            "Tiempo hasta la primera respuesta", [b[0] for b in buckets], {"solicitudes": counts}
        )
        + "</section>"
    )
    as_of = when(min(report.generated_at or report.period.last, report.period.last), zone)
    states = report.tickets_by_state or dict.fromkeys(TICKET_STATES, 0)
    charts.append(
        "<section><h2>PQR radicadas en el periodo, según su estado</h2>"
        + bars("PQR por estado", list(states), {"PQR": list(states.values())})
        + f'<p class="nota">Estado el {escape(as_of)} de las {number(report.tickets)} PQR radicadas en el periodo: '
        "abiertas (dentro del plazo), vencidas sin respuesta, respondidas o cerradas.</p></section>"
    )  # fmt: skip
    network_rows = []
    for name, figures in [*report.networks.items(), ("total", report.total)]:
        network_rows.append(
            [
                NETWORK_NAMES.get(name, name),
                number(figures.published),
                number(figures.failed),
                number(figures.late),
                number(figures.reach),
                number(figures.views),
                number(figures.reactions),
                number(figures.comments),
                number(figures.shares),
                number(figures.clicks),
                percent(figures.engagement_rate),
            ]
        )
    best = [
        [NETWORK_NAMES.get(p.network, p.network), _plain(p.text, 90),
         number(p.views), number(p.interactions)]
        for p in report.best_posts
    ]  # fmt: skip
    channels = [[name, number(count)] for name, count in report.requests_by_channel.items()]
    protocols = [
        [report.protocol_label(name), number(count)]
        for name, count in report.requests_by_protocol.items()
    ]
    types = [[_type_name(kind), number(count)] for kind, count in report.tickets_by_type.items()]
    causales = [
        [code, CAUSALES[code].name if code in CAUSALES else "", number(count)]
        for code, count in sorted(report.tickets_by_causal.items())
    ]
    overdue = [
        [t["radicado"], _type_name(t["tipo"]), _day_or_moment(t["vencia"], zone),
         _day_or_moment(t["respondida"], zone) or "sin respuesta"]
        for t in report.overdue
    ]  # fmt: skip
    definitions = "".join(
        f"<li>{escape(NETWORK_NAMES.get(name, name))}: {escape(text)}.</li>"
        for name, text in REACH_DEFINITIONS.items()
        if name in report.networks
    )
    sources = "; ".join(
        f"{NETWORK_NAMES.get(name, name)}: {text}"
        for name, text in API_SOURCES.items()
        if name in report.networks
    )
    reach = reach_note(report)
    return f"""<!DOCTYPE html>
<html lang="es-CO">
<head>
<meta charset="utf-8">
<title>Informe: {escape(report.period.label)} — {escape(report.company)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{escape(report.company or "Informe de la oficina digital")}</h1>
<p class="subtitulo">Informe: {escape(report.period.label)}. Alcance del contenido y atención a los ciudadanos. {escape(compare)}</p>
<div class="cifras">{"".join(cards)}</div>
{"".join(charts)}
<section><h2>Publicaciones por red</h2>
{_table(["red", "hechas", "fallidas", "tarde", "alcance", "vistas", "reacciones", "coment.", "compart.", "clics", "tasa"], network_rows, set(range(1, 11)))}
<ul class="nota">{definitions}{f"<li>Alcance «—»: {escape(reach)}.</li>" if reach else ""}<li>Tasa de interacción: (reacciones + comentarios + compartidos + clics) / vistas (o alcance, si la red no informa vistas).</li><li>Tarde: salió más de 10 minutos después de su hora.</li></ul>
</section>
<section><h2>Las publicaciones con más interacción</h2>
{_table(["red", "texto", "visualizaciones", "interacciones"], best, {2, 3}) if best else '<p class="nota">Aún no hay cifras de las publicaciones del periodo.</p>'}
</section>
<section><h2>Solicitudes por canal y por tema</h2>
{_table(["canal", "solicitudes"], channels, {1})}
{_table(["tema (protocolo)", "solicitudes"], protocols, {1})}
<p class="nota">Solicitudes: los mensajes de los ciudadanos, sin saludos ni mensajes ajenos (publicidad, otros servicios). {number(report.answered)} recibieron respuesta; {number(report.pending_replies_at_end)} respuestas quedaron pendientes al cierre.</p>
</section>
<section><h2>PQR</h2>
{_table(["tipo", "radicadas"], types, {1}) if types else '<p class="nota">No se radicaron PQR en el periodo.</p>'}
{_table(["causal", "nombre", "radicadas"], causales, {2}) if causales else ""}
<p class="nota">PQR respondidas en término: de las PQR respondidas en el periodo o cuyo plazo venció en él (cada una cuenta una vez, en el periodo en que se respondió a tiempo o en que venció), cuántas se respondieron a más tardar el día en que vencían (los reportes de daño, a su hora). Este periodo: {escape(term_note(report))}.</p>
<h2>PQR vencidas o respondidas fuera de término</h2>
{_table(["radicado", "tipo", "vencía", "respondida"], overdue) if overdue else '<p class="nota">Ninguna.</p>'}
</section>
{_decisions_section(report)}
<p class="nota">{escape(_sentence("Generado por Conectados" + (f" el {when(report.generated_at, zone)}" if report.generated_at else "")))} Las cifras de las redes son las últimas que informaron sus API; las de PQR, las de ese momento.</p>
{f'<p class="nota fuentes">Fuentes, para el técnico: {escape(sources)}.</p>' if sources else ""}
</body>
</html>
"""


# --- CSV ----------------------------------------------------------------------------------


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
            for metric in ("published", "failed", "late", "reach", "views", "reactions", "comments", "shares", "clicks")
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
        [[kind, _type_name(kind), count] for kind, count in report.tickets_by_type.items()],
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
        "pqr_vencidas.csv",
        ["radicado", "tipo", "nombre_tipo", "vencia", "respondida"],
        [
            [t["radicado"], t["tipo"], _type_name(t["tipo"]), t["vencia"], t["respondida"]]
            for t in report.overdue
        ],
    )
    return written
