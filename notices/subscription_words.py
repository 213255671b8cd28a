"""What a citizen's WhatsApp message asks of the subscriptions, if anything, read in one pass.

Taken as a command only when the whole message is one: «AVISOS Centro», «Aviso: El Centro»,
«quiero avisos de Centro», «AVISOS» alone, «SALIR», «BAJA», «CONTENIDO», «NOTICIAS»,
«MIS AVISOS», «SUSCRIPCIÓN», and the plain ways of saying them: «No quiero más avisos»,
«darme de baja de los avisos», «¿A qué estoy suscrito?» (case, accents and punctuation aside;
courtesy at the end («por favor, gracias») allowed; a «?» only in the questions about one's
subscriptions). A complaint that happens to contain «aviso» is not a command: after the
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
# «No quiero más avisos», «ya no me manden avisos», «darme de baja de los avisos»: a request
# (quiero, manden, envíen) and then what stops. «ya no me mandan avisos» (indicative) is a
# complaint that they stopped arriving, not a request: it is not here.
_STOP_ALONE = (
    ("salir",),
    ("stop",),
    ("quiero", "salir"),
    ("baja",),
    ("darme", "de", "baja"),
    ("dar", "de", "baja"),
    ("quiero", "darme", "de", "baja"),
    ("me", "quiero", "dar", "de", "baja"),
    ("desuscribirme",),
    ("quiero", "desuscribirme"),
    ("cancelar", "suscripcion"),
    ("cancelar", "mi", "suscripcion"),
    ("cancelar", "la", "suscripcion"),
)
"""A withdrawal that may be followed by what stops («SALIR de avisos») or stand alone."""
_STOP_WITH = (
    ("no", "quiero"),
    ("no", "quiero", "recibir"),
    ("ya", "no", "quiero"),
    ("ya", "no", "quiero", "recibir"),
    ("no", "me", "manden"),
    ("ya", "no", "me", "manden"),
    ("no", "me", "envien"),
    ("ya", "no", "me", "envien"),
    ("no", "mas"),
    ("cancelar",),
    ("quitar",),
    ("quitarme", "de"),
)
"""A withdrawal only when what stops follows («no quiero» alone is no command)."""
_STOPPED = frozenset({"avisos", "aviso", "mensajes", "notificaciones", "suscripcion"})
_STOPPED_LEADS = frozenset({"mas", "de", "del", "los", "la", "mi", "mis", "sus", "estos", "esos"})
# «¿A qué estoy suscrito?», «¿Estoy suscrito?», «¿Qué avisos tengo?»: a «?» is fine here.
_SUBSCRIBED = ("suscrito", "suscrita", "inscrito", "inscrita")
_ASKED_STATUS = frozenset(
    {
        *((lead, word) for lead in ("estoy", "sigo") for word in _SUBSCRIBED),
        *(("a", "que", "estoy", word) for word in _SUBSCRIBED),
        *(("en", "que", "estoy", word) for word in _SUBSCRIBED),
        *(("yo", "estoy", word) for word in _SUBSCRIBED),
        *(("estoy", word, "a", "avisos") for word in _SUBSCRIBED),
        *(("estoy", word, "a", "los", "avisos") for word in _SUBSCRIBED),
        ("que", "avisos", "tengo"),
        ("que", "avisos", "recibo"),
        ("cuales", "avisos", "tengo"),
        ("que", "suscripciones", "tengo"),
        ("mis", "avisos"),
        ("suscripcion",),
        ("mi", "suscripcion"),
        ("mis", "suscripciones"),
        ("suscripciones",),
    }
)
_CONTENT = {("contenido",), ("contenidos",), ("noticias",)}
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
_TRAILING = (
    ("por", "favor"),
    ("porfavor",),
    ("porfa",),
    ("muchas", "gracias"),
    ("mil", "gracias"),
    ("gracias",),
)
"""Courtesy at the end, in any order and combination («por favor, gracias»)."""


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


def _without_courtesy(words: tuple[str, ...]) -> tuple[str, ...]:
    """`words` without the courtesy at its end; each pass moves the end back by a word or
    more, so the whole is linear in the number of words."""
    end = len(words)
    dropped = True
    while dropped:
        dropped = False
        for tail in _TRAILING:
            size = len(tail)
            if end > size and words[end - size : end] == tail:
                end -= size
                dropped = True
    return words[:end]


def _withdraws(words: tuple[str, ...]) -> bool:
    """«SALIR», «SALIR de avisos», «No quiero más avisos», «cancelar suscripción»: a request
    to stop, and at most a few small words before what stops (the whole message)."""
    if words in _STOP_ALONE:
        return True
    for lead in (*_STOP_ALONE, *_STOP_WITH):
        if words[: len(lead)] != lead or len(words) == len(lead):
            continue
        rest = words[len(lead) :]
        if rest[-1] in _STOPPED and all(word in _STOPPED_LEADS for word in rest[:-1]):
            return True
    return False


def read_command(text: str, sectors: Sectors) -> Command | None:
    """The subscription command `text` is, or None (it goes to the responder as any message)."""
    if len(text) > MAX_COMMAND:
        return None
    spans = _words(text)
    words = tuple(word for word, _ in spans)
    words = _without_courtesy(words)
    spans = spans[: len(words)]
    if not words:
        return None
    if words in _ASKED_STATUS:  # «¿Estoy suscrito?»: a question, and the command itself
        return Command(Ask.STATUS)
    if "?" in text:  # «avisos centro?»: a question about them, for a person or the matcher
        return None
    if _withdraws(words):
        return Command(Ask.WITHDRAW)
    if words in _CONTENT:
        return Command(Ask.CONTENT)
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
