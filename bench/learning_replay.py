"""The learning curve: a ten-week labelled inbox replayed week by week, as if the team had
reviewed each week; every week measured with what was learned from the weeks before it, next
to the shipped catalogue alone.

Issue 22: coverage on the following weeks rises while precision on them stays ≥ 0.97 and
complaints 1.00. Uses tests/data/semanas-villa-del-rio.jsonl (written by someone who saw no
rules) and the shipped protocols; no database, no network.

    PYTHONPATH=$PWD python bench/learning_replay.py [-v] [ARCHIVO.jsonl]

-v also lists, per week, the mistakes left with learning (wrong answers, complaints let
through, messages of no business of the company acted on).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

from responders.protocol_files import load_catalogue  # noqa: E402
from responders.replay import curve_lines, miss_lines, read_weeks, replay  # noqa: E402

INBOX = Path(__file__).resolve().parent.parent / "tests" / "data" / "semanas-villa-del-rio.jsonl"


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "-v"]
    verbose = len(arguments) < len(sys.argv) - 1
    path = Path(arguments[0]) if arguments else INBOX
    catalogue = load_catalogue()
    weeks = read_weeks(path, set(catalogue.protocols))
    started = time.perf_counter()
    curve = replay(catalogue, weeks)
    took = time.perf_counter() - started
    print(f"{path.name}: {sum(map(len, weeks.values()))} mensajes en {len(weeks)} semanas")
    print()
    for line in curve_lines(curve):
        print(line)
    if verbose:
        print()
        print("Errores con aprendizaje (semana, qué pasó):")
        for line in miss_lines(curve):
            print(line)
    print()
    print(f"(repetición en {took:.1f} s)")


if __name__ == "__main__":
    main()
