"""`conectados channels check` for Instagram, against a real simulator: the account the Page
links, the account itself, the permissions each job needs, the publishing limit and
url_medios; and the check's parsers against Meta's documented answers (tests/contracts/)."""

from __future__ import annotations

import functools
import re
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from contract_files import contract
from media_files import jpeg_image

from channels.meta.instagram import InstagramChannel
from channels.meta.instagram_check import (
    MediaPlace,
    check_instagram,
    linked_id,
    media_line,
    public_url,
    publishing_limit,
)
from channels.sandbox.graph_checks import sandbox_app_token
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.instagram_world import IG_USER_ID

ONLY_INSTAGRAM = (
    "[channels.facebook]\nactivo = false\n[channels.x]\nactivo = false\n"
    "[channels.whatsapp]\nactivo = false\n"
)
PERMISSIONS = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_manage_messages",
    "pages_show_list",
    "pages_read_engagement",
)


@pytest.fixture
def check(cli, sandbox, tmp_path):
    """Run `conectados channels check` on the test's simulator, Instagram alone."""

    def run(extra: str = "", top: str = ""):
        config = f'{top}[sandbox]\nurl = "{sandbox.url}"\n{ONLY_INSTAGRAM}{extra}'
        (tmp_path / "conectados.toml").write_text(config, "utf-8")
        return cli("channels", "check")

    return run


def items(stdout: str) -> list[str]:
    """Each checked thing as one line (the checklist wraps at 80 columns), with its advice."""
    found: list[str] = []
    for line in stdout.splitlines():
        if line[:3] in ("  ✔", "  ✘", "  !"):
            found.append(line.strip())
        elif line.startswith("    ") and found:
            found[-1] += " " + line.strip()
    return found


def failed(stdout: str) -> list[str]:
    return [item.split(" Qué hacer:")[0] for item in items(stdout) if item.startswith("✘")]


def channel(sandbox, account: str = IG_USER_ID) -> InstagramChannel:
    return InstagramChannel(account, "token", sandbox.url, timeout=5, page_id=PAGE_ID)


def test_in_the_simulator_every_instagram_line_passes(check):
    result = check()

    assert result.exit_code == 0, result.stdout
    assert "Instagram (simulador):" in result.stdout
    assert not failed(result.stdout)
    lines = items(result.stdout)
    assert f"✔ la página {PAGE_ID} está vinculada a esta cuenta (cuenta_id {IG_USER_ID})" in lines
    assert "✔ la cuenta @acueductodeejemplo responde" in lines
    for permission in PERMISSIONS:
        assert any(line.startswith(f"✔ permiso {permission} (") for line in lines), permission
    assert any("url_medios vacía: el simulador lee las imágenes" in line for line in lines)
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    ("permission", "job"),
    [
        ("instagram_content_publish", "publicar"),
        ("instagram_manage_comments", "leer, responder y ocultar comentarios"),
        ("instagram_manage_messages", "responder mensajes directos"),
        ("instagram_manage_insights", "cifras del informe"),
    ],
)
def test_a_missing_permission_names_the_job_that_fails_without_it(check, sandbox, permission, job):
    sandbox.control("POST", "permissions", {"network": "instagram", "revoke": [permission]})

    result = check()

    assert result.exit_code == 1
    (line,) = failed(result.stdout)
    assert line == f"✘ permiso {permission} ({job})"
    said = " ".join(result.stdout.split())
    assert f"marque {permission}" in said and "CONECTADOS_FACEBOOK_TOKEN" in said


def test_without_instagram_basic_the_link_cannot_be_read_and_every_job_fails(check, sandbox):
    sandbox.control("POST", "permissions", {"network": "instagram", "revoke": ["instagram_basic"]})

    result = check()

    assert result.exit_code == 1
    lines = failed(result.stdout)
    assert any("no dice qué cuenta de Instagram tiene vinculada" in line for line in lines)
    assert any("no se puede leer con este token" in line for line in lines)
    basic = next(line for line in lines if "permiso instagram_basic" in line)
    for job in ("publicar", "comentarios", "mensajes directos", "cifras del informe"):
        assert job in basic


def test_a_wrong_cuenta_id_says_the_one_the_page_links(sandbox):
    wrong = "17841400000000999"

    lines = check_instagram(
        channel(sandbox, wrong), PAGE_ID, sandbox_app_token(), "T", MediaPlace(None, "", False)
    )

    (link,) = [line for line in lines if "vinculada" in line.what]
    assert not link.ok and wrong in link.what and f"la vinculada es la {IG_USER_ID}" in link.what
    assert link.fix == f'escriba cuenta_id = "{IG_USER_ID}" en [channels.instagram]'


def test_an_expired_token_stops_the_checklist_at_the_token(check, sandbox):
    sandbox.control("POST", "permissions", {"network": "instagram", "expired": True})

    result = check()

    assert result.exit_code == 1
    assert failed(result.stdout) == ["✘ el token venció"]


def test_the_documented_page_link_and_publishing_limit_are_read(sandbox):
    page = contract("instagram_page_link.json")
    limit = contract("instagram_content_publishing_limit.json")

    assert linked_id(page) == "17841405822304914"
    assert linked_id({"id": "134895793791914"}) is None  # no account linked: the key is absent
    assert publishing_limit(limit) == (2, 50)
    assert publishing_limit({"data": []}) is None
    ours = requests.get(
        f"{sandbox.url}/v24.0/{PAGE_ID}",
        params={"fields": "instagram_business_account", "access_token": "t"},
        timeout=5,
    ).json()
    assert ours.keys() == page.keys()
    assert ours["instagram_business_account"].keys() == page["instagram_business_account"].keys()
    assert linked_id(ours) == IG_USER_ID


@pytest.fixture
def media_server(tmp_path):
    """carpeta_medios served over HTTP by a plain static server, as a company's web server
    serves it (on a free local port)."""
    folder = tmp_path / "medios"
    (folder / "cortes").mkdir(parents=True)
    (folder / "cortes" / "aviso de corte.jpg").write_bytes(jpeg_image(1080, 1350))
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_medios_that_serves_the_folder_passes(media_server):
    folder, url = media_server

    line = media_line(MediaPlace(folder, url + "/", real=True))

    assert line.ok and line.what == "url_medios sirve las imágenes (image/jpeg)"
    assert public_url(url, folder, folder / "cortes" / "aviso de corte.jpg") == (
        f"{url}/cortes/aviso%20de%20corte.jpg"
    )


def test_url_medios_that_does_not_serve_the_folder_fails_with_what_to_do(media_server):
    folder, url = media_server

    line = media_line(MediaPlace(folder, url + "/otra-carpeta", real=True))

    assert not line.ok and not line.warning
    assert "respondió código 404" in line.what and "responda 200 con la imagen" in line.fix


def test_url_medios_empty_is_fine_in_the_simulator_and_an_error_in_real_mode(tmp_path):
    simulated = media_line(MediaPlace(tmp_path, "", real=False))
    real = media_line(MediaPlace(tmp_path, "", real=True))

    assert simulated.ok and "el simulador lee las imágenes" in simulated.what
    assert not real.ok and not real.warning and "falta url_medios" in real.what


def test_the_check_asks_url_medios_through_the_command(check, media_server):
    folder, url = media_server

    result = check(
        f'[channels.instagram]\nurl_medios = "{url}"\n', top=f'carpeta_medios = "{folder}"\n'
    )

    assert "✔ url_medios sirve las imágenes (image/jpeg)" in items(result.stdout), result.stdout


def test_a_folder_with_no_image_only_warns(tmp_path: Path):
    line = media_line(MediaPlace(tmp_path, "https://medios.example.org", real=True))

    assert line.warning and "no hay imágenes JPEG en carpeta_medios" in line.what


def test_the_publishing_limit_is_read_from_the_account(check):
    """Needs the simulator's content_publishing_limit route (the publishing work's)."""
    result = check()

    (limit,) = [line for line in items(result.stdout) if "límite de publicaciones" in line]
    assert re.fullmatch(r"✔ límite de publicaciones: 0 de \d+ en las últimas 24 horas", limit)


def test_status_lists_instagram_and_says_real_mode_needs_its_cuenta_id(cli, tmp_path: Path):
    (tmp_path / "conectados.toml").write_text('[channels.instagram]\nmodo = "real"\n', "utf-8")

    result = cli("status")

    assert result.exit_code == 0, result.stderr
    assert "instagram activa, modo real; FALTA cuenta_id" in " ".join(result.stdout.split())


class _HomePage(SimpleHTTPRequestHandler):
    """A web server that answers every address with its home page (200, HTML)."""

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_url_medios_answering_a_web_page_instead_of_the_image_fails(tmp_path: Path):
    (tmp_path / "gota.jpg").write_bytes(jpeg_image(1080, 1080))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HomePage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        line = media_line(MediaPlace(tmp_path, url, real=True))
    finally:
        server.shutdown()
        server.server_close()

    assert not line.ok and "respondió código 200, tipo text/html" in line.what


def test_without_cuenta_id_the_check_says_which_account_the_page_links(sandbox):
    from channels.meta.graph import graph_client
    from channels.meta.instagram_check import cuenta_id_hint

    api, _ = graph_client("token", sandbox.url)

    assert cuenta_id_hint(api, PAGE_ID) == (
        f'escriba cuenta_id = "{IG_USER_ID}" en [channels.instagram]: es la cuenta de Instagram '
        f"vinculada a la página {PAGE_ID}"
    )
    sandbox.control("POST", "permissions", {"network": "instagram", "revoke": ["instagram_basic"]})
    refused = cuenta_id_hint(api, PAGE_ID)  # Meta does not say: what it is and where else
    assert refused.startswith("cuenta_id es el número de la cuenta profesional de Instagram")
    assert "Meta no dijo cuál es" in refused and "instagram_basic" in refused
    assert "Meta Business Suite → Configuración → Cuentas de Instagram" in refused


def test_without_cuenta_id_and_no_answer_from_meta_the_check_says_it_could_not_ask():
    from channels.meta.graph import graph_client
    from channels.meta.instagram_check import cuenta_id_hint

    with socket.socket() as closed:  # a port nobody listens on: no connection
        closed.bind(("127.0.0.1", 0))
        api, _ = graph_client("token", f"http://127.0.0.1:{closed.getsockname()[1]}", timeout=2)
        fix = cuenta_id_hint(api, PAGE_ID)

    assert "no se pudo preguntar a Meta cuál es (Meta no respondió: no hubo conexión)" in fix
    assert "esta comprobación lo pregunta y lo muestra aquí" in fix
    assert "Meta Business Suite → Configuración → Cuentas de Instagram" in fix


def test_real_mode_without_token_asks_for_the_token_first_and_says_what_cuenta_id_is(
    cli, tmp_path: Path
):
    (tmp_path / "conectados.toml").write_text(
        ONLY_INSTAGRAM + '[channels.instagram]\nmodo = "real"\n', "utf-8"
    )

    result = cli("channels", "check")

    assert result.exit_code != 0
    found = failed(result.stdout)
    assert found == [
        "✘ falta la variable de entorno CONECTADOS_FACEBOOK_TOKEN",
        "✘ falta cuenta_id en [channels.instagram]",
    ], result.stdout
    [advice] = [item for item in items(result.stdout) if "falta cuenta_id" in item]
    assert "cuenta_id es el número de la cuenta profesional de Instagram" in advice
    assert (
        "no se pudo preguntar a Meta cuál es (falta CONECTADOS_FACEBOOK_TOKEN y falta pagina_id "
        "en [channels.facebook])" in advice
    )
    assert "Meta Business Suite → Configuración → Cuentas de Instagram" in advice
