"""The commands as the communications team runs them: init, status, demo, and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conectados.app import App
from conectados.db import Database
from conectados.errors import DatabaseError
from content_calendar.models import Post, Publication
from responders.models import Interaction, InteractionKind, Reply, Ticket


def test_init_creates_the_database_and_a_commented_example_config(cli, tmp_path: Path):
    result = cli("init")

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "conectados.db").exists()
    config = (tmp_path / "conectados.toml").read_text(encoding="utf-8")
    assert "# Datos de la empresa" in config
    assert "Base de datos creada" in result.stdout


def test_init_twice_changes_nothing_the_second_time(cli, tmp_path: Path):
    cli("init")
    config = tmp_path / "conectados.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('nombre = ""', 'nombre = "Mío"'))
    stamp = config.stat().st_mtime_ns
    tables_before = Database(f"sqlite:///{tmp_path / 'conectados.db'}").schema_state()

    result = cli("init")

    assert result.exit_code == 0, result.stderr
    assert config.stat().st_mtime_ns == stamp
    assert 'nombre = "Mío"' in config.read_text(encoding="utf-8")
    assert "ya estaba al día" in result.stdout
    assert "ya existía; no se modificó" in result.stdout
    assert Database(f"sqlite:///{tmp_path / 'conectados.db'}").schema_state() == tables_before


def test_init_writes_the_config_where_the_flag_says(cli, tmp_path: Path):
    result = cli("--config", "oficina/conectados.toml", "init")

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "oficina" / "conectados.toml").exists()
    assert (tmp_path / "oficina" / "conectados.db").exists()  # relative to the file


def test_status_on_a_new_database_file_works_and_creates_nothing(cli, tmp_path: Path):
    result = cli("--db", "x.db", "status")

    assert result.exit_code == 0, result.stderr
    assert "x.db" in result.stdout
    assert "conectados init" in result.stdout
    assert not (tmp_path / "x.db").exists()


def test_status_on_an_empty_database_file_asks_for_init(cli, tmp_path: Path):
    (tmp_path / "x.db").touch()

    result = cli("--db", "x.db", "status")

    assert result.exit_code == 0, result.stderr
    assert "sin inicializar; ejecute «conectados init»" in result.stdout


def test_status_counts_what_is_waiting(cli, tmp_path: Path):
    cli("init")
    _add_pending_work(Database(f"sqlite:///{tmp_path / 'conectados.db'}"))

    result = cli("status")
    data = json.loads(cli("status", "--json").stdout)

    assert "Publicaciones por salir:          2" in result.stdout
    assert "Respuestas por revisar o enviar:  1" in result.stdout
    assert "PQR abiertas:                     1" in result.stdout
    assert data["pending_publications"] == 2
    assert data["schema_current"] is True


def test_status_says_which_credentials_are_missing_and_never_shows_them(cli, tmp_path: Path):
    (tmp_path / "conectados.toml").write_text(
        '[channels.facebook]\nmodo = "real"\npagina_id = "123"\n[channels.x]\nmodo = "real"\n',
        encoding="utf-8",
    )
    env = {"CONECTADOS_FACEBOOK_TOKEN": "EAAB-token-de-la-pagina-123"}

    result = cli("status", env=env)
    data = json.loads(cli("status", "--json", env=env).stdout)

    assert "facebook  activa, modo real; credenciales presentes" in result.stdout
    assert "FALTAN credenciales en: CONECTADOS_X_API_KEY" in result.stdout
    assert "EAAB-token-de-la-pagina-123" not in result.stdout + json.dumps(data)
    channels = {channel["name"]: channel for channel in data["channels"]}
    assert channels["facebook"]["ready"] is True
    assert channels["x"]["ready"] is False


def test_commands_refuse_a_database_that_needs_init(tmp_path: Path):
    app = App(environ={}, cwd=tmp_path)

    with pytest.raises(DatabaseError) as caught:
        app.ready_database()

    assert "ejecute «conectados init»" in caught.value.message


def test_broken_config_exits_2_with_file_line_and_reason_in_spanish(cli, tmp_path: Path):
    config = tmp_path / "conectados.toml"
    cases = {
        "bad toml": ('[empresa\nnombre = "A"\n', ":1: ", "no es TOML válido"),
        "unknown key": (
            '[empresa]\nnombre = "A"\nnit_empresa = "1"\n',
            ":3: empresa.nit_empresa",
            "clave desconocida",
        ),
        "wrong type": (
            "[empresa]\ntelefonos = 6071234567\n",
            ":2: empresa.telefonos",
            "debe ser una lista",
        ),
    }
    for name, (text, where, reason) in cases.items():
        config.write_text(text, encoding="utf-8")

        result = cli("status")

        assert result.exit_code == 2, name
        assert result.stderr.startswith(f"Error: {config}"), name
        assert where in result.stderr, name
        assert reason in result.stderr, name
        assert "Traceback" not in result.stderr, name
        assert result.stdout == "", name


def test_unknown_command_and_option_are_bad_input_in_spanish(cli):
    command = cli("estatus")
    option = cli("status", "--jsn")

    assert command.exit_code == 2
    assert "el comando «estatus» no existe; ¿quiso decir status?" in command.stderr
    assert option.exit_code == 2
    assert "la opción --jsn no existe; ¿quiso decir --json?" in option.stderr


def test_help_is_in_spanish(cli):
    result = cli("--help")

    assert result.exit_code == 0
    assert result.stdout.startswith("Uso: conectados [OPCIONES] COMANDO [ARGUMENTOS]...")
    assert "Opciones:" in result.stdout
    assert "Comandos:" in result.stdout
    assert "Muestra esta ayuda y termina." in result.stdout


def test_known_failures_never_show_a_traceback_even_verbose(cli, tmp_path: Path):
    url = "postgresql://postgres:clave-secreta@127.0.0.1:1/nada"

    quiet = cli("--db", url, "status")
    verbose = cli("-vv", "--db", url, "status")

    for result in (quiet, verbose):
        assert result.exit_code == 1
        assert "no se pudo usar la base de datos" in result.stderr
        assert "Traceback" not in result.stderr
    assert quiet.stderr.count("\n") == 1
    assert "clave-secreta" not in quiet.stderr + verbose.stderr


def _figure(output: str, label: str) -> int:
    found = re.search(rf"{label}: (\d+)", output)
    assert found, (label, output)
    return int(found.group(1))


def test_demo_runs_the_whole_office_and_its_summary_matches_the_database(cli, tmp_path: Path):
    import sqlalchemy as sa

    from conectados.db import Database
    from content_calendar.models import Post, Publication, PublicationState
    from responders.models import Interaction, InteractionState, Reply, ReplyState, Ticket

    first = cli("demo", "--carpeta", "demo", "--rapido")
    again = cli("demo", "--carpeta", "demo", "--rapido")  # the same show every time

    assert first.exit_code == 0, first.stderr
    assert again.exit_code == 0, again.stderr
    out = again.stdout
    database = Database(f"sqlite:///{tmp_path / 'demo' / 'conectados.db'}")
    with database.session() as session:

        def count(table, *where) -> int:
            return session.execute(
                sa.select(sa.func.count()).select_from(table).where(*where)
            ).scalar_one()

        published = count(Publication, Publication.state == PublicationState.PUBLISHED)
        answered = count(Interaction, Interaction.state == InteractionState.ANSWERED)
        ticketed = count(Ticket)
        pending = count(Reply, Reply.state == ReplyState.PENDING)
        ignored = count(Interaction, Interaction.state == InteractionState.IGNORED)
        sent = count(Reply, Reply.state == ReplyState.SENT)
        # "On time" is the network's time of the post less the planned time, under a minute:
        # the demo runs on the wall clock, so the figure is checked against the database.
        on_time = sum(
            (row.published_at - row.scheduled_at).total_seconds() < 60
            for row in session.execute(
                sa.select(Publication.published_at, Post.scheduled_at)
                .join(Post, Post.id == Publication.post_id)
                .where(Publication.state == PublicationState.PUBLISHED)
            )
        )
    database.dispose()
    assert "se empieza de cero" in out and "se empieza de cero" not in first.stdout
    # Three posts on Facebook and X, the first on Instagram too, where a citizen asks.
    said = " ".join(out.split())
    assert _figure(out, "Publicadas") == published == 7
    assert f"Publicadas: {published} de 7" in out
    assert (
        "Hoy salen 3 publicaciones del calendario: 3 en Facebook, 1 en Instagram y 3 en X." in said
    )
    assert not re.search(r"\([a-z]+_[a-z_]+\)", out)  # protocols by name, not by id
    assert not re.search(r"\d\.\d s\)", out)  # "(+0,4 s)": one number format
    assert _figure(out, "Mensajes de ciudadanos") == 15  # 12, and 3 by WhatsApp to the notices
    assert "✓ Instagram, hoy-1" in out and "• Instagram, @" in out
    assert _figure(out, "Respondidos solos") == answered >= 3
    assert _figure(out, "Radicados como PQR") == ticketed >= 3
    assert _figure(out, "Esperan revisión") == pending >= 1
    assert _figure(out, "Dejados sin responder") == ignored >= 1
    assert f"{published} publicaciones y {sent} respuestas" in out
    assert _figure(out, "Comentarios ocultados por traer datos personales") == 1
    assert f"({on_time} a su hora" in out and "-000001" in out  # it started afresh
    report = re.search(r"Informe:\s+(\S+)", out)  # a long path goes on its own line
    assert report and Path(report.group(1)).exists()
    assert "conectados replies review" in out and "conectados pqr list" in out


def test_the_installed_command_runs_as_a_process(tmp_path: Path):
    (tmp_path / "conectados.toml").write_text("[pqr]\nsabado_habil = 1.5\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    command = [sys.executable, "-m", "conectados", "status"]

    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)

    assert result.returncode == 2
    assert f"{tmp_path / 'conectados.toml'}:2: pqr.sabado_habil" in result.stderr


def _add_pending_work(database: Database) -> None:
    now = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    with database.session() as session:
        session.add(Post(id="p1", scheduled_at=now))
        session.add(Publication(post_id="p1", network="facebook", next_attempt_at=now))
        session.add(Publication(post_id="p1", network="x", next_attempt_at=now))
        interaction = Interaction(
            network="facebook", kind=InteractionKind.COMMENT, remote_id="c1", written_at=now
        )
        session.add(interaction)
        session.flush()
        session.add(Reply(interaction_id=interaction.id, text="Hola"))
        session.add(
            Ticket(
                radicado="2026-000001",
                year=2026,
                sequence=1,
                type="reclamo",
                network="facebook",
                interaction_id=interaction.id,
                filed_at=now,
                filed_on=now.date(),
                due_date=now.date(),
            )
        )
    database.dispose()


def test_a_wrong_db_option_is_bad_input(cli):
    other_engine = cli("--db", "mysql://root@localhost/conectados", "status")
    empty = cli("--db", "", "status")

    assert other_engine.exit_code == 2
    assert "opción --db: solo se admiten SQLite" in other_engine.stderr
    assert empty.exit_code == 2


def test_an_unexpected_argument_is_bad_input_in_spanish(cli):
    result = cli("init", "ahora")

    assert result.exit_code == 2
    assert "sobra lo siguiente, que el comando no espera: ahora" in result.stderr


def test_subcommand_help_and_bare_command_are_in_spanish(cli):
    status_help = cli("status", "--help")
    bare = cli()

    assert status_help.exit_code == 0
    assert status_help.stdout.startswith("Uso: conectados status [OPCIONES]")
    assert "Muestra esta ayuda y termina." in status_help.stdout
    assert bare.exit_code == 0
    assert bare.stdout.startswith("Uso: conectados")
    assert bare.stderr == ""


def test_an_option_without_its_value_is_said_in_spanish(cli):
    result = cli("--db")

    assert result.exit_code == 2
    assert "la opción --db necesita un valor" in result.stderr


def test_an_unknown_time_zone_is_bad_input(cli, tmp_path: Path):
    (tmp_path / "conectados.toml").write_text('zona_horaria = "America"\n', encoding="utf-8")

    result = cli("status")

    assert result.exit_code == 2
    assert ":1: zona_horaria: zona horaria desconocida «America»" in result.stderr


def test_database_paths_with_url_characters_are_taken_literally(cli, tmp_path: Path):
    result = cli("--db", "datos?v=1#a%41.db", "init")

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "datos?v=1#a%41.db").exists()


def test_status_never_shows_a_database_password(cli):
    result = cli("--db", "postgresql://u@127.0.0.1:1/db?password=s3cr3t-clave", "status")

    assert "s3cr3t-clave" not in result.stdout + result.stderr


def test_a_relative_database_in_a_variable_is_relative_to_the_working_directory(
    cli, tmp_path: Path
):
    (tmp_path / "oficina").mkdir()
    (tmp_path / "oficina" / "conectados.toml").write_text("[pqr]\n", encoding="utf-8")
    env = {"CONECTADOS_CONFIG": "oficina/conectados.toml", "CONECTADOS_BASE_DATOS": "aqui.db"}

    result = cli("init", env=env)

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "aqui.db").exists()


def test_demo_refuses_a_file_as_its_folder(cli, tmp_path: Path):
    (tmp_path / "archivo").write_text("x", encoding="utf-8")

    result = cli("demo", "--carpeta", "archivo")

    assert result.exit_code == 2
    assert "no es una carpeta" in result.stderr


def test_status_says_a_real_page_needs_its_id(cli, tmp_path: Path):
    (tmp_path / "conectados.toml").write_text(
        '[channels.facebook]\nmodo = "real"\n', encoding="utf-8"
    )

    result = cli("status", env={"CONECTADOS_FACEBOOK_TOKEN": "EAAB-token-123"})

    assert "FALTA pagina_id" in result.stdout


def test_an_id_no_table_can_hold_is_not_found_like_any_other(cli, database_url: str):
    assert cli("--db", database_url, "init").exit_code == 0
    cases = {
        ("replies", "show", "99999999999999999999"): "no hay ninguna respuesta con id",
        ("replies", "approve", "99999999999999999999"): "no hay ninguna respuesta con id",
        ("replies", "reject", "2147483648"): "no hay ninguna respuesta con id",
        ("replies", "show", "--", "-7"): "no hay ninguna respuesta con id -7",
        ("replies", "show", "0"): "no hay ninguna respuesta con id 0",
        ("avisos", "close", "99999999999999999999"): "no hay ningún",
    }
    for args, message in cases.items():
        result = cli("--db", database_url, *args)

        assert result.exit_code == 2, (args, result.stderr)
        assert f"Error: ID: {message}" in result.stderr, args
        assert "inesperado" not in result.stderr, args


def test_an_id_that_is_not_a_number_or_is_negative_is_bad_input_in_spanish(cli):
    cli("init")

    word = cli("replies", "show", "doce")
    negative = cli("replies", "show", "-5")

    assert word.exit_code == negative.exit_code == 2
    assert "«doce» no es un número" in word.stderr
    assert "-5: aquí no se admiten números negativos" in negative.stderr
    for odd in ("-+5", "+-5", "--5", "++5"):
        signs = cli("replies", "show", "--", odd)

        assert signs.exit_code == 2, (odd, signs.stderr)
        assert f"«{odd}» no es un número" in signs.stderr and "inesperado" not in signs.stderr


def test_a_malformed_sandbox_url_is_refused_with_file_line_and_field(cli, tmp_path: Path):
    config = tmp_path / "conectados.toml"
    cases = {
        "127.0.0.1:8765": "debe empezar por http:// o https://",
        "ftp://127.0.0.1": "debe empezar por http:// o https://",
        "http://": "falta el servidor",
        "http://127.0.0.1 :8765": "no puede tener espacios",
        "http://127.0.0.1:99999": "revise el servidor y el puerto",
        "http://127.0.0.1:ocho": "revise el servidor y el puerto",
        "http://127.0.0.1:0": "el puerto debe estar entre 1 y 65535",
        "http://127.0.0.1:8765/?x=1": "no lleva «?» ni «#»",
    }
    for url, reason in cases.items():
        config.write_text(f'[empresa]\nnombre = "A"\n\n[sandbox]\nurl = "{url}"\n', "utf-8")

        result = cli("daemon", "--once")

        assert result.exit_code == 2, (url, result.stdout)
        assert f"Error: {config}:5: sandbox.url: " in result.stderr, url
        assert reason in result.stderr and "por ejemplo http://" in result.stderr, url
    for url in ("", "http://127.0.0.1:8765", "https://simulador.local/", "http://[::1]:8765"):
        config.write_text(f'[sandbox]\nurl = "{url}"\n', "utf-8")
        assert cli("status").exit_code == 0, url


def test_dates_beyond_the_years_conectados_handles_are_bad_input(cli):
    cli("init")
    cases = [
        ("inbox", "--desde", "9999-12-31 23:59"),
        ("inbox", "--desde", "0001-01-01"),
        ("avisos", "add", "--sector", "Centro", "--motivo", "válvula",
         "--desde", "2026-12-10", "--hasta", "9999-12-31"),
    ]  # fmt: skip
    for args in cases:
        result = cli(*args)

        assert result.exit_code == 2, (args, result.stderr)
        assert "queda fuera de los años que maneja Conectados (2000 a 2100)" in result.stderr


def test_a_nul_character_in_an_argument_is_bad_input(cli):
    cli("init")

    for args in (("report", "--html", "a\x00.html"), ("calendar", "check", "a\x00.yaml"),
                 ("demo", "--carpeta", "a\x00"), ("--db", "a\x00.db", "status")):  # fmt: skip
        result = cli(*args)

        assert result.exit_code == 2, (args, result.stderr)
        assert "contiene un carácter nulo (\\0)" in result.stderr, args


def test_no_command_replaces_a_pipe_or_a_device_with_its_file(cli, tmp_path: Path):
    cli("init")
    os.mkfifo(tmp_path / "tubo")

    for args in (("pqr", "export", "--mes", "2026-11", "-o", "tubo"),
                 ("calendar", "preview", "--mes", "2026-11", "-o", "tubo"),
                 ("report", "--mes", "2026-11", "--html", "tubo")):  # fmt: skip
        result = cli(*args)

        assert result.exit_code == 2, (args, result.stderr)
        assert "no un archivo común" in result.stderr, args
        assert not (tmp_path / "tubo").is_file(), args


def test_approve_help_says_how_to_send_a_reply_in_private(cli):
    result = cli("replies", "approve", "--help")

    assert result.exit_code == 0
    assert "--privado" in result.stdout and "datos personales" in result.stdout


def test_commands_answer_to_their_spanish_names_too(cli, tmp_path):
    assert cli("init").exit_code == 0

    listed = cli("respuestas", "lista")
    checked = cli("calendario", "revisar", "no-existe.yaml")
    approved = cli("Respuestas", "APROBAR", "99")

    assert listed.exit_code == 0 and listed.stdout == cli("replies", "list").stdout
    assert checked.exit_code == 2 and "no-existe.yaml" in checked.stdout + checked.stderr
    assert approved.exit_code == 2 and "no hay ninguna respuesta con id 99" in approved.stderr
    assert cli("replies", "aprobarr", "1").exit_code == 2  # a typo is still a typo


def test_an_argument_that_is_not_utf8_is_told_not_crashed(cli, tmp_path):
    assert cli("init").exit_code == 0

    result = cli("replies", "approve", "7", "--texto", "\udcff hola")  # b"\xff" from Latin-1

    assert result.exit_code == 2
    assert "no está escrito en UTF-8" in result.stderr and result.stderr.count("\n") == 1


def test_a_network_is_named_with_any_capitals(cli, tmp_path):
    assert cli("init").exit_code == 0

    assert cli("calendar", "list", "--red", "Facebook").exit_code == 0
    refused = cli("calendar", "list", "--red", "TikTok")
    assert refused.exit_code == 2 and "facebook, instagram, x" in refused.stderr
