"""Checking and importing a 10,000-entry calendar (target: under 3 s each on this machine).

Writes the calendar as YAML and as CSV in a temporary folder (texts of realistic length,
a third with a link, some with emoji, media from the repository's assets/), then times
`check` and `import` into a fresh SQLite database, and a second import of the same file.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

# This file is named like the package it measures: keep its folder off the import path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

from conectados.db import Database  # noqa: E402
from content_calendar.check import CalendarChecker  # noqa: E402
from content_calendar.importer import import_calendar  # noqa: E402
from content_calendar.source import MAX_ENTRIES  # noqa: E402

ENTRIES = MAX_ENTRIES
"""The most one calendar file may hold: the check refuses a longer one."""
REPO = Path(__file__).resolve().parent.parent
NOW = datetime.now(UTC)
"""The calendar starts two days from today: a fixed date would pass and the check would refuse it."""
MEDIA = ["ahorro/gota.png", "cortes/mantenimiento.jpg", "ahorro/lavado-tanques.mp4", ""]


def rows() -> list[dict[str, str]]:
    start = datetime.combine(NOW.date() + timedelta(days=2), time_of_day(6, 0))
    made = []
    for n in range(ENTRIES):
        when = start + timedelta(minutes=30 * n)
        link = (
            " Más información en https://acueducto.example/avisos/" + str(n) if n % 3 == 0 else ""
        )
        drop = " 💧" if n % 5 == 0 else ""
        made.append(
            {
                "id": f"aviso-{n:05d}",
                "fecha": when.strftime("%Y-%m-%d %H:%M"),
                "redes": "facebook;x",
                "texto": f"Aviso número {n}: mantenimiento preventivo en el sector {n % 40}. "
                f"Almacene agua con anticipación y use solo lo necesario.{link}{drop}",
                "medios": MEDIA[n % len(MEDIA)],
                "campaña": ("ahorro", "cortes", "pagos")[n % 3],
            }
        )
    return made


def write_yaml(path: Path, entries: list[dict[str, str]]) -> None:
    lines = ["zona_horaria: America/Bogota", "publicaciones:"]
    for entry in entries:
        lines += [
            f"  - id: {entry['id']}",
            f"    fecha: {entry['fecha']}",
            "    redes: [facebook, x]",
            f'    texto: "{entry["texto"]}"',
        ]
        if entry["medios"]:
            lines.append(f"    medios: [{entry['medios']}]")
        lines.append(f"    campaña: {entry['campaña']}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_csv(path: Path, entries: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(entries[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(entries)


def timed(action):
    start = time.perf_counter()
    value = action()
    return value, time.perf_counter() - start


def measure(path: Path, database: Database) -> None:
    checker = CalendarChecker("America/Bogota", REPO / "assets", NOW)
    result, check_seconds = timed(lambda: checker.check_file(path))
    assert not result.errors, result.errors[:3]

    def check_and_import():
        checked = CalendarChecker("America/Bogota", REPO / "assets", NOW).check_file(path)
        return import_calendar(database, checked, str(path), NOW)

    report, import_seconds = timed(check_and_import)
    again, again_seconds = timed(check_and_import)
    print(f"  {path.name}:")
    print(f"    revisar (check)                  {check_seconds:6.2f} s")
    print(
        f"    revisar e importar (import)      {import_seconds:6.2f} s   {len(report.created)} nuevas"
    )
    print(
        f"    importar otra vez (sin cambios)  {again_seconds:6.2f} s   {len(again.unchanged)} sin cambios"
    )


def through_the_command(folder: Path, path: Path) -> None:
    """The same work as a person runs it: a whole `conectados` process, start-up included."""
    (folder / "conectados.toml").write_text(
        f'carpeta_medios = "{REPO / "assets"}"\nbase_datos = "{path.suffix[1:]}-cli.db"\n',
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}

    def conectados(*args: str) -> float:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "conectados", *args],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start

    conectados("init")
    check_seconds = conectados("calendar", "check", path.name)
    import_seconds = conectados("calendar", "import", path.name)
    again_seconds = conectados("calendar", "import", path.name)
    print(f"  {path.name} con el comando conectados (incluye el arranque del proceso):")
    print(f"    conectados calendar check        {check_seconds:6.2f} s")
    print(f"    conectados calendar import       {import_seconds:6.2f} s")
    print(f"    conectados calendar import (2.ª) {again_seconds:6.2f} s")


def main() -> None:
    entries = rows()
    count = f"{ENTRIES:,}".replace(",", ".")
    print(f"Calendario de {count} publicaciones, 2 redes cada una (objetivo: menos de 3 s)")
    with tempfile.TemporaryDirectory() as folder:
        for name, writer in (("calendario.yaml", write_yaml), ("calendario.csv", write_csv)):
            path = Path(folder) / name
            writer(path, entries)
            database = Database(f"sqlite:///{Path(folder) / (name + '.db')}")
            database.upgrade()
            measure(path, database)
            database.dispose()
        for name in ("calendario.yaml", "calendario.csv"):
            through_the_command(Path(folder), Path(folder) / name)


if __name__ == "__main__":
    main()
