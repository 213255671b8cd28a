"""The Avisos page over real HTTP: the same checks and states as `conectados avisos`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from conectados.clock import FixedClock
from responders.models import ServiceNotice
from tests.web_office import running_web_office

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday 10 March 2026, 10:00 in Bogotá


@pytest.fixture
def web(cli, tmp_path, sandbox):
    cli.clock = FixedClock(NOW)
    with running_web_office(cli, tmp_path, sandbox, []) as started:
        yield started


def notice(**fields) -> dict:
    return {
        "sector": "La Ceiba",
        "desde": "2026-03-12 08:00",
        "hasta": "2026-03-12 14:00",
        "motivo": "cambio de válvula",
        **fields,
    }


def stored(web) -> list[tuple]:
    with web.database.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                sa.select(ServiceNotice.id, ServiceNotice.sector, ServiceNotice.closed_at)
            )
        ]


def test_add_list_close_and_close_again(web):
    ana = web.login("ana")

    added = ana.post_form("/avisos", notice(sector="  La   Ceiba "), allow_redirects=False)

    assert added.status_code == 303 and added.headers["location"] == "/avisos"
    page = ana.get("/avisos")
    assert "Aviso 1 registrado: La Ceiba, de jueves 12 de marzo" in page.text
    assert "2026-03-12 08:00" in page.text and "2026-03-12 14:00" in page.text
    assert "cambio de válvula" in page.text and "próximo" in page.text
    assert 'action="/avisos/1/cerrar"' in page.text
    assert [row[:2] for row in stored(web)] == [(1, "La Ceiba")]

    closed = ana.post_form("/avisos/1/cerrar", {}, token_from="/avisos")
    assert closed.status_code == 200 and "Aviso 1 cerrado" in closed.text
    assert "No hay avisos vigentes." in closed.text
    assert stored(web)[0][2] is not None
    assert ">cerrado<" in ana.get("/avisos?todos=1").text

    again = ana.post_form("/avisos/1/cerrar", {}, token_from="/avisos")
    assert "No se cerró: el aviso 1 ya estaba cerrado." in again.text

    missing = ana.post_form("/avisos/99/cerrar", {}, token_from="/avisos")
    assert "No se cerró: no hay ningún aviso con id 99" in missing.text


def test_a_notice_going_on_is_said_to_be_going_on(web):
    ana = web.login("ana")
    ana.post_form("/avisos", notice(desde="2026-03-10 08:00", hasta="2026-03-11"))

    page = ana.get("/avisos")

    assert "en curso" in page.text
    assert "2026-03-11 23:59" in page.text  # a date alone: until the end of that day


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"hasta": "2026-03-12 07:00"}, "hasta: debe ser posterior a «desde»"),
        ({"desde": "mañana"}, "desde: «mañana» no es una fecha y hora"),
        ({"desde": "2026-03-01 08:00", "hasta": "2026-03-02 08:00"}, "hasta: ya pasó"),
        ({"sector": "   "}, "sector: no puede estar vacío"),
        ({"motivo": "x" * 501}, "motivo: es demasiado largo (máximo 500 caracteres)"),
    ],
)
def test_a_wrong_notice_is_refused_naming_the_field(web, fields, said):
    ana = web.login("ana")

    answer = ana.post_form("/avisos", notice(**fields))

    assert answer.status_code == 400
    assert f"No se registró el aviso: {said}" in answer.text
    assert stored(web) == []
    wrong = said.split(":")[0]
    assert f'name="{wrong}" required' in answer.text and 'aria-invalid="true"' in answer.text


def test_only_communications_opens_the_notices(web):
    pedro = web.login("pedro")
    assert pedro.get("/avisos").status_code == 403
    refused = pedro.post_form("/avisos", notice(), token_from="/avisos")
    assert refused.status_code == 403
    assert stored(web) == []


def test_a_post_without_the_csrf_token_is_refused(web):
    ana = web.login("ana")
    answer = ana.post(web.url + "/avisos", data=notice())
    assert answer.status_code == 403 and "CSRF" in answer.text
    ana.post_form("/avisos", notice())
    closing = ana.post(web.url + "/avisos/1/cerrar", data={})
    assert closing.status_code == 403
    assert stored(web)[0][2] is None
