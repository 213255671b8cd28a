"""How fast the responder decides: messages matched and rendered per second on one core.

Target (issue 6): at least 2,000 messages per second; also the p99 time per message.
Uses the labelled messages in tests/data/ and the shipped protocols, with the sample
company settings; no database, no network.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

from conectados.settings import Company, Settings  # noqa: E402
from responders.matcher import Matcher  # noqa: E402
from responders.policy import Action, Thresholds, decide  # noqa: E402
from responders.protocol_files import load_catalogue  # noqa: E402
from responders.template_values import company_values, template_context  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
ROUNDS = 30


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
    started = time.perf_counter()
    catalogue = load_catalogue()
    matcher = Matcher(catalogue)
    loaded = time.perf_counter() - started
    thresholds = Thresholds()
    company = company_values(settings)
    # Variety without repeats: the stem cache must not make later rounds look faster.
    messages = [f"{text} {n}" if n else text for n in range(ROUNDS) for text in texts]
    times = []
    counts = {action: 0 for action in Action}
    for text in messages:
        began = time.perf_counter()
        decision = decide(matcher.match(text), thresholds)
        if decision.protocol is not None and decision.action != Action.IGNORE:
            context = template_context(company, "Ana", [], text, "facebook", "comment")
            decision.protocol.render(context, private=False)
        times.append(time.perf_counter() - began)
        counts[decision.action] += 1
    total = sum(times)
    times.sort()
    print(f"protocolos cargados en {loaded * 1000:.0f} ms ({len(catalogue.protocols)} protocolos)")
    print(
        f"{len(messages)} mensajes clasificados y respondidos en {total:.2f} s (un núcleo): "
        f"{len(messages) / total:,.0f} mensajes por segundo (meta ≥ 2.000)"
    )
    print(
        f"tiempo por mensaje: mediana {statistics.median(times) * 1000:.2f} ms, "
        f"p99 {times[int(len(times) * 0.99)] * 1000:.2f} ms, máximo {times[-1] * 1000:.2f} ms"
    )
    print("acciones: " + ", ".join(f"{action.value} {count}" for action, count in counts.items()))


if __name__ == "__main__":
    main()
