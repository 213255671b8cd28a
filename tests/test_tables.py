"""The daily lists at 80 and at 200 columns: cards on a narrow window, a table on a wide one,
never a line wider than the window, never a link split across lines."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest

from conectados.app import App
from conectados.clock import FixedClock
from office.cli import run
from responders.protocol_files import load_catalogue
from tests.conftest import FIXED_NOW

EVA = (
    "¿dónde pago la factura? ya van 2 semanas esperando y nada, nadie contesta en la oficina "
    "y el recibo llegó con recargo aunque pagué a tiempo el mes pasado por el banco"
)
LUIS = "Me cobraron dos veces el cargo fijo de noviembre"
ANA = "¿Dónde puedo pagar la factura? ¿Reciben PSE?"
CALENDAR = """\
zona_horaria: America/Bogota
publicaciones:
  - id: corte-programado-sector-norte
    fecha: 2026-03-10 11:00
    redes: [facebook, x]
    texto: Mañana lavaremos el tanque del sector Norte; habrá baja presión de 8 a 14.
"""
LISTS = {
    "replies": ("replies", "list", "--estado", "todas"),
    "inbox": ("inbox",),
    "pqr": ("pqr", "list"),
    "calendar": ("calendar", "list"),
    "protocols": ("protocols", "list"),
    "avisos": ("avisos", "list"),
}
TABLE_BORDER = "│"


class Office:
    """A company folder with a day's work in it: published posts, answered, filed and
    doubtful messages; each list is run as a user would, at a given window width."""

    def __init__(self, folder: Path, clock: FixedClock) -> None:
        self.folder, self.clock = folder, clock
        self.shown: dict[tuple, str] = {}

    def list(self, *args: str, columns: int | None = None) -> str:
        """A list's output; the lists only read, so each is run once per width."""
        if (args, columns) not in self.shown:
            self.shown[args, columns] = self(*args, columns=columns)
        return self.shown[args, columns]

    def __call__(self, *args: str, columns: int | None = None) -> str:
        environ = {} if columns is None else {"COLUMNS": str(columns)}
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = run(list(args), app=App(environ=environ, cwd=self.folder, clock=self.clock))
        assert code == 0, (args, out.getvalue(), err.getvalue())
        return out.getvalue()


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from channels.sandbox import Sandbox, SandboxServer

    folder = tmp_path_factory.mktemp("oficina")
    clock = FixedClock(FIXED_NOW)  # 10:00 in Bogotá, Tuesday 10 March 2026
    with SandboxServer(sandbox=Sandbox(clock)) as sandbox:
        (folder / "conectados.toml").write_text(
            f'[sandbox]\nurl = "{sandbox.url}"\n'
            '[pqr]\npolitica_datos_url = "https://acueducto.example/datos"\n',
            encoding="utf-8",
        )
        (folder / "marzo.yaml").write_text(CALENDAR, encoding="utf-8")
        office = Office(folder, clock)
        office("init")
        office("calendar", "import", "marzo.yaml")
        clock.advance(timedelta(hours=2))
        office("daemon", "--once")  # publishes the post on both networks
        for network, kind, author, text in (
            ("facebook", "comment", "Eva Sofía Restrepo", EVA),
            ("facebook", "comment", "Ana", ANA),
            ("x", "message", "Luis", LUIS),
        ):
            body = {"network": network, "kind": kind, "text": text, "author": author}
            sandbox.control("POST", "citizen", body)
        office("daemon", "--once")
        office(
            "avisos", "add", "--sector", "Barrio La Ceiba y vereda El Placer",
            "--desde", "2026-03-11 08:00", "--hasta", "2026-03-11 14:00",
            "--motivo", "cambio de la válvula principal de la red del sector norte, con cierre",
        )  # fmt: skip
        yield office


def _reply_ids(office: Office) -> list[str]:
    if not hasattr(office, "reply_ids"):
        listed = office.list("replies", "list", "--estado", "todas")
        office.reply_ids = re.findall(r"^│ *(\d+) *│", listed, re.M)
    return office.reply_ids


def _links(office: Office) -> list[str]:
    return [row["enlace"] for row in json.loads(office.list("calendar", "list", "--json"))]


def _radicado(office: Office) -> str:
    if not hasattr(office, "radicado"):
        office.radicado = re.search(r"20\d{2}-\d{6}", office.list("pqr", "list")).group()
    return office.radicado


def _expected(office: Office, name: str) -> list[str]:
    """What a person looks for in each list: ids, states, radicado, a part of the message."""
    if name == "replies":
        return ["pendiente", "enviada", "Eva Sofía", "¿dónde pago la factura?", *_reply_ids(office)]
    if name == "inbox":
        return ["Luis", "radicado", "en revisión", "Me cobraron dos veces"]
    if name == "pqr":
        return [_radicado(office), "abierto", "reclamo", "15 días hábiles"]
    if name == "calendar":
        return ["corte-programado-sector-norte", "publicada", "facebook", "10 mar 11:00"]
    if name == "avisos":
        return ["La Ceiba", "11 mar 08:00", "11 mar 14:00", "próximo", "cambio de la válvula"]
    return ["Fugas, daños en la red y alcantarillado", "Estado de una PQR radicada"]


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("name", LISTS)
def test_each_list_fits_the_window_with_its_key_fields(office, name, columns):
    shown = office.list(*LISTS[name], columns=columns)

    too_wide = [line for line in shown.splitlines() if len(line) > columns]
    assert not too_wide, shown
    for text in _expected(office, name):
        assert text in shown, (text, shown)


ITEMS = {
    "replies": 4,
    "inbox": 3,
    "pqr": 1,
    "calendar": 2,
    "protocols": len(load_catalogue().protocols),
    "avisos": 1,
}


@pytest.mark.parametrize("name", LISTS)
def test_a_narrow_window_gets_one_card_per_item_and_a_wide_one_a_table(office, name):
    narrow = office.list(*LISTS[name], columns=80)
    wide = office.list(*LISTS[name], columns=200)

    assert TABLE_BORDER not in narrow
    cards = narrow.strip().split("\n\n")[1:]  # after the title, one block per item
    assert len(cards) == ITEMS[name], narrow
    for card in cards:
        _heading, *fields = card.splitlines()
        assert fields and all(line.startswith("  ") for line in fields), card
        assert re.match(r"  \w[\w. ]*: +\S", fields[0]), card  # «clave: valor»
    assert TABLE_BORDER in wide
    rows = [line for line in wide.splitlines() if re.match(r"│ \S", line)]
    assert len(rows) == ITEMS[name], wide  # one table row per item (wrapped lines start blank)


def test_protocols_confidence_and_dates_read_in_spanish(office):
    for columns in (80, 200):
        replies = office.list("replies", "list", "--estado", "todas", columns=columns)
        inbox = office.list("inbox", columns=columns)
        for shown in (replies, inbox):
            assert "Dónde y cómo pagar" in shown and "Reclamo por facturación" in shown
            assert "reclamo_facturacion" not in shown  # the protocol's id stays in `show`
            assert "10 mar 12:00" in shown  # when the message came, in Bogotá
        assert "86 %" in replies and "0.86" not in replies  # «86 %», not «0.86»


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_a_link_is_never_split_across_lines(office, columns):
    links = _links(office)
    assert links and all(link.startswith("https://") for link in links)

    shown = office.list("calendar", "list", columns=columns)

    for link in links:
        assert any(link in line for line in shown.splitlines()), (link, shown)


def test_a_message_preview_is_cut_with_an_ellipsis(office):
    wide = office.list("replies", "list", "--estado", "todas", columns=200)
    narrow = office.list("replies", "list", "--estado", "todas", columns=80)

    assert "por el banco" not in wide and "por el banco" not in narrow
    previews = [line for line in wide.splitlines() if "¿dónde pago" in line]
    assert previews and all("…" in line for line in previews)
    card = narrow.split("¿dónde pago")[1].split("  protocolo:")[0]
    assert card.count("\n") == 2 and card.rstrip().endswith("…"), card  # two lines at most


def test_a_file_or_a_pipe_gets_a_table_one_line_per_item(office):
    piped = office.list("replies", "list", "--estado", "todas")  # not a terminal, no COLUMNS

    assert TABLE_BORDER in piped
    assert all(len(line) <= 160 for line in piped.splitlines())
    rows = [line for line in piped.splitlines() if line.startswith("│")]
    assert len(rows) == ITEMS["replies"], piped  # one line per item: `| grep` finds it whole
    assert any("Eva Sofía" in row and "pendiente" in row for row in rows), piped


URL = "https://www.facebook.com/100000000000001/posts/" + "9" * 60  # 107 characters


@pytest.mark.parametrize("columns", [80, 200])
def test_a_long_link_in_a_reason_is_cut_whole_never_split(capsys, columns):
    from conectados.tables import Field, Listing, print_listing

    listing = Listing("Publicaciones", (Field("id"), Field("último error", "text")), ("id",))
    listing.add("aviso", f"HTTP 400: vea {URL} y reintente")

    print_listing(listing, {"COLUMNS": str(columns)})

    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= columns for line in lines)
    assert not any(line.strip(" │").startswith(URL[20:30]) for line in lines)  # no tail alone
    assert any("https://www.facebook.com/1" in line and "…" in line for line in lines)


def test_a_table_too_wide_drops_its_least_important_columns_and_names_them(capsys):
    from conectados.tables import Field, Listing, print_listing

    listing = Listing(
        "Respuestas",
        (
            Field("id"),
            Field("radicado"),
            Field("protocolo", priority=2),
            Field("motivo", priority=1),
        ),
        ("id",),
        hidden_hint="conectados replies show ID",
    )
    listing.add("12", "2026-000001", "p" * 40, "m" * 40)

    print_listing(listing, {"COLUMNS": "100"})

    shown = capsys.readouterr().out
    assert all(len(line) <= 100 for line in shown.splitlines()), shown
    assert "2026-000001" in shown and "m" * 40 in shown  # the essential and the next, whole
    assert "p" * 10 not in shown
    assert "No caben en esta ventana: protocolo; véalos con «conectados replies show ID»." in shown


def test_a_date_of_another_year_says_its_year():
    from datetime import date, datetime

    from conectados.tables import short_date, short_moment

    today = date(2026, 3, 10)
    assert short_moment(datetime(2026, 9, 5, 7, 30), today) == "5 sep 07:30"
    assert short_date(date(2027, 1, 4), today) == "4 ene 2027"


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_one_case_on_screen_follows_a_narrow_window(office, columns):
    shown = {
        "replies show": office.list("replies", "show", _reply_ids(office)[0], columns=columns),
        "pqr show": office.list("pqr", "show", _radicado(office), columns=columns),
    }

    for name, text in shown.items():
        too_wide = [line for line in text.splitlines() if len(line) > min(columns, 100)]
        assert not too_wide, (name, text)


def _split_percent(shown: str) -> list[str]:
    """Lines that begin with a «%» left alone by wrapping «confianza 39 %»."""
    return [line for line in shown.splitlines() if line.strip().startswith("%")]


def test_a_percentage_is_never_split_from_its_number(office, monkeypatch):
    """At widths from 51 to 99 columns, «confianza 39 %» stays on one line in
    `replies list` and in `replies review` (the reasons and the suggested protocol)."""
    reasons = []
    for columns in range(51, 101, 4):
        listed = office.list("replies", "list", "--estado", "todas", columns=columns)
        monkeypatch.setattr("sys.stdin", io.StringIO("s\n" * 10))
        reviewed = office("replies", "review", columns=columns)
        for shown in (listed, reviewed):
            assert _split_percent(shown) == [], (columns, shown)
        reasons.append(" ".join(reviewed.split()))
    assert all(re.search(r"confianza \d+ %", said) for said in reasons), reasons[0]


def test_wrapping_keeps_a_percentage_and_an_hour_whole_and_the_style():
    from rich.console import Console

    from conectados.tables import wrap_text

    console = Console(width=200)
    text = "parecido a Reclamo por facturación, confianza 39 % hasta las 2:00 p. m. del lunes"
    for width in range(20, 60):
        lines = wrap_text(console, text, width, "red")
        plain = [line.plain for line in lines]
        assert " ".join(plain) == text, plain
        assert all(not line.startswith(("%", "p.", "m.")) for line in plain), plain
        assert all(len(line) <= width for line in plain), plain
        assert all(line.style == "red" for line in lines)


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_the_review_keys_fit_the_window_each_one_whole(office, monkeypatch, columns):
    from responders.review_session import KEYS

    monkeypatch.setattr("sys.stdin", io.StringIO("s\n" * 10))

    shown = office("replies", "review", columns=columns)

    start = shown.index("[a] aprobar")
    lines = shown[start:].split("\n")
    lines = lines[: next(n for n, line in enumerate(lines) if "[q] salir" in line) + 1]
    assert all(len(line) <= min(columns, 100) for line in lines), lines
    assert [key for line in lines for key in line.split("  ")] == list(KEYS), lines
    assert len(lines) == {60: 3, 80: 2}.get(columns, 2)  # at most 100 columns: two lines
