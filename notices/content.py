"""Calendar entries for WhatsApp: a due publication becomes a broadcast to the content
subscribers (one delivery each), once. The notifier calls `start_due` at the start of every
round; the publisher never sees these publications (it has no channel that publishes them)."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

import sqlalchemy as sa

from channels.media import MediaFile, kind_of, media_path
from channels.specs import broadcast_networks
from conectados.userfiles import UserFileError
from content_calendar.publications import Claimed, claim_broadcasts, name_broadcast
from notices import broadcasts
from notices.models import BroadcastKind, Purpose

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".3gp"})


def start_due(connection: sa.Connection, now: datetime, settings) -> int:
    """Turn the due WhatsApp publications into broadcasts, in the caller's transaction; how
    many were started. A publication another daemon took first is left alone."""
    started = 0
    for due in claim_broadcasts(connection, now, broadcast_networks()):
        header = _header(due, settings)
        broadcast_id, _ = broadcasts.create(
            connection,
            BroadcastKind.CONTENT,
            Purpose.CONTENT,
            None,
            _template(header, settings.notices),
            settings.notices.template_language,
            [due.text],
            now,
            network=due.network,
            header=header,
            publication_id=due.id,
            created_by="calendario",
        )
        name_broadcast(connection, due.id, f"difusion-{broadcast_id}")
        started += 1
    return started


def _template(header: dict | None, notices) -> str:
    if header is None:
        return notices.content_text_template
    if header["type"] == "video":
        return notices.content_video_template
    return notices.content_image_template


def _header(due: Claimed, settings) -> dict | None:
    """The template's media header: the post's one file, by what its bytes are (by its name
    when it cannot be read now: the notifier's upload will say why)."""
    if not due.media:
        return None
    name = due.media[0]
    try:
        kind = MediaFile.inspect(media_path(settings.media_dir, name)).kind
    except UserFileError:
        kind = None
    if kind is None:
        video = PurePosixPath(name.replace("\\", "/")).suffix.lower() in VIDEO_SUFFIXES
        kind = kind_of("video/mp4" if video else "image/jpeg")
    return {"type": kind, "path": name}
