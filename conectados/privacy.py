"""Citizens' personal data (Ley 1581 de 2012): find it, and keep it out of public text and logs.

What counts here: cédula and other document numbers, account / contract / subscriber
numbers, phone numbers, e-mail addresses, street addresses and debt amounts. The patterns
are deliberately generous: masking a number that was not personal costs little; publishing
one that was costs a great deal.

Every pattern runs on whatever a citizen (or a log line, or a CLI argument) holds, so each
one is linear in the length of the text: it can only start where its first token starts
(a look-behind forbids starting inside a run of the same characters) and every repetition
is bounded, so one attempt reads at most a few hundred characters whatever the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "[dato personal]"

# The patterns run on the text in lower case (same length: "İ" is read as "I"), so that
# the regex engine can skip quickly to where a keyword or a digit starts.
_LETTER = "a-záéíóúüñ"
_WORD_START = r"(?<!\w)"  # a keyword starts a word...
_WORD_END = f"(?![{_LETTER}])"  # ...and ends one: "av" is not the start of "aviso"
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


def _first(char: str, not_after: str) -> str:
    """`char` not preceded by `not_after`, written so the engine can jump to `char`."""
    return f"{char}(?<!{not_after}{char})"


_CONNECTOR = rf"(?:{_SP1}(?:es|la|el|de|mi|su|del|n[uú]mero|no\.?|n[°º]\.?)){{0,4}}"
_STREET = r"(?:calle|cl|cll|carrera|cra|kra|kr|cr|diagonal|dg|transversal|tv|trans|avenida|av)"
_UNIT = r"(?:manzana|mz|casa|apto|apartamento|lote|bloque|torre)"
_HOUSE_NUMBER = rf"\d{{1,4}}(?!\d)(?:\s?[a-z](?![{_LETTER}°º.]))?"
_AREA = r"(?:3\d{2}|60\d)"
_PHONE_TAIL = r"\)?[\s.-]?\d{3}[\s.-]?\d{2}[\s.-]?\d{2}(?!\d)"
# Each way a phone number starts begins with its own character: the engine jumps to them.
_PHONE_STARTS = (
    _first(r"\+", r"[\d-]") + rf"57[\s-]?\(?{_AREA}",  # +57 310 555 1234
    _first("5", r"[\d-]") + rf"7[\s-]?\(?{_AREA}",  # 57 (310) 555 1234
    _first(r"\(", r"[\d-]") + _AREA,  # (310) 555 1234
    _first("3", r"[\d-]") + r"\d{2}",  # 310 555 1234
    _first("6", r"[\d-]") + r"0\d",  # 607 123 4567
)
_AMOUNT_WORD = r"(?:mil|millones|millón|millon|pesos|cop|lucas|palos)\b"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "correo",
        # Not after "//": "postgresql://user@host" is a database URL, not an e-mail.
        re.compile(
            r"(?<![\w.+-])(?<!//)[\w.+-]{1,64}+"
            rf"(?:@|{_SP1}@{_SP1}|{_SP}[(\[](?:at|arroba)[)\]]{_SP}|{_SP1}arroba{_SP1})"
            r"[\w-]{1,63}+"
            rf"(?:(?:\.|{_SP1}\.{_SP1}|{_SP}[(\[](?:dot|punto)[)\]]{_SP}|{_SP1}(?:dot|punto){_SP1})"
            r"[\w-]{1,63}+){1,6}+"
        ),
    ),
    (
        "cuenta o contrato",
        re.compile(
            rf"{_WORD_START}(?:cuenta|contrato|suscriptor|matr[ií]cula|c[oó]digo|niu|"
            r"referencia|ref|n[uú]mero de cliente|cliente|predio|ficha catastral)"
            rf"{_WORD_END}{_CONNECTOR}\W{{0,3}}(?:n[o°º]\.?{_SP}|#{_SP})?"
            r"(?:[^\W\d_]{1,6}+-?)?\d[\w-]{0,24}+"
        ),
    ),
    (
        "documento",
        re.compile(
            rf"{_WORD_START}(?:c\.?\s?c|c[eé]dula|documento|doc|nit|ti|pasaporte|ce)"
            rf"{_WORD_END}\.?\W{{0,3}}(?:n[o°º]\.?{_SP})?\d[\d.\s-]{{4,14}}\d"
        ),
    ),
    (
        "dirección",
        re.compile(
            # A street takes a name or a number ("Av. Boyacá 45-10", "calle 10 sur # 12-34");
            # a unit (casa, torre, lote) only a number: "lote de 500 mensajes" is no address.
            rf"{_WORD_START}(?:{_STREET}{_WORD_END}\.?{_SP}(?:[{_LETTER}]{{1,20}}{_SP1}){{0,3}}"
            rf"|{_UNIT}{_WORD_END}\.?{_SP})"
            rf"{_HOUSE_NUMBER}(?:\s?bis)?(?:{_SP1}(?:sur|norte|este|oeste))?"
            rf"(?:{_SP}(?:#|n[o°º]\.?|no\.?|con|-){_SP}{_HOUSE_NUMBER}(?:{_SP}-{_SP}\d{{1,4}})?)?"
        ),
    ),
    (
        "teléfono",
        re.compile("(?:" + "|".join(_PHONE_STARTS) + ")" + _PHONE_TAIL),
    ),
    (
        "teléfono",
        re.compile(
            rf"{_WORD_START}(?:tel[eé]fono|tel|celular|cel|m[oó]vil|whatsapp|wsp){_WORD_END}"
            rf"\.?:?{_SP}\(?\d{{1,3}}{_PHONE_TAIL}"
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
)


@dataclass(frozen=True)
class PersonalData:
    kind: str
    text: str


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Where personal data is, earlier patterns first; each character belongs to one piece."""
    cleaned = _OURS.sub(lambda found: " " * len(found.group(0)), text)
    cleaned = _FILE_LINE.sub(lambda found: ":" + " " * (len(found.group(0)) - 1), cleaned)
    cleaned = cleaned.replace("İ", "I").lower()
    taken = bytearray(len(text))  # 1 where a piece already is: overlap checks stay linear
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(cleaned):
            start, end = match.span()
            if taken.find(1, start, end) != -1:
                continue
            taken[start:end] = b"\x01" * (end - start)
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
        """Spans of the words in `text`, longest first where they overlap, left to right."""
        found: list[tuple[int, int]] = []
        state = 0
        for index, char in enumerate(text):
            while state and char not in self.goto[state]:
                state = self.fail[state]
            state = self.goto[state].get(char, 0)
            length = self.longest[state]
            if length:
                start = index + 1 - length
                while found and found[-1][1] > start:  # a longer piece covers shorter ones
                    if found[-1][0] < start:
                        break
                    found.pop()
                else:
                    found.append((start, index + 1))
        return found
