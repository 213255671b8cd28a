"""The figures of our Instagram media: views, reach, likes, comments, shares and saves, with
the metric names that survive Meta's 2025 deprecations, 50 media per call."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from pyfacebook import GraphAPI

from channels.base import Rejected, Sample
from channels.http import guarded

log = logging.getLogger("channels.meta.instagram")

# Media Insights with the names that survive Meta's 2025 deprecations (impressions, plays,
# clips_replays_count, ig_reels_aggregated_all_plays_count and video_views fail the whole
# request). These six exist for FEED (images, carousels) and REELS; a STORY has no likes,
# comments or saved: its request fails and it is asked alone for what every media has.
MEDIA_METRICS = ("views", "reach", "likes", "comments", "shares", "saved")
EVERY_MEDIA_METRICS = ("views", "reach", "shares")
BATCH_SIZE = 50
"""Graph batch requests: at most 50 requests per batch (each counts against the limits)."""


class InstagramFigures:
    """The figures half of InstagramReading (its client and `_call` are the channel's)."""

    api: GraphAPI
    _call: Callable[..., Any]

    @guarded("Instagram")
    def metrics(self, remote_ids: Sequence[str]) -> list[Sample]:
        """Views, reach, likes, comments, shares and saves of our media, 50 media per call
        (Graph batch requests: `POST /` with `batch`, each answered on its own). A media
        whose insights are refused (a story has no likes: Meta fails the request) is asked
        alone for what every media has, and skipped if that is refused too."""
        wanted = list(dict.fromkeys(remote_ids))
        found: dict[str, Sample] = {}
        alone: list[str] = []
        metric = ",".join(MEDIA_METRICS)
        for start in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[start : start + BATCH_SIZE]
            requests = [
                {"method": "GET", "relative_url": f"{media_id}/insights?metric={metric}"}
                for media_id in chunk
            ]
            answers = self._call(
                self.api.post_object,
                "",
                data={"batch": json.dumps(requests), "include_headers": "false"},
            )
            answers = answers if isinstance(answers, list) else []
            for index, media_id in enumerate(chunk):
                data = _batch_data(answers[index] if index < len(answers) else None)
                if data is None:
                    alone.append(media_id)
                else:
                    found[media_id] = _sample(media_id, data)
        for media_id in alone:
            try:
                answer = self._call(
                    self.api.get_connection,
                    media_id,
                    "insights",
                    metric=",".join(EVERY_MEDIA_METRICS),
                )
            except Rejected as exc:  # deleted, not ours, or no insights: no figures
                log.info("instagram: sin cifras de %s (%s)", media_id, exc)
                continue
            found[media_id] = _sample(media_id, answer.get("data", []))
        return [found[media_id] for media_id in wanted if media_id in found]


def _batch_data(answer: Any) -> list[Any] | None:
    """The insights `data` of one batch answer; None when it failed (or timed out: null)."""
    if not isinstance(answer, dict) or answer.get("code") != 200:
        return None
    try:
        body = json.loads(answer.get("body") or "")
    except (TypeError, ValueError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, list) else None


def _sample(media_id: str, entries: Any) -> Sample:
    values: dict[str, int] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        found = entry.get("values")
        first = found[0] if isinstance(found, list) and found else None
        value = first.get("value") if isinstance(first, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            values[entry["name"]] = value
    saved = values.get("saved")
    return Sample(
        remote_id=media_id,
        reach=values.get("reach"),
        views=values.get("views"),
        reactions=values.get("likes"),
        comments=values.get("comments"),
        shares=values.get("shares"),
        extra={} if saved is None else {"saved": saved},
    )
