"""The Instagram content publishing routes (containers, their status, `media_publish`, the
publishing limit, the resumable upload of Reels). Skeleton: filled in by the publishing work."""

from __future__ import annotations

from channels.sandbox.http import Router
from channels.sandbox.instagram_world import InstagramWorld


class InstagramPublishingRoutes:
    def __init__(self, world: InstagramWorld, lock) -> None:
        self.world = world
        self.lock = lock

    def register(self, router: Router, version_pattern: str) -> None:
        """Add the publishing routes (before Graph's: they match only Instagram ids)."""
