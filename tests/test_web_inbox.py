"""Bandeja over real HTTP: what citizens wrote (on the simulated X, processed by the daemon),
its state as `conectados inbox` says it, the filters, the pages, and personal data by role."""

from __future__ import annotations

import re
from html import unescape

import pytest

from responders.interaction_listing import STATE_WORDS
from tests.web_office import PASSWORD, Browser, running_web_office, start_web_office

PHONE = "mi celular es 3001234567 y no tengo agua"
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
MESSAGES = [
    "me llegó muy cara la factura",
    "hola",
    "¿Hasta qué hora atienden en la oficina?",
    SCRIPT,
    PHONE,
    IMAGE,
]
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', re.S)
_TAG = re.compile(r"<[^>]+>")


def rows(page: str) -> list[dict[str, str]]:
    """The table's rows as {label: text}, tags taken out and entities read."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return [
        {label: unescape(_TAG.sub("", cell)).strip() for label, cell in _CELL.findall(row)}
        for row in _ROW.findall(body)
    ]


def ids(page: str) -> list[int]:
    return [int(row["Id"]) for row in rows(page)]


def signed_in(web, username: str) -> Browser:
    """A person signed in, landing on the inbox (each role's home page may be another)."""
    browser = Browser(web.url)
    answer = browser.post_form(
        "/entrar", {"usuario": username, "contrasena": PASSWORD, "siguiente": "/bandeja"}
    )
    assert answer.status_code == 200 and answer.url.endswith("/bandeja"), answer.text[-500:]
    return browser


@pytest.fixture
def web(cli, tmp_path, fixed_office):
    sandbox, _ = fixed_office
    with running_web_office(cli, tmp_path, sandbox, MESSAGES) as started:
        yield started


def test_the_inbox_lists_every_message_newest_first_with_the_state_the_cli_gives(web, cli):
    page = signed_in(web, "admin").get("/bandeja")

    assert page.status_code == 200 and 'data-refresh="lista"' in page.text
    listed = rows(page.text)
    assert [row["Id"] for row in listed] == ["6", "5", "4", "3", "2", "1"]
    assert {row["Mensaje"]: row["Estado"] for row in listed}["me llegó muy cara la factura"] == (
        "radicado"
    )
    shown = cli("inbox", "--limite", "10", env={"COLUMNS": "200"}).stdout
    for row in listed:  # the CLI says the same state for each message
        line = next(line for line in shown.splitlines() if line.startswith(f"│ {row['Id']} "))
        assert row["Estado"] in line, (row, line)


def test_each_filter_narrows_the_list(web):
    admin = signed_in(web, "admin")
    everything = ids(admin.get("/bandeja").text)

    for state in STATE_WORDS:
        page = admin.get("/bandeja", params={"estado": state})
        assert page.status_code == 200
        for row in rows(page.text):
            assert state in row["Estado"].split(", "), (state, row)
    filed = rows(admin.get("/bandeja", params={"estado": "radicado"}).text)
    assert [row["Mensaje"] for row in filed] == ["me llegó muy cara la factura"]
    reviewed = ids(admin.get("/bandeja", params={"estado": "en revisión"}).text)
    assert reviewed and set(reviewed) < set(everything)

    assert ids(admin.get("/bandeja", params={"red": "x"}).text) == everything
    on_facebook = admin.get("/bandeja", params={"red": "facebook"})
    assert rows(on_facebook.text) == [] and "Ningún mensaje coincide" in on_facebook.text

    timetable = rows(admin.get("/bandeja", params={"protocolo": "horario_contacto"}).text)
    assert [row["Mensaje"] for row in timetable] == ["¿Hasta qué hora atienden en la oficina?"]

    both = admin.get("/bandeja", params={"protocolo": "horario_contacto", "estado": "radicado"})
    assert rows(both.text) == []


def test_a_wrong_filter_is_a_spanish_400_naming_the_field(web):
    admin = signed_in(web, "admin")
    for params, field in (
        ({"red": "myspace"}, "campo red"),
        ({"estado": "perdido"}, "campo estado"),
        ({"protocolo": "no_existe"}, "campo protocolo"),
        ({"antes": "uno"}, "campo antes"),
        ({"antes": str(2**40)}, "campo antes"),
    ):
        page = admin.get("/bandeja", params=params)
        assert page.status_code == 400 and field in page.text, params


def test_comunicaciones_sees_the_topic_without_personal_data_and_pqr_sees_it_as_written(web):
    ana = rows(signed_in(web, "ana").get("/bandeja").text)
    assert "mi celular es [dato personal] y no tengo agua" in {row["Mensaje"] for row in ana}
    assert {row["Autor"] for row in ana} == {"Ciudadano"}
    assert "3001234567" not in signed_in(web, "ana").get("/bandeja").text

    for person in ("pedro", "admin"):
        page = signed_in(web, person).get("/bandeja")
        (written,) = [row for row in rows(page.text) if "3001234567" in row["Mensaje"]]
        assert written["Mensaje"] == PHONE and written["Autor"] == "Persona4", person
        assert (
            "3001234567" not in page.url and "3001234567" not in page.text.split("<title>")[1][:80]
        )


def test_a_message_written_as_html_shows_as_text(web):
    page = signed_in(web, "admin").get("/bandeja")

    assert SCRIPT not in page.text and IMAGE not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert {row["Mensaje"] for row in rows(page.text)} >= {SCRIPT, IMAGE}


def test_pages_of_fifty_follow_each_other_with_the_filters_kept(cli, tmp_path, fixed_office):
    sandbox, _ = fixed_office
    texts = [
        f"consulta sobre el servicio, mensaje {chr(65 + n // 26)}{chr(65 + n % 26)}"
        for n in range(53)
    ]
    web = start_web_office(cli, tmp_path, sandbox, texts)
    try:
        admin = signed_in(web, "admin")
        first = admin.get("/bandeja", params={"red": "x"})
        shown = ids(first.text)
        assert len(shown) == 50 and shown == sorted(shown, reverse=True)
        link = re.search(r'href="(/bandeja\?[^"]*antes=[0-9]+[^"]*)"', first.text)
        assert link, first.text[-500:]
        target = unescape(link.group(1))
        assert "red=x" in target and f"antes={shown[-1]}" in target
        second = admin.get(target)
        rest = ids(second.text)
        assert len(rest) == 3 and set(rest).isdisjoint(shown)
        assert sorted(shown + rest) == list(range(1, 54))
        assert "Siguientes" not in second.text and "Los más recientes" in second.text
    finally:
        web.server.stop()
        web.app.close()


def test_an_answer_still_on_its_way_is_not_listed_as_respondido(web, cli):
    """Approved, not yet sent (no daemon round since): «respuesta por enviar», not «respondido»."""
    listed = cli("replies", "list", env={"COLUMNS": "200"}).stdout.splitlines()
    (reply_id,) = [line.split("│")[1].strip() for line in listed if "alert(1)</script>" in line]
    approved = cli("replies", "approve", reply_id, "--texto", "Gracias por escribirnos.")
    assert approved.exit_code == 0, approved.stderr
    admin = signed_in(web, "admin")

    waiting = rows(admin.get("/bandeja", params={"estado": "respuesta por enviar"}).text)
    answered = rows(admin.get("/bandeja", params={"estado": "respondido"}).text)

    assert [row["Mensaje"] for row in waiting] == [SCRIPT]
    assert answered and SCRIPT not in {row["Mensaje"] for row in answered}


SECTORS = """\
sectores:
  - nombre: Centro
    tipo: barrio
    alias: [Barrio Centro, Centro Histórico]
  - nombre: Norte
    tipo: barrio
"""


@pytest.fixture
def web_with_sectors(cli, tmp_path, fixed_office):
    sandbox, _ = fixed_office
    (tmp_path / "sectores.yaml").write_text(SECTORS, encoding="utf-8")
    messages = [
        "¿Cuándo vuelve el agua al barrio Centro?",
        "en el CENTRO HISTÓRICO no hay presión",
        "hola",
        "en el Norte todo bien",
    ]
    with running_web_office(cli, tmp_path, sandbox, messages) as started:
        yield started


def test_the_sector_filter_shows_who_names_it_or_subscribed_to_its_notices(web_with_sectors):
    import sqlalchemy as sa

    from notices.models import Purpose
    from notices.subscriptions import subscribe
    from responders.models import Interaction
    from tests.conftest import FIXED_NOW

    web = web_with_sectors
    with web.database.transaction(write=True) as connection:
        author = connection.execute(
            sa.select(Interaction.author_id).where(Interaction.text == "hola")
        ).scalar_one()
        subscribe(connection, "x", author, None, None, Purpose.NOTICES, "Centro", None, None,
                  FIXED_NOW)  # fmt: skip
    admin = signed_in(web, "admin")
    page = admin.get("/bandeja?sector=Centro")
    texts = sorted(row["Mensaje"] for row in rows(page.text))
    assert texts == sorted(
        [
            "¿Cuándo vuelve el agua al barrio Centro?",
            "en el CENTRO HISTÓRICO no hay presión",
            "hola",
        ]
    )
    assert [row["Mensaje"] for row in rows(admin.get("/bandeja?sector=Norte").text)] == [
        "en el Norte todo bien"
    ]
    unknown = admin.get("/bandeja?sector=Marte")
    assert unknown.status_code == 400 and "campo sector" in unknown.text
