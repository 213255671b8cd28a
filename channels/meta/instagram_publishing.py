"""Publishing on Instagram: media containers, their status, `media_publish`, and the
account's publishing limit, exactly once through crashes.

Meta's flow (Content Publishing guide, IG User Media and IG Container references):
`POST /{ig-user-id}/media` makes a container (an image by `image_url`; a Reel or a
carousel video with `upload_type=resumable`, whose bytes then go to the `uri` it answers, on
rupload.facebook.com); `GET /{container}?fields=status_code,status` says IN_PROGRESS until
Meta has the media, then FINISHED (or ERROR, or EXPIRED after 24 hours); a carousel is a
CAROUSEL container over 2 to 10 item containers; `POST /{ig-user-id}/media_publish
creation_id=` publishes one FINISHED container, once (it turns PUBLISHED).

Exactly once: every container is handed to `Outgoing.remember` as soon as it exists (and
the empty plan before the first is made), and a "publishing" marker before `media_publish`.
The next attempt, or `find_published` after a crash, asks THAT container's status first:
PUBLISHED is found among the account's media and never published again; FINISHED is
published; IN_PROGRESS is waited for; EXPIRED is replaced; ERROR holds the post for the
publishing limit, is replaced when Meta's remedy is a new container, and is a refusal
otherwise. A container never published is harmless: Meta lets it expire.

The wait never holds a publishing thread: a container still IN_PROGRESS when asked about is
left with `NotReady` (ask again in a few seconds, not an attempt), and the backoff step and
when the wait began are kept with the container, so the next attempt goes on with both.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from channels.base import AuthFailed, NotReady, Outgoing, Receipt, Rejected, Transient
from channels.http import guarded
from channels.media import MediaFile
from channels.meta.facebook_video import FileSlice, file_stamp
from channels.meta.graph import GRAPH_URL, GRAPH_VERSION
from channels.meta.instagram_account import (
    RETRY_SUBCODES,
    AccountMedia,
    QuotaReached,
    caption_digest,
    looked_since,
)
from channels.meta.instagram_errors import QUOTA_SUBCODE, container_refusal, subcode_in
from channels.specs import INSTAGRAM

log = logging.getLogger(__name__)

FLOW = "instagram"
RUPLOAD_HOST = "rupload.facebook.com"
GONE = "GONE"
"""A container Meta no longer has (its status could not be read): made again."""


@dataclass(frozen=True)
class ContainerWait:
    """How a container is waited for: short first waits, growing, capped, up to a deadline.

    Meta's troubleshooting advice is once a minute for at most five minutes; an image is
    usually ready in a second or two, so the first waits are short. Only `in_call` is spent
    inside a publishing call; every other wait is a `NotReady` between attempts, so a slow
    container never keeps a thread from the other posts."""

    first: float = 1.0
    factor: float = 2.0
    longest: float = 60.0
    deadline: float = 300.0
    """Counted from the container's first IN_PROGRESS answer; past it, an attempt is spent."""
    in_call: float = 0.0
    """A container found IN_PROGRESS when its wait begins may be asked about once more this
    much later, in the same call (an image is often ready within a second). 0 by default:
    every second spent here is a second a publishing thread is kept from the other posts
    (bench/instagram.py: with 100 Instagram and 100 Facebook posts due at once on 8 threads,
    1 s here made Facebook's p99 lateness 12.5 s; with 0, 1.0 s, against 0.4 s alone)."""

    def after(self, pause: float) -> float:
        """The backoff step that follows `pause`."""
        return min(pause * self.factor, self.longest)


class InstagramPublishing(AccountMedia):
    """The publishing half of InstagramChannel (its client and `_translate` are the
    channel's; finding media and the publishing limit are AccountMedia's)."""

    ig_user_id: str
    base_url: str
    media_dir: Path | None
    media_url: str
    _token: str
    container_wait: ContainerWait = ContainerWait()

    # --- publishing --------------------------------------------------------------------

    @guarded("Instagram")
    def publish(self, post: Outgoing) -> Receipt:
        files = self._files(post)
        state = self._resumed(post, files)
        stored = post.upload if post.upload and post.upload.get("flow") == FLOW else None
        if stored and stored is not state and stored.get("container"):
            # Another plan was stored (the file or the caption changed since): if its
            # container went out, the post is out; never a second one.
            code, _ = self._status(stored["container"]["id"])
            if code == "PUBLISHED":
                return self._published_receipt(post, stored.get("caption"))
            if stored.get("publishing") and code not in ("IN_PROGRESS", "EXPIRED"):
                # media_publish may have been asked (a status that lags, a container Meta no
                # longer shows): look for it as find_published does; still FINISHED and not
                # found, THAT container is published, under its own plan (Meta refuses it if
                # it went out), never a new one.
                found = self._by_caption(post, looked_since(post), stored.get("caption"))
                if found is not None:
                    return found
                if code == "FINISHED":
                    return self._publish_container(post, dict(stored), stored["container"]["id"])
        state = dict(state)
        self._remember(post, state)  # before any container is made
        found = self._ready_container(post, state, files)
        if isinstance(found, Receipt):
            return found
        return self._publish_container(post, state, found)

    def _publish_container(self, post: Outgoing, state: dict[str, Any], container: str) -> Receipt:
        """`media_publish` for a FINISHED container, the publishing marker stored first."""
        self._check_quota()
        state["publishing"] = True
        self._remember(post, state)
        try:
            answer = self._ig(
                self.api.post_object,  # type: ignore[attr-defined]
                self.ig_user_id,
                "media_publish",
                data={"creation_id": container},
            )
        except QuotaReached:
            raise self._held(None) from None
        except Rejected:
            # Refused because it went out meanwhile (another process, a status that lagged):
            # then it is out, not failed.
            code, _ = self._status(container)
            if code == "PUBLISHED":
                return self._published_receipt(post, state.get("caption"))
            raise
        return self._media_receipt(str(answer["id"]))

    @guarded("Instagram")
    def find_published(self, post: Outgoing, since: datetime) -> Receipt | None:
        """The post among the account's media; with a container stored, THAT container's
        status first: not PUBLISHED means not out (publishing goes on with it). Without a
        stored plan, looked for by caption only by a caller that stores none."""
        state = post.upload if post.upload and post.upload.get("flow") == FLOW else None
        if state is None:
            if post.remember is not None:
                # The plan is stored before the first container is made: none stored, none
                # made, nothing out (a caption alone could be another post's, same text).
                return None
            return self._by_caption(post, since)
        entry = state.get("container")
        if not entry:
            return None  # no container was ever made: nothing can be out
        code, _ = self._status(entry["id"])
        if code == "PUBLISHED" or (code == GONE and state.get("publishing")):
            return self._by_caption(post, since, state.get("caption"))
        return None

    # --- what goes out -----------------------------------------------------------------

    def _files(self, post: Outgoing) -> list[MediaFile]:
        files = [MediaFile.inspect(path) for path in post.media]
        if not files:
            raise Rejected(
                "Instagram no publica solo texto: la publicación necesita una imagen o un video"
            )
        problems = [p for media in files for p in INSTAGRAM.media.file_problems(media)]  # type: ignore[union-attr]
        if len(files) > 10:
            problems.append("un carrusel de Instagram lleva de 2 a 10 fotos o videos")
        if problems:
            raise Rejected("Instagram no acepta estos archivos: " + "; ".join(problems))
        for media in files:
            if media.kind != "video":
                self._image_url(media.path)  # no address for Meta: refused before any call
        return files

    def _resumed(self, post: Outgoing, files: list[MediaFile]) -> dict[str, Any]:
        """What an earlier attempt left for this very post (same files, same caption), or a
        fresh plan."""
        plan = {
            "flow": FLOW,
            "files": [file_stamp(media) for media in files],
            "caption": caption_digest(post.text),
        }
        stored = post.upload
        if stored and all(stored.get(key) == value for key, value in plan.items()):
            return stored  # type: ignore[return-value]
        return plan

    def _remember(self, post: Outgoing, state: dict[str, Any]) -> None:
        if post.remember is not None:
            post.remember(dict(state))  # renews the publisher's lease; raises if lost

    # --- containers --------------------------------------------------------------------

    def _ready_container(
        self, post: Outgoing, state: dict[str, Any], files: list[MediaFile]
    ) -> str | Receipt:
        """A FINISHED container for this post (the stored one when it can still be used), or
        the post's Receipt when the stored one is published already."""
        entry = state.get("container")
        if entry:
            code, detail = self._status(entry["id"])
            if code == "PUBLISHED":
                return self._published_receipt(post, state.get("caption"))
            if code == "ERROR":
                raise self._failed_container(post, state, entry["id"], detail)
            if code in ("FINISHED", "IN_PROGRESS"):
                if len(files) == 1:
                    self._send_if_needed(post, state, entry, files[0], code)
                return self._settled(post, state, entry["id"])
            if state.get("publishing"):
                found = self._by_caption(post, looked_since(post))
                if found is not None:
                    return found
            # EXPIRED or gone: never published, so a new one may be made.
            log.info("instagram: el contenedor %s venció; se prepara otro", entry["id"])
            state.pop("container", None)
            state.pop("publishing", None)
        made = [child for child in state.get("children") or [] if child]
        if len(files) == 1 or len(made) < len(files):
            # At the limit, held before a container is made or a byte uploaded (each is spent
            # for nothing: 400 containers a day at most, a Reel's upload); asked again only
            # when something is to be made, not at each look at a container Meta processes.
            self._check_quota()
        if len(files) == 1:
            entry = self._create(post, state, files[0], carousel=False)
            state["container"] = entry
            self._remember(post, state)
            self._send_if_needed(post, state, entry, files[0], "IN_PROGRESS")
        else:
            children = self._children(post, state, files)
            answer = self._ig(
                self.api.post_object,  # type: ignore[attr-defined]
                self.ig_user_id,
                "media",
                data={
                    "media_type": "CAROUSEL",
                    "children": ",".join(children),
                    "caption": post.text,
                },
            )
            state["container"] = {"id": str(answer["id"])}
            self._remember(post, state)
        return self._settled(post, state, state["container"]["id"])

    def _children(self, post: Outgoing, state: dict[str, Any], files: list[MediaFile]) -> list[str]:
        """The carousel's item containers, FINISHED: stored ones reused while usable."""
        children: list[dict[str, Any] | None] = list(state.get("children") or [])
        children += [None] * (len(files) - len(children))
        for index, media in enumerate(files):
            entry = children[index]
            if entry:
                code, detail = self._status(entry["id"])
                if code == "ERROR":
                    raise self._failed_container(post, state, entry["id"], detail)
                if code in ("FINISHED", "IN_PROGRESS"):
                    self._send_if_needed(post, state, entry, media, code)
                    continue
            entry = self._create(post, state, media, carousel=True)
            children[index] = entry
            state["children"] = children
            self._remember(post, state)
            self._send_if_needed(post, state, entry, media, "IN_PROGRESS")
        state["children"] = children
        return [self._settled(post, state, entry["id"]) for entry in children if entry]

    def _create(
        self, post: Outgoing, state: dict[str, Any], media: MediaFile, carousel: bool
    ) -> dict[str, Any]:
        """One container for one file: an image by its URL, a video by resumable upload."""
        data: dict[str, str] = {}
        if media.kind == "video":
            data = {"media_type": "VIDEO" if carousel else "REELS", "upload_type": "resumable"}
        else:
            data = {"image_url": self._image_url(media.path)}
        if carousel:
            data["is_carousel_item"] = "true"
        else:
            data["caption"] = post.text
        answer = self._ig(
            self.api.post_object,  # type: ignore[attr-defined]
            self.ig_user_id,
            "media",
            data=data,
        )
        entry: dict[str, Any] = {"id": str(answer["id"])}
        if media.kind == "video":
            entry["uri"] = answer.get("uri") or self._default_uri(entry["id"])
        return entry

    def _image_url(self, path: Path) -> str:
        """Where Meta fetches an image: url_medios and the file's place in carpeta_medios; in
        the simulator without url_medios, the file's own file:// address."""
        if self.media_url:
            if self.media_dir is None:
                raise Rejected("falta la carpeta de medios para nombrar la imagen en url_medios")
            try:
                relative = path.resolve().relative_to(self.media_dir.resolve())
            except ValueError:
                raise Rejected(f"«{path.name}» no está en la carpeta de medios") from None
            return f"{self.media_url}/{quote(relative.as_posix(), safe='/')}"
        if self._sandboxed():
            return path.resolve().as_uri()
        raise Rejected(
            "Instagram descarga las imágenes desde una dirección pública: escriba en url_medios, "
            "en [channels.instagram] de conectados.toml, la dirección donde se sirve la carpeta "
            "de medios"
        )

    def _sandboxed(self) -> bool:
        return urlsplit(self.base_url).hostname != urlsplit(GRAPH_URL).hostname

    def _status(self, container_id: str) -> tuple[str, Any]:
        """A container's status_code and status; GONE when Meta no longer has it."""
        try:
            answer = self._ig(
                self.api.get_object,  # type: ignore[attr-defined]
                container_id,
                fields="status_code,status",
            )
        except Rejected:
            return GONE, None
        return str(answer.get("status_code") or GONE), answer.get("status")

    def _settled(self, post: Outgoing, state: dict[str, Any], container_id: str) -> str:
        """The container, once FINISHED. Still IN_PROGRESS: asked about again within the short
        `in_call` budget when its wait begins, then NotReady with the next backoff step, kept
        in the state with when the wait began (the thread goes back to the other posts).
        Past the deadline: a plain Transient, an attempt spent; the next attempt waits anew."""
        wait = self.container_wait
        kept = _wait_of(state, container_id)
        first = kept is None
        since, pause = kept or (self.clock.now(), wait.first)
        code = self._still_processing(post, state, container_id)
        if code == "IN_PROGRESS" and first and wait.in_call > 0:
            time.sleep(wait.in_call)
            code = self._still_processing(post, state, container_id)
        if code == "FINISHED":
            if not first:
                state.pop("wait", None)
            return container_id
        left = wait.deadline - (self.clock.now() - since).total_seconds()
        if left <= 0:
            state.pop("wait", None)  # the next attempt begins a new wait
            self._remember(post, state)
            raise Transient(
                "Instagram aún procesa el archivo; se seguirá esperando en el próximo intento",
                retry_after=60,
            )
        state["wait"] = {
            "container": container_id,
            "since": since.isoformat(),
            "pause": wait.after(pause),
        }
        self._remember(post, state)
        raise NotReady(
            "Instagram aún procesa el archivo; se preguntará de nuevo en unos segundos",
            retry_after=min(pause, left),
            first=first,
        )

    def _still_processing(self, post: Outgoing, state: dict[str, Any], container_id: str) -> str:
        """FINISHED or IN_PROGRESS; ERROR as `_failed_container` says, anything else a later
        look."""
        code, detail = self._status(container_id)
        if code == "ERROR":
            raise self._failed_container(post, state, container_id, detail)
        if code not in ("FINISHED", "IN_PROGRESS"):
            raise Transient(
                f"el contenedor de Instagram pasó a {code}; se revisará de nuevo",
                retry_after=30,
            )
        return code

    def _failed_container(
        self, post: Outgoing, state: dict[str, Any], container_id: str, detail: Any
    ) -> Exception:
        """What a container in ERROR means, by the subcode in its `status` (every place that
        reads an ERROR goes through here). The publishing limit (2207042): the post waits for
        a slot (Held). A subcode whose documented remedy is to try again or to make a new
        container (RETRY_SUBCODES: a failed upload, an internal error): an attempt spent, and
        the next one makes a new container. Either way THAT container (or carousel item) is
        dropped from the plan: an ERROR container is never published, and kept, the next
        attempt would read the same ERROR. Any other subcode: Meta's refusal, for good."""
        subcode = subcode_in(detail)
        if subcode != QUOTA_SUBCODE and subcode not in RETRY_SUBCODES:
            return Rejected(container_refusal(detail))
        _forget(state, container_id)
        self._remember(post, state)
        if subcode == QUOTA_SUBCODE:
            return self._held(None)
        log.info("instagram: el contenedor %s falló (%s); se preparará otro", container_id, subcode)
        return Transient(
            f"{container_refusal(detail)} (se preparará otro contenedor en el próximo intento)",
            retry_after=60,
        )

    # --- Reels and carousel videos: the resumable upload --------------------------------

    def _send_if_needed(
        self,
        post: Outgoing,
        state: dict[str, Any],
        entry: dict[str, Any],
        media: MediaFile,
        code: str,
    ) -> None:
        """Send a video's bytes to its container, unless they went already (a FINISHED
        container has them; so has one whose upload was answered `success`)."""
        if media.kind != "video" or entry.get("uploaded") or code != "IN_PROGRESS":
            return
        url = entry.get("uri") or self._default_uri(entry["id"])
        if not self._upload_host_ok(url):
            # The token goes in a header: only to Meta's upload host (or the simulator).
            raise Rejected("Instagram indicó una dirección de subida de video inesperada")
        headers = {
            "Authorization": f"OAuth {self._token}",
            "offset": "0",
            "file_size": str(media.size),
            "Content-Type": "application/octet-stream",
        }
        # Meta documents no way to ask how much arrived: an interrupted upload starts over.
        with FileSlice(media.path, 0, media.size, lambda sent: self._remember(post, state)) as body:
            response = self.session.post(url, headers=headers, data=body)  # type: ignore[attr-defined]
        if response.status_code in (401, 403):
            raise AuthFailed(
                "Instagram no aceptó el token al subir el video (está vencido, fue revocado o le "
                "falta un permiso); revise el token con «conectados channels check»"
            )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        if answer.get("success") is True:
            entry["uploaded"] = True
            self._remember(post, state)
            return
        problem = answer.get("debug_info")
        kind = problem.get("type") if isinstance(problem, dict) else response.status_code
        raise Transient(f"Instagram no completó la subida del video ({kind})", retry_after=30)

    def _default_uri(self, container_id: str) -> str:
        base = self.base_url.rstrip("/") if self._sandboxed() else f"https://{RUPLOAD_HOST}"
        return f"{base}/ig-api-upload/{GRAPH_VERSION}/{container_id}"

    def _upload_host_ok(self, url: str) -> bool:
        parts, own = urlsplit(url), urlsplit(self.base_url)
        if parts.scheme == "https" and parts.hostname == RUPLOAD_HOST:
            return True
        return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


def _forget(state: dict[str, Any], container_id: str) -> None:
    """Drop a container from the plan: the post's own (with its publishing marker) or one
    carousel item (its place left empty, so the others are reused), and its wait."""
    entry = state.get("container")
    if isinstance(entry, dict) and entry.get("id") == container_id:
        state.pop("container", None)
        state.pop("publishing", None)
    children = state.get("children")
    if isinstance(children, list):
        state["children"] = [
            None if isinstance(child, dict) and child.get("id") == container_id else child
            for child in children
        ]
    wait = state.get("wait")
    if isinstance(wait, dict) and wait.get("container") == container_id:
        state.pop("wait", None)


def _wait_of(state: dict[str, Any], container_id: str) -> tuple[datetime, float] | None:
    """The wait an earlier attempt began for this container: when, and the next backoff
    step; None when none was kept (or what was kept cannot be read: a new wait begins)."""
    kept = state.get("wait")
    if not isinstance(kept, dict) or kept.get("container") != container_id:
        return None
    try:
        since = datetime.fromisoformat(kept["since"])
        pause = float(kept["pause"])
    except (KeyError, TypeError, ValueError):
        return None
    if since.tzinfo is None or not pause > 0:
        return None
    return since, pause
