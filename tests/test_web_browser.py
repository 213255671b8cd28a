"""The web office in a real browser: Playwright driving Debian's Chromium.

Skipped, with the reason, where Chromium or Playwright is missing (`.ci/run` installs
Chromium from Debian's packages; Playwright comes with the test extras). The server, the
database and the simulator are real; the browser clicks and types as a person would.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from responders.light_tables import REPLY_PENDING
from responders.reply_listing import list_replies
from tests.test_web_calendar import BAD
from tests.web_office import PASSWORD, running_web_office
from tests.x_office import sent_on_x

MESSAGES = ["mi recibo", "me facturaron"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "no hay Chromium (apt-get install chromium): se omiten las pruebas en el navegador"
        )
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright no está instalado (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def sandbox(fixed_office):
    return fixed_office[0]


@pytest.fixture
def web(cli, tmp_path, sandbox):
    with running_web_office(cli, tmp_path, sandbox, MESSAGES) as started:
        yield started


@pytest.fixture
def page(browser, web):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CO")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def sign_in(page, web, username: str) -> None:
    page.goto(web.url + "/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state()


def first_pending(web) -> int:
    rows, _ = list_replies(web.database, REPLY_PENDING, 10)
    return rows[0][0].id


def test_sign_in_approve_with_the_keyboard_and_it_is_sent_once(page, web, cli, sandbox):
    sign_in(page, web, "ana")
    assert page.url.endswith("/revision")
    reply_id = first_pending(web)
    page.get_by_role("link", name=str(reply_id), exact=True).first.click()
    page.get_by_label("Respuesta (puede corregirla antes de aprobar)").fill(
        "Hola, ya lo revisamos."
    )
    page.locator("body").click(position={"x": 5, "y": 5})  # out of the text box
    page.keyboard.press("a")  # the shortcut for «Aprobar»
    page.wait_for_url("**/revision/*")
    assert (
        page.get_by_role("status").first.inner_text().startswith(f"Respuesta {reply_id} aprobada")
    )
    # The page of the decided reply, opened again: decided, no buttons left to send it twice.
    page.goto(f"{web.url}/revision/{reply_id}")
    assert "aprobada" in page.locator("h1").inner_text()
    assert page.get_by_role("button", name="Aprobar").count() == 0
    assert cli("daemon", "--once").exit_code == 0
    assert [sent["text"] for sent in sent_on_x(sandbox)].count("Hola, ya lo revisamos.") == 1


def test_file_a_pqr_from_the_review_page(page, web):
    sign_in(page, web, "ana")
    reply_id = first_pending(web)
    page.goto(f"{web.url}/revision/{reply_id}")
    page.get_by_label("Tipo de PQR").select_option(label="reclamo")
    page.get_by_role("button", name="Radicar PQR").click()
    page.wait_for_load_state()
    assert "Radicado 2026-000001" in page.get_by_role("status").first.inner_text()


def test_a_pqr_officer_cannot_open_the_calendar(page, web):
    sign_in(page, web, "pedro")
    page.goto(f"{web.url}/calendario")
    assert "Su rol no permite abrir esta página" in page.content()
    assert page.get_by_role("link", name="Calendario").count() == 0  # not in the menu either


def test_upload_a_calendar_with_an_error_and_see_its_line(page, web, tmp_path):
    """The fixed clock is 10 March 2026: the second post's date (line 9) is in the past."""
    calendar = tmp_path / "marzo.yaml"
    calendar.write_text(BAD, encoding="utf-8")  # the second post's date is in the past
    sign_in(page, web, "ana")
    page.goto(f"{web.url}/calendario")
    page.locator("input[name=archivo]").set_input_files(str(calendar))
    page.get_by_role("button", name="Importar").click()
    page.wait_for_load_state()
    shown = page.locator("main").inner_text()
    assert "marzo.yaml:9" in shown and "No se importó nada" in shown


def test_what_one_person_decides_shows_to_another_within_seconds(page, web):
    """Ana has the queue open; the administrator approves a reply from another browser; Ana's
    queue reloads itself without that reply (the page asks /cambios every 3 seconds)."""
    sign_in(page, web, "ana")
    reply_id = first_pending(web)
    link = page.get_by_role("link", name=str(reply_id), exact=True)
    assert link.count() == 1
    admin = web.login("admin")
    admin.post_form(
        f"/revision/{reply_id}/aprobar", {"texto": "Listo.", "privado": "0"},
        token_from=f"/revision/{reply_id}",
    )  # fmt: skip
    link.wait_for(state="detached", timeout=15_000)
