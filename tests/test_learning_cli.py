"""`conectados protocols aprender`, `protocols aprendizaje`, `protocols evaluate` without a
file, and `protocols match` / `evaluate` on the learned examples of the database they point
at."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from conectados.clock import FixedClock
from conectados.db import Database
from responders.models import LearnedExample, LearningRun

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TAUGHT = "mi recibo"
"""The shipped catalogue sends it to review (a bill question, not sure enough)."""


def _line(id_: int, text: str, protocols: list[str], actions: list[str], **more) -> str:
    return json.dumps(
        {"id": id_, "text": text, "protocols": protocols, "actions": actions, **more},
        ensure_ascii=False,
    )


LESSON = [
    _line(1, "mi recibo", ["factura_consulta"], ["answer"], fecha="2026-02-02"),
    _line(2, "el recibo de este mes", ["factura_consulta"], ["answer"], fecha="2026-02-03"),
    _line(3, "necesito el recibo", ["factura_consulta"], ["answer"]),
    _line(4, "vendo empanadas", [], ["ignore"]),
    _line(5, "me cobraron doble, exijo la devolución", ["reclamo_facturacion"], ["ticket"]),
]


def _rows(tmp_path, table) -> list:
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    try:
        with database.session() as session:
            return list(session.execute(sa.select(table.__table__)).all())
    finally:
        database.dispose()


@pytest.fixture
def folder(cli, tmp_path):
    cli.clock = FixedClock(NOW)
    assert cli("init").exit_code == 0
    (tmp_path / "leccion.jsonl").write_text("\n".join(LESSON) + "\n", encoding="utf-8")
    return tmp_path


def test_aprender_stores_each_line_once_and_says_what_was_learned(cli, folder):
    learned = cli("protocols", "aprender", "leccion.jsonl")
    again = cli("protocols", "aprender", "leccion.jsonl")

    assert learned.exit_code == 0, learned.stderr
    assert "Aprendidos 5 mensajes." in learned.stdout
    assert "factura_consulta 3" in learned.stdout and "(ninguno: ajenos) 1" in learned.stdout
    assert "5 ejemplos aprendidos · umbrales n.º 1" in learned.stdout
    assert (
        again.exit_code == 0 and "Nada nuevo: los 5 mensajes ya se habían aprendido" in again.stdout
    )
    rows = _rows(folder, LearnedExample)
    assert len(rows) == 5 and {row.source for row in rows} == {"importado"}
    by_text = {row.text: row for row in rows}
    # A "fecha" is that day in the company's zone (Bogotá, UTC-5); without one, the import.
    assert by_text["mi recibo"].decided_at.replace(tzinfo=UTC) == datetime(
        2026, 2, 2, 5, tzinfo=UTC
    )
    assert by_text["necesito el recibo"].decided_at.replace(tzinfo=UTC).date() == NOW.date()
    assert [run.trigger for run in _rows(folder, LearningRun)] == ["aprender", "aprender"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (_line(9, "hola", ["pago"], ["answer"], fecha="02/03/2026"), "leccion.jsonl:6: fecha:"),
        (_line(9, "hola", ["pago"], ["answer"], fecha="2026-03-11"), "leccion.jsonl:6: fecha:"),
        (_line(9, "hola", ["pago"], ["answer"], fecha=20260301), "leccion.jsonl:6: fecha:"),
        (_line(3, "hola", ["pago"], ["answer"]), "leccion.jsonl:6: id: repite el id «3»"),
        (_line(9, "hola", ["no_existe"], ["answer"]), "leccion.jsonl:6: protocols:"),
        ('{"text": "hola", "protocols": []', "leccion.jsonl:6: no es un objeto JSON válido"),
    ],
)
def test_a_wrong_line_stops_the_import_and_nothing_is_written(cli, folder, line, expected):
    with (folder / "leccion.jsonl").open("a", encoding="utf-8") as file:
        file.write(line + "\n")

    result = cli("protocols", "aprender", "leccion.jsonl")

    assert result.exit_code == 2
    assert expected in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert _rows(folder, LearnedExample) == [] and _rows(folder, LearningRun) == []


def test_a_long_line_id_is_found_again_on_a_second_import(cli, tmp_path, database_url):
    cli.clock = FixedClock(NOW)
    assert cli("--db", database_url, "init").exit_code == 0
    long_ids = [_line("x" * 130 + str(n), f"mi recibo {n}", ["pago"], ["answer"]) for n in (1, 2)]
    (tmp_path / "largo.jsonl").write_text("\n".join(long_ids) + "\n", encoding="utf-8")

    first = cli("--db", database_url, "protocols", "aprender", "largo.jsonl")
    second = cli("--db", database_url, "protocols", "aprender", "largo.jsonl")

    assert first.exit_code == 0 and "Aprendidos 2 mensajes." in first.stdout, first.stderr
    assert second.exit_code == 0 and "Nada nuevo" in second.stdout, second.stderr
    database = Database(database_url)
    try:
        with database.session() as session:
            assert session.execute(sa.select(sa.func.count(LearnedExample.id))).scalar() == 2
    finally:
        database.dispose()


def test_aprender_needs_the_database(cli, tmp_path):
    (tmp_path / "leccion.jsonl").write_text(LESSON[0] + "\n", encoding="utf-8")

    result = cli("protocols", "aprender", "leccion.jsonl")

    assert result.exit_code == 2 and "conectados init" in result.stderr


def test_aprendizaje_says_to_evaluate_until_a_run_matches_the_current_protocols(cli, folder):
    before = cli("protocols", "aprendizaje", env={"COLUMNS": "80"})
    evaluated = cli("protocols", "evaluate", env={"COLUMNS": "80"})
    after = cli("protocols", "aprendizaje", env={"COLUMNS": "80"})
    own = folder / "protocolos"
    own.mkdir()
    shipped = Path_of("saludo").read_text(encoding="utf-8")
    (own / "saludo.yaml").write_text(shipped.replace("Hola", "Buen día", 1), encoding="utf-8")
    (folder / "conectados.toml").write_text(
        '[respuestas]\ncarpeta_protocolos = "protocolos"\n', encoding="utf-8"
    )
    edited = cli("protocols", "aprendizaje", env={"COLUMNS": "80"})

    assert "Ejecute «conectados protocols evaluate»" in " ".join(before.stdout.split())
    assert evaluated.exit_code == 0, evaluated.stderr
    assert "Aún no hay ejemplos aprendidos" in evaluated.stdout
    assert "umbrales n.º 1" in evaluated.stdout
    assert "protocols evaluate" not in after.stdout and "umbrales n.º 1" in after.stdout
    assert "cambiaron desde el último cálculo" in " ".join(edited.stdout.split())
    assert "umbrales de fábrica" in edited.stdout
    for shown in (before, after, edited):
        assert shown.exit_code == 0, shown.stderr
        assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    (run,) = _rows(folder, LearningRun)
    assert run.trigger == "evaluate"


def Path_of(protocol_id: str):
    from pathlib import Path

    from responders.protocol_files import load_catalogue

    return Path(load_catalogue().get(protocol_id).source)


def test_aprendizaje_counts_examples_per_protocol_from_review_and_imported(cli, folder):
    cli("protocols", "aprender", "leccion.jsonl")

    shown = cli("protocols", "aprendizaje", env={"COLUMNS": "120"})

    assert shown.exit_code == 0, shown.stderr
    assert re.search(r"factura_consulta\s+│\s+0 \+ 3\s+│\s+60 %", shown.stdout), shown.stdout
    assert re.search(r"reclamo_facturacion\s+│\s+0 \+ 1\s+│\s+\(radica\)", shown.stdout)
    assert re.search(r"total\s+│\s+0 \+ 5", shown.stdout)


def test_match_and_evaluate_say_which_version_they_use(cli, tmp_path, folder):
    shipped_only = cli("--db", str(tmp_path / "otra.db"), "protocols", "match", TAUGHT)
    cli("protocols", "aprender", "leccion.jsonl")
    learned = cli("protocols", "match", TAUGHT)
    as_json = cli("protocols", "match", "--json", TAUGHT)
    evaluated = cli("protocols", "evaluate", "leccion.jsonl")

    assert shipped_only.exit_code == 0, shipped_only.stderr
    assert "0 ejemplos aprendidos" in shipped_only.stdout
    assert "aún no hay base de datos" in shipped_only.stdout
    assert "5 ejemplos aprendidos · umbrales n.º 1" in learned.stdout
    assert json.loads(as_json.stdout)["protocol"] == "factura_consulta"
    assert "5 ejemplos aprendidos" in as_json.stderr
    assert "5 ejemplos aprendidos" in evaluated.stdout


def test_match_answers_a_phrasing_once_aprender_teaches_it(cli, folder):
    before = json.loads(cli("protocols", "match", "--json", TAUGHT).stdout)
    cli("protocols", "aprender", "leccion.jsonl")

    after = json.loads(cli("protocols", "match", "--json", TAUGHT).stdout)

    assert before["action"] == "review"
    assert (after["protocol"], after["action"]) == ("factura_consulta", "answer")


def test_figures_from_a_few_questions_and_a_file_already_learned_are_said_to_be_so(cli, folder):
    learned = cli("protocols", "aprender", "leccion.jsonl")
    measured = cli("protocols", "evaluate", "leccion.jsonl")

    assert "Aviso: las cifras salen de" in " ".join(learned.stdout.split())
    assert "Aviso: 5 de los 5 mensajes ya están entre lo aprendido" in " ".join(
        measured.stdout.split()
    )
