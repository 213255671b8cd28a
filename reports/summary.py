"""The report in the terminal: the headline figures and the comparison, wrapped to its width."""

from __future__ import annotations

import textwrap

from rich.cells import cell_len

from conectados.spanish import number, percent
from reports.report import (
    Report,
)
from reports.words import (
    DECISION_TITLES,
    change,
    reach_note,
    short_day,
    term_note,
    when,
    within,
)


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
    out.extend(_automatic_lines(report, width))
    out.extend(_notices_lines(report, width))
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


def _notices_lines(report: Report, width: int) -> list[str]:
    """ "Avisos por WhatsApp": one short paragraph, for the terminal."""
    notices = report.notices
    if notices.empty:
        return [
            "",
            *_wrap("Avisos por WhatsApp: no se enviaron avisos en el periodo.", width, "  "),
        ]
    text = (
        f"Avisos por WhatsApp: {number(notices.total_broadcasts)} avisos enviados; mensajes "
        f"enviados {number(notices.sent)}, entregados {number(notices.delivered)}, leídos "
        f"{number(notices.read)}, fallidos {number(notices.failed)}; llegaron a "
        f"{number(notices.reach)} personas; suscriptores nuevos {number(notices.gained)}, "
        f"salieron {number(notices.lost)}. Suscripciones a avisos por WhatsApp: "
        f"{number(notices.subscription_messages)} mensajes (AVISOS, SALIR, MIS AVISOS; no "
        "cuentan como solicitudes)."
    )
    return ["", *_wrap(text, width, "  ", "    ")]


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


def _automatic_lines(report: Report, width: int) -> list[str]:
    """ "Respondidas solas por semana" and what was learned: one short paragraph each."""
    weeks = [week for week in report.automatic.weeks if week.in_period]
    shares = "; ".join(
        f"{short_day(week.monday)}: {percent(week.alone_share, 0)} ({number(week.alone)} de "
        f"{number(week.requests)})"
        if week.requests
        else f"{short_day(week.monday)}: sin solicitudes"
        for week in weeks
    )
    out = ["", *_wrap(f"Respondidas solas por semana (lunes): {shares}.", width, "  ", "    ")]
    learned = report.automatic.learned
    if learned is None:
        text = "Aprendizaje: sin datos (aún no se había calculado al cierre del periodo)."
    else:
        total = learned.total
        text = (
            f"Aprendizaje: {number(learned.examples)} ejemplos aprendidos; precisión "
            f"{percent(total.precision_before)} → {percent(total.precision_after)}, cobertura "
            f"{percent(total.coverage_before)} → {percent(total.coverage_after)} (cálculo del "
            f"{when(learned.computed_at, report.period.zone)})."
        )
    return [*out, *_wrap(text, width, "  ", "    ")]
