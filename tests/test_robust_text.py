"""Texts from a network that no database, file or terminal can hold as they are.

X's and Meta's JSON may carry a lone UTF-16 surrogate ("\\udcff" is valid JSON) or a NUL
("\\u0000", which PostgreSQL refuses). Wherever such a text enters (polling X mentions and
direct messages, Facebook comments and Messenger; the webhook receiver for WhatsApp and
the Page), it is stored once, readable (the surrogate as U+FFFD, the NUL dropped), it is
answered or reviewed, and the messages around it go on. The simulator keeps such a text
as the citizen wrote it, and keeps saving its world.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from channels.base import Rejected, readable_text
from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.whatsapp_world import VERIFY_TOKEN
from conectados.db import Database
from responders.models import Interaction, InteractionState, Reply
from webhooks.app import WebhookConfig
from webhooks.server import WebhookServer, subscribe_to_sandbox

ODD = "hola\udcff\x00 ¿a qué hora abren la oficina?"
STORED = "hola\ufffd ¿a qué hora abren la oficina?"
AROUND = ("¿Dónde puedo pagar la factura?", "¿Cuál es el horario de atención?")


def test_readable_text_keeps_what_a_person_wrote_and_drops_what_breaks_a_store_or_screen():
    assert readable_text("sin agua \udcff desde ayer\x00") == "sin agua \ufffd desde ayer"
    assert readable_text("\ud83d\ude00 a\r\nb\rc\td") == "😀 a\nb\nc\td"  # a split pair joins
    assert readable_text("ojo\x1b[2J\x07\u202e\u200b aquí") == "ojo[2J aquí"
    assert readable_text("👨\u200d👩\u200d👧 ñandú") == "👨\u200d👩\u200d👧 ñandú"
    assert readable_text(STORED) == STORED  # clean text is kept as it is


def _office(tmp_path: Path, sandbox, database_url: str, cli) -> None:
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\ncon_el_servicio = false\n',
        encoding="utf-8",
    )
    assert cli("--db", database_url, "init").exit_code == 0


def _write(sandbox, network: str, kind: str, text: str, author: str, on: str | None) -> str:
    body = {"network": network, "kind": kind, "text": text, "author": author}
    if on is not None and kind == "comment":
        body["on"] = on
    return sandbox.control("POST", "citizen", body)["id"]


def _rows(database_url: str) -> list[Interaction]:
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.execute(sa.select(Interaction).order_by(Interaction.id)).scalars()
            rows = rows.all()
            session.expunge_all()
        return list(rows)
    finally:
        database.dispose()


def _replies(database_url: str) -> list[Reply]:
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.execute(sa.select(Reply).order_by(Reply.id)).scalars().all()
            session.expunge_all()
        return list(rows)
    finally:
        database.dispose()


def _check_round(cli, database_url: str, ids: list[str], sandbox, network: str) -> None:
    """Each of the three stored once, the odd one readable, all decided, the answers sent."""
    first = cli("--db", database_url, "-v", "daemon", "--once")
    again = cli("--db", database_url, "daemon", "--once")

    assert first.exit_code == 0 and again.exit_code == 0, first.stderr + again.stderr
    assert "Logging error" not in first.stderr and "Traceback" not in first.stderr
    rows = {row.remote_id: row for row in _rows(database_url)}
    assert sorted(rows) == sorted(ids)  # each once, none set aside
    odd = rows[ids[1]]
    assert odd.text.endswith(STORED) and "\x00" not in odd.text
    assert all(row.state != InteractionState.RECEIVED for row in rows.values())
    replies = _replies(database_url)
    assert {reply.interaction_id for reply in replies} == {row.id for row in rows.values()}
    sent = sandbox.control("GET", "state")[network]["replies"]
    answered = [row for row in rows.values() if row.state == InteractionState.ANSWERED]
    assert answered and len(sent) >= len(answered)
    assert "\ufffd" not in " ".join(reply["text"] for reply in sent)  # never echoed back

    # What a person reads: the inbox and the review screens show it, readable.
    inbox = cli("--db", database_url, "inbox")
    assert inbox.exit_code == 0 and "\x00" not in inbox.stdout
    shown = cli("--db", database_url, "replies", "show", str(replies[1].id))
    assert shown.exit_code == 0 and "hola\ufffd" in shown.stdout, shown.stderr
    report = cli("--db", database_url, "report", "--mes", "2026-03")
    assert report.exit_code == 0 and "Traceback" not in report.stderr, report.stderr


@pytest.mark.parametrize(
    ("network", "kind"),
    [("x", "mention"), ("x", "message"), ("facebook", "comment"), ("facebook", "message")],
)
def test_an_odd_text_read_by_polling_is_stored_readable_and_the_others_go_on(
    cli, tmp_path, fixed_office, database_url, network, kind
):
    sandbox, _clock = fixed_office
    _office(tmp_path, sandbox, database_url, cli)
    post = sandbox.control("POST", "posts", {"network": network, "posts": [{"text": "Aviso"}]})
    on = post["ids"][0]
    ids = [
        _write(sandbox, network, kind, AROUND[0], "Ana", on),
        _write(sandbox, network, kind, ODD, "Luis\udcff", on),
        _write(sandbox, network, kind, AROUND[1], "Eva", on),
    ]

    _check_round(cli, database_url, ids, sandbox, network)

    assert _rows(database_url)[1].author_name == "Luis\ufffd"


@pytest.mark.parametrize(("network", "kind"), [("whatsapp", "message"), ("facebook", "comment"),
                                              ("facebook", "message")])  # fmt: skip
def test_an_odd_text_received_by_webhook_is_stored_readable_and_the_others_go_on(
    cli, tmp_path, fixed_office, database_url, network, kind
):
    sandbox, clock = fixed_office
    from channels.sandbox.graph_world import PAGE_ID
    from channels.sandbox.whatsapp_world import APP_SECRET, PHONE_NUMBER_ID

    _office(tmp_path, sandbox, database_url, cli)
    on = None
    if network == "facebook":
        post = sandbox.control("POST", "posts", {"network": network, "posts": [{"text": "Aviso"}]})
        on = post["ids"][0]
    config = WebhookConfig(
        verify_token=VERIFY_TOKEN,
        app_secret=APP_SECRET,
        accounts={"facebook": PAGE_ID, "whatsapp": PHONE_NUMBER_ID},
        sandbox=True,
    )
    database = Database(database_url)
    try:
        with WebhookServer(config, database, clock, port=0) as receiver:
            subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
            ids = [
                _write(sandbox, network, kind, AROUND[0], "Ana", on),
                _write(sandbox, network, kind, ODD, "Luis\udcff", on),
                _write(sandbox, network, kind, AROUND[1], "Eva", on),
            ]
            stored = {row.remote_id: row.text for row in _rows(database_url)}
            assert sorted(stored) == sorted(ids)  # the receiver stored all three
            assert stored[ids[1]] == STORED
    finally:
        database.dispose()

    _check_round(cli, database_url, ids, sandbox, network)


def test_the_simulator_keeps_an_odd_text_as_written_and_keeps_saving(tmp_path):
    state = tmp_path / "simulador.json"
    with SandboxServer(state_path=state) as server:
        post = server.control("POST", "posts", {"network": "facebook", "posts": [{"text": "A"}]})
        for network, kind in (("facebook", "comment"), ("facebook", "message"),
                              ("x", "mention"), ("x", "message"), ("whatsapp", "message")):  # fmt: skip
            _write(server, network, kind, ODD, "Luis\udcff", post["ids"][0])
        # What it answers is JSON that says what the citizen wrote, escaped where it must be.
        listed = requests.get(f"{server.url}/_sandbox/state", timeout=5)
        assert listed.status_code == 200 and json.loads(listed.content)
        assert server.sandbox.notice is None
        _write(server, "x", "mention", "gracias", "Ana", None)  # a later change is saved too
        assert server.sandbox.notice is None

    saved = state.read_text(encoding="utf-8")
    assert "\\udcff" in saved and "¿a qué hora" in saved  # escaped where it must be, only there
    again = Sandbox(state_path=state)
    assert again.notice is None
    texts = [tweet.text for tweet in again.x.tweets.values()]
    texts += [event.text for event in again.x.dm_events]
    texts += [message.text for message in again.whatsapp.messages]
    texts += [comment.message for comment in again.facebook.comments.values()]
    texts += [m.text for c in again.facebook.conversations.values() for m in c.messages]
    assert (
        sum(text.endswith(ODD) for text in texts) == 5
        and texts.count("@acueducto_ejemplo gracias") == 1
    )


# --- X refuses a text it already has: the same answer to three citizens ---------------


def test_three_citizens_asking_the_same_on_x_all_get_their_answer(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\ncon_el_servicio = false\n'
        "[channels.facebook]\nactivo = false\n[channels.whatsapp]\nactivo = false\n",
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0
    # "Vecino 1" and "Vecino 2" are both greeted "Hola, Vecino.": the same answer, word for word.
    handle_of = {
        _write(sandbox, "x", "mention", "¿a qué hora abren?", f"Vecino {n}", None): f"@vecino{n}"
        for n in (1, 2, 3)
    }

    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    sent = sandbox.control("GET", "state")["x"]["replies"]
    assert sorted(reply["to"] for reply in sent) == sorted(handle_of)  # each citizen, once
    [plain] = [reply["text"] for reply in sent if not reply["text"].startswith("@")]
    assert plain.startswith("Hola, Vecino.")
    for reply in sent:  # the others start with the handle of whom they answer, X's way
        assert reply["text"] in (plain, f"{handle_of[reply['to']]} {plain}")
    assert cli("replies", "list", "--estado", "fallida").stdout.count("Vecino") == 0


def _x_and_mentions(sandbox, authors: list[str]):
    from channels.sandbox.x_world import ACCOUNT_ID
    from channels.x import XChannel, XCredentials

    x = XChannel(XCredentials("k", "s", "t", "ts"), ACCOUNT_ID, sandbox.url, timeout=3)
    ids = [_write(sandbox, "x", "mention", "¿a qué hora abren?", name, None) for name in authors]
    by_id = {item.remote_id: item for item in x.poll(None).items}
    return x, [by_id[remote_id] for remote_id in ids]


ANSWER = "Hola. Abrimos de lunes a viernes, de 7:00 a. m. a 5:00 p. m."


def test_a_reply_x_already_has_under_that_post_is_never_sent_twice(sandbox):
    """After a lost answer, a person approves the reply again: X refuses it as a duplicate,
    and the reply already there is the one (also when it went out with the handle)."""
    x, (ana, eva) = _x_and_mentions(sandbox, ["Ana", "Eva"])

    to_ana = x.reply(ana, ANSWER, private=False)
    to_eva = x.reply(eva, ANSWER, private=False)
    again_ana = x.reply(ana, ANSWER, private=False)
    again_eva = x.reply(eva, ANSWER, private=False)

    sent = sandbox.control("GET", "state")["x"]["replies"]
    assert [reply["text"] for reply in sent] == [ANSWER, f"@eva {ANSWER}"]
    assert (again_ana.remote_id, again_eva.remote_id) == (to_ana.remote_id, to_eva.remote_id)


def test_what_cannot_be_made_unique_is_refused_with_the_reason(sandbox):
    # The same citizen asked three times: the handle tells only two replies apart.
    x, (first, second, third) = _x_and_mentions(sandbox, ["Ana", "Ana", "Ana"])
    x.reply(first, ANSWER, private=False)
    x.reply(second, ANSWER, private=False)
    with pytest.raises(Rejected) as refused:
        x.reply(third, ANSWER, private=False)
    # An answer of 280 characters has no room for a handle.
    long_answer = "Hola. " + "a" * 274
    _, (luis, marta) = _x_and_mentions(sandbox, ["Luis", "Marta"])
    x.reply(luis, long_answer, private=False)
    with pytest.raises(Rejected) as too_long:
        x.reply(marta, long_answer, private=False)

    assert "dos veces el mismo texto" in refused.value.reason
    assert "dos veces el mismo texto" in too_long.value.reason
    assert len(sandbox.control("GET", "state")["x"]["replies"]) == 3
