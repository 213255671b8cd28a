"""Instagram's saves: the metrics job stores them (the real adapters over HTTP against the
simulator, on SQLite and PostgreSQL) and the report shows them; a network without saves
(Facebook) has none stored and reads «—», never 0."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from channels.meta.facebook import FacebookChannel
from channels.meta.instagram import InstagramChannel
from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.graph_world import APP_ID, PAGE_ID
from channels.sandbox.instagram_engagement import add_published_media
from channels.sandbox.instagram_world import IG_USER_ID
from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from reports.csvs import write_csvs
from reports.figures import build_report, month
from reports.render import html
from scheduler.figures import MetricsCollector
from scheduler.models import MetricSample

BOGOTA = ZoneInfo("America/Bogota")
NOW = datetime(2026, 11, 12, 18, tzinfo=BOGOTA)


def _published(database: Database, network: str, remote_id: str, text: str) -> None:
    with database.session(write=True) as session:
        session.add(Post(id=f"{network}-post", text=text, scheduled_at=NOW - timedelta(hours=1)))
        session.flush()
        session.add(
            Publication(post_id=f"{network}-post", network=network, remote_id=remote_id,
                        state=PublicationState.PUBLISHED, published_at=NOW - timedelta(hours=1),
                        next_attempt_at=NOW - timedelta(hours=1))
        )  # fmt: skip


def test_the_metrics_job_stores_instagram_saves_and_the_report_shows_them(database_url, tmp_path):
    database = Database(database_url)
    database.upgrade()
    clock = FixedClock(NOW)
    try:
        with SandboxServer(sandbox=Sandbox(clock)) as server:
            reel = add_published_media(
                server.sandbox.instagram, "Reel: así cuidamos el agua", NOW - timedelta(hours=1),
                views=900, reach=300, like_count=40, saved=25,
            )  # fmt: skip
            facebook_post = server.control(
                "POST", "posts", {"network": "facebook", "posts": [{"text": "Corte el martes"}]}
            )["ids"][0]
            _published(database, "instagram", reel.id, "Reel: así cuidamos el agua")
            _published(database, "facebook", facebook_post, "Corte el martes")
            channels = {
                "instagram": InstagramChannel(
                    IG_USER_ID, "token", server.url, timeout=5, clock=clock
                ),
                "facebook": FacebookChannel(
                    PAGE_ID, "token", server.url, timeout=5, clock=clock, app_id=APP_ID
                ),
            }
            stored = MetricsCollector(database, channels, clock).run_once()
        with database.session() as session:
            saved = dict(
                session.execute(
                    sa.select(Publication.network, MetricSample.saved).join(
                        Publication, Publication.id == MetricSample.publication_id
                    )
                ).all()
            )
            report = build_report(
                session.connection(), month("2026-11", BOGOTA), "Acueducto",
                now=NOW + timedelta(days=30),
            )  # fmt: skip
    finally:
        database.dispose()

    assert stored == {"instagram": 1, "facebook": 1}
    assert saved == {"instagram": 25, "facebook": None}  # Facebook's: unknown, not 0
    instagram, facebook = report.networks["instagram"], report.networks["facebook"]
    assert (instagram.saved, facebook.saved, report.total.saved) == (25, None, 25)
    assert {post.network: post.saved for post in report.best_posts} == {
        "instagram": 25,
        "facebook": None,
    }
    assert report.as_dict()["redes"]["instagram"]["guardados"] == 25
    assert report.as_dict()["redes"]["facebook"]["guardados"] is None
    page = html(report)
    assert '<th class="n">guard.</th>' in page and '<th class="n">guardados</th>' in page
    assert "Guardados «—»: Facebook no informa cuántas veces se guardó" in page
    written = {path.name: path for path in write_csvs(report, tmp_path / "tablas")}
    lines = written["redes.csv"].read_text(encoding="utf-8-sig").splitlines()
    assert "2026-11-01/2026-11-30;instagram;guardados;25" in lines
    assert "2026-11-01/2026-11-30;facebook;guardados;" in lines


def test_an_instagram_post_whose_saves_never_came_reads_not_yet_reported(database):
    """Samples from before saves were stored (or a story: it has none) leave Instagram's
    saves unknown: the note says it has not reported them yet, not that it never does."""
    _published(database, "instagram", "17900000000000001", "Historia")
    with database.session(write=True) as session:
        publication_id = session.execute(sa.select(Publication.id)).scalar_one()
        session.add(MetricSample(publication_id=publication_id, collected_at=NOW, views=7))
    with database.session() as session:
        report = build_report(
            session.connection(), month("2026-11", BOGOTA), "Acueducto",
            now=NOW + timedelta(days=30),
        )  # fmt: skip

    assert report.networks["instagram"].saved is None and report.total.saved is None
    assert "Instagram aún no informó los guardados" in html(report)
