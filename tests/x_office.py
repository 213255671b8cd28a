"""A small office on the simulated X, for tests that file and decide by hand."""

from __future__ import annotations

ANA = {"CONECTADOS_USUARIO": "Ana Pérez"}


def office(cli, tmp_path, sandbox) -> None:
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.facebook]\nactivo = false\n',
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0


def citizen(sandbox, text: str, kind: str = "message", author: str = "Luis") -> None:
    sandbox.control(
        "POST", "citizen", {"network": "x", "kind": kind, "text": text, "author": author}
    )


def sent_on_x(sandbox) -> list[dict]:
    return sandbox.control("GET", "state")["x"]["replies"]
