"""Settings: defaults, file, CONECTADOS_* variables and flags, and what a wrong file says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conectados.errors import ConfigError, ManyBadInputs
from conectados.settings import ChannelMode, Settings, load_settings
from office.commands import example_config_text


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_run_with_no_file_at_all(tmp_path: Path):
    settings = load_settings(environ={}, cwd=tmp_path)

    assert settings.source is None
    assert settings.timezone == "America/Bogota"
    assert str(settings.database_url) == f"sqlite:///{tmp_path / 'conectados.db'}"
    assert settings.channels.facebook.mode is ChannelMode.SANDBOX
    assert settings.channels.x.mode is ChannelMode.SANDBOX


def test_example_file_written_by_init_means_the_defaults(tmp_path: Path):
    write(tmp_path / "conectados.toml", example_config_text())

    from_file = load_settings(environ={}, cwd=tmp_path)

    assert from_file.model_dump() == Settings().model_dump()
    assert from_file.source == tmp_path / "conectados.toml"


def test_file_overrides_defaults_and_variables_override_the_file(tmp_path: Path):
    write(
        tmp_path / "conectados.toml",
        '[empresa]\nnombre = "Acueducto del archivo"\nnit = "900"\n[pqr]\nsabado_habil = true\n',
    )
    environ = {
        "CONECTADOS_EMPRESA__NOMBRE": "Acueducto de la variable",
        "CONECTADOS_PQR__SABADO_HABIL": "false",
        "CONECTADOS_EMPRESA__PUNTOS_PAGO": '["Efecty", "PSE"]',
        "CONECTADOS_ZONA_HORARIA": "America/Lima",
    }

    settings = load_settings(environ=environ, cwd=tmp_path)

    assert settings.company.name == "Acueducto de la variable"
    assert settings.company.nit == "900"  # from the file, no variable for it
    assert settings.pqr.saturday_is_working_day is False
    assert settings.company.payment_points == ["Efecty", "PSE"]
    assert settings.timezone == "America/Lima"


def test_db_flag_overrides_variable_and_file(tmp_path: Path, cli):
    write(tmp_path / "conectados.toml", 'base_datos = "del-archivo.db"\n')

    from_file = load_settings(environ={}, cwd=tmp_path)
    from_variable = load_settings(environ={"CONECTADOS_BASE_DATOS": "de-variable.db"}, cwd=tmp_path)
    result = cli("--db", "del-flag.db", "status", "--json", env={"CONECTADOS_BASE_DATOS": "x.db"})

    assert str(from_file.database_url).endswith("/del-archivo.db")
    assert str(from_variable.database_url).endswith("/de-variable.db")
    assert result.exit_code == 0
    assert '"database": "sqlite:///' + str(tmp_path / "del-flag.db") in result.stdout


def test_config_flag_then_variable_then_working_directory(tmp_path: Path):
    write(tmp_path / "conectados.toml", '[empresa]\nnombre = "local"\n')
    write(tmp_path / "de-variable.toml", '[empresa]\nnombre = "variable"\n')
    write(tmp_path / "de-flag.toml", '[empresa]\nnombre = "flag"\n')
    environ = {"CONECTADOS_CONFIG": "de-variable.toml"}

    assert load_settings(environ={}, cwd=tmp_path).company.name == "local"
    assert load_settings(environ=environ, cwd=tmp_path).company.name == "variable"
    assert load_settings("de-flag.toml", environ=environ, cwd=tmp_path).company.name == "flag"


def test_relative_database_path_in_a_file_is_relative_to_that_file(tmp_path: Path):
    folder = tmp_path / "empresa"
    folder.mkdir()
    write(folder / "conectados.toml", 'base_datos = "datos/conectados.db"\n')

    settings = load_settings(str(folder / "conectados.toml"), environ={}, cwd=tmp_path)

    assert str(settings.database_url) == f"sqlite:///{folder / 'datos' / 'conectados.db'}"


def test_postgres_urls_use_psycopg_3(tmp_path: Path):
    environ = {"CONECTADOS_BASE_DATOS": "postgresql://conectados@db.local/conectados"}

    settings = load_settings(environ=environ, cwd=tmp_path)

    assert str(settings.database_url) == "postgresql+psycopg://conectados@db.local/conectados"


def test_bad_toml_names_file_and_line(tmp_path: Path):
    path = write(tmp_path / "conectados.toml", '[empresa]\nnombre = "sin cerrar\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, cwd=tmp_path)

    assert caught.value.location == f"{path}:2"
    assert "TOML" in caught.value.message


def test_unknown_key_names_file_line_key_and_suggests_the_right_one(tmp_path: Path):
    path = write(tmp_path / "conectados.toml", '[empresa]\nnombre = "A"\ntelefono = ["1"]\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, cwd=tmp_path)

    assert caught.value.location == f"{path}:3"
    assert caught.value.field == "empresa.telefono"
    assert "clave desconocida" in caught.value.problem
    assert "«telefonos»" in caught.value.problem


def test_wrong_type_names_file_line_key_and_expected_type(tmp_path: Path):
    path = write(tmp_path / "conectados.toml", '# ajustes\n[pqr]\nsabado_habil = "a veces"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, cwd=tmp_path)

    assert (
        caught.value.message == f"{path}:3: pqr.sabado_habil: debe ser true o false (sin comillas)"
    )


def test_every_problem_is_reported_at_once_in_file_order(tmp_path: Path):
    write(
        tmp_path / "conectados.toml",
        'zona_horaria = "Bogota"\n[empresa]\ntelefonos = "607"\n[channels.x]\nmodo = "vivo"\n',
    )

    with pytest.raises(ManyBadInputs) as caught:
        load_settings(environ={}, cwd=tmp_path)

    fields = [problem.field for problem in caught.value.problems]
    assert fields == ["zona_horaria", "empresa.telefonos", "channels.x.modo"]


def test_wrong_variable_is_named_in_the_error(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"CONECTADOS_PQR__SABADO_HABIL": "quizás"}, cwd=tmp_path)

    assert caught.value.location == "variable de entorno CONECTADOS_PQR__SABADO_HABIL"


def test_misspelt_key_in_a_variable_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"CONECTADOS_EMPRESA__NOMBR": "A"}, cwd=tmp_path)

    assert caught.value.location == "variable de entorno CONECTADOS_EMPRESA__NOMBR"


def test_credential_variables_are_not_mistaken_for_settings(tmp_path: Path):
    environ = {
        "CONECTADOS_FACEBOOK_TOKEN": "EAAB-secreto",
        "CONECTADOS_X_API_KEY": "clave",
        "CONECTADOS_TEST_POSTGRES_URL": "postgresql://x@y/z",
    }

    settings = load_settings(environ=environ, cwd=tmp_path)

    assert settings.model_dump() == Settings().model_dump()


def test_a_token_pasted_into_the_file_is_refused_without_repeating_it(tmp_path: Path):
    token = "EAABwzLixnjYBO7ZBsecretvalue"
    write(tmp_path / "conectados.toml", f'[channels.facebook]\ntoken_env = "{token}"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, cwd=tmp_path)

    assert caught.value.field == "channels.facebook.token_env"
    assert "nombre de una variable de entorno".upper() in caught.value.problem.upper()
    assert token not in caught.value.message


def test_named_config_file_that_does_not_exist_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_settings("no-existe.toml", environ={}, cwd=tmp_path)

    assert "no existe" in caught.value.message
    assert "conectados init" in caught.value.message


def test_file_not_in_utf8_names_the_line(tmp_path: Path):
    path = tmp_path / "conectados.toml"
    path.write_bytes('[empresa]\nnombre = "Compañía"\n'.encode("latin-1"))

    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, cwd=tmp_path)

    assert caught.value.location == f"{path}:2"
    assert "UTF-8" in caught.value.message


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.sampled_from(list("[]=\"'.#\n abcdeñ1_ptv")), max_size=80))
def test_any_file_either_loads_or_says_what_is_wrong(tmp_path: Path, text: str):
    write(tmp_path / "conectados.toml", text)

    try:
        load_settings(environ={}, cwd=tmp_path)
    except ConfigError as error:
        assert error.message.startswith(str(tmp_path / "conectados.toml"))


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(
        [
            "ZONA_HORARIA",
            "BASE_DATOS",
            "EMPRESA__TELEFONOS",
            "PQR__SABADO_HABIL",
            "CHANNELS__X__MODO",
            "CHANNELS__FACEBOOK",
        ]
    ),
    value=st.text(max_size=30).filter(lambda value: "\x00" not in value),
)
def test_any_variable_either_applies_or_names_itself(tmp_path: Path, key: str, value: str):
    try:
        load_settings(environ={f"CONECTADOS_{key}": value}, cwd=tmp_path)
    except ConfigError as error:
        assert f"CONECTADOS_{key}" in error.message


def test_a_deeply_nested_file_is_a_spanish_error_with_exit_2(tmp_path: Path, cli):
    write(tmp_path / "conectados.toml", "telefonos = " + "[" * 5000 + "]" * 5000 + "\n")

    result = cli("status")

    assert result.exit_code == 2
    assert "demasiadas listas o tablas unas dentro de otras" in result.stderr
    assert "inesperado" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "[" + ".".join(["a"] * 130_000) + "]\n",  # Python's parser: minutes on this
        'zona_horaria = "America/Bogota"\n' + ".".join(["a"] * 60_000) + " = 1\n",
        "x = { " + ".".join(["a"] * 60_000) + " = 1 }\n",
    ],
)
def test_a_key_with_thousands_of_parts_is_refused_before_parsing(tmp_path: Path, text: str):
    write(tmp_path / "conectados.toml", text)

    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, cwd=tmp_path)

    assert "partes separadas por puntos" in caught.value.message
    assert caught.value.location.endswith(f"conectados.toml:{text.count(chr(10))}")


def test_dots_in_strings_comments_and_numbers_are_not_key_parts(tmp_path: Path):
    dots = ".".join("a" * 40)
    write(
        tmp_path / "conectados.toml",
        f'# {dots}\n[empresa]\nweb = "https://{dots}.co"\n'
        f'[pqr]\naviso_datos = """\n{dots}\\\n{dots}\n"""\n'
        f"[respuestas]\numbral_automatico = 0.65\n",
    )

    settings = load_settings(environ={}, cwd=tmp_path)

    assert settings.company.website.endswith(".co")


def test_a_deeply_nested_list_in_a_variable_is_refused_by_name(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"CONECTADOS_EMPRESA__TELEFONOS": "[" * 5000}, cwd=tmp_path)

    assert "CONECTADOS_EMPRESA__TELEFONOS" in caught.value.message


def test_a_nul_in_the_database_path_is_a_spanish_error_with_exit_2(tmp_path: Path, cli):
    write(
        tmp_path / "conectados.toml",
        'zona_horaria = "America/Bogota"\nbase_datos = "a\\u0000b.db"\n',
    )

    result = cli("status")

    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: {tmp_path / 'conectados.toml'}:2: base_datos: tiene un carácter no válido (nulo)"
    )


def test_a_control_character_in_a_folder_is_refused(tmp_path: Path):
    write(tmp_path / "conectados.toml", 'carpeta_medios = "medios\\n"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, cwd=tmp_path)

    assert caught.value.field == "carpeta_medios"
    assert "carácter no válido (de control) en la posición 7" in caught.value.message


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "too-big"])
def test_a_settings_file_that_is_no_settings_file_is_refused_with_exit_2(
    tmp_path: Path, cli, kind: str
):
    if kind == "device":
        named = "/dev/zero"
    elif kind == "fifo":
        os.mkfifo(tmp_path / "cola.toml")
        named = "cola.toml"
    elif kind == "folder":
        (tmp_path / "carpeta.toml").mkdir()
        named = "carpeta.toml"
    else:
        (tmp_path / "grande.toml").touch()
        os.truncate(tmp_path / "grande.toml", 1024 * 1024 * 1024)
        named = "grande.toml"

    result = cli("--config", named, "status")

    assert result.exit_code == 2
    assert {
        "device": "es un dispositivo, no un archivo común",
        "fifo": "es una tubería (FIFO), no un archivo común",
        "folder": "es una carpeta, no un archivo",
        "too-big": "pesa 1 GB y un archivo de configuración .toml no puede pasar de 256 KB",
    }[kind] in result.stderr


def test_a_control_character_in_any_text_setting_is_refused_by_line_and_key(tmp_path: Path, cli):
    write(
        tmp_path / "conectados.toml",
        '[empresa]\nnombre = "Acueducto\\u0000"\ntelefonos = ["607 1234567", "3\\u0007"]\n'
        'horario = "lunes a viernes\\n8 a 12"\n',
    )

    result = cli("status")

    assert result.exit_code == 2
    assert (
        f"{tmp_path / 'conectados.toml'}:2: empresa.nombre: tiene un carácter no válido (nulo)"
        in result.stderr
    )
    assert (
        "conectados.toml:3: empresa.telefonos: tiene un carácter no válido (de control)"
        in result.stderr
    )
    assert "horario" not in result.stderr


def test_instagram_uses_the_token_variable_facebook_names_unless_it_names_its_own(tmp_path: Path):
    write(tmp_path / "conectados.toml", '[channels.facebook]\ntoken_env = "MI_TOKEN_FB"\n')
    renamed = load_settings(environ={}, cwd=tmp_path)
    write(
        tmp_path / "conectados.toml",
        '[channels.facebook]\ntoken_env = "MI_TOKEN_FB"\n[channels.instagram]\n'
        'token_env = "MI_TOKEN_IG"\n',
    )
    own = load_settings(environ={}, cwd=tmp_path)

    assert renamed.channels.instagram.token_env == "MI_TOKEN_FB"
    assert own.channels.instagram.token_env == "MI_TOKEN_IG"
