"""Does the Page token do what the enabled jobs need? Asked of Graph with the adapter's client.

Pages (see /work/research/facebook.md section 6):
- GET /debug_token?input_token=...: https://developers.facebook.com/docs/graph-api/reference/debug_token
- GET /{page-id}?fields=id,name,tasks: https://developers.facebook.com/docs/graph-api/reference/page
  (`tasks`: the tasks the token's user has on the Page, as /me/accounts lists them)
- Permissions: https://developers.facebook.com/docs/permissions (pages_manage_posts,
  pages_read_engagement, pages_show_list, pages_read_user_content, pages_manage_engagement,
  pages_messaging, read_insights); the publishing ones from the Reels / Video publishing pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyfacebook.exceptions import FacebookError, LibraryError

from channels.base import ChannelError
from channels.checks import CheckLine, in_variable, no_answer_reason
from channels.meta.graph import scrub
from channels.meta.token_check import TokenInfo, inspect_token, token_lines

NETWORK = "facebook"
SYSTEM_USER = (
    "business.facebook.com → Configuración del negocio → Usuarios → Usuarios del sistema → "
    "el usuario de Conectados"
)
WHERE = f"{SYSTEM_USER} → «Generar token», con la app de Conectados y «Nunca vence»"
"""Where a new token is made, by the guide's clicks (docs/instalacion.md section 5)."""


def assets(page_id: str) -> str:
    """The guide's step before «Generar token»: the Page and the app, given with «Agregar activos»."""
    return (
        f"en {SYSTEM_USER}, compruebe con «Agregar activos» que tiene la página {page_id} "
        "(con control total) y la app de Conectados"
    )


APP_ID_WHERE = (
    "escriba app_id en [channels.facebook] del archivo de configuración: es el «Identificador "
    "de la app» en developers.facebook.com → Mis apps → la app de Conectados → Configuración "
    "→ Básica"
)


@dataclass(frozen=True)
class Job:
    name: str
    """The job in plain Spanish, as the checklist names it."""
    permissions: tuple[str, ...]
    task: str
    """The Page task (role) the token's user needs for it."""


TASK_NAMES = {
    "CREATE_CONTENT": "crear contenido",
    "MODERATE": "moderar",
    "MESSAGING": "mensajes",
    "ANALYZE": "estadísticas",
}
"""Meta's Page tasks (GET /{page-id}?fields=tasks), as the checklist names them."""

PUBLISH = Job(
    "publicar", ("pages_manage_posts", "pages_read_engagement", "pages_show_list"), "CREATE_CONTENT"
)
READ = Job("leer comentarios", ("pages_read_engagement", "pages_read_user_content"), "MODERATE")
HIDE = Job("ocultar comentarios con datos personales", ("pages_manage_engagement",), "MODERATE")
MESSENGER = Job("responder por Messenger", ("pages_messaging",), "MESSAGING")
INSIGHTS = Job("cifras del informe", ("read_insights",), "ANALYZE")


def facebook_jobs(hide_comments: bool) -> list[Job]:
    """What the daemon does on the Page: all of it, and hiding only when [pqr] asks for it."""
    return [PUBLISH, READ, *([HIDE] if hide_comments else []), MESSENGER, INSIGHTS]


def check_facebook(
    channel, jobs: list[Job], app_token: str | None, variable: str
) -> list[CheckLine]:
    """The checklist of one FacebookChannel: its token, its Page, each permission a job uses."""
    api = channel.api
    info = inspect_token(api, app_token)
    lines = token_lines(NETWORK, info, variable, WHERE)
    if not info.valid:
        return lines  # nothing else can be judged with a token Meta does not accept
    lines += _kind_lines(channel, info, variable)
    lines += _page_lines(channel, jobs)
    page_id = str(channel.page_id)
    for permission in dict.fromkeys(p for job in jobs for p in job.permissions):
        users = ", ".join(job.name for job in jobs if permission in job.permissions)
        targets = info.targets.get(permission) if permission.startswith("pages_") else None
        elsewhere = bool(targets) and page_id not in targets
        granted = permission in info.scopes and not elsewhere
        lines.append(
            CheckLine(
                NETWORK,
                f"permiso {permission} ({users})"
                + (f": dado en otras páginas, no en la {page_id}" if elsewhere else ""),
                granted,
                ""
                if granted
                else f"añada el permiso {permission} al token: {assets(page_id)}; luego, "
                f"en «Generar token», elija la app, marque {permission} (con los demás "
                f"permisos de la guía) y «Nunca vence», y guarde el token nuevo en "
                f"{in_variable(variable)}",
            )
        )
    return lines + _app_lines(channel)


def _kind_lines(channel, info: TokenInfo, variable: str) -> list[CheckLine]:
    """Whose token it is: the system user's (the Page's is derived from it), the Page's own
    (of THIS Page), or a person's (it expires, and publishing needs the Page's)."""
    page_id = str(channel.page_id)
    if info.kind == "SYSTEM_USER":
        given = channel.api.access_token
        problem = ""
        if not getattr(channel, "derives_page_token", False):
            problem = "Conectados no lo cambia por el de la página en el modo de prueba"
        else:
            try:
                channel.page_token()
            except ChannelError as exc:
                problem = f"Meta no dio el token de la página ({exc})"
            else:
                if channel.api.access_token == given:
                    problem = "Meta no dio el token de la página"
        if not problem:
            return [
                CheckLine(
                    NETWORK,
                    "token del usuario del sistema: Conectados obtiene el de la página",
                    True,
                )
            ]
        return [
            CheckLine(
                NETWORK,
                f"token del usuario del sistema, pero {problem}",
                False,
                f"{assets(page_id)}; luego genere el token de nuevo ({WHERE}) y guárdelo en "
                f"{in_variable(variable)}",
            )
        ]
    if info.kind == "PAGE" and info.profile_id and info.profile_id != page_id:
        return [
            CheckLine(
                NETWORK,
                f"el token es de otra página ({info.profile_id}), no de la {page_id}",
                False,
                f"guarde en {in_variable(variable)} el token del usuario del sistema "
                f"({WHERE}) o revise [channels.facebook] pagina_id",
            )
        ]
    if info.kind == "USER":
        return [
            CheckLine(
                NETWORK,
                "el token es de una persona, no del usuario del sistema: vence y no publica "
                "como la página",
                False,
                f"genere el token del usuario del sistema ({WHERE}) y guárdelo en "
                f"{in_variable(variable)}",
            )
        ]
    return []


def _app_lines(channel) -> list[CheckLine]:
    """What needs the Meta app's id: videos that are not Reels (the Resumable Upload API opens
    its sessions on the app) and knowing whether another app owns a Messenger conversation."""
    if channel.app_id:
        return [CheckLine(NETWORK, "subir videos que no son Reels: app_id configurado", True)]
    return [
        CheckLine(
            NETWORK,
            "subir videos que no son Reels: falta app_id",
            False,
            APP_ID_WHERE + "; sin él solo se publican videos verticales cortos (Reels)",
        ),
        CheckLine(
            NETWORK,
            "saber si otra aplicación atiende una conversación de Messenger: falta app_id",
            False,
            APP_ID_WHERE + "; mientras falte, Conectados no lo pregunta y podría responder una "
            "conversación que atiende otra aplicación (si la página solo usa Conectados, no "
            "pasa nada)",
            warning=True,
        ),
    ]


def _page_lines(channel, jobs: list[Job]) -> list[CheckLine]:
    page_id = channel.page_id
    token = channel.api.access_token or ""
    try:
        try:
            page = channel.api.get_object(page_id, fields="id,name,tasks")
        except FacebookError as exc:
            if getattr(exc, "code", None) != 100:
                raise
            page = channel.api.get_object(page_id, fields="id,name")  # no tasks for this token
    except FacebookError as exc:
        said = scrub(getattr(exc, "message", ""), token)
        return [
            CheckLine(
                NETWORK,
                f"la página {page_id} no se puede leer con este token (Meta dice: {said})",
                False,
                "revise [channels.facebook] pagina_id (el número de la página, en «Información "
                "de la página» → «Transparencia de la página») y que el usuario del sistema "
                "tenga la página entre sus activos",
            )
        ]
    except (LibraryError, OSError) as exc:
        return [
            CheckLine(
                NETWORK,
                f"la página {page_id} no respondió ({no_answer_reason(exc)})",
                False,
                "revise la conexión a internet y vuelva a intentarlo",
            )
        ]
    name = page.get("name") if isinstance(page, dict) else None
    lines = [CheckLine(NETWORK, f"la página «{name or page_id}» responde", True)]
    tasks = page.get("tasks") if isinstance(page, dict) else None
    if isinstance(tasks, list):
        for task in dict.fromkeys(job.task for job in jobs):
            users = ", ".join(job.name for job in jobs if job.task == task)
            held = task in tasks
            lines.append(
                CheckLine(
                    NETWORK,
                    f"tarea «{TASK_NAMES.get(task, task)}» en la página ({users})",
                    held,
                    ""
                    if held
                    else f"{assets(page_id)}: con control total tiene la tarea "
                    f"«{TASK_NAMES.get(task, task)}» ({task} para Meta)",
                )
            )
    return lines
