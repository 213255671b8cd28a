"""A web office on a real server over the simulated X: a temporary database filled by the
daemon (`daemon --once`), accounts of each role, and a requests session per person."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from conectados.app import App
from office.web_office import build_office
from tests.x_office import citizen, office
from web.accounts import add_user
from web.app import build_web_app
from web.models import Role
from web.server import WebServer

PASSWORD = "clave-de-prueba-1"
PEOPLE = {"ana": Role.COMMUNICATIONS, "pedro": Role.PQR, "admin": Role.ADMIN}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class WebOffice:
    url: str
    app: App
    server: WebServer

    @property
    def database(self):
        return self.app.database

    def login(self, username: str, password: str = PASSWORD) -> Browser:
        browser = Browser(self.url)
        answer = browser.post_form("/entrar", {"usuario": username, "contrasena": password})
        assert answer.status_code == 200 and "/entrar" not in answer.url, answer.text[-500:]
        return browser


class Browser(requests.Session):
    """A person's browser: cookies kept, forms posted with the page's CSRF token."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def get(self, path: str, **kwargs):  # type: ignore[override]
        return super().get(self.base + path, timeout=30, **kwargs)

    def token(self, path: str) -> str:
        page = self.get(path)
        found = _CSRF.search(page.text)
        assert found, f"no CSRF token on {path}: {page.status_code} {page.text[-300:]}"
        return found.group(1)

    def post_form(self, path: str, data: dict, token_from: str | None = None, **kwargs):
        fields = {"csrf": self.token(token_from or path), **data}
        return self.post(self.base + path, data=fields, timeout=30, **kwargs)


@contextlib.contextmanager
def running_web_office(cli, tmp_path: Path, sandbox, messages) -> Iterator[WebOffice]:
    """`start_web_office`, stopped and closed when the block ends (a fixture's body)."""
    started = start_web_office(cli, tmp_path, sandbox, messages)
    try:
        yield started
    finally:
        started.server.stop()
        started.app.close()


def start_web_office(
    cli, tmp_path: Path, sandbox, messages: list[str | tuple[str, str]]
) -> WebOffice:
    """`init`, the citizens' messages on X (a text is a private message; a (text, kind)
    pair says «mention» for a public one), one daemon round, the accounts, the server."""
    office(cli, tmp_path, sandbox)
    for number, message in enumerate(messages):
        text, kind = (message, "message") if isinstance(message, str) else message
        citizen(sandbox, text, kind=kind, author=f"Persona{number}")
    if messages:
        assert cli("daemon", "--once").exit_code == 0
    app = App(environ={}, cwd=tmp_path, config_path=str(tmp_path / "conectados.toml"))
    if cli.clock is not None:
        app.clock = cli.clock
    database = app.ready_database()
    for username, role in PEOPLE.items():
        add_user(database, username, username.capitalize(), role, PASSWORD)
    server = WebServer(build_web_app(build_office(app, database)), "127.0.0.1", 0).start()
    return WebOffice(server.url, app, server)
