"""The monthly report: its figures on known data match the ones counted by hand."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from reports.figures import Report, build_report, month
from responders.models import (
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyKind,
    ReplyState,
    ReplyVisibility,
    Ticket,
    TicketStatus,
)
from scheduler.models import MetricSample

BOGOTA = ZoneInfo("America/Bogota")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BOGOTA)


def fill(database: Database) -> None:
    """A small November 2026 (and a bit of October) whose figures are counted by hand below."""
    with database.session() as session:
        posts = [
            ("p1", local(2026, 11, 3, 10), "Corte programado en el Centro"),
            ("p2", local(2026, 11, 5, 9), "Cómo pagar la factura en línea"),
            ("p3", local(2026, 11, 20, 8), "Aviso que no salió"),
            ("p4", local(2026, 10, 28, 8), "Aviso de octubre"),
        ]
        for post_id, at, text in posts:
            session.add(Post(id=post_id, text=text, scheduled_at=at))
        session.flush()
        publications = [
            Publication(post_id="p1", network="facebook", state=PublicationState.PUBLISHED,
                        published_at=local(2026, 11, 3, 10, 0, 30), remote_id="f1", next_attempt_at=local(2026, 11, 3, 10)),
            Publication(post_id="p2", network="x", state=PublicationState.PUBLISHED,
                        published_at=local(2026, 11, 5, 9, 30), remote_id="x2", next_attempt_at=local(2026, 11, 5, 9)),  # 30 min late
            Publication(post_id="p3", network="facebook", state=PublicationState.FAILED,
                        next_attempt_at=local(2026, 11, 20, 8)),
            Publication(post_id="p4", network="facebook", state=PublicationState.PUBLISHED,
                        published_at=local(2026, 10, 28, 8), remote_id="f4", next_attempt_at=local(2026, 10, 28, 8)),
        ]  # fmt: skip
        session.add_all(publications)
        session.flush()
        p1, p2, _, p4 = (publication.id for publication in publications)
        samples = [
            (p1, local(2026, 11, 4, 12), dict(reach=100, views=150, reactions=10, comments=2, shares=1, clicks=3)),
            (p1, local(2026, 11, 10, 12), dict(reach=200, views=300, reactions=20, comments=4, shares=2, clicks=6)),
            (p2, local(2026, 11, 6, 12), dict(views=500, reactions=5, comments=1, shares=4)),
            (p4, local(2026, 10, 29, 12), dict(reach=50, views=80, reactions=1)),
        ]  # fmt: skip
        for publication_id, at, values in samples:
            session.add(MetricSample(publication_id=publication_id, collected_at=at, **values))

        def interaction(n, network, kind, at, protocol, state) -> Interaction:
            row = Interaction(network=network, kind=kind, remote_id=f"i{n}", author_id=f"a{n}",
                              author_name="Ana", text="…", written_at=at, protocol=protocol,
                              state=state)  # fmt: skip
            session.add(row)
            session.flush()
            return row

        comment, message, mention = (
            InteractionKind.COMMENT,
            InteractionKind.MESSAGE,
            InteractionKind.MENTION,
        )
        i1 = interaction(
            1, "facebook", comment, local(2026, 11, 2, 8), "pago", InteractionState.ANSWERED
        )
        i2 = interaction(
            2, "x", message, local(2026, 11, 2, 9), "reclamo_facturacion", InteractionState.TICKETED
        )
        interaction(
            3, "facebook", comment, local(2026, 11, 15, 12), "saludo", InteractionState.ANSWERED
        )
        interaction(4, "x", mention, local(2026, 11, 15, 13), None, InteractionState.IGNORED)
        i5 = interaction(
            5,
            "facebook",
            comment,
            local(2026, 11, 30, 23, 30),
            "horario_contacto",
            InteractionState.IN_REVIEW,
        )
        interaction(
            6, "facebook", message, local(2026, 12, 1, 0, 10), "pago", InteractionState.ANSWERED
        )
        replies = [
            Reply(interaction_id=i1.id, state=ReplyState.SENT, reviewer="automático", kind=ReplyKind.ANSWER,
                  created_at=local(2026, 11, 2, 8, 1), sent_at=local(2026, 11, 2, 8, 2), text="a"),
            Reply(interaction_id=i2.id, state=ReplyState.SENT, reviewer="automático",
                  kind=ReplyKind.ACKNOWLEDGEMENT, visibility=ReplyVisibility.PRIVATE,
                  created_at=local(2026, 11, 2, 9), sent_at=local(2026, 11, 2, 9, 1), text="b"),
            Reply(interaction_id=i5.id, state=ReplyState.PENDING, created_at=local(2026, 11, 30, 23, 31), text=""),
        ]  # fmt: skip
        session.add_all(replies)
        tickets = [
            ("2026-000001", "reclamo", "107", i2.id, local(2026, 11, 2, 9), date(2026, 11, 24), local(2026, 11, 20, 10), TicketStatus.ANSWERED),
            ("2026-000002", "queja", "315", None, local(2026, 11, 3, 9), date(2026, 11, 25), None, TicketStatus.OPEN),
            ("2026-000003", "reporte_dano", "316", None, local(2026, 11, 28, 9), date(2026, 11, 29), local(2026, 11, 30, 9), TicketStatus.ANSWERED),
            ("2026-000004", "reclamo", "117", None, local(2026, 11, 25, 9), date(2026, 12, 16), None, TicketStatus.OPEN),
        ]  # fmt: skip
        for number, (radicado, kind, causal, source, filed, due, answered, status) in enumerate(
            tickets, 1
        ):
            session.add(
                Ticket(radicado=radicado, year=2026, sequence=number, type=kind, causal=causal,
                       network="x", interaction_id=source, filed_at=filed, filed_on=filed.date(),
                       due_date=due, answered_at=answered, status=status)
            )  # fmt: skip


@pytest.fixture
def filled(database_url: str):
    """The known month, on SQLite and (when there is one) on PostgreSQL."""
    database = Database(database_url)
    database.upgrade()
    fill(database)
    yield database
    database.dispose()


def test_the_figures_match_the_ones_counted_by_hand(filled: Database):
    with filled.session() as session:
        report = build_report(
            session.connection(), month("2026-11", BOGOTA), "Acueducto", now=local(2026, 12, 5, 9)
        )

    facebook, x = report.networks["facebook"], report.networks["x"]
    assert (facebook.published, facebook.failed, facebook.late) == (1, 1, 0)
    assert (x.published, x.failed, x.late) == (1, 0, 1)
    # The latest sample of each post counts, not the sum of samples.
    assert (facebook.reach, facebook.views, facebook.interactions) == (200, 300, 32)
    assert (x.reach, x.views, x.interactions) == (None, 500, 10)  # X reports no reach
    assert x.engagement_rate == pytest.approx(0.02)
    assert report.total.views == 800 and report.total.interactions == 42
    assert [post.post_id for post in report.best_posts] == ["p1", "p2"]
    # Requests: no greetings, nothing ignored, nothing from December.
    assert report.requests == 3
    assert report.requests_per_day == pytest.approx(0.1)
    assert {day: n for day, n in report.requests_by_day.items() if n} == {
        "2026-11-02": 2,
        "2026-11-30": 1,
    }
    assert report.requests_by_channel == {"Facebook (comentarios)": 2, "X (mensajes privados)": 1}
    assert (
        report.answered == 2 and report.answered_automatically == 1
    )  # an acknowledgement is no answer
    assert report.automatic_share == pytest.approx(1 / 3)
    assert report.median_first_answer == pytest.approx(1.5)
    assert report.p90_first_answer == pytest.approx(2.0)
    assert report.pending_replies_at_end == 1
    # Tickets: 3 were answered in time or had their term run out; one was answered in term.
    assert report.tickets == 4
    assert report.tickets_by_type == {"reclamo": 2, "queja": 1, "reporte_dano": 1}
    assert (report.tickets_settled, report.tickets_in_term) == (3, 1)
    assert [t["radicado"] for t in report.overdue] == ["2026-000002", "2026-000003"]
    # The previous month: October's one post.
    assert report.previous is not None and report.previous.total.views == 80
    assert report.previous.requests == 0


def test_report_command_writes_a_standalone_page_and_tidy_tables(cli, tmp_path: Path):
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    fill(database)
    database.dispose()

    after = FixedClock(local(2026, 12, 5, 9))
    result = cli(
        "report", "--mes", "2026-11", "--html", "informe.html", "--csv", "tablas", clock=after
    )
    as_json = cli("report", "--mes", "2026-11", "--json", clock=after)

    assert result.exit_code == 0, result.stderr
    assert "Solicitudes de ciudadanos" in result.stdout and "33,3 %" in result.stdout
    page = (tmp_path / "informe.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 5 and "noviembre de 2026" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing to fetch
    rows = spreadsheet(tmp_path / "tablas" / "solicitudes_por_dia.csv")
    assert len(rows) == 30 and sum(int(row["solicitudes"]) for row in rows) == 3
    figures = json.loads(as_json.stdout)
    assert (
        figures["cifras"]["pqr_vencidas"] == 2
        and figures["periodo_anterior"]["visualizaciones"] == 80
    )


def spreadsheet(path: Path) -> list[dict[str, str]]:
    """A CSV as Excel in Colombia reads it: UTF-8 with BOM, «;» between columns."""
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))


def test_the_report_names_protocols_and_figures_in_spanish_never_by_their_ids(cli, tmp_path: Path):
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    fill(database)
    database.dispose()
    after = FixedClock(local(2026, 12, 5, 9))

    result = cli(
        "report", "--mes", "2026-11", "--html", "informe.html", "--csv", "tablas", clock=after
    )
    figures = json.loads(cli("report", "--mes", "2026-11", "--json", clock=after).stdout)

    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "informe.html").read_text(encoding="utf-8")
    # The protocols by the name in their file; a request no protocol was clear about, in words.
    assert "Reclamo por facturación (cobro alto, doble cobro, lectura errada)" in page
    assert "Horario de atención y datos de contacto" in page
    assert "Sin protocolo claro" not in page  # every request of the month had one
    assert not re.search(r"Reclamo facturacion|reclamo_facturacion|Horario contacto", page)
    # The networks' figures: explained in Spanish; an API name only in the sources' footnote.
    text = re.sub(r"<[^>]+>", " ", page.partition("<body>")[2])  # what a person reads
    before_sources, _, sources = text.partition("Fuentes, para el técnico")
    for api_name in ("post_total_media_view_unique", "post_media_view", "impression_count"):
        assert api_name not in before_sources and api_name in sources
    assert "cuántas personas distintas vieron cada publicación" in before_sources
    assert "impressions" not in text
    # One number format: no dot decimals anywhere a person reads.
    assert not re.search(r"\d\.\d{1,2}\b(?!\.)", re.sub(r"\d{4}-\d{2}-\d{2}", "", text))
    # The CSVs keep the id and add the name; the JSON keeps the ids and names them aside.
    by_protocol = spreadsheet(tmp_path / "tablas" / "solicitudes_por_protocolo.csv")
    assert {row["protocolo"]: row["nombre"] for row in by_protocol}["reclamo_facturacion"] == (
        "Reclamo por facturación (cobro alto, doble cobro, lectura errada)"
    )
    types = spreadsheet(tmp_path / "tablas" / "pqr_por_tipo.csv")
    assert {row["tipo"]: row["nombre"] for row in types}["reporte_dano"] == "reporte de daño"
    summary = {row["cifra"]: row for row in spreadsheet(tmp_path / "tablas" / "resumen.csv")}
    assert summary["respuestas_automaticas"]["valor"] == "0,3333"
    assert summary["respuestas_automaticas"]["nombre"] == "Respondidas automáticamente (proporción)"
    assert "reclamo_facturacion" in figures["solicitudes_por_protocolo"]
    assert figures["nombres_de_protocolos"]["pago"] == "Dónde y cómo pagar, acuerdos de pago"


def test_a_request_without_protocol_or_with_a_protocol_no_longer_shipped_reads_as_words():
    report = build_report_for_labels()
    assert report.protocol_label("sin protocolo") == "Sin protocolo claro (las decide una persona)"
    assert report.protocol_label("poda_arboles") == (
        "Poda arboles (protocolo que ya no está en el catálogo)"
    )
    assert report.protocol_label("pago") == "Dónde y cómo pagar"


def build_report_for_labels() -> Report:
    return Report(
        "Acueducto", month("2026-11", BOGOTA), protocol_names={"pago": "Dónde y cómo pagar"}
    )


def test_a_wrong_month_says_so(cli):
    cli("init")

    result = cli("report", "--mes", "noviembre")

    assert result.exit_code == 2 and "opción --mes" in result.stderr


def test_the_previous_period_of_a_month_is_the_previous_month():
    period = month("2026-03", BOGOTA)

    assert (period.previous().start, period.previous().end) == (date(2026, 2, 1), date(2026, 3, 1))
    assert period.previous().label == "febrero de 2026"
    assert timedelta(days=period.days) == timedelta(days=31)


class _Dom(HTMLParser):
    """The elements of a page as a browser serialised them: tag, attributes, text, ancestors."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    )

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "ancestors": list(self._open)}
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.elements.append(
            {"tag": tag, "attrs": dict(attrs), "text": "", "ancestors": list(self._open)}
        )

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth]["tag"] == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data

    def find(self, tag: str, css_class: str | None = None) -> list[dict]:
        return [
            e for e in self.elements
            if e["tag"] == tag and (css_class is None or css_class in e["attrs"].get("class", "").split())
        ]  # fmt: skip

    @staticmethod
    def inside(element: dict, tag: str) -> dict | None:
        return next((a for a in reversed(element["ancestors"]) if a["tag"] == tag), None)


def test_the_page_renders_in_a_real_browser_when_one_is_installed(cli, tmp_path: Path):
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium here (apt-get install chromium) to open the report")
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    fill(database)
    database.dispose()
    written = cli(
        "report",
        "--mes",
        "2026-11",
        "--html",
        "informe.html",
        clock=FixedClock(local(2026, 12, 5, 9)),
    )
    assert written.exit_code == 0, written.stderr
    page = (tmp_path / "informe.html").as_uri()
    headless = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=900,2400"]

    shot = tmp_path / "informe.png"
    shown = subprocess.run(
        [*headless, f"--screenshot={shot}", page], capture_output=True, timeout=120
    )
    dumped = subprocess.run([*headless, "--dump-dom", page], capture_output=True, timeout=120)

    assert shown.returncode == 0, shown.stderr.decode(errors="replace")[-2000:]
    assert dumped.returncode == 0, dumped.stderr.decode(errors="replace")[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        assert image.format == "PNG" and image.size == (900, 2400)
    dom = _Dom(dumped.stdout.decode("utf-8"))
    [title] = [e for e in dom.find("title") if dom.inside(e, "head") and not dom.inside(e, "svg")]
    assert title["text"] == "Informe: noviembre de 2026 — "
    assert [h["text"] for h in dom.find("h1")] == ["Informe de la oficina digital"]
    # The figures' cards, as counted by hand for the known month (see the test above).
    cards = dict(
        zip(
            [e["text"] for e in dom.find("div", "nombre")],
            [e["text"] for e in dom.find("div", "valor")],
            strict=True,
        )
    )
    assert cards == {
        "solicitudes de ciudadanos por día": "0,1",  # 3 requests in 30 days
        "respondidas automáticamente": "33,3 %",  # 1 of 3
        "primera respuesta: la mitad, en este tiempo o menos": "1,5 min",  # 1 and 2 minutes
        "PQR respondidas en término": "33,3 %",  # 1 of the 3 whose term ended
        "publicaciones": "2",
        "alcance (suma por publicación)": "200",
        "visualizaciones": "800",  # 300 + 500: each post's latest sample
        "tasa de interacción": "5,2 %",  # (20 + 4 + 2 + 6 + 5 + 1 + 4) / 800
    }
    assert all(dom.inside(e, "div")["attrs"]["class"] == "cifra" for e in dom.find("div", "valor"))
    # The five charts, each an SVG drawn in the page, with its bars or lines.
    charts = {svg["attrs"]["aria-label"]: svg for svg in dom.find("svg")}
    assert list(charts) == [
        "Solicitudes por día",
        "Vistas acumuladas por red",
        "Tiempo hasta la primera respuesta",
        "PQR por estado",
        "Respondidas solas, semana a semana (% de las solicitudes)",
    ]

    def bars_of(label: str) -> dict[str, str]:
        bars = [r for r in dom.find("rect") if dom.inside(r, "svg") is charts[label]]
        return dict(
            t["text"].split(": ") for t in dom.find("title") if dom.inside(t, "rect") in bars
        )

    by_day = bars_of("Solicitudes por día")
    assert len(by_day) == 30 and by_day["02"] == "2" and by_day["30"] == "1"
    assert sum(int(value) for value in by_day.values()) == 3
    assert bars_of("PQR por estado") == {
        "abiertas": "1",
        "vencidas sin respuesta": "1",
        "respondidas": "2",
        "cerradas": "0",
    }
    assert bars_of("Tiempo hasta la primera respuesta")["< 5 min"] == "2"
    polylines = [
        p
        for p in dom.find("polyline")
        if dom.inside(p, "svg") is charts["Vistas acumuladas por red"]
    ]
    assert len(polylines) == 2  # Facebook and X both reported views
    assert [h["text"] for h in dom.find("h2")][:4] == [
        "Solicitudes de ciudadanos por día",
        "Vistas acumuladas por red",
        "Tiempo hasta la primera respuesta",
        "PQR radicadas en el periodo, según su estado",
    ]


def test_an_old_pqr_still_open_and_a_damage_report_late_by_hours_are_overdue(filled: Database):
    with filled.session() as session:
        session.add(
            Ticket(radicado="2026-000099", year=2026, sequence=99, type="queja", network="x",
                   filed_at=local(2026, 10, 20, 9), filed_on=date(2026, 10, 20),
                   due_date=date(2026, 11, 10), status=TicketStatus.OPEN)
        )  # fmt: skip
        session.add(
            Ticket(radicado="2026-000098", year=2026, sequence=98, type="reporte_dano", network="x",
                   filed_at=local(2026, 11, 9, 8), filed_on=date(2026, 11, 9),
                   due_date=date(2026, 11, 10), due_at=local(2026, 11, 10, 8),
                   answered_at=local(2026, 11, 10, 20), status=TicketStatus.ANSWERED)
        )  # fmt: skip

    with filled.session() as session:
        report = build_report(
            session.connection(), month("2026-11", BOGOTA), "Acueducto", now=local(2026, 12, 5, 9)
        )

    overdue = {ticket["radicado"] for ticket in report.overdue}
    assert {"2026-000099", "2026-000098", "2026-000002", "2026-000003"} <= overdue
    assert (report.tickets_settled, report.tickets_in_term) == (5, 1)


def test_a_month_in_course_averages_over_the_days_lived(filled: Database):
    with filled.session() as session:
        report = build_report(
            session.connection(), month("2026-11", BOGOTA), "Acueducto", now=local(2026, 11, 10, 9)
        )

    # The month's 3 requests counted by hand (see above), over the 10 days lived, not over 30.
    assert report.partial and report.days_counted == 10
    assert report.requests == 3
    assert report.requests_per_day == pytest.approx(0.3)


def test_a_month_is_written_yyyy_mm_and_nothing_else(cli):
    cli("init")

    for mes in (
        "",
        "2026-1",
        "2026-13",
        "2026-00",
        "26-01",
        "2026-01-01",
        "２０２６-01",
        "1999-12",
    ):
        result = cli("report", "--mes", mes)

        assert result.exit_code == 2, (mes, result.stdout)
        assert "opción --mes" in result.stderr and "por ejemplo 2026-01" in result.stderr, mes
    assert cli("report", "--mes", "2026-01").exit_code == 0


def test_a_period_the_report_cannot_cover_is_bad_input_in_spanish(cli):
    cli("init")
    cases = {
        ("0001-01-01", "9999-12-31"): "opción --desde: el informe cubre días entre 2000-01-01",
        ("2026-01-01", "9999-12-31"): "opción --hasta: el informe cubre días entre 2000-01-01",
        ("2000-01-01", "2100-12-31"): "el periodo es demasiado largo",
        ("2026-02-30", "2026-03-01"): "«2026-02-30» no es una fecha; escriba AAAA-MM-DD",
        ("", "2026-03-01"): "«» no es una fecha",
        ("2026-1-1", "2026-03-01"): "«2026-1-1» no es una fecha",
    }
    for (desde, hasta), message in cases.items():
        result = cli("report", "--desde", desde, "--hasta", hasta)

        assert result.exit_code == 2, (desde, hasta, result.stderr)
        assert message in result.stderr, (desde, hasta, result.stderr)
        assert "inesperado" not in result.stderr
    longest = cli("report", "--desde", "2000-01-01", "--hasta", "2004-12-31", "--json")
    assert longest.exit_code == 0, longest.stderr


def test_a_folder_given_as_the_page_is_bad_input(cli, tmp_path: Path):
    cli("init")

    for where in ("/", "", str(tmp_path)):
        result = cli("report", "--mes", "2026-11", "--html", where)

        assert result.exit_code == 2, (where, result.stderr)
        assert (
            "no se pudo escribir (es una carpeta, no un archivo); elija otra ruta" in result.stderr
        )


def test_the_page_never_replaces_a_device_or_a_pipe(cli, tmp_path: Path):
    import os

    cli("init")
    os.mkfifo(tmp_path / "tubo.html")

    result = cli("report", "--mes", "2026-11", "--html", "tubo.html")

    assert result.exit_code == 2, result.stderr
    assert (
        "tubo.html: no se pudo escribir (es una tubería (FIFO), no un archivo común)"
        in result.stderr
    )
    assert not (tmp_path / "tubo.html").is_file()


def add_instagram(database: Database) -> None:
    """An Instagram Reel of November with its figures (likes are its reactions) and two
    citizens' comments on it."""
    with database.session() as session:
        session.add(
            Post(id="p5", text="Reel: así cuidamos el agua", scheduled_at=local(2026, 11, 12, 18))
        )
        session.flush()
        reel = Publication(post_id="p5", network="instagram", state=PublicationState.PUBLISHED,
                           published_at=local(2026, 11, 12, 18, 1), remote_id="17900000000000005",
                           remote_url="https://www.instagram.com/reel/00000000005/",
                           next_attempt_at=local(2026, 11, 12, 18))  # fmt: skip
        session.add(reel)
        session.flush()
        for at, values in (
            (local(2026, 11, 13, 12), dict(reach=120, views=400, reactions=15, comments=2, shares=1, saved=11)),
            (local(2026, 11, 20, 12), dict(reach=300, views=900, reactions=40, comments=6, shares=3, saved=25)),
        ):  # fmt: skip
            session.add(MetricSample(publication_id=reel.id, collected_at=at, **values))
        for n, day in ((7, 13), (8, 14)):
            session.add(
                Interaction(network="instagram", kind=InteractionKind.COMMENT, remote_id=f"i{n}",
                            author_id=f"a{n}", author_name="Ana", text="…",
                            written_at=local(2026, 11, day, 9), protocol="pago",
                            state=InteractionState.ANSWERED)
            )  # fmt: skip


def test_a_month_with_instagram_posts_shows_instagram_in_every_table_and_chart(cli, tmp_path: Path):
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    fill(database)
    add_instagram(database)
    database.dispose()
    after = FixedClock(local(2026, 12, 5, 9))

    result = cli(
        "report", "--mes", "2026-11", "--html", "informe.html", "--csv", "tablas", clock=after
    )
    figures = json.loads(cli("report", "--mes", "2026-11", "--json", clock=after).stdout)

    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "informe.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.partition("<body>")[2]).split())
    # The networks' table: 49 interactions (40 likes, 6 comments, 3 shares) over 900 views,
    # and 25 saves (not an interaction); Facebook and X report no saves: unknown, not 0.
    assert "Instagram 1 0 0 300 900 40 6 3 25 0 5,4 %" in text, text
    assert "Facebook 1 1 0 200 300 20 4 2 — 6 10,7 %" in text
    assert "X 1 0 1 — 500 5 1 4 — 0 2,0 %" in text
    assert "Total 3 1 1 500 1.700 65 11 9 25 6 5,4 %" in text
    assert "Guardados «—»: Facebook y X no informan cuántas veces se guardó" in text
    # The posts with most interaction: the Reel leads (49 interactions, 25 saves).
    best = text.partition("Las publicaciones con más interacción")[2]
    words = best.split()
    assert " ".join(words[5:14]) == "Instagram Reel: así cuidamos el agua 900 49 25", best[:200]
    assert " ".join(words[14:23]) == "Facebook Corte programado en el Centro 300 32 —"
    # The chart of how views grew has an Instagram line; the channels' table its comments.
    grown = page.partition("<h2>Vistas acumuladas por red</h2>")[2].partition("</section>")[0]
    assert "<svg" in grown and "Instagram" in grown
    assert "Instagram (comentarios) 2" in text
    # What its figures mean, and where they come from (API names only in the footnote).
    before_sources, _, sources = text.partition("Fuentes, para el técnico")
    assert "Instagram: alcance: cuántas cuentas distintas vieron cada publicación" in before_sources
    assert "guardados: cuántas veces la guardaron" in before_sources
    assert "Instagram: estadísticas de cada publicación (insights)" in sources
    assert "X no informa el alcance; la suma es solo de Facebook e Instagram" in text
    # The tables for a spreadsheet and the JSON.
    networks = {
        (row["red"], row["cifra"]): row["valor"]
        for row in spreadsheet(tmp_path / "tablas" / "redes.csv")
    }
    assert networks[("instagram", "alcance")] == "300"
    assert networks[("instagram", "reacciones")] == "40"
    assert networks[("instagram", "guardados")] == "25"
    assert networks[("facebook", "guardados")] == ""  # unknown, never 0
    grown_rows = spreadsheet(tmp_path / "tablas" / "alcance_por_dia.csv")
    assert max(int(r["vistas_acumuladas"]) for r in grown_rows if r["red"] == "instagram") == 900
    channels = spreadsheet(tmp_path / "tablas" / "solicitudes_por_canal.csv")
    assert {r["canal"]: r["solicitudes"] for r in channels}["Instagram (comentarios)"] == "2"
    assert figures["redes"]["instagram"]["alcance"] == 300
    assert figures["redes"]["instagram"]["vistas"] == 900
    assert figures["redes"]["instagram"]["guardados"] == 25
    assert figures["redes"]["facebook"]["guardados"] is None
    assert [post["guardados"] for post in figures["mejores_publicaciones"][:2]] == [25, None]
    assert set(figures["mejores_publicaciones"][0]) == {  # Spanish keys, like the rest
        "red",
        "publicacion",
        "texto",
        "enlace",
        "vistas",
        "interacciones",
        "guardados",
    }
