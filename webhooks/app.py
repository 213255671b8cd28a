"""The webhook receiver: an ASGI app that checks, stores once and acknowledges at once.

Order of work for a POST: size limit, then the X-Hub-Signature-256 HMAC of the raw bytes
(compared in constant time) before anything is parsed, then the payload, then the
database. Meta retries until it gets a 200, so the 200 goes out only after the events are
committed, and a retried event finds its network and id stored already (unique index):
it is stored once. Deciding and answering is the daemon's work, from the database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import hmac
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from channels.meta.webhooks import Delivery, MalformedEvent, accepts, parse_delivery
from conectados.clock import Clock
from conectados.db import Database
from notices.deliveries import record_statuses
from responders.intake import record_set_aside, store_interactions
from responders.replies import record_undelivered

log = logging.getLogger("conectados.webhooks")

SIGNATURE_HEADER = "x-hub-signature-256"
WRITE_TIMEOUT_SECONDS = 15.0
READ_TIMEOUT_SECONDS = 10.0
"""A client that sends its body slowly does not hold a connection for longer than this."""
MAX_ITEMS_PER_TRANSACTION = 500
GATHER_SECONDS = 0.002
_CHALLENGE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


@dataclass(frozen=True)
class WebhookConfig:
    """What the receiver checks against: the secrets, the accounts and the limits."""

    verify_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    path: str = "/webhooks/meta"
    max_bytes: int = 1024 * 1024
    accounts: Mapping[str, str] = field(default_factory=dict)
    """Network -> the company's account whose events we take there (the Page's id, the
    number's); a network left out is off."""
    sandbox: bool = False
    """The simulator's secrets: the receiver subscribes to the simulator itself."""
    write_timeout: float = WRITE_TIMEOUT_SECONDS
    """How long a request waits for its events to be committed before answering 503."""


class EventWriter:
    """One thread stores what many requests received, in one transaction per wake-up.

    Requests wait for their own commit (a future), so an acknowledged event is stored; a
    burst costs a few transactions instead of one each (group commit).
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self._queue: queue.SimpleQueue[tuple[Delivery, concurrent.futures.Future[int]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="webhooks-writer", daemon=True)
        self._thread.start()

    def submit(self, delivery: Delivery) -> concurrent.futures.Future[int]:
        future: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._queue.put((delivery, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=WRITE_TIMEOUT_SECONDS)

    def _run(self) -> None:
        try:
            self._loop()
        except Exception:  # never expected; without this thread nothing would be stored
            log.critical("el receptor de webhooks dejó de guardar", exc_info=True)
            raise

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            # Wait a moment for more: a transaction of ten events costs little more than one
            # of one, and the CPU saved keeps the answers fast under load.
            jobs = [job]
            items = len(job[0].items)
            deadline = time.monotonic() + GATHER_SECONDS
            while items < MAX_ITEMS_PER_TRANSACTION:
                try:
                    job = self._queue.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    break
                if job is None:
                    self._write(jobs)
                    return
                jobs.append(job)
                items += len(job[0].items)
            self._write(jobs)

    def _write(self, jobs: list[tuple[Delivery, concurrent.futures.Future[int]]]) -> None:
        try:
            with self.database.transaction(write=True) as connection:
                now = self.clock.now()
                items = [item for delivery, _ in jobs for item in delivery.items]
                renamed = [
                    (delivery.network, *ids) for delivery, _ in jobs for ids in delivery.renamed
                ]
                stored = store_interactions(connection, items, now, renamed)
                aside = [item for delivery, _ in jobs for item in delivery.set_aside]
                record_set_aside(connection, aside, "webhook", now)
                for delivery, _ in jobs:
                    if delivery.failed_sends:
                        record_undelivered(connection, delivery.network, delivery.failed_sends, now)
                    if delivery.statuses:
                        record_statuses(connection, delivery.statuses)
        except Exception as exc:
            if len(jobs) > 1:
                # One bad delivery must not hold up the others written with it: one by one.
                for job in jobs:
                    self._write([job])
                return
            # The database is down (or this delivery cannot be stored): no 200, Meta retries.
            log.exception("no se pudo guardar una entrega de webhook")
            _settle(jobs[0][1], error=exc)
            return
        if stored:
            log.info("webhooks: %d mensajes nuevos de ciudadanos", stored)
        for _, future in jobs:
            _settle(future, result=stored)


def _settle(
    future: concurrent.futures.Future[int], result: int = 0, error: Exception | None = None
) -> None:
    """Give a request its outcome, unless it stopped waiting (then Meta retries; the retry
    finds the events stored)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Receiver:
    """The receiver's behaviour, apart from the HTTP server that runs it."""

    def __init__(self, config: WebhookConfig, database: Database, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.writer = EventWriter(database, clock)
        self._secret = config.app_secret.encode("utf-8")
        self.app = Starlette(
            routes=[
                Route(config.path, self.verify, methods=["GET"]),
                Route(config.path, self.receive, methods=["POST"]),
                Route("/salud", self.health, methods=["GET"]),
            ]
        )

    def close(self) -> None:
        self.writer.close()

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def verify(self, request: Request) -> Response:
        """Meta's handshake when the webhook is configured: echo the challenge if ours."""
        query = request.query_params
        token = query.get("hub.verify_token", "").encode("utf-8")
        challenge = query.get("hub.challenge", "")
        if query.get("hub.mode") != "subscribe" or not _CHALLENGE.match(challenge):
            log.warning("verificación de webhook rechazada: falta hub.mode o hub.challenge")
            return PlainTextResponse("solicitud de verificación incompleta", status_code=400)
        if not hmac.compare_digest(token, self.config.verify_token.encode("utf-8")):
            log.warning("verificación de webhook rechazada: el token de verificación no coincide")
            return PlainTextResponse("token de verificación incorrecto", status_code=403)
        log.info("Meta verificó el webhook")
        return PlainTextResponse(challenge)

    async def receive(self, request: Request) -> Response:
        try:
            body = await asyncio.wait_for(self._read_limited(request), READ_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("webhook rechazado: el cuerpo no llegó a tiempo (%s)", _client(request))
            return _refuse(408, "el cuerpo no llegó a tiempo")
        if isinstance(body, Response):
            return body
        if not self._signed(request, body):
            log.warning("webhook rechazado: firma ausente o incorrecta (%s)", _client(request))
            return _refuse(401, "firma X-Hub-Signature-256 ausente o incorrecta")
        try:
            delivery = parse_delivery(json.loads(body), self.clock.now(), self.config.accounts)
        except (ValueError, RecursionError) as exc:  # MalformedEvent, or not JSON at all
            reason = str(exc) if isinstance(exc, MalformedEvent) else "el cuerpo no es JSON"
            log.warning("webhook rechazado: %s (%s)", reason, _client(request))
            return _refuse(400, reason)
        delivery.items = [item for item in delivery.items if self._accepts(item.network)]
        delivery.set_aside = [item for item in delivery.set_aside if self._accepts(item.network)]
        if not self._accepts(delivery.network):
            delivery.renamed = []
            delivery.statuses = []
        if (
            delivery.items
            or delivery.failed_sends
            or delivery.statuses
            or delivery.set_aside
            or delivery.renamed
        ):
            try:
                # shield: a request that stops waiting must not cancel the writer's work.
                await asyncio.wait_for(
                    asyncio.shield(asyncio.wrap_future(self.writer.submit(delivery))),
                    self.config.write_timeout,
                )
            except Exception:  # not stored (yet): no 200, so Meta delivers it again later
                return _refuse(503, "no se pudo guardar; Meta lo reintentará")
        if delivery.nothing_readable:
            # Recorded as set aside; no 200, so Meta keeps it for a while (a fixed receiver
            # may read it on a retry), and the retries are recorded once.
            reason = delivery.set_aside[0].reason
            log.warning("webhook rechazado: %s (%s)", reason, _client(request))
            return _refuse(400, reason)
        return JSONResponse(
            {
                "recibidos": len(delivery.items),
                "ignorados": delivery.ignored,
                "ilegibles": len(delivery.set_aside),
            }
        )

    def _accepts(self, network: str) -> bool:
        return accepts(network, self.config.accounts)

    async def _read_limited(self, request: Request) -> bytes | Response:
        limit = self.config.max_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            log.warning("webhook rechazado: cuerpo de %s bytes (%s)", declared, _client(request))
            return _refuse(413, f"el cuerpo pasa del máximo de {limit} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                log.warning("webhook rechazado: cuerpo demasiado grande (%s)", _client(request))
                return _refuse(413, f"el cuerpo pasa del máximo de {limit} bytes")
        return bytes(body)

    def _signed(self, request: Request, body: bytes) -> bool:
        given = request.headers.get(SIGNATURE_HEADER, "").encode("utf-8", "replace")
        expected = b"sha256=" + hmac.new(self._secret, body, hashlib.sha256).hexdigest().encode()
        return hmac.compare_digest(given, expected)


def _refuse(status: int, reason: str) -> Response:
    return JSONResponse({"error": reason}, status_code=status)


def _client(request: Request) -> str:
    return f"{request.client.host}" if request.client else "cliente desconocido"
