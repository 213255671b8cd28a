"""Issue 22's replay: a ten-week inbox fed week by week as if the team had reviewed it. What
was learned from the weeks before answers more of the following weeks, while precision on
them holds and every complaint still goes to a ticket or a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from conectados.errors import BadInput
from responders.protocol_files import load_catalogue
from responders.replay import curve_lines, pooled, read_weeks, replay

INBOX = Path(__file__).parent / "data" / "semanas-villa-del-rio.jsonl"
LATE = range(6, 11)
"""The following weeks: those that come after at least five weeks of the team's reviews."""


@pytest.fixture(scope="module")
def curve():
    catalogue = load_catalogue()
    return replay(catalogue, read_weeks(INBOX, set(catalogue.protocols)))


def test_each_week_is_measured_with_what_was_learned_from_the_weeks_before_only(curve):
    assert [week.week for week in curve] == list(range(1, 11))
    assert [week.learned_from for week in curve] == [50 * n for n in range(10)]
    # Week 1 has nothing to learn from: it is the shipped catalogue.
    assert curve[0].learned.rates == curve[0].baseline.rates


def test_learning_answers_more_of_the_following_weeks(curve):
    late = [week for week in curve if week.week in LATE]
    assert pooled(late, "coverage", with_learning=True) > pooled(
        late, "coverage", with_learning=False
    )


def test_precision_on_the_following_weeks_stays_at_least_0_97(curve):
    late = [week for week in curve if week.week in LATE]
    # About 25 automatic answers a week: one mistake is already 0.96, so the weeks are pooled.
    assert pooled(late, "precision", with_learning=True) >= 0.97


def test_every_complaint_of_every_week_goes_to_a_ticket_or_a_person(curve):
    for week in curve:
        hits, total = week.learned.rates["complaints"]
        assert total and hits == total, f"semana {week.week}: {hits} de {total} quejas"


def test_the_curve_prints_every_week_without_and_with_learning(curve):
    lines = curve_lines(curve)
    table = lines[1:11]
    assert [int(line.split()[0]) for line in table] == list(range(1, 11))
    assert all(line.count("→") == 4 for line in table)
    assert "Semanas 6–10 juntas (sin → con aprendizaje):" in lines


def test_a_line_without_its_week_says_where(tmp_path):
    inbox = tmp_path / "semanas.jsonl"
    inbox.write_text(
        '{"id": 1, "week": 1, "text": "hola", "protocols": [], "actions": ["ignore"]}\n'
        '{"id": 2, "text": "hola", "protocols": [], "actions": ["ignore"]}\n',
        encoding="utf-8",
    )
    with pytest.raises(BadInput) as raised:
        read_weeks(inbox, set())
    assert f"{inbox}:2" in str(raised.value)
