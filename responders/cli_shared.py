"""What the `conectados replies` and `conectados pqr` commands both ask or show: who is
deciding, the citizen's message with its attachments, the protocols' names, and the office's
words for PQR types, channels and answer types.

Imported by every `replies` command, `list` included: rich, the protocols' catalogue (YAML,
Jinja2) and the PQR terms are imported by the function that needs them, not here.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from conectados.app import App
from conectados.errors import BadInput, ConectadosError
from conectados.terminal import SpanishChoice

if TYPE_CHECKING:
    from rich.console import Console

    from responders.models import Interaction
    from responders.protocols import Catalogue

USER_VARIABLE = "CONECTADOS_USUARIO"
MAX_NAME = 100
"""The columns that record who decided (`reply.reviewer`, `ticket.answered_by`...)."""


def reviewer_name(app: App) -> str:
    """Who is deciding: `CONECTADOS_USUARIO`, else the person behind sudo, else the login."""
    named = " ".join(app.environ.get(USER_VARIABLE, "").split())
    if named:
        if len(named) > MAX_NAME or not named.isprintable():
            raise BadInput(
                f"el nombre de quien decide debe ser texto de hasta {MAX_NAME} caracteres",
                USER_VARIABLE,
            )
        return named
    # Under sudo the login is root: the person is the one who typed sudo.
    behind_sudo = app.environ.get("SUDO_USER", "").strip()
    if behind_sudo and behind_sudo != "root":
        return behind_sudo[:MAX_NAME]
    return _login()[:MAX_NAME] or "equipo"


def catalogue_for(app: App) -> Catalogue:
    """The protocols: the shipped ones and those in the company's folder."""
    from responders.protocol_files import load_catalogue

    return load_catalogue(app.settings.protocols_dir)


def protocol_names(app: App) -> dict[str, str]:
    """Protocol id → its Spanish name, for lists; no names when the catalogue cannot be read
    (a broken protocol file is reported by `protocols list`, not by every list)."""
    try:
        return {protocol.id: protocol.name for protocol in catalogue_for(app)}
    except ConectadosError:
        return {}


def shortened(text: str, length: int) -> str:
    """`text` on one line, cut with «…» to `length` characters."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


MEDIA_NAMES = {
    "image": ("una foto", "véala"),
    "video": ("un video", "véalo"),
    "audio": ("una nota de voz", "escúchela"),
    "document": ("un documento", "véalo"),
    "sticker": ("un sticker", "véalo"),
}
FORMAT_NAMES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP", "mp4": "MP4",
                "pdf": "PDF", "ogg": "OGG", "mpeg": "MP3"}  # fmt: skip


def attachment_lines(interaction: Interaction) -> list[str]:
    """What the citizen attached, in words («una foto JPEG»), with the id the network keeps
    it under."""
    lines = []
    for attachment in interaction.attachments or []:
        what, see = MEDIA_NAMES.get(attachment.get("kind", ""), ("un archivo", "véalo"))
        media_id = attachment.get("media_id", "")
        subtype = attachment.get("mime_type", "").partition("/")[2].partition(";")[0]
        if subtype in FORMAT_NAMES:
            what = f"{what} {FORMAT_NAMES[subtype]}"
        lines.append(
            f"Adjuntó {what}"
            + (f" (id de medio {media_id})" if media_id else "")
            + f": {see} en la conversación de {interaction.network}."
        )
    return lines


def print_message(console: Console, interaction: Interaction) -> None:
    """Who wrote, what they wrote (never as markup) and what they attached."""
    from rich.panel import Panel
    from rich.text import Text

    console.print(Text(f"{interaction.author_name or interaction.author_id} escribió:"))
    console.print(Panel(Text(interaction.text or "(sin texto)")))
    if interaction.original_length:
        console.print(
            Text(
                f"Mensaje recortado: tenía {interaction.original_length} caracteres y se guardaron "
                f"{len(interaction.text)} (el máximo de {interaction.network}); léalo completo en "
                "la red."
            ),
            style="bold",
        )
    for line in attachment_lines(interaction):
        console.print(Text(line), style="bold")


def ticket_types() -> SpanishChoice:
    """--tipo as the office writes it: «petición», «reporte_daño» (without accents, or as
    «reporte de daño», it is the same type)."""
    from responders.terms import TicketType
    from responders.tickets import TYPE_NAMES

    return SpanishChoice(
        {
            TYPE_NAMES[kind].replace(" de ", "_").replace(" ", "_"): kind.value
            for kind in TicketType
        },
        {TYPE_NAMES[kind]: kind.value for kind in TicketType},
    )


def manual_channels() -> SpanishChoice:
    """--canal as the office writes it: «teléfono» or «telefono» are the same channel."""
    return SpanishChoice(
        {"teléfono": "telefono", "oficina": "oficina", "correo": "correo", "carta": "carta"}
    )


def answer_types() -> SpanishChoice:
    """--tipo-respuesta: the SUI's words, with or without accents, «_» or spaces."""
    from responders.sspd import RESPUESTAS

    return SpanishChoice(
        {key: key for key in RESPUESTAS}, {name: key for key, (_code, name) in RESPUESTAS.items()}
    )
