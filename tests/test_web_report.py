"""Informe over real HTTP: the monthly report as `conectados report --html` writes it, under a
policy that lets its styles in and no script, inside an office page with a month picker."""

from __future__ import annotations

import json
import re

import pytest

from tests.web_office import PASSWORD, Browser, running_web_office

MESSAGES = ["me llegó muy cara la factura", "hola", "mi celular es 3001234567 y no tengo agua"]


def signed_in(web, username: str) -> Browser:
    browser = Browser(web.url)
    answer = browser.post_form(
        "/entrar", {"usuario": username, "contrasena": PASSWORD, "siguiente": "/informe"}
    )
    assert answer.status_code == 200 and answer.url.endswith("/informe"), answer.text[-500:]
    return browser


@pytest.fixture
def web(cli, tmp_path, fixed_office):
    sandbox, _ = fixed_office  # 2026-03-10: the messages are of March, the last month is February
    with running_web_office(cli, tmp_path, sandbox, MESSAGES) as started:
        yield started


def test_the_report_is_the_one_the_cli_writes(web, cli, tmp_path):
    assert cli("report", "--mes", "2026-03", "--html", "informe.html").exit_code == 0
    figures = json.loads(cli("report", "--mes", "2026-03", "--json").stdout)

    served = signed_in(web, "ana").get("/informe/ver?mes=2026-03")

    assert served.status_code == 200
    assert served.text == (tmp_path / "informe.html").read_text(encoding="utf-8")
    assert figures["pqr_por_tipo"] and sum(figures["pqr_por_tipo"].values()) == 1
    assert f"{figures['respondidas']} recibieron respuesta" in served.text
    assert "marzo de 2026" in served.text
    assert "3001234567" not in served.text and "Persona" not in served.text


def test_the_report_may_style_itself_and_run_nothing(web):
    served = signed_in(web, "pedro").get("/informe/ver?mes=2026-03")

    policy = served.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'" and "script-src" not in directives
    assert directives["style-src"] == "'unsafe-inline'"
    assert directives["frame-ancestors"] == "'self'"
    assert served.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<style>" in served.text and "<script" not in served.text


def test_the_office_page_frames_the_month_asked_or_the_last_complete_one(web, cli):
    admin = signed_in(web, "admin")
    last = json.loads(cli("report", "--json").stdout)["periodo"]

    page = admin.get("/informe")
    assert last["desde"] == "2026-02-01"
    assert page.status_code == 200 and "febrero de 2026" in page.text
    assert '<iframe src="/informe/ver?mes=2026-02"' in page.text
    assert "Volver a la oficina" in page.text and 'name="mes"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "<script>" not in page.text and "style=" not in page.text

    march = admin.get("/informe", params={"mes": "2026-03"})
    assert re.search(r'<iframe src="/informe/ver\?mes=2026-03"[^>]* sandbox', march.text)
    default = admin.get("/informe/ver")
    assert "febrero de 2026" in default.text


def test_a_wrong_month_is_a_spanish_400_naming_the_field(web):
    admin = signed_in(web, "admin")
    for wrong in ("2026-13", "marzo", "2026-3", "1999-12", "<b>x</b>"):
        page = admin.get("/informe", params={"mes": wrong})
        assert page.status_code == 400, wrong
        assert "campo mes" in page.text and "no es un mes; escriba AAAA-MM" in page.text, wrong
        assert "<iframe" not in page.text and "<b>x</b>" not in page.text
        document = admin.get("/informe/ver", params={"mes": wrong})
        assert document.status_code == 400 and "campo mes" in document.text, wrong
