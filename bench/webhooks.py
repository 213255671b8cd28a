"""How many WhatsApp events a second the webhook receiver acknowledges (issue 10 target).

Target: at least 500 events/s with p99 under 100 ms on this machine (2 cores), and every
acknowledged event stored exactly once.

Runs a real `conectados webhooks serve` process (WhatsApp in real mode, on SQLite: the
embedded default) on loopback, and a load generator in this process: asyncio with raw
keep-alive HTTP/1.1 connections, every body and signature built before the clock starts.
The caller's own CONECTADOS_* variables are left out, so none points it at another database.

A. The target, open loop: 5,000 unique events offered at 500 a second over 32
   connections. A request's latency runs from its scheduled time to the end of its answer,
   so waiting for a free connection counts too.
B. The ceiling, closed loop: 10,000 more unique events over 64 connections, each sent as
   soon as its connection is free.

In both, about 5 % more requests re-send a body already acknowledged (Meta retries until
it gets a 200) and a few carry a forged signature (they must get 401); latency figures are
for the unique events. Then, with the receiver stopped, the database must hold every
acknowledged message exactly once and no forged one: the script exits with 1 otherwise.

Past ~400 lines on purpose: one script a person runs and reads (load, send, check), in order.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# This file is named like the package it measures: keep its folder off the import path
# (before anything imports `calendar`, which bench/calendar.py would stand in for).
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import sqlalchemy as sa  # noqa: E402

from conectados.db import Database  # noqa: E402
from responders.models import Interaction  # noqa: E402

HOST = "127.0.0.1"
PATH = "/webhooks/meta"
PHONE_NUMBER_ID = "109876543210987"
OPEN_RATE = 500  # unique events a second offered in phase A
OPEN_SECONDS = 10
OPEN_CONNECTIONS = 32
CEILING_EVENTS = 10_000
CEILING_CONNECTIONS = 64
REPLAY_EVERY = 20  # a replay after every 20th unique event: 5 %
FORGED_EVERY = 250
P99_TARGET = 0.100
START_SECONDS = 20
OPEN_LIMIT_SECONDS = OPEN_SECONDS + 15
CEILING_LIMIT_SECONDS = 30
STOP_SECONDS = 15
CITIZENS = 3_000
NAMES = ["Marta", "Luis Alberto", "Dora", "Jhon Jairo", "Leidy", "Carlos", "Yolanda", "Andrés"]
TEXTS = [
    "Buenas tardes, ¿hasta cuándo hay corte de agua en el barrio La Esperanza?",
    "¿Dónde puedo pagar la factura de este mes?",
    "Me llegó la factura muy alta, quiero hacer un reclamo",
    "Hay una fuga grande en la calle 12 con carrera 8, sale agua desde ayer",
    "¿Cuál es el horario de atención de la oficina principal?",
    "Hola, buenos días",
    "Necesito el duplicado de la factura de la cuenta 104233",
]


@dataclass
class Event:
    """One request ready to go: its message id and its whole HTTP bytes."""

    wamid: str
    request: bytes


@dataclass
class Step:
    """What the generator sends at `at` seconds: an event, a replay or a forgery."""

    kind: str  # "unique", "replay", "forged"
    at: float = 0.0
    event: Event | None = None  # None for a replay: chosen among the acknowledged when sent


@dataclass
class Tally:
    """What one phase sent and what came back."""

    latencies: list[float] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)  # 200, or 401 for forgeries
    unexpected: Counter[str] = field(default_factory=Counter)
    last_done: float = 0.0


@dataclass
class Run:
    """What both phases know: the events acknowledged so far, for replays and the proof."""

    acknowledged: set[str] = field(default_factory=set)
    acknowledged_events: list[Event] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(10))


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _dec(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _ms(seconds: float) -> str:
    millis = seconds * 1000
    return f"{_dec(millis)} ms" if millis < 100 else f"{_n(round(millis))} ms"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * share) - 1)] if ordered else float("nan")


# --- the traffic, built before the clock starts ------------------------------------------


def whatsapp_body(wamid: str, wa_id: str, name: str, text: str, at: int) -> bytes:
    """A text message as Meta's WhatsApp Cloud API delivers it."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "100000000000088",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "576071234567",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": wamid,
                                    "timestamp": str(at),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def http_request(port: int, body: bytes, signed_as: str | None) -> bytes:
    head = [
        f"POST {PATH} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "User-Agent: facebookexternalua",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if signed_as is not None:
        head.append(f"X-Hub-Signature-256: {signed_as}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Traffic:
    """Unique events and forgeries, numbered across both phases so no id repeats."""

    def __init__(self, port: int, secret: str) -> None:
        self.port = port
        self.secret = secret
        self.rng = random.Random(7)
        self.nonce = secrets.token_hex(4)
        self.count = 0
        self.citizens = [
            (f"57300{self.rng.randint(1_000_000, 9_999_999)}", self.rng.choice(NAMES))
            for _ in range(CITIZENS)
        ]
        self.forged_ids: list[str] = []

    def _wamid(self, label: str) -> str:
        self.count += 1
        digest = hashlib.sha256(f"{self.nonce}-{label}-{self.count}".encode()).hexdigest()
        return f"wamid.HBgM{digest[:48].upper()}"

    def _body(self, wamid: str) -> bytes:
        wa_id, name = self.rng.choice(self.citizens)
        return whatsapp_body(wamid, wa_id, name, self.rng.choice(TEXTS), int(time.time()))

    def unique(self) -> Event:
        wamid = self._wamid("unico")
        body = self._body(wamid)
        return Event(wamid, http_request(self.port, body, signature(body, self.secret)))

    def forged(self) -> Event:
        """A wrong secret, a body changed after signing, or no signature at all, in turn."""
        wamid = self._wamid("falso")
        self.forged_ids.append(wamid)
        body = self._body(wamid)
        variant = len(self.forged_ids) % 3
        if variant == 0:
            signed_as: str | None = signature(body, "otro-secreto")
        elif variant == 1:
            signed_as = signature(body, self.secret)
            body = body.replace(b'"type": "text"', b'"type": "text" ')
        else:
            signed_as = None
        return Event(wamid, http_request(self.port, body, signed_as))

    def plan(self, events: int, rate: float | None = None) -> list[Step]:
        """Unique events (at `rate` a second, if given), with replays and forgeries mixed in."""
        steps = []
        for n in range(events):
            at = n / rate if rate else 0.0
            steps.append(Step("unique", at, self.unique()))
            if rate:
                at += 0.5 / rate
            if n % REPLAY_EVERY == REPLAY_EVERY - 1:
                steps.append(Step("replay", at))
            if n % FORGED_EVERY == FORGED_EVERY // 2:
                steps.append(Step("forged", at, self.forged()))
        return steps


# --- the load generator ------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: a request out, its answer read whole."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def exchange(self, request: bytes) -> int:
        """The answer's status, or 0 when the connection broke (it reopens next time)."""
        try:
            if self.writer is None:
                await self.open()
            assert self.reader is not None and self.writer is not None
            self.writer.write(request)
            await self.writer.drain()
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            length, close = 0, False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if length:
                await self.reader.readexactly(length)
            if close:
                self.close()
            return status
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            self.close()
            return 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def record(run: Run, tally: Tally, step: Step, event: Event, status: int, latency: float) -> None:
    wanted = 401 if step.kind == "forged" else 200
    if status == wanted:
        tally.expected[step.kind] += 1
        if step.kind == "unique":
            tally.latencies.append(latency)
            run.acknowledged.add(event.wamid)
            run.acknowledged_events.append(event)
    else:
        tally.unexpected[f"{step.kind} → {status or 'sin respuesta'}"] += 1


def choose(run: Run, step: Step) -> Event | None:
    if step.kind != "replay":
        return step.event
    if not run.acknowledged_events:
        return None
    return run.rng.choice(run.acknowledged_events)


async def connect(port: int, count: int) -> list[Connection]:
    connections = [Connection(port) for _ in range(count)]
    await asyncio.gather(*(connection.open() for connection in connections))
    return connections


async def open_loop(port: int, steps: list[Step], run: Run, tally: Tally) -> float:
    """Send each step at its time over a pool of connections; return the start time."""
    loop = asyncio.get_running_loop()
    connections = await connect(port, OPEN_CONNECTIONS)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for connection in connections:
        pool.put_nowait(connection)

    async def send(step: Step, event: Event, scheduled: float) -> None:
        connection = await pool.get()
        try:
            status = await connection.exchange(event.request)
        finally:
            pool.put_nowait(connection)
        done = loop.time()
        tally.last_done = max(tally.last_done, done)
        record(run, tally, step, event, status, done - scheduled)

    start = loop.time() + 0.05
    tasks = []
    try:
        async with asyncio.timeout(OPEN_LIMIT_SECONDS):
            for step in steps:
                scheduled = start + step.at
                delay = scheduled - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                event = choose(run, step)
                if event is None:
                    continue
                tally.sent[step.kind] += 1
                tasks.append(asyncio.create_task(send(step, event, scheduled)))
            await asyncio.gather(*tasks)
    except TimeoutError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for connection in connections:
            connection.close()
    return start


async def closed_loop(port: int, steps: list[Step], run: Run, tally: Tally) -> float:
    """Each connection sends its next step as soon as its answer is in; return the start."""
    loop = asyncio.get_running_loop()
    connections = await connect(port, CEILING_CONNECTIONS)
    pending = iter(steps)

    async def worker(connection: Connection) -> None:
        for step in pending:  # shared: each step goes out once, on whichever is free
            event = choose(run, step)
            if event is None:
                continue
            tally.sent[step.kind] += 1
            began = loop.time()
            status = await connection.exchange(event.request)
            done = loop.time()
            tally.last_done = max(tally.last_done, done)
            record(run, tally, step, event, status, done - began)

    start = loop.time()
    try:
        async with asyncio.timeout(CEILING_LIMIT_SECONDS):
            await asyncio.gather(*(worker(connection) for connection in connections))
    except TimeoutError:
        pass
    finally:
        for connection in connections:
            connection.close()
    return start


# --- the receiver's process --------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=2) as probe:
            probe.sendall(f"GET /salud HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            return probe.recv(64).startswith(b"HTTP/1.1 200 ")
    except OSError:
        return False


def cpu_ticks(pid: int) -> dict[int, int]:
    """User plus system clock ticks of each thread of a process."""
    ticks = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[int(task.name)] = int(fields[11]) + int(fields[12])
    return ticks


def busy_ticks() -> int:
    """Clock ticks every core of the machine spent working (not idle, not waiting on disk)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields[:8]) - fields[3] - fields[4]


@dataclass
class CpuWatch:
    """CPU spent by the receiver (its event loop thread, the others), this process, the rest."""

    pid: int
    before: dict[int, int] = field(default_factory=dict)
    busy: int = 0
    ours: float = 0.0
    wall: float = 0.0

    def start(self) -> None:
        self.before = cpu_ticks(self.pid)
        self.busy = busy_ticks()
        self.ours = time.process_time()
        self.wall = time.perf_counter()

    def line(self) -> str:
        after = cpu_ticks(self.pid)
        hz = os.sysconf("SC_CLK_TCK")
        busy = (busy_ticks() - self.busy) / hz
        wall = time.perf_counter() - self.wall
        spent = {tid: (ticks - self.before.get(tid, 0)) / hz for tid, ticks in after.items()}
        loop = spent.pop(self.pid, 0.0)
        others = sum(spent.values())
        ours = time.process_time() - self.ours
        rest = max(0.0, busy - loop - others - ours)

        def share(seconds: float) -> str:
            return f"{100 * seconds / wall:.0f} %"

        return (
            f"  CPU en la fase, en % de un núcleo: receptor {share(loop + others)} (hilo del "
            f"bucle HTTP {share(loop)}, escritor y demás hilos {share(others)}), generador "
            f"{share(ours)}, otros procesos del equipo {share(rest)}"
        )


def start_receiver(folder: Path, port: int, secret: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    env |= {
        "CONECTADOS_META_APP_SECRET": secret,
        "CONECTADOS_WEBHOOK_VERIFY_TOKEN": secrets.token_hex(16),
    }
    (folder / "conectados.toml").write_text(
        'base_datos = "conectados.db"\n'
        f'[channels.whatsapp]\nmodo = "real"\ntelefono_id = "{PHONE_NUMBER_ID}"\n'
        "[channels.facebook]\nactivo = false\n[channels.x]\nactivo = false\n"
        f'[webhooks]\npuerto = {port}\nruta = "{PATH}"\n',
        encoding="utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "conectados", "init"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    with open(folder / "receptor.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "conectados", "webhooks", "serve"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_until_healthy(receiver: subprocess.Popen, folder: Path, port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if receiver.poll() is not None:
            break
        if healthy(port):
            return
        time.sleep(0.1)
    output = (folder / "receptor.log").read_text(encoding="utf-8", errors="replace")
    raise SystemExit(
        f"el receptor no contestó /salud en {START_SECONDS} s:\n{output[-2000:]}".rstrip()
    )


def stop(receiver: subprocess.Popen) -> None:
    if receiver.poll() is None:
        receiver.send_signal(signal.SIGTERM)
        try:
            receiver.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            receiver.kill()
            receiver.wait(timeout=STOP_SECONDS)


# --- the phases and the proof ------------------------------------------------------------


def phase_a(tally: Tally, start: float, offered: int) -> bool:
    acknowledged = tally.expected["unique"]
    # Every event offered at 500/s acknowledged, and quickly: the receiver kept up.
    elapsed = tally.last_done - start if tally.last_done else 0.0
    rate = acknowledged / elapsed if elapsed else 0.0
    p99 = percentile(tally.latencies, 0.99)
    met = acknowledged == offered and p99 < P99_TARGET
    print(
        f"A. a {_n(OPEN_RATE)} eventos/s ofrecidos, {OPEN_CONNECTIONS} conexiones: "
        f"{_n(acknowledged)} de {_n(offered)} confirmados en {_dec(elapsed)} s "
        f"({rate:.0f} ev/s), p50 {_ms(percentile(tally.latencies, 0.5))}, p99 {_ms(p99)}, "
        f"máx {_ms(max(tally.latencies, default=0.0))} (meta: ≥ {_n(OPEN_RATE)} ev/s con "
        f"p99 < {P99_TARGET * 1000:.0f} ms: {'cumplida' if met else 'NO cumplida'})"
    )
    return met


def phase_b(tally: Tally, start: float, offered: int) -> None:
    acknowledged = tally.expected["unique"]
    elapsed = tally.last_done - start if tally.last_done else 0.0
    requests = sum(tally.sent.values())
    print(
        f"B. techo, {CEILING_CONNECTIONS} conexiones sin pausa: {_n(acknowledged)} de "
        f"{_n(offered)} confirmados en {_dec(elapsed)} s: "
        f"{acknowledged / elapsed if elapsed else 0:.0f} ev/s "
        f"({requests / elapsed if elapsed else 0:.0f} peticiones/s con reenvíos y falsas), "
        f"p50 {_ms(percentile(tally.latencies, 0.5))}, "
        f"p99 {_ms(percentile(tally.latencies, 0.99))}"
    )


def mixed(tally: Tally) -> None:
    print(
        f"  además {_n(tally.sent['replay'])} reenvíos de eventos ya confirmados "
        f"({_n(tally.expected['replay'])} con 200) y {_n(tally.sent['forged'])} con firma "
        f"falsa ({_n(tally.expected['forged'])} con 401)"
    )
    if tally.unexpected:
        listed = ", ".join(f"{what}: {_n(count)}" for what, count in tally.unexpected.items())
        print(f"  respuestas inesperadas: {listed}")


def prove(database: Database, run: Run, unique_ids: list[str], forged_ids: list[str]) -> bool:
    """Every acknowledged message stored once, nothing forged stored, nothing unknown."""
    whatsapp = Interaction.network == "whatsapp"
    with database.session() as session:
        stored = Counter(
            dict(
                session.execute(
                    sa.select(Interaction.remote_id, sa.func.count())
                    .where(whatsapp)
                    .group_by(Interaction.remote_id)
                ).all()
            )
        )
        duplicated = session.execute(
            sa.select(Interaction.network, Interaction.remote_id)
            .group_by(Interaction.network, Interaction.remote_id)
            .having(sa.func.count() > 1)
        ).all()
        rows = session.scalar(sa.select(sa.func.count()).where(whatsapp))
        commits = session.scalar(
            sa.select(sa.func.count(sa.distinct(Interaction.received_at))).where(whatsapp)
        )
    acknowledged = run.acknowledged
    lost = acknowledged - stored.keys()
    forged_stored = stored.keys() & set(forged_ids)
    unacknowledged = [wamid for wamid in unique_ids if wamid not in acknowledged]
    unacknowledged_stored = [wamid for wamid in unacknowledged if wamid in stored]
    unknown = stored.keys() - acknowledged - set(unacknowledged_stored) - forged_stored
    ok = (
        not duplicated
        and not lost
        and not forged_stored
        and not unknown
        and rows == len(acknowledged) + len(unacknowledged_stored)
    )
    print(
        f"exactamente una vez: {_n(len(acknowledged))} eventos confirmados, {_n(rows or 0)} "
        f"filas, {_n(len(duplicated))} duplicadas, {_n(len(lost))} perdidas, "
        f"{_n(len(forged_stored))} falsificadas guardadas"
        + (f", {_n(len(unknown))} desconocidas" if unknown else "")
        + (": correcto" if ok else ": FALLA")
    )
    if unacknowledged:
        print(
            f"  {_n(len(unacknowledged))} eventos sin confirmar: "
            f"{_n(len(unacknowledged_stored))} guardados (Meta los reenviaría y se "
            f"confirmarían sin duplicarse), {_n(len(unacknowledged) - len(unacknowledged_stored))}"
            " no guardados"
        )
    if commits:
        print(
            f"  escritos en {_n(commits)} transacciones: {_dec((rows or 0) / commits)} eventos "
            "por transacción de media (escritura agrupada)"
        )
    return ok


async def load(port: int, receiver_pid: int, traffic: Traffic) -> tuple[Run, list[str]]:
    open_steps = traffic.plan(OPEN_RATE * OPEN_SECONDS, rate=OPEN_RATE)
    ceiling_steps = traffic.plan(CEILING_EVENTS)
    unique_ids = [
        step.event.wamid
        for step in open_steps + ceiling_steps
        if step.kind == "unique" and step.event
    ]
    run = Run()
    watch = CpuWatch(receiver_pid)
    # The prepared requests are many long-lived objects: keep the collector from scanning
    # them mid-phase, a pause the generator would count as the receiver's latency.
    gc.collect()
    gc.freeze()

    tally = Tally()
    watch.start()
    start = await open_loop(port, open_steps, run, tally)
    phase_a(tally, start, OPEN_RATE * OPEN_SECONDS)
    mixed(tally)
    print(watch.line())

    tally = Tally()
    watch.start()
    start = await closed_loop(port, ceiling_steps, run, tally)
    phase_b(tally, start, CEILING_EVENTS)
    mixed(tally)
    print(watch.line())
    return run, unique_ids


def main() -> int:
    secret = secrets.token_hex(32)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        receiver = start_receiver(Path(folder), port, secret)
        try:
            wait_until_healthy(receiver, Path(folder), port)
            traffic = Traffic(port, secret)
            print(
                f"receptor de webhooks en {HOST}:{port} (proceso aparte, SQLite), "
                f"{os.cpu_count()} núcleos; eventos de WhatsApp de {_n(CITIZENS)} ciudadanos"
            )
            run, unique_ids = asyncio.run(load(port, receiver.pid, traffic))
        finally:
            stop(receiver)
        database = Database(f"sqlite:///{Path(folder) / 'conectados.db'}")
        try:
            ok = prove(database, run, unique_ids, traffic.forged_ids)
        finally:
            database.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
