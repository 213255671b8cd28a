"""The emulated Facebook Page: its posts, comments, Messenger conversations and figures."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from channels.sandbox.world import NetworkWorld, PersonIds
from conectados.clock import Clock

PAGE_ID = "100000000000001"
PAGE_NAME = "Acueducto de Ejemplo"
APP_ID = "100000000000777"
"""The Meta app the simulator knows (the Resumable Upload API opens sessions on it)."""
PAGE_INBOX_APP_ID = "263902037430900"
"""The app id Meta gives the Page inbox in the handover protocol (Pass Thread Control page):
the simulator's "other app" that can own a Messenger conversation."""


def graph_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Person:
    id: str
    name: str


@dataclass
class Comment:
    id: str
    post_id: str
    parent_id: str | None
    author: Person
    message: str
    created: datetime
    private_reply_sent: bool = False
    is_hidden: bool = False


@dataclass
class Post:
    id: str
    message: str
    created: datetime
    media: list[dict[str, Any]] = field(default_factory=list)
    published: bool = True
    processing: bool = False
    """A video's post: out in published_posts only once the world's processing time passed."""
    comments: list[Comment] = field(default_factory=list)
    shares: int = 0
    reactions: int = 0

    @property
    def permalink_url(self) -> str:
        return f"https://www.facebook.com/{self.id.replace('_', '/posts/')}"


@dataclass
class Message:
    id: str
    author: Person
    text: str
    created: datetime
    attachments: list[dict[str, Any]] = field(default_factory=list)
    """Files the citizen sent: id, type (image, video, audio, document), mime_type, name,
    size and url (where Meta's CDN serves it)."""


@dataclass
class Conversation:
    id: str
    citizen: Person
    messages: list[Message] = field(default_factory=list)

    @property
    def updated(self) -> datetime:
        return self.messages[-1].created


class FacebookWorld(NetworkWorld):
    """One Facebook Page with its posts, comments, Messenger conversations and insights."""

    name = "facebook"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.page = Person(PAGE_ID, PAGE_NAME)
        self.posts: dict[str, Post] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, Comment] = {}
        self.videos: dict[str, Post] = {}
        self.uploads: dict[str, Any] = {}
        """Video uploads in progress or done, by video id or upload session id
        (graph_video.py): counted and hashed as they arrive, never kept."""
        self.upload_rate: float | None = None
        """Bytes a second the simulator reads uploads at (None: as fast as they come); tests
        slow it down to stop a daemon mid-upload."""
        self.video_processing_seconds = 0.0
        """How long an uploaded video takes to process (0: at once): until then it is listed
        under GET /{page}/videos but not in published_posts, and a Reel is not published."""
        self.bytes_received = 0
        """Every upload byte received, resent ones included (what a resume saves shows here)."""
        self.conversations: dict[str, Conversation] = {}
        self.other_owner: set[str] = set()
        """PSIDs whose conversation another app owns (Messenger handover protocol): the
        control API marks them with "owner": "otra"; not kept in the saved world."""
        self.replies: list[dict[str, Any]] = []
        self.people = PersonIds(base=7000000000000000, span=10**15)  # 16 digits, like Meta's

    def ready(self, post: Post) -> bool:
        """A post is out: not a video still processing."""
        if not post.processing:
            return True
        return self.now() >= post.created + timedelta(seconds=self.video_processing_seconds)

    def new_id(self) -> str:
        return str(200000000000000 + self.next_number())

    def person(self, name: str) -> Person:
        return Person(self.people.id_for(name), name)

    def add_post(self, message: str, created: datetime, media: list[dict] | None = None) -> Post:
        post = Post(f"{PAGE_ID}_{self.new_id()}", message, created, media or [])
        seed = random.Random(post.id)
        post.shares = seed.randint(0, 5)
        post.reactions = seed.randint(0, 40)
        self.posts[post.id] = post
        return post

    def add_comment(
        self, post: Post, author: Person, message: str, created: datetime, parent: str | None
    ) -> Comment:
        local = post.id.split("_", 1)[1]
        comment = Comment(f"{local}_{self.new_id()}", post.id, parent, author, message, created)
        post.comments.append(comment)
        self.comments[comment.id] = comment
        return comment

    def add_message(
        self,
        citizen: Person,
        author: Person,
        text: str,
        created: datetime,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Message:
        conversation = self.conversations.get(citizen.id)
        if conversation is None:
            conversation = Conversation(f"t_{self.new_id()}", citizen)
            self.conversations[citizen.id] = conversation
        message = Message(f"m_{self.new_id()}", author, text, created, attachments or [])
        conversation.messages.append(message)
        return message

    def new_attachment(self, kind: str, mime_type: str) -> dict[str, Any]:
        """A file a citizen sends on Messenger, where Meta's CDN would serve it."""
        number = self.new_id()
        extension = mime_type.rsplit("/", 1)[1]
        return {
            "id": number,
            "type": kind,
            "mime_type": mime_type,
            "name": f"{kind}-{number}.{extension}",
            "size": 54542,
            "url": f"https://scontent.xx.fbcdn.net/v/t1.15752-9/{number}_n.{extension}",
        }

    def thread_owner(self, psid: str) -> str:
        """The app that owns the conversation with `psid`: ours unless marked otherwise."""
        return PAGE_INBOX_APP_ID if psid in self.other_owner else APP_ID

    def citizen_item(
        self,
        kind: str,
        text: str,
        author: str,
        on: str | None,
        at: datetime,
        media: tuple[str, str] | None = None,
        owner: str | None = None,
    ) -> dict:
        """Control API: a citizen comments on a post or writes to the page's inbox (with a
        file when `media` is given: its kind and MIME type). `owner` ("otra" or "nuestra"):
        which app owns that Messenger conversation from now on (handover protocol)."""
        person = self.person(author)
        if kind == "message":
            if not text and media is None:
                raise ValueError("un mensaje de Messenger necesita «text» o «media»")
            files = [self.new_attachment(*media)] if media else []
            message = self.add_message(person, person, text, at, files)
            if owner == "otra":
                self.other_owner.add(person.id)
            elif owner == "nuestra":
                self.other_owner.discard(person.id)
            return {"id": message.id, "from": {"id": person.id, "name": person.name}}
        if owner is not None:
            raise ValueError("en facebook solo los mensajes (kind message) llevan «owner»")
        if media is not None:
            raise ValueError("en facebook solo los mensajes (kind message) llevan «media»")
        if kind != "comment":
            raise ValueError("facebook admite kind comment o message")
        parent = None
        if on and on in self.comments:
            parent = on
            post = self.posts[self.comments[on].post_id]
        elif on and on in self.posts:
            post = self.posts[on]
        elif on:
            raise ValueError(f"no existe la publicación o comentario {on}")
        elif self.posts:
            post = max(self.posts.values(), key=lambda candidate: candidate.created)
        else:
            raise ValueError("la página aún no tiene publicaciones para comentar")
        comment = self.add_comment(post, person, text, at, parent)
        return {
            "id": comment.id,
            "post_id": post.id,
            "from": {"id": person.id, "name": person.name},
        }

    def state(self) -> dict[str, Any]:
        return {
            "posts": [
                {
                    "id": post.id,
                    "text": post.message,
                    "media": post.media,
                    "created_time": graph_time(post.created),
                }
                for post in self.posts.values()
                if post.published
            ],
            "replies": self.replies,
            "hidden": [comment.id for comment in self.comments.values() if comment.is_hidden],
            "calls": dict(self.calls),
            "uploaded_bytes": self.bytes_received,
        }

    # --- rendering -------------------------------------------------------------------

    def metric_value(self, post: Post, metric: str) -> int:
        seed = random.Random(post.id)  # the same post always has the same audience
        views = 150 + seed.randint(0, 1500) + 40 * len(post.comments)
        values = {
            "post_media_view": views,
            "post_total_media_view_unique": int(views * 0.7),
            "post_clicks": int(views * 0.05),
            "post_reactions_like_total": post.reactions,
            "post_video_views": views // 2 if any(m["type"] == "video" for m in post.media) else 0,
        }
        return values.get(metric, seed.randint(0, 5))
