"""The web office: accounts, sessions, CSRF, roles, and the review page over real HTTP."""

from __future__ import annotations

import pytest

from tests.web_office import Browser, start_web_office

QUESTION = "¿Hasta qué hora atienden en la oficina?"


@pytest.fixture
def web(cli, tmp_path, sandbox):
    started = start_web_office(cli, tmp_path, sandbox, ["mi recibo", QUESTION])
    yield started
    started.server.stop()
    started.app.close()


def test_every_page_wants_a_session(web):
    anonymous = Browser(web.url)
    for path in ("/", "/revision", "/estado", "/revision/1", "/cambios"):
        answer = anonymous.get(path, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/entrar")
    refused = anonymous.post(web.url + "/revision/1/aprobar", data={"texto": "x"})
    assert refused.status_code == 401


def test_a_signed_in_person_sees_the_review_queue(web):
    ana = web.login("ana")
    page = ana.get("/revision")
    assert page.status_code == 200 and "mi recibo" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
