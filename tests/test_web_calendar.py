"""The Calendario page over real HTTP: the month of planned posts, and importing a calendar file
with the rule of `conectados calendar import` (checked first; any error, nothing imported)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from conectados.clock import FixedClock
from content_calendar.models import Post, Publication
from tests.web_office import running_web_office

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday 10 March 2026, 10:00 in Bogotá

GOOD = """\
zona_horaria: America/Bogota
publicaciones:
  - id: ahorro-agua-01
    fecha: 2026-03-20 09:00
    redes: [x]
    texto: Cada gota cuenta. Cierre la llave mientras se cepilla.

  - id: pago-en-linea
    fecha: 2026-03-23 17:30
    redes: [x]
    texto: Pague su factura en línea, sin filas.
"""

# Line 9 holds the date of the second post: it is in the past (NOW is 10 March).
BAD = GOOD.replace("fecha: 2026-03-23 17:30", "fecha: 2026-03-02 17:30")


@pytest.fixture
def web(cli, tmp_path, sandbox):
    cli.clock = FixedClock(NOW)
    with running_web_office(cli, tmp_path, sandbox, []) as started:
        yield started


def upload(browser, name: str, content: bytes, **fields):
    return browser.post_form(
        "/calendario/importar",
        fields,
        token_from="/calendario",
        files={"archivo": (name, content, "application/octet-stream")},
        allow_redirects=False,
    )


def posts(web) -> list[tuple[str, str]]:
    with web.database.session() as session:
        return [tuple(row) for row in session.execute(sa.select(Post.id, Post.source_file))]


def publications(web) -> int:
    with web.database.session() as session:
        return session.execute(sa.select(sa.func.count()).select_from(Publication)).scalar_one()


def test_a_good_calendar_is_imported_and_shows_in_its_month(web):
    ana = web.login("ana")

    answer = upload(ana, "marzo.yaml", GOOD.encode())

    assert answer.status_code == 303
    assert answer.headers["location"] == "/calendario?mes=2026-03"
    page = ana.get(answer.headers["location"])
    assert "Importado «marzo.yaml»: 2 nuevas, 0 actualizadas, 0 sin cambios." in page.text
    assert "ahorro-agua-01" in page.text and "pago-en-linea" in page.text
    assert "09:00" in page.text and "17:30" in page.text and "programada" in page.text
    # The posts came from the file as uploaded, not from a temporary path.
    assert sorted(posts(web)) == [
        ("ahorro-agua-01", "web:marzo.yaml"),
        ("pago-en-linea", "web:marzo.yaml"),
    ]
    assert publications(web) == 2

    again = upload(ana, "marzo.yaml", GOOD.encode())
    assert (
        "Sin cambios: las 2 publicaciones ya estaban al día."
        in ana.get(again.headers["location"]).text
    )
    assert publications(web) == 2


def test_uploading_again_without_a_post_says_it_is_missing_or_cancels_it(web):
    ana = web.login("ana")
    upload(ana, "marzo.yaml", GOOD.encode())
    shorter = GOOD.split("\n  - id: pago-en-linea")[0] + "\n"

    kept = upload(ana, "marzo.yaml", shorter.encode())
    assert "ya no está en él: pago-en-linea" in ana.get(kept.headers["location"]).text

    cancelled = upload(ana, "marzo.yaml", shorter.encode(), cancelar_ausentes="1")
    text = ana.get(cancelled.headers["location"]).text
    assert "Canceladas por no estar en el archivo: pago-en-linea." in text
    assert "cancelada" in text


def test_a_calendar_with_an_error_imports_nothing_and_says_where(web):
    ana = web.login("ana")

    answer = upload(ana, "marzo.yaml", BAD.encode())

    assert answer.status_code == 400
    assert "No se importó nada: «marzo.yaml» tiene 1 error." in answer.text
    assert "marzo.yaml:9: pago-en-linea: la fecha 2026-03-02 17:30 ya pasó" in answer.text
    assert "(campo fecha)" in answer.text
    assert "web:" not in answer.text and "/tmp" not in answer.text
    assert posts(web) == [] and publications(web) == 0  # not even the good post


def test_a_csv_row_is_named_by_its_line_and_column(web):
    ana = web.login("ana")
    csv = "id;fecha;redes;texto\nuno;2026-03-20 09:00;x;Hola\ndos;2026-03-21 09:00;mastodon;Hola\n"

    answer = upload(ana, "marzo.csv", csv.encode())

    assert answer.status_code == 400
    assert "marzo.csv:3: dos: red desconocida «mastodon»" in answer.text
    assert "(campo redes)" in answer.text
    assert posts(web) == []


def test_a_file_not_in_utf8_is_refused_with_its_line(web):
    ana = web.login("ana")

    answer = upload(ana, "marzo.yaml", GOOD.replace("línea", "línea").encode("latin-1"))

    assert answer.status_code == 400
    assert "marzo.yaml:11: el archivo no está en UTF-8" in answer.text
    assert posts(web) == []


def test_a_wrong_extension_is_refused_before_reading(web):
    ana = web.login("ana")

    answer = upload(ana, "marzo.txt", GOOD.encode())

    assert answer.status_code == 400
    assert (
        "No se importó nada: «marzo.txt»: el calendario debe ser un archivo .yaml, .yml o .csv."
        in answer.text
    )
    assert posts(web) == []


def _chunked_upload(ana, web, pieces: int, path: str = "/calendario/importar"):
    """A calendar of `pieces` × 64 KB sent in chunks (no Content-Length, as a client may)."""
    token = ana.token("/calendario")
    boundary = "limite-de-prueba"

    def body():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="archivo"; '
            'filename="enorme.yaml"\r\nContent-Type: application/x-yaml\r\n\r\n'
        ).encode()
        for _ in range(pieces):
            yield b"#" * (64 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    return ana.post(
        web.url + path,
        data=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        timeout=60,
    )


def test_a_file_over_the_calendar_limit_is_refused(web):
    """Just over the limit of `calendar import` (8 MB), the page says so by name; far over
    it, the server stops reading at the form's limit, whatever the headers say."""
    ana = web.login("ana")
    answer = _chunked_upload(ana, web, 8 * 16 + 1)  # 8 MB and 64 KB
    assert answer.status_code == 400
    assert "«enorme.yaml» pesa más de 8 MB y un calendario no puede pasar de 8 MB" in answer.text
    far = _chunked_upload(ana, web, 40 * 16)  # 40 MB
    assert far.status_code == 413 and "demasiado grande" in far.text
    assert posts(web) == []
    # Not even signed in: the sign-in form takes no file and reads no more than the limit.
    anonymous = _chunked_upload(ana, web, 40 * 16, "/entrar")
    assert anonymous.status_code in (403, 413) and "no se pudo leer" in anonymous.text


def test_the_month_view_of_a_given_month(web):
    ana = web.login("ana")
    upload(ana, "marzo.yaml", GOOD.replace("2026-03-23", "2026-04-06").encode())

    april = ana.get("/calendario?mes=2026-04")

    assert april.status_code == 200
    assert "abril de 2026" in april.text
    assert "pago-en-linea" in april.text and "ahorro-agua-01" not in april.text
    assert (
        april.text.index(">lunes<") < april.text.index(">martes<") < april.text.index(">domingo<")
    )
    assert (
        'href="/calendario?mes=2026-03"' in april.text
        and 'href="/calendario?mes=2026-05"' in april.text
    )
    assert "/static/calendar.css" in april.text

    today = ana.get("/calendario")  # the month of the office's clock
    assert "marzo de 2026" in today.text and "ahorro-agua-01" in today.text

    wrong = ana.get("/calendario?mes=2026-13")
    assert wrong.status_code == 400 and "no es un mes" in wrong.text


def test_the_month_lists_what_the_check_finds_in_what_is_planned(web):
    ana = web.login("ana")
    with_email = GOOD.replace("sin filas.", "sin filas. Escriba a juan.perez@gmail.com")
    imported = upload(ana, "marzo.yaml", with_email.encode())
    flash = ana.get(imported.headers["location"]).text
    assert "Advertencias (1): marzo.yaml:11: pago-en-linea: advertencia:" in flash

    page = ana.get("/calendario?mes=2026-03")

    assert "Problemas de lo programado este mes" in page.text
    # Checked again as it is in the database: the line where the post starts in its file.
    assert (
        "web:marzo.yaml:8: pago-en-linea: advertencia: el texto parece tener un correo" in page.text
    )


def test_only_communications_opens_the_calendar(web):
    pedro = web.login("pedro")
    assert pedro.get("/calendario").status_code == 403
    assert web.login("admin").get("/calendario").status_code == 200


def test_an_upload_without_the_csrf_token_is_refused(web):
    ana = web.login("ana")
    answer = ana.post(
        web.url + "/calendario/importar",
        files={"archivo": ("marzo.yaml", GOOD.encode(), "application/x-yaml")},
    )
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert posts(web) == []


def test_a_file_is_known_by_its_own_name_without_folders(web):
    """A client may send a path: the posts remember the name alone."""
    ana = web.login("ana")

    answer = upload(ana, "Documentos/marzo.yaml", GOOD.encode())

    assert answer.status_code == 303
    assert {source for _, source in posts(web)} == {"web:marzo.yaml"}
    assert "Importado «marzo.yaml»" in ana.get(answer.headers["location"]).text
