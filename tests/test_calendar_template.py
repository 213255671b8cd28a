"""`conectados calendar plantilla`: a starter calendar of a month ahead that passes the check."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conectados.app import App
from conectados.clock import FixedClock
from content_calendar.template import CAMPAIGN_KEY, CSV_SEPARATOR, STARTER_POSTS
from office.cli import run

# Late on the last day of a month, in Bogotá: «next month» must not be this one.
NOW = datetime(2027, 2, 1, 4, 0, tzinfo=UTC)  # 2027-01-31 23:00 in Bogotá


@pytest.fixture
def office(tmp_path: Path, capsys):
    def conectados(*args: str, now: datetime = NOW):
        capsys.readouterr()
        code = run(list(args), app=App(environ={}, cwd=tmp_path, clock=FixedClock(now)))
        out = capsys.readouterr()
        return code, out.out + out.err

    conectados.folder = tmp_path
    assert conectados("init")[0] == 0
    return conectados


@pytest.mark.parametrize("formato", ["yaml", "csv"])
def test_the_template_of_next_month_passes_the_check_and_imports(office, formato):
    code, out = office("calendar", "plantilla", "--formato", formato)
    assert code == 0, out
    path = office.folder / f"calendario-2027-02.{formato}"
    assert path.name in out and "febrero de 2027" in out

    code, out = office("calendar", "check", path.name)
    assert code == 0, out
    assert f"{len(STARTER_POSTS)} publicaciones listas, 0 errores, 0 advertencias" in out

    code, out = office("calendar", "import", path.name)
    assert code == 0, out
    code, out = office("calendar", "show", "ahorro-agua-2027-02")
    assert "2027-02-05 09:00" in out and "Campaña: ahorro" in out


def test_the_campaign_is_written_with_its_spanish_key(office):
    office("calendar", "plantilla", "-o", "plan.yaml")
    office("calendar", "plantilla", "-o", "plan.csv")

    assert f"    {CAMPAIGN_KEY}: ahorro" in (office.folder / "plan.yaml").read_text("utf-8")
    header = (office.folder / "plan.csv").read_text("utf-8-sig").splitlines()[0]
    assert header.split(CSV_SEPARATOR)[-1] == "campaña"
    assert "campana" not in (office.folder / "plan.yaml").read_text("utf-8")


def test_the_csv_opens_right_in_a_spreadsheet(office):
    office("calendar", "plantilla", "--formato", "csv", "--mes", "2027-03")
    data = (office.folder / "calendario-2027-03.csv").read_bytes()

    # The BOM tells Excel it is UTF-8 (accents and emoji); Excel with Colombian settings
    # splits cells on «;» and every row ends in CRLF.
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert b"\r\n" in data and data.count(b"\r\n") == len(rows)
    assert all(len(row) == len(rows[0]) for row in rows)
    assert rows[1][0] == "canales-de-atencion-2027-03" and rows[1][1] == "2027-03-02 08:00"
    assert "💧" in rows[2][3] and "¿" in rows[1][3]


def test_a_sheet_saved_back_from_excel_as_csv_utf8_still_imports(office):
    """What Excel (es-CO) writes after the team edits the sheet: BOM, «;», CRLF, its own date
    format, quoted cells with line breaks or «;», empty trailing rows."""
    office("calendar", "plantilla", "--formato", "csv", "-o", "plan.csv")
    text = (office.folder / "plan.csv").read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    for row in rows[1:]:
        moment = datetime.strptime(row[1], "%Y-%m-%d %H:%M")
        row[1] = f"{moment.day}/{moment:%m/%Y} {moment.hour}:{moment:%M}"  # 2/02/2027 8:00
    rows[1][3] = "Primera línea; con punto y coma.\nSegunda línea de la publicación."
    rows[2][1] = "5/02/2027 9:00 a. m."
    rows.append([""] * len(rows[0]))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    (office.folder / "de-excel.csv").write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))

    code, out = office("calendar", "import", "de-excel.csv")
    assert code == 0, out
    code, out = office("calendar", "show", "canales-de-atencion-2027-02")
    assert "2027-02-02 08:00" in out and "Segunda línea de la publicación." in out
    code, out = office("calendar", "show", "ahorro-agua-2027-02")
    assert "2027-02-05 09:00" in out


def test_a_sheet_saved_by_libreoffice_with_commas_and_no_bom_still_imports(office):
    office("calendar", "plantilla", "--formato", "csv", "-o", "plan.csv")
    text = (office.folder / "plan.csv").read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    out = io.StringIO()
    csv.writer(out, delimiter=",", lineterminator="\n").writerows(rows)
    (office.folder / "de-libreoffice.csv").write_text(out.getvalue(), encoding="utf-8")

    code, out = office("calendar", "check", "de-libreoffice.csv")
    assert code == 0, out
    assert "0 errores, 0 advertencias" in out


def test_this_months_template_keeps_only_the_days_ahead(office):
    code, out = office(
        "calendar", "plantilla", "--mes", "2027-01", now=datetime(2027, 1, 12, 15, tzinfo=UTC)
    )
    assert code == 0, out
    text = (office.folder / "calendario-2027-01.yaml").read_text("utf-8")
    assert "2027-01-10" not in text and "2027-01-12" not in text and "2027-01-15 08:00" in text

    code, out = office(
        "calendar", "check", "calendario-2027-01.yaml", now=datetime(2027, 1, 12, 15, tzinfo=UTC)
    )
    assert code == 0, out


def test_a_month_that_passed_or_an_existing_file_is_refused_with_nothing_written(office):
    code, out = office("calendar", "plantilla", "--mes", "2026-12")
    assert code == 2 and "diciembre de 2026 ya pasó" in out
    code, out = office("calendar", "plantilla", "--mes", "2027-01")
    assert code == 2 and "no le quedan días" in out and "--mes 2027-02" in out
    assert list(office.folder.glob("calendario-*")) == []

    (office.folder / "plan.yaml").write_text("mi calendario\n", encoding="utf-8")
    code, out = office("calendar", "plantilla", "-o", "plan.yaml")
    assert code == 2 and "ya existe" in out
    assert (office.folder / "plan.yaml").read_text("utf-8") == "mi calendario\n"


def test_a_file_name_whose_extension_the_check_would_not_read_is_refused(office):
    code, out = office("calendar", "plantilla", "--formato", "yaml", "-o", "plan.csv")
    assert code == 2 and "-o plan.yaml" in out
    code, out = office("calendar", "plantilla", "-o", "plan.txt")
    assert code == 2 and "extensión .yaml" in out
    assert not (office.folder / "plan.csv").exists() and not (office.folder / "plan.txt").exists()


def test_the_template_has_an_instagram_post_with_its_picture_and_says_what_instagram_needs(
    office,
):
    code, out = office("calendar", "plantilla", "-o", "plan.yaml")
    assert code == 0, out
    text = (office.folder / "plan.yaml").read_text("utf-8")
    assert "    redes: [facebook, instagram]\n" in text
    assert "    medios: [ejemplos/cuidemos-el-agua.jpg]" in text
    assert "Instagram no publica solo texto: cada publicación lleva una imagen o un video." in text
    assert "solo JPEG (.jpg; una PNG hay que convertirla), hasta 8 MB" in text
    picture = office.folder / "assets" / "ejemplos" / "cuidemos-el-agua.jpg"
    assert f"Imagen de ejemplo para la publicación de Instagram: {picture}" in out
    from channels.media import MediaFile

    media = MediaFile.inspect(picture)
    assert (media.mime_type, media.width, media.height) == ("image/jpeg", 1080, 1350)

    # The team's own picture under that name is never replaced.
    picture.write_bytes(picture.read_bytes() + b"\0")
    kept = picture.read_bytes()
    code, out = office("calendar", "plantilla", "--formato", "csv", "-o", "plan.csv")
    assert code == 0 and "Imagen de ejemplo" not in out
    assert picture.read_bytes() == kept
    rows = list(
        csv.DictReader(
            io.StringIO((office.folder / "plan.csv").read_text("utf-8-sig")), delimiter=";"
        )
    )
    [instagram] = [row for row in rows if "instagram" in row["redes"]]
    assert instagram["medios"] == "ejemplos/cuidemos-el-agua.jpg"


def test_the_demos_media_folder_has_the_example_picture_so_the_template_writes_nothing_there():
    from channels.media import MediaFile
    from content_calendar.template import EXAMPLE_IMAGE, EXAMPLE_SIZE

    shipped = MediaFile.inspect(Path(__file__).resolve().parent.parent / "assets" / EXAMPLE_IMAGE)
    assert (shipped.mime_type, (shipped.width, shipped.height)) == ("image/jpeg", EXAMPLE_SIZE)
