"""The web office: accounts, sessions, CSRF, roles, and the review page over real HTTP.

Each test starts a real server on a temporary database that `daemon --once` filled from
citizens writing on the simulated X, and drives it as a browser would (cookies, forms)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from responders.light_tables import REPLY_PENDING
from responders.models import Reply, ReplyState, ReplyVisibility, Ticket
from responders.reply_listing import list_replies
from tests.web_office import PASSWORD, Browser, running_web_office
from tests.x_office import sent_on_x
from web.accounts import MAX_FAILURES, disable_user, enable_user, set_password

MESSAGES = [
    "mi recibo",
    "me facturaron",
    "la cuenta",
    "<script>alert('x')</script> mi factura",
    ("@acueducto la cuenta", "mention"),
]


def public_pending(web) -> int:
    with web.database.session() as session:
        return session.execute(
            sa.select(Reply.id).where(
                Reply.state == ReplyState.PENDING, Reply.visibility == ReplyVisibility.PUBLIC
            )
        ).scalar_one()


@pytest.fixture
def sandbox(fixed_office):
    """The simulator on the same fixed clock as every command and the web office."""
    return fixed_office[0]


@pytest.fixture
def web(cli, tmp_path, sandbox):
    with running_web_office(cli, tmp_path, sandbox, MESSAGES) as started:
        yield started


def pending(web) -> list[int]:
    rows, _ = list_replies(web.database, REPLY_PENDING, 100)
    return [listed.id for listed, _message in rows]


def reply(web, reply_id: int) -> Reply:
    with web.database.session() as session:
        found = session.get(Reply, reply_id)
        session.expunge_all()
    return found


# --- sessions, CSRF, roles -----------------------------------------------------------------


def test_every_page_wants_a_session(web):
    anonymous = Browser(web.url)
    for path in ("/", "/revision", "/estado", "/revision/1", "/cambios", "/bandeja", "/pqr"):
        answer = anonymous.get(path, allow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/entrar?siguiente=")
    reply_id = pending(web)[0]
    refused = anonymous.post(f"{web.url}/revision/{reply_id}/aprobar", data={"texto": "x"})
    assert refused.status_code == 401
    assert reply(web, reply_id).state == ReplyState.PENDING


def test_a_form_without_the_sessions_csrf_token_does_nothing(web):
    ana = web.login("ana")
    reply_id = pending(web)[0]
    for token in (None, "", "otro-token"):
        data = {"texto": "Hola", "privado": "0"} | ({"csrf": token} if token is not None else {})
        answer = ana.post(f"{web.url}/revision/{reply_id}/aprobar", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    # Another site's form, even with a stolen token, says where it comes from.
    token = ana.token(f"/revision/{reply_id}")
    foreign = ana.post(
        f"{web.url}/revision/{reply_id}/aprobar",
        data={"csrf": token, "texto": "Hola"},
        headers={"Origin": "https://otro-sitio.example"},
    )
    assert foreign.status_code == 403
    assert reply(web, reply_id).state == ReplyState.PENDING


def test_the_sign_in_form_wants_its_own_token(web):
    browser = Browser(web.url)
    answer = browser.post(
        f"{web.url}/entrar", data={"usuario": "ana", "contrasena": PASSWORD}, allow_redirects=False
    )
    assert answer.status_code == 403 and "conectados_sesion" not in browser.cookies


def test_wrong_passwords_lock_the_account_for_a_while(web):
    browser = Browser(web.url)
    for _ in range(MAX_FAILURES):
        wrong = browser.post_form("/entrar", {"usuario": "ana", "contrasena": "no-es-esta-1"})
        assert wrong.status_code == 401 and "usuario o contraseña incorrectos" in wrong.text
    locked = browser.post_form("/entrar", {"usuario": "ana", "contrasena": PASSWORD})
    assert locked.status_code == 401 and "demasiados intentos" in locked.text
    assert "conectados_sesion" not in browser.cookies
    # A name that is no account is told the same as a wrong password, and locks the same way:
    # the lock tells no one which accounts exist.
    stranger = Browser(web.url)
    for _ in range(MAX_FAILURES):
        unknown = stranger.post_form("/entrar", {"usuario": "nadie", "contrasena": "x" * 12})
        assert unknown.status_code == 401 and "usuario o contraseña incorrectos" in unknown.text
    again = stranger.post_form("/entrar", {"usuario": "nadie", "contrasena": "x" * 12})
    assert again.status_code == 401 and "demasiados intentos" in again.text


def test_a_role_opens_only_its_pages(web):
    pedro = web.login("pedro")  # PQR officer
    for path in ("/revision", f"/revision/{pending(web)[0]}"):
        answer = pedro.get(path)
        assert answer.status_code == 403 and "Su rol no permite" in answer.text
    ana = web.login("ana")
    assert ana.get("/revision").status_code == 200
    assert ana.get("/estado").status_code == 200


def test_a_disabled_account_loses_its_open_session(web):
    ana = web.login("ana")
    assert ana.get("/revision").status_code == 200
    disable_user(web.database, "ana")
    after = ana.get("/revision", allow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/entrar")
    enable_user(web.database, "ana")
    assert web.login("ana").get("/revision").status_code == 200


def test_signing_out_ends_a_copy_of_the_cookie_too(web):
    ana = web.login("ana")
    copy = Browser(web.url)
    copy.cookies.update(ana.cookies)
    assert copy.get("/revision", allow_redirects=False).status_code == 200
    ana.post_form("/salir", {}, token_from="/revision")
    assert copy.get("/revision", allow_redirects=False).status_code == 303


def test_a_new_password_unlocks_and_ends_the_old_sessions(web):
    ana = web.login("ana")
    browser = Browser(web.url)
    for _ in range(MAX_FAILURES):
        browser.post_form("/entrar", {"usuario": "ana", "contrasena": "no-es-esta-1"})
    set_password(web.database, "ana", "otra-clave-larga-2")
    assert ana.get("/revision", allow_redirects=False).status_code == 303
    assert web.login("ana", "otra-clave-larga-2").get("/revision").status_code == 200


def test_many_wrong_sign_ins_from_one_computer_are_refused_for_a_while(web):
    from web.accounts import ClientFailures

    browser = Browser(web.url)
    for number in range(ClientFailures.MOST):
        browser.post_form("/entrar", {"usuario": f"nombre{number}", "contrasena": "x" * 12})
    refused = browser.post_form("/entrar", {"usuario": "ana", "contrasena": PASSWORD})
    assert refused.status_code == 401 and "desde este equipo" in refused.text


def test_a_tampered_session_cookie_is_no_session(web):
    ana = web.login("ana")
    cookie = ana.cookies["conectados_sesion"]
    ana.cookies.set(
        "conectados_sesion", cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]
    )
    answer = ana.get("/revision", allow_redirects=False)
    assert answer.status_code == 303


def test_after_signing_in_the_browser_goes_back_only_to_a_page_of_the_office(web):
    browser = Browser(web.url)
    for target, landing in (("/estado", "/estado"), ("//otro.example/x", "/revision"),
                            ("https://otro.example", "/revision")):  # fmt: skip
        browser = Browser(web.url)
        answer = browser.post_form(
            "/entrar", {"usuario": "ana", "contrasena": PASSWORD, "siguiente": target}
        )
        assert answer.url == web.url + landing


# --- the review page -------------------------------------------------------------------------


def test_a_citizens_html_is_shown_as_text(web):
    ana = web.login("ana")
    (reply_id,) = [
        listed.id
        for listed, message in list_replies(web.database, REPLY_PENDING, 100)[0]
        if "<script>" in message.text
    ]
    for page in (ana.get("/revision"), ana.get(f"/revision/{reply_id}")):
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
        assert "<script>alert" not in page.text


def test_approving_sends_once_and_moves_to_the_next(web, cli, sandbox):
    ana = web.login("ana")
    first, second = pending(web)[:2]
    approved = ana.post_form(
        f"/revision/{first}/aprobar", {"texto": "Hola, lo revisamos.", "privado": "0"},
        token_from=f"/revision/{first}",
    )  # fmt: skip
    assert approved.url == f"{web.url}/revision/{second}"
    assert f"Respuesta {first} aprobada: se enviará una sola vez." in approved.text
    decided = reply(web, first)
    assert decided.state == ReplyState.APPROVED and decided.reviewer == "Ana (ana)"
    assert cli("daemon", "--once").exit_code == 0
    assert [sent["text"] for sent in sent_on_x(sandbox)].count("Hola, lo revisamos.") == 1


def test_two_people_approving_at_once_send_it_once_and_the_second_is_told(web, cli, sandbox):
    reply_id = pending(web)[0]
    people = [web.login("ana"), web.login("admin")]
    tokens = [person.token(f"/revision/{reply_id}") for person in people]
    answers: list = [None, None]
    start = threading.Barrier(2)

    def approve(number: int) -> None:
        start.wait()
        answers[number] = people[number].post(
            f"{web.url}/revision/{reply_id}/aprobar",
            data={"csrf": tokens[number], "texto": "Una sola vez.", "privado": "0"},
            timeout=30,
        )

    threads = [threading.Thread(target=approve, args=(number,)) for number in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = [answer.text for answer in answers]
    assert sum("aprobada: se enviará una sola vez" in text for text in texts) == 1
    assert sum("No se aprobó:" in text and "nada se envía dos veces" in text for text in texts) == 1
    assert cli("daemon", "--once").exit_code == 0
    assert [sent["text"] for sent in sent_on_x(sandbox)].count("Una sola vez.") == 1


def test_an_edited_public_reply_with_a_phone_number_is_refused(web):
    ana = web.login("ana")
    reply_id = public_pending(web)
    text = "Llámenos al 3001234567 y le ayudamos."
    refused = ana.post_form(
        f"/revision/{reply_id}/aprobar", {"texto": text, "privado": "0"},
        token_from=f"/revision/{reply_id}",
    )  # fmt: skip
    assert refused.status_code == 400 and "No se aprobó" in refused.text
    assert text in refused.text  # the person's edit is kept to fix it
    assert reply(web, reply_id).state == ReplyState.PENDING


def test_changing_the_protocol_writes_its_draft_without_deciding(web):
    ana = web.login("ana")
    reply_id = pending(web)[0]
    page = ana.post_form(
        f"/revision/{reply_id}/protocolo", {"protocolo": "horario_contacto"},
        token_from=f"/revision/{reply_id}",
    )  # fmt: skip
    assert page.status_code == 200
    assert 'name="protocolo" value="horario_contacto"' in page.text
    assert reply(web, reply_id).state == ReplyState.PENDING


def test_rejecting_as_none_of_the_companys_business(web):
    ana = web.login("ana")
    reply_id = pending(web)[0]
    answer = ana.post_form(
        f"/revision/{reply_id}/rechazar", {"ajeno": "1", "motivo": ""},
        token_from=f"/revision/{reply_id}",
    )  # fmt: skip
    assert "no son asunto de la empresa" in answer.text
    decided = reply(web, reply_id)
    assert decided.state == ReplyState.REJECTED and decided.reviewer == "Ana (ana)"


def test_filing_a_pqr_from_the_review_page(web):
    ana = web.login("ana")
    reply_id = pending(web)[0]
    filed = ana.post_form(
        f"/revision/{reply_id}/radicar", {"tipo": "reclamo", "causal": ""},
        token_from=f"/revision/{reply_id}",
    )  # fmt: skip
    assert filed.status_code == 200 and "Radicado 2026-" in filed.text
    with web.database.session() as session:
        tickets = session.execute(sa.select(Ticket.radicado, Ticket.filed_by)).all()
    assert len(tickets) == 1 and tickets[0].filed_by == "Ana (ana)"
    again = ana.post_form(
        f"/revision/{reply_id}/radicar", {"tipo": "reclamo"}, token_from="/revision"
    )
    assert "No se radicó" in again.text
    with web.database.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar() == 1


def test_the_communications_team_sees_a_citizens_personal_data_masked(web, cli, sandbox):
    from tests.x_office import citizen

    citizen(sandbox, "la cuenta, mi celular es 3001234567", author="Lina")
    assert cli("daemon", "--once").exit_code == 0
    (reply_id,) = [
        listed.id
        for listed, message in list_replies(web.database, REPLY_PENDING, 100)[0]
        if "3001234567" in message.text
    ]
    ana, admin = web.login("ana"), web.login("admin")
    for page in (ana.get("/revision"), ana.get(f"/revision/{reply_id}")):
        assert "3001234567" not in page.text and "[dato personal]" in page.text
    assert "Lina escribió" not in ana.get(f"/revision/{reply_id}").text
    as_written = admin.get(f"/revision/{reply_id}").text
    assert "3001234567" in as_written and "Lina escribió" in as_written


def test_a_session_ends_after_a_working_day(web):
    """A cookie signed SESSION_HOURS and a minute ago, with the database's own key, is no
    session: the expiry is checked on every request, not left to the browser."""
    import time

    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from web.accounts import session_secret
    from web.app import SESSION_HOURS

    ana = web.login("ana")
    fresh = ana.cookies["conectados_sesion"]
    data = URLSafeTimedSerializer(session_secret(web.database), salt="conectados-web-sesion").loads(
        fresh
    )

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - SESSION_HOURS * 3600 - 60

    old = URLSafeTimedSerializer(
        session_secret(web.database), salt="conectados-web-sesion", signer=Earlier
    ).dumps(data)
    ana.cookies.clear()
    ana.cookies.set("conectados_sesion", old)
    answer = ana.get("/revision", allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/entrar")
    ana.cookies.clear()
    ana.cookies.set("conectados_sesion", fresh)
    assert ana.get("/revision", allow_redirects=False).status_code == 200


def test_the_change_mark_moves_when_another_person_decides(web):
    ana, admin = web.login("ana"), web.login("admin")
    before = ana.get("/cambios").json()["marca"]
    assert ana.get("/cambios").json()["marca"] == before  # nothing happened: it stays
    reply_id = pending(web)[0]
    admin.post_form(
        f"/revision/{reply_id}/rechazar", {"ajeno": "0"}, token_from=f"/revision/{reply_id}"
    )
    assert ana.get("/cambios").json()["marca"] != before


# --- the commands: accounts, and the web office inside the daemon ---------------------------


def test_the_accounts_commands(cli, tmp_path, monkeypatch):
    import io

    assert cli("init").exit_code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("una-clave-larga-1\n"))
    added = cli("usuarios", "add", "Ana", "--rol", "comunicaciones", "--nombre", "Ana Pérez")
    assert (
        added.exit_code == 0 and "Cuenta «ana» creada, con el rol comunicaciones." in added.stdout
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("corta\n"))
    short = cli("usuarios", "add", "luis", "--rol", "pqr")
    assert short.exit_code == 2 and "al menos 10 caracteres" in short.stderr
    monkeypatch.setattr("sys.stdin", io.StringIO("una-clave-larga-1\n"))
    twice = cli("usuarios", "add", "ana", "--rol", "pqr")
    assert twice.exit_code == 2 and "ya existe una cuenta «ana»" in twice.stderr
    monkeypatch.setattr("sys.stdin", io.StringIO("una-clave-larga-1\n"))
    bad_name = cli("usuarios", "add", "ana pérez", "--rol", "pqr")
    assert bad_name.exit_code == 2 and "USUARIO" in bad_name.stderr
    listed = cli("usuarios", "list").stdout
    assert "ana" in listed and "comunicaciones" in listed and "activa" in listed
    assert "una-clave-larga-1" not in listed and "argon2" not in listed
    disabled = cli("usuarios", "disable", "ana")
    assert disabled.exit_code == 0 and "desactivada" in cli("usuarios", "list").stdout
    assert cli("usuarios", "disable", "nadie").exit_code == 2
    enabled = cli("usuarios", "enable", "ana")
    assert enabled.exit_code == 0 and "activa y desbloqueada" in enabled.stdout
    monkeypatch.setattr("sys.stdin", io.StringIO("otra-clave-larga-2\n"))
    changed = cli("usuarios", "password", "ana")
    assert changed.exit_code == 0 and "sus sesiones abiertas terminaron" in changed.stdout
    assert "Usage" not in cli("web", "--help").stdout


def test_the_daemon_serves_the_web_office_when_asked(tmp_path, sandbox):
    import os
    import re
    import signal
    import subprocess
    import sys

    import requests

    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\ncon_el_servicio = false\n'
        "[web]\nactivo = true\npuerto = 0\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "conectados", "daemon"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        found = None
        for _ in range(40):
            line = process.stdout.readline()
            found = re.search(r"Oficina web en (http://\S+)", line)
            if found or not line:
                break
        assert found, "the daemon did not say where the web office is"
        answer = requests.get(found.group(1) + "/entrar", timeout=30)
        assert answer.status_code == 200 and "Entrar a la oficina digital" in answer.text
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


# --- every route: who may use it -----------------------------------------------------------

C, P, A = "comunicaciones", "pqr", "admin"
ROUTES = {
    ("GET", "/"): {C, P, A},
    ("POST", "/salir"): {C, P, A},
    ("GET", "/bandeja"): {C, P, A},
    ("GET", "/revision"): {C, A},
    ("GET", "/revision/{reply_id:id}"): {C, A},
    ("POST", "/revision/{reply_id:id}/aprobar"): {C, A},
    ("POST", "/revision/{reply_id:id}/protocolo"): {C, A},
    ("POST", "/revision/{reply_id:id}/rechazar"): {C, A},
    ("POST", "/revision/{reply_id:id}/radicar"): {C, A},
    ("GET", "/pqr"): {P, A},
    ("GET", "/pqr/exportar"): {P, A},
    ("GET", "/pqr/{radicado}"): {P, A},
    ("POST", "/pqr/{radicado}/responder"): {P, A},
    ("POST", "/pqr/{radicado}/cerrar"): {P, A},
    ("POST", "/pqr/{radicado}/tipo-respuesta"): {P, A},
    ("POST", "/pqr/{radicado}/notificado"): {P, A},
    ("GET", "/calendario"): {C, A},
    ("POST", "/calendario/importar"): {C, A},
    ("GET", "/avisos"): {C, A},
    ("POST", "/avisos"): {C, A},
    ("POST", "/avisos/{notice_id:id}/cerrar"): {C, A},
    ("GET", "/informe"): {C, P, A},
    ("GET", "/informe/ver"): {C, P, A},
    ("GET", "/estado"): {C, P, A},
    ("GET", "/cambios"): {C, P, A},
}
OPEN = {("GET", "/entrar"), ("POST", "/entrar")}
"""The only pages without a session: signing in."""


def test_every_route_wants_a_session_and_the_roles_of_the_table(web):
    from starlette.routing import Route

    from web.app import build_web_app

    found = {}
    for route in build_web_app(web.server.server.config.app.state.office).routes:
        if not isinstance(route, Route):
            continue  # the stylesheet and the script (/static)
        for method in route.methods - {"HEAD"}:
            roles = getattr(route.endpoint, "roles", None)
            found[(method, route.path)] = None if roles is None else {str(role) for role in roles}
    assert {key for key, roles in found.items() if roles is None} == OPEN
    assert {key: roles for key, roles in found.items() if roles is not None} == ROUTES


def test_the_pqr_officer_cannot_decide_a_reply(web):
    pedro = web.login("pedro")
    reply_id = pending(web)[0]
    token = pedro.token("/pqr")
    for action in ("aprobar", "rechazar", "radicar", "protocolo"):
        answer = pedro.post(
            f"{web.url}/revision/{reply_id}/{action}",
            data={"csrf": token, "texto": "x", "tipo": "reclamo", "protocolo": "pago"},
        )
        assert answer.status_code == 403, action
    assert reply(web, reply_id).state == ReplyState.PENDING


def test_a_backslash_does_not_lead_to_another_site(web):
    browser = Browser(web.url)
    answer = browser.post_form(
        "/entrar", {"usuario": "ana", "contrasena": PASSWORD, "siguiente": "/\\otro.example"}
    )
    assert answer.url == web.url + "/revision"


def test_a_huge_id_is_not_found_not_a_crash(web):
    ana = web.login("ana")
    assert ana.get("/revision/99999999999999999999").status_code == 404
    assert ana.get("/revision?despues=99999999999999999999").status_code == 400
    token = ana.token("/avisos")
    answer = ana.post(f"{web.url}/avisos/99999999999999999999/cerrar", data={"csrf": token})
    assert answer.status_code == 404


def test_a_case_page_watches_only_its_own_reply(web):
    ana, admin = web.login("ana"), web.login("admin")
    first, second = pending(web)[:2]
    before = ana.get(f"/cambios?respuesta={first}").json()["marca"]
    admin.post_form(
        f"/revision/{second}/rechazar", {"ajeno": "0"}, token_from=f"/revision/{second}"
    )
    assert ana.get(f"/cambios?respuesta={first}").json()["marca"] == before
    admin.post_form(f"/revision/{first}/rechazar", {"ajeno": "0"}, token_from=f"/revision/{first}")
    assert ana.get(f"/cambios?respuesta={first}").json()["marca"] != before
