"""Citizens' personal data (Ley 1581 de 2012): find it, and keep it out of public text and logs.

What counts here: cédula and other document numbers, account / contract / subscriber
numbers, phone numbers, e-mail addresses, street addresses and debt amounts. The patterns
are deliberately generous: masking a number that was not personal costs little; publishing
one that was costs a great deal.

Everything here runs on whatever a citizen, a log line or a CLI argument holds, so it is
linear in the length of the text: every repetition in a pattern is bounded (one attempt
reads at most a few hundred characters) or possessive (what it read is never read again),
overlaps are checked on a byte map, and `mask` and `without` rebuild the text in one pass.
tests/test_privacy.py tries the worst inputs we know; bench/privacy.py times them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "[dato personal]"

# The patterns run on the text in lower case (same length: "İ" is read as "I"). Each one
# begins with a character or a set of them, so the engine jumps to where a keyword, a digit
# or an e-mail can start, and checks only after that first character what comes before it.
_LETTER = "a-záéíóúüñ"
_SP = r"[^\S\n]{0,3}"  # a few spaces or tabs, never a line break
_SP1 = r"[^\S\n]{1,3}"

_OURS = re.compile(
    r"\b20\d{2}-\d{6}\b"  # a radicado
    r"|\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"  # dates, times
    r"(?:Z|[+-]\d{2}:?\d{2})?)?\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\b"
)
"""Numbers that are not a person's: blanked out before looking (same length, spans kept)."""
# A line number after a file name: "huge.toml:123456" (up to 7 digits: never a phone).
_FILE_LINE = re.compile(
    r":(?:(?<=\.[A-Za-z]{2}:)|(?<=\.[A-Za-z]{3}:)|(?<=\.[A-Za-z]{4}:))\d{1,7}(?!\w)"
)
# What is glued to the end of a piece ("1098765432-7", "3105551234abc") goes with it, so a
# neighbour reads the same once the piece is masked: masking never makes a new piece appear.
_GLUED = re.compile(r"(?:[.,+/=-]*+\w++)*+")


def _first(char: str, not_after: str) -> str:
    """`char` (one character or set) not preceded by `not_after`."""
    return f"{char}(?<!{not_after}{char})"


def _keyword(*words: str) -> str:
    """Any of `words` as a whole word: "av" is not the start of "aviso"."""
    rests: dict[str, list[str]] = {}
    for word in words:
        rests.setdefault(word[0], []).append(word[1:])
    alternatives = (
        _first(first, r"\w") + "(?:" + "|".join(sorted(ends, key=len, reverse=True)) + ")"
        for first, ends in rests.items()
    )
    return "(?:" + "|".join(alternatives) + f")(?![{_LETTER}])"


_ACCOUNT_WORDS = (
    *("cuenta", "contrato", "suscriptor", "matr[ií]cula", "c[oó]digo", "niu", "referencia"),
    *("ref", "n[uú]mero de cliente", "cliente", "predio", "ficha catastral"),
)
_STREET_WORDS = (
    *("calle", "cl", "cll", "carrera", "cra", "kra", "kr", "cr", "diagonal", "dg"),
    *("transversal", "tv", "trans", "avenida", "av"),
)
_CONNECTOR = rf"(?:{_SP1}(?:es|la|el|de|mi|su|del|n[uú]mero|no\.?|n[°º]\.?)){{0,4}}"
_HOUSE_NUMBER = rf"\d{{1,4}}(?!\d)(?:\s?[a-z](?![{_LETTER}°º.]))?"
_STREET_END = (
    rf"{_HOUSE_NUMBER}(?:\s?bis)?(?:{_SP1}(?:sur|norte|este|oeste))?"
    rf"(?:{_SP}(?:#|n[o°º]\.?|no\.?|con|-){_SP}{_HOUSE_NUMBER}(?:{_SP}-{_SP}\d{{1,4}})?)?"
)
_AREA = r"(?:3\d{2}|60\d)"
_PHONE_TAIL = r"\)?[\s.-]?\d{3}[\s.-]?\d{2}[\s.-]?\d{2}(?!\d)"
_PHONE_STARTS = (
    _first(r"\+", r"[\d-]") + rf"57[\s-]?\(?{_AREA}",  # +57 310 555 1234
    _first("5", r"[\d-]") + rf"7[\s-]?\(?{_AREA}",  # 57 (310) 555 1234
    r"\(" + _AREA,  # (310) 555 1234
    _first("3", r"[\d-]") + r"\d{2}",  # 310 555 1234
    _first("6", r"[\d-]") + r"0\d",  # 607 123 4567
)
_DIGIT_WORDS = (
    "cero",
    "uno",
    "un",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
)
_AMOUNT_WORD = r"(?:mil|millones|millón|millon|pesos|cop|lucas|palos)\b"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "correo",
        # Not after "//": "postgresql://user@host" is a database URL, not an e-mail.
        re.compile(
            _first(r"[\w.+-]", r"[\w.+-]") + r"(?<!//.)[\w.+-]{0,63}+(?<=\w)"
            rf"(?:@|{_SP1}@{_SP1}|{_SP}[(\[](?:at|arroba)[)\]]{_SP}|{_SP1}arroba{_SP1})"
            r"[\w-]{1,63}+"
            rf"(?:(?:\.|{_SP1}\.{_SP1}|{_SP}[(\[](?:dot|punto)[)\]]{_SP}|{_SP1}(?:dot|punto){_SP1})"
            r"[\w-]{1,63}+){1,6}+"
        ),
    ),
    (
        "cuenta o contrato",
        re.compile(
            _keyword(*_ACCOUNT_WORDS) + rf"{_CONNECTOR}\W{{0,3}}(?:n[o°º]\.?{_SP}|#{_SP})?"
            r"(?:[^\W\d_]{1,6}+-?)?\d[\w-]{0,24}+"
        ),
    ),
    (
        "documento",
        re.compile(
            _keyword(r"c\.?\s?c", "c[eé]dula", "documento", "doc", "nit", "ti", "pasaporte", "ce")
            + rf"\.?\W{{0,3}}(?:n[o°º]\.?{_SP})?\d[\d.\s-]{{4,14}}\d"
        ),
    ),
    (
        "dirección",
        # A street takes a name or a number ("Av. Boyacá 45-10", "calle 10 sur # 12-34")...
        re.compile(
            _keyword(*_STREET_WORDS) + rf"\.?{_SP}(?:[{_LETTER}]{{1,20}}{_SP1}){{0,3}}{_STREET_END}"
        ),
    ),
    (
        "dirección",
        # ...a unit only a number: "lote de 500 mensajes" is no address.
        re.compile(
            _keyword("manzana", "mz", "casa", "apto", "apartamento", "lote", "bloque", "torre")
            + rf"\.?{_SP}{_STREET_END}"
        ),
    ),
    ("teléfono", re.compile("(?:" + "|".join(_PHONE_STARTS) + ")" + _PHONE_TAIL)),
    (
        "teléfono",
        re.compile(
            _keyword("tel[eé]fono", "tel", "celular", "cel", "m[oó]vil", "whatsapp", "wsp")
            + rf"\.?:?{_SP}\(?\d{{1,3}}{_PHONE_TAIL}"
        ),
    ),
    ("valor", re.compile(rf"\$\s?\d[\d.,]{{0,18}}(?:\s?{_AMOUNT_WORD})?")),
    (
        "valor",
        re.compile(
            _first(r"\d", r"[\w.,]")
            + rf"(?:[\d.,]{{0,18}}\s?{_AMOUNT_WORD}|\d{{0,2}}(?:\.\d{{3}}){{1,3}}\b)"
        ),
    ),
    # A number standing alone (not part of a path, an identifier or key=value).
    ("número", re.compile(_first(r"\d", r"[\w/=-]") + r"\d{5,11}+(?![\w/-])")),
    # Digits written apart to dodge filters: "3 1 0 5 5 5 1 2 3 4".
    ("número", re.compile(_first(r"\d", r"[\w-]") + r"(?:[\s.-]\d){6,14}(?![\w-])")),
    # Digits spelled out to dodge filters: "tres uno cero cinco cinco cinco uno dos tres cuatro".
    (
        "número",
        re.compile(
            _keyword(*_DIGIT_WORDS) + rf"(?:[\s,.-]{{1,3}}{_keyword(*_DIGIT_WORDS)}){{6,14}}+"
        ),
    ),
)


@dataclass(frozen=True)
class PersonalData:
    kind: str
    text: str


_ONES = b"\x01" * 64


def _glues(char: str) -> bool:
    """Whether `char` (one character or none) can start what _GLUED takes."""
    return char.isalnum() or char in "_.,+/=-" if char else False


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Where personal data is, earlier patterns first; each character belongs to one piece."""
    cleaned = _OURS.sub(lambda found: " " * len(found.group(0)), text)
    cleaned = _FILE_LINE.sub(lambda found: ":" + " " * (len(found.group(0)) - 1), cleaned)
    cleaned = cleaned.replace("İ", "I").lower()
    taken = bytearray(len(text))  # 1 where a piece already is: overlap checks stay linear
    is_taken = taken.find
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        glued_end = 0  # each run glued to a piece is read once per pattern
        for match in pattern.finditer(cleaned):
            start, end = match.span()
            if is_taken(1, start, end) != -1:
                continue
            if end > glued_end:
                glued = cleaned[end : end + 1]  # most pieces end before a space: skip the look
                glued_end = _GLUED.match(cleaned, end).end() if _glues(glued) else end
            if glued_end > end:
                stop = is_taken(1, end, glued_end)
                end = glued_end if stop == -1 else stop
            taken[start:end] = _ONES[: end - start] if end - start < 64 else b"\x01" * (end - start)
            spans.append((start, end, kind))
    return spans


def find_personal_data(text: str) -> list[PersonalData]:
    """Every piece of personal data in `text`, as written (radicado numbers are not)."""
    return [PersonalData(kind, text[start:end].strip()) for start, end, kind in _spans(text)]


def has_personal_data(text: str) -> bool:
    return bool(_spans(text))


def mask(text: str) -> str:
    """`text` with each piece of personal data replaced by a mark (for logs and public text)."""
    return _replace(text, sorted((start, end) for start, end, _kind in _spans(text)))


def without(text: str, pieces: list[PersonalData]) -> str:
    """`text` with each of `pieces` (found in what the citizen wrote) taken out."""
    words = {piece.text for piece in pieces if piece.text}
    if not words:
        return text
    return _replace(text, _Finder(words).occurrences(text))


def _replace(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with each span (sorted, not overlapping) replaced by the mark, in one pass."""
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts += (text[done:start], MASK)
        done = end
    parts.append(text[done:])
    return "".join(parts)


class _Finder:
    """Aho-Corasick automaton: every occurrence of many strings in one pass over a text."""

    def __init__(self, words: set[str]) -> None:
        self.goto: list[dict[str, int]] = [{}]
        self.fail = [0]
        self.longest = [0]  # length of the longest word ending at each state
        for word in words:
            state = 0
            for char in word:
                if char not in self.goto[state]:
                    self.goto.append({})
                    self.fail.append(0)
                    self.longest.append(0)
                    self.goto[state][char] = len(self.goto) - 1
                state = self.goto[state][char]
            self.longest[state] = len(word)
        queue = list(self.goto[0].values())
        for state in queue:  # breadth first: a state's fail link is shallower than it
            for char, child in self.goto[state].items():
                queue.append(child)
                link = self.fail[state]
                while link and char not in self.goto[link]:
                    link = self.fail[link]
                self.fail[child] = self.goto[link].get(char, 0)
                self.longest[child] = max(self.longest[child], self.longest[self.fail[child]])

    def occurrences(self, text: str) -> list[tuple[int, int]]:
        """Spans of the words in `text`, left to right; words that overlap make one span."""
        found: list[tuple[int, int]] = []
        state = 0
        for index, char in enumerate(text):
            while state and char not in self.goto[state]:
                state = self.fail[state]
            state = self.goto[state].get(char, 0)
            length = self.longest[state]  # shorter words ending here lie inside this one
            if length:
                start = index + 1 - length
                while found and found[-1][1] > start:
                    start = min(start, found.pop()[0])
                found.append((start, index + 1))
        return found
