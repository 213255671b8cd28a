"""The first hour after `make demo`: the printed next steps work as printed, what a person
approves afterwards reaches the simulated networks (they remember their world in the demo's
folder), and `make clean` leaves nothing behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.snapshot import MAX_FILE_BYTES
from office.demo import DEMO_FOLDER
from office.demo_text import SANDBOX_STATE, command_lines, conectados_command

REPO = Path(__file__).resolve().parent.parent


def pending_replies(folder: Path) -> list[tuple[int, str, str]]:
    """(reply id, network, kind) of the replies waiting for a person in the demo's database."""
    from responders.models import Interaction, Reply, ReplyState

    engine = sa.create_engine(f"sqlite:///{folder / 'conectados.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Reply.id, Interaction.network, Interaction.kind)
            .join(Interaction, Interaction.id == Reply.interaction_id)
            .where(Reply.state == ReplyState.PENDING)
        ).all()
    engine.dispose()
    return [(row.id, row.network, row.kind) for row in rows]


def reply_states(folder: Path, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    from responders.models import Reply

    engine = sa.create_engine(f"sqlite:///{folder / 'conectados.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Reply.id, Reply.state, Reply.last_error).where(Reply.id.in_(ids))
        ).all()
    engine.dispose()
    return {row.id: (str(row.state.value), row.last_error) for row in rows}


def decide(cli, folder: Path, reply_id: int, *options: str) -> int:
    """Approve a pending reply as a person would; one that promises a filing («una persona de
    nuestro equipo lo radicará») is filed instead. The id of the reply that goes out."""
    approved = cli("replies", "approve", str(reply_id), *options, cwd=folder)
    if approved.exit_code == 2 and "pqr radicar --respuesta" in approved.stderr:
        filed = cli("pqr", "radicar", "--respuesta", str(reply_id), cwd=folder)
        assert filed.exit_code == 0, filed.stderr
        return int(re.search(r"Acuse de recibo (\d+) con el radicado", filed.stdout)[1])
    assert approved.exit_code == 0, approved.stderr
    return reply_id


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[str, Path, dict[str, str]]:
    """`conectados demo` run once as a new user runs it: no venv on the PATH. Its output, its
    folder (tests that change it work on a copy) and the environment it ran in."""
    home = tmp_path_factory.mktemp("usuario")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(home)}
    assert shutil.which("conectados", path=env["PATH"]) is None
    demo = subprocess.run(
        [sys.executable, "-m", "conectados", "demo", "--rapido"],
        cwd=home, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    return demo.stdout, home / DEMO_FOLDER, env


def copy_of(demo_run, tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(demo_run[1], folder)
    return folder


def test_replies_approved_after_the_demo_are_sent_by_the_daemon(cli, demo_run, tmp_path: Path):
    folder = copy_of(demo_run, tmp_path)
    pending = pending_replies(folder)
    assert {network for _id, network, _kind in pending} >= {"facebook", "x"}

    ids = []
    for reply_id, network, kind in pending:
        private = ("--privado",) if network == "facebook" and kind == "comment" else ()
        ids.append(decide(cli, folder, reply_id, *private))
    round_ = cli("daemon", "--once", cwd=folder)

    assert round_.exit_code == 0, round_.stderr
    assert f"Respuestas enviadas: {len(pending)}." in round_.stdout
    assert reply_states(folder, ids) == {reply_id: ("sent", None) for reply_id in ids}
    saved = json.loads((folder / SANDBOX_STATE).read_text(encoding="utf-8"))["redes"]
    private = [r for r in saved["facebook"]["replies"] if not r["public"]]
    assert private and saved["x"]["replies"]  # what the daemon sent is in the world it saved


def test_without_its_saved_world_the_refusal_is_explained_in_spanish(cli, demo_run, tmp_path):
    folder = copy_of(demo_run, tmp_path)
    (folder / SANDBOX_STATE).unlink()  # what every run did before the world was saved
    ids = [decide(cli, folder, reply_id) for reply_id, _network, _kind in pending_replies(folder)]

    cli("daemon", "--once", cwd=folder)

    errors = [error for _state, error in reply_states(folder, ids).values()]
    assert any("ya no existe en X o no se puede ver" in (error or "") for error in errors)
    assert any("ya no existe en Facebook" in (error or "") for error in errors)
    assert all("Detalle de" in (error or "") for error in errors)


# --- the simulator's saved world -------------------------------------------------------


def world_of(server: SandboxServer) -> dict:
    state = server.control("GET", "state")
    return {name: {k: v for k, v in net.items() if k != "calls"} for name, net in state.items()}


def test_the_simulated_world_survives_a_restart(tmp_path: Path):
    path = tmp_path / "simulador.json"
    with SandboxServer(state_path=path) as first:
        post = first.control("POST", "posts", {"network": "facebook", "posts": [{"text": "Aviso"}]})
        tweet = first.control("POST", "posts", {"network": "x", "posts": [{"text": "Aviso"}]})
        for body in (
            {"network": "facebook", "kind": "comment", "text": "¿y el agua?", "on": post["ids"][0]},
            {"network": "facebook", "kind": "message", "text": "hola", "author": "Ana"},
            {"network": "x", "kind": "mention", "text": "¿hasta cuándo?", "on": tweet["ids"][0]},
            {"network": "x", "kind": "message", "text": "hola", "author": "Luis"},
            {"network": "whatsapp", "text": "Fuga", "media": "image", "author": "Eva"},
        ):
            first.control("POST", "citizen", body)
        before = world_of(first)
        last_id = int(before["x"]["posts"][-1]["id"])
        assert "Fuga" in path.read_text(encoding="utf-8")  # saved at once, not only at the end

    with SandboxServer(state_path=path) as second:
        assert world_of(second) == before
        assert second.sandbox.notice is None
        newer = second.control("POST", "posts", {"network": "x", "posts": [{"text": "Otro"}]})
        assert int(newer["ids"][0]) > last_id  # ids keep growing across restarts


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"redes": ', "no es JSON válido"),
        (b"\xff\xfe basura", "no es JSON válido"),
        (b'{"nombre": "otra cosa"}', "no es un archivo del simulador de Conectados"),
        (b'{"formato": "conectados-simulador", "version": 99, "redes": {}}', "otra versión"),
        (
            b'{"formato": "conectados-simulador", "version": 1, "redes": {"x": {"next_id": "a"}}}',
            "la parte de una red está dañada",
        ),
    ],
)
def test_a_damaged_or_foreign_file_gives_a_warning_and_an_empty_world(tmp_path, content, why):
    path = tmp_path / "simulador.json"
    path.write_bytes(content)

    sandbox = Sandbox(state_path=path)

    assert why in (sandbox.notice or "")
    assert "El simulador empieza con las redes vacías" in sandbox.notice
    assert sandbox.facebook.posts == {} and sandbox.x.tweets == {}
    assert (tmp_path / "simulador.json.ilegible").read_bytes() == content  # kept, not lost
    assert not path.exists()


def test_a_file_damaged_halfway_leaves_no_half_world(tmp_path: Path):
    path = tmp_path / "simulador.json"
    with SandboxServer(state_path=path) as server:
        server.control("POST", "posts", {"network": "facebook", "posts": [{"text": "Aviso"}]})
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["redes"]["x"]["tweets"] = [{"id": "1"}]  # facebook reads well, then x does not
    path.write_text(json.dumps(saved), encoding="utf-8")

    sandbox = Sandbox(state_path=path)

    assert "la parte de una red está dañada" in (sandbox.notice or "")
    assert sandbox.facebook.posts == {}


def test_a_file_too_large_to_be_a_saved_world_is_not_read(tmp_path: Path):
    path = tmp_path / "simulador.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written to the disk

    sandbox = Sandbox(state_path=path)

    assert "el máximo es" in (sandbox.notice or "")
    assert sandbox.facebook.posts == {}


def test_settings_without_estado_keep_the_world_in_memory(tmp_path: Path):
    from channels.registry import open_channels
    from conectados.credentials import Credentials
    from conectados.settings import load_settings

    (tmp_path / "conectados.toml").write_text("[empresa]\nnombre = 'Acueducto'\n")
    settings = load_settings(cwd=tmp_path, environ={})

    with open_channels(settings, Credentials({})) as opened:
        assert opened.sandbox is not None and opened.sandbox.sandbox.state_path is None
        opened.sandbox.control("POST", "posts", {"network": "x", "posts": [{"text": "Aviso"}]})

    assert sorted(path.name for path in tmp_path.iterdir()) == ["conectados.toml"]


def test_sandbox_serve_keeps_its_world_in_the_file_its_settings_name(tmp_path: Path):
    (tmp_path / "conectados.toml").write_text('[sandbox]\nestado = "redes/simulador.json"\n')
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    serve = subprocess.Popen(
        [sys.executable, "-m", "conectados", "sandbox", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A runner started in the background ignores SIGINT, and children inherit that:
        # Ctrl+C (what this test sends) must reach the service as it does in a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        assert "escuchando" in serve.stdout.readline()
        assert f"{tmp_path / 'redes' / 'simulador.json'}" in serve.stdout.readline()
        import requests

        requests.post(
            f"http://127.0.0.1:{port}/_sandbox/citizen",
            json={"network": "x", "kind": "message", "text": "hola", "author": "Ana"},
            timeout=10,
        ).raise_for_status()
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=20)

    saved = json.loads((tmp_path / "redes" / "simulador.json").read_text(encoding="utf-8"))
    assert [event["text"] for event in saved["redes"]["x"]["dm_events"]] == ["hola"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the printed next steps ------------------------------------------------------------


def test_the_command_is_written_as_it_runs_from_the_demo_folder(tmp_path: Path):
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "conectados").write_text("#!/bin/sh\n")
    python = str(bin_dir / "python")
    folder = tmp_path / "demo"

    assert conectados_command(folder, lambda _name: None, python) == "../.venv/bin/conectados"
    assert conectados_command(folder, lambda _name: "/x/conectados", python) == "conectados"
    far = tmp_path / "a" / "b" / "c" / "demo"
    assert conectados_command(far, lambda _name: None, python) == str(bin_dir / "conectados")
    (bin_dir / "conectados").unlink()
    assert conectados_command(folder, lambda _name: None, python) == f"{python} -m conectados"


def test_every_line_of_the_demo_fits_80_columns(demo_run):
    """The tester's window: 80 columns, the program's long path (no venv on the PATH); the
    commands to copy go on with « \\» on their next line, runnable as printed."""
    output, _folder, _env = demo_run

    wide = [line for line in output.splitlines() if len(line) > 80]

    assert wide == [], wide


def test_in_the_demo_two_citizens_subscribe_by_whatsapp_a_cut_reaches_both_and_one_leaves(
    demo_run,
):
    """`make demo`'s notices part: «AVISOS Centro» and «avisos el centro» by WhatsApp, the cut
    added with --notificar reaches both once, «SALIR» withdraws one consent; the figures it
    prints are `avisos estado`'s, and delivered/read are claimed only once WhatsApp said so."""
    from notices.models import Broadcast, Consent, Delivery, DeliveryState

    output, folder, _env = demo_run
    part = " ".join(output.split("Avisos por WhatsApp\n", 1)[1].split("\n\n", 1)[0].split())
    engine = sa.create_engine(f"sqlite:///{folder / 'conectados.db'}")
    try:
        with engine.connect() as connection:
            consents = connection.execute(
                sa.select(Consent.sector, Consent.withdrawn_how).order_by(Consent.id)
            ).all()
            (notice_id,) = connection.execute(sa.select(Broadcast.notice_id)).scalars().all()
            states = connection.execute(sa.select(Delivery.state)).scalars().all()
    finally:
        engine.dispose()
    saved = json.loads((folder / SANDBOX_STATE).read_text(encoding="utf-8"))["redes"]
    cuts = [r["wa_id"] for r in saved["whatsapp"]["replies"] if r.get("template") == "aviso_corte"]

    assert consents == [("Centro", None), ("Centro", "mensaje")]
    assert len(cuts) == len(set(cuts)) == 2, "each subscriber got the cut notice once"
    reached = (DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ)
    assert len(states) == 2 and all(DeliveryState(state) in reached for state in states)
    assert "2 suscritos a los avisos del Centro" in part
    assert f"El aviso {notice_id} por WhatsApp" in part
    assert "suscritos alcanzados: 2; enviados: 2; fallidos: 0" in part
    assert (
        "entregados: 2; leídos: 2 (WhatsApp lo confirma" in part
        or "se sabrán cuando WhatsApp lo confirme" in part
    )
    assert "«SALIR»" in part and "queda 1 suscrito" in part
    assert f"avisos estado {notice_id}" in output and "suscriptores list" in output


def test_a_long_command_goes_on_with_a_backslash_never_cutting_a_text():
    run = "/una/carpeta/muy/larga/de/la/instalacion/.venv/bin/conectados"
    shown = command_lines(run, ("sandbox citizen", "--tipo mensaje", '"¿Dónde pago la factura?"'))

    assert shown == (
        f'     {run} \\\n       sandbox citizen --tipo mensaje "¿Dónde pago la factura?"\n'
    )
    assert command_lines("conectados", ("pqr list",)) == "     conectados pqr list\n"
    narrow = command_lines("conectados", ("sandbox citizen", "--foto", '"Fuga en la calle 5"'), 40)
    assert all(len(line) <= 40 for line in narrow.splitlines()), narrow
    assert narrow.count(" \\\n") == 1
    pieces = ("sandbox citizen", "--red whatsapp", "--foto", '"Fuga en la calle 5"')
    for width in range(40, 81):
        for run in ("conectados", "../.venv/bin/conectados", "/opt/x/.venv/bin/conectados"):
            lines = command_lines(run, pieces, width).splitlines()
            assert all(len(line) <= width for line in lines), (width, lines)


def ports_free(*ports: int) -> bool:
    for port in ports:
        with socket.socket() as probe:
            # As the simulator and the receiver bind: a port that an earlier service closed
            # (its connections still waiting out TIME_WAIT) is free for them.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


@pytest.mark.usefixtures("fixed_ports")  # the service on 8765 and 8080, as printed
def test_the_printed_next_steps_work_without_the_venv_on_the_path(demo_run):
    """As a new user after `make demo`: no venv activated, commands copied as printed."""
    output, folder, env = demo_run
    steps = output.split("Siga con\n", 1)[1].split("\n\n", 1)[0].replace(" \\\n", " ")
    # What to do is said in words; each command is alone on its line(s), five columns in.
    lines = steps.splitlines()
    commands = [lines[0].strip()] + [line.strip() for line in lines if line.startswith(" " * 5)]
    assert commands[0] == f"cd {folder}"

    def shell(command: str, **options) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", f"{commands[0]} && {command}"],
            env=env, capture_output=True, text=True, timeout=120, **options,
        )  # fmt: skip

    at_once = [c for c in commands[1:] if " sandbox " not in c]
    service = next(c for c in at_once if c.endswith(" daemon"))
    web = next(c for c in at_once if c.endswith(" web"))
    for command in at_once:
        if command not in (service, web):
            done = shell(command, stdin=subprocess.DEVNULL)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
    if not ports_free(8765, 8080, 8000):
        pytest.skip("the service's ports (8765, 8080, 8000) are taken on this machine")
    _open_the_web_office_as_printed(steps, commands[0], web, env)
    daemon = subprocess.Popen(
        ["bash", "-c", f"{commands[0]} && exec {service}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert "Servicio en marcha" in daemon.stdout.readline() + daemon.stdout.readline()
        photo = next(c for c in commands if "--red whatsapp" in c)
        answered = shell(photo)
        assert answered.returncode == 0, answered.stderr
        assert "Respuesta en privado" in answered.stdout
    finally:
        daemon.send_signal(signal.SIGINT)
        daemon.wait(timeout=30)


def _open_the_web_office_as_printed(steps: str, cd: str, web: str, env: dict) -> None:
    """The web office started as printed, signed in with the demo account and the password
    printed once, and the review queue opened."""
    import re

    import requests

    address = re.search(r"abra (http://\S+) con el usuario (\S+) y la\s+contraseña (\S+)", steps)
    assert address, steps
    url, user, password = address.groups()
    office = subprocess.Popen(
        ["bash", "-c", f"{cd} && exec {web}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert office.stdout.readline().startswith(f"Oficina web en {url}")
        browser = requests.Session()
        form = browser.get(f"{url}/entrar", timeout=30).text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        signed = browser.post(
            f"{url}/entrar",
            data={"csrf": token, "usuario": user, "contrasena": password},
            timeout=30,
        )
        assert signed.url == f"{url}/estado", signed.text[-300:]  # an administrator's first page
        assert (
            "Revisión: respuestas que esperan a una persona"
            in browser.get(f"{url}/revision", timeout=30).text
        )
    finally:
        office.send_signal(signal.SIGINT)
        assert office.wait(timeout=30) == 0


# --- make clean ------------------------------------------------------------------------


def test_make_clean_removes_what_make_demo_and_make_test_leave(tmp_path: Path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    left = [
        ".venv/bin/python", f"{DEMO_FOLDER}/conectados.db", f"{DEMO_FOLDER}/{SANDBOX_STATE}",
        ".pytest_cache/README.md", ".ruff_cache/x", ".hypothesis/examples/x", ".coverage",
        "htmlcov/index.html", "build/x", "conectados.egg-info/PKG-INFO", "alembic-dev.db",
        "channels/__pycache__/base.cpython-311.pyc", "bench/results/x.json",
    ]  # fmt: skip
    for name in left:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "conectados.toml").write_text("# the company's own settings\n")

    done = subprocess.run(["make", "clean"], cwd=tmp_path, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    remaining = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert remaining == ["Makefile", "bench", "channels", "conectados.toml"]
