"""The Instagram comment, Direct message, moderation and insights routes. Skeleton: filled in
by the engagement work."""

from __future__ import annotations

from channels.sandbox.http import Router
from channels.sandbox.instagram_world import InstagramWorld


class InstagramEngagementRoutes:
    def __init__(self, world: InstagramWorld, lock) -> None:
        self.world = world
        self.lock = lock

    def register(self, router: Router, version_pattern: str) -> None:
        """Add the engagement routes (before Graph's: they match only Instagram ids)."""
