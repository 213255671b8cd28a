"""What a reply template sees: the company's values, the greeting's name, and the notices
and sector a citizen's words point at (taken as values, never as text to repeat)."""

from __future__ import annotations

import re
from typing import Any

from conectados.privacy import has_personal_data
from responders.normalize import fold, radicado_in

_SECTOR = re.compile(
    r"\b(barrio|sector|vereda|urbanizacion|urb|conjunto|corregimiento)\.?\s+([a-z0-9ñ][a-z0-9ñ ]{0,40})"
)
_SECTOR_END = {
    "desde", "hace", "hoy", "ayer", "y", "no", "sin", "que", "por", "con", "en", "de", "del",
    "ya", "porque", "pero", "esta", "estamos", "hay", "se", "me", "nos", "la", "el", "los",
    "las", "a", "todo", "toda", "otra", "vez", "cuando", "donde", "un", "una", "tambien",
}  # fmt: skip


_SECTOR_INSIDE = {"de", "del", "la", "el", "los", "las", "san", "santa"}


def sector_named(text: str) -> str:
    """The barrio, sector or vereda the citizen names ("barrio La Libertad" -> "La Libertad").

    Only ever compared with our own notices: what a citizen writes is not echoed back.
    """
    folded = fold(text)
    for found in _SECTOR.finditer(folded):
        words: list[str] = []
        for word in found.group(2).split():
            if len(words) == 4 or (word in _SECTOR_END and word not in _SECTOR_INSIDE):
                break
            words.append(word)
        while words and words[-1] in _SECTOR_INSIDE:
            words.pop()
        if not words:
            continue
        name = " ".join(words)
        if name.isdigit():  # "sector 4": the number alone would match "sector 14"
            name = f"{found.group(1)} {name}"
        return name.title()
    return ""


GENERAL_NOTICE = re.compile(
    r"\b(todo el municipio|toda la ciudad|todo el pueblo|todos los sectores|general|"
    r"todo el casco urbano|toda el area urbana|municipio)\b"
)


def sector_matches(notice_sector: str, sector: str) -> bool:
    """The notice covers the sector the citizen named: same words (as whole words), or the
    notice is for the whole town."""
    notice = fold(notice_sector)
    if GENERAL_NOTICE.search(notice):
        return True
    notice_words = _meaningful(notice)
    named = _meaningful(fold(sector))
    if not notice_words or not named:
        return False
    return named <= notice_words or notice_words <= named


_SECTOR_KINDS = {"barrio", "sector", "vereda", "urbanizacion", "urb", "conjunto", "corregimiento"}
_ARTICLES = {"de", "del", "la", "el", "los", "las"}


def _meaningful(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9ñ]+", text)) - _SECTOR_KINDS - _ARTICLES


_ALTERNATIVES = re.compile(r"\s*(?:[,;/]|\by\b)\s*")


def _sector_names(notice_sector: str) -> list[tuple[str, ...]]:
    """The names a notice goes by, as words to find in a message: «Barrio La Ceiba / Ceiba
    Alta» has two; «Sector 4» keeps «sector» (a bare 4 is any number)."""
    names = []
    for alias in _ALTERNATIVES.split(fold(notice_sector)):
        words = [word for word in re.findall(r"[a-z0-9ñ]+", alias) if word not in _ARTICLES]
        meaningful = tuple(word for word in words if word not in _SECTOR_KINDS)
        if meaningful and all(word.isdigit() for word in meaningful):
            meaningful = tuple(words)
        if meaningful:
            names.append(meaningful)
    return names


def _contains(words: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """`name` appears in `words` as consecutive words (looked up from each occurrence of its
    first word: linear in the message for a name of a few words)."""
    size = len(name)
    return any(
        words[index : index + size] == name for index, word in enumerate(words) if word == name[0]
    )


def _message_words(text: str) -> tuple[str, ...]:
    return tuple(word for word in re.findall(r"[a-z0-9ñ]+", fold(text)) if word not in _ARTICLES)


_PLACE_AFTER = {"en", "del", "de"}
_PLACE_ARTICLES = {"el", "la", "los", "las"}


def place_named(text: str) -> bool:
    """Whether the citizen names a place by a capitalised name after «en» («sin agua en La
    Ceiba», «en Las Ferias»): one pass over the words, no backtracking."""
    words = text.split()
    for index, word in enumerate(words[:-1]):
        if fold(word.strip("¿¡,.;:!?()\"'«»")) not in _PLACE_AFTER:
            continue
        following = words[index + 1].strip("¿¡,.;:!?()\"'«»")
        if following.lower() in _PLACE_ARTICLES and index + 2 < len(words):
            following = words[index + 2].strip("¿¡,.;:!?()\"'«»")
        if following[:1].isupper() and following[1:2].islower():
            return True
    return False


def notices_named(text: str, notices: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The notices a message may be told about, and the sector it names (from our notice).

    - it names the sector of some notices: those, with town-wide ones;
    - it names a place no notice covers («barrio Las Palmas», «en La Ceiba»): only town-wide
      notices (another sector's outage is not the citizen's answer);
    - it names no place: every notice in force, and the reply asks for the sector.
    """
    words = _message_words(text)
    named_sector = sector_named(text)
    town_wide = [notice for notice in notices if GENERAL_NOTICE.search(fold(notice["sector"]))]
    named = [
        notice
        for notice in notices
        if notice not in town_wide
        and (
            any(_contains(words, name) for name in _sector_names(notice["sector"]))
            or (named_sector and sector_matches(notice["sector"], named_sector))
        )
    ]
    if named:
        return [notice for notice in notices if notice in named or notice in town_wide], named[0][
            "sector"
        ]
    if named_sector or place_named(text):
        return town_wide, ""
    return notices, ""


_NAME_JUNK = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|[^\w\s.'-]|\d", re.UNICODE)


def clean_author(name: str) -> str:
    """A display name fit to greet someone in public: letters only, at most three words.

    Links, @mentions, numbers (a phone in the name) and symbols are dropped; a name that is
    mostly those, or that carries personal data, is not used at all.
    """
    if re.search(r"https?://|www\.|@", name):  # an account that advertises: no greeting
        return ""
    cleaned = " ".join(_NAME_JUNK.sub(" ", name).split()[:3]).strip(" .'-")
    if len(cleaned) < 2 or len(cleaned) > 40:
        return ""
    # Cleaning can assemble what the name hid ("ana arroba💰gmail.com" -> an e-mail).
    if has_personal_data(name) or has_personal_data(cleaned):
        return ""
    return cleaned


def template_context(
    company: dict[str, Any],
    author: str,
    notices: list[dict[str, Any]],
    text: str,
    network: str,
    channel: str,
    radicado: str = "",
    due: str = "",
    attachments: int = 0,
) -> dict[str, Any]:
    """Every variable a template may use (see `responders.protocols.VARIABLES`).

    `text` is what the citizen wrote: only the sector and a radicado number are taken from
    it, as values. `radicado` (a ticket just filed) wins over a number the citizen quotes.
    """
    # The sector's name comes from our notice, never from the citizen's words.
    notices, sector = notices_named(text, notices)
    radicado = radicado or radicado_in(text) or ""
    return {
        "autor": clean_author(author),
        "empresa": company,
        "avisos": notices,
        "sector": sector,
        "radicado": radicado,
        "fecha_limite": due,
        "estado": "",
        "red": network,
        "canal": channel,
        "adjuntos": attachments,
    }


def company_values(settings) -> dict[str, Any]:
    """The `[empresa]` section as templates see it."""
    company = settings.company
    return {
        "nombre": company.name,
        "telefono": company.phones[0] if company.phones else "",
        "telefonos": list(company.phones),
        "whatsapp": company.whatsapp,
        "correo": company.email,
        "direccion": company.address,
        "horario": company.office_hours,
        "web": company.website,
        "puntos_pago": list(company.payment_points),
    }
