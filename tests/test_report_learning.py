"""The report's «Respuestas automáticas y aprendizaje»: requests answered alone week by week,
next to those that went to a person, and what was learned from the team's decisions."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from conectados.clock import FixedClock
from conectados.db import Database
from conectados.settings import Settings
from reports.csvs import write_csvs
from reports.figures import build_report, month
from reports.render import html
from reports.summary import summary
from responders.calibration import Calibration, ProtocolFigures
from responders.learning import figures_json, save_run
from responders.models import Interaction, InteractionKind, Reply, ReplyState
from responders.policy import Thresholds
from responders.protocol_files import load_catalogue
from responders.review import decide_reply
from responders.service import Responder

BOGOTA = ZoneInfo("America/Bogota")
QUESTION = "¿Dónde puedo pagar la factura? ¿Reciben PSE?"
"""Answered alone by the shipped responder."""
DOUBT = "¿dónde pago la factura? ya van 2 semanas esperando y nada"
"""A question with a complaint in it: its draft waits for a person."""
COMPLAINT = "Me cobraron dos veces el cargo fijo, exijo la devolución"
"""Filed as a PQR: neither answered alone nor sent to review."""
GREETING = "Hola, buenos días"
"""Not a request."""
PROMISE = "¿En qué va mi PQR 2026-000123?"
"""Answered alone in public, but the private message it promises waits for a person."""
EXPOSED = "¿Dónde pago la factura? mi cédula es 1.098.765.432"
"""Answered alone in private, with a public note that it goes on there."""


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BOGOTA)


CATALOGUE = load_catalogue()


class Inbox:
    """Citizens' comments, each decided when it arrives by the real responder."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.clock = FixedClock(local(2026, 8, 1))
        self.responder = Responder(database, CATALOGUE, Settings(), self.clock)

    def write(self, text: str, at: datetime, author: str) -> int:
        with self.database.session(write=True) as session:
            interaction = Interaction(
                network="facebook",
                kind=InteractionKind.COMMENT,
                remote_id=f"c-{author}",
                thread_id="post-1",
                author_id=author,
                author_name=f"Vecina {author}",
                text=text,
                written_at=at,
            )
            session.add(interaction)
            session.flush()
            interaction_id = interaction.id
        self.clock.advance(at + timedelta(minutes=1) - self.clock.now())
        self.responder.run_once()
        return interaction_id


def approve_drafts(database: Database, interaction_id: int, at: datetime) -> None:
    with database.session() as session:
        pending = session.execute(
            sa.select(Reply.id).where(
                Reply.interaction_id == interaction_id, Reply.state == ReplyState.PENDING
            )
        ).scalars()
        drafts = list(pending)
    assert drafts
    for reply_id in drafts:
        decide_reply(database, reply_id, True, "Ana Pérez", at)


def run(database: Database, at: datetime, figures: dict[str, ProtocolFigures], total) -> None:
    thresholds = Thresholds(per_protocol={"pago": 0.7})
    calibration = Calibration(thresholds, figures, total)
    with database.session(write=True) as session:
        save_run(session.connection(), "f" * 64, thresholds, figures_json(calibration), 120, 120,
                 at, "evaluate")  # fmt: skip


def fill(database: Database) -> None:
    write = Inbox(database).write
    # Before the eight weeks shown: left out.
    write(QUESTION, local(2026, 8, 26, 9), "a0")
    # Week of 7 September (before the period, shown for the trend).
    write(QUESTION, local(2026, 9, 8, 9), "b1")
    write(DOUBT, local(2026, 9, 9, 9), "b2")
    # Week of 2 November.
    write(QUESTION, local(2026, 11, 3, 9), "c1")
    reviewed = write(DOUBT, local(2026, 11, 4, 9), "c2")
    approve_drafts(database, reviewed, local(2026, 11, 4, 10))  # still went to a person
    write(COMPLAINT, local(2026, 11, 5, 9), "c3")
    write(GREETING, local(2026, 11, 6, 9), "c4")
    write(PROMISE, local(2026, 11, 6, 10), "c6")
    write(EXPOSED, local(2026, 11, 7, 10), "c7")
    # Sunday 8 November, 23:30 in Bogotá: Monday in UTC, still the week of 2 November here.
    write(QUESTION, local(2026, 11, 8, 23, 30), "c5")
    # Monday 30 November is in the period; Tuesday 1 December is not.
    write(QUESTION, local(2026, 11, 30, 10), "d1")
    write(QUESTION, local(2026, 12, 1, 10), "d2")
    # Precision 24 of 25 → 36 of 37, coverage 24 of 40 → 36 of 40.
    counts = dict(answerable=40, answered_before=25, right_before=24, answered_after=37,
                  right_after=36)  # fmt: skip
    figures = {
        "pago": ProtocolFigures("pago", examples=80, threshold=0.7, **counts),
        "medidor": ProtocolFigures("medidor", examples=3),
    }
    total = ProtocolFigures("total", examples=120, **counts)
    run(database, local(2026, 11, 20, 8), figures, total)
    # Computed after the period: November's report does not show it.
    run(database, local(2026, 12, 3, 8), {"pago": ProtocolFigures("pago", examples=999)}, total)


@pytest.fixture
def filled(database_url: str):
    database = Database(database_url)
    database.upgrade()
    fill(database)
    yield database
    database.dispose()


def november(database: Database):
    names = {protocol.id: protocol.name for protocol in CATALOGUE}
    with database.session() as session:
        return build_report(
            session.connection(), month("2026-11", BOGOTA), "Acueducto",
            now=local(2026, 12, 5, 9), protocol_names=names,
        )  # fmt: skip


def test_requests_answered_alone_and_sent_to_review_week_by_week(filled: Database):
    weeks = november(filled).automatic.weeks

    mondays = [week.monday for week in weeks]
    assert mondays[0] == date(2026, 8, 31) and mondays[-1] == date(2026, 11, 30)
    assert len(mondays) == 14 and all(monday.weekday() == 0 for monday in mondays)
    assert [week.in_period for week in weeks] == [False] * 8 + [True] * 6
    counted = {
        week.monday: (week.requests, week.alone, week.review) for week in weeks if week.requests
    }
    assert counted == {
        date(2026, 9, 7): (2, 1, 1),
        # The complaint was filed (neither); the greeting is no request; the approved draft
        # and the promised private message went to a person; Sunday night in Bogotá belongs
        # to this week.
        date(2026, 11, 2): (6, 3, 2),
        date(2026, 11, 30): (1, 1, 0),  # 1 December is not November's
    }
    assert weeks[-1].alone_share == 1.0 and weeks[0].alone_share is None


def test_a_month_in_course_shows_no_week_still_to_come(filled: Database):
    names = {protocol.id: protocol.name for protocol in CATALOGUE}
    with filled.session() as session:
        report = build_report(
            session.connection(), month("2026-11", BOGOTA), "Acueducto",
            now=local(2026, 11, 12, 9), protocol_names=names,
        )  # fmt: skip

    assert report.automatic.weeks[-1].monday == date(2026, 11, 9)


def test_the_page_charts_the_weeks_and_tables_what_was_learned_by_the_end_of_the_period(
    filled: Database,
):
    page = html(november(filled))

    section = page.partition("<h2>Respuestas automáticas y aprendizaje</h2>")[2]
    section = section.partition("</section>")[0]
    assert 'aria-label="Respondidas solas, semana a semana (% de las solicitudes)"' in section
    assert "respondidas solas" in section and "a revisión" in section
    assert "2 nov" in section and "31 ago" in section
    # The run of 20 November, with the protocols' names, not the one of 3 December.
    pago = CATALOGUE.get("pago").name
    assert pago in section and "96,0 % → 97,3 %" in section and "60,0 % → 90,0 %" in section
    assert "999" not in section and "120 ejemplos aprendidos" in section
    assert "sin datos → sin datos" in section  # medidor: learned from, not measured yet
    assert "20 de noviembre de 2026" in section
    # No personal data: neither who wrote nor what they wrote.
    assert "Vecina" not in page and "PSE" not in page and "cargo fijo" not in page
    assert "1.098.765.432" not in page and "2026-000123" not in page


def test_a_period_before_anything_was_learned_says_sin_datos(filled: Database):
    with filled.session() as session:
        october = build_report(
            session.connection(), month("2026-10", BOGOTA), "Acueducto", now=local(2026, 11, 2)
        )
    assert october.automatic.learned is None
    assert "Sin datos: al cierre del periodo aún no se había calculado" in html(october)
    assert "Aprendizaje: sin datos" in "\n".join(summary(october, 200))


def test_the_tables_and_the_terminal_carry_the_weeks_and_what_was_learned(
    filled: Database, tmp_path: Path
):
    report = november(filled)
    write_csvs(report, tmp_path)

    weeks = spreadsheet(tmp_path / "respondidas_solas_por_semana.csv")
    assert len(weeks) == 14 and weeks[9]["semana"] == "2026-S45"
    assert (weeks[9]["solicitudes"], weeks[9]["respondidas_solas"], weeks[9]["a_revision"]) == (
        "6", "3", "2",
    )  # fmt: skip
    assert weeks[0]["proporcion_respondidas_solas"] == ""  # no requests: no share, never 0
    learned = {row["protocolo"]: row for row in spreadsheet(tmp_path / "aprendizaje.csv")}
    assert set(learned) == {"pago", "medidor", "total"}
    assert learned["pago"]["cobertura_despues"] == "0,9" and learned["medidor"]["umbral"] == ""
    assert learned["pago"]["calculado"].startswith("2026-11-20T08:00")
    as_json = report.as_dict()
    assert as_json["aprendizaje"]["ejemplos_aprendidos"] == 120
    assert as_json["aprendizaje"]["calculado"] == "2026-11-20T08:00:00-05:00"
    assert len(as_json["respondidas_solas_por_semana"]) == 14
    terminal = "\n".join(summary(report, 200))
    assert "2 nov: 50 % (3 de 6)" in terminal and "precisión 96,0 % → 97,3 %" in terminal


def spreadsheet(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))
