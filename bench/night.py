"""The night's figure (issue 15): a scheduled post's lateness and the webhook receiver's
latency while 20 comments of 8,000 characters arrive at once, next to the same figures
without them, in one run.

Each row runs a real `conectados daemon` (the one composition root a company runs:
publisher, polls, responder, outbox and the webhook receiver in the same process) against
a sandbox served from this process, on a fresh SQLite database:

1. the daemon starts and subscribes its receiver to the sandbox;
2. one post is scheduled on X DUE_SECONDS ahead;
3. from then on, small signed WhatsApp messages go straight to the receiver at STREAM_RATE a
   second over keep-alive connections (open loop: a message's latency runs from its planned
   time to the end of its answer, so waiting for a free connection counts too);
4. in the loaded row only, LOAD_BEFORE_DUE seconds before the post is due, 20 citizens comment
   on the Page at once, 8,000 characters each of the text that is worst for the personal-data
   patterns (long runs of word characters and dots with no "@", digits with separators); the
   sandbox pushes each as a webhook and the daemon's poll reads them too;
5. the post's lateness is when its request reached the network less its due time.

Every phase is capped at PHASE_CAP_SECONDS, so the run ends within about two minutes even
when a pattern is quadratic in its input; a figure that did not arrive in time says so.

Past ~400 lines on purpose: one script a person runs and reads, its phases in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from channels.sandbox import SandboxServer  # noqa: E402
from channels.sandbox.whatsapp_world import APP_SECRET, whatsapp_envelope  # noqa: E402
from conectados.db import Database  # noqa: E402
from content_calendar.models import Post, Publication  # noqa: E402

HOST = "127.0.0.1"
PATH = "/webhooks/meta"
DUE_SECONDS = 8.0
LOAD_BEFORE_DUE = 6.0
AFTER_DUE_SECONDS = 10.0
STREAM_RATE = 20
STREAM_CONNECTIONS = 16
COMMENTS = 20
COMMENT_CHARS = 8_000
PHASE_CAP_SECONDS = 45.0
START_SECONDS = 30.0
STOP_SECONDS = 10.0
QUESTIONS = (  # so the responder takes them up (answer, ticket) and checks them for data
    "Buenas noches, ¿hasta cuándo va el corte de agua en el barrio La Esperanza? ",
    "Quiero poner un reclamo por la factura de este mes, llegó muy alta: ",
)
WORST_TAILS = (
    "1." * COMMENT_CHARS,  # digits and dots: the phone, value and spaced-digit patterns
    "a." * COMMENT_CHARS,  # word characters and dots with no "@": the e-mail pattern
    "x.y-z_" * COMMENT_CHARS,
    "1-" * COMMENT_CHARS,
    "a+" * COMMENT_CHARS,
)


def worst_comment(number: int) -> str:
    """A question a person would ask, then the worst text for the personal-data patterns."""
    question = QUESTIONS[number % len(QUESTIONS)]
    return (question + WORST_TAILS[number % len(WORST_TAILS)])[:COMMENT_CHARS]


def _dec(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _ms(seconds: float) -> str:
    millis = seconds * 1000
    return f"{_dec(millis, 1)} ms" if millis < 100 else f"{round(millis):,} ms".replace(",", ".")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * share) - 1)] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- the office ---------------------------------------------------------------------------


def prepare(folder: Path, sandbox_url: str, port: int) -> Database:
    (folder / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox_url}"\n'
        "[channels.facebook]\nleer_cada_minutos = 0.1\n"
        f'[webhooks]\npuerto = {port}\nruta = "{PATH}"\n',
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    database.upgrade()
    return database


def schedule_post(database: Database, due: datetime) -> None:
    with database.session() as session:
        session.execute(
            sa.insert(Post.__table__),
            [
                {
                    "id": "aviso-nocturno",
                    "text": "Mañana de 8 a 12 hay mantenimiento en la planta.",
                    "variants": {},
                    "media": [],
                    "scheduled_at": due,
                    "source_file": "bench",
                    "source_line": 1,
                    "created_at": due,
                    "updated_at": due,
                }
            ],
        )
        session.execute(
            sa.insert(Publication.__table__),
            [
                {
                    "post_id": "aviso-nocturno",
                    "network": "x",
                    "state": "scheduled",
                    "attempts": 0,
                    "next_attempt_at": due,
                }
            ],
        )


def start_daemon(folder: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    with open(folder / "servicio.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "conectados", "daemon"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_until_receiving(daemon: subprocess.Popen, sandbox: SandboxServer, folder: Path) -> None:
    """Until the daemon's receiver is subscribed to the sandbox (it answered the handshake)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and daemon.poll() is None:
        if sandbox.control("GET", "webhooks")["subscriptions"]:
            return
        time.sleep(0.1)
    output = (folder / "servicio.log").read_text(encoding="utf-8", errors="replace")
    raise SystemExit(f"el servicio no se suscribió en {START_SECONDS:.0f} s:\n{output[-2000:]}")


def stop(daemon: subprocess.Popen) -> str:
    """SIGTERM, then SIGKILL if it has not stopped within STOP_SECONDS; says which."""
    if daemon.poll() is not None:
        return "ya se había detenido"
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(timeout=STOP_SECONDS)
        return "se detuvo con SIGTERM"
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait(timeout=STOP_SECONDS)
        return f"no se detuvo en {STOP_SECONDS:.0f} s tras SIGTERM: se mató"


# --- the webhook stream --------------------------------------------------------------------


def whatsapp_request(port: int, number: int, nonce: str) -> bytes:
    """A small signed WhatsApp text, as Meta delivers it, in its whole HTTP bytes."""
    wa_id = f"57300{1_000_000 + number % 500:07d}"
    wamid = "wamid.HBgM" + hashlib.sha256(f"{nonce}-{number}".encode()).hexdigest()[:40].upper()
    payload = whatsapp_envelope(
        {
            "contacts": [{"profile": {"name": "Vecina"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid,
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": "Buenas noches, ¿mañana hay agua?"},
                }
            ],
        }
    )
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Hub-Signature-256: {signature}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(
    connection: list[asyncio.StreamReader | asyncio.StreamWriter | None], port: int, request: bytes
) -> int:
    """One request on a kept-alive connection; the answer's status, 0 if it broke."""
    try:
        if connection[1] is None:
            connection[0], connection[1] = await asyncio.open_connection(HOST, port)
        reader, writer = connection
        assert isinstance(reader, asyncio.StreamReader)
        assert isinstance(writer, asyncio.StreamWriter)
        writer.write(request)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = next(
            (
                int(line.split(":", 1)[1])
                for line in head
                if line.lower().startswith("content-length")
            ),
            0,
        )
        if length:
            await reader.readexactly(length)
        return int(head[0].split(" ", 2)[1])
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        if connection[1] is not None:
            connection[1].close()  # type: ignore[union-attr]
        connection[0] = connection[1] = None
        return 0


@dataclass
class Stream:
    """What the stream offered, and the latency of each answer that came back as 200."""

    offered: int = 0
    latencies: list[float] = field(default_factory=list)
    refused: int = 0


async def stream(port: int, seconds: float, cap: float) -> Stream:
    loop = asyncio.get_running_loop()
    nonce = os.urandom(4).hex()
    requests_ = [whatsapp_request(port, n, nonce) for n in range(int(seconds * STREAM_RATE))]
    pool: asyncio.Queue[list] = asyncio.Queue()
    for _ in range(STREAM_CONNECTIONS):
        pool.put_nowait([None, None])
    tally = Stream()

    async def send(request: bytes, planned: float) -> None:
        connection = await pool.get()
        try:
            status = await exchange(connection, port, request)
        finally:
            pool.put_nowait(connection)
        if status == 200:
            tally.latencies.append(loop.time() - planned)
        else:
            tally.refused += 1

    start = loop.time()
    tasks = []
    try:
        async with asyncio.timeout(cap):
            for number, request in enumerate(requests_):
                planned = start + number / STREAM_RATE
                await asyncio.sleep(max(0.0, planned - loop.time()))
                tally.offered += 1
                tasks.append(asyncio.create_task(send(request, planned)))
            await asyncio.gather(*tasks)
    except TimeoutError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return tally


# --- the load --------------------------------------------------------------------------------


def comment_all_at_once(sandbox_url: str, post_id: str) -> list[threading.Thread]:
    """20 citizens comment on the Page's post at the same moment (threads, not waited for)."""

    def comment(number: int) -> None:
        # The sandbox waits on the receiver's answer; the comment is in all the same.
        with contextlib.suppress(requests.RequestException):
            requests.post(
                f"{sandbox_url}/_sandbox/citizen",
                json={
                    "network": "facebook",
                    "kind": "comment",
                    "text": worst_comment(number),
                    "author": f"Vecino {number + 1}",
                    "on": post_id,
                },
                timeout=PHASE_CAP_SECONDS,
            )

    threads = [
        threading.Thread(target=comment, args=(number,), daemon=True) for number in range(COMMENTS)
    ]
    for thread in threads:
        thread.start()
    return threads


# --- one row -----------------------------------------------------------------------------------


@dataclass
class Row:
    lateness: float | None
    stream: Stream
    stopped: str


def phase(loaded: bool) -> Row:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder, SandboxServer() as sandbox:
        [page_post] = sandbox.control(
            "POST", "posts", {"network": "facebook", "posts": [{"text": "Aviso de corte"}]}
        )["ids"]
        database = prepare(Path(folder), sandbox.url, port)
        daemon = start_daemon(Path(folder))
        try:
            wait_until_receiving(daemon, sandbox, Path(folder))
            started = time.monotonic()
            due = datetime.now(UTC) + timedelta(seconds=DUE_SECONDS)
            schedule_post(database, due)
            if loaded:
                timer = threading.Timer(
                    DUE_SECONDS - LOAD_BEFORE_DUE,
                    comment_all_at_once,
                    args=(sandbox.url, page_post),
                )
                timer.daemon = True
                timer.start()
            tally = asyncio.run(stream(port, DUE_SECONDS + AFTER_DUE_SECONDS, PHASE_CAP_SECONDS))
            deadline = started + PHASE_CAP_SECONDS
            lateness = published_lateness(sandbox, due)
            while lateness is None and time.monotonic() < deadline:
                time.sleep(0.2)
                lateness = published_lateness(sandbox, due)
        finally:
            stopped = stop(daemon)
            database.dispose()
    return Row(lateness, tally, stopped)


def published_lateness(sandbox: SandboxServer, due: datetime) -> float | None:
    """When the post's request reached X, less its due time (None: not yet)."""
    for request in sandbox.control("GET", "requests")["requests"]:
        if request["method"] == "POST" and request["path"] == "/2/tweets":
            return request["arrived"] - due.timestamp()
    return None


def describe(row: Row) -> tuple[str, str]:
    post = (
        f"{_dec(row.lateness)} s"
        if row.lateness is not None
        else f"no terminó en {PHASE_CAP_SECONDS:.0f} s"
    )
    # A message not answered within the cap took longer than that: it counts, as infinity.
    answered = len(row.stream.latencies)
    unanswered = row.stream.offered - answered
    latencies = row.stream.latencies + [float("inf")] * unanswered

    def shown(seconds: float) -> str:
        return f"más de {PHASE_CAP_SECONDS:.0f} s" if seconds == float("inf") else _ms(seconds)

    hooks = (
        f"p50 {shown(percentile(latencies, 0.5))}, p99 {shown(percentile(latencies, 0.99))}, "
        f"máx {shown(max(latencies, default=float('nan')))}"
    )
    if unanswered:
        hooks += f" ({unanswered} de {row.stream.offered} sin 200 en {PHASE_CAP_SECONDS:.0f} s)"
    return post, hooks


def main() -> int:
    print(
        f"Una publicación en X programada a {DUE_SECONDS:.0f} s; webhooks de WhatsApp pequeños "
        f"firmados a {STREAM_RATE}/s durante {DUE_SECONDS + AFTER_DUE_SECONDS:.0f} s; "
        f"{os.cpu_count()} núcleos; tope por fase {PHASE_CAP_SECONDS:.0f} s."
    )
    rows = {loaded: phase(loaded) for loaded in (False, True)}
    calm, night = describe(rows[False]), describe(rows[True])
    width = max(len(calm[0]), len(calm[1])) + 2
    loaded = f"con {COMMENTS} comentarios de {COMMENT_CHARS:,} caracteres".replace(",", ".")
    print(f"{'':28}{'sin carga':{width}}{loaded}")
    print(f"{'retraso de la publicación':28}{calm[0]:{width}}{night[0]}")
    print(f"{'latencia del receptor':28}{calm[1]:{width}}{night[1]}")
    print(
        f"el servicio, al final: sin carga {rows[False].stopped}; con carga {rows[True].stopped}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
