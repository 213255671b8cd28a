"""The Instagram Graph API subset the Instagram adapter uses, as Meta's reference describes
it: Graph's errors, usage headers and token rules (the same host as the Page's), with
Instagram's own routes from `instagram_publishing.py` and `instagram_engagement.py`."""

from __future__ import annotations

from typing import Any

from channels.sandbox.graph import GRAPH_VERSION_PATTERN, GraphApi
from channels.sandbox.http import Router
from channels.sandbox.instagram_engagement import InstagramEngagementRoutes
from channels.sandbox.instagram_publishing import InstagramPublishingRoutes
from channels.sandbox.instagram_world import InstagramWorld


class InstagramApi(GraphApi):
    """Instagram's routes, answered from an InstagramWorld; Graph's errors and headers."""

    def __init__(self, world: InstagramWorld, lock: Any = None) -> None:
        self.world = world  # type: ignore[assignment]
        self.lock = lock
        self.publishing = InstagramPublishingRoutes(world, lock)
        self.engagement = InstagramEngagementRoutes(world, lock)
        # `GET /{id}` is one route for every Instagram node: comments are the engagement's.
        self.publishing.comment_reader = self.engagement.get_comment
        self.publishing.person_reader = self.engagement.get_person  # the User Profile API

    def register(self, router: Router) -> None:
        self.publishing.register(router, GRAPH_VERSION_PATTERN)
        self.engagement.register(router, GRAPH_VERSION_PATTERN)
