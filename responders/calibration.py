"""Per-protocol automatic-answer thresholds set from the company's own history.

Time-ordered cross-validation: for each of the latest weeks, the matcher learns from the
examples before that week and is measured on the week's examples, as if the team had
reviewed them one week at a time. For each answering protocol the lowest threshold whose
precision on those held weeks is at least `PRECISION` (with at least `MIN_ANSWERED`
automatic answers to judge it by) is chosen; else the base threshold stays. Pure (no
database) and deterministic: the same examples give the same thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from responders.examples import Example, ExampleAction
from responders.matcher import Matcher
from responders.policy import Action, Thresholds, decide
from responders.protocols import Catalogue, ProtocolAction

PRECISION = 0.98
"""Precision a protocol's automatic answers must keep on the held weeks."""
MIN_ANSWERED = 10
"""Fewer automatic answers than this on the held weeks judge nothing: the base threshold stays."""
MIN_WRONG = 2
"""Wrong answers over the base threshold that it takes to raise a protocol's threshold."""
STEP = 0.01
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ProtocolFigures:
    """One protocol's figures on the held weeks, before (shipped catalogue, base thresholds)
    and after (learned examples, calibrated thresholds)."""

    protocol: str
    examples: int = 0
    """Learned examples of this protocol (all of the history)."""
    answerable: int = 0
    """Held examples the team answered with this protocol."""
    answered_before: int = 0
    right_before: int = 0
    answered_after: int = 0
    right_after: int = 0
    threshold: float | None = None
    """The automatic-answer threshold in use (None: not an answering protocol)."""

    @property
    def precision_before(self) -> float | None:
        return self.right_before / self.answered_before if self.answered_before else None

    @property
    def precision_after(self) -> float | None:
        return self.right_after / self.answered_after if self.answered_after else None

    @property
    def coverage_before(self) -> float | None:
        return self.right_before / self.answerable if self.answerable else None

    @property
    def coverage_after(self) -> float | None:
        return self.right_after / self.answerable if self.answerable else None


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    figures: dict[str, ProtocolFigures] = field(default_factory=dict)
    totals: ProtocolFigures = field(default_factory=lambda: ProtocolFigures("total"))
    held: int = 0
    """Examples in the held weeks (what the figures are measured on)."""


@dataclass(frozen=True)
class _Outcome:
    protocol: str | None
    """The protocol answered alone, if any."""
    confidence: float
    right: bool


def calibrate(
    catalogue: Catalogue, examples: Sequence[Example], base: Thresholds, recent_weeks: int = 4
) -> Calibration:
    """Thresholds per answering protocol from `examples`, with the figures that justify them."""
    ordered = sorted(examples, key=lambda example: (example.at, example.text))
    answering = [protocol.id for protocol in catalogue if protocol.action == ProtocolAction.ANSWER]
    counts = {protocol_id: 0 for protocol_id in answering}
    for example in ordered:
        if example.protocol in counts:
            counts[example.protocol] += 1
    if not ordered:
        return Calibration(base, {p: ProtocolFigures(p, threshold=base.auto) for p in answering})
    latest = ordered[-1].at
    floor = base.review
    permissive = Thresholds(floor, base.review, base.margin)
    shipped = Matcher(catalogue)
    before: list[_Outcome] = []
    after: list[_Outcome] = []
    held: list[Example] = []
    for week in range(recent_weeks - 1, -1, -1):
        start, end = latest - (week + 1) * WEEK, latest - week * WEEK
        testing = [example for example in ordered if start < example.at <= end]
        if not testing:
            continue
        learned = Matcher(catalogue, [example for example in ordered if example.at <= start])
        held.extend(testing)
        before.extend(_outcome(shipped, base, example) for example in testing)
        after.extend(_outcome(learned, permissive, example) for example in testing)
    chosen = {
        protocol_id: _lowest(after, protocol_id, floor, base.auto_for(protocol_id))
        for protocol_id in answering
    }
    thresholds = Thresholds(base.auto, base.review, base.margin, chosen)
    figures = {}
    for protocol_id in answering:
        answerable = sum(1 for example in held if _answers(example, protocol_id))
        mine_before = [o for o in before if o.protocol == protocol_id]
        mine_after = [
            o for o in after if o.protocol == protocol_id and o.confidence >= chosen[protocol_id]
        ]
        figures[protocol_id] = ProtocolFigures(
            protocol_id,
            examples=counts[protocol_id],
            answerable=answerable,
            answered_before=len(mine_before),
            right_before=sum(o.right for o in mine_before),
            answered_after=len(mine_after),
            right_after=sum(o.right for o in mine_after),
            threshold=chosen[protocol_id],
        )
    totals = ProtocolFigures(
        "total",
        examples=len(ordered),
        answerable=sum(f.answerable for f in figures.values()),
        answered_before=sum(f.answered_before for f in figures.values()),
        right_before=sum(f.right_before for f in figures.values()),
        answered_after=sum(f.answered_after for f in figures.values()),
        right_after=sum(f.right_after for f in figures.values()),
    )
    return Calibration(thresholds, figures, totals, len(held))


def _answers(example: Example, protocol_id: str) -> bool:
    return example.action == ExampleAction.ANSWER and protocol_id in (
        example.protocol,
        example.second,
    )


def _outcome(matcher: Matcher, thresholds: Thresholds, example: Example) -> _Outcome:
    decision = decide(matcher.match(example.text), thresholds)
    if decision.action != Action.ANSWER or decision.protocol is None:
        return _Outcome(None, decision.confidence, False)
    right = _answers(example, decision.protocol.id) and (
        decision.together is None or _answers(example, decision.together.id)
    )
    return _Outcome(decision.protocol.id, decision.confidence, right)


def _lowest(outcomes: list[_Outcome], protocol_id: str, floor: float, base: float) -> float:
    """The lowest threshold at which the protocol's answers keep `PRECISION`, else `base`.
    Above the base only when at least `MIN_WRONG` of its answers over the base were wrong:
    one wrong answer among a few weeks' handful (a "hola guapa" greeted back) is not a
    measured precision, and raising over it would send every greeting under it to a person."""
    answered = sorted((o.confidence, o.right) for o in outcomes if o.protocol == protocol_id)
    wrong = sum(1 for confidence, right in answered if confidence >= base and not right)
    threshold = _scan(answered, floor, base)
    return threshold if wrong >= MIN_WRONG else min(threshold, base)


def _scan(answered: list[tuple[float, bool]], floor: float, base: float) -> float:
    steps = round((1.0 - floor) / STEP)
    for step in range(steps + 1):
        threshold = round(floor + step * STEP, 2)
        kept = [right for confidence, right in answered if confidence >= threshold]
        if len(kept) < MIN_ANSWERED:
            break
        if sum(kept) >= PRECISION * len(kept):
            return threshold
    return base
