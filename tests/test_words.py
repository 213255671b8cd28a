"""The words a person reads and types: Spanish option values (the English ones still taken),
one Colombian number format, protocols by their names."""

from __future__ import annotations

import csv
import io
import re

import click
import pytest

from conectados.spanish import short_number, spanish_list, spreadsheet_csv
from conectados.terminal import SpanishChoice, message_kinds

DOT_DECIMAL = re.compile(r"\b\d+\.\d+\b")


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("comentario", "comment"),
        ("mención", "mention"),
        ("mencion", "mention"),
        ("Mención ", "mention"),
        ("MENSAJE", "message"),
        ("comment", "comment"),
        ("mention", "mention"),
        ("message", "message"),
    ],
)
def test_a_message_kind_is_typed_in_spanish_with_or_without_accent(typed: str, value: str):
    assert message_kinds().convert(typed, None, None) == value


def test_a_wrong_choice_lists_only_the_spanish_words_in_a_spanish_sentence():
    kinds = message_kinds()

    with pytest.raises(click.BadParameter) as caught:
        kinds.convert("tuit", None, None)

    assert "«tuit» no es un valor válido; use uno de: comentario, mención, mensaje" in str(
        caught.value
    )
    assert kinds.choices == ("comentario", "mención", "mensaje")
    assert kinds.word_for("mention") == "mención"


def test_the_help_shows_the_spanish_words_and_a_wrong_one_exits_2_in_spanish(cli):
    helped = cli("protocols", "match", "--help")
    wrong = cli("protocols", "match", "--canal", "comments", "¿Dónde pago?")

    assert "[comentario|mención|mensaje]" in helped.stdout
    assert "comment" not in helped.stdout
    assert wrong.exit_code == 2
    assert "use uno de: comentario, mención, mensaje" in wrong.stderr


def test_protocols_match_names_the_protocol_and_writes_decimal_commas(cli):
    result = cli(
        "-v", "protocols", "match", "--canal", "mensaje", "me cobraron dos veces la factura"
    )

    assert result.exit_code == 0, result.stderr
    assert "Reclamo por facturación" in result.stdout and "(reclamo_facturacion, " in result.stdout
    assert re.search(r"confianza \d{1,3} %", result.stdout)  # one form, as review shows it
    assert not re.search(r"confianza 0,\d", result.stdout)
    assert not DOT_DECIMAL.search(result.stdout), result.stdout


def test_protocols_evaluate_shows_shares_as_percentages(cli, tmp_path):
    labelled = tmp_path / "mensajes.jsonl"
    labelled.write_text(
        '{"text": "¿Dónde puedo pagar la factura?", "protocols": ["pago"], "actions": ["answer"]}\n'
        '{"text": "Vendo empanadas a domicilio", "protocols": [], "actions": ["ignore"]}\n',
        encoding="utf-8",
    )

    result = cli("-v", "protocols", "evaluate", str(labelled), "--canal", "comentario")

    assert re.search(r"meta ≥ 97 %", result.stdout), result.stdout
    assert not DOT_DECIMAL.search(result.stdout), result.stdout


def test_a_choice_of_other_words_keeps_its_aliases_quiet():
    states = SpanishChoice({"pendiente": "pending"}, {"pending": "pending"})

    assert states.convert("Pending", None, None) == "pending"
    assert states.choices == ("pendiente",)


@pytest.mark.parametrize(
    ("value", "written"), [(24.0, "24"), (1.5, "1,5"), (0.25, "0,25"), (1234.5, "1.234,5")]
)
def test_a_setting_in_a_sentence_keeps_only_the_decimals_it_has(value: float, written: str):
    assert short_number(value) == written


def test_a_spreadsheet_csv_opens_in_excel_under_es_co(tmp_path):
    import csv

    path = tmp_path / "tabla.csv"
    path.write_text(
        spreadsheet_csv(["cifra", "valor"], [["en término", 1 / 3], ["sí", 12]]), encoding="utf-8"
    )

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        assert list(csv.reader(file, delimiter=";")) == [
            ["cifra", "valor"],
            ["en término", "0,3333"],
            ["sí", "12"],
        ]


def test_a_text_a_spreadsheet_would_run_as_a_formula_stays_text():
    text = spreadsheet_csv(
        ["quién", "cifra"],
        [["=cmd|' /C calc'!A0", 1], ["+1+1", -2], ["@SUMA(A1)", 0.5], ["Ana Pérez", 3]],
    )

    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [
        "'=cmd|' /C calc'!A0",
        "'+1+1",
        "'@SUMA(A1)",
        "Ana Pérez",
    ]
    assert [row[1] for row in rows[1:]] == ["1", "-2", "0,5", "3"]  # numbers stay numbers


def test_a_list_says_e_before_the_sound_i_as_spanish_does():
    assert spanish_list(["Facebook", "X"]) == "Facebook y X"
    assert spanish_list(["Facebook", "Instagram"]) == "Facebook e Instagram"
    assert spanish_list(["agua", "hilos"]) == "agua e hilos"
    assert spanish_list(["agua", "hielo"]) == "agua y hielo"
    assert spanish_list(["Facebook", "Instagram", "X"]) == "Facebook, Instagram y X"
