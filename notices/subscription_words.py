"""What a citizen's WhatsApp message asks of the subscriptions, if anything, read in one pass.

Taken as a command only when the whole message is one: «AVISOS Centro», «Aviso: El Centro»,
«quiero avisos de Centro», «AVISOS» alone, «SALIR», «BAJA», «CONTENIDO», «NOTICIAS»,
«MIS AVISOS», «SUSCRIPCIÓN» (case, accents and punctuation aside; «por favor» or «gracias»
at the end allowed). A complaint that happens to contain «aviso» is not a command: after the
keyword comes either a sector of the list or at most a few words that could be one. No
regular expression: one scan of the text, linear in its length.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conectados.errors import BadInput
from notices.sectors import Sector, Sectors, sector_key

MAX_COMMAND = 160
"""A longer message is a conversation, not a command."""
MAX_UNKNOWN_WORDS = 3
"""After «AVISOS», this many words at most are taken as a sector we do not know."""


class Ask(enum.StrEnum):
    SUBSCRIBE = "subscribe"
    """Notices of the sectors named."""
    WHICH_SECTOR = "which_sector"
    """«AVISOS» alone: ask which sector."""
    UNKNOWN_SECTOR = "unknown_sector"
    """«AVISOS» and a name that is not on the list."""
    WITHDRAW = "withdraw"
    """Everything stops."""
    CONTENT = "content"
    """The company's content (no sector)."""
    STATUS = "status"
    """What am I subscribed to."""


@dataclass(frozen=True)
class Command:
    ask: Ask
    sectors: tuple[Sector, ...] = ()
    spelled: str = ""
    """The sector as the citizen wrote it (for the unknown-sector answer)."""


_NOTICE_WORDS = frozenset({"aviso", "avisos"})
_WITHDRAW = {("salir",), ("baja",), ("darme", "de", "baja"), ("cancelar", "avisos"), ("stop",)}
_CONTENT = {("contenido",), ("contenidos",), ("noticias",)}
_STATUS = {
    ("mis", "avisos"),
    ("suscripcion",),
    ("mi", "suscripcion"),
    ("mis", "suscripciones"),
    ("suscripciones",),
}
_LEADS = (
    ("quiero", "recibir"),
    ("quiero",),
    ("suscribirme", "a"),
    ("suscribirme",),
    ("inscribirme", "a"),
    ("inscribirme",),
)
_CONNECTORS = frozenset({"de", "del", "para", "en", "sector", "barrio", "vereda", "los"})
_NOT_A_PLACE = frozenset(
    {"que", "no", "hay", "se", "me", "le", "les", "nos", "ya", "porque", "cuando", "por",
     "sin", "si", "es", "esta", "estan", "llego", "llega", "dieron", "dan", "mandan"}
)  # fmt: skip
_TRAILING = (("por", "favor"), ("gracias",), ("porfa",))


def _words(text: str) -> list[tuple[str, int]]:
    """Each word folded (lower case, no accents) with where it starts in `text`."""
    words: list[tuple[str, int]] = []
    start = -1
    for index, char in enumerate(text):
        if char.isalnum():
            if start < 0:
                start = index
        elif start >= 0:
            words.append((sector_key(text[start:index]), start))
            start = -1
    if start >= 0:
        words.append((sector_key(text[start:]), start))
    return words


def read_command(text: str, sectors: Sectors) -> Command | None:
    """The subscription command `text` is, or None (it goes to the responder as any message)."""
    if len(text) > MAX_COMMAND or "?" in text:
        return None
    spans = _words(text)
    words = tuple(word for word, _ in spans)
    for tail in _TRAILING:
        if len(words) > len(tail) and words[-len(tail) :] == tail:
            words = words[: -len(tail)]
            spans = spans[: len(words)]
    if not words:
        return None
    if words in _WITHDRAW:
        return Command(Ask.WITHDRAW)
    if words in _CONTENT:
        return Command(Ask.CONTENT)
    if words in _STATUS:
        return Command(Ask.STATUS)
    start = 0
    for lead in _LEADS:
        if words[: len(lead)] == lead:
            start = len(lead)
            break
    if start >= len(words) or words[start] not in _NOTICE_WORDS:
        return None
    rest = start + 1
    while rest < len(words) and words[rest] in _CONNECTORS:
        rest += 1
    if rest >= len(words):
        return Command(Ask.WHICH_SECTOR)
    spelled = text[spans[rest][1] :].strip()
    spelled = _cut_to(spelled, len(words) - rest)  # «AVISOS Centro por favor»: «Centro»
    try:
        found = sectors.resolve(spelled, "sector") if sectors.items else []
    except BadInput:  # not a sector of the list
        found = []
    if found:
        return Command(Ask.SUBSCRIBE, tuple(found), spelled)
    if len(words) - rest > MAX_UNKNOWN_WORDS or words[rest] in _NOT_A_PLACE:
        return None  # a sentence that starts with «aviso», not a place
    return Command(Ask.UNKNOWN_SECTOR, (), spelled)


def _cut_to(text: str, count: int) -> str:
    """`text` up to the end of its `count`-th word (drops «por favor» after the sector)."""
    spans = _words(text)
    if len(spans) <= count:
        return text.strip(" .,;:!¡-")
    end = spans[count][1]
    return text[:end].strip(" .,;:!¡-")
