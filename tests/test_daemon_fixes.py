"""What a person sees when running the service, the demo and the status in a terminal."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from scheduler.commands import SANDBOX_PORT


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    return subprocess.run(
        [sys.executable, "-m", "conectados", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,  # a command that kept trying the port would hang
    )


@contextlib.contextmanager
def _occupied(port: int) -> Iterator[int]:
    """`port` held by a real listening socket (0: any free one), or already held by another
    program (a daemon running on this machine): busy either way."""
    with socket.socket() as busy:
        try:
            busy.bind(("127.0.0.1", port))
            busy.listen()
        except OSError:
            pass  # someone else holds it: just as busy
        yield busy.getsockname()[1] if port == 0 else port


def test_the_daemon_on_a_busy_simulator_port_says_what_is_happening(tmp_path: Path):
    with _occupied(SANDBOX_PORT):
        result = _run(["daemon"], tmp_path)

    assert result.returncode == 1, result.stderr
    assert "error inesperado" not in result.stderr
    assert f"el puerto {SANDBOX_PORT} del simulador de redes ya está en uso" in result.stderr
    assert "el servicio ya está en marcha" in result.stderr
    assert "[sandbox] url" in result.stderr


def test_webhooks_serve_on_a_busy_port_says_what_is_happening(tmp_path: Path):
    assert _run(["init"], tmp_path).returncode == 0
    with _occupied(0) as port:
        result = _run(["webhooks", "serve", "--port", str(port)], tmp_path)

    assert result.returncode == 1, result.stderr
    assert "error inesperado" not in result.stderr
    assert f"el puerto {port} del receptor de mensajes de Meta (webhooks)" in result.stderr
    assert "[webhooks] puerto" in result.stderr


def test_status_fits_80_columns_in_words_a_non_programmer_reads(cli):
    cli("init")

    shown = cli("status").stdout

    # Only a path or an address longer than the window may pass it, alone on its line.
    assert all(len(line) <= 80 or " " not in line.strip() for line in shown.splitlines()), shown
    assert "modo de prueba (simulador)" in shown and "sandbox" not in shown
    assert "Receptor de mensajes de Meta (webhooks):" in shown
    assert "«conectados daemon»" in shown and "http://127.0.0.1:8080/webhooks/meta" in shown
