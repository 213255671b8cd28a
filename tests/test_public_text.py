"""No path puts personal data in public: the reviewer's approval, the send job, the drafts."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sandbox_channels import channels_for, pending_public_reply

from conectados.clock import FixedClock
from conectados.settings import Settings
from responders.models import (
    Interaction,
    InteractionState,
    Reply,
    ReplyState,
    ReplyVisibility,
)
from responders.protocol_files import load_catalogue
from responders.public_text import PublicText, masked
from responders.service import Responder
from scheduler.inbox import Inbox
from scheduler.outbox import Outbox

DATA_TEXT = "Con gusto, Eva: llámenos al 310 555 1234 o venga a la Cra 5 # 10-20."
DATA = ("310 555 1234", "Cra 5 # 10-20", "555")


def _office(cli, tmp_path, sandbox) -> None:
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n'
        '[empresa]\ntelefonos = ["607 000 0000"]\ndireccion = "Calle 1 # 2-3, Centro"\n',
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0


def _sent(sandbox, public: bool) -> list[str]:
    replies = sandbox.control("GET", "state")["facebook"]["replies"]
    return [reply["text"] for reply in replies if reply["public"] == public]


def test_approving_a_public_reply_with_a_phone_and_an_address_is_refused(cli, tmp_path, sandbox):
    _office(cli, tmp_path, sandbox)
    reply_id = pending_public_reply(cli, sandbox)

    refused = cli("replies", "approve", reply_id, "--texto", DATA_TEXT)
    cli("daemon", "--once")

    assert refused.exit_code == 2
    assert "una dirección (C•• • # ••-20) y un número de teléfono (3•• ••• ••34)" in refused.stderr
    assert f"conectados replies approve {reply_id} --privado --texto" in refused.stderr
    assert not any(piece in refused.stderr for piece in DATA)
    assert not sandbox.control("GET", "state")["facebook"]["replies"]  # nothing was sent
    assert "pendiente" in cli("replies", "show", reply_id).stdout


def test_the_company_contacts_are_not_personal_data(cli, tmp_path, sandbox):
    _office(cli, tmp_path, sandbox)
    reply_id = pending_public_reply(cli, sandbox)
    text = "Eva, llámenos al 607 000 0000 o venga a la Calle 1 # 2-3."

    approved = cli("replies", "approve", reply_id, "--texto", text)
    cli("daemon", "--once")

    assert approved.exit_code == 0, approved.stderr
    assert _sent(sandbox, public=True) == [text]


def test_a_reply_with_personal_data_goes_by_private_message_when_asked(cli, tmp_path, sandbox):
    _office(cli, tmp_path, sandbox)
    reply_id = pending_public_reply(cli, sandbox)

    approved = cli("replies", "approve", reply_id, "--privado", "--texto", DATA_TEXT)
    cli("daemon", "--once")

    assert approved.exit_code == 0, approved.stderr
    assert "en privado" in approved.stdout
    private = _sent(sandbox, public=False)
    assert len(private) == 1 and private[0].startswith(DATA_TEXT)
    assert "Ley 1581" in private[0]  # the first private message carries the data notice
    assert not _sent(sandbox, public=True)


def test_an_old_facebook_comment_cannot_go_private_and_the_person_is_told_to_edit(
    cli, tmp_path, sandbox
):
    _office(cli, tmp_path, sandbox)
    reply_id = pending_public_reply(cli, sandbox)
    later = FixedClock(datetime.now(UTC) + timedelta(days=9))

    refused = cli("replies", "approve", reply_id, "--texto", DATA_TEXT, clock=later)
    private = cli("replies", "approve", reply_id, "--privado", "--texto", DATA_TEXT, clock=later)

    assert refused.exit_code == private.exit_code == 2
    assert "Facebook solo permite responder en privado un comentario de los últimos 7 días" in (
        refused.stderr
    )
    assert "quite esos datos del texto" in refused.stderr and "--privado" not in refused.stderr
    assert "no se puede enviar en privado" in private.stderr
    assert not sandbox.control("GET", "state")["facebook"]["replies"]


def test_interactive_review_refuses_an_edit_with_personal_data_and_offers_private(
    cli, tmp_path, sandbox, monkeypatch
):
    _office(cli, tmp_path, sandbox)
    pending_public_reply(cli, sandbox)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"e\n{DATA_TEXT}\na\nv\n"))

    result = cli("replies", "review")
    cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    assert "No se pudo: respuesta" in result.stdout and "un número de teléfono" in result.stdout
    assert "con la tecla [v]" in result.stdout
    assert "Aprobada: se enviará por mensaje privado una sola vez." in result.stdout
    private = _sent(sandbox, public=False)
    assert len(private) == 1 and private[0].startswith(DATA_TEXT)
    assert "Ley 1581" in private[0]  # the first private message carries the data notice
    assert not _sent(sandbox, public=True)


# --- the send job: the last word before the network ---------------------------------------


def _stored_mention(database, sandbox, clock) -> int:
    sandbox.control("POST", "citizen", {"network": "x", "kind": "mention", "author": "Ana",
                                        "text": "@acueducto ¿a qué hora abren?"})  # fmt: skip
    Inbox(database, {"x": channels_for(sandbox)["x"]}, clock).run_once()
    with database.session(write=True) as session:
        session.execute(sa.update(Interaction).values(state=InteractionState.ANSWERED))
        return session.execute(sa.select(Interaction.id)).scalar_one()


def _approved(database, interaction_id: int, text: str, visibility: ReplyVisibility) -> int:
    """A reply approved with this text, as an older version could have left it."""
    with database.session(write=True) as session:
        reply = Reply(
            interaction_id=interaction_id,
            text=text,
            visibility=visibility,
            state=ReplyState.APPROVED,
            reviewer="versión anterior",
        )
        session.add(reply)
        session.flush()
        return reply.id


def test_an_approved_public_reply_with_personal_data_is_not_sent_and_returns_to_review(
    database, sandbox, caplog
):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _stored_mention(database, sandbox, clock)
    reply_id = _approved(database, interaction_id, DATA_TEXT, ReplyVisibility.PUBLIC)
    outbox = Outbox(database, {"x": channels_for(sandbox)["x"]}, clock, "d")

    with caplog.at_level(logging.INFO, logger="conectados"):
        counts = outbox.run_once()
        again = outbox.run_once()

    assert counts["review"] == 1 and counts["sent"] == 0 and again["sent"] == 0
    assert not sandbox.control("GET", "state")["x"]["replies"]
    with database.session() as session:
        reply = session.get(Reply, reply_id)
        state = session.get(Interaction, interaction_id).state
    assert reply.state == ReplyState.PENDING and state == InteractionState.IN_REVIEW
    assert "una dirección y un número de teléfono" in reply.review_note
    assert f"replies approve {reply_id} --privado" in reply.review_note
    assert "no se publicó" in caplog.text
    assert not any(piece in caplog.text for piece in DATA)


def test_a_private_reply_may_carry_the_citizens_own_data(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _stored_mention(database, sandbox, clock)
    text = "Ana, su cuenta 4455667 quedó al día; le escribimos al 310 555 1234."
    _approved(database, interaction_id, text, ReplyVisibility.PRIVATE)

    counts = Outbox(database, {"x": channels_for(sandbox)["x"]}, clock, "d").run_once()

    assert counts["sent"] == 1
    sent = sandbox.control("GET", "state")["x"]["replies"]
    assert [(reply["text"], reply["public"]) for reply in sent] == [(text, False)]


def test_the_send_job_publishes_the_company_contacts(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _stored_mention(database, sandbox, clock)
    text = "Abrimos a las 7:00 a. m.; llame al 607 000 0000 o escriba a pqr@acueducto.example"
    _approved(database, interaction_id, text, ReplyVisibility.PUBLIC)
    own = ["607 000 0000", "pqr@acueducto.example"]

    counts = Outbox(
        database, {"x": channels_for(sandbox)["x"]}, clock, "d", own_texts=own
    ).run_once()

    assert counts["sent"] == 1
    assert [reply["text"] for reply in sandbox.control("GET", "state")["x"]["replies"]] == [text]


# --- the drafts: a company template that itself carries personal data ----------------------


@pytest.mark.parametrize(
    ("protocol", "message", "state"),
    [
        ("horario_contacto", "¿Cuál es el horario de atención de la oficina?", "in_review"),
        ("reclamo_facturacion", "Me cobraron dos veces el cargo fijo de noviembre", "ticketed"),
    ],
)
def test_a_template_with_personal_data_in_it_waits_for_a_person(
    database, sandbox, tmp_path, protocol, message, state
):
    folder = tmp_path / "protocolos"
    folder.mkdir()
    shipped = Path(load_catalogue().get(protocol).source).read_text(encoding="utf-8")
    leaky = shipped.split("respuesta_publica:")[0] + (
        "respuesta_publica: 'Llame a la ingeniera Marta al 310 555 1234'\n"
        "respuesta_privada: 'Llame a la ingeniera Marta al 310 555 1234'\n"
    )
    (folder / f"{protocol}.yaml").write_text(leaky, encoding="utf-8")
    clock = FixedClock(datetime.now(UTC))
    channels = {"x": channels_for(sandbox)["x"]}
    sandbox.control("POST", "citizen", {"network": "x", "kind": "mention", "author": "Luis",
                                        "text": message})  # fmt: skip
    Inbox(database, channels, clock).run_once()

    Responder(database, load_catalogue(folder), Settings(), clock).run_once()

    with database.session() as session:
        public = session.execute(
            sa.select(Reply).where(Reply.visibility == ReplyVisibility.PUBLIC)
        ).scalar_one()
        interaction = session.execute(sa.select(Interaction)).scalar_one()
    assert public.protocol == protocol and interaction.state == state
    assert public.state == ReplyState.PENDING and "un número de teléfono" in public.review_note
    Outbox(database, channels, clock, "d").run_once()
    sent = sandbox.control("GET", "state")["x"]["replies"]
    assert not [reply for reply in sent if reply["public"]]


# --- the check itself ---------------------------------------------------------------------


def test_the_check_names_what_it_found_and_never_repeats_it():
    exposure = PublicText().exposure("escríbale a ana@correo.com o al 3105551234")

    assert exposure.kinds_described() == "un correo electrónico y un número de teléfono"
    assert exposure.described() == (
        "un correo electrónico (a••@••••••.•om) y un número de teléfono (3•••••••34)"
    )
    assert PublicText().exposure("Abrimos de 7:00 a. m. a 5:00 p. m., radicado 2026-000123") is None


def test_notices_the_company_published_are_its_own(database):
    from responders.models import ServiceNotice
    from responders.public_text import public_text_for

    now = datetime.now(UTC)
    with database.session(write=True) as session:
        session.add(ServiceNotice(sector="Centro", starts_at=now, ends_at=now,
                                  reason="cambio de tubo en la Calle 9 # 10-20"))  # fmt: skip
        session.flush()
        check = public_text_for(session.connection(), [])

    assert check.exposure("Hoy: cambio de tubo en la Calle 9 # 10-20.") is None
    assert check.exposure("Vamos a su casa en la Calle 9 # 10-21.") is not None


def test_a_masked_piece_shows_three_characters_and_stays_short():
    text = "3" * 100_000

    shown = masked(text)

    assert shown.count("3") == 3 and len(shown) == 40
    assert masked("1234") == "••••"


def test_a_comment_that_already_has_a_private_reply_on_facebook_gets_no_second_one(database):
    from conectados.errors import BadInput
    from responders.review import decide_reply

    now = datetime.now(UTC)
    with database.session(write=True) as session:
        comment = Interaction(network="facebook", kind="comment", remote_id="c1", author_id="eva",
                              author_name="Eva", text="¿dónde pago?", written_at=now)  # fmt: skip
        session.add(comment)
        session.flush()
        first = Reply(interaction_id=comment.id, kind="acknowledgement", text="Hola, Eva.",
                      visibility=ReplyVisibility.PRIVATE, state=ReplyState.SENT)  # fmt: skip
        pending = Reply(interaction_id=comment.id, text="Con gusto.", state=ReplyState.PENDING)
        session.add_all([first, pending])
        session.flush()
        first_id, pending_id = first.id, pending.id

    with pytest.raises(BadInput) as refused:
        decide_reply(database, pending_id, True, "Luis", now, text=DATA_TEXT, private=True)

    assert f"ya hay otra respuesta privada a este mensaje (la {first_id})" in str(refused.value)
    with database.session() as session:
        assert session.get(Reply, pending_id).state == ReplyState.PENDING


@pytest.mark.parametrize(
    ("piece", "kind"),
    [
        ("312 444 5566", "un número de teléfono"),
        ("C.C. 1.098.765.432", "un número de documento"),
        ("eva.rojas@correo.com", "un correo electrónico"),
    ],
)
def test_a_reviewers_edit_with_personal_data_is_refused_in_public_and_accepted_in_private(
    cli, tmp_path, sandbox, piece, kind
):
    _office(cli, tmp_path, sandbox)
    reply_id = pending_public_reply(cli, sandbox)
    edited = f"Eva, ya quedó registrado con {piece}; le escribimos pronto."

    refused = cli("replies", "approve", reply_id, "--texto", edited)
    private = cli("replies", "approve", reply_id, "--privado", "--texto", edited)
    cli("daemon", "--once")

    assert refused.exit_code == 2
    assert f"es pública y trae {kind}" in refused.stderr and piece not in refused.stderr
    assert private.exit_code == 0, private.stderr
    assert not _sent(sandbox, public=True)
    assert [text.startswith(edited) for text in _sent(sandbox, public=False)] == [True]


@pytest.mark.parametrize(("closed", "held_back"), [(False, False), (True, True)])
def test_the_responder_counts_every_open_notice_as_the_approval_and_send_job_do(
    database, sandbox, tmp_path, closed, held_back
):
    """A notice over but not closed is still the company's text for the responder, as it is
    for a person's approval and the send job: the three checks agree; a closed one is not."""
    from responders.models import ServiceNotice

    folder = tmp_path / "protocolos"
    folder.mkdir()
    protocol = "horario_contacto"
    shipped = Path(load_catalogue().get(protocol).source).read_text(encoding="utf-8")
    quoting = shipped.split("respuesta_publica:")[0] + (
        "respuesta_publica: 'Terminamos el cambio de tubo en la Calle 9 # 10-20'\n"
        "respuesta_privada: 'Terminamos el cambio de tubo en la Calle 9 # 10-20'\n"
    )
    (folder / f"{protocol}.yaml").write_text(quoting, encoding="utf-8")
    now = datetime.now(UTC)
    with database.session(write=True) as session:
        session.add(ServiceNotice(sector="Centro", starts_at=now - timedelta(hours=5),
                                  ends_at=now - timedelta(hours=1),
                                  reason="cambio de tubo en la Calle 9 # 10-20",
                                  closed_at=now if closed else None))  # fmt: skip
    clock = FixedClock(now)
    channels = {"x": channels_for(sandbox)["x"]}
    sandbox.control("POST", "citizen", {"network": "x", "kind": "mention", "author": "Luis",
                                        "text": "¿Cuál es el horario de atención de la oficina?"})  # fmt: skip
    Inbox(database, channels, clock).run_once()

    Responder(database, load_catalogue(folder), Settings(), clock).run_once()

    with database.session() as session:
        public = session.execute(
            sa.select(Reply).where(Reply.visibility == ReplyVisibility.PUBLIC)
        ).scalar_one()
    assert public.protocol == protocol
    assert ("una dirección" in (public.review_note or "")) is held_back
