"""Which protocol a message asks for, how sure we are, and why.

Two kinds of evidence, both deterministic and offline:
- keys: each protocol's phrases (stems, contiguous in the message), with their weights;
- examples: how close the message is to the protocol's example messages (cosine of stem
  sets, each stem weighted by how rare it is across all examples).
Their sum is turned into a confidence between 0 and 1. The policy looks at the best
confidence and at its margin over the second best: two protocols nearly tied is doubt.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from conectados.spanish import number as spanish_number
from conectados.spanish import percent
from responders.cues import Cue, complaint_cues
from responders.examples import Example
from responders.normalize import Normalized, normalize, words_of
from responders.normalize import stem as stem_of
from responders.protocols import Catalogue, Key, Protocol, ProtocolAction

EXAMPLE_WEIGHT = 3.0
"""What a message identical to an example is worth, in key weight."""
EXAMPLE_FLOOR = 0.35
"""Below this similarity an example says nothing (shared filler words are not evidence)."""
FILLER = frozenset(
    stem_of(word)
    for word in [
        "hola",
        "buenas",
        "buenos",
        "buen",
        "dias",
        "dia",
        "tardes",
        "noches",
        "gracias",
        "favor",
        "saludo",
        "saludos",
        "cordial",
        "pregunta",
        "consulta",
        "informacion",
        "quisiera",
        "saber",
        "necesito",
        "puedo",
        "pueden",
        "podrian",
        "ustedes",
        "señores",
        "amigos",
        "vecinos",
        "tengo",
        "quiero",
        "queria",
    ]
)
"""Greetings and courtesy: in every kind of message, so they make no two messages alike."""
LOW_PRIORITY_YIELDS_TO = 1.5
"""A greeting protocol steps aside when another protocol has at least this much evidence."""
OUTAGE_HINT = 2.5
"""Evidence for the no-water protocol (one good key, not a word it shares with a "programa")
that makes a person at risk named in the
message urgent (`responders.cue_words.VULNERABLE_NEAR_OUTAGE`)."""
SCALE = 3.0
"""confidence = 1 - exp(-evidence / SCALE): one strong key (3) gives 0.63, two give 0.86."""


@dataclass(frozen=True)
class Candidate:
    protocol: Protocol
    score: float
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one message."""

    text: str
    normalized: Normalized
    candidates: tuple[Candidate, ...]
    """Every protocol with some evidence, best first."""
    out_of_scope: tuple[str, ...] = ()
    """Why the message is not for us (another utility, spam), if it is not."""
    insults: tuple[str, ...] = ()
    discontent: tuple[str, ...] = ()
    """Phrases that sound like a complaint, whatever the protocol."""
    mentions_our_service: bool = False
    complaint_cues: tuple[Cue, ...] = ()
    """A legal action, a refund, an unresolved case, a damage, mistreatment, people at risk
    without water: a complaint whatever question the message also asks (`responders.cues`)."""
    general_complaint: Protocol | None = None
    """The catalogue's general complaint protocol (a `queja` that files a ticket): its
    acknowledgement is the complaint's draft when no other complaint protocol fits."""

    def cue_text(self, cue: Cue) -> str:
        """A complaint cue for the team, quoting what the citizen wrote («devolución»), not
        the folded words it was found in («devolucion»)."""
        return f"{cue.family.name} («{in_their_words(self.text, cue.phrase)}»)"

    def cues_text(self) -> str:
        return "; ".join(self.cue_text(cue) for cue in self.complaint_cues)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def confidence(self) -> float:
        return self.candidates[0].confidence if self.candidates else 0.0

    @property
    def margin(self) -> float:
        """How far ahead the best protocol is of the second (1.0 when it is alone)."""
        if not self.candidates:
            return 0.0
        second = self.candidates[1].confidence if len(self.candidates) > 1 else 0.0
        return self.candidates[0].confidence - second


class _KeyIndex:
    """Keys by their first stem, so a message is scanned once whatever the catalogue's size."""

    def __init__(self) -> None:
        self.by_first: dict[str, list[tuple[object, Key]]] = defaultdict(list)

    def add(self, owner: object, key: Key) -> None:
        self.by_first[key.stems[0]].append((owner, key))

    def found(self, stems: tuple[str, ...]) -> list[tuple[object, Key]]:
        """Keys whose stems appear in order, with at most one other word between two of them
        ("la factura de octubre está mal" has «factura mal»)."""
        hits: list[tuple[object, Key]] = []
        seen: set[tuple[object, tuple[str, ...]]] = set()  # "amable" and "amables" count once
        for position, stem in enumerate(stems):
            for owner, key in self.by_first.get(stem, ()):
                if (owner, key.stems) not in seen and _follows(stems, position, key.stems):
                    seen.add((owner, key.stems))
                    hits.append((owner, key))
        return hits


def _follows(stems: tuple[str, ...], position: int, wanted: tuple[str, ...]) -> bool:
    at = position
    for expected in wanted[1:]:
        if at + 1 < len(stems) and stems[at + 1] == expected:
            at += 1
        elif at + 2 < len(stems) and stems[at + 2] == expected:
            at += 2
        else:
            return False
    return True


class Matcher:
    def __init__(self, catalogue: Catalogue, examples: Sequence[Example] = ()) -> None:
        self.catalogue = catalogue
        known = catalogue.protocols
        self.learned = tuple(
            example for example in examples if example.protocol is None or example.protocol in known
        )
        self.learned_count = len(self.learned)
        """The company's own examples the matcher was built with (review decisions, imports)."""
        self.keys = _KeyIndex()
        for protocol in catalogue:
            for key in protocol.keys:
                self.keys.add(protocol.id, key)
        self.general_complaint = next(
            (
                protocol
                for protocol in catalogue
                if protocol.action == ProtocolAction.TICKET and protocol.pqr_type == "queja"
            ),
            None,
        )
        self.filters = _KeyIndex()
        filters = catalogue.filters
        for group, keys in (
            ("otros", filters.other_services),
            ("nuestro", filters.ours),
            ("spam", filters.spam),
            ("insulto", filters.insults),
            ("inconformidad", filters.discontent),
        ):
            for key in keys:
                self.filters.add(group, key)
        # Rare stems say more than common ones (inverse document frequency over examples).
        documents = [stems - FILLER for protocol in catalogue for stems in protocol.example_stems]
        counts: dict[str, int] = defaultdict(int)
        for stems in documents:
            for stem in stems:
                counts[stem] += 1
        total = max(len(documents), 1)
        self.idf = {stem: math.log(1 + total / count) for stem, count in counts.items()}
        self.unknown_idf = math.log(1 + total)
        self.examples: dict[str, list[tuple[Protocol, int, float]]] = defaultdict(list)
        self.example_texts: dict[tuple[str, int], str] = {}
        for protocol in catalogue:
            for number, stems in enumerate(protocol.example_stems):
                stems = stems - FILLER
                norm = math.sqrt(sum(self.idf[stem] ** 2 for stem in stems)) or 1.0
                for stem in stems:
                    self.examples[stem].append((protocol, number, norm))

    def match(self, text: str) -> Match:
        normalized = normalize(text)
        stems = normalized.stems
        evidence: dict[str, float] = defaultdict(float)
        reasons: dict[str, list[str]] = defaultdict(list)
        for protocol_id, key in self.keys.found(stems):
            evidence[protocol_id] += key.weight
            reasons[protocol_id].append(f"«{key.phrase}» {_signed(key.weight)}")
        for protocol, similarity, example in self._closest_examples(stems):
            evidence[protocol.id] += EXAMPLE_WEIGHT * similarity
            reasons[protocol.id].append(
                f"se parece a «{example}» ({spanish_number(similarity, 2)}) "
                f"{_signed(EXAMPLE_WEIGHT * similarity, 1)}"
            )
        candidates = []
        for protocol_id, score in evidence.items():
            if score <= 0:
                continue
            protocol = self.catalogue.protocols[protocol_id]
            confidence = 1 - math.exp(-score / SCALE)
            candidates.append(
                Candidate(
                    protocol, round(score, 3), round(confidence, 3), tuple(reasons[protocol_id])
                )
            )
        candidates.sort(key=lambda candidate: (-candidate.score, candidate.protocol.id))
        if any(
            not candidate.protocol.low_priority and candidate.score >= LOW_PRIORITY_YIELDS_TO
            for candidate in candidates
        ):
            # "Buenos días, ¿a qué hora vuelve el agua?" is about the water, not a greeting.
            candidates = [
                candidate for candidate in candidates if not candidate.protocol.low_priority
            ]
        groups: dict[str, list[str]] = defaultdict(list)
        for group, key in self.filters.found(stems):
            groups[str(group)].append(key.phrase)
        folded = " ".join(normalized.words)
        for group, patterns in (
            ("inconformidad", self.catalogue.filters.discontent_patterns),
            ("otros", self.catalogue.filters.other_service_patterns),
        ):
            for pattern in patterns:
                found = pattern.search(folded)
                if found:
                    groups[group].append(found.group(0))
        return Match(
            text=text,
            normalized=normalized,
            candidates=tuple(candidates),
            out_of_scope=tuple(
                [f"otro servicio: «{phrase}»" for phrase in groups["otros"]]
                + [f"publicidad o cadena: «{phrase}»" for phrase in groups["spam"]]
            ),
            insults=tuple(groups["insulto"]),
            discontent=tuple(groups["inconformidad"]),
            mentions_our_service=bool(groups["nuestro"]),
            complaint_cues=_cues_for(normalized, candidates),
            general_complaint=self.general_complaint,
        )

    def _closest_examples(self, stems: tuple[str, ...]) -> list[tuple[Protocol, float, str]]:
        """For each protocol, its example closest to the message, if close enough."""
        unique = set(stems) - FILLER
        if not unique:
            return []
        norm = math.sqrt(sum(self.idf.get(stem, self.unknown_idf) ** 2 for stem in unique))
        dots: dict[tuple[str, int], float] = defaultdict(float)
        owners: dict[tuple[str, int], tuple[Protocol, float]] = {}
        for stem in unique:
            weight = self.idf.get(stem)
            if weight is None:
                continue
            for protocol, number, example_norm in self.examples.get(stem, ()):
                dots[(protocol.id, number)] += weight * weight
                owners[(protocol.id, number)] = (protocol, example_norm)
        best: dict[str, tuple[float, int]] = {}
        for (protocol_id, number), dot in dots.items():
            protocol, example_norm = owners[(protocol_id, number)]
            similarity = dot / (norm * example_norm)
            if similarity >= EXAMPLE_FLOOR and similarity > best.get(protocol_id, (0.0, 0))[0]:
                best[protocol_id] = (similarity, number)
        return [
            (
                self.catalogue.protocols[protocol_id],
                round(similarity, 3),
                self.catalogue.protocols[protocol_id].examples[number],
            )
            for protocol_id, (similarity, number) in sorted(best.items())
        ]


def _cues_for(normalized: Normalized, candidates: list[Candidate]) -> tuple[Cue, ...]:
    """The complaint cues, without those that count only next to the no-water protocol when
    it is not a candidate ("mi abuela está enferma, ¿dónde pago?" is about paying)."""
    cues = complaint_cues(normalized.words)
    if not any(cue.family.needs_outage for cue in cues):
        return cues
    outage = any(
        candidate.protocol.answers_reports and candidate.score >= OUTAGE_HINT
        for candidate in candidates
    )
    return tuple(cue for cue in cues if outage or not cue.family.needs_outage)


def _signed(value: float, decimals: int | None = None) -> str:
    """ "+1,5" / "−0,5": a weight with its sign, the decimal comma and the decimals it needs."""
    if decimals is None:
        decimals = 0 if value == int(value) else (1 if value * 10 == int(value * 10) else 2)
    return f"{'−' if value < 0 else '+'}{spanish_number(abs(value), decimals)}"


def explain(match: Match) -> list[str]:
    """Lines for `-v`: the evidence for each candidate protocol."""
    lines = [f"texto normalizado: {' '.join(match.normalized.stems) or '(vacío)'}"]
    if match.out_of_scope:
        lines.append("fuera de alcance: " + "; ".join(match.out_of_scope))
    if match.insults:
        lines.append("palabras ofensivas: " + ", ".join(match.insults))
    if match.discontent:
        lines.append(
            "suena a queja: " + ", ".join(in_their_words(match.text, p) for p in match.discontent)
        )
    if match.complaint_cues:
        lines.append("señales de queja: " + match.cues_text())
    for candidate in match.candidates[:4]:
        lines.append(
            f"{candidate.protocol.id}: confianza {percent(candidate.confidence, 0)} "
            f"(evidencia {_signed(candidate.score).lstrip('+')}): " + "; ".join(candidate.reasons)
        )
    if not match.candidates:
        lines.append("ningún protocolo tiene evidencia")
    return lines


_EDGES = "¿¡?!.,;:()[]{}\"'«»“”…-"


def in_their_words(text: str, phrase: str) -> str:
    """The stretch of `text` whose folded words are `phrase` (its parts around « … » each on
    their own, a word skipped between two of a part's words as the cues allow); `phrase`
    itself when it cannot be found. Each word of `text` is folded once."""
    spans: list[tuple[int, int]] = []
    flat: list[tuple[str, int]] = []
    for found in re.finditer(r"\S+", text):
        for word in words_of(found.group()):
            flat.append((word, len(spans)))
        spans.append((found.start(), found.end()))
    quoted = []
    for part in phrase.split(" … "):
        wanted = part.split()
        place = _find(flat, wanted) if wanted else None
        if place is None:
            return phrase
        start, end = spans[flat[place[0]][1]][0], spans[flat[place[1]][1]][1]
        quoted.append(text[start:end].strip(_EDGES) or part)
    return " … ".join(quoted)


def _find(flat: list[tuple[str, int]], wanted: list[str]) -> tuple[int, int] | None:
    for first, (word, _) in enumerate(flat):
        if word != wanted[0]:
            continue
        at = first
        for following in wanted[1:]:
            if at + 1 < len(flat) and flat[at + 1][0] == following:
                at += 1
            elif at + 2 < len(flat) and flat[at + 2][0] == following:
                at += 2
            else:
                break
        else:
            return first, at
    return None
