"""The path to production: --version, the systemd unit, its secrets file, and the logs."""

from __future__ import annotations

import io
import logging
import shutil
import stat
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conectados.logs import Redactor, configure_logging, use_log_settings

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
TOKEN = "EAABsbCS1iHgBAKZCZB7secretPageToken"


def test_version_is_the_installed_one(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"conectados {version('conectados')}\n"


def _install(cli, tmp_path: Path, *extra: str):
    return cli(
        "servicio",
        "instalar",
        "--carpeta",
        str(tmp_path / "datos"),
        "--destino",
        str(tmp_path / "systemd"),
        "--entorno",
        str(tmp_path / "etc" / "conectados.env"),
        *extra,
    )


def test_install_writes_the_unit_with_real_paths_and_says_what_next(cli, tmp_path: Path):
    result = _install(cli, tmp_path)
    assert result.exit_code == 0, result.stderr
    unit = (tmp_path / "systemd" / "conectados.service").read_text(encoding="utf-8")
    lines = set(unit.splitlines())
    assert "User=conectados" in lines
    assert f"WorkingDirectory={tmp_path / 'datos'}" in lines
    assert f"ReadWritePaths={tmp_path / 'datos'}" in lines
    assert f"EnvironmentFile={tmp_path / 'etc' / 'conectados.env'}" in lines
    assert {"Restart=on-failure", "RestartSec=10", "NoNewPrivileges=yes"} <= lines
    assert "ProtectSystem=strict" in lines
    exec_start = next(line for line in lines if line.startswith("ExecStart="))
    program = exec_start.removeprefix("ExecStart=").split()[0]
    assert Path(program).is_absolute() and Path(program).exists()
    assert exec_start.endswith(" -v daemon")
    for step in (
        "useradd --system",
        "systemctl daemon-reload",
        "systemctl enable --now conectados",
        "journalctl -u conectados",
    ):
        assert step in result.stdout
    # `servicio unidad` prints the same unit and writes nothing.
    printed = cli(
        "servicio",
        "unidad",
        "--carpeta",
        str(tmp_path / "datos"),
        "--entorno",
        str(tmp_path / "etc" / "conectados.env"),
    )
    assert printed.exit_code == 0
    assert printed.stdout == unit


def test_env_file_is_created_mode_600_and_never_overwritten_or_shown(cli, tmp_path: Path):
    env_file = tmp_path / "etc" / "conectados.env"
    first = _install(cli, tmp_path)
    assert first.exit_code == 0, first.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    text = env_file.read_text(encoding="utf-8")
    for variable in (
        "CONECTADOS_FACEBOOK_TOKEN",
        "CONECTADOS_X_API_KEY",
        "CONECTADOS_WHATSAPP_TOKEN",
    ):
        assert f"#{variable}=" in text

    env_file.write_text(f"CONECTADOS_FACEBOOK_TOKEN={TOKEN}\n", encoding="utf-8")
    again = _install(cli, tmp_path)
    assert again.exit_code == 0, again.stderr
    assert env_file.read_text(encoding="utf-8") == f"CONECTADOS_FACEBOOK_TOKEN={TOKEN}\n"
    assert "ya existía; no se tocó" in again.stdout
    assert TOKEN not in again.stdout + again.stderr
    assert "actualizada" in again.stdout


def test_a_folder_with_spaces_is_refused_before_writing(cli, tmp_path: Path):
    result = cli(
        "servicio",
        "instalar",
        "--carpeta",
        "/var/lib/mi conectados",
        "--destino",
        str(tmp_path / "systemd"),
        "--entorno",
        str(tmp_path / "conectados.env"),
    )
    assert result.exit_code == 2
    assert "--carpeta" in result.stderr
    assert not (tmp_path / "systemd").exists() and not (tmp_path / "conectados.env").exists()


def test_nothing_is_written_when_the_secrets_file_cannot_be(cli, tmp_path: Path):
    (tmp_path / "un-archivo").write_text("no soy una carpeta\n", encoding="utf-8")
    result = cli(
        "servicio",
        "instalar",
        "--destino",
        str(tmp_path / "systemd"),
        "--entorno",
        str(tmp_path / "un-archivo" / "conectados.env"),
    )
    assert result.exit_code == 2
    assert "conectados.env: no se pudo escribir" in result.stderr
    assert not (tmp_path / "systemd").exists()


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    # A correct unit verifies with no output at all; systemd only warns (exit 0) about an
    # unknown key or a value it cannot parse, so any output counts as a failure.
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed here")
def test_the_unit_validates_with_systemd_analyze(cli, tmp_path: Path):
    assert _install(cli, tmp_path).exit_code == 0
    unit = tmp_path / "systemd" / "conectados.service"
    result = _verify(unit)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result

    # The same check catches a defect: a misspelt directive, a broken section.
    for good, bad in (("RestartSec=10", "RestartSecs=10"), ("[Service]", "[Servicio]")):
        broken = tmp_path / "roto" / "conectados.service"
        broken.parent.mkdir(exist_ok=True)
        broken.write_text(unit.read_text(encoding="utf-8").replace(good, bad), encoding="utf-8")
        result = _verify(broken)
        assert result.returncode != 0 or (result.stdout + result.stderr).strip(), bad


# --- logs -----------------------------------------------------------------------------------


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    redactor = Redactor()
    configure_logging(verbose=1, stream=stream, redactor=redactor)
    yield stream, redactor
    configure_logging(verbose=0)  # our handlers back to plain stderr, the file closed


def _record(created: datetime, message: str) -> logging.LogRecord:
    record = logging.LogRecord("conectados.daemon", logging.WARNING, __file__, 1, message, (), None)
    record.created = created.timestamp()
    return record


def test_log_lines_carry_the_company_time_and_offset(log_stream):
    stream, _redactor = log_stream
    moment = datetime(2026, 3, 10, 15, 0, 7, tzinfo=UTC)
    root = logging.getLogger()

    root.handle(_record(moment, "antes de leer la configuración"))
    use_log_settings(ZoneInfo("Asia/Tokyo"))
    root.handle(_record(moment, "con la zona de la empresa"))

    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("2026-03-10 10:00:07-05:00 AVISO   conectados.daemon:")
    assert lines[1].startswith("2026-03-11 00:00:07+09:00 AVISO")


def test_registros_archivo_gets_the_same_redacted_lines(cli, tmp_path: Path, log_stream):
    from conectados.logs import redactor

    token = "EAABfileLogToken1234567890zz"
    (tmp_path / "conectados.toml").write_text(
        'zona_horaria = "America/Bogota"\n[registros]\narchivo = "registros/conectados.log"\n',
        encoding="utf-8",
    )
    result = cli("status")  # reading the settings points the logs at the file
    assert result.exit_code == 0, result.stderr

    redactor.register(token)  # as Credentials does when a command reads a token
    logging.getLogger("channels.facebook").warning("GET /me?access_token=%s falló", token)
    logging.getLogger("channels.facebook").warning("otra vez con %s", token)

    written = (tmp_path / "registros" / "conectados.log").read_text(encoding="utf-8")
    assert token not in written
    assert written.count("***") == 2
    assert "-05:00 AVISO   channels.facebook:" in written


# --- installing ------------------------------------------------------------------------------


def test_a_pip_install_carries_every_module_and_data_file():
    """`pip install .` (not editable) installs what pyproject lists: every package folder and
    every data file the code reads must be listed, or the service fails on a real server."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parent.parent
    setup = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    packages = set(setup["packages"])
    package_data = setup["package-data"]
    missing = []
    for top in {package.split(".")[0] for package in packages}:
        for path in sorted((root / top).rglob("*")):
            relative = path.relative_to(root)
            if "__pycache__" in relative.parts or path.is_dir() or path.suffix == ".pyc":
                continue
            package = ".".join(relative.parent.parts)
            if path.name == "__init__.py" and package not in packages:
                missing.append(f"{package} (paquete)")
            elif path.suffix != ".py":
                owner = next(
                    (p for p in sorted(packages, key=len, reverse=True) if package.startswith(p)),
                    top,
                )
                inside = relative.relative_to(*owner.split(".")).as_posix()
                if not any(fnmatch.fnmatch(inside, glob) for glob in package_data.get(owner, [])):
                    missing.append(str(relative))
    assert not missing, missing
