"""The metrics job: each network's current figures for our recent posts, as a time series."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

import sqlalchemy as sa

from channels.base import Channel, ChannelError, Measures, capable
from conectados.clock import Clock
from conectados.db import Database, upsert_statement
from content_calendar.models import Publication, PublicationState
from scheduler.models import MetricSample
from scheduler.paused import paused_channels

log = logging.getLogger("conectados.metricas")


class MetricsCollector:
    """Asks each network for the figures of what it published in the last `days`."""

    def __init__(
        self, database: Database, channels: Mapping[str, Channel], clock: Clock, days: int = 30
    ) -> None:
        self.database = database
        self.channels = capable(channels, Measures)
        self.clock = clock
        self.days = days

    def run_once(self) -> dict[str, int]:
        """Samples stored per network."""
        now = self.clock.now()
        stored: dict[str, int] = {}
        with self.database.session() as session:
            paused = paused_channels(session.connection(), now)
            rows = session.execute(
                sa.select(Publication.network, Publication.remote_id, Publication.id).where(
                    Publication.state == PublicationState.PUBLISHED,
                    Publication.published_at >= now - timedelta(days=self.days),
                    Publication.remote_id.is_not(None),
                )
            ).all()
        by_network: dict[str, dict[str, int]] = {}
        for network, remote_id, publication_id in rows:
            by_network.setdefault(network, {})[remote_id] = publication_id
        for network, ids in by_network.items():
            channel = self.channels.get(network)
            if channel is None or network in paused:
                continue
            try:
                samples = channel.metrics(list(ids))
            except ChannelError as error:
                log.warning("no se pudieron leer las métricas de %s: %s", network, error)
                continue
            values = [
                {
                    "publication_id": ids[sample.remote_id],
                    "collected_at": now,
                    "reach": sample.reach,
                    "views": sample.views,
                    "reactions": sample.reactions,
                    "comments": sample.comments,
                    "shares": sample.shares,
                    "clicks": sample.clicks,
                    "saved": _count(sample.extra.get("saved")),
                }
                for sample in samples
                if sample.remote_id in ids
            ]
            if values:
                with self.database.session(write=True) as session:
                    connection = session.connection()
                    connection.execute(
                        upsert_statement(connection, MetricSample)
                        .values(values)
                        .on_conflict_do_nothing(
                            index_elements=[MetricSample.publication_id, MetricSample.collected_at]
                        )
                    )
            stored[network] = len(values)
            log.info("%s: métricas de %d publicaciones", network, len(values))
        return stored


def _count(value: object) -> int | None:
    """A figure a network reports only as an extra (Instagram's saves): a count, or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
