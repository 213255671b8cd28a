"""The out-of-window template is each network's own setting, and the window is its spec's.

Nothing above `channels/` names the network that has a message window or a template: the
review and the PQR office ask the interaction's network (settings section and spec).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels.specs import spec
from conectados.clock import FixedClock
from conectados.errors import ConectadosError
from conectados.settings import Settings
from office.daemon import started_lines
from responders.models import (
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyKind,
    ReplyState,
    ReplyVisibility,
)
from responders.protocol_files import load_catalogue
from responders.review import decide_reply, private_reply_refused, window_templates_of
from responders.service import Responder

NOW = datetime(2030, 5, 6, 12, 0, tzinfo=UTC)


def _late_message_reply(database) -> tuple[int, int]:
    """A pending private reply to a WhatsApp message written 30 hours ago."""
    with database.session(write=True) as session:
        interaction = Interaction(
            network="whatsapp",
            kind=InteractionKind.MESSAGE,
            remote_id="wamid.late",
            author_id="573001112233",
            author_name="",
            text="¿Dónde pago?",
            written_at=NOW - timedelta(hours=30),
            state=InteractionState.IN_REVIEW,
        )
        session.add(interaction)
        session.flush()
        reply = Reply(
            interaction_id=interaction.id,
            text="En cualquier banco.",
            state=ReplyState.PENDING,
            visibility=ReplyVisibility.PRIVATE,
        )
        session.add(reply)
        session.flush()
        return interaction.id, reply.id


def test_window_templates_are_each_networks_own_setting():
    settings = Settings.model_validate(
        {"channels": {"whatsapp": {"plantilla_fuera_de_ventana": "respuesta_pendiente"}}}
    )

    assert window_templates_of(settings.channels) == {
        "facebook": "",
        "instagram": "",
        "x": "",
        "whatsapp": "respuesta_pendiente",
    }


def test_a_late_reply_is_approved_when_its_networks_template_is_set(database):
    _, reply_id = _late_message_reply(database)

    reply = decide_reply(
        database, reply_id, True, "ana", NOW, window_templates={"whatsapp": "respuesta_pendiente"}
    )

    assert reply.state == ReplyState.APPROVED


def test_another_networks_template_does_not_carry_a_late_reply(database):
    _, reply_id = _late_message_reply(database)

    with pytest.raises(ConectadosError) as refused:
        decide_reply(database, reply_id, True, "ana", NOW, window_templates={"facebook": "otra"})

    hours = spec("whatsapp").message_window.total_seconds() / 3600
    assert f"(más de {hours:.0f})" in str(refused.value)


def test_a_closed_window_is_said_in_the_specs_hours(database):
    interaction_id, _ = _late_message_reply(database)

    with database.session() as session:
        interaction = session.get(Interaction, interaction_id)
        refused = private_reply_refused(session, interaction, ReplyKind.TICKET_ANSWER, NOW)
        carried = private_reply_refused(
            session,
            interaction,
            ReplyKind.TICKET_ANSWER,
            NOW,
            window_templates={"whatsapp": "respuesta_pendiente"},
        )

    assert refused == (
        "WhatsApp solo acepta mensajes hasta 24 horas después del último mensaje del "
        "ciudadano, y el suyo fue hace 30 horas"
    )
    assert carried is None


def test_the_started_service_names_the_networks_it_receives_by_webhook():
    with_receiver = started_lines({"x": 2}, ["whatsapp"])[1]
    without = started_lines({"x": 2}, [])[1]

    assert "lee X cada 2 minutos, recibe WhatsApp al momento," in with_receiver
    assert "recibe" not in without


def test_the_responder_from_settings_reads_the_settings_protocols(database):
    responder = Responder.from_settings(database, Settings(), FixedClock(NOW))

    assert [p.id for p in responder.catalogue] == [p.id for p in load_catalogue()]
