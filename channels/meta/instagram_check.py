"""Is the Instagram account linked to the Page, and may the token do what the jobs need?

Asked of Graph with the adapter's own client (Instagram API with Facebook Login: the same
host and the same Meta token as the Page's). Pages (see /work/research/ig_publishing.md
section 8 and ig_engagement.md section 6):
- GET /{page-id}?fields=instagram_business_account: "Page" reference (Instagram Platform),
  https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/page
  ({"instagram_business_account": {"id": "17841405822304914"}, "id": "134895793791914"};
  the key is absent when the Page has no linked professional account)
- GET /{ig-user-id}?fields=id,username: the IG User node
- GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,config: "IG User Content
  Publishing Limit" ({"data": [{"quota_usage": 2, "config": {"quota_total": 100, ...}}]})
- Permissions per job: instagram_basic, instagram_content_publish, instagram_manage_comments,
  instagram_manage_insights, instagram_manage_messages, pages_show_list, pages_read_engagement
  (the reference pages of media, media_publish, comments, insights and messaging).

url_medios is checked too: Meta fetches each image from it, so one file of carpeta_medios
must answer 200 there with an image type.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pyfacebook.exceptions import FacebookError, LibraryError

from channels.checks import CheckLine, in_variable, no_answer_reason
from channels.meta.facebook_check import SYSTEM_USER
from channels.meta.graph import scrub
from channels.meta.token_check import inspect_token, token_lines

NETWORK = "instagram"
WHERE = (
    f"{SYSTEM_USER}: con «Agregar activos», que tenga la página y la cuenta de Instagram; "
    "luego «Generar token», con la app de Conectados y «Nunca vence»"
)
"""Where a new token is made, by the guide's clicks (docs/instalacion.md section 5)."""
LINK = (
    "la cuenta de Instagram debe ser profesional (en la app: Configuración → Tipo de cuenta y "
    "herramientas → Cambiar a cuenta profesional) y estar vinculada a la página (Meta Business "
    "Suite → Configuración → Cuentas de Instagram → Conectar)"
)
IMAGE_SUFFIXES = (".jpg", ".jpeg")
MEDIA_LOOKS = 2_000
"""How many entries of carpeta_medios are looked at to find an image to ask url_medios for."""
URL_TIMEOUT = 10.0


@dataclass(frozen=True)
class Job:
    name: str
    """What fails without the permission, in plain Spanish, as the checklist names it."""
    permissions: tuple[str, ...]


PUBLISH = Job(
    "publicar",
    ("instagram_basic", "instagram_content_publish", "pages_read_engagement", "pages_show_list"),
)
COMMENTS = Job(
    "leer, responder y ocultar comentarios",
    ("instagram_basic", "instagram_manage_comments", "pages_read_engagement", "pages_show_list"),
)
MESSAGES = Job("responder mensajes directos", ("instagram_basic", "instagram_manage_messages"))
INSIGHTS = Job(
    "cifras del informe",
    ("instagram_basic", "instagram_manage_insights", "pages_read_engagement"),
)
JOBS = (PUBLISH, COMMENTS, MESSAGES, INSIGHTS)


@dataclass(frozen=True)
class MediaPlace:
    """Where the images are (carpeta_medios) and where Meta fetches them (url_medios)."""

    folder: Path | None
    url: str
    real: bool
    """Real mode: url_medios is required (Meta cannot read the company's disk)."""


def linked_id(answer: Any) -> str | None:
    """The instagram_business_account id of a Page answer (None: the key is absent, as Meta
    leaves it when no professional account is linked)."""
    linked = answer.get("instagram_business_account") if isinstance(answer, dict) else None
    if isinstance(linked, dict) and isinstance(linked.get("id"), str | int) and linked["id"]:
        return str(linked["id"])
    return None


def linked_account(api, page_id: str) -> str | None:
    """The Instagram professional account linked to the Page (None: none is linked).
    Raises pyfacebook's errors: the caller says what they mean."""
    return linked_id(api.get_object(page_id, fields="instagram_business_account"))


CUENTA_ID = (
    "cuenta_id es el número de la cuenta profesional de Instagram vinculada a la página de "
    "Facebook (pagina_id en [channels.facebook])"
)
CUENTA_ID_ELSEWHERE = (
    "también se ve en Meta Business Suite → Configuración → Cuentas de Instagram (elija la "
    "cuenta: su identificador)"
)


def cuenta_id_hint(api, page_id: str, unasked: str = "") -> str:
    """What to write when cuenta_id is missing: the account the Page links, for the team to
    copy; when Meta cannot be asked (`unasked` says why: no token, no pagina_id) or does not
    answer, what the number is, that this check finds it once it can ask, and where Meta
    shows it. A bare «escriba cuenta_id» left the team wondering where the number comes from."""
    if not unasked:
        try:
            linked = linked_account(api, page_id)
        except FacebookError as exc:
            said = scrub(getattr(exc, "message", ""), api.access_token or "")
            return (
                f"{CUENTA_ID}; Meta no dijo cuál es (Meta dice: {said}): el token necesita "
                f"instagram_basic y pages_show_list sobre la página; {CUENTA_ID_ELSEWHERE}"
            )
        except (LibraryError, OSError) as exc:
            unasked = f"Meta no respondió: {no_answer_reason(exc)}"
        else:
            if linked is None:
                return (
                    f"la página {page_id} no tiene una cuenta profesional de Instagram "
                    f"vinculada: {LINK}; después esta comprobación muestra el número"
                )
            return (
                f'escriba cuenta_id = "{linked}" en [channels.instagram]: es la cuenta de '
                f"Instagram vinculada a la página {page_id}"
            )
    return (
        f"{CUENTA_ID}; no se pudo preguntar a Meta cuál es ({unasked}): con el token y "
        f"pagina_id configurados, esta comprobación lo pregunta y lo muestra aquí; "
        f"{CUENTA_ID_ELSEWHERE}"
    )


def check_instagram(
    channel,
    page_id: str,
    app_token: str | None,
    variable: str,
    media: MediaPlace,
    jobs: tuple[Job, ...] = JOBS,
) -> list[CheckLine]:
    """The checklist of one InstagramChannel: the token, the account the Page links, the
    account itself, each permission a job uses, the publishing limit and url_medios."""
    info = inspect_token(channel.api, app_token)
    lines = token_lines(NETWORK, info, variable, WHERE)
    if not info.valid:
        return lines  # nothing else can be judged with a token Meta does not accept
    lines.append(_link_line(channel, page_id))
    lines.append(_account_line(channel))
    for permission in dict.fromkeys(p for job in jobs for p in job.permissions):
        users = ", ".join(job.name for job in jobs if permission in job.permissions)
        targets = info.targets.get(permission) if permission.startswith("pages_") else None
        elsewhere = bool(page_id) and bool(targets) and page_id not in targets
        granted = permission in info.scopes and not elsewhere
        lines.append(
            CheckLine(
                NETWORK,
                f"permiso {permission} ({users})"
                + (f": dado en otras páginas, no en la {page_id}" if elsewhere else ""),
                granted,
                ""
                if granted
                else f"añada el permiso {permission} al token: en {SYSTEM_USER}, compruebe "
                "con «Agregar activos» que tiene la página y la cuenta de Instagram; luego, en "
                f"«Generar token», elija la app, marque {permission} (con los demás permisos "
                f"de la guía) y «Nunca vence», y guarde el token nuevo en {in_variable(variable)}",
            )
        )
    lines.append(_limit_line(channel))
    lines.append(media_line(media))
    return lines


def _said(channel, exc: FacebookError) -> str:
    return scrub(getattr(exc, "message", ""), channel.api.access_token or "")


def _link_line(channel, page_id: str) -> CheckLine:
    """The Page's instagram_business_account is the account Conectados uses."""
    configured = str(channel.ig_user_id)
    if not page_id:
        return CheckLine(
            NETWORK,
            "no se sabe a qué página está vinculada la cuenta: falta pagina_id en "
            "[channels.facebook]",
            False,
            "escriba pagina_id en [channels.facebook] (la página vinculada a la cuenta de "
            "Instagram): los mensajes directos pasan por ella",
        )
    try:
        linked = linked_account(channel.api, page_id)
    except FacebookError as exc:
        return CheckLine(
            NETWORK,
            f"la página {page_id} no dice qué cuenta de Instagram tiene vinculada (Meta dice: "
            f"{_said(channel, exc)})",
            False,
            "el token necesita los permisos instagram_basic y pages_show_list sobre la página "
            f"(vea abajo); {LINK}",
        )
    except (LibraryError, OSError) as exc:
        return CheckLine(
            NETWORK,
            f"la página {page_id} no respondió ({no_answer_reason(exc)})",
            False,
            "revise la conexión a internet y vuelva a intentarlo",
        )
    if linked is None:
        return CheckLine(
            NETWORK,
            f"la página {page_id} no tiene una cuenta profesional de Instagram vinculada",
            False,
            LINK,
        )
    if linked != configured:
        return CheckLine(
            NETWORK,
            f"cuenta_id {configured} no es la cuenta vinculada a la página {page_id}: la "
            f"vinculada es la {linked}",
            False,
            f'escriba cuenta_id = "{linked}" en [channels.instagram]',
        )
    return CheckLine(
        NETWORK, f"la página {page_id} está vinculada a esta cuenta (cuenta_id {linked})", True
    )


def _account_line(channel) -> CheckLine:
    account = str(channel.ig_user_id)
    try:
        answer = channel.api.get_object(account, fields="id,username")
    except FacebookError as exc:
        return CheckLine(
            NETWORK,
            f"la cuenta de Instagram {account} no se puede leer con este token (Meta dice: "
            f"{_said(channel, exc)})",
            False,
            "revise [channels.instagram] cuenta_id («conectados channels check» muestra la "
            "vinculada a la página) y que el usuario del sistema tenga la cuenta entre sus activos",
        )
    except (LibraryError, OSError) as exc:
        return CheckLine(
            NETWORK,
            f"la cuenta de Instagram {account} no respondió ({no_answer_reason(exc)})",
            False,
            "revise la conexión a internet y vuelva a intentarlo",
        )
    username = answer.get("username") if isinstance(answer, dict) else None
    shown = f"@{username}" if username else account
    return CheckLine(NETWORK, f"la cuenta {shown} responde", True)


def publishing_limit(answer: Any) -> tuple[int, int] | None:
    """(quota_usage, quota_total) from a content_publishing_limit answer; None if not one."""
    data = answer.get("data") if isinstance(answer, dict) else None
    first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
    if first is None:
        return None
    usage = first.get("quota_usage")
    config = first.get("config") if isinstance(first.get("config"), dict) else {}
    total = config.get("quota_total")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (usage, total)):
        return None
    return usage, total


def _limit_line(channel) -> CheckLine:
    """The publishing limit, as information: past it, posts wait (they do not fail)."""
    try:
        answer = channel.api.get_connection(
            str(channel.ig_user_id), "content_publishing_limit", fields="quota_usage,config"
        )
    except FacebookError as exc:
        problem = f"Meta dice: {_said(channel, exc)}"
    except (LibraryError, OSError) as exc:
        problem = no_answer_reason(exc)
    else:
        limit = publishing_limit(answer)
        if limit is not None:
            usage, total = limit
            full = usage >= total
            return CheckLine(
                NETWORK,
                f"límite de publicaciones: {usage} de {total} en las últimas 24 horas",
                not full,
                "las publicaciones que siguen esperan hasta que se libere un cupo" if full else "",
                warning=full,
            )
        problem = "respondió algo que no se entiende"
    return CheckLine(
        NETWORK,
        f"no se pudo leer el límite de publicaciones ({problem})",
        False,
        "se vuelve a mirar antes de cada publicación; si sigue, revise el permiso "
        "instagram_content_publish",
        warning=True,
    )


def sample_image(folder: Path | None) -> Path | None:
    """A JPEG of carpeta_medios to ask url_medios for (the first, in name order, among the
    first MEDIA_LOOKS entries: a big folder is not walked whole)."""
    if folder is None or not folder.is_dir():
        return None
    found = []
    for looked, path in enumerate(folder.rglob("*")):
        if looked >= MEDIA_LOOKS:
            break
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            found.append(path)
    return min(found) if found else None


def public_url(base: str, folder: Path, file: Path) -> str:
    """The address where Meta fetches `file`: url_medios plus its path inside carpeta_medios."""
    relative = file.relative_to(folder).as_posix()
    return base.rstrip("/") + "/" + quote(relative)


def media_line(media: MediaPlace) -> CheckLine:
    """url_medios answers an image of carpeta_medios with 200 and an image type."""
    import requests

    if not media.url:
        if not media.real:
            return CheckLine(
                NETWORK,
                "url_medios vacía: el simulador lee las imágenes de carpeta_medios en el disco",
                True,
            )
        return CheckLine(
            NETWORK,
            "falta url_medios: Meta no puede traer las imágenes",
            False,
            "sirva carpeta_medios por HTTPS (vea el README, «Pasar a las redes de verdad») y "
            "escriba su dirección pública en [channels.instagram] url_medios",
        )
    image = sample_image(media.folder)
    if image is None or media.folder is None:
        return CheckLine(
            NETWORK,
            "url_medios no se pudo probar: no hay imágenes JPEG en carpeta_medios",
            False,
            "ponga una imagen .jpg en carpeta_medios y vuelva a ejecutar la comprobación",
            warning=True,
        )
    url = public_url(media.url, media.folder, image)
    try:
        answer = requests.head(url, timeout=URL_TIMEOUT, allow_redirects=True)
        if answer.status_code in (405, 501):  # a server that does not answer HEAD
            answer = requests.get(url, timeout=URL_TIMEOUT, stream=True)
            answer.close()
    except requests.RequestException as exc:
        return CheckLine(
            NETWORK,
            f"url_medios no respondió ({no_answer_reason(exc)}) al pedir {url}",
            False,
            "revise que el servidor web sirva carpeta_medios en esa dirección, por HTTPS y "
            "abierta a internet (Meta la pide desde sus servidores)",
        )
    kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if answer.status_code == 200 and kind.startswith("image/"):
        return CheckLine(NETWORK, f"url_medios sirve las imágenes ({kind})", True)
    got = f"código {answer.status_code}" + (f", tipo {kind}" if kind else "")
    return CheckLine(
        NETWORK,
        f"url_medios no sirve las imágenes: {url} respondió {got}",
        False,
        "url_medios debe ser la dirección donde el servidor web publica carpeta_medios, de modo "
        "que url_medios + la ruta del archivo dentro de carpeta_medios responda 200 con la "
        "imagen (vea el README, «Pasar a las redes de verdad»)",
    )
