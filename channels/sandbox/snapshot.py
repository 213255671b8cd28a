"""The simulator's world in a JSON file, so that it outlives the process that served it.

`conectados demo` publishes and lets citizens write on the simulated networks; later, in the
same folder, `conectados daemon` sends the replies a person approved. Those replies need the
same posts, comments, tweets and conversations to answer: the world is saved after every
change (whole, atomically) and loaded when a simulator starts from that folder's settings.

What is kept: every network's posts, comments, mentions, conversations, contacts, replies,
the people's ids and the id counters (Instagram: its media, comments, Direct conversations and
what the account sent; not its media containers; WhatsApp: its limits and template statuses
(the control API's POST /_sandbox/whatsapp) and its uploaded media's ids). What is not:
WhatsApp's statuses still to come and its limits' windows, pending faults, webhook subscriptions
(each receiver subscribes again when it starts), uploaded media bytes, the request log.
The file is bounded: at most MAX_ITEMS of each kind (the newest) and MAX_FILE_BYTES on disk.

Past ~400 lines on purpose: saving and loading each world is one idea, kept together.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from channels.sandbox.graph_world import Comment, Conversation, FacebookWorld, Message, Person, Post
from channels.sandbox.http import json_text
from channels.sandbox.instagram_world import Citizen, DirectMessage, InstagramWorld
from channels.sandbox.instagram_world import Comment as InstagramComment
from channels.sandbox.instagram_world import Conversation as InstagramConversation
from channels.sandbox.instagram_world import Media as InstagramMedia
from channels.sandbox.whatsapp_world import InboundMessage, WhatsAppWorld
from channels.sandbox.world import NetworkWorld, PersonIds
from channels.sandbox.x_world import DmEvent, Media, Tweet, User, XWorld
from conectados.files import write_atomically

log = logging.getLogger(__name__)

FORMAT = "conectados-simulador"
VERSION = 1
MAX_ITEMS = 20_000
"""Of each kind (posts, comments, tweets, messages, replies…): the newest are kept."""
MAX_FILE_BYTES = 64 * 1024 * 1024
"""A larger file is not read (it is not one this module wrote)."""


class SnapshotError(ValueError):
    """The file cannot be read as a simulator's world (the message is in Spanish)."""


def _time(value: datetime) -> str:
    return value.isoformat()


def _read_time(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("una fecha sin zona horaria")
    return moment


def _newest(items: list[Any]) -> list[Any]:
    return items[-MAX_ITEMS:]


# --- what every network keeps -----------------------------------------------------------


def _common(world: NetworkWorld) -> dict[str, Any]:
    people: PersonIds = world.people  # type: ignore[attr-defined]
    by_name, taken = people.known()
    return {
        "next_id": world.peek_number(),
        "calls": dict(world.calls),
        "people": dict(list(by_name.items())[-MAX_ITEMS:]),
        "taken": _newest(sorted(taken - set(by_name.values()))),
    }


def _restore_common(world: NetworkWorld, data: dict[str, Any]) -> None:
    world.continue_after(int(data["next_id"]))
    world.calls = Counter({str(k): int(v) for k, v in data["calls"].items()})
    people: PersonIds = world.people  # type: ignore[attr-defined]
    people.remember(
        {str(name): str(person_id) for name, person_id in data["people"].items()},
        {str(person_id) for person_id in data["taken"]},
    )


def _person(data: dict[str, Any]) -> Person:
    return Person(str(data["id"]), str(data["name"]))


# --- Facebook ---------------------------------------------------------------------------


def _facebook(world: FacebookWorld) -> dict[str, Any]:
    posts = _newest(list(world.posts.values()))
    kept = {post.id for post in posts}
    comments = [c for c in world.comments.values() if c.post_id in kept]
    return {
        **_common(world),
        "posts": [
            {
                "id": post.id,
                "message": post.message,
                "created": _time(post.created),
                "media": post.media,
                "published": post.published,
                "shares": post.shares,
                "reactions": post.reactions,
            }
            for post in posts
        ],
        "comments": [
            {
                "id": c.id,
                "post_id": c.post_id,
                "parent_id": c.parent_id,
                "author": {"id": c.author.id, "name": c.author.name},
                "message": c.message,
                "created": _time(c.created),
                "private_reply_sent": c.private_reply_sent,
                "is_hidden": c.is_hidden,
            }
            for c in _newest(comments)
        ],
        "photos": dict(list(world.photos.items())[-MAX_ITEMS:]),
        "videos": {vid: post.id for vid, post in world.videos.items() if post.id in kept},
        "conversations": [
            {
                "id": conversation.id,
                "citizen": {"id": conversation.citizen.id, "name": conversation.citizen.name},
                "messages": [
                    {
                        "id": m.id,
                        "author": {"id": m.author.id, "name": m.author.name},
                        "text": m.text,
                        "created": _time(m.created),
                        "attachments": m.attachments,
                    }
                    for m in _newest(conversation.messages)
                ],
            }
            for conversation in _newest(list(world.conversations.values()))
        ],
        "replies": _newest(world.replies),
    }


def _restore_facebook(world: FacebookWorld, data: dict[str, Any]) -> None:
    _restore_common(world, data)
    for item in data["posts"]:
        post = Post(
            str(item["id"]),
            str(item["message"]),
            _read_time(item["created"]),
            list(item["media"]),
            bool(item["published"]),
            shares=int(item["shares"]),
            reactions=int(item["reactions"]),
        )
        world.posts[post.id] = post
    for item in data["comments"]:
        post = world.posts.get(str(item["post_id"]))
        if post is None:
            continue
        comment = Comment(
            str(item["id"]),
            post.id,
            item["parent_id"] if item["parent_id"] is None else str(item["parent_id"]),
            _person(item["author"]),
            str(item["message"]),
            _read_time(item["created"]),
            bool(item["private_reply_sent"]),
            bool(item["is_hidden"]),
        )
        post.comments.append(comment)
        world.comments[comment.id] = comment
    world.photos.update({str(k): dict(v) for k, v in data["photos"].items()})
    for video_id, post_id in data["videos"].items():
        if post_id in world.posts:
            world.videos[str(video_id)] = world.posts[post_id]
    for item in data["conversations"]:
        citizen = _person(item["citizen"])
        conversation = Conversation(str(item["id"]), citizen)
        conversation.messages = [
            Message(
                str(m["id"]),
                _person(m["author"]),
                str(m["text"]),
                _read_time(m["created"]),
                [dict(found) for found in m.get("attachments") or []],
            )
            for m in item["messages"]
        ]
        if conversation.messages:
            world.conversations[citizen.id] = conversation
    world.replies = [dict(reply) for reply in data["replies"]]


# --- X ----------------------------------------------------------------------------------


def _user(data: dict[str, Any]) -> User:
    return User(str(data["id"]), str(data["name"]), str(data["username"]))


def _x(world: XWorld) -> dict[str, Any]:
    tweets = _newest(list(world.tweets.values()))
    media_keys = {key for tweet in tweets for key in tweet.media_keys}
    return {
        **_common(world),
        "users": [
            {"id": u.id, "name": u.name, "username": u.username}
            for u in _newest(list(world.users.values()))
        ],
        "tweets": [
            {
                "id": t.id,
                "text": t.text,
                "author": t.author.id,
                "created": _time(t.created),
                "media_keys": t.media_keys,
                "in_reply_to": t.in_reply_to,
                "metrics": t.metrics,
                "hidden": t.hidden,
            }
            for t in tweets
        ],
        "dm_events": [
            {
                "id": e.id,
                "text": e.text,
                "sender": e.sender.id,
                "conversation_id": e.conversation_id,
                "created": _time(e.created),
            }
            for e in _newest(world.dm_events)
        ],
        # Only what the posts show (the bytes are not kept: nobody reads them back).
        "media": [
            {
                "id": m.id,
                "media_type": m.media_type,
                "category": m.category,
                "total_bytes": m.total_bytes,
                "state": m.state,
            }
            for m in world.media.values()
            if m.key in media_keys
        ],
        "replies": _newest(world.replies),
    }


def _restore_x(world: XWorld, data: dict[str, Any]) -> None:
    _restore_common(world, data)
    for item in data["users"]:
        user = _user(item)
        world.users[user.id] = user
        world.usernames.add(user.username)
    world.account = world.users.get(world.account.id, world.account)
    for item in data["media"]:
        media = Media(
            str(item["id"]),
            str(item["media_type"]),
            str(item["category"]),
            int(item["total_bytes"]),
            state=str(item["state"]),
        )
        world.media[media.id] = media
    for item in data["tweets"]:
        author = world.users.get(str(item["author"]))
        if author is None:
            continue
        tweet = Tweet(
            str(item["id"]),
            str(item["text"]),
            author,
            _read_time(item["created"]),
            [str(key) for key in item["media_keys"] if key.split("_", 1)[-1] in world.media],
            None if item["in_reply_to"] is None else str(item["in_reply_to"]),
            {str(k): int(v) for k, v in item["metrics"].items()},
            bool(item["hidden"]),
        )
        world.tweets[tweet.id] = tweet
    for item in data["dm_events"]:
        sender = world.users.get(str(item["sender"]))
        if sender is not None:
            world.dm_events.append(
                DmEvent(
                    str(item["id"]),
                    str(item["text"]),
                    sender,
                    str(item["conversation_id"]),
                    _read_time(item["created"]),
                )
            )
    world.replies = [dict(reply) for reply in data["replies"]]


# --- WhatsApp ---------------------------------------------------------------------------


def _whatsapp(world: WhatsAppWorld) -> dict[str, Any]:
    return {
        **_common(world),
        "contacts": [
            {"wa_id": c.wa_id, "name": c.name, "username": c.username}
            for c in _newest(list(world.contacts.values()))
        ],
        "messages": [
            {
                "id": m.id,
                "wa_id": m.contact.wa_id,
                "type": m.type,
                "text": m.text,
                "created": _time(m.created),
                "media": m.media,
            }
            for m in _newest(world.messages)
        ],
        "last_inbound": {
            wa_id: _time(at) for wa_id, at in list(world.last_inbound.items())[-MAX_ITEMS:]
        },
        "replies": _newest(world.replies),
        "rules": world.rules.saved(),
        "uploads": dict(list(world.uploads.items())[-MAX_ITEMS:]),
    }


def _restore_whatsapp(world: WhatsAppWorld, data: dict[str, Any]) -> None:
    _restore_common(world, data)
    for item in data["contacts"]:
        username = item.get("username")
        world.contact(str(item["wa_id"]), str(item["name"]), username and str(username))
    for item in data["messages"]:
        contact = world.contacts.get(str(item["wa_id"]))
        if contact is None:
            continue
        media = item["media"]
        world.messages.append(
            InboundMessage(
                str(item["id"]),
                contact,
                str(item["type"]),
                str(item["text"]),
                _read_time(item["created"]),
                None if media is None else {str(k): str(v) for k, v in media.items()},
            )
        )
    world.last_inbound.update(
        {str(wa_id): _read_time(at) for wa_id, at in data["last_inbound"].items()}
    )
    world.replies = [dict(reply) for reply in data["replies"]]
    if "rules" in data:  # a world saved before the notices has none
        world.rules.restore(data["rules"])
    for media_id, upload in data.get("uploads", {}).items():
        world.uploads[str(media_id)] = {
            "mime_type": str(upload["mime_type"]),
            "file_size": int(upload["file_size"]),
            "sha256": str(upload["sha256"]),
        }


# --- Instagram (the engagement part, and the published media it hangs on) ----------------

_MEDIA_FIGURES = ("like_count", "shares", "saved", "views", "reach")


def _citizen(data: dict[str, Any]) -> Citizen:
    return Citizen(str(data["id"]), str(data["username"]))


def _instagram(world: InstagramWorld) -> dict[str, Any]:
    media = _newest(sorted(world.media.values(), key=lambda m: m.created))
    kept = {m.id for m in media}
    return {
        **_common(world),
        "media": [
            {
                "id": m.id,
                "media_type": m.media_type,
                "media_product_type": m.media_product_type,
                "caption": m.caption,
                "created": _time(m.created),
                "container_id": m.container_id,
                "children": m.children,
                # What the API answers; `simulated`: the ones the world makes up (not fixed).
                **world.figures(m),
                "simulated": [name for name in _MEDIA_FIGURES if getattr(m, name) is None],
            }
            for m in media
        ],
        "comments": [
            {
                "id": c.id,
                "media_id": c.media_id,
                "parent_id": c.parent_id,
                "author": {"id": c.author.id, "username": c.author.username},
                "text": c.text,
                "created": _time(c.created),
                "hidden": c.hidden,
                "private_reply_sent": c.private_reply_sent,
                "ours": c.ours,
                "reply_to": c.reply_to,
            }
            for c in _newest([c for c in world.comments.values() if c.media_id in kept])
        ],
        "conversations": [
            {
                "citizen": {"id": conv.citizen.id, "username": conv.citizen.username},
                "messages": [
                    {
                        "id": m.id,
                        "text": m.text,
                        "created": _time(m.created),
                        "ours": m.sender is None,
                    }
                    for m in _newest(conv.messages)
                ],
            }
            for conv in _newest(list(world.conversations.values()))
        ],
        "sent": _newest(world.sent),
    }


def _restore_instagram(world: InstagramWorld, data: dict[str, Any]) -> None:
    _restore_common(world, data)
    for item in data["media"]:
        media = InstagramMedia(
            str(item["id"]),
            str(item["media_type"]),
            str(item["media_product_type"]),
            str(item["caption"]),
            _read_time(item["created"]),
            str(item["container_id"]),
            [str(child) for child in item["children"]],
            **{
                name: None if name in item.get("simulated", ()) else int(item[name])
                for name in _MEDIA_FIGURES
            },
        )
        world.media[media.id] = media
    for item in data["comments"]:
        if str(item["media_id"]) not in world.media:
            continue
        parent = item["parent_id"]
        comment = InstagramComment(
            str(item["id"]),
            str(item["media_id"]),
            None if parent is None else str(parent),
            _citizen(item["author"]),
            str(item["text"]),
            _read_time(item["created"]),
            hidden=bool(item["hidden"]),
            private_reply_sent=bool(item["private_reply_sent"]),
            ours=bool(item["ours"]),
            reply_to=None if item["reply_to"] is None else str(item["reply_to"]),
        )
        world.comments[comment.id] = comment
    for item in data["conversations"]:
        citizen = _citizen(item["citizen"])
        conversation = InstagramConversation(citizen)
        conversation.messages = [
            DirectMessage(
                str(m["id"]),
                None if m["ours"] else citizen,
                str(m["text"]),
                _read_time(m["created"]),
            )
            for m in item["messages"]
        ]
        if conversation.messages:
            world.conversations[citizen.id] = conversation
    world.sent = [dict(sent) for sent in data["sent"]]


# --- the file ---------------------------------------------------------------------------

_NETWORKS = {
    "facebook": (_facebook, _restore_facebook),
    "instagram": (_instagram, _restore_instagram),
    "x": (_x, _restore_x),
    "whatsapp": (_whatsapp, _restore_whatsapp),
}


def snapshot(worlds: dict[str, NetworkWorld]) -> dict[str, Any]:
    """The worlds as one JSON-ready object (call it holding the simulator's lock)."""
    return {
        "formato": FORMAT,
        "version": VERSION,
        "redes": {name: _NETWORKS[name][0](world) for name, world in worlds.items()},  # type: ignore[operator]
    }


def restore(worlds: dict[str, NetworkWorld], data: Any) -> None:
    """Fill fresh worlds from `snapshot`'s object; SnapshotError if it is not one."""
    if not isinstance(data, dict) or data.get("formato") != FORMAT:
        raise SnapshotError("no es un archivo del simulador de Conectados")
    if data.get("version") != VERSION:
        raise SnapshotError(
            f"es de otra versión del simulador ({data.get('version')!r}; esta lee la {VERSION})"
        )
    networks = data.get("redes")
    if not isinstance(networks, dict):
        raise SnapshotError("le falta la parte «redes»")
    try:
        for name, world in worlds.items():
            if name in networks:
                _NETWORKS[name][1](world, networks[name])  # type: ignore[operator]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(
            f"la parte de una red está dañada ({type(exc).__name__}: {exc})"
        ) from None


def save(path: Path, worlds: dict[str, NetworkWorld]) -> None:
    """Write the worlds to `path`, whole or not at all (call it holding the simulator's lock)."""
    write_atomically(path, json_text(snapshot(worlds), separators=(",", ":")))


def load(path: Path, worlds: dict[str, NetworkWorld]) -> str | None:
    """Fill fresh worlds from `path` when it holds one; the Spanish warning when it cannot
    (then the worlds may be half filled: the caller starts fresh ones).

    A file that cannot be read is moved aside (to «nombre.ilegible»), never overwritten.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"no se pudo leer el estado del simulador {path} ({exc.strerror}); empieza vacío"
    try:
        if not path.is_file():
            raise SnapshotError("no es un archivo")
        if size > MAX_FILE_BYTES:
            raise SnapshotError(f"pesa {size:,} bytes; el máximo es {MAX_FILE_BYTES:,}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise SnapshotError(
                "no es JSON válido (¿un archivo dañado o de otro programa?)"
            ) from None
        restore(worlds, data)
    except SnapshotError as exc:
        aside = path.with_name(path.name + ".ilegible")
        moved = ""
        if path.is_file():
            try:
                os.replace(path, aside)
                moved = f"; se guardó aparte como {aside.name}"
            except OSError:
                moved = ""
        return (
            f"el estado del simulador {path} no se pudo leer: {exc}. El simulador empieza con "
            f"las redes vacías{moved}"
        )
    except OSError as exc:
        return f"no se pudo leer el estado del simulador {path} ({exc.strerror}); empieza vacío"
    return None
