"""Instagram's direct messages arrive only by webhook (its comments are polled): the
service's start-up lines, `status` and the decision to run the receiver name them too."""

from __future__ import annotations

from pathlib import Path

from conectados.settings import load_settings
from office.build import receives_webhooks
from office.daemon import _received, started_lines
from office.webhook_words import last_message_label, webhook_message_networks

ONLY_INSTAGRAM = (
    "[channels.facebook]\nactivo = false\n[channels.x]\nactivo = false\n"
    "[channels.whatsapp]\nactivo = false\n"
)


def test_the_started_service_says_instagram_direct_messages_arrive_at_once():
    lines = started_lines({"facebook": 0.25, "instagram": 0.25}, ["whatsapp", "instagram"])

    assert "recibe WhatsApp y los mensajes directos de Instagram al momento," in lines[1]
    assert _received(["whatsapp", "instagram"]) == (
        "los mensajes de WhatsApp y los mensajes directos de Instagram (y los comentarios de "
        "Instagram si la app de Meta los suscribe)"
    )
    assert _received(["whatsapp"]) == "los mensajes de WhatsApp"


def test_instagram_alone_still_needs_the_receiver_for_its_direct_messages(tmp_path: Path):
    (tmp_path / "conectados.toml").write_text(ONLY_INSTAGRAM, "utf-8")
    settings = load_settings(environ={}, cwd=tmp_path)

    assert webhook_message_networks(settings.channels) == ["instagram"]
    assert receives_webhooks(settings)

    (tmp_path / "conectados.toml").write_text(
        ONLY_INSTAGRAM + "[channels.instagram]\nactivo = false\n", "utf-8"
    )
    assert not receives_webhooks(load_settings(environ={}, cwd=tmp_path))


def test_status_dates_the_last_whatsapp_or_instagram_direct_message(cli, tmp_path: Path):
    assert last_message_label() == "WhatsApp o directo de Instagram"
    (tmp_path / "conectados.toml").write_text(ONLY_INSTAGRAM, "utf-8")
    created = cli("init")  # the database; the configuration is already there
    assert created.exit_code == 0, created.stdout + created.stderr

    result = cli("status")

    said = " ".join(result.stdout.split())
    assert "Receptor de mensajes de Meta (webhooks):" in said, result.stdout + result.stderr
    assert "Último mensaje de WhatsApp o directo de Instagram: ninguno todavía" in said
