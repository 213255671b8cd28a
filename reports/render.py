"""The report as a one-file HTML page with its charts (printable: A4, no emoji)."""

from __future__ import annotations

from html import escape

from conectados.spanish import number, percent
from reports.charts import bars, lines
from reports.notice_figures import KIND_NAMES
from reports.report import (
    TICKET_STATES,
    Report,
    figures_meaning,
    figures_source,
)
from reports.words import (
    DECISION_TITLES,
    change,
    day_or_moment,
    minutes,
    network_title,
    reach_note,
    saves_note,
    sentence,
    short_day,
    term_note,
    type_name,
    when,
    within,
)
from responders.sspd import CAUSALES


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


def _automatic_section(report: Report) -> str:
    """«Respuestas automáticas y aprendizaje»: the weeks' share answered alone, next to the
    share sent to review, and what was learned from the team's decisions."""
    automatic = report.automatic
    weeks = automatic.weeks
    labels = [short_day(week.monday) for week in weeks]
    chart = bars(
        "Respondidas solas, semana a semana (% de las solicitudes)",
        labels,
        {
            "respondidas solas": [100 * (week.alone_share or 0) for week in weeks],
            "a revisión": [100 * (week.review_share or 0) for week in weeks],
        },
        max(1, len(weeks) // 14),
    )
    rows = [
        [
            f"{short_day(week.monday)}{'' if week.in_period else ' (antes)'}",
            number(week.requests),
            number(week.alone),
            percent(week.alone_share),
            number(week.review),
            percent(week.review_share),
        ]
        for week in weeks
    ]
    weekly = _table(
        ["semana (lunes)", "solicitudes", "respondidas solas", "%", "a revisión", "%"],
        rows,
        set(range(1, 6)),
    )
    return (
        "<section><h2>Respuestas automáticas y aprendizaje</h2>"
        "<h3>Respondidas solas, semana a semana</h3>"
        f"{chart}{weekly}"
        '<p class="nota">Semanas de lunes a domingo, en la hora de la empresa: las del periodo y '
        "las ocho anteriores, para ver la tendencia (la última cuenta hasta el fin del periodo). "
        "Respondidas solas: el servicio aprobó su respuesta sin que nadie la revisara (cuenta "
        "su decisión, aunque la red aún no hubiera recibido la respuesta). A "
        "revisión: un borrador esperó a una persona, decidiera lo que decidiera. Las demás "
        "solicitudes se radicaron como PQR o se dejaron.</p>"
        f"{_learned_table(report)}</section>"
    )


def _learned_table(report: Report) -> str:
    learned = report.automatic.learned
    if learned is None:
        return (
            "<h3>Lo aprendido de las decisiones del equipo</h3>"
            '<p class="nota">Sin datos: al cierre del periodo aún no se había calculado lo '
            "aprendido de las decisiones del equipo.</p>"
        )

    def measured(value: float | None) -> str:
        return "sin datos" if value is None else percent(value)

    def row(name: str, figures) -> list[str]:
        return [
            name,
            number(figures.examples),
            percent(figures.threshold, 0),
            f"{measured(figures.precision_before)} → {measured(figures.precision_after)}",
            f"{measured(figures.coverage_before)} → {measured(figures.coverage_after)}",
        ]

    rows = [
        row(report.protocol_label(protocol_id), figures)
        for protocol_id, figures in learned.protocols.items()
    ]
    rows.append(row("Total", learned.total))
    table = _table(
        ["tema (protocolo)", "ejemplos aprendidos", "umbral", "precisión antes → después",
         "cobertura antes → después"],
        rows,
        {1, 2},
    )  # fmt: skip
    zone = report.period.zone
    return (
        "<h3>Lo aprendido de las decisiones del equipo</h3>"
        f"{table}"
        f'<p class="nota">Cálculo del {escape(when(learned.computed_at, zone))}, con '
        f"{number(learned.examples)} ejemplos aprendidos (decisiones del equipo y archivos "
        "importados). Antes: solo los protocolos; después: con lo aprendido. Medido en las "
        "semanas más recientes, aprendiendo solo de las anteriores. Umbral: la confianza que el "
        "servicio necesita para responder solo en ese tema.</p>"
    )


# --- HTML ---------------------------------------------------------------------------------

STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 190mm; margin: 0 auto;
       font-size: 11pt; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 2pt; color: #1f5f8b; }
h2 { font-size: 13pt; margin: 16pt 0 6pt; border-bottom: 1px solid #ccc; padding-bottom: 2pt; }
h3 { font-size: 11pt; margin: 10pt 0 4pt; }
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


def _notices_section(report: Report) -> str:
    """«Avisos por WhatsApp»: what went to the subscribers, how far it got, who came and went."""
    notices = report.notices
    title = "<section><h2>Avisos por WhatsApp</h2>"
    if notices.empty:
        return (
            title
            + '<p class="nota">No se enviaron avisos por WhatsApp en el periodo.</p></section>'
        )
    kinds = [[KIND_NAMES[kind], number(notices.broadcasts.get(kind, 0))] for kind in KIND_NAMES]
    steps = {"enviados": notices.sent, "entregados": notices.delivered,
             "leídos": notices.read, "fallidos": notices.failed}  # fmt: skip
    return (
        title
        + _table(["avisos enviados", "cantidad"], kinds, {1})
        + bars("Mensajes de WhatsApp", list(steps), {"mensajes": list(steps.values())})
        + _table(
            ["cifra", "valor"],
            [
                ["alcance por WhatsApp (personas distintas que lo recibieron)", number(notices.reach)],
                ["suscriptores nuevos", number(notices.gained)],
                ["suscriptores que salieron", number(notices.lost)],
                ["suscripciones a avisos por WhatsApp (mensajes AVISOS, SALIR, MIS AVISOS)",
                 number(notices.subscription_messages)],
            ],
            {1},
        )
        + '<p class="nota">Avisos enviados: los que salieron al menos a un suscriptor. '
        "Mensajes: cada uno cuenta en el paso que alcanzó en el periodo "
        "(entregado incluye los leídos sin aviso de entrega). Suscriptores nuevos: quienes dieron "
        "su primer consentimiento en el periodo; salieron: quienes retiraron el último que "
        "tenían. Los mensajes de suscripción no cuentan como solicitudes de ciudadanos."
        "</p></section>"
    )  # fmt: skip


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
            sentence(f"Periodo en curso: cifras hasta el {when(report.generated_at, zone)}")
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
        network_title(network): [per.get(day, 0) for day in grown_days]
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
                network_title(name),
                number(figures.published),
                number(figures.failed),
                number(figures.late),
                number(figures.reach),
                number(figures.views),
                number(figures.reactions),
                number(figures.comments),
                number(figures.shares),
                number(figures.saved),
                number(figures.clicks),
                percent(figures.engagement_rate),
            ]
        )
    best = [
        [network_title(p.network), _plain(p.text, 90),
         number(p.views), number(p.interactions), number(p.saved)]
        for p in report.best_posts
    ]  # fmt: skip
    channels = [[name, number(count)] for name, count in report.requests_by_channel.items()]
    protocols = [
        [report.protocol_label(name), number(count)]
        for name, count in report.requests_by_protocol.items()
    ]
    types = [[type_name(kind), number(count)] for kind, count in report.tickets_by_type.items()]
    causales = [
        [code, CAUSALES[code].name if code in CAUSALES else "", number(count)]
        for code, count in sorted(report.tickets_by_causal.items())
    ]
    overdue = [
        [t["radicado"], type_name(t["tipo"]), day_or_moment(t["vencia"], zone),
         day_or_moment(t["respondida"], zone) or "sin respuesta"]
        for t in report.overdue
    ]  # fmt: skip
    # What the figures mean and where they come from: said of the networks that have some.
    active = [name for name, figures in report.networks.items() if figures.active]
    definitions = "".join(
        f"<li>{escape(network_title(name))}: {escape(figures_meaning(name))}.</li>"
        for name in active
        if figures_meaning(name)
    )
    sources = "; ".join(
        f"{network_title(name)}: {figures_source(name)}" for name in active if figures_source(name)
    )
    reach = reach_note(report)
    saves = saves_note(report)
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
{_table(["red", "hechas", "fallidas", "tarde", "alcance", "vistas", "reacciones", "coment.", "compart.", "guard.", "clics", "tasa"], network_rows, set(range(1, 12)))}
<ul class="nota">{definitions}{f"<li>Alcance «—»: {escape(reach)}.</li>" if reach else ""}{f"<li>Guardados «—»: {escape(saves)}.</li>" if saves else ""}<li>Tasa de interacción: (reacciones + comentarios + compartidos + clics) / vistas (o alcance, si la red no informa vistas).</li><li>Tarde: salió más de 10 minutos después de su hora.</li></ul>
</section>
<section><h2>Las publicaciones con más interacción</h2>
{_table(["red", "texto", "visualizaciones", "interacciones", "guardados"], best, {2, 3, 4}) if best else '<p class="nota">Aún no hay cifras de las publicaciones del periodo.</p>'}
</section>
<section><h2>Solicitudes por canal y por tema</h2>
{_table(["canal", "solicitudes"], channels, {1})}
{_table(["tema (protocolo)", "solicitudes"], protocols, {1})}
<p class="nota">Solicitudes: los mensajes de los ciudadanos, sin saludos ni mensajes ajenos (publicidad, otros servicios). {number(report.answered)} recibieron respuesta; {number(report.pending_replies_at_end)} respuestas quedaron pendientes al cierre.</p>
</section>
{_automatic_section(report)}
<section><h2>PQR</h2>
{_table(["tipo", "radicadas"], types, {1}) if types else '<p class="nota">No se radicaron PQR en el periodo.</p>'}
{_table(["causal", "nombre", "radicadas"], causales, {2}) if causales else ""}
<p class="nota">PQR respondidas en término: de las PQR respondidas en el periodo o cuyo plazo venció en él (cada una cuenta una vez, en el periodo en que se respondió a tiempo o en que venció), cuántas se respondieron a más tardar el día en que vencían (los reportes de daño, a su hora). Este periodo: {escape(term_note(report))}.</p>
<h2>PQR vencidas o respondidas fuera de término</h2>
{_table(["radicado", "tipo", "vencía", "respondida"], overdue) if overdue else '<p class="nota">Ninguna.</p>'}
</section>
{_notices_section(report)}
{_decisions_section(report)}
<p class="nota">{escape(sentence("Generado por Conectados" + (f" el {when(report.generated_at, zone)}" if report.generated_at else "")))} Las cifras de las redes son las últimas que informaron sus API; las de PQR, las de ese momento.</p>
{f'<p class="nota fuentes">Fuentes, para el técnico: {escape(sources)}.</p>' if sources else ""}
</body>
</html>
"""


# --- CSV ----------------------------------------------------------------------------------
