"""What Conectados knows about each network, looked up by name: `spec("x")`.

Limits, windows and error codes live here, next to the adapters; the calendar check and
preview, the responder, the send job and the webhook receiver read them instead of naming a
network. Adding a network takes its adapter, its entry in `SPECS`, its factory in the
registry (`NETWORKS`, and its account in `SANDBOX_ACCOUNTS`), its settings section
(`conectados/settings_sections.py`, with `account_id()`) and its world in the simulator
(`channels/sandbox/`); one Meta's webhook brings adds its `webhook_object` here and an entry
reader in `channels/meta/webhooks.py` (`ENTRY_READERS`), and nothing in `webhooks/`. Still
named above `channels/`: WhatsApp's out-of-window template (the responders take it by name),
the receiver's line in `office/status.py`, and the calendar template's example networks.

Media limits come from the networks' public documentation (2025-2026):
- Facebook Page photos: JPG, PNG, GIF, TIFF, BMP, WebP under 4 MB (Graph error 1366046
  says "Photos should be less than 4 MB"); videos MP4/MOV, streamed from disk through
  Meta's documented flows (channels/meta/facebook_video.py): Reels for Pages (vertical,
  3 to 90 s; its page gives no size limit) and the Resumable Upload API for the rest. Meta's
  older video upload page gave 10 GB and 4 hours for a Page video, the limits kept here;
  Facebook's help centre also gives 240 minutes as the longest video a Page can post.
- X: up to 4 images (JPG, PNG, WebP under 5 MB; GIF under 15 MB) or 1 video (MP4/MOV;
  512 MB and 2 min 20 s: the limits X's media best-practices page gives for accounts
  without Premium and for direct messages; Premium accounts may post longer ones).
- Instagram (IG User Media reference, v25.0, media specifications): JPEG images of at most
  8 MB, from 4:5 to 1.91:1, 320 to 1,440 px wide (scaled to fit); Reels MP4/MOV in H.264 or
  HEVC, 3 s to 15 min, at most 1,920 px wide, 0.01:1 to 10:1, 300 MB; carousels of 2 to 10
  images and videos, mixed; no text-only posts (channels/instagram_rules.py).
- WhatsApp (calendar content to subscribers, sent as an approved template): the text is the
  template's one body variable, at most 1,024 characters (a template body's limit, template
  components reference; the caption limit of a media message is the same), on one line (Meta
  refuses a variable with a line break, a tab or a run of spaces: error 132018); one header
  image (JPEG or PNG, 5 MB) or video (MP4 in H.264, 16 MB) or none (template media page and
  the media reference's supported types).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from channels.instagram_rules import InstagramRules
from channels.media import MediaFile, MediaRules
from channels.text_rules import (
    FACEBOOK_LIMIT,
    INSTAGRAM_HASHTAGS,
    INSTAGRAM_LIMIT,
    INSTAGRAM_MENTIONS,
    X_LIMIT,
    count_tags,
    x_weighted_length,
)
from conectados.errors import ConfigError
from conectados.spanish import number
from conectados.userfiles import MB

# Pauses that a new token does not fix: the account itself (X's credits, an app outside a
# Project). Here, not in channels/x_errors.py, so `conectados status` reads them without
# importing tweepy; the adapter pauses with these very sentences.
X_NO_CREDITS = (
    "La cuenta de X se quedó sin créditos de la API (el plan de pago por uso) y X no deja "
    "publicar ni leer hasta que se recarguen: compre o agregue créditos en la consola de "
    "desarrolladores de X (console.x.com, sección de facturación); la red queda en pausa "
    "mientras tanto"
)
X_NOT_ENROLLED = (
    "La aplicación de X no está inscrita para usar la API: no está dentro de un proyecto "
    "(Project) o no tiene el nivel de acceso que pide esta función; en el portal de "
    "desarrolladores de X agregue la aplicación a un proyecto con el nivel de acceso "
    "correcto y, si el portal lo pide, genere de nuevo las claves; la red queda en pausa "
    "mientras tanto"
)
ACCOUNT_PAUSES = (X_NO_CREDITS, X_NOT_ENROLLED)


def token_pause(reason: str | None) -> bool:
    """Whether a pause (its stored reason) is about the token or its permissions, which
    `conectados channels check` diagnoses; not the account's credits or enrolment."""
    return not any((reason or "").startswith(sentence) for sentence in ACCOUNT_PAUSES)


WINDOW_MARGIN = timedelta(minutes=5)
"""A message window is judged a little early: the reply must arrive while it is open."""

DEFAULT_INCOMING_TEXT_LIMIT = 25_000
"""For a network or kind not in a spec: the longest any of them allows."""


@dataclass(frozen=True)
class NetworkSpec:
    """The facts about one network that the jobs, the calendar and the responder need."""

    name: str
    display_name: str
    """How the team reads it (Spanish texts): "Facebook", "X", "WhatsApp"."""
    post_text_limit: int | None = None
    """Longest post, counted by `count`; None: Conectados does not publish there."""
    count: Callable[[str], int] = len
    """How the network counts a text's length (X weighs characters and links)."""
    max_hashtags: int | None = None
    max_mentions: int | None = None
    """The most #hashtags and @mentions a post may carry (Instagram: 30 and 20)."""
    private_text_limit: int | None = None
    """Longest private reply (a direct message), in characters."""
    incoming_text_limits: Mapping[str, int] = field(default_factory=dict)
    """The most a citizen can write in one item of each kind (comment, mention, message)."""
    media: MediaRules | None = None
    pushed: bool = False
    """What citizens write arrives only by webhook: there is nothing to poll."""
    direct_by_webhook: bool = False
    """Its comments are polled, but its private messages arrive only by webhook (Instagram's
    Direct messages): the receiver and its secrets are needed for them."""
    webhook_object: str | None = None
    """The `object` Meta's webhook bodies of this network carry ("page"); None: Meta's
    webhook does not bring it. The receiver takes a network's events when it is on."""
    message_window: timedelta | None = None
    """Free-text messages are taken only this long after the citizen's latest message."""
    template_outside_window: bool = False
    """An approved template can carry a reply after the message window closes."""
    private_reply_window: timedelta | None = None
    """A public comment can be answered in private only this long after it was written."""
    one_private_reply_per_comment: bool = False
    window_closed_codes: frozenset[int] = frozenset()
    """The network's error codes meaning "the message window is closed"."""
    account_problem_codes: frozenset[int] = frozenset()
    """The network's error codes meaning "the account or its token has a problem"."""
    authors_filled_by_poll: bool = False
    """Its webhooks leave the author out of some items, and the poll of the same item
    brings it later: the stored item is then filled in."""
    aliases: tuple[str, ...] = ()
    """Other names people write for it in a calendar ("twitter")."""
    counting_note: str = ""
    """How the network counts, when it is not one character each (for the team)."""
    private_messages_name: str = ""
    """What the team calls the network's private messages ("Messenger"); "" for the network's
    own name."""
    reply_places: Mapping[str, str] = field(default_factory=dict)
    """Where a reply lands, in the team's words, by what it answers: "message" (a private
    message), "private" (a comment answered in private), or the public item's kind."""
    reports_reach: bool = True
    """Its figures say how many different people saw a post (X's do not)."""
    reports_saves: bool = False
    """Its figures say how many times a post was saved (Instagram's do; Facebook's and X's
    APIs have no such figure)."""
    figures_meaning: str = ""
    """What its figures mean, in words the team reads (no API names): for the report."""
    figures_source: str = ""
    """Where each figure comes from in its API: the report's footnote, for whoever checks it."""
    one_line_text: bool = False
    """The post's text travels in a template variable, which the network refuses with a line
    break, a tab or four spaces in a row (WhatsApp: error 132018)."""
    broadcast: bool = False
    """A calendar post is not published on a page but sent to the subscribers (WhatsApp):
    the notifier takes it, never the publisher."""

    def length(self, text: str) -> int:
        """The text's length as the network counts it."""
        return self.count(text)

    def post_text_problem(self, text: str, own_variant: bool = False) -> str | None:
        """Why this text cannot be posted here (Spanish), or None. `own_variant`: the text is
        already the network's own version (texto_<red>), so the advice is only to shorten it."""
        if not text.strip():
            return f"el texto para {self.display_name} está vacío"
        length, limit = self.length(text), self.post_text_limit
        if limit is None or length <= limit:
            return None
        said = (
            f"el texto para {self.display_name} tiene {number(length)} caracteres y el límite "
            f"es {number(limit)}"
        )
        if not self.counting_note:
            return said
        advice = (
            "acórtelo"
            if own_variant
            else f"acórtelo o escriba una versión corta en texto_{self.name}"
        )
        return f"{said} ({self.counting_note}); {advice}"

    def post_text_problems(self, text: str, own_variant: bool = False) -> list[str]:
        """Every reason this text cannot be posted here (Spanish): its length, then its
        hashtags and mentions where the network limits them."""
        found = [problem] if (problem := self.post_text_problem(text, own_variant)) else []
        if self.one_line_text and (problem := self.one_line_problem(text, own_variant)):
            found.append(problem)
        if self.max_hashtags is None and self.max_mentions is None:
            return found
        hashtags, mentions = count_tags(text)
        name = self.display_name
        if self.max_hashtags is not None and hashtags > self.max_hashtags:
            found.append(
                f"el texto para {name} tiene {number(hashtags)} etiquetas (#) y el límite es "
                f"{number(self.max_hashtags)}; quite {number(hashtags - self.max_hashtags)}"
            )
        if self.max_mentions is not None and mentions > self.max_mentions:
            found.append(
                f"el texto para {name} menciona {number(mentions)} cuentas (@) y el límite es "
                f"{number(self.max_mentions)}; quite {number(mentions - self.max_mentions)}"
            )
        return found

    def one_line_problem(self, text: str, own_variant: bool = False) -> str | None:
        """Why this text cannot go in one template variable (Spanish), or None."""
        if "\n" in text or "\r" in text:
            what = "saltos de línea"
        elif "\t" in text:
            what = "tabulaciones"
        elif "    " in text:
            what = "cuatro espacios seguidos o más"
        else:
            return None
        advice = (
            "escríbalo en una sola línea"
            if own_variant
            else f"escriba en texto_{self.name} una versión en una sola línea"
        )
        return (
            f"el texto para {self.display_name} tiene {what}, y {self.display_name} no los "
            f"acepta dentro de la variable de la plantilla; {advice}"
        )

    def messages_name(self) -> str:
        return self.private_messages_name or self.display_name

    def incoming_text_limit(self, kind: str) -> int:
        return self.incoming_text_limits.get(kind, DEFAULT_INCOMING_TEXT_LIMIT)

    def window_open(self, last_heard: datetime, now: datetime) -> bool:
        """Whether the network still takes free text, the citizen's latest message being
        `last_heard` (judged a few minutes early); always, on a network without a window."""
        if self.message_window is None:
            return True
        return now - last_heard < self.message_window - WINDOW_MARGIN


FACEBOOK = NetworkSpec(
    name="facebook",
    display_name="Facebook",
    aliases=("fb", "face"),
    post_text_limit=FACEBOOK_LIMIT,
    webhook_object="page",
    # Messenger: the Send API's "text must be UTF-8 and has a 2000 character limit"
    # (developers.facebook.com/docs/messenger-platform/reference/send-api).
    private_text_limit=2_000,
    incoming_text_limits=MappingProxyType(
        {
            # Facebook's comment box and Graph's "(#100) The comment is too long".
            "comment": 8_000,
            "message": 2_000,
        }
    ),
    media=MediaRules(
        image_types=frozenset(
            {"image/jpeg", "image/png", "image/gif", "image/tiff", "image/bmp", "image/webp"}
        ),
        video_types=frozenset({"video/mp4", "video/quicktime"}),
        max_image_bytes=4 * MB,
        max_video_bytes=10 * 1024 * MB,
        max_images=10,
        max_video_seconds=240 * 60,
    ),
    message_window=timedelta(hours=24),
    private_reply_window=timedelta(days=7),
    one_private_reply_per_comment=True,
    authors_filled_by_poll=True,
    account_problem_codes=frozenset({102, 190}),
    private_messages_name="Messenger",
    figures_meaning="alcance: cuántas personas distintas vieron cada publicación, sumadas "
    "publicación por publicación (quien vio dos publicaciones cuenta dos veces); vistas: "
    "cuántas veces se mostraron las publicaciones",
    figures_source="estadísticas de cada publicación: alcance (post_total_media_view_unique), "
    "vistas (post_media_view), clics (post_clicks)",
    reply_places=MappingProxyType(
        {
            "message": "mensaje privado por Messenger",
            "private": "mensaje privado por Messenger (respuesta privada a su comentario)",
            "comment": "comentario público en Facebook, bajo el del ciudadano",
        }
    ),
)

INSTAGRAM = NetworkSpec(
    name="instagram",
    display_name="Instagram",
    aliases=("ig", "insta"),
    # IG User Media, `caption`: "Maximum 2200 characters, 30 hashtags, and 20 @ tags".
    post_text_limit=INSTAGRAM_LIMIT,
    max_hashtags=INSTAGRAM_HASHTAGS,
    max_mentions=INSTAGRAM_MENTIONS,
    webhook_object="instagram",
    direct_by_webhook=True,
    # Instagram Messaging (Messenger Platform): a text message of at most 1,000 characters.
    private_text_limit=1_000,
    incoming_text_limits=MappingProxyType({"comment": 2_200, "message": 1_000}),
    # IG User Media reference (v25.0), "Media specifications"; Content Publishing guide:
    # "JPEG is the only image format supported", carousels of "up to 10 images, videos, or a
    # mix of the two" (error 2207028: "at least 2"), no text-only posts.
    media=InstagramRules(
        image_types=frozenset({"image/jpeg"}),
        video_types=frozenset({"video/mp4", "video/quicktime"}),
        max_image_bytes=8 * MB,
        max_video_bytes=300 * MB,
        max_images=10,
        max_video_seconds=15 * 60,
        needs_media=True,
        network="Instagram",
        image_ratio=(Fraction(4, 5), Fraction(191, 100)),
        image_width=(320, 1440),
        reel_seconds=(3.0, 15 * 60.0),
        video_max_width=1920,
        video_ratio=(Fraction(1, 100), Fraction(10, 1)),
        video_codecs=frozenset({"avc1", "avc3", "hvc1", "hev1"}),
        carousel_items=(2, 10),
        carousel_video_seconds=60.0,
    ),
    message_window=timedelta(hours=24),
    private_reply_window=timedelta(days=7),
    one_private_reply_per_comment=True,
    # Messenger Platform (Instagram Messaging): a send outside the 24-hour window (or a
    # private reply after 7 days) is refused with code 10 and this subcode ("This message is
    # sent outside of allowed window"); the adapter compares the subcode (code 10 alone
    # also means "no permission"). Meta's error table row was not retrievable: as reported.
    window_closed_codes=frozenset({2534022}),
    account_problem_codes=frozenset({102, 190}),
    private_messages_name="mensajes directos de Instagram",
    reports_saves=True,
    figures_meaning="alcance: cuántas cuentas distintas vieron cada publicación, sumadas "
    "publicación por publicación; vistas: cuántas veces se vio o reprodujo; guardados: "
    "cuántas veces la guardaron (no cuentan como interacción)",
    figures_source="estadísticas de cada publicación (insights): alcance (reach), vistas "
    "(views), me gusta (likes), comentarios (comments), compartidos (shares), guardados (saved)",
    reply_places=MappingProxyType(
        {
            "message": "mensaje directo de Instagram",
            "private": "mensaje directo de Instagram (respuesta privada a su comentario)",
            "comment": "respuesta pública en Instagram, bajo su comentario",
        }
    ),
)

X = NetworkSpec(
    name="x",
    display_name="X",
    post_text_limit=X_LIMIT,
    count=x_weighted_length,
    counting_note="cada enlace cuenta 23 y cada emoji 2",
    aliases=("twitter",),
    # X direct messages: up to 10,000 characters (help.x.com "About Direct Messages").
    private_text_limit=10_000,
    incoming_text_limits=MappingProxyType(
        {
            # 280 weighted characters, long posts up to 25,000 for Premium accounts
            # (help.x.com "About X Premium"); a mention may come from a Premium account.
            "mention": 25_000,
            "message": 10_000,
        }
    ),
    media=MediaRules(
        image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
        video_types=frozenset({"video/mp4", "video/quicktime"}),
        max_image_bytes=5 * MB,
        max_gif_bytes=15 * MB,
        max_video_bytes=512 * MB,
        max_images=4,
        max_video_seconds=140,
        gif_alone=True,
    ),
    reports_reach=False,
    figures_meaning="no informa alcance (cuántas personas distintas); vistas: cuántas veces se "
    "mostró cada publicación",
    figures_source="public_metrics de cada publicación: vistas (impression_count), reacciones "
    "(like_count), comentarios (reply_count), compartidos (retweet_count + quote_count)",
    reply_places=MappingProxyType(
        {
            # x.py sends a reply to a direct message as one, even when asked in public.
            "message": "mensaje directo (privado) en X",
            "private": "mensaje directo (privado) en X",
            "mention": "respuesta pública a la mención en X",
            "comment": "respuesta pública a su comentario en X",
        }
    ),
)


@dataclass(frozen=True)
class WhatsAppRules(MediaRules):
    """A template's header: one image or one video, or none; videos in H.264."""

    video_codecs: frozenset[str] = frozenset({"avc1", "avc3"})

    def file_problems(self, media: MediaFile) -> list[str]:
        found = super().file_problems(media)
        if found or media.kind != "video" or media.codec is None:
            return found
        if media.codec not in self.video_codecs:
            return [
                f"{media.path.name}: el video no está en H.264 ({media.codec}); WhatsApp solo "
                "acepta MP4 en H.264: expórtelo de nuevo en ese formato"
            ]
        return []

    def set_problems(self, files: list[MediaFile]) -> list[str]:
        if len(files) > 1:
            return [f"un mensaje de {self.network} lleva una sola imagen o un solo video"]
        return []


WHATSAPP = NetworkSpec(
    name="whatsapp",
    display_name="WhatsApp",
    # The calendar's text goes in the content template's one body variable: a body of at
    # most 1,024 characters, on one line.
    post_text_limit=1_024,
    one_line_text=True,
    broadcast=True,
    media=WhatsAppRules(
        image_types=frozenset({"image/jpeg", "image/png"}),
        video_types=frozenset({"video/mp4"}),
        max_image_bytes=5 * MB,
        max_video_bytes=16 * MB,
        max_images=1,
        network="WhatsApp",
    ),
    figures_meaning="mensajes a los suscriptores: enviados, entregados, leídos y fallidos; "
    "alcance: cuántas personas distintas recibieron al menos uno en el periodo",
    figures_source="estados de cada mensaje en los webhooks de WhatsApp (sent, delivered, "
    "read, failed)",
    # Cloud API "Text messages": a body of at most 4,096 characters.
    private_text_limit=4_096,
    incoming_text_limits=MappingProxyType({"message": 4_096}),
    pushed=True,
    webhook_object="whatsapp_business_account",
    message_window=timedelta(hours=24),
    template_outside_window=True,
    # 131047: "Re-engagement message" (more than 24 hours since the customer last wrote).
    window_closed_codes=frozenset({131047}),
    account_problem_codes=frozenset({0, 190}),
    private_messages_name="WhatsApp",
    reply_places=MappingProxyType({"message": "mensaje de WhatsApp (privado)"}),
)

SPECS: Mapping[str, NetworkSpec] = MappingProxyType(
    {network.name: network for network in (FACEBOOK, INSTAGRAM, X, WHATSAPP)}
)


def spec(name: str) -> NetworkSpec:
    """The spec of the network called `name`; ConfigError for one Conectados does not know."""
    try:
        return SPECS[name]
    except KeyError:
        raise ConfigError(f"red desconocida «{name}»", field=f"channels.{name}") from None


def publishing_networks() -> tuple[str, ...]:
    """The networks a calendar can publish on, in the order the team reads them."""
    return tuple(name for name, network in SPECS.items() if network.post_text_limit is not None)


def broadcast_networks() -> tuple[str, ...]:
    """The calendar's networks whose posts go to subscribers, not to a page."""
    return tuple(name for name, network in SPECS.items() if network.broadcast)


def pushed_networks() -> tuple[str, ...]:
    """The networks whose citizens' messages arrive only by webhook."""
    return tuple(name for name, found in SPECS.items() if found.pushed)


def webhook_networks() -> tuple[str, ...]:
    """The networks whose events Meta's webhook brings."""
    return tuple(name for name, found in SPECS.items() if found.webhook_object)


def pushed_networks_on(channels: Any) -> list[str]:
    """The networks turned on in `channels` (the settings' [channels]) whose messages only
    arrive by webhook: the receiver is for them."""
    sections = channels.by_name()
    return [name for name in pushed_networks() if name in sections and sections[name].enabled]


def display_name(name: str) -> str:
    """How the team reads a network's name; an unknown one as it was written."""
    found = SPECS.get(name)
    return found.display_name if found is not None else name


def reply_place(network: str, kind: str, private: bool) -> str:
    """Where a reply to an item of `kind` lands on this network, in the team's words."""
    key = "message" if kind == "message" else "private" if private else kind
    found = SPECS.get(network)
    place = found.reply_places.get(key) if found is not None else None
    if place is not None:
        return place
    title = display_name(network)
    return f"mensaje privado en {title}" if private else f"respuesta pública en {title}"


def network_called(word: str) -> str:
    """The network a person means by `word` (case and aliases aside); the word itself,
    lowered, when it names none."""
    word = word.lower()
    for network in SPECS.values():
        if word in network.aliases:
            return network.name
    return word


def authors_filled_by_poll(network: str) -> bool:
    """Whether an item of this network stored without its author may get it later."""
    found = SPECS.get(network)
    return found is not None and found.authors_filled_by_poll


def incoming_text_limit(network: str, kind: str) -> int:
    """How many characters of a citizen's text the network allows in this kind of item."""
    found = SPECS.get(network)
    return found.incoming_text_limit(kind) if found else DEFAULT_INCOMING_TEXT_LIMIT
