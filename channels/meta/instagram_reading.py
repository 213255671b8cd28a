"""Reading and answering on Instagram: comments on our media (polled, and by webhook), public
and private replies, hiding and Direct messages (the media's figures: instagram_figures.py).

`instagram_comment` and `instagram_message` turn a comment and a Direct message into an
`Incoming` however they came: the poll here and Meta's webhooks (`channels/meta/webhooks.py`)
both use them. Direct messages arrive only by webhook: Instagram's conversations API is not
polled (Meta recommends webhooks, and one poll of every conversation would cost more calls
than everything else together).

Sends follow the Instagram Platform's "Private Replies" page (Facebook Login): `POST
/{ig-user-id}/messages` on graph.facebook.com, the recipient a comment (`comment_id`) or a
person (`id`: their Instagram-scoped id). Meta's Messenger pages show the same Send API on
`/{page-id}/messages` with the Page's token; the account's id is used because it is the one
[channels.instagram] always has, and it keeps the Page's Messenger apart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from pyfacebook import GraphAPI
from pyfacebook.exceptions import FacebookError

from channels.base import (
    Attachment,
    Batch,
    ChannelError,
    Incoming,
    OutsideWindow,
    Receipt,
    Rejected,
    SetAside,
    Unreadable,
    citizen_text,
    readable_id,
    readable_text,
    required_id,
    written_time,
)
from channels.http import CountingSession, guarded
from channels.meta.graph import call_graph, graph_time, listed, next_link, next_query
from channels.meta.instagram_figures import InstagramFigures
from channels.polling import PollCursor, StreamCursor
from channels.specs import INSTAGRAM, WINDOW_MARGIN
from conectados.clock import Clock

log = logging.getLogger("channels.meta.instagram")

NAME = INSTAGRAM.name
MEDIA_PER_PAGE = 50
COMMENTS_PER_PAGE = 50
MAX_NAME = 1_000
AUTHOR_FIELDS = "from{id,username}"
COMMENT_FIELDS = f"id,text,timestamp,{AUTHOR_FIELDS},parent_id"
COMMENT_WITH_REPLIES = f"{COMMENT_FIELDS},replies.limit({COMMENTS_PER_PAGE}){{{COMMENT_FIELDS}}}"
PRIVATE_REPLY_WINDOW: timedelta = INSTAGRAM.private_reply_window  # type: ignore[assignment]
MAX_MESSAGE_BYTES = 1_000
"""Instagram Messaging: "Message text must be UTF-8 and be a 1000 bytes or less"."""
HUMAN_AGENT_WINDOW = timedelta(days=7)
"""Meta's HUMAN_AGENT tag: a person may answer up to 7 days after the citizen's message."""
PRIVATE_REPLY_USED_SUBCODE = 2534025
"""Not in Meta's pages: what is commonly reported when a comment's one private reply is
already used (code 10). Logged with Meta's words; never retried."""
PROFILE_FIELDS = "username"
"""The User Profile API of Instagram Messaging ("User Profile API" page): `GET /{IGSID}` with
the Page's token reads a person who has messaged the account. Only the username is asked:
the inbox shows @username, as for comments; no name, picture or follower count is kept."""
CONSENT_REQUIRED_CODE = 230
"""Meta's page gives the words ("User consent is required to access user profile": the
person never wrote to the account) but not the code; 230 is what is commonly reported. A
permission code by its number, it is about that one person, not about the account."""


def _name(value: Any) -> str:
    return readable_text(value[:MAX_NAME]) if isinstance(value, str) else ""


def profile_name(answer: Any) -> str:
    """The "@username" of a User Profile API answer ("" when it has none)."""
    username = _name(answer.get("username")) if isinstance(answer, dict) else ""
    return f"@{username}" if username else ""


def instagram_comment(
    remote_id: str,
    author: Any,
    text: Any,
    where: str,
    written_at: datetime,
    media_id: str,
    parent_id: str | None,
) -> Incoming:
    """A comment on one of our media, however it came (poll or webhook): one reading.
    `author` is Instagram's `from` ({id, username}); `where` names the text's field."""
    author = author if isinstance(author, dict) else {}
    username = _name(author.get("username"))
    return Incoming(
        network=NAME,
        kind="comment",
        remote_id=remote_id,
        author_id=readable_id(author.get("id")) or "",
        author_name=f"@{username}" if username else "",
        text=citizen_text(text, where),
        written_at=written_at,
        thread_id=media_id,
        parent_id=parent_id or media_id,
    )


def instagram_message(
    remote_id: str,
    igsid: str,
    text: str,
    written_at: datetime,
    attachments: tuple[Attachment, ...] = (),
) -> Incoming:
    """A citizen's Direct message to the account (it comes by webhook): one conversation per
    person, named by their Instagram-scoped id (IGSID)."""
    return Incoming(
        network=NAME,
        kind="message",
        remote_id=remote_id,
        author_id=igsid,
        author_name="",  # the messaging webhook does not say who
        text=text,
        written_at=written_at,
        thread_id=igsid,
        attachments=attachments,
    )


class InstagramReading(InstagramFigures):
    """The reading half of InstagramChannel (its client and `_call` are the channel's)."""

    name: str
    ig_user_id: str
    api: GraphAPI
    session: CountingSession
    clock: Clock
    comment_window: timedelta
    first_poll_lookback: timedelta
    _token: str
    _call: Callable[..., Any]
    _translate: Callable[[FacebookError], Exception]

    human_agent_tag: bool = False
    """Meta granted the app the Human Agent feature (App Review): a Direct message may be
    answered up to 7 days after the citizen wrote, tagged HUMAN_AGENT; off, only within 24
    hours ([channels.instagram] etiqueta_agente_humano)."""

    # --- reading -----------------------------------------------------------------------

    @guarded("Instagram")
    def poll(self, cursor: str | None) -> Batch:
        """New comments (and replies) on our media of the last `comment_window` days.

        One call lists the media with their `comments_count`; only a media whose count
        changed since the last poll has its comments read (one call, replies expanded, more
        only past 50). Instagram's comments have no time filter: the cursor skips what was
        handed on. Direct messages come by webhook only.
        """
        calls_before = self.session.calls
        state = PollCursor.load(cursor, self.clock.now() - self.first_poll_lookback)
        stream = state.stream("comments")
        known = state.value("counts")
        known = known if isinstance(known, dict) else {}
        counts: dict[str, int | None] = {}
        aside: list[SetAside] = []
        items: list[Incoming] = []
        for media_id, count in self._commented_media(aside):
            counts[media_id] = count
            if count == 0 or (count is not None and known.get(media_id) == count):
                continue  # nothing new under it
            items.extend(self._media_comments(media_id, stream, aside))
        state.set_value("counts", counts)
        return Batch(items, state.dump(), calls=self.session.calls - calls_before, set_aside=aside)

    def _commented_media(self, aside: list[SetAside]) -> Iterator[tuple[str, int | None]]:
        """(id, comments_count) of our media published within `comment_window`, newest first."""
        window_start = self.clock.now() - self.comment_window
        query: dict[str, Any] = {"fields": "id,timestamp,comments_count", "limit": MEDIA_PER_PAGE}
        while True:
            answer = self._call(self.api.get_connection, self.ig_user_id, "media", **query)
            for media in listed(answer.get("data", [])):
                media_id = readable_id(media.get("id")) if isinstance(media, dict) else None
                try:
                    published = graph_time(media["timestamp"])  # type: ignore[index]
                except (KeyError, TypeError, ValueError):
                    published = None
                if media_id is None or published is None:
                    aside.append(SetAside.of(
                        self.name, "comment",
                        "una publicación de Instagram llegó ilegible (sin id o sin fecha); sus "
                        "comentarios nuevos no se leyeron",
                        media, media_id,
                    ))  # fmt: skip
                    continue
                if published < window_start:
                    return  # newest first: the rest are older still
                count = media.get("comments_count")
                yield media_id, count if isinstance(count, int) else None
            next_page = next_link(answer)
            if not next_page:
                return
            query = next_query(next_page)

    def _media_comments(
        self, media_id: str, stream: StreamCursor, aside: list[SetAside]
    ) -> Iterator[Incoming]:
        query: dict[str, Any] = {"fields": COMMENT_WITH_REPLIES, "limit": COMMENTS_PER_PAGE}
        found: list[Incoming] = []
        while True:
            answer = self._call(self.api.get_connection, media_id, "comments", **query)
            for comment in listed(answer.get("data", [])):
                found.extend(self._read(comment, stream, media_id, aside))
                replies = comment.get("replies") if isinstance(comment, dict) else None
                if isinstance(replies, dict):
                    found.extend(self._replies(comment, replies, stream, media_id, aside))
            next_page = next_link(answer)
            if not next_page:
                break
            query = next_query(next_page)
        # Oldest first, as they were written (a reply after the comment it answers).
        return iter(sorted(found, key=lambda item: item.written_at))

    def _replies(
        self,
        comment: dict[str, Any],
        edge: dict[str, Any],
        stream: StreamCursor,
        media_id: str,
        aside: list[SetAside],
    ) -> Iterator[Incoming]:
        parent_id = readable_id(comment.get("id"))
        while True:
            for reply in listed(edge.get("data", [])):
                if isinstance(reply, dict) and parent_id and not reply.get("parent_id"):
                    reply = {**reply, "parent_id": parent_id}
                yield from self._read(reply, stream, media_id, aside)
            next_page = next_link(edge)
            if not next_page or parent_id is None:
                return
            edge = self._call(
                self.api.get_connection, parent_id, "replies", **next_query(next_page)
            )

    def _read(
        self, item: Any, stream: StreamCursor, media_id: str, aside: list[SetAside]
    ) -> Iterator[Incoming]:
        """A comment as an Incoming, unless it is ours or already handed on; one that
        cannot be read is set aside, and the others go on."""
        remote_id = readable_id(item.get("id")) if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise Unreadable("el elemento no es un objeto JSON")
            remote_id = required_id(item.get("id"), "id")
            try:
                written = graph_time(item["timestamp"])
            except (KeyError, TypeError, ValueError):
                raise Unreadable("timestamp falta o no es una fecha válida") from None
            written = written_time(written, self.clock.now(), "timestamp")
            author = item.get("from") if isinstance(item.get("from"), dict) else {}
            if str(author.get("id")) == self.ig_user_id or not stream.is_new(remote_id, written):
                return
            # Seen now: whatever is wrong below, it is set aside once, not every round.
            yield instagram_comment(
                remote_id, author, item.get("text"), "text", written, media_id,
                readable_id(item.get("parent_id")),
            )  # fmt: skip
        except (Unreadable, KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            reason = (
                exc.reason if isinstance(exc, Unreadable) else f"ilegible ({type(exc).__name__})"
            )
            aside.append(SetAside.of(
                self.name, "comment", f"comentario de Instagram apartado: {reason}", item,
                remote_id,
            ))  # fmt: skip
            log.warning("instagram: comentario apartado: %s", reason)

    def author_names(self, igsids: Sequence[str]) -> dict[str, str]:
        """The "@username" of the authors of Direct messages, by their IGSID (the messaging
        webhook gives only the id): one User Profile API call each, as Meta reads one person
        a call (the caller bounds how many).

        An id Meta refuses (the person never wrote to the account, blocked it, or no longer
        exists) or that has no username maps to "": asked, not named. When Meta stops
        answering (Transient, AuthFailed), the ids not asked yet are left out: they wait
        for a later round. Names are never logged."""
        names: dict[str, str] = {}
        for igsid in igsids:
            try:
                names[igsid] = self._author_name(igsid)
            except Rejected:
                names[igsid] = ""
            except ChannelError as error:
                log.warning("instagram: no se pudieron leer los nombres de los autores: %s", error)
                break
        refused = sum(1 for name in names.values() if not name)
        if refused:
            log.info("instagram: Meta no dio el nombre de %d autores de mensajes directos", refused)
        return names

    @guarded("Instagram")
    def _author_name(self, igsid: str) -> str:
        answer = call_graph(
            "Instagram", self._token, self._profile_refusal, self.api.get_object, igsid,
            fields=PROFILE_FIELDS,
        )  # fmt: skip
        return profile_name(answer)

    def _profile_refusal(self, error: FacebookError) -> Exception:
        """No consent to read this person's profile is about them only: Rejected (their
        number stays), never AuthFailed (which would say the account's token is wrong)."""
        if getattr(error, "code", None) == CONSENT_REQUIRED_CODE:
            return Rejected(
                "Instagram no da el perfil de una persona que no ha escrito un mensaje directo "
                f"a la cuenta (código {CONSENT_REQUIRED_CODE})"
            )
        return self._translate(error)

    # --- answering ---------------------------------------------------------------------

    @guarded("Instagram")
    def reply(self, to: Incoming, text: str, private: bool, by_person: bool = False) -> Receipt:
        """Answer a comment (in public under it, or once in private) or a Direct message.

        Direct: free text within 24 hours of the citizen's latest message; after that, with
        the HUMAN_AGENT tag up to 7 days when Meta granted it (`human_agent_tag`) and a person
        wrote or approved the text (`by_person`: Meta allows the tag for a person's answer
        only, never for the responder's own); otherwise OutsideWindow (a person decides).
        """
        now = self.clock.now()
        if (to.kind == "message" or private) and len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
            raise Rejected(
                f"Instagram admite mensajes directos de hasta {MAX_MESSAGE_BYTES} bytes (unos "
                f"{MAX_MESSAGE_BYTES} caracteres sin tildes); este tiene "
                f"{len(text.encode('utf-8'))}: acórtelo"
            )
        if to.kind == "message":
            extra = self._message_window(to, now, by_person)
            recipient: dict[str, str] = {"id": to.author_id}
        elif not private:
            answer = self._engage(
                self.api.post_object, to.remote_id, "replies", data={"message": text}
            )
            return Receipt(answer["id"], created_at=now)
        elif now - to.written_at > PRIVATE_REPLY_WINDOW:
            raise OutsideWindow(
                "Instagram solo permite responder en privado un comentario de los últimos 7 "
                "días; respóndalo en público o por otro canal"
            )
        else:
            recipient, extra = {"comment_id": to.remote_id}, {}
        answer = self._engage(
            self.api.post_object,
            self.ig_user_id,
            "messages",
            data={
                "recipient": json.dumps(recipient),
                "message": json.dumps({"text": text}, ensure_ascii=False),
                **extra,
            },
        )
        return Receipt(answer["message_id"], created_at=now)

    def _message_window(self, to: Incoming, now: datetime, by_person: bool) -> dict[str, str]:
        last = max(filter(None, (to.written_at, to.last_heard_at)))
        if INSTAGRAM.window_open(last, now):
            return {"messaging_type": "RESPONSE"}
        if not self.human_agent_tag:
            raise OutsideWindow(
                "pasaron más de 24 horas desde el último mensaje directo del ciudadano en "
                "Instagram y ya no acepta texto libre (la etiqueta de agente humano, hasta 7 "
                "días, requiere la aprobación de Meta: [channels.instagram] "
                "etiqueta_agente_humano); espere a que vuelva a escribir o comuníquese por otro "
                "medio"
            )
        if now - last >= HUMAN_AGENT_WINDOW - WINDOW_MARGIN:
            raise OutsideWindow(
                "pasaron más de 7 días desde el último mensaje directo del ciudadano en "
                "Instagram: ni con la etiqueta de agente humano se le puede escribir; espere "
                "a que vuelva a escribir o comuníquese por otro medio"
            )
        if not by_person:
            # The tag is for a person's answer: the responder's own never goes out with it.
            raise OutsideWindow(
                "pasaron más de 24 horas desde el último mensaje directo del ciudadano en "
                "Instagram: desde entonces solo una persona del equipo puede responderle (con "
                "la etiqueta de agente humano, hasta 7 días); revise el texto y apruébelo"
            )
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}

    @guarded("Instagram")
    def hide(self, item: Incoming) -> None:
        """Hide a comment on our media: only its author still sees it."""
        if item.kind != "comment":
            raise Rejected("Instagram solo permite ocultar comentarios en nuestras publicaciones")
        self._engage(self.api.post_object, item.remote_id, params={"hide": "true"})

    def _engage(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return call_graph("Instagram", self._token, self._refusal, method, *args, **kwargs)

    def _refusal(self, error: FacebookError) -> Exception:
        """Meta's refusal of a reply: a closed window goes back to a person (OutsideWindow);
        the rest as every Instagram call (Transient, Rejected, AuthFailed)."""
        code = getattr(error, "code", None)
        subcode = getattr(error, "error_subcode", None)
        if subcode in INSTAGRAM.window_closed_codes:
            return OutsideWindow(
                "Instagram no acepta el mensaje: está fuera de la ventana para responder (24 "
                "horas desde el último mensaje directo del ciudadano; 7 días para responder un "
                f"comentario en privado) (código {code}, subcódigo {subcode})"
            )
        if code == 10 and subcode == PRIVATE_REPLY_USED_SUBCODE:
            return Rejected(
                "Instagram ya recibió la respuesta privada a este comentario (solo permite "
                "una por comentario)"
            )
        return self._translate(error)
