"""Spanish social-media text, reduced to what the matcher compares: stems without noise.

"Buenassss, xq no hay aguaaa en el Centro?? 😡" -> stems of "buenas porque no hay agua centro".
Case, accents, repeated letters, emoji, punctuation and common abbreviations are undone; stop
words go; every word becomes its Snowball Spanish stem (offline, deterministic). The text is
only ever read: nothing in it is executed or rendered.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

ABBREVIATIONS = {
    "q": "que",
    "k": "que",
    "ke": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "x": "por",
    "porfa": "por favor",
    "porfis": "por favor",
    "xfa": "por favor",
    "xfavor": "por favor",
    "plis": "por favor",
    "pls": "por favor",
    "uds": "ustedes",
    "ud": "usted",
    "tb": "tambien",
    "tmb": "tambien",
    "tbn": "tambien",
    "dnd": "donde",
    "d": "de",
    "msj": "mensaje",
    "info": "informacion",
    "tel": "telefono",
    "cel": "celular",
    "hrs": "horas",
    "hr": "hora",
    "min": "minutos",
    "bn": "bien",
    "pa": "para",
    "nd": "nada",
    "cdo": "cuando",
    "qdo": "cuando",
    "toy": "estoy",
    "tamos": "estamos",
    "sr": "senor",
    "sra": "senora",
    "rad": "radicado",
    "fact": "factura",
    "ptar": "planta",
}

STOP_WORDS = frozenset(
    [
        "a",
        "al",
        "algo",
        "algun",
        "alguna",
        "alguno",
        "ante",
        "asi",
        "aun",
        "con",
        "contra",
        "de",
        "del",
        "desde",
        "e",
        "el",
        "ella",
        "ellas",
        "ellos",
        "en",
        "entre",
        "era",
        "es",
        "esa",
        "ese",
        "eso",
        "esta",
        "estas",
        "este",
        "esto",
        "estos",
        "fue",
        "ha",
        "han",
        "he",
        "la",
        "las",
        "le",
        "les",
        "lo",
        "los",
        "me",
        "mi",
        "mis",
        "muy",
        "nos",
        "nuestra",
        "nuestro",
        "o",
        "os",
        "para",
        "pero",
        "por",
        "que",
        "quien",
        "se",
        "si",
        "su",
        "sus",
        "te",
        "ti",
        "tu",
        "tus",
        "u",
        "un",
        "una",
        "uno",
        "unos",
        "unas",
        "y",
        "yo",
        "usted",
        "ustedes",
        "vos",
    ]
)
"""Words that say nothing about the topic. Not here on purpose: no, sin, ya, hay, cuando,
donde, como, cuanto (they carry the question)."""

_STEMMER = snowballstemmer.stemmer("spanish")
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}|\$\{")
_HTML = re.compile(r"<\s*+/?\s*+[a-zA-Z][^<>]{0,500}+>")  # bounded: "<a<a<a…" stays linear
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"[@#]\w+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_DOUBLE_VOWEL = re.compile(r"([aeiou])\1+")
_WORD = re.compile(r"[a-z0-9ñ]+")
_LAUGH = re.compile(r"[😂🤣😆😹]|\b(?:ja){2,}\w*|\b(?:je){2,}\w*|\bjsjs\w*|\blol\b")
_RADICADO = re.compile(r"\b(20\d{2})\s*+[-/ ]?\s*+(\d{3,6})\b")  # possessive: no backtracking


@dataclass(frozen=True)
class Normalized:
    """A message as the matcher sees it."""

    words: tuple[str, ...]
    """Lower-case, accent-free words, abbreviations expanded, stop words kept."""
    stems: tuple[str, ...]
    """The stems of the words that carry meaning, in order."""
    has_template_syntax: bool = False
    has_html: bool = False
    has_link: bool = False
    laughs: bool = False
    """😂, «jajaja»: a joke or irony more often than a question."""

    @property
    def empty(self) -> bool:
        return not self.stems


SHORT_TEXT = 40
"""Texts up to this long (a word, a name) are folded once and remembered: they repeat."""


def fold(text: str) -> str:
    """Lower case without accents (ñ kept apart: "año" is not "ano")."""
    return _fold_short(text) if len(text) <= SHORT_TEXT else _fold(text)


@lru_cache(maxsize=20_000)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    text = text.lower().replace("ñ", "\0")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return stripped.replace("\0", "ñ")


STEM_EXCEPTIONS = {"contrato": "contrato", "contratos": "contrato"}
"""Words the stemmer would merge with another of a different meaning: an account's contract
number is not a contractor ("contratista"), whom the complaint protocol names."""


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return STEM_EXCEPTIONS.get(word) or _STEMMER.stemWord(word)


def words_of(text: str) -> list[str]:
    """The words of `text`, folded, with repeated letters and abbreviations undone."""
    folded = fold(_MENTION.sub(" ", _URL.sub(" ", text)))
    folded = _REPEATS.sub(r"\1", folded)  # "aguaaaa" -> "agua"; "llamar" keeps its "ll"
    words: list[str] = []
    for word in _WORD.findall(folded):
        if not word.isdigit():
            word = _DOUBLE_VOWEL.sub(r"\1", word) if len(word) > 3 else word  # "buenoo"
        words.extend(ABBREVIATIONS.get(word, word).split())
    return words


def stems_of(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(stem(word) for word in words if word not in STOP_WORDS and not word.isdigit())


RADICADO_WORD = "radicadoescrito"
"""Stands for a radicado number in the text; protocols may use it as a key."""


def normalize(text: str) -> Normalized:
    words = words_of(text)
    if _RADICADO.search(text):
        words.append(RADICADO_WORD)
    return Normalized(
        words=tuple(words),
        stems=stems_of(words),
        has_template_syntax=bool(_TEMPLATE_SYNTAX.search(text)),
        has_html=bool(_HTML.search(text)),
        has_link=bool(_URL.search(text)),
        laughs=bool(_LAUGH.search(text.lower())),
    )


def radicado_in(text: str) -> str | None:
    """A radicado number the citizen quotes ("2026-001234", "rad 2026001234"), as we write it."""
    found = _RADICADO.search(text)
    if found is None:
        return None
    return f"{found.group(1)}-{int(found.group(2)):06d}"
