"""Planted defects in the guards: each mutant of bench/mutants.toml must turn a test red.

A mutant is one small edit of a guard (a comparison flipped, a condition of a WHERE
dropped, SKIP LOCKED removed, a check skipped). Each is applied, one at a time, to a copy
of the tree in a temporary folder (the working tree is never touched), and only the tests
mapped to its module run, with `pytest -x`. A mutant that no test notices is a promise the
suite does not keep: it gets a test, or the catalogue says why it is equivalent.

    python bench/mutants.py          # quick: checks every mutant still applies (make bench)
    python bench/mutants.py --run    # the mutation run (make mutants), a few minutes
    python bench/mutants.py --run --only publications --jobs 2
    python bench/mutants.py --run --equivalents   # also re-check the listed equivalents

Exit status: 0 when every mutant not listed as equivalent was killed, 1 otherwise, 2 when
the catalogue no longer matches the code or the unmutated tests fail.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path(__file__).with_suffix(".toml")
TIMEOUT_SECONDS = 300
"""A mutant that makes the tests hang (a lease never given back) counts as killed."""
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_RUNNING: set[subprocess.Popen] = set()
"""The pytest runs under way: stopped with this script (each runs in its own session)."""


@dataclass(frozen=True)
class Mutant:
    id: str
    group: str
    file: str
    description: str
    edits: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]
    equivalent: str = ""


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | equivalent | equivalent-killed
    seconds: float
    detail: str = ""


def load(path: Path = CATALOGUE) -> list[Mutant]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    groups = data["groups"]
    mutants = []
    seen = set()
    for entry in data["mutant"]:
        group = groups[entry["group"]]
        edits = entry.get("edits") or [{"original": entry["original"], "mutated": entry["mutated"]}]
        mutant = Mutant(
            id=entry["id"],
            group=entry["group"],
            file=entry.get("file", group["file"]),
            description=entry["description"],
            edits=tuple((edit["original"], edit["mutated"]) for edit in edits),
            tests=tuple(entry.get("tests", group["tests"])),
            equivalent=entry.get("equivalent", ""),
        )
        if mutant.id in seen:
            raise SystemExit(f"{path.name}: el mutante {mutant.id} está dos veces")
        seen.add(mutant.id)
        mutants.append(mutant)
    return mutants


def mutated_source(source: str, mutant: Mutant) -> str:
    """The module's text with the mutant's edits; each original must appear exactly once."""
    for original, mutated in mutant.edits:
        count = source.count(original)
        if count != 1:
            raise ValueError(
                f"{mutant.id}: el texto original aparece {count} veces en {mutant.file} "
                "(debe aparecer una): actualice bench/mutants.toml"
            )
        source = source.replace(original, mutated)
    return source


def check(mutants: list[Mutant]) -> list[str]:
    problems = []
    for mutant in mutants:
        try:
            mutated_source((ROOT / mutant.file).read_text(encoding="utf-8"), mutant)
        except (ValueError, FileNotFoundError) as error:
            problems.append(str(error))
        for test in mutant.tests:
            if not (ROOT / test.split("::")[0]).exists():
                problems.append(f"{mutant.id}: no existe la prueba {test}")
    return problems


def copy_tree(target: Path) -> None:
    """The tracked and untracked (not ignored) files of the working tree, without caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        relative = raw.decode()
        source = ROOT / relative
        if not source.is_file():
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def pytest(copy: Path, tests: tuple[str, ...]) -> tuple[bool, str]:
    """Run `tests` in `copy`; (passed, the first failure or why it stopped)."""
    shutil.rmtree(copy / ".hypothesis", ignore_errors=True)  # no replay of another's failure
    environ = dict(os.environ)
    environ["PYTHONPATH"] = str(copy)
    environ["PYTHONDONTWRITEBYTECODE"] = "1"  # a restored file must not meet a stale .pyc
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["--hypothesis-seed=0", *tests]
    process = subprocess.Popen(
        command,
        cwd=copy,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    _RUNNING.add(process)
    try:
        output, _ = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return False, f"se colgó más de {TIMEOUT_SECONDS} s"
    finally:
        _RUNNING.discard(process)
    if process.returncode == 0:
        return True, ""
    failed = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.MULTILINE)
    if failed:
        return False, failed.group(1)
    return False, (output.strip().splitlines() or ["pytest falló"])[-1][:200]


def postgres_for_tests() -> None:
    """The PostgreSQL tests need a server (the SKIP LOCKED mutants die only there): the one
    in CONECTADOS_TEST_POSTGRES_URL, else a local one if it answers."""
    if os.environ.get("CONECTADOS_TEST_POSTGRES_URL"):
        return
    # In a child: bench/ is first on this script's path, and its calendar.py hides the
    # standard library's from SQLAlchemy.
    probe = (
        "import sqlalchemy as sa; "
        f"sa.create_engine({POSTGRES_DEFAULT!r}, connect_args={{'connect_timeout': 3}}).connect()"
    )
    answered = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, timeout=60
    ).returncode
    if answered != 0:
        print(
            "no PostgreSQL server (set CONECTADOS_TEST_POSTGRES_URL): the mutants that only "
            "PostgreSQL can tell apart (SKIP LOCKED) will survive",
            flush=True,
        )
        return
    os.environ["CONECTADOS_TEST_POSTGRES_URL"] = POSTGRES_DEFAULT


def run_mutant(copy: Path, mutant: Mutant) -> Outcome:
    path = copy / mutant.file
    original = path.read_text(encoding="utf-8")
    started = time.monotonic()
    try:
        path.write_text(mutated_source(original, mutant), encoding="utf-8")
        passed, detail = pytest(copy, mutant.tests)
    finally:
        path.write_text(original, encoding="utf-8")
    if mutant.equivalent:
        status = "equivalent" if passed else "equivalent-killed"
    else:
        status = "survived" if passed else "killed"
    return Outcome(mutant, status, time.monotonic() - started, detail)


def summary(outcomes: list[Outcome], seconds: float) -> str:
    groups: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        counts = groups.setdefault(
            outcome.mutant.group, {"mutants": 0, "killed": 0, "survived": 0, "equivalent": 0}
        )
        counts["mutants"] += 1
        status = outcome.status
        if status == "equivalent-killed":
            status = "killed"
        counts[status] += 1
    lines = [f"{'guard module':<16}{'mutants':>8}{'killed':>8}{'survived':>9}{'equivalent':>11}"]
    total = {"mutants": 0, "killed": 0, "survived": 0, "equivalent": 0}
    for group, counts in sorted(groups.items()):
        lines.append(
            f"{group:<16}{counts['mutants']:>8}{counts['killed']:>8}"
            f"{counts['survived']:>9}{counts['equivalent']:>11}"
        )
        for key in total:
            total[key] += counts[key]
    lines.append(
        f"{'total':<16}{total['mutants']:>8}{total['killed']:>8}"
        f"{total['survived']:>9}{total['equivalent']:>11}"
    )
    lines.append(f"run time: {seconds:.0f} s")
    return "\n".join(lines)


def _stop(signum, frame) -> None:
    """Interrupted (Ctrl-C, SIGTERM): stop the pytest runs too, then the copies go away."""
    for process in list(_RUNNING):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run the mutants (slow)")
    parser.add_argument(
        "--only",
        default="",
        help="only these groups, or mutants whose id has this (comma-separated)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="copies of the tree run at once")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    parser.add_argument(
        "--equivalents",
        action="store_true",
        help="also run the mutants listed as equivalent (a killed one means the list is stale)",
    )
    options = parser.parse_args(argv)

    wanted = [part for part in options.only.split(",") if part] or [""]
    mutants = [m for m in load() if any(w == m.group or w in m.id for w in wanted)]
    problems = check(mutants)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    groups = sorted({m.group for m in mutants})
    print(f"{len(mutants)} mutants over {len(groups)} guard modules apply cleanly")
    if not options.run:
        return 0

    postgres_for_tests()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    started = time.monotonic()
    jobs = max(1, options.jobs)
    with tempfile.TemporaryDirectory(prefix="conectados-mutants-") as folder:
        copies = [Path(folder) / f"copy{index}" for index in range(jobs)]
        for copy in copies:
            copy_tree(copy)
        free: list[Path] = list(copies)

        if not options.no_baseline:
            tests = sorted({test for m in mutants for test in m.tests})
            print(f"baseline: {len(tests)} test files, unmutated ...", flush=True)
            # no empty share: pytest given no file runs the whole suite (and times out)
            shares = [share for index in range(jobs) if (share := tuple(tests[index::jobs]))]
            with ThreadPoolExecutor(jobs) as pool:
                results = list(pool.map(pytest, copies, shares))
            broken = [detail for passed, detail in results if not passed]
            if broken:
                print(f"the unmutated tests fail: {'; '.join(broken)}", file=sys.stderr)
                return 2
            print(f"baseline green in {time.monotonic() - started:.0f} s", flush=True)

        outcomes: list[Outcome] = []

        def one(mutant: Mutant) -> Outcome:
            if mutant.equivalent and not options.equivalents:
                outcome = Outcome(mutant, "equivalent", 0.0)
            else:
                copy = free.pop()
                try:
                    outcome = run_mutant(copy, mutant)
                finally:
                    free.append(copy)
            outcomes.append(outcome)
            shown = outcome.detail if outcome.status != "equivalent" else outcome.mutant.equivalent
            print(
                f"[{len(outcomes):>3}/{len(mutants)}] {outcome.status:<17} "
                f"{mutant.group}/{mutant.id} ({outcome.seconds:.1f} s) {shown[:110]}",
                flush=True,
            )
            return outcome

        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(one, mutants))

    seconds = time.monotonic() - started
    print()
    print(summary(outcomes, seconds))
    if not options.equivalents:
        listed = sum(1 for o in outcomes if o.status == "equivalent")
        print(
            f"{listed} equivalents as listed in {CATALOGUE.name}, not run (--equivalents runs them)"
        )
    survivors = [o for o in outcomes if o.status == "survived"]
    stale = [o for o in outcomes if o.status == "equivalent-killed"]
    for outcome in stale:
        print(
            f"listed as equivalent but killed ({outcome.detail}): {outcome.mutant.id}; "
            "remove its `equivalent` line"
        )
    for outcome in survivors:
        print(f"SURVIVED {outcome.mutant.id} ({outcome.mutant.file}): {outcome.mutant.description}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
