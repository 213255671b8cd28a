"""The report for people: a one-file HTML page, tidy CSVs, and a summary for the terminal."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from pathlib import Path

from conectados.files import write_atomically
from conectados.spanish import number, percent, spreadsheet_csv
from reports.charts import bars, lines
from reports.figures import API_SOURCES, NETWORK_TITLES, REACH_DEFINITIONS, SPANISH, Report
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
    "minutos_primera_respuesta_mediana": "Primera respuesta, mediana (minutos)",
    "minutos_primera_respuesta_p90": "Primera respuesta, percentil 90 (minutos)",
    "respuestas_pendientes_al_cierre": "Respuestas pendientes al cierre",
    "pqr_radicadas": "PQR radicadas",
    "pqr_con_plazo_cumplido": "PQR cuyo plazo se cumplió",
    "pqr_respondidas_en_termino": "PQR respondidas en término",
    "pqr_en_termino": "PQR respondidas en término (proporción)",
    "pqr_vencidas": "PQR vencidas",
}
"""The headline figures as the summary table (resumen.csv) names them next to their keys."""


def minutes(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 10:
        return f"{number(value, 1)} min"
    if value < 120:
        return f"{number(value, 0)} min"
    return f"{number(value / 60, 1)} h"


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


def summary(report: Report) -> list[str]:
    """What the terminal shows: the headline figures and the comparison."""
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
        ("Primera respuesta: mediana / p90", f"{minutes(head['minutos_primera_respuesta_mediana'])} / {minutes(head['minutos_primera_respuesta_p90'])}", ""),
        ("Respuestas pendientes al cierre", number(head["respuestas_pendientes_al_cierre"]), ""),
        ("PQR radicadas", number(head["pqr_radicadas"]), change(head["pqr_radicadas"], before.get("pqr_radicadas"))),
        ("PQR respondidas en término", percent(head["pqr_en_termino"]), change(head["pqr_en_termino"], before.get("pqr_en_termino"), True)),
        ("PQR vencidas", number(head["pqr_vencidas"]), ""),
    ]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    lines_out = [f"{report.company or 'Informe'} — {report.period.label}", ""]
    if report.partial and report.generated_at:
        lines_out[0] += f" (en curso: cifras hasta el {report.generated_at:%Y-%m-%d %H:%M})"
    for name, value, delta in rows:
        lines_out.append(f"  {name:<{width}}  {value:>14}  {delta}".rstrip())
    if report.previous:
        lines_out.append("")
        lines_out.append(f"  (la variación compara con: {report.previous.period.label})")
    lines_out.extend(_decisions_lines(report))
    return lines_out


DECISION_TITLES = {
    "aprobadas": "respuestas aprobadas",
    "rechazadas": "respuestas rechazadas",
    "radicadas": "PQR radicadas a mano",
    "respondidas": "PQR respondidas",
    "cerradas": "PQR cerradas",
}


def _decisions_lines(report: Report) -> list[str]:
    """ "Decisiones por persona": one short line per person, for the terminal."""
    if not report.decisions_by_person:
        return []
    out = ["", "  Decisiones por persona:"]
    for person, counts in report.decisions_by_person.items():
        done = [
            f"{DECISION_TITLES[what]}: {number(count)}" for what, count in counts.items() if count
        ]
        out.append(f"    {person} — {'; '.join(done)}")
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
    if report.partial and report.generated_at:
        compare = (
            f"Periodo en curso: cifras hasta el {report.generated_at:%Y-%m-%d %H:%M}. " + compare
        )
    cards = [
        _figure("solicitudes de ciudadanos por día", number(head["solicitudes_por_dia"], 1),
                change(head["solicitudes_por_dia"], before.get("solicitudes_por_dia"))),
        _figure("respondidas automáticamente", percent(head["respuestas_automaticas"]),
                change(head["respuestas_automaticas"], before.get("respuestas_automaticas"), True)),
        _figure("mediana hasta la primera respuesta", minutes(head["minutos_primera_respuesta_mediana"]),
                f"p90: {minutes(head['minutos_primera_respuesta_p90'])}"),
        _figure("PQR respondidas en término", percent(head["pqr_en_termino"]),
                f"{report.tickets_in_term} de {report.tickets_due} cuyo plazo se cumplió; {head['pqr_vencidas']} fuera de término"),
        _figure("publicaciones", number(head["publicaciones"]),
                f"{head['publicaciones_fallidas']} fallidas, {head['publicaciones_tarde']} con retraso"),
        _figure("alcance (suma por publicación)", number(head["alcance"]),
                change(head["alcance"], before.get("alcance"))),
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
    in_term = report.tickets_in_term
    late = report.tickets_due - report.tickets_in_term
    running = report.tickets - report.tickets_due
    charts.append(
        "<section><h2>PQR y su término</h2>"
        + bars("PQR por término", ["en término", "fuera de término", "en trámite"], {"PQR": [in_term, late, running]})
        + "</section>"
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
        [t["radicado"], _type_name(t["tipo"]), t["vencia"], t["respondida"] or "sin respuesta"]
        for t in report.overdue
    ]
    definitions = "".join(
        f"<li>{escape(NETWORK_NAMES.get(name, name))}: {escape(text)}.</li>"
        for name, text in REACH_DEFINITIONS.items()
        if name in report.networks
    )
    sources = ". ".join(
        f"{NETWORK_NAMES.get(name, name)}, {text}"
        for name, text in API_SOURCES.items()
        if name in report.networks
    )
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
<ul class="nota">{definitions}<li>Tasa de interacción: (reacciones + comentarios + compartidos + clics) / vistas (o alcance, si la red no informa vistas).</li><li>Tarde: salió más de 10 minutos después de su hora.</li>{f"<li>De dónde sale cada cifra en la API de cada red. {escape(sources)}.</li>" if sources else ""}</ul>
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
<h2>PQR vencidas o respondidas fuera de término</h2>
{_table(["radicado", "tipo", "vencía", "respondida"], overdue) if overdue else '<p class="nota">Ninguna.</p>'}
</section>
{_decisions_section(report)}
<p class="nota">Generado por Conectados{escape(f" el {report.generated_at:%Y-%m-%d %H:%M}" if report.generated_at else "")}. Las cifras de las redes son las últimas que informaron sus API; las de PQR, las de ese momento.</p>
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
