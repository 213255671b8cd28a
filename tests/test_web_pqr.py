"""The web office's PQR pages over real HTTP: the list (overdue first), a ticket, answering,
closing and the SSPD export, through the same functions as `conectados pqr`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from responders.models import Reply, ReplyKind, Ticket
from tests.web_office import running_web_office
from tests.x_office import sent_on_x

COMPLAINT = "Llevo 3 días sin agua y nadie responde, exijo una solución"


@pytest.fixture
def web(cli, tmp_path, fixed_office):
    """A web office on the fixed clock (2026-03-10 10:00 in Bogotá): the complaint on X is
    filed by the daemon as 2026-000001."""
    sandbox, clock = fixed_office
    with running_web_office(cli, tmp_path, sandbox, [COMPLAINT]) as started:
        started.sandbox, started.clock = sandbox, clock
        yield started


def _file_by_hand(cli, citizen: str, text: str, kind: str = "peticion") -> str:
    filed = cli(
        "pqr", "radicar", "--canal", "oficina", "--ciudadano", citizen,
        "--contacto", "Calle 9 # 4-10", "--texto", text, "--tipo", kind,
    )  # fmt: skip
    assert filed.exit_code == 0, filed.stderr
    return re.search(r"\d{4}-\d{6}", filed.stdout).group(0)


def _radicados(html: str) -> list[str]:
    return re.findall(r'<a href="/pqr/(\d{4}-\d{6})">', html)


def test_the_list_shows_the_overdue_first_then_by_due_date(web, cli):
    assert "2026-000001" in web.login("pedro").get("/pqr").text
    first = _file_by_hand(cli, "Rosa Gil", "Pido copia del contrato")
    web.clock.advance(timedelta(days=1))
    second = _file_by_hand(cli, "Juan Ruiz", "Pido el paz y salvo")
    # Answered at the office counter: nothing goes by a network, so it stays on the to-do
    # list ("sin entregar") but is no longer overdue.
    assert cli("pqr", "answer", first, "--texto", "Adjuntamos la copia.").exit_code == 0
    web.clock.advance(timedelta(days=40))
    later = _file_by_hand(cli, "Eva Mora", "Pido una revisión del medidor")

    page = web.login("pedro").get("/pqr")

    assert page.status_code == 200
    order = _radicados(page.text)
    assert order.index("2026-000001") < order.index(second) < order.index(first)
    assert order.index(first) < order.index(later)
    row = page.text[page.text.index(f"/pqr/{second}") :].split("</tr>")[0]
    assert '<span class="badge bad">vencida hace' in row and "días hábiles" in row
    assert "sin entregar" in page.text[page.text.index(f"/pqr/{first}") :].split("</tr>")[0]
    later_row = page.text[page.text.index(f"/pqr/{later}") :].split("</tr>")[0]
    assert "quedan 15 días hábiles" in later_row and "badge bad" not in later_row
    assert page.text.count('class="badge bad"') == 2  # the complaint and `second`
    assert 'data-label="Radicado"' in page.text and "Rosa Gil" not in page.text

    closed = web.login("pedro").get("/pqr?estado=cerradas")
    assert _radicados(closed.text) == [] and "No hay PQR" in closed.text
    petitions = web.login("pedro").get("/pqr?estado=todas&tipo=peticion")
    assert sorted(_radicados(petitions.text)) == sorted([first, second, later])
    assert web.login("pedro").get("/pqr?estado=nada").status_code == 400


def test_a_ticket_due_today_says_so(web, cli):
    radicado = _file_by_hand(cli, "Rosa Gil", "Pido copia del contrato", "solicitud_informacion")
    shown = cli("pqr", "show", radicado).stdout
    due = re.search(r"Vence: (\d{4}-\d{2}-\d{2})", shown).group(1)
    while f"{web.clock.now():%Y-%m-%d}" != due:
        web.clock.advance(timedelta(days=1))

    page = web.login("pedro").get("/pqr")

    row = page.text[page.text.index(f"/pqr/{radicado}") :].split("</tr>")[0]
    assert "vence hoy" in row


def test_the_ticket_page_shows_the_message_the_term_and_the_replies(web, cli):
    pedro = web.login("pedro")
    page = pedro.get("/pqr/2026-000001")

    assert page.status_code == 200
    assert "<title>PQR 2026-000001 · " in page.text
    assert "Persona0 escribió" in page.text and "exijo una solución" in page.text
    assert "Radicada: 2026-03-10 10:00 por X (la radicó el servicio" in page.text
    assert "Vence: " in page.text and "quedan 15 días hábiles" in page.text
    assert "Plazo: 15 días hábiles" in page.text
    assert "acuse de recibo en privado" in page.text
    assert 'action="/pqr/2026-000001/responder"' in page.text
    for key in ("accede", "no_accede", "traslada"):
        assert f'<option value="{key}"' in page.text
    forms = re.findall(r'<form[^>]*method="post"[^>]*>\s*(<input[^>]*>)?', page.text)
    assert len(forms) == 3  # sign out, answer, close
    assert all('name="csrf"' in first for first in forms)

    manual = _file_by_hand(cli, "Rosa <b>Gil</b>", "Pido copia del contrato")
    shown = pedro.get(f"/pqr/{manual}")
    assert "Rosa &lt;b&gt;Gil&lt;/b&gt; (Calle 9 # 4-10) pidió" in shown.text
    assert "Rosa" not in shown.text.split("</title>")[0]


def test_a_wrong_radicado_is_a_spanish_404(web):
    pedro = web.login("pedro")
    for path in ("/pqr/2026-1", "/pqr/abc", "/pqr/2026-0000011"):
        page = pedro.get(path)
        assert page.status_code == 404 and "2026-000001" in page.text, path
    missing = pedro.get("/pqr/2026-000099")
    assert missing.status_code == 404 and "No hay ningún radicado 2026-000099" in missing.text
    token_page = "/pqr/2026-000001"
    posted = pedro.post_form("/pqr/abc/cerrar", {}, token_from=token_page)
    assert posted.status_code == 404


def test_answering_queues_one_private_reply_and_a_second_answer_is_refused(web, cli):
    pedro = web.login("pedro")
    text = "Revisamos su sector: el servicio vuelve hoy a las 6 p. m. Lo llamamos al 310 555 1234."

    answered = pedro.post_form(
        "/pqr/2026-000001/responder",
        {"texto": text, "tipo_respuesta": "accede"},
        token_from="/pqr/2026-000001",
    )
    again = pedro.post_form(
        "/pqr/2026-000001/responder",
        {"texto": "Otra respuesta", "tipo_respuesta": "accede"},
        token_from="/pqr/2026-000001",
    )

    assert answered.status_code == 200 and answered.url.endswith("/pqr/2026-000001")
    assert "Respuesta registrada para 2026-000001" in answered.text
    assert "Respuesta de Pedro (pedro)" in answered.text and "(Accede)" in answered.text
    assert again.status_code == 400 and "ya está respondido" in again.text
    assert "no se registró" in again.text and "Otra respuesta" in again.text  # kept
    with web.database.session() as session:
        answers = (
            session.execute(sa.select(Reply).where(Reply.kind == ReplyKind.TICKET_ANSWER))
            .scalars()
            .all()
        )
    assert len(answers) == 1 and text in answers[0].text
    assert answers[0].reviewer == "Pedro (pedro)"
    assert cli("daemon", "--once").exit_code == 0
    sent = [reply for reply in sent_on_x(web.sandbox) if text in reply["text"]]
    assert len(sent) == 1 and not sent[0]["public"]


def test_a_wrong_answer_type_or_an_empty_answer_is_refused_with_the_text_kept(web):
    pedro = web.login("pedro")
    wrong = pedro.post_form(
        "/pqr/2026-000001/responder",
        {"texto": "Le respondemos mañana", "tipo_respuesta": "inventado"},
        token_from="/pqr/2026-000001",
    )
    empty = pedro.post_form(
        "/pqr/2026-000001/responder", {"texto": "   "}, token_from="/pqr/2026-000001"
    )

    assert wrong.status_code == 400 and "no es un tipo de respuesta" in wrong.text
    assert "Le respondemos mañana</textarea>" in wrong.text
    assert empty.status_code == 400 and "la respuesta está vacía" in empty.text
    with web.database.session() as session:
        assert not session.execute(
            sa.select(Reply).where(Reply.kind == ReplyKind.TICKET_ANSWER)
        ).first()


def test_closing_twice_tells_the_second_time(web, cli):
    pedro = web.login("pedro")
    early = pedro.post_form("/pqr/2026-000001/cerrar", {}, token_from="/pqr/2026-000001")
    assert early.status_code == 400 and "no tiene respuesta registrada" in early.text

    pedro.post_form(
        "/pqr/2026-000001/responder",
        {"texto": "Ya volvió el servicio.", "tipo_respuesta": "accede"},
        token_from="/pqr/2026-000001",
    )
    assert cli("daemon", "--once").exit_code == 0  # the answer goes out
    admin = web.login("admin")
    token = admin.token("/pqr/2026-000001")
    closed = pedro.post_form("/pqr/2026-000001/cerrar", {}, token_from="/pqr/2026-000001")
    late = admin.post(web.url + "/pqr/2026-000001/cerrar", data={"csrf": token})

    assert closed.status_code == 200 and "Radicado 2026-000001 cerrado." in closed.text
    assert "Cerrada por Pedro (pedro)" in closed.text
    assert late.status_code == 200 and "ya estaba cerrado" in late.text
    assert 'action="/pqr/2026-000001/cerrar"' not in late.text
    assert "cerrado" in cli("pqr", "show", "2026-000001").stdout


def test_closing_without_an_answer_needs_the_checkbox(web, cli):
    radicado = _file_by_hand(cli, "Rosa Gil", "Pido copia del contrato")
    pedro = web.login("pedro")
    closed = pedro.post_form(
        f"/pqr/{radicado}/cerrar", {"sin_respuesta": "1"}, token_from=f"/pqr/{radicado}"
    )
    assert closed.status_code == 200
    assert f"Radicado {radicado} cerrado sin que el ciudadano recibiera respuesta." in closed.text


def test_the_export_is_what_the_cli_writes(web, cli, tmp_path):
    _file_by_hand(cli, "=HYPERLINK(1)", "Pido copia del contrato")
    pedro = web.login("pedro")

    download = pedro.get("/pqr/exportar?mes=2026-03")
    assert cli("pqr", "export", "--mes", "2026-03", "-o", "pqr.csv").exit_code == 0

    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="pqr-2026-03.csv"'
    assert download.headers["content-type"].startswith("text/csv")
    assert download.content == (tmp_path / "pqr.csv").read_bytes()
    assert download.content.count(b"2026-00000") == 2
    empty = pedro.get("/pqr/exportar?mes=2026-04")
    assert empty.status_code == 200 and empty.content.count(b"\r\n") == 1  # the header only


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "marzo", ""])
def test_a_wrong_month_is_a_spanish_400_naming_the_field(web, month):
    page = web.login("pedro").get(f"/pqr/exportar?mes={month}")
    assert page.status_code == 400
    assert "campo mes" in page.text and "no es un mes" in page.text
    assert "attachment" not in page.headers.get("content-disposition", "")


def test_communications_cannot_open_the_pqr_pages(web):
    ana = web.login("ana")
    for path in ("/pqr", "/pqr/2026-000001", "/pqr/exportar?mes=2026-03"):
        page = ana.get(path)
        assert page.status_code == 403 and "Su rol no permite" in page.text, path
        assert "exijo" not in page.text
    token = ana.token("/revision")
    refused = ana.post(web.url + "/pqr/2026-000001/cerrar", data={"csrf": token})
    assert refused.status_code == 403
    assert 'href="/pqr"' not in ana.get("/revision").text


def test_a_form_without_the_csrf_token_is_refused(web):
    pedro = web.login("pedro")
    for path, data in (
        ("/pqr/2026-000001/responder", {"texto": "Hola", "tipo_respuesta": "accede"}),
        ("/pqr/2026-000001/cerrar", {"sin_respuesta": "1"}),
    ):
        refused = pedro.post(web.url + path, data=data)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert "Respuesta de la empresa" not in pedro.get("/pqr/2026-000001").text


def test_the_pqr_pages_import_no_cli_module():
    """One copy of each rule: what `conectados pqr` and these pages share lives in plain
    modules (`responders.pqr_days`, `responders.pqr_listing`...), not in a click module."""
    from pathlib import Path

    from tests.test_layout import ROOT, _cli_modules, _imports, _is

    cli = _cli_modules()
    assert "responders.pqr_commands" in cli
    imports = [module for _, module in _imports(Path(ROOT / "web" / "pages" / "pqr.py"))]
    assert "responders.pqr_days" in imports
    wrong = [module for module in imports if any(_is(module, name) for name in cli)]
    assert not wrong and "click" not in imports


def test_the_answer_type_later_and_a_notification_by_phone(web):
    pedro = web.login("pedro")
    before = pedro.post_form(
        "/pqr/2026-000001/notificado", {"medio": "telefono"}, token_from="/pqr/2026-000001"
    )
    assert before.status_code == 400 and "aún no tiene respuesta" in before.text
    pedro.post_form(
        "/pqr/2026-000001/responder", {"texto": "Lo revisamos."}, token_from="/pqr/2026-000001"
    )
    typed = pedro.post_form(
        "/pqr/2026-000001/tipo-respuesta",
        {"tipo_respuesta": "accede"},
        token_from="/pqr/2026-000001",
    )
    assert typed.status_code == 200 and "Tipo de respuesta registrado" in typed.text
    wrong = pedro.post_form(
        "/pqr/2026-000001/tipo-respuesta",
        {"tipo_respuesta": "quizas"},
        token_from="/pqr/2026-000001",
    )
    assert wrong.status_code == 400 and "no es un tipo de respuesta" in wrong.text
    pigeon = pedro.post_form(
        "/pqr/2026-000001/notificado", {"medio": "paloma"}, token_from="/pqr/2026-000001"
    )
    assert pigeon.status_code == 400 and "elija por qué medio" in pigeon.text
    told = pedro.post_form(
        "/pqr/2026-000001/notificado", {"medio": "telefono"}, token_from="/pqr/2026-000001"
    )
    assert told.status_code == 200 and "por una llamada telefónica" in told.text
    again = pedro.post_form(
        "/pqr/2026-000001/notificado", {"medio": "carta"}, token_from="/pqr/2026-000001"
    )
    assert again.status_code == 400 and "ya se notificó por" in again.text  # once
    assert "Registrar la notificación" not in again.text  # the form is gone
    with web.database.session() as session:
        ticket = session.execute(
            sa.select(Ticket).where(Ticket.radicado == "2026-000001")
        ).scalar_one()
    assert ticket.answer_type == "accede" and ticket.notified_via == "telefono"
    assert ticket.notified_by == "Pedro (pedro)"
