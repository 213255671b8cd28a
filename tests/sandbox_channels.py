"""Both adapters pointed at a test's sandbox (short timeouts: it runs on this machine)."""

from __future__ import annotations

from channels.facebook import FacebookChannel
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.x_world import ACCOUNT_ID
from channels.x import XChannel, XCredentials


def channels_for(sandbox) -> dict:
    """The adapters read the sandbox's own clock: the real one, or a test's fixed clock."""
    clock = sandbox.sandbox.clock
    return {
        "facebook": FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=2, clock=clock),
        "x": XChannel(
            XCredentials("k", "s", "t", "ts"), ACCOUNT_ID, sandbox.url, timeout=2, clock=clock
        ),
    }
