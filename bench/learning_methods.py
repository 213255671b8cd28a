"""Which way of learning from the company's examples answers best: measured, not assumed.

The company's history is the tuning files of tests/data (imported as labelled examples, in
file order, one minute apart); optionally the replay file of issue 22 as more history
(`--replay PATH`). Each method is scored on the held-out files, which no method learns from:
precision of automatic answers, coverage of answerable questions, complaints sent to a
person, out-of-scope messages left alone or for review; and messages per second.

    PYTHONPATH=$PWD python bench/learning_methods.py [--replay /work/research/replay-22.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

from responders.evaluate import TARGETS, evaluate, read_labelled  # noqa: E402
from responders.examples import Example, ExampleAction, ExampleSource, example_text  # noqa: E402
from responders.matcher import LINEAR, NEAREST, NONE, Matcher  # noqa: E402
from responders.policy import Thresholds, decide  # noqa: E402
from responders.protocol_files import load_catalogue  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
HISTORY = ["mensajes-ejemplo.jsonl", "mensajes-propios.jsonl", "mensajes-mixtos-propios.jsonl"]
HELD_OUT = [
    "mensajes-control.jsonl",
    "mensajes-final.jsonl",
    "sin-ajustar-mixtos-3.jsonl",
    "mensajes-mixtos.jsonl",
    "mensajes-mixtos-ataque.jsonl",
    "mensajes-mixtos-2.jsonl",
]
START = datetime(2026, 1, 5, 8, 0)


def examples_from(rows: list[dict], start: datetime = START) -> list[Example]:
    """Labelled lines as the examples `protocols aprender` would store, one minute apart."""
    examples = []
    for number, row in enumerate(rows):
        protocols = row.get("protocols") or []
        examples.append(
            Example(
                text=example_text(row["text"]),
                protocol=protocols[0] if protocols else None,
                action=ExampleAction(row["actions"][0]),
                at=start + timedelta(minutes=number),
                source=ExampleSource.IMPORTED,
                second=protocols[1] if len(protocols) > 1 else None,
            )
        )
    return examples


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replay", type=Path, help="a labelled file to add to the history")
    args = parser.parse_args()
    catalogue = load_catalogue()
    known = set(catalogue.protocols)
    history = [row for name in HISTORY for row in rows_of(DATA / name)]
    if args.replay:
        history += rows_of(args.replay)
    examples = examples_from(history)
    held = {name: read_labelled(DATA / name, known) for name in HELD_OUT}
    everything = [message for messages in held.values() for message in messages]
    thresholds = Thresholds()
    print(f"historia: {len(examples)} ejemplos; evaluación: {len(everything)} mensajes")
    header = f"{'método':<10} {'archivo':<30} " + " ".join(f"{name[:10]:>10}" for name in TARGETS)
    print(header)
    for method in (NONE, NEAREST, LINEAR):
        began = time.perf_counter()
        matcher = Matcher(catalogue, examples if method != NONE else (), method=method)
        built = time.perf_counter() - began
        for name, messages in [*held.items(), ("TOTAL", everything)]:
            result = evaluate(messages, matcher, thresholds)
            figures = []
            for target in TARGETS:
                hits, total = result.rates[target]
                figures.append(f"{hits / total:.3f}" if total else "-")
            print(f"{method:<10} {name:<30} " + " ".join(f"{figure:>10}" for figure in figures))
        texts = [f"{message.text} {n}" for n in range(5) for message in everything]
        began = time.perf_counter()
        for text in texts:
            decide(matcher.match(text), thresholds)
        speed = len(texts) / (time.perf_counter() - began)
        print(f"{method:<10} construido en {built * 1000:.0f} ms; {speed:,.0f} mensajes/s")


if __name__ == "__main__":
    main()
