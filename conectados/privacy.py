"""Citizens' personal data (Ley 1581 de 2012): find it, and keep it out of public text and logs.

What counts here: cédula and other document numbers, account / contract / subscriber
numbers, phone numbers and WhatsApp's user ids (BSUIDs), e-mail addresses, street addresses
and debt amounts. The patterns
are deliberately generous: masking a number that was not personal costs little; publishing
one that was costs a great deal.

The patterns read a view of the text in which the usual disguises are undone: full-width and
other compatibility forms are read as their plain character (the first of their NFKC form:
"＠" is "@", "３" is "3"), invisible characters (format characters such as a zero-width space,
combining marks, NUL) are dropped, and inside a number "l", "i" and "o" are read as "1", "1" and "0" ("3l0 555 l234"). Spans found in
the view are mapped back to the text, so what is masked is what the citizen wrote.

Everything here runs on whatever a citizen, a log line or a CLI argument holds, so it is
linear in the length of the text: every repetition in a pattern is bounded (one attempt
reads at most a few hundred characters) or possessive (what it read is never read again),
and the Python work is per match, not per character, with pieces of one kind that touch
merged into one match by the pattern itself ("$1$1$1..." is one match, not 50,000).
tests/test_privacy.py tries the worst inputs we know; bench/privacy.py times them.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate, repeat

from conectados.multisearch import Finder

MASK = "[dato personal]"

# The patterns run on the view in lower case. Each one begins with a character or a set of
# them, so the engine jumps to where a keyword, a digit or an e-mail can start, and checks
# only after that first character what comes before it.
_LETTER = "a-záéíóúüñ"
_SP = r"[^\S\n]{0,3}"  # a few spaces or tabs, never a line break
_SP1 = r"[^\S\n]{1,3}"
_BLANK = "\x00"
"""What a piece already found, or one of our own numbers, reads as: no pattern takes it, and
like the "]" that ends MASK it is neither a letter, a digit nor a space."""


def _first(char: str, not_after: str) -> str:
    """`char` (one character or set) not preceded by `not_after`."""
    return f"{char}(?<!{not_after}{char})"


_OURS = re.compile(
    # Each alternative goes on from its first digit, read once for all of them.
    _first(r"\d", r"\w") + r"(?=\d{0,3}[-/.:])(?:"
    r"(?<=2)0\d{2}-\d{6}\b"  # a radicado: 2026-000123
    r"|\d{3}-\d{2}-\d{2}(?:[ t]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"  # dates, times
    r"(?:z|[+-]\d{2}:?\d{2})?)?\b"
    r"|(?:(?<=0)[1-9]|(?<=[12])\d|(?<=3)[01]|(?<=[1-9]))([/.-])(?:0?[1-9]|1[0-2])\1"  # 05/12/
    r"(?:19|20)\d{2}\b"  # ...2026
    r"|(?:(?<=1)9|(?<=2)0)\d{2}[^\S\n]?[-/][^\S\n]?(?:19|20)\d{2}\b"  # a period: 2025-2026
    r"|\d?:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\b"  # 8:00, 12:00:00.123
    r")(?:[^\w\n]{0,3}(?:\b20\d{2}-\d{6}\b|\b\d{1,2}:\d{2}\b))*+"  # a row of them: one match
)
"""Numbers that are not a person's: blanked out before looking (same length, spans kept)."""
# A piece already shown masked ("$ 1.•••.•00", see responders/public_text.py): it never shows
# more than three of its letters and digits, so it is no longer personal data.
_SHOWN_MASKED = re.compile(
    r"[\d•](?<![\d•][\d•])(?:(?<=\d)[.,\s/-]*+•|(?<=•))(?:[.,\s/-]*+•)*+[.,\s/-]*+\d{0,2}"
    r"(?![\d•])"
)
# A line number after a file name: "huge.toml:123456" (up to 7 digits: never a phone).
_FILE_LINE = re.compile(r":(?:(?<=\.[a-z]{2}:)|(?<=\.[a-z]{3}:)|(?<=\.[a-z]{4}:))\d{1,7}(?!\w)")
# What is glued to the end of a piece ("1098765432-7", "3105551234abc") goes with it, so a
# neighbour reads the same once the piece is masked: masking never makes a new piece appear.
_GLUED = r"(?:[.,+/=-]*+\w++)*+"
# Pieces of one kind a few signs apart ("$1$1", "mz 1, mz 1") are one match.
_JOIN = r"[^\w\n\x00]{0,3}"
# Inside a number, letters that look like digits: "3l0 555 l234" is a phone.
_LOOKALIKE_NUMBER = r"[\dlio](?<!\w[\dlio])(?:(?<=[lio])[lio]*+\d|(?<=\d))[\dlio]*+(?!\w)"
_LOOKALIKE = re.compile(rf"({_LOOKALIKE_NUMBER}(?:[\s./_-]{_LOOKALIKE_NUMBER})*+)")
_HAS_LOOKALIKE = re.compile(r"[lio](?:(?<=\d[lio])|(?=\d))")  # a digit next to one of them
_AS_DIGITS = str.maketrans("lio", "110")


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
_UNIT_WORDS = ("manzana", "mza", "mz", "casa", "cs", "apto", "apartamento", "lote", "lt")
_UNIT_WORDS += ("bloque", "torre", "interior", "int")
_CONNECTOR = (
    rf"(?:{_SP1}(?:es|la|el|de|mi|su|del|n[uú]mero|no\.?|n[°º]\.?"
    r"|bancaria|banco|ahorros|corriente)){0,4}"
)
# 45, 45a, 45 b, 7ma, 3ra, 2do, 1er, 7°
_HOUSE_NUMBER = (
    rf"\d{{1,4}}(?!\d)(?:(?:[rdtmvn][ao]|er|[°º])(?![{_LETTER}])"
    rf"|\s?[a-z](?![{_LETTER}°º.]))?"
)
_NUMBER_SIGN = r"(?:#|n[o°º]\.?|no\.?)"
_STREET_END = (
    rf"{_HOUSE_NUMBER}(?:\s?bis)?(?:{_SP1}(?:sur|norte|este|oeste))?"
    rf"(?:(?:{_SP}(?:{_NUMBER_SIGN}|con|-){_SP}|{_SP1}){_HOUSE_NUMBER}"
    rf"(?:(?:{_SP}-{_SP}|{_SP1})\d{{1,4}}(?!\d))?)?"
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
# Digit groups a separator apart: "310/555/1234", "3 10 55 51 23 4", "4455-667".
_GROUP_SEPARATOR = r"(?:[^\S\n]{1,2}|[^\S\n]?[./_\-•·*|\\][^\S\n]?|,)"

# Each rule: the kind, the pattern and, for a rule that looks for something rare, what a text
# must hold for it to find anything (an e-mail needs an at sign): otherwise it is not run.
_RULES: tuple[tuple[str, ...], ...] = (
    (
        "correo",
        # Not after "//": "postgresql://user@host" is a database URL, not an e-mail.
        # The name before the @ holds a letter or digit ("aaa.@gmail.com" is one; ".@a.co" not).
        r"(?=[.+-]{0,64}+\w)" + _first(r"[\w.+-]", r"[\w.+-]") + r"(?<!//.)[\w.+-]{0,63}+"
        rf"(?:@|{_SP1}@{_SP1}|{_SP}[(\[](?:at|arroba)[)\]]{_SP}|{_SP1}arroba{_SP1})"
        r"[\w-]{1,63}+"
        rf"(?:(?:\.|{_SP1}\.{_SP1}|{_SP}[(\[](?:dot|punto)[)\]]{_SP}|{_SP1}(?:dot|punto){_SP1})"
        r"[\w-]{1,63}+){1,6}+",
        *("@", "arroba", "at)", "at]"),
    ),
    (
        "cuenta o contrato",
        _keyword(*_ACCOUNT_WORDS) + rf"{_CONNECTOR}\W{{0,3}}(?:n[o°º]\.?{_SP}|#{_SP})?"
        r"(?:[^\W\d_]{1,6}+-?)?\d[\w-]{0,24}+",
    ),
    (
        "documento",
        # "id" only glued to its number ("id4455667"): "con id 12" is one of our own records.
        "(?:"
        + _keyword(
            *(r"c\.?\s?c", "c[eé]dula", "documento", "doc", "nit", "ti", "pasaporte", "ce"),
            "identificaci[oó]n",
        )
        + "|"
        + _first("i", r"\w")
        + r"d(?=\d))"
        + rf"\.?\W{{0,3}}(?:n[o°º]\.?{_SP})?(?:[a-z]{{1,3}}-?)?\d[\d.\s-]{{4,14}}\d",
    ),
    (
        "dirección",
        # A street takes a name or a number ("Av. Boyacá # 45-10", "calle 10 sur # 12-34")...
        _keyword(*_STREET_WORDS)
        + rf"\.?{_SP}(?:[{_LETTER}]{{1,20}}{_SP1}){{0,3}}(?:{_NUMBER_SIGN}{_SP})?{_STREET_END}",
    ),
    (
        "dirección",
        # ...a unit only a number, or a letter before another unit ("mz f cs 12"): "lote de
        # 500 mensajes" and "casa a la que" are no address.
        _keyword(*_UNIT_WORDS)
        + rf"\.?{_SP}(?:[a-z](?![{_LETTER}]){_SP1}{_keyword(*_UNIT_WORDS)}\.?{_SP})?"
        + _STREET_END,
    ),
    (
        "identificador de WhatsApp",
        # A business-scoped user id: the country, a period, an optional "ent." (a parent
        # id), then 6 to 128 letters and digits with a digit among them ("CO.1349120865",
        # "US.ENT.1181579921"): names a citizen like their phone. Not "p.ej.", "EE.UU." or
        # "acueducto.co" (no digit, or not two letters after a word's start).
        _first("[a-z]", r"[\w.]")
        + r"[a-z]\.(?:ent\.)?(?=[a-z]{0,127}+\d)[a-z\d]{6,128}+(?!\w|\.\w)",
        ".",
    ),
    ("teléfono", "(?:" + "|".join(_PHONE_STARTS) + ")" + _PHONE_TAIL),
    (
        "teléfono",
        _keyword("tel[eé]fono", "tel", "celular", "cel", "m[oó]vil", "whatsapp", "wsp")
        + rf"\.?:?{_SP}\(?\d{{1,3}}{_PHONE_TAIL}",
    ),
    ("valor", rf"\$\s?\d[\d.,]{{0,18}}(?:\s?{_AMOUNT_WORD})?", "$"),
    (
        "valor",
        _first(r"\d", r"[\w.,]") + rf"[\d.,]{{0,18}}+\s?{_AMOUNT_WORD}",
        *("mil", "millo", "millón", "peso", "cop", "luca", "palo"),
    ),
    ("valor", _first(r"\d", r"[\w.,]") + r"\d{0,2}(?:\.\d{3}){1,3}\b"),
    # A number standing alone (not part of a path, an identifier or key=value).
    ("número", _first(r"\d", r"[\w/=-]") + r"\d{5,11}+(?![\w/-])"),
    # Groups of up to six digits joined by separators, seven digits or more in all; not in a
    # path or after a dot ("v19.0/1234"), nor glued to a longer number ("1234567890_98765").
    (
        "número",
        _first(r"\d", r"[\w/=.:\\-]")
        + rf"(?=(?:{_GROUP_SEPARATOR}?\d){{6}})\d{{0,5}}+(?:{_GROUP_SEPARATOR}\d{{1,6}}+)*+(?!\d)",
    ),
    # Digits spelled out to dodge filters: "tres uno cero cinco cinco cinco uno dos tres cuatro".
    (
        "número",
        _keyword(*_DIGIT_WORDS) + rf"(?:[\s,.-]{{1,3}}{_keyword(*_DIGIT_WORDS)}){{6,14}}+",
    ),
)


def _merged(rule: str) -> re.Pattern[str]:
    """`rule` with what is glued to each piece, and pieces a few signs apart made one match."""
    piece = f"(?:{rule}){_GLUED}"
    return re.compile(f"({piece}(?:{_JOIN}{piece})*+)")  # one group: split() keeps the pieces


_PATTERNS: tuple[tuple[str, re.Pattern[str], list[str]], ...] = tuple(
    (kind, _merged(rule), needs) for kind, rule, *needs in _RULES
)


@dataclass(frozen=True)
class PersonalData:
    kind: str
    text: str


def _read_as(char: str) -> str:
    """How the patterns read a character not plain ASCII: one character, or "" for one not seen."""
    if char == _BLANK or unicodedata.category(char) in ("Cf", "Mn"):  # zero-width, combining
        return ""
    # "＠" is "@", "３" is "3", "…" is "." and "½" is "1": one character for one, so the view
    # is never longer than the text (a text of "½" would otherwise be read three times over).
    return unicodedata.normalize("NFKC", char)[:1].lower()[:1]


def _view(text: str) -> tuple[str, list[int] | None]:
    """`text` as the patterns read it, and where characters not seen were dropped: the j-th
    item is how many characters of the view come before the j-th one dropped (None: none)."""
    if text.isascii() and _BLANK not in text:  # a NUL in the text is no blank: it is dropped
        return text.lower(), None
    table = {}
    for char in set(text):  # the distinct characters: a few hundred at most in practice
        if not char.isascii() or char == _BLANK:
            read = _read_as(char)
            if read != char.lower():
                table[char] = read
    if not table:
        return text.lower(), None
    if len(table) <= 16 and not any(char in read for read in table.values() for char in table):
        view = text  # a few replacements over the whole text beat one translate with a dict
        for char, read in table.items():
            view = view.replace(char, read)
    else:
        view = text.translate({ord(char): read for char, read in table.items()})
    unseen = "".join(re.escape(char) for char, read in table.items() if not read)
    if not unseen:
        return view.lower(), None
    places = (found.start() for found in re.finditer(f"[{unseen}]", text))
    return view.lower(), [place - before for before, place in enumerate(places)]


def _blanked(found: re.Match[str]) -> str:
    return _BLANK * (found.end() - found.start())


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Where personal data is, earlier patterns first; each character belongs to one piece."""
    view, dropped = _view(text)
    if _HAS_LOOKALIKE.search(view):
        parts = _LOOKALIKE.split(view)  # between the numbers, a number, between, ...
        if len(parts) > 1:  # every number at once: no Python call per number
            numbers = "\x01".join(parts[1::2]).translate(_AS_DIGITS)
            parts[1::2] = numbers.split("\x01")
            view = "".join(parts)
    view = _OURS.sub(_blanked, view)
    if "•" in view:
        view = _SHOWN_MASKED.sub(_blanked, view)
    view = _FILE_LINE.sub(lambda found: ":" + _BLANK * (len(found.group()) - 1), view)
    spans: list[tuple[int, int, str]] = []
    for kind, pattern, needs in _PATTERNS:
        if needs and not any(need in view for need in needs):
            continue
        parts = pattern.split(view)  # between the pieces, a piece, between, ...
        if len(parts) == 1:
            continue
        # Where each part starts: the k-th piece is parts[2k + 1]. No Python call per piece.
        starts = list(accumulate(map(len, parts), initial=0))
        spans += zip(starts[1::2], starts[2::2], repeat(kind))
        # What one pattern took, the next ones read as blank: one piece per character.
        parts[1::2] = [_BLANK * len(piece) for piece in parts[1::2]]
        view = "".join(parts)
    if dropped is None:
        return spans
    # The view's character at `position` is the text's at `position` plus how many were
    # dropped before it.
    return [
        (start + bisect_right(dropped, start), end + bisect_right(dropped, end - 1), kind)
        for start, end, kind in spans
    ]


def find_personal_data(text: str) -> list[PersonalData]:
    """Every piece of personal data in `text`, as written (radicado numbers are not)."""
    return [PersonalData(kind, text[start:end].strip()) for start, end, kind in _spans(text)]


class OwnTexts:
    """What the company publishes itself (its phones, e-mail, address, notices): a piece found
    in them is public already, so quoting it exposes no one."""

    def __init__(self, own: Iterable[str] = ()) -> None:
        own = [text for text in own if text and text.strip()]
        self._plain = [_plain(text) for text in own]
        self._numbers = {_digits(text)[-10:] for text in own if len(_digits(text)) >= 7}

    def __contains__(self, piece: PersonalData) -> bool:
        plain = _plain(piece.text)
        if plain and any(plain in own for own in self._plain):
            return True
        digits = _digits(piece.text)  # "+57 310 555 1234" is "(310) 555-1234"
        return len(digits) >= 7 and digits[-10:] in self._numbers

    def theirs(self, text: str) -> list[PersonalData]:
        """The personal data in `text` that is not the company's own."""
        return [piece for piece in find_personal_data(text) if piece not in self]


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


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
    return _replace(text, Finder(words).occurrences(text))


def _replace(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with each span (sorted, not overlapping) replaced by the mark, in one pass."""
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts += (text[done:start], MASK)
        done = end
    parts.append(text[done:])
    return "".join(parts)
