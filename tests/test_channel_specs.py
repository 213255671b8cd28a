"""What Conectados knows about each network: specs by name, channels by capability."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from channels.base import Hides, Measures, Polls, Publishes, Replies
from channels.meta.facebook_reading import page_comment
from channels.meta.webhooks import parse_delivery
from channels.registry import NETWORKS, open_channels
from channels.specs import (
    SPECS,
    display_name,
    network_called,
    publishing_networks,
    reply_place,
    spec,
)
from conectados.clock import SystemClock
from conectados.credentials import Credentials
from conectados.errors import ConfigError
from conectados.settings import load_settings
from webhooks.app import WebhookConfig
from webhooks.server import WebhookServer

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_a_spec_is_looked_up_by_name_and_an_unknown_name_is_a_config_error():
    assert spec("x").display_name == "X"
    assert spec("whatsapp").message_window == timedelta(hours=24)
    with pytest.raises(ConfigError):
        spec("myspace")
    assert display_name("myspace") == "myspace"


def test_x_counts_links_as_23_and_facebook_counts_characters():
    link = "https://example.com/" + "a" * 100
    assert spec("x").length(link) == 23
    assert spec("facebook").length(link) == len(link)


def test_the_calendar_networks_and_aliases_come_from_the_specs():
    assert publishing_networks() == ("facebook", "instagram", "x", "whatsapp")
    assert network_called("Twitter") == "x" and network_called("FB") == "facebook"
    assert network_called("IG") == "instagram" and network_called("Insta") == "instagram"


def test_whatsapps_window_closed_code_is_in_its_spec_not_in_the_jobs():
    assert 131047 in spec("whatsapp").window_closed_codes
    assert spec("whatsapp").template_outside_window


def test_a_network_the_specs_do_not_know_is_shown_and_answered_in_its_own_name():
    assert display_name("mastodon") == "mastodon"
    assert reply_place("mastodon", "comment", private=False) == "respuesta pública en mastodon"
    assert reply_place("mastodon", "comment", private=True) == "mensaje privado en mastodon"


def test_the_team_reads_each_networks_private_messages_by_their_product_name():
    assert spec("facebook").messages_name() == "Messenger"
    assert spec("whatsapp").messages_name() == "WhatsApp"
    assert spec("x").messages_name() == "X"


def test_every_publishing_network_says_what_its_report_figures_mean():
    for name in publishing_networks():
        assert spec(name).figures_meaning and spec(name).figures_source
    assert not spec("x").reports_reach and spec("facebook").reports_reach


def test_every_network_in_the_registry_has_its_spec():
    assert set(NETWORKS) == set(SPECS)
    for name, (_, network) in NETWORKS.items():
        assert network.name == name


def test_the_registry_answers_channels_by_capability(tmp_path: Path, sandbox):
    (tmp_path / "conectados.toml").write_text(f'[sandbox]\nurl = "{sandbox.url}"\n', "utf-8")
    settings = load_settings(environ={}, cwd=tmp_path)

    with open_channels(settings, Credentials({})) as opened:
        assert set(opened.publishing()) == {"facebook", "instagram", "x"}
        assert set(opened.polling()) == {"facebook", "instagram", "x"}
        assert set(opened.measuring()) == {"facebook", "instagram", "x"}
        assert set(opened.hiding()) == {"facebook", "instagram", "x"}
        assert set(opened.replying()) == {"facebook", "instagram", "x", "whatsapp"}
        whatsapp = opened.channels["whatsapp"]
        assert isinstance(whatsapp, Replies)
        assert not isinstance(whatsapp, Publishes | Polls | Measures | Hides)


def test_a_comment_reads_the_same_from_the_webhook_and_from_the_poll():
    written = NOW - timedelta(minutes=3)
    body = {
        "object": "page",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": "1_2_3",
                            "post_id": "1_2",
                            "from": {"id": "77", "name": "Ana"},
                            "message": "sin agua",
                            "created_time": int(written.timestamp()),
                        },
                    }
                ],
            }
        ],
    }
    from_webhook = parse_delivery(body, NOW).items[0]
    from_poll = page_comment(
        "1_2_3", {"id": "77", "name": "Ana"}, "sin agua", "message", written, "1_2", None
    )
    assert from_webhook == from_poll


def test_building_the_receiver_leaves_the_collector_as_it_was(database):
    frozen = gc.get_freeze_count()
    config = WebhookConfig(verify_token="v", app_secret="s", accounts={"facebook": "1"})
    with WebhookServer(config, database, SystemClock(), port=0):
        assert gc.get_freeze_count() == frozen
