"""Rows are born through their state machines: notices, replies and publications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conectados.db import Database
from content_calendar import publications
from content_calendar.models import Post, Publication, PublicationState
from responders import replies, service_notices
from responders.models import (
    Interaction,
    InteractionKind,
    Reply,
    ReplyKind,
    ReplyState,
    ReplyVisibility,
    ServiceNotice,
)

NOW = datetime(2030, 11, 12, 8, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


def test_closing_a_notice_closed_meanwhile_changes_nothing(db):
    with db.session(write=True) as session:
        notice_id = service_notices.add(
            session.connection(), "Centro", NOW, NOW + timedelta(hours=4), "cambio de tubo", NOW
        )
    later = NOW + timedelta(hours=1)

    with db.session(write=True) as session:
        first = service_notices.close(session.connection(), notice_id, later)
    with db.session(write=True) as session:
        second = service_notices.close(session.connection(), notice_id, later + timedelta(hours=1))
    with db.session() as session:
        closed_at = session.get(ServiceNotice, notice_id).closed_at

    assert first is True and second is False
    assert closed_at == later


def test_closing_a_notice_that_does_not_exist_changes_nothing(db):
    with db.session(write=True) as session:
        assert service_notices.close(session.connection(), 99, NOW) is False
        assert service_notices.exists(session.connection(), 99) is False


def _interaction(session) -> int:
    interaction = Interaction(
        network="facebook",
        remote_id="c1",
        kind=InteractionKind.COMMENT,
        author_id="a1",
        author_name="Ana",
        text="¿Hay agua?",
        written_at=NOW,
        received_at=NOW,
    )
    session.add(interaction)
    session.flush()
    return interaction.id


def _reply(interaction_id: int, state: ReplyState, **values) -> dict:
    return {
        "interaction_id": interaction_id,
        "kind": ReplyKind.ANSWER,
        "visibility": ReplyVisibility.PUBLIC,
        "text": "Sí hay.",
        "state": state,
        "created_at": NOW,
    } | values


def test_a_reply_is_born_pending_approved_or_failed_with_why(db):
    with db.session(write=True) as session:
        interaction_id = _interaction(session)
        ids = replies.queue(
            session.connection(),
            [
                _reply(interaction_id, ReplyState.PENDING),
                _reply(interaction_id, ReplyState.APPROVED),
                _reply(interaction_id, ReplyState.FAILED, last_error="no se envió: ventana"),
            ],
        )
        states = session.execute(sa.select(Reply.id, Reply.state).order_by(Reply.id)).all()

    assert [state for _, state in states] == [
        ReplyState.PENDING,
        ReplyState.APPROVED,
        ReplyState.FAILED,
    ]
    assert ids == [reply_id for reply_id, _ in states]


@pytest.mark.parametrize(
    "state, values",
    [
        (ReplyState.SENT, {}),
        (ReplyState.SENDING, {}),
        (ReplyState.REJECTED, {}),
        (ReplyState.FAILED, {}),  # failed without saying why
    ],
)
def test_a_reply_is_never_born_sent_sending_rejected_or_failed_silently(db, state, values):
    with db.session(write=True) as session:
        interaction_id = _interaction(session)
        with pytest.raises(ValueError):
            replies.queue(
                session.connection(),
                [
                    _reply(interaction_id, ReplyState.PENDING),
                    _reply(interaction_id, state, **values),
                ],
            )
        count = session.execute(sa.select(sa.func.count()).select_from(Reply)).scalar()

    assert count == 0


def test_a_publication_is_born_scheduled_for_its_time_with_no_attempt_spent(db):
    at = NOW + timedelta(days=1)
    with db.session(write=True) as session:
        session.add(Post(id="p1", text="Aviso", scheduled_at=at))
        session.flush()
        publications.schedule(session.connection(), [("p1", "facebook", at), ("p1", "x", at)])
        rows = session.execute(
            sa.select(
                Publication.network,
                Publication.state,
                Publication.attempts,
                Publication.next_attempt_at,
            ).order_by(Publication.network)
        ).all()

    assert [tuple(row) for row in rows] == [
        ("facebook", PublicationState.SCHEDULED, 0, at),
        ("x", PublicationState.SCHEDULED, 0, at),
    ]
