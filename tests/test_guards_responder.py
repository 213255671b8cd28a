"""The responder's compare-and-set and its care with names and limits, one guard at a time.

Guards of `make mutants` (bench/mutants.toml): a message is handled once even when two
responders read it, a display name with personal data is never repeated, an old message
or a chatty author goes to a person.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from conectados.clock import FixedClock
from conectados.settings import Settings
from responders.models import (
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyState,
    ReplyVisibility,
)
from responders.protocol_files import load_catalogue
from responders.service import Responder

NOW = datetime(2030, 9, 10, 15, 0, tzinfo=UTC)
QUESTION = "¿Cuál es el horario de atención de la oficina?"
PHONE = "3105551234"


def _writes(
    database,
    author_name: str = "Ana",
    kind: InteractionKind = InteractionKind.MESSAGE,
    written_at: datetime = NOW,
    author_id: str = "ana",
    text: str = QUESTION,
) -> int:
    with database.session(write=True) as session:
        count = session.execute(sa.select(sa.func.count()).select_from(Interaction)).scalar()
        interaction = Interaction(
            network="facebook",
            kind=kind,
            remote_id=f"m-{count}",
            thread_id="post-1" if kind != InteractionKind.MESSAGE else None,
            author_id=author_id,
            author_name=author_name,
            text=text,
            written_at=written_at,
        )
        session.add(interaction)
        session.flush()
        return interaction.id


def _responder(database) -> Responder:
    return Responder(database, load_catalogue(), Settings(), FixedClock(NOW))


def _replies(database, interaction_id: int | None = None) -> list[Reply]:
    query = sa.select(Reply).order_by(Reply.id)
    if interaction_id is not None:
        query = query.where(Reply.interaction_id == interaction_id)
    with database.session() as session:
        rows = session.execute(query).scalars().all()
        session.expunge_all()
        return list(rows)


def _state(database, interaction_id: int) -> InteractionState:
    with database.session() as session:
        return session.get(Interaction, interaction_id).state


def test_two_responders_that_read_the_same_message_draft_one_reply(database):
    interaction_id = _writes(database)
    with database.session() as session:
        read_by_both = session.get(Interaction, interaction_id)
        session.expunge(read_by_both)
    first, second = _responder(database), _responder(database)

    assert first._handle(read_by_both, [], NOW) is not None
    drafted = len(_replies(database))
    assert second._handle(read_by_both, [], NOW) is None

    assert drafted >= 1 and len(_replies(database)) == drafted


def test_a_message_older_than_the_automatic_window_goes_to_a_person(database):
    hours = Settings().responder.auto_hours
    recent = _writes(database, written_at=NOW - timedelta(hours=hours) + timedelta(minutes=1))
    old = _writes(database, written_at=NOW - timedelta(hours=hours, minutes=1), author_id="luis")

    _responder(database).run_once()

    assert _state(database, recent) == InteractionState.ANSWERED
    assert _state(database, old) == InteractionState.IN_REVIEW


def test_an_author_gets_only_so_many_automatic_answers_an_hour(database):
    allowed = Settings().responder.per_author_hour
    ids = [_writes(database, written_at=NOW - timedelta(minutes=9 - n)) for n in range(allowed + 1)]

    _responder(database).run_once()  # in the order they came, each in its own transaction

    states = [_state(database, interaction_id) for interaction_id in ids]
    assert states == [InteractionState.ANSWERED] * allowed + [InteractionState.IN_REVIEW]


def test_a_name_with_a_phone_in_it_is_never_repeated_in_private(database):
    interaction_id = _writes(database, author_name=f"Ana {PHONE}")

    _responder(database).run_once()

    [reply] = _replies(database, interaction_id)
    assert reply.visibility == ReplyVisibility.PRIVATE and reply.text
    assert PHONE not in reply.text and "Ana" not in reply.text


def test_a_name_with_a_phone_in_it_is_never_repeated_in_public(database):
    interaction_id = _writes(database, author_name=f"Ana {PHONE}", kind=InteractionKind.COMMENT)

    _responder(database).run_once()

    public = [
        r for r in _replies(database, interaction_id) if r.visibility == ReplyVisibility.PUBLIC
    ]
    assert public and all(PHONE not in r.text and "Ana" not in r.text for r in public)
    assert all("[dato personal]" not in r.text for r in public)  # left out, not masked


def test_the_privacy_note_on_a_comment_with_data_does_not_greet_a_name_with_data(database):
    text = f"Mi cuenta es 4455667, {QUESTION.lower()}"
    interaction_id = _writes(
        database, author_name=f"Ana {PHONE}", kind=InteractionKind.COMMENT, text=text
    )

    _responder(database).run_once()

    public = [
        r for r in _replies(database, interaction_id) if r.visibility == ReplyVisibility.PUBLIC
    ]
    assert [r.text.split(".")[0] for r in public] == ["Hola"]
    assert public[0].state == ReplyState.APPROVED and "4455667" not in public[0].text


def test_a_rejected_private_reply_does_not_count_as_the_privacy_notice_sent(database):
    earlier = _writes(database, written_at=NOW - timedelta(days=2))
    with database.session(write=True) as session:
        session.add(
            Reply(
                interaction_id=earlier,
                text="Hola.",
                visibility=ReplyVisibility.PRIVATE,
                state=ReplyState.REJECTED,
            )
        )
        session.execute(
            sa.update(Interaction)
            .where(Interaction.id == earlier)
            .values(state=InteractionState.IGNORED)
        )
    interaction_id = _writes(database)

    _responder(database).run_once()

    [reply] = _replies(database, interaction_id)
    assert "Ley 1581" in reply.text


def test_a_public_comment_with_personal_data_is_answered_in_private(database):
    text = f"Mi cuenta es 4455667, {QUESTION.lower()}"
    interaction_id = _writes(database, author_name="Ana", kind=InteractionKind.COMMENT, text=text)

    _responder(database).run_once()

    replies = _replies(database, interaction_id)
    public = [r for r in replies if r.visibility == ReplyVisibility.PUBLIC]
    private = [r for r in replies if r.visibility == ReplyVisibility.PRIVATE]
    assert len(public) == 1 and "Por su seguridad, no publique datos personales" in public[0].text
    assert len(private) == 1 and private[0].text and "Por su seguridad" not in private[0].text
