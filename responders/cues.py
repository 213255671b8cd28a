"""Complaint cues: what makes a message a complaint whatever frequent question it also asks.

A petition answered with a template and no radicado is a legal liability (Ley 142 de 1994,
art. 158: unanswered in 15 business days, it is granted). So a message that threatens or
announces a legal action, asks for money back or a compensation, says an earlier case is
unresolved or past its term, blames the company or its staff for a damage or a mistreatment,
or tells of vulnerable people without water, is never answered alone (see `responders.policy`).

Each family is a list of terms over the message's folded words (`normalize.words_of`: no
accents, repeated letters and abbreviations undone, stop words kept). A term is a few words
in order, at most one other word between two of them; a word ending in `*` is a prefix
(`tutel*`: tutela, tutelas, tutelar). Some terms count alone; others (`anchors`) only with a
`context` term near them (`derecho de petición` is a complaint next to `voy a` or `puse`, not
in "¿cómo se pone un derecho de petición?"). Matching looks at each word once against
indexes of fixed size: linear in the length of the message, with no regular expression.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from responders.cue_words import FAMILIES, VULNERABLE_NEAR_OUTAGE, Family
from responders.normalize import words_of

WORDS_REMEMBERED = 20_000
"""Words whose candidate terms are kept between messages (then the cache starts over)."""
LONGEST_REMEMBERED = 40
"""Longer words are looked up each time: the cache stays small whatever citizens write."""
Token = tuple[str, bool]
"""A folded word and whether it is a prefix."""


@dataclass(frozen=True)
class Term:
    phrase: str
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Cue:
    family: Family
    phrase: str
    """The words of the message that matched, folded."""

    def __str__(self) -> str:
        return f"{self.family.name} («{self.phrase}»)"


def _term(phrase: str) -> Term:
    tokens: list[Token] = []
    for raw in phrase.split():
        prefix = raw.endswith("*")
        words = words_of(raw.rstrip("*"))
        for index, word in enumerate(words):
            tokens.append((word, prefix and index == len(words) - 1))
    return Term(phrase, tuple(tokens))


class _TermIndex:
    """Terms by their first word (exact or prefix): each word of a message is looked up once
    per prefix length, a number fixed by the terms, not by the message."""

    def __init__(self, terms: list[tuple[int, Term]]) -> None:
        self.exact: dict[str, list[tuple[int, Term]]] = defaultdict(list)
        self.prefixes: dict[str, list[tuple[int, Term]]] = defaultdict(list)
        for slot, term in terms:
            word, prefix = term.tokens[0]
            (self.prefixes if prefix else self.exact)[word].append((slot, term))
        self.lengths = sorted({len(word) for word in self.prefixes})
        self._starting: dict[str, _Starting] = {}

    def _candidates(self, word: str) -> _Starting:
        """The terms whose first word is `word` or a prefix of it, grouped by what must come
        next (`_Starting`); remembered per word (a bounded cache: messages share most of
        their words)."""
        known = self._starting.get(word)
        if known is not None:
            return known
        candidates = list(self.exact.get(word, ()))
        for length in self.lengths:
            if length > len(word):
                break
            candidates.extend(self.prefixes.get(word[:length], ()))
        starting = _Starting()
        for order, (slot, term) in enumerate(candidates):
            if len(term.tokens) == 1:
                starting.single.append((order, slot, term))
                continue
            second, prefix = term.tokens[1]
            if prefix:
                starting.other.append((order, slot, term))
            else:
                starting.by_second.setdefault(second, []).append((order, slot, term))
        starting.empty = not (starting.single or starting.by_second or starting.other)
        if len(word) <= LONGEST_REMEMBERED:
            if len(self._starting) >= WORDS_REMEMBERED:
                self._starting.clear()
            self._starting[word] = starting
        return starting

    def starting_at(self, words: tuple[str, ...], position: int) -> list[tuple[int, Term, int]]:
        """(slot, term, position of its last word) for each term found starting here, in
        the order of the index (exact first word, then prefixes, shortest first)."""
        starting = self._candidates(words[position])
        if starting.empty:
            return []  # most words start no term
        found = [(order, slot, term, position) for order, slot, term in starting.single]
        # A term of several words can go on only with one of the next two words.
        tried = list(starting.other)
        following = words[position + 1 : position + 3]
        for number, second in enumerate(following):
            if number == 1 and second == following[0]:
                break
            tried.extend(starting.by_second.get(second, ()))
        for order, slot, term in tried:
            end = _follows(words, position, term.tokens)
            if end is not None:
                found.append((order, slot, term, end))
        if len(found) > 1:
            found.sort(key=lambda item: item[0])
        return [(slot, term, end) for _, slot, term, end in found]


@dataclass
class _Starting:
    """The terms that may start at a word: of one word; of several, by their second word
    when it is exact; and those whose second word is a prefix."""

    single: list[tuple[int, int, Term]] = field(default_factory=list)
    by_second: dict[str, list[tuple[int, int, Term]]] = field(default_factory=dict)
    other: list[tuple[int, int, Term]] = field(default_factory=list)
    empty: bool = False


def _same(word: str, token: Token) -> bool:
    wanted, prefix = token
    return word.startswith(wanted) if prefix else word == wanted


def _follows(words: tuple[str, ...], position: int, tokens: tuple[Token, ...]) -> int | None:
    at = position
    for token in tokens[1:]:
        if at + 1 < len(words) and _same(words[at + 1], token):
            at += 1
        elif at + 2 < len(words) and _same(words[at + 2], token):
            at += 2
        else:
            return None
    return at


ALONE, ANCHOR, CONTEXT = 0, 1, 2

TERM_DAYS = 21
"""15 business days (Ley 142, art. 158), in calendar days: a case older than this is overdue."""
_NUMBERS = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "quince": 15, "veinte": 20, "treinta": 30,
    "cuarenta": 40, "varios": 3, "varias": 3, "muchos": 4, "muchas": 4,
}  # fmt: skip
_UNITS = {
    "dia": 1, "dias": 1, "semana": 7, "semanas": 7, "mes": 30, "meses": 30,
    "año": 365, "años": 365, "ano": 365, "anos": 365,
}  # fmt: skip
_SINCE = {"hace", "van", "vamos", "llevo", "lleva", "llevamos", "desde"}
"""Words that date a case before a count of years ("hace 2 años", "ya van 2 años")."""
_CASE_PREFIXES = (
    "radic", "reclam", "quej", "petic", "pqr", "solicit", "caso", "tramit", "report", "denunci",
    "derecho", "llamand", "escribiend", "insist",
)  # fmt: skip
OVERDUE = Family("caso anterior sin resolver o vencido")


def overdue_case(words: tuple[str, ...]) -> str | None:
    """An earlier case named with an age past the legal term ("puse un reclamo hace 2 meses",
    "radicado ... ya van 20 días hábiles"). Looks at each word and the two before it."""
    if not any(word.startswith(_CASE_PREFIXES) for word in words):
        return None
    for position, word in enumerate(words):
        unit = _UNITS.get(word)
        if unit is None or position == 0:
            continue
        before = words[position - 1]
        count = int(before) if before.isdigit() and len(before) <= 4 else _NUMBERS.get(before)
        if count is None:
            continue
        if unit == 365 and not _SINCE.intersection(words[max(0, position - 4) : position - 1]):
            continue  # "mi papá tiene 82 años" is a person's age; "hace 2 años" is the case's
        business = position + 1 < len(words) and words[position + 1] == "habiles"
        days = count * unit * (7 / 5 if business else 1)
        if days >= TERM_DAYS:
            return " ".join(words[position - 1 : position + 2 if business else position + 1])
    return None


ELDERLY_AGE = 60
"""Adulto mayor in Colombia (Ley 1251 de 2008)."""
_TENS = {"sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90, "cien": 100}
_HAS_AGE = {"tiene", "tienen", "tengo", "de", "con", "cumplio", "cumple", "ya"}


def elderly_age(words: tuple[str, ...]) -> str | None:
    """Someone said to be old by age ("mi mamá tiene 90 años", "una señora de 80 años")."""
    for position in range(2, len(words)):
        if words[position] not in ("años", "anos") or words[position - 2] not in _HAS_AGE:
            continue
        before = words[position - 1]
        age = int(before) if before.isdigit() and len(before) <= 3 else _TENS.get(before)
        if age is not None and age >= ELDERLY_AGE:
            return " ".join(words[position - 2 : position + 1])
    return None


class CueFinder:
    def __init__(self, families: tuple[Family, ...] = FAMILIES) -> None:
        self.families = families
        terms: list[tuple[int, Term]] = []
        for number, family in enumerate(families):
            for kind, phrases in ((ALONE, family.alone), (ANCHOR, family.anchors),
                                  (CONTEXT, family.context)):  # fmt: skip
                terms.extend((number * 3 + kind, _term(phrase)) for phrase in phrases)
        self.index = _TermIndex(terms)

    def find(self, words: tuple[str, ...]) -> tuple[Cue, ...]:
        """The first cue of each family found in the message's folded words."""
        alone: dict[int, str] = {}
        anchors: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        contexts: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for position in range(len(words)):
            for slot, _, end in self.index.starting_at(words, position):
                number, kind = divmod(slot, 3)
                if kind == ALONE:
                    if position and words[position - 1] in self.families[number].not_after:
                        continue  # "se me dañó" (it broke), not "me dañó" (they broke it)
                    alone.setdefault(number, " ".join(words[position : end + 1]))
                elif kind == ANCHOR:
                    anchors[number].append((position, end, " ".join(words[position : end + 1])))
                else:
                    contexts[number].append((position, end, " ".join(words[position : end + 1])))
        cues: dict[str, Cue] = {}
        overdue = overdue_case(words)
        if overdue:
            cues[OVERDUE.name] = Cue(OVERDUE, overdue)
        for number, family in enumerate(self.families):
            if family.anchors and not family.context:
                phrase = anchors[number][0][2] if anchors[number] else None  # named at all
            else:
                phrase = alone.get(number) or _near(family, anchors[number], contexts[number])
            if phrase and family.name not in cues:
                cues[family.name] = Cue(family, phrase)
        age = elderly_age(words) if VULNERABLE_NEAR_OUTAGE in self.families else None
        if age and VULNERABLE_NEAR_OUTAGE.name not in cues:
            cues[VULNERABLE_NEAR_OUTAGE.name] = Cue(VULNERABLE_NEAR_OUTAGE, age)
        return tuple(cues.values())


def _near(
    family: Family, anchors: list[tuple[int, int, str]], contexts: list[tuple[int, int, str]]
) -> str | None:
    """The first anchor with a context term within the family's window (both lists are in
    the order of the message: one pass over each)."""
    if not anchors or not contexts:
        return None
    pointer = 0
    for start, end, phrase in anchors:
        # Context terms that end too far before this anchor can serve no later anchor either.
        while pointer < len(contexts) and contexts[pointer][1] < start - family.window:
            pointer += 1
        scan = pointer
        while scan < len(contexts) and contexts[scan][0] <= end + family.window:
            context_start, context_end, context = contexts[scan]
            overlaps = context_start <= end and context_end >= start
            if (
                not overlaps
                and (not family.ordered or context_start > end)
                and (not family.context_first or context_end < start)
            ):
                return f"{phrase} … {context}" if context_start > end else f"{context} … {phrase}"
            scan += 1
    return None


_FINDER = CueFinder()


def complaint_cues(words: tuple[str, ...]) -> tuple[Cue, ...]:
    """The cues in a message's folded words (`Normalized.words`)."""
    return _FINDER.find(words)
