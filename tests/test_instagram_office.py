"""Instagram through the real office (`conectados daemon --once`, the receiver, the outbox)
against the simulator: the issue's "done when" for comments and Direct messages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from test_webhooks import config

from channels.sandbox.instagram_world import IG_USER_ID
from channels.sandbox.whatsapp_world import VERIFY_TOKEN
from conectados.clock import SystemClock
from conectados.db import Database
from responders.models import AUTOMATIC, Interaction, Reply, ReplyState, ServiceNotice
from webhooks.server import WebhookServer, subscribe_to_sandbox

QUESTION = "¿Cuál es el horario de atención de la oficina?"
WITH_PHONE = "¿Dónde puedo pagar la factura? Mi cel es 310 555 1234"


def _office(cli, tmp_path: Path, sandbox, instagram: str = "") -> None:
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.facebook]\nactivo = false\n'
        "[channels.x]\nactivo = false\n[channels.whatsapp]\nactivo = false\n"
        '[pqr]\npolitica_datos_url = "https://acueducto.example/datos"\n'
        + (f"[channels.instagram]\n{instagram}\n" if instagram else ""),
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0


def _comment(sandbox, text: str, author: str, on: str | None = None) -> dict:
    body = {"network": "instagram", "kind": "comment", "text": text, "author": author}
    return sandbox.control("POST", "citizen", body | ({"on": on} if on else {}))


def _instagram(sandbox) -> dict:
    return sandbox.control("GET", "state")["instagram"]


def test_a_question_on_our_reel_is_answered_once_and_a_phone_number_is_hidden_and_moved_to_private(
    cli, tmp_path, sandbox
):
    _office(cli, tmp_path, sandbox)
    reel = sandbox.control(
        "POST", "posts", {"network": "instagram", "posts": [{"text": "Reel: cuidemos el agua"}]}
    )["ids"][0]
    question = _comment(sandbox, QUESTION, "Ana", on=reel)["id"]
    phone = _comment(sandbox, WITH_PHONE, "Luis", on=reel)["id"]

    for _ in range(3):  # more rounds: nothing goes out twice
        assert cli("daemon", "--once").exit_code == 0

    state = _instagram(sandbox)
    to_question = [r for r in state["replies"] if r["to"] == question]
    assert [r["public"] for r in to_question] == [True]
    assert phone in state["hidden"] and question not in state["hidden"]
    to_phone = [r for r in state["replies"] if r["to"] == phone]
    assert [r for r in to_phone if not r["public"]] and len(
        [r for r in to_phone if not r["public"]]
    ) == 1
    assert all("555" not in r["text"] for r in to_phone if r["public"])
    # The inbox says the comment was hidden, and only that one.
    inbox = cli("inbox")
    assert inbox.exit_code == 0
    assert inbox.stdout.count("ocultado") == 1
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        hidden = session.execute(
            sa.select(Interaction.remote_id).where(Interaction.hidden_at.is_not(None))
        ).scalars()
        assert list(hidden) == [phone]
    database.dispose()


def _receiver(tmp_path: Path, sandbox):
    """The office's webhook receiver on its database, subscribed to the simulator."""
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    receiver = WebhookServer(
        config(accounts={"instagram": IG_USER_ID}), database, SystemClock(), port=0
    ).__enter__()
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    return database, receiver


def _direct(sandbox, text: str, at=None, author: str = "Luis") -> dict:
    body = {"network": "instagram", "kind": "message", "text": text, "author": author}
    item = sandbox.control("POST", "citizen", body | ({"at": at.isoformat()} if at else {}))
    assert [hook["status"] for hook in item["webhooks"]] == [200]
    return item


def test_a_direct_message_is_answered_in_the_window_and_outside_it_waits_for_a_person(
    cli, tmp_path, sandbox
):
    _office(cli, tmp_path, sandbox)
    database, receiver = _receiver(tmp_path, sandbox)
    try:
        fresh = _direct(sandbox, "Buenas, ¿dónde puedo pagar la factura?")
        late = _direct(
            sandbox,
            "Buenas, ¿dónde puedo pagar la factura?",
            sandbox.sandbox.clock.now() - timedelta(days=2),
            author="Marta",
        )
        assert cli("daemon", "--once").exit_code == 0
        with database.session() as session:
            waiting = (
                session.execute(sa.select(Reply.id).where(Reply.state == ReplyState.PENDING))
                .scalars()
                .all()
            )
        assert len(waiting) == 1  # the late one: too old to answer without a person
        assert cli("replies", "approve", str(waiting[0])).exit_code == 0
        assert cli("daemon", "--once").exit_code == 0
        with database.session() as session:
            state, note = session.execute(
                sa.select(Reply.state, Reply.review_note).where(Reply.id == waiting[0])
            ).one()
    finally:
        receiver.__exit__(None, None, None)
        database.dispose()

    sent = _instagram(sandbox)["sent"]
    assert [s["recipient"]["id"] for s in sent] == [fresh["from"]["id"]]
    assert late["from"]["id"] != fresh["from"]["id"]
    assert state == ReplyState.PENDING and "24 horas" in note


def _replies(database: Database) -> list[tuple]:
    with database.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                sa.select(Reply.id, Reply.state, Reply.reviewer, Reply.review_note).order_by(
                    Reply.id
                )
            )
        ]


def test_past_24_hours_the_human_agent_tag_goes_only_on_a_reply_a_person_approved(
    cli, tmp_path, sandbox
):
    # 30 hours old: past Instagram's 24-hour window, inside `responder_hasta_horas` (48), so
    # the responder answers it on its own; the tag is on, but it is for a person's answer.
    _office(cli, tmp_path, sandbox, instagram="etiqueta_agente_humano = true")
    database, receiver = _receiver(tmp_path, sandbox)
    try:
        late = _direct(
            sandbox,
            "Buenas, ¿dónde puedo pagar la factura?",
            sandbox.sandbox.clock.now() - timedelta(hours=30),
        )
        assert cli("daemon", "--once").exit_code == 0
        [(reply_id, state, reviewer, note)] = _replies(database)
        sent_before_approval = list(_instagram(sandbox)["sent"])

        assert cli("replies", "approve", str(reply_id)).exit_code == 0
        for _ in range(2):  # another round sends nothing again
            assert cli("daemon", "--once").exit_code == 0
        [(_, state_after, reviewer_after, _)] = _replies(database)
    finally:
        receiver.__exit__(None, None, None)
        database.dispose()

    # The responder's own answer came back to review with the 24-hour reason, never sent.
    assert state == ReplyState.PENDING and reviewer == AUTOMATIC
    assert "24 horas" in note and "persona" in note
    assert sent_before_approval == []
    # A person approved it: it went out once, tagged HUMAN_AGENT.
    sent = _instagram(sandbox)["sent"]
    assert [(s["recipient"]["id"], s["tag"]) for s in sent] == [(late["from"]["id"], "HUMAN_AGENT")]
    assert state_after == ReplyState.SENT and reviewer_after not in (None, AUTOMATIC)


# The walkthrough's comments (issue 20, walk20 #1): one names no sector (every notice is
# listed), one names the Centro.
NO_WATER = (
    "No me llega el agua, mi celular es 310 555 9876 y vivo en la calle 8 # 4-21",
    "No me llega el agua, mi celular es 310 555 9876, barrio Centro",
)


def _demo_notices(tmp_path: Path) -> None:
    """The demo's four notices: a cut in the Centro now and the tank work in three sectors."""
    now = SystemClock().now()
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session(write=True) as session:
        for sector, starts, reason in (
            ("Barrio Centro", now - timedelta(hours=1), "cambio de una válvula en la red"),
            *(
                (
                    name,
                    now + timedelta(days=3),
                    "lavado del tanque de almacenamiento del sector Norte",
                )
                for name in ("La Ceiba", "El Prado", "San Martín")
            ),
        ):
            session.add(
                ServiceNotice(
                    sector=sector,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=6),
                    reason=reason,
                    created_at=now,
                )
            )
    database.dispose()


def test_a_no_water_comment_with_a_phone_is_hidden_and_its_private_reply_fits_instagram(
    cli, tmp_path, sandbox
):
    _office(cli, tmp_path, sandbox)
    _demo_notices(tmp_path)
    reel = sandbox.control("POST", "posts", {"network": "instagram", "posts": [{"text": "Reel"}]})
    comments = [
        _comment(sandbox, text, author, on=reel["ids"][0])["id"]
        for text, author in zip(NO_WATER, ("Sandra", "Luis"), strict=True)
    ]

    for _ in range(3):  # more rounds: nothing goes out twice
        assert cli("daemon", "--once").exit_code == 0

    state = _instagram(sandbox)
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        waiting = session.execute(
            sa.select(Reply.id).where(Reply.state == ReplyState.PENDING)
        ).all()
    database.dispose()
    assert waiting == []
    for comment in comments:
        assert comment in state["hidden"]
        public = [r for r in state["replies"] if r["to"] == comment and r["public"]]
        private = [r for r in state["replies"] if r["to"] == comment and not r["public"]]
        assert len(public) == 1 and "mensaje privado" in public[0]["text"]
        assert len(private) == 1
        text = private[0]["text"]
        assert len(text) <= 1000
        assert "Ley 1581" in text and "https://acueducto.example/datos" in text
    [sandra, luis] = (
        next(r["text"] for r in state["replies"] if r["to"] == c and not r["public"])
        for c in comments
    )
    # No sector named: four notices do not fit; the first and a count of the others do.
    assert "Barrio Centro" in sandra and "Hay 3 avisos de servicio más" in sandra
    assert "La Ceiba" not in sandra
    # The Centro named: its own notice, with the full privacy notice.
    assert "Barrio Centro" in luis and "cambio de una válvula" in luis


def test_a_private_reply_that_cannot_fit_an_instagram_message_waits_for_a_person(
    cli, tmp_path, sandbox
):
    # A company name this long leaves no short form that fits: a person shortens it.
    _office(cli, tmp_path, sandbox)
    toml = tmp_path / "conectados.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + f'[empresa]\nnombre = "{"Acueducto Regional de Aguas " * 40}"\n',
        encoding="utf-8",
    )
    sandbox.control("POST", "posts", {"network": "instagram", "posts": [{"text": "Reel"}]})
    _comment(sandbox, "Me llegó carísimo el recibo, llámenme al cel 310 555 1234", "Luis")

    assert cli("daemon", "--once").exit_code == 0

    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        waiting = (
            session.execute(sa.select(Reply.review_note).where(Reply.state == ReplyState.PENDING))
            .scalars()
            .all()
        )
    database.dispose()
    assert [
        note
        for note in waiting
        if "mensaje privado de Instagram caben 1.000" in note and "acórtela" in note
    ]
    assert not [r for r in _instagram(sandbox)["replies"] if not r["public"]]


def test_sandbox_citizen_comments_on_our_latest_instagram_media_or_writes_a_direct_message(
    cli, tmp_path, sandbox
):
    _office(cli, tmp_path, sandbox)
    none_yet = cli("sandbox", "citizen", "hola", "--red", "instagram", "--esperar", "0")
    reels = sandbox.control(
        "POST",
        "posts",
        {"network": "instagram", "posts": [{"text": "Reel viejo"}, {"text": "Reel nuevo"}]},
    )["ids"]
    # Older first, the newest last: the latest is the one commented.
    sandbox.sandbox.instagram.media[reels[0]].created -= timedelta(days=1)
    latest = cli("sandbox", "citizen", "¿Hay corte?", "--red", "instagram", "--esperar", "0")
    chosen = cli(
        "sandbox", "citizen", "Gracias", "--red", "instagram", "--en", reels[0], "--esperar", "0"
    )
    unheard = cli(
        "sandbox", "citizen", "hola", "--red", "instagram", "--tipo", "mensaje", "--esperar", "0"
    )

    assert none_yet.exit_code == 2 and "aún no hay publicaciones en Instagram" in none_yet.stderr
    assert latest.exit_code == chosen.exit_code == 0
    comments = _instagram(sandbox)["comments"]
    assert [(c["text"], c["media_id"]) for c in comments] == [
        ("¿Hay corte?", reels[1]),
        ("Gracias", reels[0]),
    ]
    # Nobody receives the simulator's webhooks here: a Direct message cannot reach the office.
    assert unheard.exit_code == 1 and "webhooks" in unheard.stderr
