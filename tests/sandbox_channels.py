"""Both adapters pointed at a test's sandbox (short timeouts: it runs on this machine)."""

from __future__ import annotations

from channels.meta.facebook import FacebookChannel
from channels.sandbox.graph_world import APP_ID, PAGE_ID
from channels.sandbox.x_world import ACCOUNT_ID
from channels.x import XChannel, XCredentials


def channels_for(sandbox) -> dict:
    """The adapters read the sandbox's own clock: the real one, or a test's fixed clock."""
    clock = sandbox.sandbox.clock
    return {
        "facebook": FacebookChannel(
            PAGE_ID, "token", sandbox.url, timeout=2, clock=clock, app_id=APP_ID
        ),
        "x": XChannel(
            XCredentials("k", "s", "t", "ts"), ACCOUNT_ID, sandbox.url, timeout=2, clock=clock
        ),
    }


def pending_public_reply(cli, sandbox) -> str:
    """A citizen's public comment whose drafted answer waits for a person; its reply id."""
    post = sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "Corte programado"}]}
    )["ids"][0]
    body = {"network": "facebook", "kind": "comment", "on": post, "author": "Eva",
            "text": "¿dónde pago la factura? ya van 2 semanas esperando y nada"}  # fmt: skip
    sandbox.control("POST", "citizen", body)
    assert cli("daemon", "--once").exit_code == 0
    pending = cli("replies", "list").stdout
    return next(line.split("│")[1].strip() for line in pending.splitlines() if "Eva" in line)
