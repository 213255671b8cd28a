"""The light Core tables that `status` and `replies list` read agree with the models: same
tables, columns, converting types and stored state values (tests/test_office.py checks that
those commands start without the models)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import content_calendar.models  # noqa: F401  (registers the tables on the metadata)
import scheduler.models  # noqa: F401
from conectados.db import UTCDateTime
from conectados.orm import SQLModel
from content_calendar.models import PublicationState
from office import status_tables
from responders import light_tables, reply_listing
from responders.models import ReplyKind, ReplyState, TicketStatus
from scheduler import paused

LIGHT_TABLES = [
    light_tables.interaction,
    light_tables.reply,
    light_tables.ticket,
    light_tables.set_aside_item,
    status_tables.publication,
    paused.channel_state,
]
# Types that convert values on the way in or out: a light column must convert alike.
CONVERTING_TYPES = (UTCDateTime, sa.Date)


@pytest.mark.parametrize("light", LIGHT_TABLES, ids=lambda table: table.name)
def test_every_light_column_is_a_model_column_of_the_same_kind(light: sa.TableClause):
    model = SQLModel.metadata.tables[light.name]
    for column in light.columns:
        assert column.name in model.columns, f"{light.name}.{column.name} is not in the models"
        declared = model.columns[column.name].type
        for kind in CONVERTING_TYPES:
            assert isinstance(declared, kind) == isinstance(column.type, kind), (
                f"{light.name}.{column.name}: the model's type is {declared!r}"
            )


def test_light_state_values_are_the_models_stored_values():
    # enum_column stores each state's value: the light constants must be those values.
    assert set(reply_listing.STATE_NAMES) == {state.value for state in ReplyState}
    assert ReplyKind.TICKET_ANSWER.value == light_tables.TICKET_ANSWER
    assert TicketStatus.OPEN.value == light_tables.TICKET_OPEN
    assert PublicationState.SCHEDULED.value == status_tables.PUBLICATION_SCHEDULED
    assert PublicationState.PUBLISHING.value == status_tables.PUBLICATION_PUBLISHING


def test_the_models_tables_keep_their_stable_constraint_names():
    reply = SQLModel.metadata.tables["reply"]
    assert reply.primary_key.name == "pk_reply"
