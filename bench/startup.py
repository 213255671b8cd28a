"""How long the command takes to answer, next to Python's own start, in the same run.

Runs each command several times as a whole process (`python -m conectados`, what the
service and the guides run; the `conectados` script starts the same way) and prints the
median and worst of each, and how much the median is above `python -c pass`'s. Targets
(issue 18): `--help` within 0.15 s of Python's start, `status` and `replies list` within 0.4 s.

`python bench/startup.py OTHER_TREE ...` times those source trees too (another checkout, say
main's), interleaved with this one in the same run, so a busy machine weighs on all alike.
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
REPO = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    trees = [REPO, *(Path(tree).resolve() for tree in sys.argv[1:])]
    base = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    envs = {
        tree: base
        | {"PYTHONPATH": os.pathsep.join(filter(None, [str(tree), base.get("PYTHONPATH")]))}
        for tree in trees
    }
    conectados = [sys.executable, "-m", "conectados"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--help": [*conectados, "--help"],
        "init (base nueva)": [*conectados, "init"],
        "status": [*conectados, "status"],
        "replies list": [*conectados, "replies", "list"],
        "pqr list": [*conectados, "pqr", "list"],
    }
    figures = {tree: {name: [] for name in commands} for tree in trees}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(RUNS):
            for number, tree in enumerate(trees):
                workdir = Path(folder) / f"run{run}-{number}"
                workdir.mkdir()
                # Interleaved, so that a busy moment of the machine falls on every command alike.
                for name, command in commands.items():
                    figures[tree][name].append(timed(command, workdir, envs[tree]))
    for tree in trees:
        print_figures(tree, figures[tree])


def print_figures(tree: Path, figures: dict[str, list[float]]) -> None:
    python = statistics.median(figures["python -c pass"])
    print(f"conectados ({tree}): tiempo por comando, {RUNS} ejecuciones (proceso completo)")
    print(f"  {'':<20} {'mediana':>9} {'peor':>9} {'sobre python':>13}")
    for name, samples in figures.items():
        median = statistics.median(samples)
        above = "" if name == "python -c pass" else f"{(median - python) * 1000:+10.0f} ms"
        print(f"  {name:<20} {median * 1000:6.0f} ms {max(samples) * 1000:6.0f} ms {above:>13}")


if __name__ == "__main__":
    main()
