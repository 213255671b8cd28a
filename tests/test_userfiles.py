"""Files people name: regular files only, judged by size before reading, media kept in its folder."""

from __future__ import annotations

import errno
import io
import os
import random
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image
from sandbox_channels import channels_for

from channels.base import Rejected
from channels.media import outgoing_media
from conectados.clock import FixedClock
from conectados.credentials import Credentials
from conectados.errors import ConfigError
from conectados.userfiles import (
    MB,
    UserFileError,
    check_user_file,
    os_error_reason,
    path_inside,
    read_user_bytes,
    read_user_text,
)
from content_calendar.models import Post, Publication, PublicationState
from responders.protocol_files import load_catalogue
from scheduler.publisher import Publisher, PublishPolicy

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ENGLISH = ("Errno", "Permission denied", "directory", "No such file", "Is a ", "not a ")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def real_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def calendar_using(media: str) -> str:
    return (
        "publicaciones:\n"
        "  - id: aviso\n"
        "    fecha: 2026-12-01 08:00\n"
        "    redes: [facebook]\n"
        "    texto: Hola\n"
        f"    medios: [{media}]\n"
    )


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A company folder whose media folder is `medios/`, next to a folder it must not reach."""
    (tmp_path / "conectados.toml").write_text('carpeta_medios = "medios"\n', encoding="utf-8")
    (tmp_path / "medios").mkdir()
    (tmp_path / "privado").mkdir()
    (tmp_path / "privado" / "secreto.png").write_bytes(real_png())
    return tmp_path


def not_a_file(kind: str, folder: Path) -> str:
    """A path that is no regular file: a device, a FIFO nobody writes to, or a folder."""
    if kind == "device":
        return "/dev/zero"
    if kind == "fifo":
        os.mkfifo(folder / "tuberia.yaml")
        return "tuberia.yaml"
    (folder / "carpeta.yaml").mkdir()
    return "carpeta.yaml"


REASONS = {
    "device": "es un dispositivo, no un archivo común",
    "fifo": "es una tubería (FIFO), no un archivo común",
    "folder": "es una carpeta, no un archivo",
}
KINDS = [
    pytest.param("device", marks=pytest.mark.skipif(not Path("/dev/zero").exists(), reason="")),
    pytest.param("fifo", marks=needs_fifo),
    "folder",
]


# --- the reader ------------------------------------------------------------------------


def test_a_one_gigabyte_file_is_refused_from_its_size_before_any_read(tmp_path: Path):
    big = tmp_path / "enorme.yaml"
    big.touch()
    os.truncate(big, 1024 * MB)  # sparse: takes no disk

    with pytest.raises(UserFileError) as refused:
        read_user_bytes(big, 20 * MB, "un calendario")

    # The reader reads at most limit + 1 bytes: only the file's metadata can say 1 GB.
    assert refused.value.problem == (
        "pesa 1 GB y un calendario no puede pasar de 20 MB; revise que sea el archivo correcto"
    )
    assert refused.value.exit_status == 2


def test_calendar_check_refuses_a_one_gigabyte_calendar_from_its_size(cli, tmp_path: Path):
    (tmp_path / "enorme.csv").touch()
    os.truncate(tmp_path / "enorme.csv", 1024 * MB)

    result = cli("calendar", "check", "enorme.csv")

    assert result.exit_code == 2
    assert "enorme.csv:1: pesa 1 GB y un calendario no puede pasar de 8 MB" in result.stdout


def test_a_file_that_holds_more_than_its_size_says_is_still_capped():
    status = Path("/proc/self/status")  # reports size 0, holds more than a kilobyte
    if not status.exists():
        pytest.skip("no /proc on this system")

    with pytest.raises(UserFileError) as refused:
        read_user_bytes(status, 100, "un calendario")

    assert "creció mientras se leía" in refused.value.problem


@pytest.mark.parametrize("kind", KINDS)
def test_anything_but_a_regular_file_is_refused_without_reading_it(tmp_path: Path, kind: str):
    path = Path(not_a_file(kind, tmp_path))
    path = path if path.is_absolute() else tmp_path / path

    with pytest.raises(UserFileError) as refused:
        read_user_text(path, MB, "un calendario")

    assert refused.value.problem == f"{REASONS[kind]}; indique la ruta de un calendario"


def test_a_file_not_in_utf8_names_its_line(tmp_path: Path):
    path = tmp_path / "respuesta.txt"
    path.write_bytes("Señor usuario:\nle informamos\nque la revisión".encode("latin-1"))

    with pytest.raises(UserFileError) as refused:
        read_user_text(path, MB, "un archivo con la respuesta")

    assert str(refused.value) == (
        f"{path}:1: el archivo no está en UTF-8; guárdelo con codificación UTF-8"
    )


@pytest.mark.parametrize(
    ("code", "spanish"),
    [
        (errno.ENOENT, "no existe; revise el nombre y la carpeta"),
        (errno.EACCES, "no hay permiso para usarlo; revise los permisos del archivo"),
        (errno.EISDIR, "es una carpeta, no un archivo"),
        (errno.ENOTDIR, "una parte de la ruta no es una carpeta; revise la ruta"),
        (errno.EIO, "el disco falló al leerlo o escribirlo (error de entrada y salida)"),
        (errno.EXDEV, "el sistema no lo permitió (código EXDEV)"),
    ],
)
def test_system_errors_are_said_in_spanish(code: int, spanish: str):
    reason = os_error_reason(OSError(code, os.strerror(code), "x"))

    assert reason.startswith(spanish)
    assert not any(word in reason for word in ENGLISH)


def test_a_missing_file_keeps_its_error_code(tmp_path: Path):
    with pytest.raises(UserFileError) as refused:
        check_user_file(tmp_path / "no-esta.yaml", MB, "un calendario")

    assert refused.value.errno == errno.ENOENT
    assert refused.value.problem == "no existe; revise el nombre y la carpeta"


def test_a_path_with_a_nul_is_refused_in_spanish(tmp_path: Path):
    with pytest.raises(UserFileError) as refused:
        read_user_text(tmp_path / "a\0b.yaml", MB, "un calendario")

    assert "carácter no válido (nulo)" in refused.value.problem
    assert "\0" not in str(refused.value)


# --- through the commands people type ------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "command",
    [
        ("calendar", "check", "{}"),
        ("calendar", "preview", "{}", "--mes", "2026-12"),
        ("pqr", "answer", "2026-000001", "--archivo", "{}"),
    ],
    ids=["calendar-check", "calendar-preview", "pqr-answer"],
)
def test_commands_refuse_devices_fifos_and_folders_with_exit_2(
    cli, tmp_path: Path, kind: str, command: tuple[str, ...]
):
    name = not_a_file(kind, tmp_path)

    result = cli(*(part.format(name) for part in command), clock=FixedClock(NOW))

    said = (result.stdout + result.stderr).replace(str(tmp_path), "CARPETA")
    assert result.exit_code == 2, said
    assert REASONS[kind] in said
    assert not any(word in said for word in ENGLISH)
    assert not (tmp_path / "calendario-2026-12.html").exists()


def test_an_answer_file_with_a_nul_byte_is_not_text_and_is_refused(cli, tmp_path: Path):
    (tmp_path / "respuesta.txt").write_bytes(b"Se\xc3\xb1or usuario:\nhola\x00mundo\n")

    result = cli("pqr", "answer", "2026-000001", "--archivo", "respuesta.txt")

    assert result.exit_code == 2
    assert "respuesta.txt:2: tiene un carácter nulo (byte 0)" in result.stderr


def test_an_oversized_answer_file_is_refused_from_its_size(cli, tmp_path: Path):
    (tmp_path / "respuesta.txt").touch()
    os.truncate(tmp_path / "respuesta.txt", 3 * MB)

    result = cli("pqr", "answer", "2026-000001", "--archivo", "respuesta.txt")

    assert result.exit_code == 2
    assert "pesa 3 MB y un archivo con la respuesta no puede pasar de 64 KB" in result.stderr


@needs_fifo
def test_a_fifo_among_the_protocols_is_refused_not_waited_for(cli, tmp_path: Path):
    (tmp_path / "protocolos").mkdir()
    os.mkfifo(tmp_path / "protocolos" / "cola.yaml")
    (tmp_path / "conectados.toml").write_text(
        '[respuestas]\ncarpeta_protocolos = "protocolos"\n', encoding="utf-8"
    )

    result = cli("protocols", "list")

    assert result.exit_code == 2
    assert "cola.yaml: es una tubería (FIFO), no un archivo común" in result.stderr


def test_a_deeply_nested_protocol_is_a_spanish_error(tmp_path: Path):
    (tmp_path / "hondo.yaml").write_text("id: " + "[" * 5000 + "]" * 5000, encoding="utf-8")

    with pytest.raises(Exception) as refused:
        load_catalogue(tmp_path)

    assert "demasiadas listas o campos unos dentro de otros" in str(refused.value)
    assert getattr(refused.value, "exit_status", None) == 2


# --- media stays in its folder ---------------------------------------------------------


def test_a_link_out_of_the_media_folder_is_refused_by_check_and_import(cli, company: Path):
    (company / "medios" / "foto.png").symlink_to(company / "privado" / "secreto.png")
    (company / "plan.yaml").write_text(calendar_using("foto.png"), encoding="utf-8")

    checked = cli("calendar", "check", "plan.yaml", clock=FixedClock(NOW))
    cli("init")
    imported = cli("calendar", "import", "plan.yaml", clock=FixedClock(NOW))

    assert checked.exit_code == 2
    assert "«foto.png»: queda fuera de la carpeta de medios" in checked.stdout
    assert imported.exit_code == 2
    assert "No se importó nada" in imported.stdout


def test_preview_never_embeds_a_file_from_outside_the_media_folder(cli, company: Path):
    (company / "medios" / "foto.png").symlink_to(company / "privado" / "secreto.png")
    (company / "plan.yaml").write_text(calendar_using("foto.png"), encoding="utf-8")

    cli("calendar", "preview", "plan.yaml", "-o", "plan.html", clock=FixedClock(NOW))

    page = (company / "plan.html").read_text(encoding="utf-8")
    assert "data:image" not in page
    assert "queda fuera de la carpeta de medios" in page


def test_a_link_that_stays_inside_the_media_folder_is_fine(cli, company: Path):
    (company / "medios" / "fotos").mkdir()
    (company / "medios" / "fotos" / "gota.png").write_bytes(real_png())
    (company / "medios" / "gota.png").symlink_to(company / "medios" / "fotos" / "gota.png")
    (company / "plan.yaml").write_text(calendar_using("gota.png"), encoding="utf-8")

    checked = cli("calendar", "check", "plan.yaml", clock=FixedClock(NOW))
    cli("calendar", "preview", "plan.yaml", "-o", "plan.html", clock=FixedClock(NOW))

    assert checked.exit_code == 0, checked.stdout
    assert "data:image/jpeg;base64," in (company / "plan.html").read_text(encoding="utf-8")


@needs_fifo
def test_a_fifo_in_the_media_folder_is_refused_not_waited_for(cli, company: Path):
    os.mkfifo(company / "medios" / "foto.png")
    (company / "plan.yaml").write_text(calendar_using("foto.png"), encoding="utf-8")

    checked = cli("calendar", "check", "plan.yaml", clock=FixedClock(NOW))
    cli("calendar", "preview", "plan.yaml", "-o", "plan.html", clock=FixedClock(NOW))

    assert checked.exit_code == 2
    assert "«foto.png»: es una tubería (FIFO), no un archivo común" in checked.stdout
    assert "es una tubería (FIFO)" in (company / "plan.html").read_text(encoding="utf-8")


def test_nothing_outside_the_media_folder_is_uploaded_at_publish_time(
    company: Path, database, sandbox
):
    # The calendar was clean when imported; the file became a link out of the folder since.
    (company / "medios" / "foto.png").symlink_to(company / "privado" / "secreto.png")
    due = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    with database.session() as session:
        session.add(Post(id="aviso", text="Hola", media=["foto.png"], scheduled_at=due))
        session.add(Publication(post_id="aviso", network="facebook", next_attempt_at=due))
    job = Publisher(
        database,
        channels_for(sandbox),
        FixedClock(due),
        company / "medios",
        "daemon-1",
        ZoneInfo("America/Bogota"),
        PublishPolicy(),
        random.Random(7),
        workers=1,
        channel_factory=lambda: channels_for(sandbox),
    )

    outcome = job.run_once()

    with database.session() as session:
        publication = session.exec(sa.select(Publication)).scalars().one()
    assert len(outcome.failed) == 1
    assert publication.state == PublicationState.FAILED
    assert "«foto.png» queda fuera de la carpeta de medios" in publication.last_error
    facebook = sandbox.control("GET", "state")["facebook"]
    assert facebook["posts"] == [] and facebook["calls"] == {}  # nothing was even uploaded


def test_outgoing_media_refuses_a_link_out_of_the_folder(company: Path):
    (company / "medios" / "foto.png").symlink_to(company / "privado" / "secreto.png")

    with pytest.raises(Rejected) as refused:
        outgoing_media(company / "medios", ["foto.png"])

    assert "«foto.png» queda fuera de la carpeta de medios" in refused.value.reason


def test_a_media_path_is_resolved_inside_its_folder(company: Path):
    (company / "medios" / "gota.png").write_bytes(real_png())

    inside = path_inside(company / "medios", "sub/../gota.png", "la carpeta de medios")

    assert inside == (company / "medios" / "gota.png").resolve()
    with pytest.raises(UserFileError):
        path_inside(company / "medios", "../privado/secreto.png", "la carpeta de medios")


@pytest.mark.parametrize("kind", KINDS)
def test_protocols_evaluate_refuses_what_is_no_file(cli, tmp_path: Path, kind: str):
    name = not_a_file(kind, tmp_path)

    result = cli("protocols", "evaluate", name)

    assert result.exit_code == 2
    assert REASONS[kind] in result.stderr


def test_a_credential_file_that_is_a_device_is_refused_by_its_variable():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")

    with pytest.raises(ConfigError) as refused:
        Credentials({"CONECTADOS_X_API_KEY_FILE": "/dev/zero"}).get("CONECTADOS_X_API_KEY")

    assert refused.value.location == "variable de entorno CONECTADOS_X_API_KEY_FILE"
    assert "es un dispositivo, no un archivo común" in refused.value.problem
