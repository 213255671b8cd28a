"""The report as the communications team reads it: times in the company's zone, PQR figures
that agree with each other, no 0 that means «unknown», no API names where a person reads, the
first answer in words, and a summary that fits the window."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rich.cells import cell_len

from conectados.clock import FixedClock
from conectados.db import Database
from responders.models import Ticket, TicketStatus
from tests.test_report import fill, local

COMPANY = "Empresa de Acueducto y Alcantarillado de Villa del Ejemplo S.A. E.S.P."
"""A long name, as a real one is: the header is wider than 80 columns."""
IN_DECEMBER = FixedClock(datetime(2026, 12, 5, 15, 24, tzinfo=UTC))
"""10:24 a. m. in Bogotá: December is the month in course."""


@pytest.fixture
def office(cli, tmp_path: Path):
    """The known month of tests/test_report.py in a folder made by `init`, with a long company
    name and three PQR filed in December and answered in time (their term has not ended)."""
    assert cli("init").exit_code == 0
    config = tmp_path / "conectados.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('nombre = ""', f'nombre = "{COMPANY}"', 1),
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    fill(database)
    with database.session() as session:
        for sequence in (10, 11, 12):
            session.add(
                Ticket(radicado=f"2026-0000{sequence}", year=2026, sequence=sequence,
                       type="reclamo", causal="107", network="x",
                       filed_at=local(2026, 12, 1, 9), filed_on=date(2026, 12, 1),
                       due_date=date(2026, 12, 22), answered_at=local(2026, 12, 3, 9),
                       answered_by="Marta", status=TicketStatus.ANSWERED)
            )  # fmt: skip
        session.add(
            Ticket(radicado="2026-000013", year=2026, sequence=13, type="queja", network="x",
                   filed_at=local(2026, 12, 2, 9), filed_on=date(2026, 12, 2),
                   due_date=date(2026, 12, 23), answered_at=local(2026, 12, 3, 10),
                   closed_at=local(2026, 12, 4, 10), status=TicketStatus.CLOSED)
        )  # fmt: skip
    database.dispose()
    return tmp_path


def read_text(page: str) -> str:
    """What a person reads on the page: its text, without markup or charts' internals."""
    body = page.partition("<body>")[2]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_every_time_a_person_reads_is_in_the_company_zone_in_words(cli, office: Path):
    shown = cli("report", "--mes", "2026-12", "--html", "informe.html", clock=IN_DECEMBER)
    november = cli("report", "--mes", "2026-11", "--html", "noviembre.html", clock=IN_DECEMBER)
    as_json = json.loads(cli("report", "--mes", "2026-12", "--json", clock=IN_DECEMBER).stdout)

    assert shown.exit_code == 0 and november.exit_code == 0, shown.stderr + november.stderr
    assert "cifras hasta el 5 de diciembre de 2026, 10:24 a. m." in shown.stdout
    page = read_text((office / "informe.html").read_text(encoding="utf-8"))
    assert "cifras hasta el 5 de diciembre de 2026, 10:24 a. m." in page
    assert "Generado por Conectados el 5 de diciembre de 2026, 10:24 a. m." in page
    for text in (shown.stdout, page):
        assert "15:24" not in text and "a. m.." not in text
    # The PQR out of term: their due day and answer day in words, not as ISO dates.
    overdue = read_text((office / "noviembre.html").read_text(encoding="utf-8"))
    assert "2026-000002 queja 25 de noviembre de 2026 sin respuesta" in overdue
    assert "2026-000003 reporte de daño 29 de noviembre de 2026 30 de noviembre de 2026" in overdue
    assert as_json["generado"] == "2026-12-05T10:24:00-05:00"


def test_pqr_in_term_counts_the_ones_answered_in_time_before_their_term_ends(cli, office: Path):
    shown = cli("report", "--mes", "2026-12", "--html", "informe.html", clock=IN_DECEMBER)
    figures = json.loads(cli("report", "--mes", "2026-12", "--json", clock=IN_DECEMBER).stdout)

    # Four PQR answered in time in December (one of them closed since): none of their terms
    # has ended, and they are in term, not «—» nor «0 de 0».
    assert re.search(r"PQR respondidas en término +100,0 %", shown.stdout), shown.stdout
    assert "4 de 4 PQR respondidas en el periodo o cuyo plazo venció en él" in shown.stdout
    cifras = figures["cifras"]
    assert (cifras["pqr_respondidas_o_vencidas"], cifras["pqr_respondidas_en_termino"]) == (4, 4)
    assert cifras["pqr_en_termino"] == 1.0
    # The chart: where each PQR filed in December stands, nothing answered counted as running.
    page = (office / "informe.html").read_text(encoding="utf-8")
    chart = page[page.index('aria-label="PQR por estado"') :].partition("</svg>")[0]
    bars = dict(re.findall(r"<title>([^<:]+): (\d+)</title>", chart))
    assert bars == {"abiertas": "0", "vencidas sin respuesta": "0", "respondidas": "3",
                    "cerradas": "1"}  # fmt: skip
    assert sum(map(int, bars.values())) == cifras["pqr_radicadas"] == 4
    assert "4 de 4 PQR respondidas en el periodo" in read_text(page)
    assert "cuyo plazo se cumplió" not in page and "en trámite" not in page


def test_pqr_figures_of_a_closed_month_agree_with_each_other(cli, office: Path):
    figures = json.loads(cli("report", "--mes", "2026-11", "--json", clock=IN_DECEMBER).stdout)
    cifras = figures["cifras"]

    # November (counted by hand in tests/test_report.py): 000001 answered in time, 000002
    # open past its term, 000003 answered a day late, 000004 open within its term.
    assert figures["pqr_radicadas_por_estado"] == {
        "abiertas": 1,
        "vencidas sin respuesta": 1,
        "respondidas": 2,
        "cerradas": 0,
    }
    assert (cifras["pqr_respondidas_o_vencidas"], cifras["pqr_respondidas_en_termino"]) == (3, 1)
    late = cifras["pqr_respondidas_o_vencidas"] - cifras["pqr_respondidas_en_termino"]
    assert late == cifras["pqr_vencidas"] == len(figures["pqr_vencidas"]) == 2
    assert (cifras["pqr_vencidas_sin_respuesta"], cifras["pqr_respondidas_tarde"]) == (1, 1)


def test_x_reach_is_unknown_never_zero(cli, office: Path):
    shown = cli(
        "report", "--mes", "2026-11", "--html", "informe.html", "--csv", "tablas",
        clock=IN_DECEMBER,
    )  # fmt: skip
    figures = json.loads(cli("report", "--mes", "2026-11", "--json", clock=IN_DECEMBER).stdout)

    assert shown.exit_code == 0, shown.stderr
    assert figures["redes"]["x"]["alcance"] is None
    assert figures["redes"]["facebook"]["alcance"] == 200 == figures["cifras"]["alcance"]
    assert "Alcance: X no informa el alcance; la suma es solo de Facebook." in shown.stdout
    page = read_text((office / "informe.html").read_text(encoding="utf-8"))
    # The networks' table: X's row has «—» under «alcance» (its views are 500) and «guard.».
    assert re.search(r"\bX 1 0 1 — 500 5 1 4 — 0 2,0 %", page), page
    assert "X no informa el alcance" in page
    with (office / "tablas" / "redes.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = {(r["red"], r["cifra"]): r["valor"] for r in csv.DictReader(file, delimiter=";")}
    assert rows[("x", "alcance")] == "" and rows[("facebook", "alcance")] == "200"


def test_api_names_only_in_the_sources_footnote_for_the_technician(cli, office: Path):
    shown = cli("report", "--mes", "2026-11", "--html", "informe.html", clock=IN_DECEMBER)

    assert shown.exit_code == 0, shown.stderr
    text = read_text((office / "informe.html").read_text(encoding="utf-8"))
    read_first, _, sources = text.partition("Fuentes, para el técnico:")
    for api_name in ("post_total_media_view_unique", "public_metrics", "impression_count"):
        assert api_name in sources, api_name
    # No identifier at all (snake_case) in anything a person reads before the footnote.
    assert not re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", read_first)
    assert sources.strip().endswith(".") and len(sources) < 400  # one small footnote, last
    assert not re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", shown.stdout)


def _rows(summary: str) -> list[str]:
    """The summary's figure lines: between the header and the first blank line after them."""
    lines = summary.splitlines()
    start = lines.index("") + 1
    return lines[start : lines.index("", start)]


def test_the_first_answer_in_words_and_the_columns_aligned(cli, office: Path):
    shown = cli("report", "--mes", "2026-11", clock=IN_DECEMBER, env={"COLUMNS": "80"})
    page_result = cli("report", "--mes", "2026-11", "--html", "x.html", clock=IN_DECEMBER)

    assert shown.exit_code == 0 and page_result.exit_code == 0
    # 1 and 2 minutes (tests/test_report.py): the half in 1,5 min, 9 of 10 in 2 min or less.
    assert re.search(r"Primera respuesta: la mitad, en +1,5 min o menos\n", shown.stdout)
    assert re.search(r"Primera respuesta: 9 de cada 10, en +2,0 min o menos\n", shown.stdout)
    page = read_text((office / "x.html").read_text(encoding="utf-8"))
    assert "9 de cada 10, en 2,0 min o menos" in page
    for text in (shown.stdout, page):
        assert not re.search(r"\bp90\b|percentil|mediana", text, re.IGNORECASE)
    # Each value ends in the same column, whatever its length.
    rows = _rows(shown.stdout)
    assert len(rows) == 15
    ends = set()
    for row in rows:
        name, value, *_ = re.split(r" {2,}", row.strip())
        ends.add(row.index(value, len(name) + 2) + len(value))
    assert len(ends) == 1, rows


@pytest.mark.parametrize("columns", [80, 200])
def test_the_summary_fits_the_window(cli, office: Path, columns: int):
    shown = cli("report", "--mes", "2026-12", clock=IN_DECEMBER, env={"COLUMNS": str(columns)})

    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= columns, shown.stdout
    header = f"{COMPANY} — diciembre de 2026"
    if columns == 80:
        # The long name wrapped on spaces, the moment on a line of its own.
        title = lines[: lines.index("")]
        assert title[-1] == "(en curso: cifras hasta el 5 de diciembre de 2026, 10:24 a. m.)"
        assert " ".join(title[:-1]) == header and len(title) == 3
    else:
        assert (
            lines[0] == f"{header} (en curso: cifras hasta el 5 de diciembre de 2026, 10:24 a. m.)"
        )
    assert len(_rows(shown.stdout)) == 15
    assert "Marta — PQR respondidas: 3" in shown.stdout


def test_a_narrow_window_puts_each_value_under_its_name(cli, office: Path):
    shown = cli("report", "--mes", "2026-12", clock=IN_DECEMBER, env={"COLUMNS": "40"})

    assert shown.exit_code == 0, shown.stderr
    assert max(cell_len(line) for line in shown.stdout.splitlines()) <= 40, shown.stdout
    assert "  PQR respondidas en término\n      100,0 %" in shown.stdout
