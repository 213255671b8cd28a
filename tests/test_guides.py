"""Every example in README.md and docs/*.md runs as written, so no example can rot.

The convention (written at the top of docs/desarrollo.md): a ```sh block runs, each command
must end with code 0 or with the one its line announces «(código de salida N)»; a ```sh continuo
block starts commands that stay running (a service) until the guide ends; ```sh servidor and
```text blocks are not run. A comment «<!-- ejemplos: ... -->» says in which folder the
guide's examples run: «carpeta nueva» (empty, the default), «demostración» (a copy of what
`conectados demo` leaves) or «junto a la demostración» (an empty folder with that copy in demo/).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# The guides start the service on its documented ports (8765, 8080).
pytestmark = pytest.mark.usefixtures("fixed_ports_for_module")

REPO = Path(__file__).resolve().parent.parent
GUIDES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
FOLDER = re.compile(r"^<!--\s*ejemplos:\s*(.+?)\s*-->", re.MULTILINE)
EXIT_CODE = re.compile(r"\(código de salida (\d+)\)")
FOLDERS = ("carpeta nueva", "demostración", "junto a la demostración")
COMMAND_TIMEOUT = 120
READY_TIMEOUT = 60


@dataclass
class Block:
    kind: str  # "sh" or "continuo"
    line: int
    commands: list[tuple[int, str, int]] = field(default_factory=list)
    """(line in the guide, command, expected exit code)."""


def blocks_of(text: str) -> list[Block]:
    """The runnable blocks of a guide, each command joined across its «\\» line ends."""
    found = []
    for match in FENCE.finditer(text):
        info = match.group(1).split()
        if not info or info[0] != "sh" or "servidor" in info[1:]:
            continue
        block = Block(
            "continuo" if "continuo" in info[1:] else "sh", text.count("\n", 0, match.start()) + 1
        )
        pending = ""
        for offset, line in enumerate(match.group(2).splitlines(), start=1):
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            pending += line
            if line.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            code = EXIT_CODE.search(pending)
            block.commands.append(
                (block.line + offset, pending.strip(), int(code[1]) if code else 0)
            )
            pending = ""
        found.append(block)
    return found


def folder_of(text: str, guide: Path) -> str:
    """Where the guide's examples run; without the comment, in a new user's empty folder."""
    match = FOLDER.search(text)
    if match is None:
        return "carpeta nueva"
    assert match[1] in FOLDERS, f"{guide.name}: <!-- ejemplos: {match[1]} -->: use una de {FOLDERS}"
    return match[1]


FORKSERVER = "CONECTADOS_GUIAS_SERVIDOR"
"""The socket of a process that has already imported the CLI (not a setting: no such key)."""

SHIM = """\
import json, os, socket, sys
path = os.environ.get({server!r})
if not path:  # a service the guide leaves running: the real entry point, Ctrl+C and all
    os.execv({python!r}, [{python!r}, "-m", "conectados", *sys.argv[1:]])
with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as server:
    server.connect(path)
    request = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
    socket.send_fds(server, [json.dumps(request).encode()], [0, 1, 2])
    sys.exit(int(server.recv(16) or b"1"))
"""


def environment(tmp: Path) -> dict[str, str]:
    """A new user's shell: `conectados` on PATH runs this tree, in the company's time zone.

    The command on PATH hands its arguments, folder and terminal to a process that has already
    imported Conectados and forks for each command: the same entry point, without paying the
    import of every library for each of the guides' commands.
    """
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "conectados"
    shim.write_text(
        f"#!{sys.executable} -S\n" + SHIM.format(server=FORKSERVER, python=sys.executable),
        encoding="utf-8",
    )
    shim.chmod(0o755)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONECTADOS_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO),
        TZ="America/Bogota",
        LANG="C.UTF-8",
        COLUMNS="100",
    )
    return env


def serve(path: str) -> None:
    """The fork server: import the CLI once, then run each command in a child of this process."""
    import json
    import socket

    import office.cli

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as listener:
        listener.bind(path)
        listener.listen(64)
        print("listo", flush=True)
        while True:
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                message, fds, _flags, _address = socket.recv_fds(connection, 1 << 20, 3)
                request = json.loads(message)
                sys.stdout.flush()
                for number, fd in enumerate(fds):
                    os.dup2(fd, number)
                    os.close(fd)
                os.chdir(request["cwd"])
                os.environ.clear()
                os.environ.update(request["env"])
                sys.argv = ["conectados", *request["argv"]]
                try:
                    code = office.cli.run(request["argv"])
                except SystemExit as exit_:
                    code = exit_.code if isinstance(exit_.code, int) else 1
                sys.stdout.flush()
                sys.stderr.flush()
                connection.send(str(code).encode())
                os._exit(0)
            connection.close()


@contextlib.contextmanager
def forkserver(tmp: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    path = str(tmp / "conectados.sock")
    process = subprocess.Popen(
        [sys.executable, __file__, path], env=env, stdout=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "listo"
        yield {**env, FORKSERVER: path}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


@dataclass
class Outcome:
    guide: str
    failures: list[str] = field(default_factory=list)
    commands: int = 0


SERVICES = threading.Lock()
"""Services listen on the documented ports (8765, 8080): one guide at a time runs them."""


def run_guide(guide: Path, workdir: Path, env: dict[str, str]) -> Outcome:
    blocks = blocks_of(guide.read_text(encoding="utf-8"))
    if any(block.kind == "continuo" for block in blocks):
        with SERVICES:
            return _run_blocks(guide, blocks, workdir, env)
    return _run_blocks(guide, blocks, workdir, env)


def _run_blocks(guide: Path, blocks: list[Block], workdir: Path, env: dict[str, str]) -> Outcome:
    outcome = Outcome(guide.name)
    cwd = workdir
    services: list[tuple[str, subprocess.Popen]] = []
    try:
        for block in blocks:
            if block.kind == "continuo":
                for line, command, _code in block.commands:
                    outcome.commands += 1
                    process = subprocess.Popen(
                        ["bash", "-c", f"exec {command}"], cwd=cwd, env=_without_forkserver(env), text=True,
                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        start_new_session=True,
                        # A runner started in the background ignores SIGINT and children
                        # inherit it: the guide's Ctrl+C must stop the service as in a terminal.
                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                    )  # fmt: skip
                    services.append((f"{guide.name}:{line}: {command}", process))
                    first = _first_line(process)
                    # A service that starts by saying what is wrong is not running, even if
                    # it has not exited yet when its first line is read.
                    if process.poll() is not None or not first or first.startswith("Error"):
                        rest = process.stdout.read() if process.stdout else ""
                        outcome.failures.append(
                            f"{guide.name}:{line}: «{command}» no quedó en marcha:\n{first}{rest}"
                        )
                continue
            cwd_file = workdir / ".cwd"
            script = ["set -o pipefail", f"cd {_quote(cwd)}"]
            for line, command, code in block.commands:
                outcome.commands += 1
                script += [
                    command,
                    f"status=$?; if [ $status -ne {code} ]; then echo "
                    f"{_quote(f'{guide.name}:{line}: «{command}» terminó con')} $status "
                    f"{_quote(f'(se esperaba {code})')} >&2; exit 97; fi",
                ]
            script.append(f"pwd > {_quote(cwd_file)}")
            result = subprocess.run(
                ["bash", "-c", "\n".join(script)], env=env, text=True, stdin=subprocess.DEVNULL,
                capture_output=True, timeout=COMMAND_TIMEOUT * len(block.commands),
            )  # fmt: skip
            if result.returncode != 0:
                outcome.failures.append(
                    f"{guide.name}:{block.line}: el bloque falló (código {result.returncode})\n"
                    + textwrap.indent((result.stdout + result.stderr)[-3000:], "    ")
                )
                break
            cwd = Path(cwd_file.read_text(encoding="utf-8").strip())
    finally:
        for name, process in reversed(services):
            code, printed = _stop(process)
            if code not in (0, 130, -signal.SIGINT):  # Ctrl+C: a clean stop
                outcome.failures.append(
                    f"{name}: al detenerlo con Ctrl+C terminó con {code}\n"
                    + textwrap.indent(printed, "    ")
                )
    return outcome


def _without_forkserver(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key != FORKSERVER}


def _first_line(process: subprocess.Popen) -> str:
    """The service's first line, which says it is listening (or why it is not)."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=READY_TIMEOUT):
            return ""
    return process.stdout.readline()


def _stop(process: subprocess.Popen) -> tuple[int, str]:
    """Ctrl+C the service; its exit code and the end of what it printed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        printed, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        printed, _ = process.communicate()
    return process.returncode, (printed or "")[-1500:]


def _quote(value: object) -> str:
    return "'" + str(value).replace("'", "'\\''") + "'"


def prepare(kind: str, where: Path, demo: Path | None) -> Path:
    where.mkdir(parents=True)
    if kind == "demostración":
        shutil.copytree(demo, where, dirs_exist_ok=True)
    elif kind == "junto a la demostración":
        shutil.copytree(demo, where / "demo")
    return where


@pytest.fixture(scope="module")
def guide_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    tmp = tmp_path_factory.mktemp("guias")
    with forkserver(tmp, environment(tmp)) as env:
        return _run_guides(tmp, env)


def _run_guides(tmp: Path, env: dict[str, str]) -> dict[str, Outcome]:
    kinds = {guide: folder_of(guide.read_text(encoding="utf-8"), guide) for guide in GUIDES}
    outcomes: dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=3) as pool:
        fresh = [
            pool.submit(run_guide, guide, prepare(kind, tmp / guide.stem, None), env)
            for guide, kind in kinds.items()
            if kind == "carpeta nueva"
        ]
        demo = tmp / "la-demostracion"
        made = subprocess.run(
            ["conectados", "demo", "--rapido", "--carpeta", str(demo)], env=env,
            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert made.returncode == 0, made.stdout + made.stderr
        on_demo = [
            pool.submit(run_guide, guide, prepare(kind, tmp / guide.stem, demo), env)
            for guide, kind in kinds.items()
            if kind != "carpeta nueva"
        ]
        for future in [*fresh, *on_demo]:
            outcome = future.result()
            outcomes[outcome.guide] = outcome
    return outcomes


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_example_of_the_guide_runs_as_written(guide_outcomes, guide: Path):
    outcome = guide_outcomes[guide.name]
    assert outcome.failures == []


def test_the_guides_have_examples_and_no_date_that_will_pass():
    commands = {
        guide.name: [c for block in blocks_of(guide.read_text("utf-8")) for c in block.commands]
        for guide in GUIDES
    }
    assert all(commands[name] for name in ("README.md", "comunicaciones.md", "pqr.md"))
    dated = [
        f"{name}:{line}: {command}"
        for name, found in commands.items()
        for line, command, _code in found
        if re.search(r"\b20\d\d-\d\d\b", command)
    ]
    assert dated == []  # write $(date +%Y-%m) and the like: a fixed date passes one day
    days = [
        f"{guide.name}: {day}"
        for guide in GUIDES
        for day in re.findall(
            r"\b20\d\d-\d\d-\d\d\b|\b\d{1,2}/\d\d/20\d\d\b", guide.read_text("utf-8")
        )
    ]
    assert days == []  # nor in the text: a reader copies a format example too


if __name__ == "__main__":
    serve(sys.argv[1])
