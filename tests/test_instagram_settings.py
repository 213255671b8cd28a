"""[channels.instagram] as a person writes it: a wrong url_medios says what to write, and real
mode without url_medios is said before the day (status, calendar check), not at the post's hour."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from media_files import jpeg_image, mp4_video

from conectados.clock import FixedClock

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
REAL = '[channels.instagram]\nmodo = "real"\ncuenta_id = "17841400000000009"\n'
SECRETS = {
    "CONECTADOS_FACEBOOK_TOKEN": "x",
    # Its Direct messages arrive only by webhook: the receiver's secrets are needed too.
    "CONECTADOS_WEBHOOK_VERIFY_TOKEN": "v",
    "CONECTADOS_META_APP_SECRET": "s",
}


@pytest.mark.parametrize(
    "written", ["medios.example.com/x", "https:// con espacio", "ftp://medios", "https://"]
)
def test_a_wrong_url_medios_says_what_to_write(cli, tmp_path: Path, written: str):
    (tmp_path / "conectados.toml").write_text(
        f'[channels.instagram]\nurl_medios = "{written}"\n', encoding="utf-8"
    )

    result = cli("status")

    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "conectados.toml:2: channels.instagram.url_medios:" in said
    assert "https:// al comienzo y sin espacios" in said
    assert "entre comillas" not in said


def test_a_good_url_medios_is_taken(cli, tmp_path: Path):
    (tmp_path / "conectados.toml").write_text(
        REAL + 'url_medios = "https://www.acueducto.gov.co/medios"\n', encoding="utf-8"
    )

    result = cli("status", env=SECRETS)

    assert result.exit_code == 0, result.stderr
    line = " ".join(next(x for x in result.stdout.split("\n  ") if "instagram" in x).split())
    assert "credenciales presentes" in line and "url_medios" not in line


def test_status_says_real_mode_without_url_medios_sends_no_images(cli, tmp_path: Path):
    (tmp_path / "conectados.toml").write_text(REAL, encoding="utf-8")

    result = cli("status", env=SECRETS)

    said = " ".join(result.stdout.split())
    assert "OJO: sin url_medios no salen imágenes ni carruseles (los Reels sí)" in said


@pytest.mark.parametrize("toml, warned", [(REAL, True), ("", False)], ids=["real", "sandbox"])
def test_the_calendar_check_warns_about_instagram_images_without_url_medios(
    tmp_path: Path, toml: str, warned: bool
):
    from conectados.settings import load_settings
    from content_calendar.check import checker_for

    (tmp_path / "conectados.toml").write_text('carpeta_medios = "."\n' + toml, encoding="utf-8")
    (tmp_path / "foto.jpg").write_bytes(jpeg_image(1080, 1350))
    (tmp_path / "reel.mp4").write_bytes(mp4_video(30, 1080, 1920))
    calendar = tmp_path / "c.yaml"
    calendar.write_text(
        "publicaciones:\n"
        "  - id: foto\n    fecha: 2026-12-02 08:00\n    redes: [instagram]\n"
        "    texto: Cuide el agua\n    medios: [foto.jpg]\n"
        "  - id: reel\n    fecha: 2026-12-03 08:00\n    redes: [instagram]\n"
        "    texto: Así se lava un tanque\n    medios: [reel.mp4]\n",
        encoding="utf-8",
    )
    settings = load_settings(environ={}, cwd=tmp_path)

    result = checker_for(settings, NOW).check_file(calendar)

    assert result.errors == [] and len(result.entries) == 2
    about = [p for p in result.warnings if "url_medios" in p.message]
    if warned:
        [problem] = about  # the image's post only: a Reel goes up from disk
        assert problem.entry_id == "foto" and "[channels.instagram]" in problem.message
    else:
        assert about == []


def test_url_medios_is_said_once_per_file_with_how_many_posts_it_concerns(cli, tmp_path: Path):
    (tmp_path / "conectados.toml").write_text('carpeta_medios = "."\n' + REAL, encoding="utf-8")
    (tmp_path / "foto.jpg").write_bytes(jpeg_image(1080, 1350))
    calendar = ["publicaciones:"]
    for day in range(1, 5):
        calendar += [
            f"  - id: foto-{day}\n    fecha: 2026-12-0{day} 08:00\n    redes: [instagram]",
            "    texto: Cuide el agua\n    medios: [foto.jpg]",
        ]
    (tmp_path / "c.yaml").write_text("\n".join(calendar) + "\n", encoding="utf-8")

    result = cli(
        "calendar", "check", "c.yaml", env={"CONECTADOS_FACEBOOK_TOKEN": "x"}, clock=FixedClock(NOW)
    )

    about = [line for line in result.stdout.splitlines() if "url_medios" in line]
    assert len(about) == 1, result.stdout
    assert about[0].startswith("c.yaml:6: foto-1: advertencia: para Instagram:"), about
    assert "fallarán esta publicación y las otras 3 con imágenes para Instagram" in about[0]
    assert "4 publicaciones listas, 0 errores, 1 advertencia." in result.stdout


def test_status_asks_for_the_receivers_secrets_instagram_direct_messages_need(cli, tmp_path):
    (tmp_path / "conectados.toml").write_text(REAL, encoding="utf-8")

    result = cli("status", env={"CONECTADOS_FACEBOOK_TOKEN": "x"})

    said = " ".join(result.stdout.split())
    assert "FALTAN credenciales en: CONECTADOS_WEBHOOK_VERIFY_TOKEN" in said
    assert "CONECTADOS_META_APP_SECRET" in said
