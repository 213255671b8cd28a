"""Citizens' personal data (Ley 1581 de 2012): find it, and keep it out of public text and logs.

What counts here: cédula and other document numbers, account / contract / subscriber
numbers, phone numbers, e-mail addresses, street addresses and debt amounts. The patterns
are deliberately generous: masking a number that was not personal costs little; publishing
one that was costs a great deal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "[dato personal]"

_RADICADO = re.compile(r"\b20\d{2}-\d{6}\b")
_OURS = re.compile(
    r"\b20\d{2}-\d{6}\b"  # a radicado
    r"|\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\b"  # dates, times
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
"""Numbers that are not a person's: blanked out before looking (same length, spans kept)."""
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "correo",
        re.compile(
            r"(?i)[\w.+-]+\s*(?:@|\(at\)|\[at\]|\barroba\b)\s*[\w-]+"
            r"(?:\s*(?:\.|\(dot\)|\bpunto\b)\s*[\w-]+)+"
        ),
    ),
    (
        "cuenta o contrato",
        re.compile(
            r"(?i)\b(?:cuenta|contrato|suscriptor|matr[ií]cula|c[oó]digo|niu|referencia|ref|"
            r"n[uú]mero de cliente|cliente|predio|ficha catastral)\b"
            r"(?:\s+(?:es|la|el|de|mi|su|del|n[uú]mero|no\.?|n[°º]))*\W{0,3}(?:n[o°º]\.?\s*|#\s*)?"
            r"[\w-]*\d[\w-]*"
        ),
    ),
    (
        "documento",
        re.compile(
            r"(?i)\b(?:c\.?\s?c\.?|c[eé]dula|documento|nit|ti|pasaporte|ce)\b\W{0,3}"
            r"(?:n[o°º]\.?\s*)?\d[\d.\s-]{4,14}\d"
        ),
    ),
    (
        "dirección",
        re.compile(
            r"(?i)\b(?:calle|cl|cll|carrera|cra|kra|kr|cr|diagonal|dg|transversal|tv|trans|"
            r"avenida|av|manzana|mz|casa|apto|apartamento|lote|bloque|torre)\.?\s*"
            r"(?:[a-záéíóúñ]+\s+){0,3}"  # a street name: "Av. Boyacá 45-10"
            r"\d+(?:\s?[a-z](?![a-z°º.]))?(?:\s*bis)?(?:\s+(?:sur|norte|este|oeste))?"
            r"(?:\s*(?:#|n[o°º]\.?|no\.?|con|-)\s*\d+(?:\s?[a-z](?![a-z°º.]))?"
            r"(?:\s*-\s*\d+)?)?"
        ),
    ),
    (
        "teléfono",
        re.compile(
            r"(?<![\d-])(?:\+?57[\s-]?)?\(?(?:3\d{2}|60\d)\)?[\s.-]?\d{3}[\s.-]?\d{2}[\s.-]?\d{2}(?!\d)"
        ),
    ),
    (
        "valor",
        re.compile(
            r"(?i)\$\s?\d[\d.,]*(?:\s?(?:mil|millones?|pesos))?"
            r"|\b\d[\d.,]*\s?(?:mil|millones?|pesos|cop|lucas|palos)\b"
            r"|\b\d{1,3}(?:\.\d{3}){1,3}\b"
        ),
    ),
    ("número", re.compile(r"(?<![\d-])\d{6,12}(?![\d-])")),
    # Digits written apart to dodge filters: "3 1 0 5 5 5 1 2 3 4".
    ("número", re.compile(r"(?<![\w-])\d(?:[\s.-]\d){6,14}(?![\w-])")),
)


@dataclass(frozen=True)
class PersonalData:
    kind: str
    text: str


def find_personal_data(text: str) -> list[PersonalData]:
    """Every piece of personal data in `text`, as written (radicado numbers are not)."""
    cleaned = _OURS.sub(lambda found: " " * len(found.group(0)), text)
    found: list[PersonalData] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(cleaned):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            found.append(PersonalData(kind, text[start:end].strip()))
    return found


def has_personal_data(text: str) -> bool:
    return bool(find_personal_data(text))


def mask(text: str) -> str:
    """`text` with each piece of personal data replaced by a mark (for logs and public text)."""
    cleaned = _OURS.sub(lambda found: " " * len(found.group(0)), text)
    spans: list[tuple[int, int]] = []
    for _kind, pattern in _PATTERNS:
        for match in pattern.finditer(cleaned):
            start, end = match.span()
            if not any(start < other_end and other_start < end for other_start, other_end in spans):
                spans.append((start, end))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + MASK + text[end:]
    return text


def without(text: str, pieces: list[PersonalData]) -> str:
    """`text` with each of `pieces` (found in what the citizen wrote) taken out."""
    for piece in sorted(pieces, key=lambda item: len(item.text), reverse=True):
        if piece.text:
            text = text.replace(piece.text, MASK)
    return text
