"""The commented conectados.toml that `init` writes is the settings reference: complete and true."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel

from conectados.settings import Settings, load_settings
from office.commands import example_config_text

# A key switched off in the example is written «# clave = valor» at the start of a line;
# explanations that show a value are indented further («#   base_datos = ...»).
COMMENTED_KEY = re.compile(r"^# ([a-z_]+ = .*)$", re.MULTILINE)
KEY_LINE = re.compile(r'^[a-z_]+ = (?:"[^"]*"|\[[^\]]*\]|[^#\s]+)\s*(#.*)?$')


def uncommented(text: str) -> str:
    return COMMENTED_KEY.sub(r"\1", text)


def setting_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf key of the settings, as the file writes it: ("channels", "x", "usuario_id")."""
    keys = []
    for name, field in model.model_fields.items():
        key = (*prefix, field.alias or name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += setting_keys(annotation, key)
        else:
            keys.append(key)
    return keys


def lookup(data: dict, key: tuple[str, ...]) -> object:
    for part in key:
        if not isinstance(data, dict) or part not in data:
            return KeyError
        data = data[part]
    return data


def test_every_setting_appears_in_the_example_with_its_default():
    data = tomllib.loads(uncommented(example_config_text()))
    defaults = Settings().model_dump(by_alias=True, mode="json")

    missing = [".".join(key) for key in setting_keys(Settings) if lookup(data, key) is KeyError]
    wrong = {
        ".".join(key): (lookup(data, key), lookup(defaults, key))
        for key in setting_keys(Settings)
        if lookup(data, key) is not KeyError and lookup(data, key) != lookup(defaults, key)
    }

    assert missing == []
    assert wrong == {}


def test_the_example_with_every_key_switched_on_loads_with_the_real_loader(tmp_path: Path):
    text = uncommented(example_config_text())
    assert text != example_config_text()  # it has switched-off keys, and this test reads them
    (tmp_path / "conectados.toml").write_text(text, encoding="utf-8")

    settings = load_settings(environ={}, cwd=tmp_path)

    assert settings.model_dump() == Settings().model_dump()


def test_every_key_of_the_example_has_a_spanish_comment():
    lines = uncommented(example_config_text()).splitlines()
    silent = [
        line
        for number, line in enumerate(lines)
        if (key := KEY_LINE.match(line))
        and not key.group(1)
        and not lines[number - 1].startswith("#")
    ]

    assert silent == []


def test_no_number_in_the_example_is_written_with_a_decimal_comma():
    # «0,6» copied from a comment breaks the file; TOML writes 0.6.
    assert re.findall(r"\b\d+,\d+\b", example_config_text()) == []
