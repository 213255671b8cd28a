"""Checking calendar files: every problem at once, with its line, before anything goes out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from media_files import JPEG, PNG, media_file, mp4_lasting
from twitter_text import parse_tweet

from channels.text_rules import x_weighted_length
from content_calendar.check import CalendarChecker

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "data" / "calendario-diciembre-2026.yaml"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def checker(media_dir: Path, **kwargs) -> CalendarChecker:
    return CalendarChecker("America/Bogota", media_dir, NOW, **kwargs)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def found(result) -> list[tuple[int, str | None, str]]:
    return [(p.line, p.entry_id, p.message) for p in result.problems]


def test_the_sample_calendar_is_clean():
    result = checker(REPO / "assets").check_file(SAMPLE)

    assert result.problems == []
    assert len(result.entries) == 12
    first = result.entries[0]
    assert first.id == "ahorro-agua-01"
    assert first.scheduled_at == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 08:00 in Bogotá
    assert first.networks == ("facebook", "x")
    assert first.text_for("x").startswith("💧 Cerrar la llave")
    assert first.text_for("facebook").startswith("💧 Cada gota cuenta")


TEN_MISTAKES = """\
publicaciones:
  - id: sin-fecha
    redes: [facebook]
    texto: Hola
  - id: Mal_Id
    fecha: 2026-12-02 08:00
    redes: [facebook]
    texto: Hola
  - id: red-rara
    fecha: 2026-12-03 08:00
    redes: [facebook, tiktok]
    texto: Hola
  - id: fecha-rara
    fecha: mañana temprano
    redes: [x]
    texto: Hola
  - id: en-el-pasado
    fecha: 2026-11-01 08:00
    redes: [x]
    texto: Hola
  - id: muy-largo-para-x
    fecha: 2026-12-04 08:00
    redes: [x]
    texto: "{long}"
  - id: sin-archivo
    fecha: 2026-12-05 08:00
    redes: [facebook]
    texto: Hola
    medios: [no/existe.png]
  - id: cinco-fotos
    fecha: 2026-12-06 08:00
    redes: [x]
    texto: Hola
    medios: [a.png, b.png, c.png, d.png, e.png]
  - id: campo-raro
    fecha: 2026-12-07 08:00
    redes: [x]
    txto: Hola
  - id: red-rara
    fecha: 2026-12-08 08:00
    redes: [x]
    texto: Repetido
"""


def test_a_file_with_ten_mistakes_reports_all_ten_with_their_lines(tmp_path: Path):
    for name in "abcde":
        media_file(tmp_path, f"{name}.png", PNG)
    path = write(tmp_path, "diez.yaml", TEN_MISTAKES.replace("{long}", "agua " * 60))

    result = checker(tmp_path).check_file(path)

    problems = found(result)
    assert len(result.errors) == 10, "\n".join(str(p) for p in result.problems)
    expected = [
        (2, "sin-fecha", "falta la fecha"),
        (5, "Mal_Id", "el id «Mal_Id» solo puede tener minúsculas"),
        (11, "red-rara", "red desconocida «tiktok»"),
        (14, "fecha-rara", "la fecha «mañana temprano» no se entiende"),
        (18, "en-el-pasado", "la fecha 2026-11-01 08:00 ya pasó"),
        (24, "muy-largo-para-x", "el texto para X tiene 299 caracteres y el límite es 280"),
        (29, "sin-archivo", "no existe el archivo «no/existe.png»"),
        (34, "cinco-fotos", "para X: una publicación lleva hasta 4 imágenes"),
        (38, "campo-raro", "campo desconocido «txto»; ¿quiso decir «texto»?"),
        (39, "red-rara", "el id «red-rara» ya se usó en la línea 9"),
    ]
    for line, entry_id, fragment in expected:
        assert any(
            p_line == line and p_id == entry_id and fragment in message
            for p_line, p_id, message in problems
        ), f"missing {line} {fragment}; got {problems}"
    assert all(str(p).startswith(f"{path}:") for p in result.problems)


def test_csv_from_a_colombian_spreadsheet_reads_like_the_yaml(tmp_path: Path):
    media_file(tmp_path, "a.png", PNG)
    media_file(tmp_path, "b.jpg", JPEG)
    csv_text = (
        "id;fecha;redes;texto;texto_x;medios;campaña\n"
        'ahorro-01;01/12/2026 08:00;facebook|x;"Cada gota cuenta; cuídela";Corto para X;a.png|b.jpg;ahorro\n'
        "\n"
        "corte-01;2026-12-02 07:00;facebook;Corte programado;;;cortes\n"
    )
    path = tmp_path / "diciembre.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text.encode("utf-8"))

    result = checker(tmp_path).check_file(path)

    assert result.problems == []
    first, second = result.entries
    assert first.text == "Cada gota cuenta; cuídela"
    assert first.variants == {"x": "Corto para X"}
    assert first.media == ("a.png", "b.jpg")
    assert first.networks == ("facebook", "x")
    assert first.campaign == "ahorro"
    assert second.line == 4


def test_csv_with_commas_and_a_bad_row_names_the_line(tmp_path: Path):
    path = write(
        tmp_path,
        "c.csv",
        'id,fecha,redes,texto\nbien,2026-12-01 08:00,"facebook;x",Hola\nmal,2026-13-01 08:00,facebook,Hola\n',
    )

    result = checker(tmp_path).check_file(path)

    assert [(p.line, p.entry_id) for p in result.errors] == [(3, "mal")]


def test_a_spreadsheet_saved_as_ansi_is_told_how_to_save_it(tmp_path: Path):
    path = write(
        tmp_path,
        "ansi.csv",
        "id;fecha;redes;texto\na;2026-12-01 08:00;x;Campaña de ahorro\n",
        encoding="cp1252",
    )

    result = checker(tmp_path).check_file(path)

    assert result.errors[0].line == 2
    assert "CSV UTF-8" in result.errors[0].message


def test_bad_yaml_names_the_line(tmp_path: Path):
    path = write(tmp_path, "roto.yaml", "publicaciones:\n  - id: a\n    fecha: [2026-12-01\n")

    result = checker(tmp_path).check_file(path)

    assert len(result.errors) == 1
    assert "no es YAML válido" in result.errors[0].message


def test_personal_data_in_a_text_is_a_warning_but_the_company_contacts_are_fine(tmp_path: Path):
    path = write(
        tmp_path,
        "datos.yaml",
        "publicaciones:\n"
        "  - id: con-datos\n    fecha: 2026-12-01 08:00\n    redes: [facebook]\n"
        "    texto: Señora Ana, C.C. 1.098.765.432, la llamamos al 315 555 1234 o escribimos a ana@correo.com\n"
        "  - id: contacto-empresa\n    fecha: 2026-12-01 09:00\n    redes: [facebook]\n"
        "    texto: Llámenos al 607 123 4567 o escriba a pqr@acueducto.gov.co\n",
    )

    result = checker(tmp_path, own_contacts=["607 1234567", "pqr@acueducto.gov.co"]).check_file(
        path
    )

    assert result.errors == []
    messages = [p.message for p in result.warnings]
    assert [p.entry_id for p in result.warnings] == ["con-datos"] * 3
    assert any("teléfono (315 555 1234)" in m for m in messages)
    assert any("correo electrónico (ana@correo.com)" in m for m in messages)
    assert any("cédula" in m for m in messages)


def test_a_video_too_long_for_x_is_caught_but_fine_for_facebook(tmp_path: Path):
    (tmp_path / "largo.mp4").write_bytes(mp4_lasting(200))
    path = write(
        tmp_path,
        "v.yaml",
        "publicaciones:\n  - id: v\n    fecha: 2026-12-01 08:00\n    redes: [facebook, x]\n    texto: Video\n    medios: [largo.mp4]\n",
    )

    result = checker(tmp_path).check_file(path)

    assert [p.message for p in result.errors] == [
        "para X: largo.mp4: dura 3 min 20 s y el límite es 2 min 20 s"
    ]


def test_media_paths_cannot_leave_the_media_folder(tmp_path: Path):
    path = write(
        tmp_path,
        "m.yaml",
        "publicaciones:\n  - id: m\n    fecha: 2026-12-01 08:00\n    redes: [x]\n    texto: Hola\n    medios: [../../etc/passwd]\n",
    )

    result = checker(tmp_path).check_file(path)

    assert "sin «..» ni rutas absolutas" in result.errors[0].message


def test_a_text_only_for_one_network_needs_its_variant(tmp_path: Path):
    path = write(
        tmp_path,
        "t.yaml",
        "publicaciones:\n  - id: t\n    fecha: 2026-12-01 08:00\n    redes: [facebook, x]\n    texto_x: Solo para X\n",
    )

    result = checker(tmp_path).check_file(path)

    assert [p.message for p in result.errors] == ["falta el texto (o texto_facebook para Facebook)"]


@hypothesis_settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *list("abc áéñ¿¡“”—…·日本"),
                "💧",
                "🚰",
                "👍🏽",
                "👨\u200d👩\u200d👧",
                "🇨🇴",
                "1️⃣",
                "©",
                "™",
                " https://acueducto.gov.co/x ",
                " acueducto.gov.co ",
                "\n",
                "\r\n",
                "#",
                ".",
                "co",
                "La",
                ".com",
                "www.",
                "http://",
                "(",
                ")",
                "@",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_x_length_agrees_with_twitter_text(text: str):
    assert x_weighted_length(text) == parse_tweet(text).weightedLength


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["c.yaml", "c.csv"]),
    text=st.lists(
        st.sampled_from(
            [
                *list("-:;,|\"' \n\t[]{}#&*!>?%@`abcdefxy0123456789"),
                "id",
                "fecha",
                "redes",
                "texto",
                "medios",
                "publicaciones",
                "2026-12-01 08:00",
                "facebook",
                "x",
                "\n  - id: a\n    ",
                "zona_horaria: ",
                "ï»¿",
            ]
        ),
        max_size=120,
    ).map("".join),
)
def test_any_file_gets_exit_0_or_2_and_never_a_traceback(cli, tmp_path: Path, name: str, text: str):
    (tmp_path / name).write_text(text, encoding="utf-8")

    result = cli("calendar", "check", name)

    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    assert "error inesperado" not in result.stderr


def test_a_hashtag_left_unquoted_in_yaml_is_pointed_out(tmp_path: Path):
    path = write(
        tmp_path,
        "h.yaml",
        "publicaciones:\n  - id: h\n    fecha: 2026-12-01 08:00\n    redes: [x]\n    texto: Cuide el agua #CadaGotaCuenta\n",
    )

    result = checker(tmp_path).check_file(path)

    assert [(p.line, p.warning) for p in result.problems] == [(5, True)]
    assert "ponga el texto entre comillas" in result.problems[0].message


def test_a_second_list_or_document_is_not_silently_dropped(tmp_path: Path):
    twice = write(tmp_path, "dos.yaml", "publicaciones:\n  - id: a\npublicaciones:\n  - id: b\n")
    documents = write(tmp_path, "docs.yaml", "publicaciones: []\n---\npublicaciones: []\n")

    assert any("aparece dos veces" in p.message for p in checker(tmp_path).check_file(twice).errors)
    assert "más de un documento" in checker(tmp_path).check_file(documents).errors[0].message


def test_an_unclosed_quote_in_a_csv_is_reported_where_the_row_starts(tmp_path: Path):
    path = write(
        tmp_path,
        "q.csv",
        'id;fecha;redes;texto\nuno;2026-12-01 08:00;x;"Hola vecinos\ndos;2026-12-02 08:00;x;Adiós\n',
    )

    result = checker(tmp_path).check_file(path)

    assert [p.line for p in result.errors] == [2]
    assert "no se cierra" in result.errors[0].message


def test_empty_columns_a_spreadsheet_adds_are_ignored(tmp_path: Path):
    path = write(tmp_path, "e.csv", "id;fecha;redes;texto;;\nuno;2026-12-01 08:00;x;Hola;;\n")

    result = checker(tmp_path).check_file(path)

    assert result.problems == [] and len(result.entries) == 1


def test_a_time_zone_written_in_the_date_is_respected(tmp_path: Path):
    path = write(
        tmp_path,
        "z.yaml",
        "publicaciones:\n  - id: z\n    fecha: 2026-12-02T08:00:00+09:00\n    redes: [x]\n    texto: Hola\n",
    )

    result = checker(tmp_path).check_file(path)

    assert result.entries[0].scheduled_at == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_odd_media_and_dates_never_crash(tmp_path: Path):
    (tmp_path / "cortado.mp4").write_bytes(mp4_lasting(10)[:40])
    (tmp_path / "carpeta").mkdir()
    path = write(
        tmp_path,
        "raro.yaml",
        "publicaciones:\n"
        "  - id: a\n    fecha: 2026-12-01 08:00\n    redes: [x]\n    texto: Hola\n    medios: [cortado.mp4]\n"
        "  - id: b\n    fecha: 2026-12-01 08:00\n    redes: [x]\n    texto: Hola\n    medios: [carpeta]\n"
        "  - id: c\n    fecha: 9999-12-31 23:59\n    redes: [x]\n    texto: Hola\n",
    )

    result = checker(tmp_path).check_file(path)

    messages = [p.message for p in result.problems]
    assert any("no se pudo leer cuánto dura «cortado.mp4»" in m for m in messages)
    assert any("«carpeta»: es una carpeta, no un archivo" in m for m in messages)
    assert any("fuera del calendario" in m or "revise el año" in m for m in messages)


def test_x_takes_one_gif_alone(tmp_path: Path):
    media_file(tmp_path, "a.gif", b"GIF89a" + b"\0" * 32)
    media_file(tmp_path, "b.png", PNG)
    path = write(
        tmp_path,
        "g.yaml",
        "publicaciones:\n  - id: g\n    fecha: 2026-12-01 08:00\n    redes: [facebook, x]\n    texto: Hola\n    medios: [a.gif, b.png]\n",
    )

    result = checker(tmp_path).check_file(path)

    assert [p.message for p in result.errors] == [
        "para X: un GIF va solo: una publicación lleva un GIF o hasta 4 fotos"
    ]


def test_an_id_imported_from_another_file_is_pointed_out(tmp_path: Path):
    from content_calendar.check import KnownPost

    known = {
        "ahorro-ducha": KnownPost(datetime(2026, 12, 12, 16, tzinfo=UTC), "/otro/enero.yaml", 7)
    }
    path = write(
        tmp_path,
        "o.yaml",
        "publicaciones:\n  - id: ahorro-ducha\n    fecha: 2026-12-12 11:00\n    redes: [x]\n    texto: Hola\n",
    )

    result = checker(tmp_path, known=known).check_file(path)

    assert result.errors == []
    assert (
        "ya se importó desde /otro/enero.yaml:7; este archivo lo reemplaza"
        in result.warnings[0].message
    )


@pytest.mark.parametrize(
    ("written", "expected_hour_utc"),
    [
        ("2026-12-01 8:00", 13),
        ("1/12/2026 8:00", 13),
        ("2026-12-01 8:00 a. m.", 13),
        ("01/12/2026 2:30 p.m.", 19),
        ("2026-12-01 12:00 m", 17),
    ],
)
def test_dates_as_people_write_them(tmp_path: Path, written: str, expected_hour_utc: int):
    path = write(
        tmp_path,
        "d.yaml",
        f"publicaciones:\n  - id: d\n    fecha: {written}\n    redes: [x]\n    texto: Hola\n",
    )

    result = checker(tmp_path).check_file(path)

    assert result.errors == [], result.errors
    assert result.entries[0].scheduled_at.hour == expected_hour_utc


def test_a_time_the_clock_skips_is_an_error_with_its_line_and_field(tmp_path: Path):
    # In New York the clock jumps from 02:00 to 03:00 on 14 March 2027: 02:30 never happens.
    path = write(
        tmp_path,
        "ny.yaml",
        "zona_horaria: America/New_York\npublicaciones:\n"
        "  - id: salto\n    redes: [x]\n    texto: Hola\n    fecha: 2027-03-14 02:30\n",
    )

    result = checker(tmp_path).check_file(path)

    assert [(p.line, p.entry_id, p.warning) for p in result.problems] == [(6, "salto", False)]
    assert str(result.problems[0]) == (
        f"{path}:6: salto: la hora de la fecha «2027-03-14 02:30» no existe en America/New_York: "
        "ese día el reloj se adelanta (cambio de horario); escoja una hora antes o después del "
        "cambio (campo fecha)"
    )
    assert result.entries == []


def test_a_time_that_happens_twice_goes_out_the_first_time_and_says_so(tmp_path: Path):
    # On 7 November 2027 New York goes back from 02:00 to 01:00: 01:30 happens twice.
    path = write(
        tmp_path,
        "ny.yaml",
        "zona_horaria: America/New_York\npublicaciones:\n"
        "  - id: doble\n    fecha: 2027-11-07 01:30\n    redes: [x]\n    texto: Hola\n",
    )

    result = checker(tmp_path).check_file(path)

    assert result.errors == []
    assert [(p.line, p.entry_id) for p in result.warnings] == [(4, "doble")]
    assert "ocurre dos veces en America/New_York" in result.warnings[0].message
    assert result.entries[0].scheduled_at == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # EDT


def test_bogota_has_no_clock_changes_to_warn_about(tmp_path: Path):
    path = write(
        tmp_path,
        "bog.yaml",
        "publicaciones:\n  - id: a\n    fecha: 2027-03-14 02:30\n    redes: [x]\n    texto: Hola\n"
        "  - id: b\n    fecha: 2027-11-07 01:30\n    redes: [x]\n    texto: Hola\n",
    )

    result = checker(tmp_path).check_file(path)

    assert result.problems == [] and len(result.entries) == 2


def test_the_campaign_is_written_campana_with_enye_and_without_it_still_reads(tmp_path: Path):
    path = write(
        tmp_path,
        "c.yaml",
        "publicaciones:\n"
        "  - id: con-enie\n    fecha: 2026-12-01 08:00\n    redes: [facebook]\n"
        "    texto: Cuide el agua\n    campaña: ahorro\n"
        "  - id: sin-enie\n    fecha: 2026-12-02 08:00\n    redes: [facebook]\n"
        "    texto: Cuide el agua\n    campana: ahorro\n",
    )

    result = checker(tmp_path).check_file(path)

    assert result.problems == []
    assert [entry.campaign for entry in result.entries] == ["ahorro", "ahorro"]


def test_both_spellings_of_the_campaign_in_one_post_name_the_line_and_the_key_to_keep(
    tmp_path: Path,
):
    yaml_path = write(
        tmp_path,
        "c.yaml",
        "publicaciones:\n"
        "  - id: doble\n    fecha: 2026-12-01 08:00\n    redes: [facebook]\n"
        "    texto: Cuide el agua\n    campaña: ahorro\n    campana: cortes\n",
    )
    csv_path = write(
        tmp_path,
        "c.csv",
        "id;fecha;redes;texto;campaña;Campana\ndoble;2026-12-01 08:00;facebook;Hola;ahorro;cortes\n",
    )

    from_yaml = found(checker(tmp_path).check_file(yaml_path))
    from_csv = found(checker(tmp_path).check_file(csv_path))

    assert (
        7,
        "doble",
        "«campaña» y «campana» son el mismo campo; deje solo «campaña» (ya está en la línea 6)",
    ) in from_yaml
    assert (1, None, "«campaña» y «Campana» son la misma columna; deje solo «campaña»") in from_csv


def test_a_misspelt_campaign_is_told_the_key_with_enye(tmp_path: Path):
    yaml_path = write(
        tmp_path,
        "c.yaml",
        "publicaciones:\n"
        "  - id: mal\n    fecha: 2026-12-01 08:00\n    redes: [facebook]\n"
        "    texto: Cuide el agua\n    campanha: ahorro\n",
    )
    csv_path = write(tmp_path, "c.csv", "id;fecha;redes;texto;campanya\n")

    assert any(
        "¿quiso decir «campaña»?" in message
        for _, _, message in found(checker(tmp_path).check_file(yaml_path))
    )
    assert any(
        "¿quiso decir «campaña»?" in message
        for _, _, message in found(checker(tmp_path).check_file(csv_path))
    )


def test_a_long_x_version_is_told_to_be_shortened_not_to_get_an_x_version(tmp_path: Path):
    long = "Cuidemos el agua en casa y en el barrio " * 10
    text = f"""\
publicaciones:
  - id: solo-comun
    fecha: 2026-12-02 08:00
    redes: [x]
    texto: {long}
  - id: con-version
    fecha: 2026-12-03 08:00
    redes: [facebook, x]
    texto: Hola
    texto_x: {long}
"""
    result = checker(tmp_path).check_file(write(tmp_path, "c.yaml", text))

    messages = {entry_id: message for _line, entry_id, message in found(result)}
    assert messages["solo-comun"].endswith("acórtelo o escriba una versión corta en texto_x")
    assert messages["con-version"].endswith("; acórtelo")


def test_a_calendar_of_more_posts_than_a_year_holds_is_refused_with_its_line(tmp_path: Path):
    rows = "".join(
        f"p-{n};2026-12-{n % 28 + 1:02d} 08:00;facebook;Hola {n}\r\n" for n in range(3001)
    )
    path = write(tmp_path, "todo.csv", "id;fecha;redes;texto\r\n" + rows)

    result = checker(tmp_path).check_file(path)

    assert [(p.line, p.message) for p in result.errors] == [
        (3002, "el calendario tiene 3.001 publicaciones y un archivo admite hasta 3.000; "
         "divídalo en un archivo por mes")
    ]  # fmt: skip


def test_a_cell_longer_than_pythons_csv_default_is_measured_not_taken_for_a_quote(tmp_path: Path):
    big = "palabra " * 25000  # 200 KB, over the csv module's default field limit (128 KB)
    path = write(
        tmp_path, "c.csv", f"id;fecha;redes;texto\r\nbig;2026-12-20 09:00;facebook;{big}\r\n"
    )

    result = checker(tmp_path).check_file(path)

    assert [p.message for p in result.errors] == [
        "el texto para Facebook tiene 199.999 caracteres y el límite es 63.206"
    ]


def _video_calendar(folder: Path) -> Path:
    from media_files import mp4_video

    (folder / "obra.mp4").write_bytes(mp4_video(300, 1920, 1080))
    (folder / "reel.mp4").write_bytes(mp4_video(30, 1080, 1920))
    return write(
        folder,
        "videos.yaml",
        "publicaciones:\n"
        "  - id: obra\n    fecha: 2026-12-02 08:00\n    redes: [facebook]\n"
        "    texto: Avance de la obra\n    medios: [obra.mp4]\n"
        "  - id: reel\n    fecha: 2026-12-03 08:00\n    redes: [facebook]\n"
        "    texto: Así se lava un tanque\n    medios: [reel.mp4]\n",
    )


@pytest.mark.parametrize(
    "toml, warned",
    [
        ('[channels.facebook]\nmodo = "real"\npagina_id = "1"\n', True),
        ('[channels.facebook]\nmodo = "real"\npagina_id = "1"\napp_id = "777"\n', False),
        ("", False),  # the simulator has its app
        ('[channels.facebook]\nmodo = "real"\nactivo = false\n', False),
    ],
    ids=["real-without-app-id", "real-with-app-id", "sandbox", "facebook-off"],
)
def test_a_facebook_video_that_is_no_reel_warns_when_app_id_is_missing(
    tmp_path: Path, toml: str, warned: bool
):
    from conectados.settings import load_settings
    from content_calendar.check import checker_for

    (tmp_path / "conectados.toml").write_text('carpeta_medios = "."\n' + toml, encoding="utf-8")
    settings = load_settings(environ={}, cwd=tmp_path)

    result = checker_for(settings, NOW).check_file(_video_calendar(tmp_path))

    assert result.errors == []
    assert len(result.entries) == 2  # a warning: the posts still go in
    about_app_id = [p for p in result.warnings if "app_id" in p.message]
    if warned:
        [problem] = about_app_id  # the horizontal video only; the Reel goes without it
        assert problem.entry_id == "obra"
        assert "«obra.mp4» no va como Reel" in problem.message
        assert "[channels.facebook]" in problem.message
    else:
        assert about_app_id == []
