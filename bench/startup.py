"""How long the command takes to answer: start-up, `init` on a new database, `status`.

Prints the median and worst of several runs of each, as a person at the terminal feels them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    conectados = [sys.executable, "-m", "conectados"]
    figures: dict[str, list[float]] = {"--help": [], "init (base nueva)": [], "status": []}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(RUNS):
            workdir = Path(folder) / f"run{run}"
            workdir.mkdir()
            figures["--help"].append(timed([*conectados, "--help"], workdir, env))
            figures["init (base nueva)"].append(timed([*conectados, "init"], workdir, env))
            figures["status"].append(timed([*conectados, "status"], workdir, env))
    print(f"conectados: tiempo por comando, {RUNS} ejecuciones (proceso completo)")
    for name, samples in figures.items():
        print(
            f"  {name:<20} mediana {statistics.median(samples) * 1000:7.0f} ms"
            f"   peor {max(samples) * 1000:7.0f} ms"
        )


if __name__ == "__main__":
    main()
