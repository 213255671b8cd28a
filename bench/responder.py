"""How fast the responder decides: messages matched and rendered per second on one core.

Target (issue 6): at least 2,000 messages per second; also the p99 time per message.
Uses the labelled messages in tests/data/ and the shipped protocols, with the sample
company settings; no database, no network. Issue 22: the same run again with 5,000 learned
examples (the tuning files' messages with greetings, endings and halves of others of the
same protocol; never a held-out file), next to the run without them, the two taking turns
round by round so that a change in the machine's speed touches both alike.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

from conectados.settings import Company, Settings  # noqa: E402
from responders.examples import Example, ExampleAction, ExampleSource, example_text  # noqa: E402
from responders.matcher import Matcher  # noqa: E402
from responders.policy import Action, Thresholds, decide  # noqa: E402
from responders.protocol_files import load_catalogue  # noqa: E402
from responders.template_values import company_values, template_context  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
ROUNDS = 30


TUNING = ["mensajes-ejemplo.jsonl", "mensajes-propios.jsonl", "mensajes-mixtos-propios.jsonl"]
LEARNED = 5_000
PREFIXES = ["", "hola ", "buenas tardes, ", "buenos dias ", "señores, ", "una pregunta: "]
ENDINGS = [
    "",
    " gracias",
    " por favor",
    " quedo atenta",
    " es urgente",
    " saludos",
    " en el centro",
]


def learned_examples(count: int = LEARNED) -> list[Example]:
    """`count` labelled examples made from the tuning files (deterministic)."""
    rows = [
        json.loads(line)
        for name in TUNING
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    alike: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        alike.setdefault(tuple(row["protocols"][:1]), []).append(row)
    chance = random.Random(22)
    start = datetime(2026, 1, 5, 8, 0)
    examples = []
    for number in range(count):
        row = chance.choice(rows)
        words = row["text"].split()
        if chance.random() < 0.3:  # its first half, and the second half of one like it
            other = chance.choice(alike[tuple(row["protocols"][:1])])["text"].split()
            words = words[: max(1, len(words) // 2)] + other[len(other) // 2 :]
        text = chance.choice(PREFIXES) + " ".join(words) + chance.choice(ENDINGS)
        protocols = row["protocols"]
        examples.append(
            Example(
                example_text(text),
                protocols[0] if protocols else None,
                ExampleAction(row["actions"][0]),
                start + timedelta(minutes=number),
                ExampleSource.IMPORTED,
                protocols[1] if len(protocols) > 1 else None,
            )
        )
    return examples


def main() -> None:
    texts = [
        json.loads(line)["text"]
        for path in sorted(DATA.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    settings = Settings(
        empresa=Company(
            nombre="Aguas del Río S.A. E.S.P.",
            telefonos=["607 123 4567"],
            horario="lunes a viernes de 7:00 a. m. a 5:00 p. m.",
            puntos_pago=["Bancolombia", "Efecty"],
        )
    )
    catalogue = load_catalogue()
    examples = learned_examples()
    matchers = []
    for learned in ((), examples):
        started = time.perf_counter()
        matchers.append(Matcher(catalogue, learned))
        loaded = time.perf_counter() - started
        print(
            f"{'sin ejemplos aprendidos' if not learned else f'con {len(learned):,} ejemplos aprendidos'}: "
            f"protocolos{' y modelo' if learned else ''} cargados en {loaded * 1000:,.0f} ms "
            f"({len(catalogue.protocols)} protocolos)"
        )
    # The two runs take turns, one round each: a machine whose speed changes during the run
    # slows both alike, so the figure with learning stands next to its baseline.
    times: list[list[float]] = [[], []]
    counts = [{action: 0 for action in Action} for _ in matchers]
    company = company_values(settings)
    for number in range(ROUNDS):
        # Variety without repeats: the stem cache must not make later rounds look faster.
        messages = [f"{text} {number}" if number else text for text in texts]
        order = (0, 1) if number % 2 == 0 else (1, 0)  # neither always warms the caches
        for which in order:
            run(matchers[which], messages, company, times[which], counts[which])
    speeds = [report(label, found, count) for label, found, count in zip(
        ("sin ejemplos aprendidos", f"con {len(examples):,} ejemplos aprendidos"), times, counts,
        strict=True,
    )]  # fmt: skip
    print(
        f"\ncon {len(examples):,} ejemplos aprendidos: {speeds[1]:,.0f} mensajes/s; "
        f"sin ellos: {speeds[0]:,.0f} mensajes/s, en turnos alternos "
        f"(meta ≥ 2.000 en un núcleo)"
    )


def run(
    matcher: Matcher,
    messages: list[str],
    company: dict,
    times: list[float],
    counts: dict[Action, int],
) -> None:
    """Decide and render each message, adding its time to `times`."""
    thresholds = Thresholds()
    for text in messages:
        began = time.perf_counter()
        decision = decide(matcher.match(text), thresholds)
        if decision.protocol is not None and decision.action != Action.IGNORE:
            context = template_context(company, "Ana", [], text, "facebook", "comment")
            decision.protocol.render(context, private=False)
        times.append(time.perf_counter() - began)
        counts[decision.action] += 1


def report(label: str, times: list[float], counts: dict[Action, int]) -> float:
    """Print one run's figures; its messages per second."""
    total = sum(times)
    ordered = sorted(times)
    print(
        f"\n— {label}: {len(times)} mensajes clasificados y respondidos en {total:.2f} s "
        f"(un núcleo): {len(times) / total:,.0f} mensajes por segundo (meta ≥ 2.000)"
    )
    print(
        f"tiempo por mensaje: mediana {statistics.median(ordered) * 1000:.2f} ms, "
        f"p99 {ordered[int(len(ordered) * 0.99)] * 1000:.2f} ms, máximo {ordered[-1] * 1000:.2f} ms"
    )
    print("acciones: " + ", ".join(f"{action.value} {count}" for action, count in counts.items()))
    return len(times) / total


if __name__ == "__main__":
    main()
