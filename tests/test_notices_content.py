"""Calendar content for WhatsApp: checked like any network's, then sent once to the content
subscribers as a broadcast, never published by the publisher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from conectados.app import App
from conectados.clock import FixedClock
from content_calendar.models import Publication, PublicationState
from notices.content import start_due
from notices.models import Broadcast, BroadcastKind, Consent, Delivery, Purpose, Subscriber
from office.cli import run
from tests.media_files import JPEG, media_file, mp4_video

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 08:00 in Bogotá

CALENDAR = """\
publicaciones:
  - id: ahorro-whatsapp
    fecha: 2026-12-01 08:00
    redes: [whatsapp, facebook]
    texto: Cierre la llave mientras se cepilla.
    medios: [llave.jpg]
"""


@pytest.fixture
def office(tmp_path: Path, capsys):
    """A company folder with its media and a database, commands run at a fixed time."""
    media = tmp_path / "medios"
    media.mkdir()
    media_file(media, "llave.jpg", JPEG)
    (tmp_path / "conectados.toml").write_text('carpeta_medios = "medios"\n', encoding="utf-8")

    def conectados(*args: str):
        capsys.readouterr()
        code = run(list(args), app=App(environ={}, cwd=tmp_path, clock=FixedClock(NOW)))
        out = capsys.readouterr()
        return code, out.out + out.err

    assert conectados("init")[0] == 0
    app = App(environ={}, cwd=tmp_path, clock=FixedClock(NOW))
    conectados.folder, conectados.app = tmp_path, app
    yield conectados
    app.close()


def write(office, text: str, name: str = "calendario.yaml") -> str:
    (office.folder / name).write_text(text, encoding="utf-8")
    return name


def subscribe(connection: sa.Connection, address: str, purpose: Purpose) -> None:
    subscriber = connection.execute(
        sa.insert(Subscriber).values(network="whatsapp", address=address).returning(Subscriber.id)
    ).scalar_one()
    connection.execute(
        sa.insert(Consent).values(
            subscriber_id=subscriber, purpose=purpose, sector=None, granted_at=NOW
        )
    )


def test_whatsapp_image_entry_becomes_one_broadcast_to_content_subscribers(office):
    assert office("calendar", "import", write(office, CALENDAR))[0] == 0
    database, settings = office.app.database, office.app.settings
    with database.session(write=True) as session:
        subscribe(session.connection(), "573001112233", Purpose.CONTENT)
        subscribe(session.connection(), "573004445566", Purpose.NOTICES)  # notices only

    with database.session(write=True) as session:
        assert start_due(session.connection(), DUE - timedelta(minutes=1), settings) == 0
    with database.session(write=True) as session:
        assert start_due(session.connection(), DUE, settings) == 1
    with database.session(write=True) as session:
        assert start_due(session.connection(), DUE + timedelta(hours=1), settings) == 0

    with database.engine.connect() as connection:
        broadcast = connection.execute(sa.select(Broadcast)).one()
        deliveries = connection.execute(sa.select(sa.func.count()).select_from(Delivery)).scalar()
        whatsapp = connection.execute(
            sa.select(Publication).where(Publication.network == "whatsapp")
        ).one()
        facebook = connection.execute(
            sa.select(Publication).where(Publication.network == "facebook")
        ).one()
    assert broadcast.kind == BroadcastKind.CONTENT and broadcast.purpose == Purpose.CONTENT
    assert broadcast.sectors is None
    assert broadcast.template == "contenido_imagen"
    assert broadcast.parameters == ["Cierre la llave mientras se cepilla."]
    assert broadcast.header == {"type": "image", "path": "llave.jpg"}
    assert broadcast.publication_id == whatsapp.id
    assert deliveries == 1  # the content subscriber, not the one of notices only
    assert whatsapp.state == PublicationState.PUBLISHED
    assert whatsapp.remote_id == f"difusion-{broadcast.id}" and whatsapp.remote_url is None
    assert facebook.state == PublicationState.SCHEDULED  # the publisher's, untouched


def test_text_and_video_entries_take_their_templates(office):
    media_file(office.folder / "medios", "corte.mp4", mp4_video(20, 720, 1280))
    calendar = """\
publicaciones:
  - id: solo-texto
    fecha: 2026-12-01 08:00
    redes: [whatsapp]
    texto: Texto largo para las redes.
    texto_whatsapp: Mañana hay jornada de lavado de tanques.
  - id: con-video
    fecha: 2026-12-01 08:00
    redes: [whatsapp]
    texto: Así cuidamos el agua.
    medios: [corte.mp4]
"""
    code, out = office("calendar", "import", write(office, calendar))
    assert code == 0, out
    with office.app.database.session(write=True) as session:
        assert start_due(session.connection(), DUE, office.app.settings) == 2
    with office.app.database.engine.connect() as connection:
        sent = {
            row.template: (row.parameters, row.header)
            for row in connection.execute(sa.select(Broadcast))
        }
    assert sent == {
        "contenido_texto": (["Mañana hay jornada de lavado de tanques."], None),
        "contenido_video": (["Así cuidamos el agua."], {"type": "video", "path": "corte.mp4"}),
    }


def test_publisher_leaves_whatsapp_publications_alone(office):
    assert office("calendar", "import", write(office, CALENDAR))[0] == 0
    from office.build import open_office

    app = App(environ={}, cwd=office.folder, clock=FixedClock(DUE + timedelta(days=1)))  # late
    with open_office(app, app.database) as running:
        outcome = running.publisher.run_once()
    app.close()
    touched = [*outcome.published, *outcome.retried, *outcome.failed, *outcome.held]
    networks = {item[0].network if isinstance(item, tuple) else item.network for item in touched}
    assert networks == {"facebook"}  # failed as late; WhatsApp's is not the publisher's
    with office.app.database.engine.connect() as connection:
        state = connection.execute(
            sa.select(Publication.state).where(Publication.network == "whatsapp")
        ).scalar_one()
    assert state == PublicationState.SCHEDULED


@pytest.mark.parametrize(
    ("entry", "field", "said"),
    [
        ("    texto: |\n      Primera línea\n      segunda línea\n", "texto", "saltos de línea"),
        ('    texto: "Hola\\tvecinos"\n', "texto", "tabulaciones"),
        ("    texto: Hola     vecinos\n", "texto", "cuatro espacios seguidos"),
        ("    texto: Hola\n    texto_whatsapp: '" + "a" * 1025 + "'\n", "texto_whatsapp", "1.025"),
        (
            "    texto: Hola\n    medios: [llave.jpg, otra.jpg]\n",
            "medios",
            "una sola imagen o un solo video",
        ),
        ("    texto: Hola\n    medios: [pesada.jpg]\n", "medios", "el límite es 5 MB"),
        ("    texto: Hola\n    medios: [hevc.mp4]\n", "medios", "H.264"),
    ],
)
def test_bad_whatsapp_entries_are_refused_with_file_line_and_field(office, entry, field, said):
    media = office.folder / "medios"
    media_file(media, "otra.jpg", JPEG)
    media_file(media, "pesada.jpg", JPEG, size=6 * 1024 * 1024)
    media_file(media, "hevc.mp4", mp4_video(20, 720, 1280, codec="hvc1"))
    calendar = (
        "publicaciones:\n  - id: malo\n    fecha: 2026-12-01 08:00\n    redes: [whatsapp]\n" + entry
    )
    code, out = office("calendar", "check", write(office, calendar))
    assert code == 2, out
    assert "calendario.yaml:" in out and said in out, out
    if field != "medios":
        assert "texto_whatsapp" in out  # the advice names the variant


def test_a_publication_goes_to_one_broadcast_even_when_two_daemons_race(office):
    """The second daemon's compare-and-set finds it taken: it starts nothing."""
    from content_calendar.publications import claim_broadcasts

    assert office("calendar", "import", write(office, CALENDAR))[0] == 0
    with office.app.database.session(write=True) as session:
        connection = session.connection()
        first = claim_broadcasts(connection, DUE, ("whatsapp",))
        second = claim_broadcasts(connection, DUE, ("whatsapp",))
    assert [claimed.post_id for claimed in first] == ["ahorro-whatsapp"] and second == []


def test_start_due_runs_on_each_backend(database_url: str, tmp_path: Path):
    """The claim is one UPDATE … RETURNING: SQLite and PostgreSQL alike."""
    from conectados.db import Database
    from content_calendar.models import Post

    database = Database(database_url)
    database.upgrade()
    settings = App(environ={}, cwd=tmp_path, clock=FixedClock(NOW)).settings
    try:
        with database.session(write=True) as session:
            connection = session.connection()
            connection.execute(
                sa.insert(Post).values(id="texto", text="Hola vecinos", scheduled_at=DUE)
            )
            connection.execute(
                sa.insert(Publication).values(
                    post_id="texto", network="whatsapp", state=PublicationState.SCHEDULED,
                    attempts=0, next_attempt_at=DUE,
                )
            )  # fmt: skip
            subscribe(connection, "573001112233", Purpose.CONTENT)
        for _ in range(2):
            with database.session(write=True) as session:
                start_due(session.connection(), DUE, settings)
        with database.engine.connect() as connection:
            broadcasts = connection.execute(sa.select(Broadcast.template)).scalars().all()
            deliveries = connection.execute(
                sa.select(sa.func.count()).select_from(Delivery)
            ).scalar()
        assert broadcasts == ["contenido_texto"] and deliveries == 1
    finally:
        database.dispose()
