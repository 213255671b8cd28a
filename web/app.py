"""The web office: a server-rendered Starlette app over the same functions as the CLI.

Every page is a module of `web.pages` with a `routes(office)` function. This module holds
what they share: who is signed in (a signed, expiring cookie naming the account and its
session version), the CSRF check on every form, the roles, the Jinja2 templates (autoescaped:
nothing a citizen writes is rendered as a template or as HTML) and the security headers.

The work of a request (the database, the protocols, the simulator) is blocking code shared
with the CLI: endpoints run it in Starlette's thread pool.
"""

from __future__ import annotations

import functools
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from conectados.app import App
from conectados.db import Database
from conectados.errors import BadInput, ConectadosError
from web.accounts import ClientFailures, SignedIn, current_user, session_secret
from web.models import Role

log = logging.getLogger("conectados.web")

HERE = Path(__file__).parent
SESSION_COOKIE = "conectados_sesion"
FLASH_COOKIE = "conectados_aviso"
FLASH_CHARS = 1000
"""A message carried to the next page fits a cookie (4 KB signed) with room to spare."""
ID_MAX = 999_999_999
"""Ids in paths and lists: nine digits at most, so no database is asked for a number it
cannot hold (SQLite's integers overflow past 2**63; ours never get near this)."""
SESSION_HOURS = 10
"""A working day: a session signed in in the morning lasts until the evening, not overnight."""
MAX_FIELD_BYTES = 256 * 1024
"""The largest text field of a form (a PQR answer is at most 64 KB, as in the CLI)."""
MAX_FORM_BYTES = 8 * 1024 * 1024 + MAX_FIELD_BYTES
"""The largest form a browser may announce: an uploaded calendar is at most 8 MB
(`content_calendar.source.MAX_CALENDAR_BYTES`, checked again while it is read)."""

ALL = (Role.COMMUNICATIONS, Role.PQR, Role.ADMIN)
COMMUNICATIONS = (Role.COMMUNICATIONS, Role.ADMIN)
PQR = (Role.PQR, Role.ADMIN)
ADMIN = (Role.ADMIN,)

NAVIGATION = (
    ("bandeja", "/bandeja", "Bandeja", ALL),
    ("revision", "/revision", "Revisión", COMMUNICATIONS),
    ("pqr", "/pqr", "PQR", PQR),
    ("calendario", "/calendario", "Calendario", COMMUNICATIONS),
    ("avisos", "/avisos", "Avisos", COMMUNICATIONS),
    ("informe", "/informe", "Informe", ALL),
    ("estado", "/estado", "Estado", ALL),
)

SECURITY_HEADERS = {
    # No inline script or style: what a citizen writes cannot run even if a page forgot
    # to escape it.
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    # Same-origin, not no-referrer: under no-referrer a browser sends «Origin: null» with
    # every form, and the CSRF check could no longer tell this office's forms from others'.
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


@dataclass
class Flash:
    text: str
    kind: str = "ok"  # ok, error


class Office:
    """The web office of one company: its settings, database and clock, shared by pages."""

    def __init__(
        self,
        app: App,
        status_source: Callable[[], tuple[Any, str]],
        database: Database | None = None,
    ) -> None:
        """`status_source`: what `conectados status` gathers and prints (the status object
        with `pending_replies`, `open_tickets`… and its text), for the Estado page."""
        self.app = app
        self.status_source = status_source
        self.settings = app.settings
        self.database = database or app.ready_database()
        self.clock = app.clock
        secret = session_secret(self.database)
        self.serializer = URLSafeTimedSerializer(secret, salt="conectados-web-sesion")
        self.flashes = URLSafeTimedSerializer(secret, salt="conectados-web-aviso")
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every value is text, whoever wrote it
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        from web import views

        self.templates.filters.update(views.FILTERS)
        self.templates.globals["company"] = self.settings.company.name or "Conectados"
        views.set_zone(self.settings.zone)
        self._catalogue: tuple | None = None
        from notices.sectors import SectorFile

        self.sectors = SectorFile(self.settings.sectors_path)
        """The company's sectors, read again when `sectores.yaml` changes."""
        self.client_failures = ClientFailures()
        """Failed sign-ins per client address (`web.accounts.ClientFailures`)."""

    def catalogue(self):
        """The protocols, loaded again only when their files change (one `stat` per file):
        a page must not read every YAML file, and an edit shows without a restart."""
        from responders.learning_version import files_state
        from responders.protocol_files import load_catalogue

        folder = self.settings.protocols_dir
        state = files_state(folder)
        if self._catalogue is None or state != self._catalogue[0]:
            try:
                loaded = load_catalogue(folder)
            except ConectadosError as error:
                if self._catalogue is None or self._catalogue[1] is None:
                    raise
                # A bad edit must not stop the review: the last good protocols stay in use
                # until it is fixed (said once per change of the files), as the daemon does.
                log.error(
                    "los protocolos no se pudieron leer; se siguen usando los anteriores: %s", error
                )
                loaded = self._catalogue[1]
            self._catalogue = (state, loaded)
        return self._catalogue[1]

    def protocol_names(self) -> dict[str, str]:
        try:
            return {protocol.id: protocol.name for protocol in self.catalogue()}
        except ConectadosError:
            return {}

    # --- the session --------------------------------------------------------------------

    def session_of(self, request: Request) -> dict | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self.serializer.loads(raw, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    def user_of(self, request: Request) -> SignedIn | None:
        data = self.session_of(request)
        if not data:
            return None
        try:
            return current_user(self.database, int(data["u"]), int(data["v"]))
        except (KeyError, TypeError, ValueError):
            return None

    def start_session(self, response: Response, user: SignedIn, request: Request) -> None:
        token = self.serializer.dumps(
            {"u": user.id, "v": user.session_version, "c": secrets.token_urlsafe(24)}
        )
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="lax",
            secure=_is_https(request),
            path="/",
        )

    def end_session(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")

    # --- pages ----------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        user: SignedIn | None = getattr(request.state, "user", None)
        session = getattr(request.state, "session", None) or {}
        flash = _read_flash(self, request)
        body = self.templates.get_template(template).render(
            user=user,
            csrf=session.get("c", ""),
            navigation=[item for item in NAVIGATION if user and user.role in item[3]],
            path=request.url.path,
            flash=flash,
            **context,
        )
        response = HTMLResponse(body, status_code=status_code)
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def redirect(self, to: str, flash: Flash | None = None) -> RedirectResponse:
        response = RedirectResponse(to, status_code=303)
        if flash is not None:
            text = (
                flash.text
                if len(flash.text) <= FLASH_CHARS
                else flash.text[: FLASH_CHARS - 1] + "…"
            )
            response.set_cookie(
                FLASH_COOKIE,
                self.flashes.dumps({"t": text, "k": flash.kind}),
                max_age=60,
                httponly=True,
                samesite="lax",
                path="/",  # not Secure: a signed sentence with nothing personal or secret
            )
        return response

    def refused(self, request: Request, text: str, status_code: int = 403) -> HTMLResponse:
        return self.render(
            request, "refused.html", status_code=status_code, title="No permitido", text=text
        )


def page(
    roles: Iterable[Role] = ALL, files: int = 0
) -> Callable[[Callable[..., Awaitable[Response]]], Callable[..., Awaitable[Response]]]:
    """An endpoint for the signed-in roles given; a form's POST must carry the CSRF token,
    and may carry `files` uploaded files (none but the calendar's)."""
    allowed = tuple(roles)

    def wrap(endpoint: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            office: Office = request.app.state.office
            session = office.session_of(request)
            user = await run_in_threadpool(office.user_of, request) if session else None
            request.state.session = session
            request.state.user = user
            if user is None:
                if request.method == "GET":
                    target = request.url.path + (
                        f"?{request.url.query}" if request.url.query else ""
                    )
                    return RedirectResponse(f"/entrar?siguiente={quote(target)}", status_code=303)
                return office.refused(request, "Su sesión terminó: vuelva a entrar.", 401)
            if user.role not in allowed:
                return office.refused(
                    request,
                    "Su rol no permite abrir esta página. Si la necesita, pídale a un "
                    "administrador que cambie su cuenta.",
                )
            if request.method == "POST":
                problem = await check_form(request, session, files)
                if problem:
                    return office.refused(request, problem)
            try:
                return await endpoint(request)
            except ConectadosError as error:
                return office.render(
                    request,
                    "refused.html",
                    status_code=400,
                    title="No se pudo",
                    text=f"No se pudo: {said(error)}",
                )

        guarded.roles = allowed  # type: ignore[attr-defined]  # read by the route table test
        return guarded

    return wrap


async def check_form(request: Request, session: dict | None, files: int = 0) -> str | None:
    """The CSRF check: the form's token must be the session's, and a browser that says where
    the form came from must say it came from here. The body is read within its limits first
    (`BodyLimit`: 8 MB in all, whatever the headers say; `files` uploaded files at most)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        return "El formulario no viene de esta oficina (origen distinto)."
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_FORM_BYTES:
        return "El formulario es demasiado grande (más de 8 MB)."
    try:
        form = await request.form(max_files=files, max_fields=50, max_part_size=MAX_FIELD_BYTES)
    except HTTPException:  # Starlette's words for a form it cannot read, in English
        return (
            "El formulario no se pudo leer: tiene demasiados campos, un campo de más de "
            "256 KB, un archivo donde no va, o está dañado. Recargue la página e intente de nuevo."
        )
    request.state.form = form
    sent = form.get("csrf")
    expected = (session or {}).get("c", "")
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        return (
            "El formulario venció o no tiene la marca de seguridad (CSRF): recargue la página "
            "y vuelva a intentarlo."
        )
    return None


def form_of(request: Request):
    return request.state.form


def said(error: ConectadosError) -> str:
    """An error as a page says it: a wrong input without the command line's «ID:» or
    «argumento RADICADO:» in front (the page shows which form it came from)."""
    if isinstance(error, BadInput) and _COMMAND_LINE_PLACE.match(error.location or ""):
        return error.problem
    return str(error)


_COMMAND_LINE_PLACE = re.compile(r"ID$|argumento |--|respuesta \d+$")
"""Where the CLI says a wrong input came from; a form's field names stay («hasta: …»)."""


SEES_PERSONAL_DATA = (Role.PQR, Role.ADMIN)
"""Who reads a citizen's words and name as written: they answer PQR and must reach the
person. The communications team decides on the topic: it sees personal data masked."""
ANONYMOUS = "Ciudadano"


def sees_personal_data(user: SignedIn) -> bool:
    return user.role in SEES_PERSONAL_DATA


def citizens_words(user: SignedIn) -> Callable[[str], str]:
    """What this person sees of a citizen's text (`conectados.privacy.mask` unless their
    role needs the data)."""
    if sees_personal_data(user):
        return lambda text: text
    from conectados.privacy import mask

    return lambda text: mask(text) if text else text


def citizens_name(user: SignedIn, name: str) -> str:
    return name if sees_personal_data(user) else ANONYMOUS


def query_id(value: str | None, field: str) -> int | None:
    """An id given in a page's address (`?despues=`, `?antes=`), or BadInput naming it."""
    if value is None or value == "":
        return None
    if not value.isdigit() or not 1 <= int(value) <= ID_MAX:
        raise BadInput(f"«{value[:40]}» no es un número de la lista", f"campo {field}")
    return int(value)


class IdConvertor(Convertor):
    """`{name:id}` in a route: at most nine digits, so a longer number is a 404 and never
    reaches the database (where it would overflow)."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Stops reading a request's body past `limit` bytes, whether or not it announced its
    length (a chunked body has none): 413, before anything is stored. Starlette spools an
    uploaded file to disk without a limit of its own."""

    def __init__(self, app, limit: int = MAX_FORM_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        await self.app(scope, limited, send)


async def _too_large(request: Request, exc: Exception) -> Response:
    return HTMLResponse(
        "<!doctype html><title>Demasiado grande</title><p>El formulario es demasiado grande "
        "(más de 8 MB): no se guardó nada.</p>",
        status_code=413,
    )


def _read_flash(office: Office, request: Request) -> Flash | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = office.flashes.loads(raw, max_age=120)
        return Flash(str(data["t"]), str(data["k"]))
    except (BadSignature, KeyError, TypeError):
        return None


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


class SecurityHeaders:
    """The security headers on every answer, unless the page set its own (the report does)."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def build_web_app(office: Office) -> Starlette:
    from starlette.middleware import Middleware

    from web.pages import all_routes

    routes = [
        *all_routes(office),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    web = Starlette(
        routes=routes,
        # Plain ASGI middleware: the body limit must raise inside the endpoint's own call,
        # where the exception handler turns it into a 413.
        middleware=[Middleware(SecurityHeaders), Middleware(BodyLimit)],
        exception_handlers={_TooLarge: _too_large},
    )
    web.router.redirect_slashes = False  # its redirect would trust the Host header
    web.state.office = office
    return web


__all__ = [
    "ADMIN",
    "ALL",
    "COMMUNICATIONS",
    "PQR",
    "Flash",
    "Office",
    "Route",
    "build_web_app",
    "form_of",
    "page",
]
