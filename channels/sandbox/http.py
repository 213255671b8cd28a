"""The sandbox's HTTP plumbing: parse requests (query, form, multipart, JSON), route, answer."""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    files: dict[str, Upload]
    body: Any
    headers: dict[str, str]
    base_url: str
    raw: bytes = b""
    """The body's bytes as they came (the control API reads its JSON from them)."""
    stream: BodyStream | None = None
    """An upload's body (application/octet-stream), left unread for its route to read as
    it arrives: a video is never held in memory."""

    def param(self, name: str, default: str | None = None) -> str | None:
        """A parameter from the query string or the form body (Graph accepts both)."""
        return self.query.get(name, self.form.get(name, default))


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=UTF-8"


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(value: Any, **options: Any) -> str:
    """`value` as JSON with accents as they are, except lone UTF-16 surrogates, which stay
    escaped ("\\udcff"): valid JSON, as X and Meta may send it, where the raw character
    cannot be written in UTF-8 (the simulator keeps what citizens wrote as they wrote it)."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def json_bytes(value: Any, **options: Any) -> bytes:
    """`json_text` in UTF-8: what the simulator sends and signs."""
    return json_text(value, **options).encode("utf-8")


CONTROL_PREFIX = "/_sandbox/"
CONTROL_MAX_BYTES = 1024 * 1024
"""The largest body the control API reads; a larger one is read and thrown away, up to:"""
DRAIN_MAX_BYTES = 64 * 1024 * 1024


class BadRequest(ValueError):
    """A request that cannot be read; answered with `status`, closing the connection if `close`."""

    def __init__(self, message: str, status: int = 400, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.close = close


class HttpError(Exception):
    """Raised by a route to answer with an error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    network: str | None
    method: str
    pattern: re.Pattern[str]
    name: str
    handler: Handler


class Router:
    """Routes by method and path pattern; `name` is the endpoint as the docs write it."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, network: str | None, method: str, pattern: str, name: str, handler: Handler):
        self.routes.append(Route(network, method, re.compile(f"^{pattern}$"), name, handler))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None


class BodyStream:
    """The unread body of a request: at most its Content-Length bytes, read piece by piece."""

    def __init__(self, source: Any, length: int) -> None:
        self._source = source
        self.length = length
        self.left = length

    def read(self, size: int) -> bytes:
        """Up to `size` bytes; b"" at the end, or when the client stopped sending."""
        if self.left <= 0:
            return b""
        try:
            data = self._source.read(min(size, self.left))
        except OSError:  # the connection dropped mid-body
            data = b""
        if not data:
            self.left = -1  # what is missing will never come: the connection must close
            return b""
        self.left -= len(data)
        return data


STREAMED_TYPE = "application/octet-stream"


def parse_request(handler: BaseHTTPRequestHandler) -> Request:
    parts = urlsplit(handler.path)
    control = parts.path.startswith(CONTROL_PREFIX)
    content_type = handler.headers.get("Content-Type", "")
    stream = None
    if not control and content_type.startswith(STREAMED_TYPE):
        stream = BodyStream(handler.rfile, _declared_length(handler))
        raw = b""
    else:
        raw = _read_body(handler, CONTROL_MAX_BYTES if control else None)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    form: dict[str, str] = {}
    files: dict[str, Upload] = {}
    body: Any = None
    if control:
        pass  # JSON whatever the Content-Type says: the control API reads and checks it
    elif content_type.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        form, files = _parse_multipart(content_type, raw)
    elif raw and "json" in content_type:
        try:
            body = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
    host = handler.headers.get("Host", "127.0.0.1")
    return Request(
        method=handler.command,
        path=parts.path,
        query=query,
        form=form,
        files=files,
        body=body,
        headers={key.lower(): value for key, value in handler.headers.items()},
        base_url=f"http://{host}",
        raw=raw,
        stream=stream,
    )


def _declared_length(handler: BaseHTTPRequestHandler) -> int:
    if handler.headers.get("Transfer-Encoding", "identity").lower() != "identity":
        raise BadRequest(
            "el simulador solo lee cuerpos con Content-Length (no por trozos)", close=True
        )
    declared = (handler.headers.get("Content-Length") or "0").strip()
    if not declared.isascii() or not declared.isdigit() or len(declared) > 18:
        raise BadRequest(f"Content-Length «{declared[:30]}» no es un tamaño válido", close=True)
    return int(declared)


def _read_body(handler: BaseHTTPRequestHandler, most: int | None) -> bytes:
    """The body by its Content-Length; one larger than `most` is drained and refused."""
    length = _declared_length(handler)
    if most is not None and length > most:
        drained = length <= DRAIN_MAX_BYTES
        left = length if drained else 0
        while left > 0:  # read it all, so the client sees the answer rather than a reset
            chunk = handler.rfile.read(min(left, 64 * 1024))
            if not chunk:
                break
            left -= len(chunk)
        raise BadRequest(
            f"el cuerpo tiene {length} bytes; el máximo es {most}", status=413, close=not drained
        )
    raw = handler.rfile.read(length) if length else b""
    if len(raw) < length:
        raise BadRequest(f"el cuerpo llegó incompleto: {len(raw)} de {length} bytes", close=True)
    return raw


def _parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, Upload]]:
    # The email parser reads multipart/form-data without the cgi module (gone in 3.13).
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    form: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = Upload(filename, part.get_content_type(), payload)
        else:
            form[name] = payload.decode("utf-8")
    return form, files


def write_response(handler: BaseHTTPRequestHandler, response: Response) -> None:
    payload = (
        response.raw
        if response.raw is not None
        else b""
        if response.body is None
        else json_bytes(response.body)
    )
    handler.send_response(response.status)
    handler.send_header("Content-Type", response.content_type)
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in response.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)
