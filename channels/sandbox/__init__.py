"""A local emulator of the networks' APIs, so the real clients run against it (see server.py)."""

from channels.sandbox.server import Sandbox, SandboxServer

__all__ = ["Sandbox", "SandboxServer"]
