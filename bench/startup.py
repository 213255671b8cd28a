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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
REPO = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """The command's wall time, and the processor time it used (user + system): on a machine
    busy with other work the second moves far less than the first."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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


def print_figures(tree: Path, figures: dict[str, list[tuple[float, float]]]) -> None:
    python = statistics.median(wall for wall, _ in figures["python -c pass"])
    python_cpu = statistics.median(cpu for _, cpu in figures["python -c pass"])
    print(f"conectados ({tree}): tiempo por comando, {RUNS} ejecuciones (proceso completo)")
    print(f"  {'':<20} {'mediana':>9} {'peor':>9} {'sobre python':>13} {'CPU sobre python':>17}")
    for name, samples in figures.items():
        walls = [wall for wall, _ in samples]
        median = statistics.median(walls)
        cpu = statistics.median(cpu for _, cpu in samples)
        above = "" if name == "python -c pass" else f"{(median - python) * 1000:+10.0f} ms"
        above_cpu = "" if name == "python -c pass" else f"{(cpu - python_cpu) * 1000:+10.0f} ms"
        print(
            f"  {name:<20} {median * 1000:6.0f} ms {max(walls) * 1000:6.0f} ms "
            f"{above:>13} {above_cpu:>17}"
        )


if __name__ == "__main__":
    main()
