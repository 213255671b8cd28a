"""Score the matcher and the policy on a labelled file of citizen messages.

Each line of the file is {"id", "text", "protocols": [...], "actions": [...]}: the protocols
that would be right (none: out of scope, unless the preferred action is a ticket) and the
acceptable actions, preferred first. Other keys (a "kind" written by whoever labelled the
file) are ignored.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from conectados.errors import BadInput
from conectados.spanish import percent
from conectados.userfiles import MB, read_user_text
from responders.matcher import Matcher
from responders.policy import ACTION_NAMES, Action, Decision, Thresholds, decide

ACTIONS = {action.value for action in Action}
MAX_LABELLED_BYTES = 20 * MB
TARGETS = {
    "precision": 0.97,
    "coverage": 0.75,
    "complaints": 1.0,
    "out_of_scope": 0.95,
}
TARGET_NAMES = {
    "precision": "precisión de las respuestas automáticas",
    "coverage": "cobertura de las preguntas que se pueden responder",
    "complaints": "quejas y reportes que van a radicar o a revisión",
    "out_of_scope": "mensajes ajenos que se dejan o van a revisión",
}


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    protocols: tuple[str, ...]
    actions: tuple[str, ...]
    line: int


@dataclass
class Evaluation:
    total: int = 0
    rates: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Name -> (hits, out of)."""
    confusion: Counter = field(default_factory=Counter)
    """(expected protocol, chosen protocol or "-") -> count, for messages with a protocol."""
    misses: list[tuple[str, Labelled, Decision]] = field(default_factory=list)

    def rate(self, name: str) -> float | None:
        hits, total = self.rates.get(name, (0, 0))
        return hits / total if total else None

    def passed(self) -> bool:
        return all((self.rate(name) or 0.0) >= target or self.rates.get(name, (0, 0))[1] == 0
                   for name, target in TARGETS.items())  # fmt: skip


def read_labelled(path: Path, known: set[str]) -> list[Labelled]:
    lines = read_user_text(path, MAX_LABELLED_BYTES, "un archivo .jsonl de mensajes").splitlines()
    messages = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise BadInput(
                f"no es un objeto JSON válido (columna {error.colno}); use comillas dobles y "
                "escriba cada mensaje en una sola línea",
                where,
            ) from None
        if not isinstance(row, dict):
            raise BadInput("cada línea debe ser un objeto JSON", where)
        text = row.get("text")
        if not isinstance(text, str):
            raise BadInput("falta el texto del mensaje", where, "text")
        protocols = row.get("protocols", [])
        if not isinstance(protocols, list) or not all(isinstance(item, str) for item in protocols):
            raise BadInput(
                'debe ser una lista de protocolos, por ejemplo ["pago"] o []', where, "protocols"
            )
        unknown = [item for item in protocols if item not in known]
        if unknown:
            raise BadInput(
                f"no hay ningún protocolo «{unknown[0]}»; vea «conectados protocols list»",
                where,
                "protocols",
            )
        actions = row.get("actions")
        if (
            not isinstance(actions, list)
            or not actions
            or not all(isinstance(item, str) and item in ACTIONS for item in actions)
        ):
            raise BadInput(
                f"debe ser una lista con una o más de: {', '.join(sorted(ACTIONS))}",
                where,
                "actions",
            )
        messages.append(
            Labelled(str(row.get("id", number)), text, tuple(protocols), tuple(actions), number)
        )
    return messages


def evaluate(
    messages: list[Labelled], matcher: Matcher, thresholds: Thresholds, private: bool = False
) -> Evaluation:
    result = Evaluation(total=len(messages))
    counts = {name: [0, 0] for name in TARGETS}
    for message in messages:
        decision = decide(matcher.match(message.text), thresholds, private)
        chosen = decision.protocol.id if decision.protocol else None
        # A message that asks two questions answered with both protocols' answers is right;
        # a second answer it did not ask for makes the reply wrong.
        right_protocol = chosen in message.protocols and (
            decision.together is None or decision.together.id in message.protocols
        )
        if decision.action == Action.ANSWER:
            counts["precision"][1] += 1
            if right_protocol and "answer" in message.actions:
                counts["precision"][0] += 1
            else:
                result.misses.append(("respuesta automática equivocada", message, decision))
        if message.actions[0] == "answer" and message.protocols:
            counts["coverage"][1] += 1
            if decision.action == Action.ANSWER and right_protocol:
                counts["coverage"][0] += 1
            elif decision.action != Action.ANSWER:
                result.misses.append(("no se respondió", message, decision))
        if message.actions[0] == "ticket":
            counts["complaints"][1] += 1
            if decision.action in (Action.TICKET, Action.REVIEW):
                counts["complaints"][0] += 1
            else:
                result.misses.append(("queja sin radicar ni revisar", message, decision))
        if not message.protocols and message.actions[0] != "ticket":
            # A complaint labelled without its protocols is a complaint, not someone else's business.
            counts["out_of_scope"][1] += 1
            if decision.action in (Action.IGNORE, Action.REVIEW):
                counts["out_of_scope"][0] += 1
            else:
                result.misses.append(("mensaje ajeno con acción", message, decision))
        if message.protocols:
            expected = message.protocols[0]
            result.confusion[(expected, expected if right_protocol else chosen or "-")] += 1
    result.rates = {name: (hits, total) for name, (hits, total) in counts.items()}
    return result


def report(result: Evaluation, verbose: bool = False) -> list[str]:
    lines = [f"{result.total} mensajes evaluados", ""]
    for name, target in TARGETS.items():
        hits, total = result.rates[name]
        rate = result.rate(name)
        mark = "ok" if rate is None or rate >= target else "POR DEBAJO"
        lines.append(
            f"  {TARGET_NAMES[name]:<52} {percent(rate):>7} ({hits}/{total})  "
            f"meta ≥ {percent(target, 0)}  {mark}"
        )
    wrong = [
        (expected, chosen, count)
        for (expected, chosen), count in sorted(result.confusion.items())
        if expected != chosen
    ]
    lines.append("")
    if wrong:
        lines.append("Confusiones entre protocolos (esperado -> elegido: veces; «-»: ninguno):")
        lines.extend(f"  {expected} -> {chosen}: {count}" for expected, chosen, count in wrong)
    else:
        lines.append("Sin confusiones entre protocolos.")
    right = sum(
        count for (expected, chosen), count in result.confusion.items() if expected == chosen
    )
    lines.append(
        f"  protocolo correcto en {right} de {sum(result.confusion.values())} mensajes con protocolo"
    )
    if result.misses:
        lines.append("")
        lines.append(
            "Casos para revisar:"
            if verbose
            else f"{len(result.misses)} casos para revisar (véalos con -v)."
        )
        if verbose:
            for why, message, decision in result.misses:
                chosen = decision.protocol.id if decision.protocol else "ninguno"
                lines.append(
                    f"  línea {message.line} ({why}): «{message.text}» -> "
                    f"{ACTION_NAMES[decision.action]} {chosen} {percent(decision.confidence, 0)}; "
                    f"esperado {'/'.join(message.protocols) or 'ninguno'} "
                    f"{'/'.join(ACTION_NAMES.get(action, action) for action in message.actions)}"
                )
    return lines
