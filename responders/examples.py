"""A labelled example the responder learns from: what a person decided about one message.

Every review decision (approve, approve edited, change the protocol, reject as none of the
company's business, file as PQR) and every line of an imported labelled file becomes one
`Example`. What is kept of the citizen's words is the folded text with each piece of personal
data masked (Ley 1581: a learned example names nobody): the matcher needs the words, not the
person.

This module is pure (no database): the matcher, the thresholds' cross-validation and the
tests share it; `responders.learning` stores and loads examples.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from conectados.privacy import mask
from responders.normalize import words_of

MAX_EXAMPLE_CHARS = 2_000
"""What is read of a message to learn from it (a longer message adds nothing but time)."""


class ExampleSource(enum.StrEnum):
    REVIEW = "revision"
    """A person decided it in the review queue or filed it as a PQR."""
    IMPORTED = "importado"
    """A line of a labelled file (`conectados protocols aprender`)."""


class ExampleAction(enum.StrEnum):
    """What the team did with the message (the policy's actions)."""

    ANSWER = "answer"
    TICKET = "ticket"
    REVIEW = "review"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Example:
    text: str
    """Folded words of the message with personal data masked (`example_text`)."""
    protocol: str | None
    """The protocol a person chose; None: none of the company's business."""
    action: ExampleAction
    at: datetime
    """When the decision was made (time-ordered cross-validation trains on the past)."""
    source: ExampleSource = ExampleSource.REVIEW
    second: str | None = None
    """A second protocol the same message asks about (two questions in one message)."""


def example_text(text: str) -> str:
    """What an example keeps of a message: its folded words, personal data masked first."""
    return " ".join(words_of(mask(text[:MAX_EXAMPLE_CHARS])))
