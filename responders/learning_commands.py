"""`conectados protocols aprender` and `protocols aprendizaje`, and what `protocols match` and
`protocols evaluate` learn from: the examples and thresholds of the database the app points at.

`aprender` imports a labelled file the way review decisions are stored (`responders.learning`),
then computes the thresholds again; `evaluate` without a file computes them from the
database's history. Both store the run and print the same table as `aprendizaje`: per
protocol, the examples, the threshold and the precision and coverage before and after.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from conectados.app import App
from conectados.errors import BadInput
from conectados.terminal import Command

if TYPE_CHECKING:
    from responders.calibration import ProtocolFigures
    from responders.learning import Learned
    from responders.policy import Thresholds
    from responders.protocols import Catalogue

PROGRESS_FROM = 2_000
"""A file or a history this long says what it is doing while it works (on stderr)."""
NOT_OURS = "(ninguno: ajenos)"
ACTION_WORDS = {"radicar": "(radica)", "revisar": "(revisa)"}
"""The threshold column of a protocol that never answers alone: what it does instead."""
"""The row of the examples that are none of the company's business."""


def learned_for(app: App, catalogue: Catalogue) -> tuple[Learned, bool]:
    """The examples and thresholds of the database the app points at, and whether it exists;
    the shipped protocols and the settings' thresholds alone while it does not exist yet."""
    from responders.commands import thresholds_for
    from responders.learning import Learned, fingerprint, load_learned
    from responders.template_values import company_values

    base = thresholds_for(app)
    company = company_values(app.settings)
    if not app.database.exists():
        return Learned([], base, None, fingerprint(catalogue, company), None), False
    with app.ready_database().session() as session:
        return load_learned(session.connection(), catalogue, company, base), True


def version_line(learned: Learned, exists: bool) -> str:
    """Which examples and thresholds a command uses, in one line."""
    where = "" if exists else " (aún no hay base de datos: solo lo incluido)"
    return f"Versión: {learned.version}{where}"


@dataclass(frozen=True)
class Dated:
    """The lines of a labelled file to import, with their dates (None: by their place)."""

    rows: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]
    dates: list[datetime | None]
    raw: bytes


def read_to_learn(path: Path, shown: str, catalogue: Catalogue, zone, today: date) -> Dated:
    """A labelled file checked whole before anything is stored: the lines of `read_labelled`,
    each id once, and an optional «fecha» (AAAA-MM-DD in the company's zone, not after today).
    BadInput «archivo:línea: campo» for the first wrong line."""
    from conectados.dates import DAY, read_local
    from conectados.userfiles import decode_utf8, read_user_bytes
    from responders.evaluate import MAX_LABELLED_BYTES, read_labelled

    raw = read_user_bytes(path, MAX_LABELLED_BYTES, "un archivo .jsonl de mensajes")
    messages = read_labelled(path, set(catalogue.protocols))
    if not messages:
        raise BadInput("no tiene mensajes", shown)
    lines = decode_utf8(raw, path).splitlines()
    seen: dict[str, int] = {}
    rows, dates = [], []
    for message in messages:
        where = f"{path}:{message.line}"
        if message.id in seen:
            raise BadInput(
                f"repite el id «{message.id[:40]}» de la línea {seen[message.id]}; cada mensaje "
                "necesita su propio id",
                where,
                "id",
            )
        seen[message.id] = message.line
        written = json.loads(lines[message.line - 1]).get("fecha")
        dated = None
        if written is not None:
            local = (
                read_local(written.strip(), (DAY,), exact=True)
                if isinstance(written, str)
                else None
            )
            if local is None:
                raise BadInput(
                    f"«{str(written)[:40]}» no es una fecha; escriba AAAA-MM-DD, por ejemplo "
                    f"{today:%Y-%m-%d}",
                    where,
                    "fecha",
                )
            if local.date() > today:
                raise BadInput(
                    f"el {local:%Y-%m-%d} aún no llega; escriba el día en que se decidió",
                    where,
                    "fecha",
                )
            dated = datetime.combine(local.date(), time(), zone)
        rows.append((message.id, message.text, message.protocols, message.actions))
        dates.append(dated)
    return Dated(rows, dates, raw)


def recompute(app: App, catalogue: Catalogue, trigger: str) -> tuple[Learned, Learned]:
    """Thresholds from every learned example (time-ordered cross-validation), stored as a
    run for the current protocols and company data; what was in use before, and now."""
    from responders.calibration import calibrate
    from responders.commands import thresholds_for
    from responders.learning import figures_json, fingerprint, load_learned, save_run
    from responders.template_values import company_values

    database = app.ready_database()
    before, _ = learned_for(app, catalogue)
    if len(before.examples) >= PROGRESS_FROM:
        click.echo(
            f"Calculando los umbrales con {_count(len(before.examples))} ejemplos: se entrena "
            "con las semanas anteriores y se mide con las últimas…",
            err=True,
        )
    base = thresholds_for(app)
    calibration = calibrate(catalogue, before.examples, base)
    company = company_values(app.settings)
    with database.session(write=True) as session:
        connection = session.connection()
        save_run(
            connection,
            fingerprint(catalogue, company),
            calibration.thresholds,
            figures_json(calibration),
            len(before.examples),
            before.last_example_id,
            app.clock.now(),
            trigger,
        )
        after = load_learned(connection, catalogue, company, base)
    return before, after


@click.command(cls=Command)
@click.argument("file", type=click.Path(path_type=Path), metavar="ARCHIVO.jsonl")
@click.pass_obj
def aprender(app: App, file: Path) -> None:
    """Aprende de un archivo de mensajes etiquetados y vuelve a calcular los umbrales.

    Cada línea, como en «protocols evaluate»: {"id", "text", "protocols": [...],
    "actions": [...]}, con una "fecha" opcional (AAAA-MM-DD, el día en que se decidió; sin
    ella, el orden del archivo). Una línea mal escrita detiene todo sin guardar nada; el
    mismo archivo importado dos veces no agrega nada. Sirve para traer la historia de otro
    sistema.
    """
    from responders.cli_shared import catalogue_for, reviewer_name
    from responders.learning import import_examples

    database = app.ready_database()
    catalogue = catalogue_for(app)
    zone = app.settings.zone
    now = app.clock.now()
    dated = read_to_learn(app.cwd / file, str(file), catalogue, zone, now.astimezone(zone).date())
    if len(dated.rows) >= PROGRESS_FROM:
        click.echo(f"Guardando {_count(len(dated.rows))} mensajes de {file}…", err=True)
    imported = import_examples(
        database, app.cwd / file, dated.rows, dated.raw, reviewer_name(app), now, dated.dates
    )
    added = Counter(
        protocols[0] if protocols else NOT_OURS for _id, _text, protocols, _actions in dated.rows
    )
    if imported.added == 0:
        click.echo(
            "Nada nuevo: el mensaje ya se había aprendido."
            if imported.already == 1
            else f"Nada nuevo: los {_count(imported.already)} mensajes ya se habían aprendido."
        )
    else:
        already = f" ({_count(imported.already)} ya estaban)" if imported.already else ""
        messages = "mensaje" if imported.added == 1 else "mensajes"
        click.echo(f"{'Aprendido' if imported.added == 1 else 'Aprendidos'} "
                   f"{_count(imported.added)} {messages}{already}.")  # fmt: skip
        if not imported.already:
            _say(
                app,
                "Por protocolo: "
                + ", ".join(f"{name} {count}" for name, count in sorted(added.items()))
                + ".",
            )
    before, after = recompute(app, catalogue, "aprender")
    _print_learned(app, catalogue, after, before.thresholds)


@click.command(cls=Command)
@click.pass_obj
def aprendizaje(app: App) -> None:
    """Lo aprendido por protocolo: ejemplos, umbral y precisión y cobertura antes y después."""
    from responders.cli_shared import catalogue_for
    from responders.learning import latest_run

    catalogue = catalogue_for(app)
    database = app.ready_database()
    learned, _ = learned_for(app, catalogue)
    _print_learned(app, catalogue, learned, None)
    if learned.run is not None:
        return
    with database.session() as session:
        latest = latest_run(session.connection())
    why = (
        "Los protocolos o los datos de la empresa cambiaron desde el último cálculo de los "
        f"umbrales (n.º {latest.id}): se usan los de la configuración."
        if latest is not None
        else "Los umbrales aún no se han calculado con los ejemplos: se usan los de la "
        "configuración."
    )
    _say(app, f"{why} Ejecute «conectados protocols evaluate» para calcularlos.")


def evaluate_history(app: App, catalogue: Catalogue) -> None:
    """`protocols evaluate` without a file: the thresholds from the database's history."""
    before, after = recompute(app, catalogue, "evaluate")
    if not after.examples:
        _say(
            app,
            "Aún no hay ejemplos aprendidos: los umbrales son los de la configuración. Se "
            "aprenden al decidir en «conectados replies review» o con «conectados protocols "
            "aprender ARCHIVO.jsonl».",
        )
    _print_learned(app, catalogue, after, before.thresholds)


def _print_learned(
    app: App, catalogue: Catalogue, learned: Learned, previous: Thresholds | None
) -> None:
    """Per protocol: the examples (from review + imported), the threshold in use (from the
    `previous` one, after a computation) and the run's precision and coverage before → after."""
    from conectados.spanish import percent
    from conectados.tables import Field, Listing, print_listing
    from responders.learning import figures_from_json
    from responders.protocols import ProtocolAction

    counts = _counts(learned)
    figures, total = figures_from_json(learned.run.figures if learned.run else None)
    listing = Listing(
        "Lo aprendido por protocolo",
        (
            Field("protocolo", "text", min_width=14, max_width=28),
            Field("ejemplos", card_label="ejemplos (revisión + importados)"),
            Field("umbral", min_width=6, max_width=16),
            Field("precisión", priority=1, min_width=9, max_width=16),
            Field("cobertura", priority=1, min_width=9, max_width=16),
        ),
        heading=("protocolo",),
    )

    def before_after(before: float | None, after: float | None) -> str:
        if before is None and after is None:
            return ""  # nothing measured: a card leaves the line out
        return f"{percent(before, 0)} → {percent(after, 0)}"

    def precision(measured: ProtocolFigures | None) -> str:
        if measured is None:
            return ""
        return before_after(measured.precision_before, measured.precision_after)

    def coverage(measured: ProtocolFigures | None) -> str:
        if measured is None:
            return ""
        return before_after(measured.coverage_before, measured.coverage_after)

    for protocol in catalogue:
        measured = figures.get(protocol.id)
        threshold = ACTION_WORDS.get(protocol.action, "")
        if protocol.action == ProtocolAction.ANSWER:
            now = learned.thresholds.auto_for(protocol.id)
            was = previous.auto_for(protocol.id) if previous is not None else now
            threshold = percent(now, 0) if was == now else f"{percent(was, 0)} → {percent(now, 0)}"
        reviewed, imported = counts.get(protocol.id, (0, 0))
        listing.add(
            protocol.id,
            f"{reviewed} + {imported}",
            threshold,
            precision(measured),
            coverage(measured),
        )
    reviewed, imported = counts.get(None, (0, 0))
    listing.add(NOT_OURS, f"{reviewed} + {imported}", "(se dejan)", "", "")
    listing.add(
        "total",
        f"{sum(pair[0] for pair in counts.values())} + {sum(pair[1] for pair in counts.values())}",
        "",
        precision(total),
        coverage(total),
    )
    print_listing(listing, app.environ)
    if learned.examples and total.answerable < FEW_MEASURED:
        _say(
            app,
            f"Aviso: las cifras salen de {total.answerable} "
            f"{'pregunta' if total.answerable == 1 else 'preguntas'} de las últimas semanas: "
            "todavía son pocas para saber si lo aprendido ayuda. Mida también con mensajes "
            "nuevos: «conectados protocols evaluate ARCHIVO.jsonl».",
        )
    _say(
        app,
        "Ejemplos: de revisión + importados. Umbral: la confianza para responder solo (los "
        "protocolos que radican o revisan siguen sus reglas). Precisión y cobertura: medidas en las últimas semanas, "
        "antes → después de aprender.",
    )
    _say(app, version_line(learned, True))


FEW_MEASURED = 30
"""Fewer answerable questions than this in the measured weeks: the figures are said to be few."""


def _say(app: App, text: str) -> None:
    """One paragraph at the window's width."""
    from conectados.tables import listing_console
    from responders.commands import wrapped

    _, width = listing_console(app.environ)
    click.echo(wrapped(text, width, 0, 0))


def _counts(learned: Learned) -> dict[str | None, tuple[int, int]]:
    """Protocol (None: none of the company's business) -> examples from review, imported."""
    from responders.examples import ExampleSource

    counts: dict[str | None, list[int]] = {}
    for example in learned.examples:
        pair = counts.setdefault(example.protocol, [0, 0])
        pair[0 if example.source == ExampleSource.REVIEW else 1] += 1
    return {key: (pair[0], pair[1]) for key, pair in counts.items()}


def _count(value: int) -> str:
    from conectados.spanish import number

    return number(value)
