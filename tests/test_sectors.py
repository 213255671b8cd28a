"""The company's sector list: read with its lines, names and aliases found as people write
them, and every mistake named «archivo:línea: campo» with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from conectados.errors import BadInput
from notices.sectors import load_sectors

GOOD = """sectores:
  - nombre: Centro
    tipo: barrio
    alias: [El Centro, Centro Histórico]
  - nombre: La Esperanza
    tipo: vereda
  - nombre: Norte
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sectores.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_sector_is_found_by_its_name_or_alias_whatever_the_accents_and_case(tmp_path):
    sectors = load_sectors(write(tmp_path, GOOD))

    assert sectors.find("centro historico!").name == "Centro"
    assert sectors.find("  EL   centro ").name == "Centro"
    assert sectors.find("la esperanza").kind == "vereda"
    assert sectors.find("Norte").kind == "barrio"  # tipo defaults to barrio
    assert sectors.find("Sur") is None
    assert [s.name for s in sectors.resolve("Centro / norte, El Centro", "x")] == [
        "Centro",
        "Norte",
    ]


def test_an_unknown_sector_is_named_with_the_known_ones(tmp_path):
    sectors = load_sectors(write(tmp_path, GOOD))

    with pytest.raises(BadInput) as caught:
        sectors.resolve("Centro, Chapinero", "--sector")

    assert caught.value.field == "--sector"
    assert "«Chapinero»" in caught.value.message
    assert "Centro, La Esperanza y Norte" in caught.value.message


def test_y_and_e_join_sectors_but_a_name_with_y_stays_one(tmp_path):
    sectors = load_sectors(write(tmp_path, GOOD + "  - nombre: Villa y Mar\n  - nombre: Eje\n"))

    def names(text: str) -> list[str]:
        return [s.name for s in sectors.resolve(text, "--sector")]

    assert names("Centro y Norte") == ["Centro", "Norte"]
    assert names("centro E la esperanza") == ["Centro", "La Esperanza"]
    assert names("Norte, Centro y La Esperanza / eje") == ["Norte", "Centro", "La Esperanza", "Eje"]
    assert names("Villa y Mar") == ["Villa y Mar"]
    assert names("Villa y Mar, Centro y Norte") == ["Villa y Mar", "Centro", "Norte"]
    with pytest.raises(BadInput) as caught:
        sectors.resolve("Centro y Chapinero", "--sector")
    assert "«Chapinero» no es un sector" in caught.value.message


def test_a_bad_edit_keeps_the_last_good_list_and_is_logged_once(tmp_path, caplog):
    from notices.sectors import SectorFile

    path = write(tmp_path, GOOD)
    daemon = SectorFile(path)
    before = daemon.current().names()
    write(tmp_path, GOOD + "  - nombre: Centro\n")  # a repeated name: the edit is wrong
    with caplog.at_level("ERROR", logger="conectados.notices"):
        during = [daemon.current().names() for _ in range(3)]
    write(tmp_path, GOOD + "  - nombre: Sur\n")
    fixed = daemon.current().names()

    assert before == ["Centro", "La Esperanza", "Norte"]
    assert during == [before] * 3  # the citizens' sectors stay while the file is wrong
    (record,) = caplog.records
    assert "se sigue usando la anterior (3 sector(es))" in record.getMessage()
    assert "sectores.yaml:8" in record.getMessage()
    assert fixed == [*before, "Sur"]


def test_a_missing_file_is_an_empty_list_that_says_so(tmp_path):
    sectors = load_sectors(tmp_path / "no.yaml")

    assert sectors.missing and len(sectors) == 0 and sectors.find("Centro") is None


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (GOOD + "  - nombre: Sur\n    tipo: ciudad\n", 9, "tipo", "no es un tipo"),
        (GOOD + "  - nombre: Sur\n    alias: [el centro]\n", 8, "alias", "ya es de «Centro»"),
        (GOOD + "  - nombre: norte\n", 8, "nombre", "ya es de «Norte» (línea 7)"),
        (GOOD + "  - tipo: vereda\n", 8, "nombre", "falta el nombre"),
        (GOOD + "  - nombre: Sur\n    color: azul\n", 9, "color", "campo desconocido"),
        ("sectores:\n  - nombre: [a, b]\n", 2, "nombre", "debe ser un texto"),
        ("barrios:\n  - nombre: Centro\n", 1, "barrios", "clave desconocida"),
        ("sectores: Centro\n", 1, "sectores", "debe ser una lista"),
        ("sectores:\n  - nombre: Centro\n   tipo: barrio\n", 3, None, "no es YAML válido"),
    ],
)
def test_a_mistake_is_named_with_file_line_and_field(tmp_path, text, line, field, words):
    path = write(tmp_path, text)

    with pytest.raises(BadInput) as caught:
        load_sectors(path)

    assert caught.value.location == f"{path}:{line}"
    assert caught.value.field == field
    assert words in caught.value.message


def test_sectores_check_says_what_is_wrong_and_exits_2(cli, tmp_path):
    write(tmp_path, GOOD + "  - nombre: Sur\n    tipo: ciudad\n")

    bad = cli("sectores", "check", "sectores.yaml")
    (tmp_path / "sectores.yaml").write_text(GOOD, encoding="utf-8")
    good = cli("sectores", "check")
    listed = cli("sectores", "list")

    assert bad.exit_code == 2
    assert "sectores.yaml:9: tipo: «ciudad» no es un tipo" in bad.stderr
    assert good.exit_code == 0 and "3 sector(es) sin problemas" in good.stdout
    assert "Centro Histórico" in listed.stdout and "vereda" in listed.stdout


def test_a_sector_list_too_big_is_refused_before_it_is_read(cli, tmp_path):
    write(tmp_path, "sectores:\n" + "#" * (1024 * 1024 + 10) + "\n")

    result = cli("sectores", "check")

    assert result.exit_code == 2 and "no puede pasar de" in result.stderr
