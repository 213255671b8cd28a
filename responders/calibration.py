"""Per-protocol automatic-answer thresholds set from the company's own history.

Time-ordered cross-validation: train on the examples before each cut, measure on the weeks
after it; for each answering protocol choose the lowest threshold whose precision on the
held weeks holds. Pure (no database) and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from responders.examples import Example
from responders.policy import Thresholds
from responders.protocols import Catalogue


@dataclass(frozen=True)
class ProtocolFigures:
    """One protocol's figures on the held weeks, before and after learning."""

    protocol: str
    examples: int = 0
    """Learned examples of this protocol."""
    answerable: int = 0
    """Held examples whose answer is this protocol's."""
    precision_before: float | None = None
    coverage_before: float | None = None
    precision_after: float | None = None
    coverage_after: float | None = None
    threshold: float | None = None
    """The automatic-answer threshold chosen (None: the base one)."""


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    figures: dict[str, ProtocolFigures] = field(default_factory=dict)
    totals: ProtocolFigures = field(default_factory=lambda: ProtocolFigures("total"))


def calibrate(
    catalogue: Catalogue, examples: Sequence[Example], base: Thresholds, recent_weeks: int = 4
) -> Calibration:
    """Thresholds per protocol from `examples` (stub: the base thresholds)."""
    return Calibration(thresholds=base)
