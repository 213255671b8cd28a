"""Whether a text may be published: the one check every public reply passes, at every step.

The responder asks it when it drafts, a person's approval asks it (`replies review`,
`replies approve --texto`, `pqr answer`) and the send job asks it again just before the
network is called, so no path puts a citizen's personal data in public. What the company
publishes itself (its contacts, its service notices) is public already and does not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from conectados.privacy import OwnTexts, PersonalData
from conectados.spanish import spanish_list
from responders import service_notices
from responders.normalize import fold

KIND_NAMES = {
    "correo": "un correo electrónico",
    "cuenta o contrato": "un número de cuenta o de contrato",
    "documento": "un número de documento",
    "dirección": "una dirección",
    "teléfono": "un número de teléfono",
    "valor": "un valor de dinero",
    "número": "un número que puede ser personal",
}
HIDDEN = "•"
SHOWN = 3
"""Pieces of each kind shown in a message; the rest are counted."""


def masked(piece: str) -> str:
    """A piece of personal data fit to show: its first character and last two (of letters and
    digits) stay, so a person can find it in the text; the rest is hidden."""
    if len(piece) > 40:  # a run of digits pages long: its ends are enough to find it
        piece = f"{piece[:19]}…{piece[-20:]}"
    positions = [index for index, char in enumerate(piece) if char.isalnum()]
    keep = {positions[0], *positions[-2:]} if len(positions) > 5 else set()
    return "".join(
        char if not char.isalnum() or index in keep else HIDDEN for index, char in enumerate(piece)
    )


@dataclass(frozen=True)
class Exposure:
    """The personal data found in a text meant for the public."""

    pieces: tuple[PersonalData, ...]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(piece.kind for piece in self.pieces))

    def kinds_described(self) -> str:
        """ "un número de teléfono y una dirección": safe for logs and the database."""
        return spanish_list([KIND_NAMES.get(kind, kind) for kind in self.kinds])

    def described(self) -> str:
        """The kinds with each piece masked, for the person who wrote the text."""
        parts = []
        for kind in self.kinds:
            of_kind = [piece.text for piece in self.pieces if piece.kind == kind]
            shown = ", ".join(masked(text) for text in of_kind[:SHOWN])
            more = f" y {len(of_kind) - SHOWN} más" if len(of_kind) > SHOWN else ""
            parts.append(f"{KIND_NAMES.get(kind, kind)} ({shown}{more})")
        return spanish_list(parts)


class PublicText:
    """Decides whether a text may go out in public; `own` are texts the company publishes."""

    def __init__(self, own: Iterable[str] = ()) -> None:
        self._own = OwnTexts(own)

    def exposure(self, text: str) -> Exposure | None:
        """The personal data in `text` that is not the company's own, or None if it may go."""
        pieces = tuple(self._own.theirs(text))
        return Exposure(pieces) if pieces else None


def company_texts(company) -> list[str]:
    """What `[empresa]` says of the company: templates quote it, and it is public."""
    return [
        company.name,
        company.nit,
        *company.phones,
        company.whatsapp,
        company.email,
        company.address,
        company.office_hours,
        company.website,
        *company.payment_points,
    ]


def public_text_for(connection: sa.Connection, own: Iterable[str]) -> PublicText:
    """The check as it stands now: the company's texts and its open notices are its own. The one
    builder, for the responder's drafts, a person's approval and the send job, so the three
    agree on a text.

    Every notice not closed counts, not only those going on now: a reply drafted while a notice
    was current may be approved or sent after it ended, and must not be held back then for
    quoting it. A notice a person closed no longer counts."""
    return PublicText([*own, *service_notices.open_texts(connection)])


_PRIVATE_CHANNEL = ("por mensaje privado", "por mensaje interno", "por privado", "por interno")


def promises_private(text: str) -> bool:
    """Whether a public reply promises that we will write in private («le daremos razón por
    mensaje privado», «le escribimos por privado»), not that the citizen should («escríbanos
    por mensaje privado»): a verb of ours (…mos) among the three words before the channel."""
    folded = " ".join(fold(text).replace(",", " ").replace(".", " ").split())
    for channel in _PRIVATE_CHANNEL:
        start = folded.find(channel)
        while start != -1:
            before = folded[:start].split()[-3:]
            if any(word.endswith("mos") for word in before):
                return True
            start = folded.find(channel, start + 1)
    return False
