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

from channels.checks import CheckLine
from channels.meta.graph import scrub
from channels.meta.token_check import inspect_token, token_lines

NETWORK = "facebook"
WHERE = (
    "business.facebook.com → Configuración del negocio → Usuarios → Usuarios del sistema → "
    "el usuario de Conectados → Generar token, eligiendo la página"
)


@dataclass(frozen=True)
class Job:
    name: str
    """The job in plain Spanish, as the checklist names it."""
    permissions: tuple[str, ...]
    task: str
    """The Page task (role) the token's user needs for it."""


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
    lines += _page_lines(channel, jobs)
    for permission in dict.fromkeys(p for job in jobs for p in job.permissions):
        users = ", ".join(job.name for job in jobs if permission in job.permissions)
        granted = permission in info.scopes
        lines.append(
            CheckLine(
                NETWORK,
                f"permiso {permission} ({users})",
                granted,
                ""
                if granted
                else f"añada el permiso {permission} al token: {WHERE}, marque "
                f"{permission} y guarde el token nuevo en la variable {variable}",
            )
        )
    return lines


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
                f"la página {page_id} no respondió ({type(exc).__name__})",
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
                    f"tarea {task} en la página ({users})",
                    held,
                    ""
                    if held
                    else "en Configuración del negocio → Cuentas → Páginas → la página "
                    f"→ Asignar personas, dé al usuario del sistema el control total o la tarea {task}",
                )
            )
    return lines
