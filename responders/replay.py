"""Replay a labelled inbox week by week, as if the team had reviewed each week's messages.

For each week, the matcher learns from the weeks before it only (each labelled message
becomes the example a review decision would have made), the thresholds are calibrated on
those same examples, and the week is measured with `responders.evaluate`, next to the
shipped catalogue alone (no learning) on the same messages. The test and `bench/` print the
same curve from here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conectados.errors import BadInput
from conectados.spanish import number, percent
from responders.calibration import calibrate
from responders.evaluate import TARGETS, Evaluation, Labelled, evaluate, read_labelled
from responders.examples import Example, ExampleAction, ExampleSource, example_text
from responders.matcher import Matcher
from responders.policy import Thresholds
from responders.protocols import Catalogue

FIRST_MONDAY = datetime(2026, 1, 5, 8, tzinfo=UTC)
"""When week 1 of a replayed file starts (its lines carry a week number, not a date)."""
BAR = 40
"""Characters of a full bar (coverage 1.0) in the printed curve."""


@dataclass(frozen=True)
class ReplayWeek:
    week: int
    learned_from: int
    """Examples the matcher had learned when it met this week (those of the weeks before)."""
    baseline: Evaluation
    """The shipped catalogue alone, with the base thresholds."""
    learned: Evaluation
    """With the examples of the weeks before and the thresholds calibrated on them."""


def read_weeks(path: Path, known: set[str]) -> dict[int, list[Labelled]]:
    """The labelled messages of a file whose lines also carry a "week" (1, 2, …), by week."""
    messages = read_labelled(path, known)
    lines = path.read_text(encoding="utf-8").splitlines()
    weeks: dict[int, list[Labelled]] = {}
    for message in messages:
        week = json.loads(lines[message.line - 1]).get("week")
        if not isinstance(week, int) or isinstance(week, bool) or week < 1:
            raise BadInput(
                "debe ser el número de la semana: 1, 2, …", f"{path}:{message.line}", "week"
            )
        weeks.setdefault(week, []).append(message)
    return dict(sorted(weeks.items()))


def week_examples(week: int, messages: Sequence[Labelled]) -> list[Example]:
    """What the team's review of a week's messages leaves to learn from: per message, its
    first protocol (none: not the company's business), its second one, its preferred action,
    dated within the week in the order the messages came."""
    start = FIRST_MONDAY + timedelta(weeks=week - 1)
    return [
        Example(
            text=example_text(message.text),
            protocol=message.protocols[0] if message.protocols else None,
            action=ExampleAction(message.actions[0]),
            at=start + timedelta(minutes=index),
            source=ExampleSource.REVIEW,
            second=message.protocols[1] if len(message.protocols) > 1 else None,
        )
        for index, message in enumerate(messages)
    ]


def replay(
    catalogue: Catalogue, weeks: dict[int, list[Labelled]], base: Thresholds | None = None
) -> list[ReplayWeek]:
    """Each week measured with what was learned from the weeks before it, and without."""
    base = base or Thresholds()
    shipped = Matcher(catalogue)
    learned: list[Example] = []
    curve = []
    for week, messages in weeks.items():
        matcher, thresholds = shipped, base
        if learned:
            matcher = Matcher(catalogue, learned)
            thresholds = calibrate(catalogue, learned, base).thresholds
        curve.append(
            ReplayWeek(
                week,
                len(learned),
                evaluate(messages, shipped, base),
                evaluate(messages, matcher, thresholds),
            )
        )
        # Only now is the week reviewed: it is never learned before it is measured.
        learned = [*learned, *week_examples(week, messages)]
    return curve


def pooled(curve: Sequence[ReplayWeek], name: str, with_learning: bool) -> float | None:
    """One figure over several weeks: their hits over their cases (not a mean of rates)."""
    hits = total = 0
    for week in curve:
        evaluation = week.learned if with_learning else week.baseline
        week_hits, week_total = evaluation.rates.get(name, (0, 0))
        hits += week_hits
        total += week_total
    return hits / total if total else None


def _rate(evaluation: Evaluation, name: str) -> str:
    hits, total = evaluation.rates.get(name, (0, 0))
    return f"{percent(evaluation.rate(name)):>7} ({hits}/{total})"


def _bar(value: float | None) -> str:
    filled = round(BAR * (value or 0.0))
    return "█" * filled + "·" * (BAR - filled)


def miss_lines(curve: Sequence[ReplayWeek]) -> list[str]:
    """With learning, each week's wrong answers, complaints let through and messages of no
    business of the company acted on (the cases a person would look at first)."""
    lines = []
    for week in curve:
        for why, message, decision in week.learned.misses:
            if why == "no se respondió":
                continue
            chosen = decision.protocol.id if decision.protocol else "ninguno"
            lines.append(
                f"{week.week:>3} {why}: «{message.text}» -> {decision.action} {chosen}; "
                f"esperado {'/'.join(message.protocols) or 'ninguno'} {'/'.join(message.actions)}"
            )
    return lines


def curve_lines(curve: Sequence[ReplayWeek], late_from: int = 6) -> list[str]:
    """The curve as the team reads it: per week, without → with learning, and bars of the
    coverage; then the pooled figures of the weeks from `late_from` on."""
    names = {"precision": "precisión", "coverage": "cobertura", "complaints": "quejas",
             "out_of_scope": "ajenos"}  # fmt: skip
    header = f"{'sem':>3} {'aprendidos':>10}  " + "  ".join(
        f"{names[name] + ' sin → con':<33}" for name in TARGETS
    )
    lines = [header.rstrip()]
    for week in curve:
        lines.append(
            f"{week.week:>3} {number(week.learned_from):>10}  "
            + "  ".join(
                f"{_rate(week.baseline, name)} → {_rate(week.learned, name)}".ljust(33)
                for name in TARGETS
            ).rstrip()
        )
    lines += ["", "Cobertura por semana (sin aprendizaje / con aprendizaje):"]
    for week in curve:
        lines.append(
            f"{week.week:>3} sin {_bar(week.baseline.rate('coverage'))} "
            f"{percent(week.baseline.rate('coverage'), 0)}"
        )
        lines.append(
            f"    con {_bar(week.learned.rate('coverage'))} "
            f"{percent(week.learned.rate('coverage'), 0)}"
        )
    late = [week for week in curve if week.week >= late_from]
    if late:
        lines += ["", f"Semanas {late[0].week}–{late[-1].week} juntas (sin → con aprendizaje):"]
        for name in TARGETS:
            lines.append(
                f"  {names[name]:<10} {percent(pooled(late, name, False))} → "
                f"{percent(pooled(late, name, True))}   meta ≥ {percent(TARGETS[name], 0)}"
            )
    return lines
