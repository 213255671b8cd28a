"""The running responder takes up protocol edits, learned examples and new thresholds without
a restart, and `conectados status` says which version it answers with."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sandbox_channels import channels_for

from conectados.app import App
from conectados.clock import FixedClock
from conectados.orm import SQLModel
from responders import learning
from responders.learning_version import files_fingerprint, learned_example, learning_run
from responders.models import Interaction, LearningRun, Reply
from responders.protocol_files import SHIPPED, load_catalogue
from responders.reloading import REBUILD_EVERY, RECALIBRATE_AFTER, RECALIBRATE_EVERY
from responders.service import Responder
from responders.template_values import company_values
from scheduler.inbox import Inbox

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
QUESTION = "¿A qué hora abren la oficina?"
SHIPPED_WORDS = "Estos son nuestros canales de atención"
EDITED_WORDS = "Nuestros canales, recién revisados"


class Office:
    """A company with its own copy of the protocols, its database, the sandbox and one
    responder built as the daemon builds it, kept for the whole test."""

    def __init__(self, tmp_path: Path, sandbox, cli) -> None:
        self.folder = tmp_path / "protocolos"
        shutil.copytree(SHIPPED, self.folder, ignore=shutil.ignore_patterns("*.py", "__*"))
        (tmp_path / "conectados.toml").write_text(
            f'[sandbox]\nurl = "{sandbox.url}"\n[respuestas]\ncarpeta_protocolos = "protocolos"\n',
            encoding="utf-8",
        )
        self.cli = cli
        self.clock = FixedClock(NOW)
        cli.clock = self.clock
        assert cli("init").exit_code == 0
        self.app = App(environ={}, cwd=tmp_path)
        self.database = self.app.ready_database()
        self.sandbox = sandbox
        self.inbox = Inbox(self.database, _facebook(sandbox), self.clock)
        self.responder = Responder.from_settings(self.database, self.app.settings, self.clock)
        self.asked = 0
        self.learned = 0

    def ask(self, text: str = QUESTION) -> str:
        """A citizen writes in private; one round of the inbox and the responder; the reply."""
        self.asked += 1
        self.sandbox.control(
            "POST",
            "citizen",
            {"network": "facebook", "kind": "message", "text": text, "author": f"P{self.asked}"},
        )
        self.inbox.run_once()
        self.responder.run_once()
        with self.database.session() as session:
            replies = (
                session.execute(
                    sa.select(Reply.text)
                    .join(Interaction)
                    .where(Interaction.author_name == f"P{self.asked}")
                )
                .scalars()
                .all()
            )
        return "\n".join(replies)

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def learn(self, count: int = 1, protocol: str = "horario_contacto") -> None:
        """`count` labelled lines learned (as `conectados protocols aprender` stores them)."""
        self.learned += 1
        rows = [
            (f"{self.learned}-{number}", f"a qué hora atienden {number}", (protocol,), ("answer",))
            for number in range(count)
        ]
        raw = repr(rows).encode()
        learning.import_examples(
            self.database, Path("aprendidos.jsonl"), rows, raw, "Ana", self.clock.now()
        )

    def runs(self) -> list[LearningRun]:
        with self.database.session() as session:
            return list(session.execute(sa.select(LearningRun).order_by(LearningRun.id)).scalars())

    def status_line(self) -> str:
        result = self.cli("status")
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Respuestas:"))
        end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("  "))
        return " ".join(" ".join(lines[start:end]).split())

    def close(self) -> None:
        self.database.dispose()


def _facebook(sandbox):
    return {"facebook": channels_for(sandbox)["facebook"]}


@pytest.fixture
def office(tmp_path, sandbox, cli):
    office = Office(tmp_path, sandbox, cli)
    yield office
    office.close()


def test_an_edited_answer_is_sent_in_the_next_round_without_a_new_responder(office, caplog):
    assert SHIPPED_WORDS in office.ask()
    before = office.responder.version

    office.edit("horario_contacto.yaml", SHIPPED_WORDS, EDITED_WORDS)
    with caplog.at_level(logging.INFO, logger="conectados.responder"):
        reply = office.ask()

    assert EDITED_WORDS in reply and SHIPPED_WORDS not in reply
    assert office.responder.version != before
    assert f"protocolos recargados: {office.responder.version}" in caplog.text


def test_a_new_protocol_file_is_taken_up_and_a_removed_one_dropped(office):
    office.ask()
    shipped = (office.folder / "horario_contacto.yaml").read_text(encoding="utf-8")
    (office.folder / "horario_extra.yml").write_text(
        shipped.replace("id: horario_contacto", "id: horario_extra"), encoding="utf-8"
    )
    office.ask()
    assert "horario_extra" in office.responder.catalogue.protocols

    (office.folder / "horario_extra.yml").unlink()
    office.ask()
    assert "horario_extra" not in office.responder.catalogue.protocols


def test_a_broken_edit_keeps_the_last_good_protocols_and_is_logged_once(office, caplog):
    office.edit("horario_contacto.yaml", SHIPPED_WORDS, EDITED_WORDS)
    office.ask()
    good = office.responder.version

    office.edit("horario_contacto.yaml", "claves:", "claves: [")
    with caplog.at_level(logging.INFO, logger="conectados.responder"):
        replies = [office.ask(), office.ask()]

    assert all(EDITED_WORDS in reply for reply in replies)
    assert office.responder.version == good
    broken = [record for record in caplog.records if "no se pudieron leer" in record.message]
    assert len(broken) == 1 and broken[0].levelno == logging.ERROR
    assert "horario_contacto.yaml" in broken[0].message
    assert "se sigue respondiendo con la versión anterior" in broken[0].message

    office.edit("horario_contacto.yaml", "claves: [", "claves:")
    office.edit("horario_contacto.yaml", EDITED_WORDS, "Canales de nuevo")
    assert "Canales de nuevo" in office.ask()


def test_a_learned_example_is_used_in_the_next_round(office):
    office.ask()
    assert office.responder.matcher.learned_count == 0
    assert "· 0 ejemplos aprendidos ·" in office.responder.version

    office.learn()
    office.ask()

    assert office.responder.matcher.learned_count == 1
    assert "· 1 ejemplos aprendidos ·" in office.responder.version


def test_examples_learned_one_after_another_rebuild_the_model_at_most_every_two_minutes(office):
    office.learn()
    office.ask()
    assert office.responder.matcher.learned_count == 1

    office.learn()  # a reviewer's next decision, a minute later: no new model yet
    office.clock.advance(REBUILD_EVERY / 2)
    office.ask()
    assert office.responder.matcher.learned_count == 1

    office.clock.advance(REBUILD_EVERY / 2)
    office.ask()
    assert office.responder.matcher.learned_count == 2


def test_a_round_with_nothing_changed_rebuilds_nothing(office, caplog):
    office.learn()
    office.ask()
    matcher, version = office.responder.matcher, office.responder.version

    with caplog.at_level(logging.INFO, logger="conectados.responder"):
        office.ask()

    assert office.responder.matcher is matcher and office.responder.version == version
    assert "protocolos recargados" not in caplog.text


def test_thresholds_are_computed_by_the_service_when_none_match_and_at_most_every_ten_minutes(
    office, caplog
):
    office.ask()
    assert office.runs() == []  # nothing learned: the factory thresholds are what there is

    office.learn()
    with caplog.at_level(logging.INFO, logger="conectados.responder"):
        office.ask()
    (first,) = office.runs()
    assert first.trigger == "servicio" and first.examples == 1
    assert "umbrales recalculados por el servicio: n.º 1" in caplog.text
    assert "umbrales n.º 1" in office.responder.version

    office.edit("horario_contacto.yaml", SHIPPED_WORDS, EDITED_WORDS)
    office.ask()
    assert len(office.runs()) == 1  # within ten minutes of the last one
    assert "umbrales de fábrica" in office.responder.version

    office.clock.advance(RECALIBRATE_EVERY - timedelta(seconds=1))
    office.ask()
    assert len(office.runs()) == 1
    office.clock.advance(timedelta(seconds=1))
    office.ask()  # nothing else changed: the computation waited for its time
    second = office.runs()[-1]
    assert second.id == 2 and second.fingerprint != first.fingerprint
    assert "umbrales n.º 2" in office.responder.version


def test_enough_new_examples_compute_the_thresholds_again(office):
    office.learn()
    office.ask()
    office.clock.advance(RECALIBRATE_EVERY)

    office.learn(RECALIBRATE_AFTER - 1, protocol="pago")
    office.ask()
    assert len(office.runs()) == 1

    office.learn(1, protocol="medidor")
    office.clock.advance(REBUILD_EVERY)
    office.ask()
    runs = office.runs()
    assert len(runs) == 2 and runs[-1].examples == RECALIBRATE_AFTER + 1


def test_status_says_which_version_the_service_uses(office):
    office.learn()
    office.ask()
    fingerprint = office.responder.version.split()[1]

    assert office.status_line() == (
        f"Respuestas: protocolos {fingerprint} · 1 ejemplos aprendidos · "
        "umbrales n.º 1 (del 2026-03-10 10:00)"
    )

    office.edit("horario_contacto.yaml", SHIPPED_WORDS, EDITED_WORDS)
    shown = office.status_line()
    assert "umbrales de fábrica: ejecute «conectados protocols evaluate»" in shown
    office.ask()
    assert office.responder.version.split()[1] in shown  # the service caught up: same version

    office.clock.advance(RECALIBRATE_EVERY)
    office.ask()
    assert "umbrales n.º 2 (del 2026-03-10 10:10)" in office.status_line()
    json_status = office.cli("status", "--json").stdout
    assert '"run": 2' in json_status and '"examples": 1' in json_status


def test_status_says_when_the_protocols_or_the_database_cannot_be_read(cli, tmp_path):
    result = cli("status")
    assert result.exit_code == 0, result.stderr
    assert "Respuestas:      protocolos " in result.stdout
    assert "sin base de datos todavía" in result.stdout

    folder = tmp_path / "protocolos"
    folder.mkdir()
    (folder / "pago.yaml").write_text("id: pago\nclaves: [\n", encoding="utf-8")
    (tmp_path / "conectados.toml").write_text(
        '[respuestas]\ncarpeta_protocolos = "protocolos"\n', encoding="utf-8"
    )
    assert cli("init").exit_code == 0
    shown = " ".join(cli("status").stdout.split())
    assert "pago.yaml no se puede leer o no es YAML válido" in shown
    assert "el servicio sigue con la última versión que leyó bien" in shown

    (folder / "pago.yaml").write_text("id: cobro\n", encoding="utf-8")
    shown = " ".join(cli("status").stdout.split())
    assert "pago.yaml: el campo id debe ser «pago»" in shown

    shutil.rmtree(folder)
    shown = " ".join(cli("status", "--json").stdout.split())
    assert "no existe; créela o corrija [respuestas] carpeta_protocolos" in shown


def test_status_reads_the_same_fingerprint_as_the_catalogue_without_loading_it(tmp_path):
    folder = tmp_path / "protocolos"
    folder.mkdir()
    shipped = (SHIPPED / "pago.yaml").read_text(encoding="utf-8")
    (folder / "pago.yaml").write_text(shipped + "\n# editado\n", encoding="utf-8")
    (folder / "pago-extra.yml").write_text(
        shipped.replace("id: pago", "id: pago-extra"), encoding="utf-8"
    )
    company = {"nombre": "Aguas de Prueba", "telefonos": ["601 555 0000"]}

    for where in (None, folder):
        expected = learning.fingerprint(load_catalogue(where), company)
        assert files_fingerprint(where, company) == expected
    assert files_fingerprint(folder, company) != files_fingerprint(folder, {"nombre": "Otra"})
    assert files_fingerprint(None, company_values(App(environ={}, cwd=tmp_path).settings))


def test_the_light_learning_tables_are_model_columns():
    import responders.models  # noqa: F401  (registers the tables on the metadata)

    for light in (learned_example, learning_run):
        model = SQLModel.metadata.tables[light.name]
        assert {column.name for column in light.columns} <= set(model.columns.keys())


def test_thresholds_computed_elsewhere_are_used_in_the_next_round(office):
    office.ask()
    current = office.responder.version.split()[1]
    with office.database.session(write=True) as session:
        connection = session.connection()
        full = learning.fingerprint(office.responder.catalogue, office.responder.company)
        assert full.startswith(current)
        thresholds = office.responder.thresholds
        learning.save_run(
            connection,
            full,
            type(thresholds)(per_protocol={"horario_contacto": 0.99}),
            "{}",
            0,
            None,
            office.clock.now(),
            "evaluate",
        )

    office.ask()

    assert dict(office.responder.thresholds.per_protocol) == {"horario_contacto": 0.99}
    assert "umbrales n.º 1" in office.responder.version


def test_a_change_of_the_company_data_is_a_new_version(office, tmp_path):
    office.ask()
    before = office.responder.version
    with (tmp_path / "conectados.toml").open("a", encoding="utf-8") as settings:
        settings.write('[empresa]\nnombre = "Aguas del Valle"\n')
    office.responder.settings = App(environ={}, cwd=tmp_path).settings

    office.ask()

    assert office.responder.version.split()[1] != before.split()[1]
    assert office.responder.company["nombre"] == "Aguas del Valle"
