"""Whose events the webhook receiver takes: each network Meta's webhook brings, by its account."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.meta.webhooks import ENTRY_READERS, NETWORK_OF, accepts, parse_delivery
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.instagram_world import IG_USER_ID
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID
from channels.specs import SPECS, webhook_networks
from conectados.credentials import Credentials
from conectados.errors import ConfigError
from conectados.settings import load_settings
from webhooks.server import webhook_config

SECRETS = Credentials({"CONECTADOS_WEBHOOK_VERIFY_TOKEN": "v", "CONECTADOS_META_APP_SECRET": "s"})


def _config(tmp_path: Path, toml: str):
    (tmp_path / "conectados.toml").write_text(toml, "utf-8")
    return webhook_config(load_settings(environ={}, cwd=tmp_path), SECRETS)


def test_the_webhook_objects_and_their_readers_are_one_per_network_in_the_specs():
    assert dict(NETWORK_OF) == {
        "page": "facebook",
        "instagram": "instagram",
        "whatsapp_business_account": "whatsapp",
    }
    assert set(ENTRY_READERS) == set(webhook_networks()) == set(NETWORK_OF.values())
    assert all(SPECS[name].webhook_object for name in webhook_networks())


def test_in_sandbox_the_receiver_takes_each_network_on_by_the_simulators_account(tmp_path):
    every = {"facebook": PAGE_ID, "instagram": IG_USER_ID, "whatsapp": PHONE_NUMBER_ID}
    assert _config(tmp_path, "").accounts == every
    only = _config(tmp_path, "[channels.facebook]\nactivo = false\n")
    assert only.accounts == {"instagram": IG_USER_ID, "whatsapp": PHONE_NUMBER_ID}


def test_a_network_in_another_mode_than_the_pushed_one_is_not_taken(tmp_path):
    config = _config(tmp_path, '[channels.facebook]\nmodo = "real"\npagina_id = "77"\n')

    assert config.sandbox
    assert config.accounts == {"instagram": IG_USER_ID, "whatsapp": PHONE_NUMBER_ID}


def test_in_real_mode_each_network_is_taken_by_the_companys_own_account(tmp_path):
    config = _config(
        tmp_path,
        '[channels.facebook]\nmodo = "real"\npagina_id = "77"\n'
        '[channels.whatsapp]\nmodo = "real"\ntelefono_id = "88"\n',
    )

    assert not config.sandbox and config.accounts == {"facebook": "77", "whatsapp": "88"}


def test_real_mode_without_the_pages_id_is_a_config_error_that_names_pagina_id(tmp_path):
    with pytest.raises(ConfigError) as raised:
        _config(
            tmp_path,
            '[channels.facebook]\nmodo = "real"\n[channels.whatsapp]\nmodo = "real"\n'
            'telefono_id = "88"\n',
        )

    assert raised.value.field == "channels.facebook.pagina_id"
    assert "falta para recibir sus webhooks en modo real" in str(raised.value)


def test_with_no_meta_network_on_there_is_nothing_to_receive(tmp_path):
    with pytest.raises(ConfigError) as raised:
        _config(
            tmp_path,
            "[channels.facebook]\nactivo = false\n[channels.instagram]\nactivo = false\n"
            "[channels.whatsapp]\nactivo = false\n",
        )

    assert "ni Facebook ni Instagram ni WhatsApp están activos" in str(raised.value)
    assert raised.value.field == "channels.whatsapp.activo"


def test_a_network_without_an_account_is_not_taken_and_an_unknown_object_is_kept():
    accounts = {"whatsapp": PHONE_NUMBER_ID}

    assert accepts("whatsapp", accounts) and not accepts("facebook", accounts)
    assert not accepts("instagram", accounts)
    assert accepts("threads", accounts)  # an unreadable event of it is recorded with why
    unknown = parse_delivery({"object": "threads", "entry": [{"id": "1"}]}, None, accounts)
    assert (unknown.network, unknown.items, unknown.ignored) == ("threads", [], 1)
