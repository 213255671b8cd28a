"""Which channels run, against which world, from the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import Outgoing
from channels.meta.facebook import FacebookChannel
from channels.registry import open_channels
from channels.sandbox.graph_world import APP_ID, PAGE_ID
from channels.sandbox.x_world import ACCOUNT_ID
from channels.x import XChannel
from conectados.credentials import Credentials
from conectados.errors import ConfigError
from conectados.settings import load_settings


def settings_from(tmp_path: Path, text: str = "", environ: dict | None = None):
    (tmp_path / "conectados.toml").write_text(text, encoding="utf-8")
    return load_settings(environ=environ or {}, cwd=tmp_path)


def test_by_default_both_networks_run_against_a_sandbox_this_process_starts(tmp_path: Path):
    with open_channels(settings_from(tmp_path), Credentials({})) as opened:
        assert isinstance(opened.channels["facebook"], FacebookChannel)
        assert isinstance(opened.channels["x"], XChannel)
        assert opened.sandbox is not None
        opened.channels["x"].publish(Outgoing("p", "hola"))
        assert len(opened.sandbox.control("GET", "state")["x"]["posts"]) == 1


def test_a_configured_sandbox_url_is_used_instead_of_starting_one(tmp_path: Path, sandbox):
    settings = settings_from(tmp_path, f'[sandbox]\nurl = "{sandbox.url}"\n')

    with open_channels(settings, Credentials({})) as opened:
        opened.channels["facebook"].publish(Outgoing("p", "hola"))

        assert opened.sandbox is None
        assert len(sandbox.control("GET", "state")["facebook"]["posts"]) == 1


def test_a_disabled_channel_is_not_built(tmp_path: Path):
    settings = settings_from(
        tmp_path,
        "[channels.instagram]\nactivo = false\n[channels.x]\nactivo = false\n"
        "[channels.whatsapp]\nactivo = false\n",
    )

    with open_channels(settings, Credentials({})) as opened:
        assert set(opened.channels) == {"facebook"}


def test_real_mode_without_its_token_names_the_variable_to_set(tmp_path: Path):
    settings = settings_from(
        tmp_path,
        '[channels.facebook]\nmodo = "real"\npagina_id = "123"\n[channels.x]\nactivo = false\n',
    )

    with pytest.raises(ConfigError) as caught:
        open_channels(settings, Credentials({}))

    assert "CONECTADOS_FACEBOOK_TOKEN" in caught.value.message


def test_real_mode_builds_the_adapters_for_the_public_apis(tmp_path: Path):
    settings = settings_from(
        tmp_path,
        '[channels.facebook]\nmodo = "real"\npagina_id = "123"\n[channels.x]\nmodo = "real"\n'
        '[channels.whatsapp]\nmodo = "real"\ntelefono_id = "456"\n'
        '[channels.instagram]\nmodo = "real"\ncuenta_id = "17841405822304914"\n',
    )
    environ = {
        "CONECTADOS_FACEBOOK_TOKEN": "EAAB-token",
        "CONECTADOS_WHATSAPP_TOKEN": "EAAW-token",
        "CONECTADOS_X_API_KEY": "k",
        "CONECTADOS_X_API_SECRET": "s",
        "CONECTADOS_X_ACCESS_TOKEN": "t",
        "CONECTADOS_X_ACCESS_SECRET": "ts",
    }

    with open_channels(settings, Credentials(environ)) as opened:
        assert opened.sandbox is None
        assert opened.channels["facebook"].api.base_url == "https://graph.facebook.com/"
        assert opened.channels["x"].base_url == "https://api.x.com"
        assert opened.channels["whatsapp"].api.base_url == "https://graph.facebook.com/"
        assert opened.channels["instagram"].api.base_url == "https://graph.facebook.com/"


def test_sandbox_mode_ignores_the_real_ids_already_written_in_the_file(tmp_path: Path):
    settings = settings_from(
        tmp_path, '[channels.facebook]\npagina_id = "123456"\n[channels.x]\nusuario_id = "987"\n'
    )

    with open_channels(settings, Credentials({})) as opened:
        on_facebook = opened.channels["facebook"].publish(Outgoing("p", "hola"))
        on_x = opened.channels["x"].publish(Outgoing("p", "hola"))
        state = opened.sandbox.control("GET", "state")

    # The simulator's page and account, not the ids written for the real networks.
    assert opened.channels["facebook"].page_id == PAGE_ID != "123456"
    assert opened.channels["x"].user_id == ACCOUNT_ID != "987"
    assert [post["id"] for post in state["facebook"]["posts"]] == [on_facebook.remote_id]
    assert [post["id"] for post in state["x"]["posts"]] == [on_x.remote_id]


def test_the_meta_app_id_reaches_the_facebook_channel(tmp_path: Path):
    environ = {"CONECTADOS_FACEBOOK_TOKEN": "EAAB-token"}
    only_facebook = "[channels.x]\nactivo = false\n[channels.whatsapp]\nactivo = false\n"
    real = settings_from(
        tmp_path,
        '[channels.facebook]\nmodo = "real"\npagina_id = "123"\napp_id = "777"\n' + only_facebook,
    )
    without = settings_from(
        tmp_path, '[channels.facebook]\nmodo = "real"\npagina_id = "123"\n' + only_facebook
    )
    sandbox = settings_from(tmp_path, '[channels.facebook]\napp_id = "777"\n' + only_facebook)

    with open_channels(real, Credentials(environ)) as opened:
        assert opened.channels["facebook"].app_id == "777"
    with open_channels(without, Credentials(environ)) as opened:
        assert opened.channels["facebook"].app_id is None  # only Reels; the rest says what to set
    with open_channels(sandbox, Credentials({})) as opened:
        assert opened.channels["facebook"].app_id == APP_ID  # the simulator's own app
