"""Importing the calendar and living with it: idempotent, all-or-nothing, never touching what went out."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from conectados.app import App
from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from office.cli import run

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "data" / "calendario-diciembre-2026.yaml"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
HOLIDAY_TIP, NEW_YEAR = re.findall(r"^  - id: (\S+)$", SAMPLE.read_text(encoding="utf-8"), re.M)[
    -2:
]
"""The sample's last two posts: the saving tip before the holidays and the New Year greeting
(their ids are the sample's to choose)."""


@pytest.fixture
def office(tmp_path: Path, capsys):
    """A company folder: settings pointing at the repository's sample media, a database."""
    (tmp_path / "conectados.toml").write_text(
        f'carpeta_medios = "{REPO / "assets"}"\n', encoding="utf-8"
    )
    shutil.copy(SAMPLE, tmp_path / "diciembre.yaml")

    def conectados(*args: str, now: datetime = NOW):
        capsys.readouterr()
        code = run(list(args), app=App(environ={}, cwd=tmp_path, clock=FixedClock(now)))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert conectados("init")[0] == 0
    conectados.folder = tmp_path
    conectados.database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    yield conectados
    conectados.database.dispose()


def counts(database: Database) -> tuple[int, int]:
    with database.engine.connect() as connection:
        posts = connection.execute(sa.select(sa.func.count()).select_from(Post)).scalar()
        publications = connection.execute(
            sa.select(sa.func.count()).select_from(Publication)
        ).scalar()
    return posts, publications


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_state(database: Database, post_id: str, network: str, state: PublicationState) -> None:
    with database.session() as session:
        session.execute(
            sa.update(Publication)
            .where(Publication.post_id == post_id, Publication.network == network)
            .values(state=state)
        )


def test_import_creates_one_publication_per_network(office):
    code, out, _ = office("calendar", "import", "diciembre.yaml")

    assert code == 0
    assert "12 nuevas" in out
    assert counts(office.database) == (12, 22)


def test_importing_the_same_file_again_changes_nothing_and_says_so(office):
    office("calendar", "import", "diciembre.yaml")
    with office.database.engine.connect() as connection:
        before = connection.execute(sa.text("SELECT * FROM post ORDER BY id")).all()

    code, out, _ = office("calendar", "import", "diciembre.yaml")

    with office.database.engine.connect() as connection:
        after = connection.execute(sa.text("SELECT * FROM post ORDER BY id")).all()
    assert code == 0
    assert out.strip() == "Sin cambios: las 12 publicaciones ya estaban al día."
    assert before == after


def test_a_changed_entry_is_updated_while_it_has_not_gone_out(office):
    office("calendar", "import", "diciembre.yaml")
    edit(office.folder / "diciembre.yaml", "fecha: 2026-12-12 11:00", "fecha: 2026-12-13 09:30")

    code, out, _ = office("calendar", "import", "diciembre.yaml")

    assert code == 0
    assert "0 nuevas, 1 actualizada, 11 sin cambios" in out
    with office.database.session() as session:
        post = session.get(Post, "ahorro-ducha")
        publications = (
            session.exec(sa.select(Publication).where(Publication.post_id == "ahorro-ducha"))
            .scalars()
            .all()
        )
    assert post.scheduled_at == datetime(2026, 12, 13, 14, 30, tzinfo=UTC)
    assert {p.next_attempt_at for p in publications} == {post.scheduled_at}


def test_what_was_published_is_never_changed(office):
    office("calendar", "import", "diciembre.yaml")
    set_state(office.database, NEW_YEAR, "facebook", PublicationState.PUBLISHED)
    edit(office.folder / "diciembre.yaml", "¡Feliz Año Nuevo!", "¡Feliz 2027!")

    code, out, _ = office("calendar", "import", "diciembre.yaml")

    assert code == 0
    assert f"{NEW_YEAR}: ya se publicó en facebook; sus cambios no se aplican" in out
    with office.database.session() as session:
        assert session.get(Post, NEW_YEAR).text.endswith("¡Feliz Año Nuevo!")


def test_a_network_removed_from_an_entry_is_cancelled_there(office):
    office("calendar", "import", "diciembre.yaml")
    edit(
        office.folder / "diciembre.yaml",
        f"  - id: {NEW_YEAR}\n    fecha: 2026-12-31 18:00\n    redes: [facebook, x]",
        f"  - id: {NEW_YEAR}\n    fecha: 2026-12-31 18:00\n    redes: [facebook]",
    )

    office("calendar", "import", "diciembre.yaml")
    _code, out, _ = office("calendar", "import", "diciembre.yaml")

    with office.database.session() as session:
        states = dict(
            session.exec(
                sa.select(Publication.network, Publication.state).where(
                    Publication.post_id == NEW_YEAR
                )
            ).all()
        )
    assert states == {"facebook": PublicationState.SCHEDULED, "x": PublicationState.CANCELLED}
    assert "Sin cambios" in out  # the cancelled network does not count as a change next time


def test_entries_missing_from_the_file_are_reported_and_cancelled_only_when_asked(office):
    office("calendar", "import", "diciembre.yaml")
    text = (office.folder / "diciembre.yaml").read_text(encoding="utf-8")
    (office.folder / "diciembre.yaml").write_text(
        text[: text.index(f"  - id: {HOLIDAY_TIP}")], encoding="utf-8"
    )

    _, reported, _ = office("calendar", "import", "diciembre.yaml")
    _, cancelled, _ = office("calendar", "import", "diciembre.yaml", "--cancelar-ausentes")

    assert f"ya no están en él: {HOLIDAY_TIP}, {NEW_YEAR}" in reported
    assert f"Canceladas por no estar en el archivo: {HOLIDAY_TIP}, {NEW_YEAR}." in cancelled
    with office.database.session() as session:
        states = set(
            session.exec(
                sa.select(Publication.state).where(Publication.post_id == NEW_YEAR)
            ).scalars()
        )
    assert states == {PublicationState.CANCELLED}
    assert counts(office.database) == (12, 22)  # nothing is deleted


def test_a_failed_import_leaves_the_database_unchanged(office):
    office("calendar", "import", "diciembre.yaml")
    edit(
        office.folder / "diciembre.yaml",
        "fecha: 2026-12-12 11:00",
        "fecha: 2026-12-12 11:00\n    redes2: [x]",
    )
    edit(office.folder / "diciembre.yaml", "¡Feliz Año Nuevo!", "¡Feliz 2027!")
    with office.database.engine.connect() as connection:
        before = connection.execute(sa.text("SELECT * FROM post ORDER BY id")).all()

    code, out, _ = office("calendar", "import", "diciembre.yaml")

    with office.database.engine.connect() as connection:
        after = connection.execute(sa.text("SELECT * FROM post ORDER BY id")).all()
    assert code == 2
    assert "campo desconocido «redes2»" in out
    assert "No se importó nada" in out
    assert before == after


def test_a_past_date_is_fine_for_an_entry_already_imported(office):
    office("calendar", "import", "diciembre.yaml")

    code, out, _ = office(
        "calendar", "import", "diciembre.yaml", now=datetime(2026, 12, 15, tzinfo=UTC)
    )

    assert code == 0, out
    assert "Sin cambios" in out


def test_list_show_and_cancel(office):
    office("calendar", "import", "diciembre.yaml")
    set_state(office.database, "ahorro-agua-01", "x", PublicationState.PUBLISHED)

    _, listed, _ = office("calendar", "list", "--mes", "2026-12", "--red", "x", "--json")
    _, shown, _ = office("calendar", "show", "ahorro-agua-01")
    code, cancelled, _ = office("calendar", "cancel", "ahorro-agua-01")
    _, scheduled, _ = office("calendar", "list", "--estado", "programada", "--json")

    rows = json.loads(listed)
    assert len(rows) == 10 and {row["red"] for row in rows} == {"x"}
    assert rows[0]["fecha"] == "2026-12-01 08:00" and rows[0]["estado"] == "publicada"
    assert "x: publicada" in shown and "facebook: programada" in shown
    assert code == 0
    assert "ahorro-agua-01: cancelada en facebook." in cancelled
    assert "en x no se puede cancelar: está publicada" in cancelled
    assert "ahorro-agua-01" not in {row["id"] for row in json.loads(scheduled)}


def test_show_with_an_empty_id_shows_nothing(office):
    office("calendar", "import", "diciembre.yaml")

    code, shown, said = office("calendar", "show", "")

    assert code == 2 and shown == ""
    assert "no hay ninguna publicación con el id «»" in said


def test_list_refuses_a_bad_month_and_an_unknown_state(office):
    bad_month = office("calendar", "list", "--mes", "diciembre")
    bad_state = office("calendar", "list", "--estado", "perdida")

    assert bad_month[0] == 2 and "AAAA-MM" in bad_month[2]
    ancient = office("calendar", "list", "--mes", "0001-01")
    assert ancient[0] == 2 and "entre 2000 y 2100" in ancient[2]
    assert bad_state[0] == 2 and "estado desconocido «perdida»" in bad_state[2]


def test_preview_is_one_standalone_page_with_thumbnails_and_warnings(office):
    edit(
        office.folder / "diciembre.yaml",
        "¡Feliz Año Nuevo!",
        "¡Feliz Año Nuevo! Dudas al 315 555 1234",
    )

    code, _out, _ = office("calendar", "preview", "diciembre.yaml", "-o", "plan.html")

    page = (office.folder / "plan.html").read_text(encoding="utf-8")
    assert code == 0
    assert "diciembre de 2026" in page
    assert page.count("data:image/jpeg;base64,") >= 5
    assert "▶ video · 0:06" in page
    assert "teléfono (315 555 1234)" in page
    assert "http://" not in page.replace("https://t.co", "")
    assert "<link" not in page and "<script" not in page


def test_preview_from_the_database_shows_each_network_state(office):
    office("calendar", "import", "diciembre.yaml")
    set_state(office.database, "ahorro-agua-01", "facebook", PublicationState.PUBLISHED)

    code, _out, _ = office("calendar", "preview", "--mes", "2026-12")

    page = (office.folder / "calendario-2026-12.html").read_text(encoding="utf-8")
    assert code == 0
    assert "publicada" in page and "programada" in page


def test_changing_an_imported_entry_to_a_past_date_is_an_error(office):
    office("calendar", "import", "diciembre.yaml")
    edit(office.folder / "diciembre.yaml", "fecha: 2026-12-31 18:00", "fecha: 2025-12-31 18:00")

    code, out, _ = office("calendar", "import", "diciembre.yaml")

    assert code == 2
    assert "la fecha 2025-12-31 18:00 ya pasó" in out


def test_reimport_after_cancelling_by_hand_changes_nothing(office):
    office("calendar", "import", "diciembre.yaml")
    office("calendar", "cancel", NEW_YEAR, "--red", "x")

    code, out, _ = office("calendar", "import", "diciembre.yaml")

    assert code == 0
    assert out.strip() == "Sin cambios: las 12 publicaciones ya estaban al día."


def test_check_knows_what_was_imported(office):
    office("calendar", "import", "diciembre.yaml")

    code, out, _ = office(
        "calendar", "check", "diciembre.yaml", now=datetime(2026, 12, 15, tzinfo=UTC)
    )

    assert code == 0, out


def test_preview_shows_entries_with_errors_too(office):
    edit(
        office.folder / "diciembre.yaml",
        "redes: [facebook]\n    texto: >\n      El agua",
        "redes: [facebook, tiktok]\n    texto: >\n      El agua",
    )

    _code, _, _ = office("calendar", "preview", "diciembre.yaml", "-o", "plan.html")

    page = (office.folder / "plan.html").read_text(encoding="utf-8")
    assert "calidad-agua-noviembre" in page
    assert "red desconocida «tiktok»" in page
    assert "✖ con errores" in page


def test_preview_counts_errors_and_warnings_apart_and_shows_problems_of_other_months(office):
    edit(office.folder / "diciembre.yaml", "¡Feliz Año Nuevo!", "¡Feliz Año Nuevo! Al 315 555 1234")
    edit(office.folder / "diciembre.yaml", "fecha: 2026-12-31 18:00", "fecha: 2026-11-20 18:00")

    code, out, _ = office(
        "calendar", "preview", "diciembre.yaml", "--mes", "2026-12", "-o", "p.html"
    )

    page = (office.folder / "p.html").read_text(encoding="utf-8")
    assert code == 0
    assert "1 error" in page and "1 advertencia" in page  # not «2 avisos»
    assert "Con problemas, en otros meses" in page and NEW_YEAR in page  # its date passed
    assert "✖ error: la fecha 2026-11-20 18:00 ya pasó" in page
    assert "⚠ advertencia:" in page
    assert "/63.206<" in page  # Facebook's limit with the thousands point
    assert "Calendario de diciembre de 2026 escrito en" in out
