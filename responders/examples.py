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


NAME_INTRODUCERS = (("me", "llamo"), ("mi", "nombre", "es"), ("mi", "nombre"), ("soy",))
"""Words after which a citizen writes their name («me llamo Juan Carlos Rodríguez»)."""
NAME_WORDS = 4
"""At most this many capitalised words after them are taken for a name."""
MASK = "dato personal"


def example_text(text: str) -> str:
    """What an example keeps of a message: its folded words, personal data masked first
    (`conectados.privacy.mask`), and a name the citizen introduces («me llamo …», «mi nombre
    es …», «soy …» followed by capitalised words) masked too."""
    return " ".join(words_of(_without_names(mask(text[:MAX_EXAMPLE_CHARS]))))


def _without_names(text: str) -> str:
    """One pass over the words: capitalised words right after a name's introduction go."""
    kept: list[str] = []
    recent: list[str] = []
    masking = 0
    for token in text.split():
        bare = token.strip(".,;:!?¡¿()\"'«»")
        if masking and bare[:1].isupper():
            # A name ends at its sentence's punctuation («me llamo Ana. ¿Dónde pago?»).
            masking = 0 if token[-1] in ".,;:!?" else masking - 1
            if not kept or kept[-1] != MASK:
                kept.append(MASK)
            continue
        masking = 0
        kept.append(token)
        recent = [*recent[-2:], bare.lower()]
        if any(tuple(recent[-len(words) :]) == words for words in NAME_INTRODUCERS):
            masking = NAME_WORDS
    return " ".join(kept)
