"""An Instagram Direct message's author by @username, not by number (walk20 #5): the
messaging webhook says only the sender's IGSID; after each poll round the inbox asks the
User Profile API (tests/contracts/instagram_user_profile.json) about a few authors still
stored by number, and never overwrites a name already stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from contract_files import contract
from test_instagram_engagement import shape
from test_instagram_office import _direct, _office, _receiver

from channels.meta.instagram import InstagramChannel
from channels.meta.instagram_reading import instagram_comment, instagram_message, profile_name
from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.instagram_world import IG_USER_ID
from conectados.clock import FixedClock
from conectados.db import Database
from responders.intake import store_interactions
from responders.models import Interaction
from scheduler.inbox import NAME_TRIES, NAMES_PER_ROUND, Inbox

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
PROFILE = "GET /{ig-object-id}"
"""The simulator's route name for `GET /{id}` (it counts the profile lookups)."""
DOCUMENTED_FIELDS = (
    "name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user"
)


@pytest.fixture
def world():
    """The simulator on a fixed clock, its Instagram world, and our adapter pointed at it."""
    clock = FixedClock(NOW)
    with SandboxServer(sandbox=Sandbox(clock)) as server:
        channel = InstagramChannel(IG_USER_ID, "token", server.url, timeout=5, clock=clock)
        yield server, server.sandbox.instagram, channel, clock


@pytest.fixture
def database(database_url):
    """A migrated database on each backend (SQLite, and PostgreSQL when there is one)."""
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


def citizen(server, kind: str, author: str, text: str = "Hola") -> str:
    """A Direct message (or a comment on our latest media) by `author`; their IGSID."""
    body = {"network": "instagram", "kind": kind, "text": text, "author": author}
    return server.control("POST", "citizen", body)["from"]["id"]


def profile(server, igsid: str) -> requests.Response:
    return requests.get(
        f"{server.url}/v24.0/{igsid}",
        params={"access_token": "token", "fields": DOCUMENTED_FIELDS},
        timeout=5,
    )


# --- the adapter and the simulator, held to Meta's page ------------------------------------


def test_the_user_profile_api_answers_in_the_documented_shape_and_the_adapter_reads_it(world):
    server, _ig, channel, _ = world
    igsid = citizen(server, "message", "Ciudadana de prueba")
    documented = contract("instagram_user_profile.json")

    answer = profile(server, igsid)

    assert answer.status_code == 200
    # The simulator's people set no name: Meta leaves it out then ("can be null").
    assert shape(answer.json()) == shape({k: v for k, v in documented.items() if k != "name"})
    assert profile_name(documented) == "@peter_chang_live"
    assert channel.author_names([igsid]) == {igsid: "@ciudadanadeprueba"}


def test_a_person_who_never_wrote_a_direct_message_is_not_named_and_nothing_is_blamed(world):
    server, ig, channel, _ = world
    server.control("POST", "posts", {"network": "instagram", "posts": [{"text": "Reel"}]})
    only_commented = citizen(server, "comment", "Ana")
    nobody = "17999999999999999"

    refused = profile(server, only_commented)
    names = channel.author_names([only_commented, nobody])

    assert refused.status_code == 400
    assert "User consent is required" in refused.json()["error"]["message"]
    # Asked and refused (their number stays): not an account problem (no AuthFailed).
    assert names == {only_commented: "", nobody: ""}
    assert ig.calls[PROFILE] == 3


def test_when_meta_stops_answering_the_authors_not_asked_are_left_out(world):
    server, _ig, channel, _ = world
    first, second = (citizen(server, "message", name) for name in ("Luis", "Marta"))
    server.control("POST", "faults", {"network": "instagram", "status": 503, "count": 1})

    assert channel.author_names([first, second]) == {}  # next round asks them again
    assert channel.author_names([first, second]) == {first: "@luis", second: "@marta"}


# --- the inbox: bounded, never overwriting ------------------------------------------------


def _store(database, items) -> None:
    with database.session(write=True) as session:
        store_interactions(session.connection(), items, NOW)


def _names(database) -> dict[str, str]:
    with database.session() as session:
        rows = session.execute(sa.select(Interaction.remote_id, Interaction.author_name))
        return dict(rows.all())


def test_each_round_names_a_few_authors_and_the_next_round_the_rest(world, database):
    server, ig, channel, clock = world
    people = [citizen(server, "message", f"Persona {n}") for n in range(NAMES_PER_ROUND + 2)]
    _store(
        database,
        [instagram_message(f"m{n}", igsid, "Hola", NOW) for n, igsid in enumerate(people)]
        # Two messages of one person: one lookup names both.
        + [instagram_message("m0-bis", people[0], "¿Me ayudan?", NOW)],
    )
    inbox = Inbox(database, {"instagram": channel}, clock)

    first = inbox.run_once()
    after_first = ig.calls[PROFILE]
    second = inbox.run_once()
    after_second = ig.calls[PROFILE]
    inbox.run_once()

    # Ten authors asked (ten calls), eleven messages named: person 0 wrote two.
    assert first.named == {"instagram": NAMES_PER_ROUND + 1}
    assert after_first == NAMES_PER_ROUND
    assert second.named == {"instagram": 2}
    assert after_second == NAMES_PER_ROUND + 2 and ig.calls[PROFILE] == after_second
    names = _names(database)
    assert names["m0"] == names["m0-bis"] == "@persona0"
    assert all(names[f"m{n}"] == f"@persona{n}" for n in range(len(people)))


def test_a_stored_name_is_kept_and_a_refused_author_is_asked_a_few_times_only(world, database):
    server, ig, channel, clock = world
    server.control("POST", "posts", {"network": "instagram", "posts": [{"text": "Reel"}]})
    marta = citizen(server, "message", "Marta")
    ana = citizen(server, "comment", "Ana")  # never wrote a Direct message: Meta refuses
    old = citizen(server, "message", "Pedro")
    _store(
        database,
        [
            # Marta's comment, when her username was another: it keeps the name it came with.
            instagram_comment(
                "c1", {"id": marta, "username": "marta_antes"}, "¿Hay corte?", "text",
                NOW - timedelta(days=1), "17000000000000009", None,
            ),
            instagram_message("m-marta", marta, "Hola", NOW),
            instagram_message("m-ana", ana, "Hola", NOW),
        ],
    )  # fmt: skip
    with database.session(write=True) as session:  # received before the lookup's window
        store_interactions(
            session.connection(),
            [instagram_message("m-old", old, "Hola", NOW - timedelta(days=8))],
            NOW - timedelta(days=8),
        )
    inbox = Inbox(database, {"instagram": channel}, clock)

    for _ in range(NAME_TRIES + 2):
        inbox.run_once()

    names = _names(database)  # (and Ana's comment, read by the poll, as @ana)
    assert [names[k] for k in ("c1", "m-marta", "m-ana", "m-old")] == [
        "@marta_antes", "@marta", "", ""
    ]  # fmt: skip
    # Marta once, Ana NAME_TRIES times and then no more; the old message's author never.
    assert ig.calls[PROFILE] == 1 + NAME_TRIES


# --- through the office -------------------------------------------------------------------


def test_a_direct_message_s_author_shows_as_username_in_the_inbox_and_the_replies_list(
    cli, tmp_path, sandbox
):
    _office(cli, tmp_path, sandbox)
    database, receiver = _receiver(tmp_path, sandbox)
    try:
        igsid = _direct(
            sandbox, "Buenas, ¿dónde puedo pagar la factura?", author="Ciudadana de prueba"
        )["from"]["id"]
        assert cli("daemon", "--once").exit_code == 0
    finally:
        receiver.__exit__(None, None, None)
        database.dispose()

    wide = {"COLUMNS": "200"}
    inbox = cli("inbox", env=wide)
    replies = cli("replies", "list", "--estado", "todas", env=wide)
    assert inbox.exit_code == replies.exit_code == 0
    for shown in (inbox.stdout, replies.stdout):
        assert "@ciudadanadeprueba" in shown and igsid not in shown
