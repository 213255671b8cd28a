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
from dataclasses import dataclass, replace
from functools import lru_cache

from conectados.spanish import number as spanish_number
from conectados.spanish import percent
from responders.cues import Cue, complaint_cues
from responders.examples import Example, ExampleAction
from responders.learned import HOLD, LEAVE, Document, ExampleIndex, LinearModel, Neighbours
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
LEARNED_MARK = "aprendido: "
"""How a reason says its evidence comes from the company's own examples."""
LEARNED_WEIGHT = 1.5
"""What each of a protocol's closest learned examples is worth, times its similarity: several
close examples the team answered the same way add up."""
LEARNED_FLOOR = 0.5
"""Below this similarity a learned example says nothing."""
LEARNED_NEIGHBOURS = 3
"""How many of a protocol's closest learned examples count."""
LEARNED_DECIDES = 0.6
"""A learned example this close, closer than any protocol's example, says the team holds such
messages back or leaves them alone."""
LINEAR_WEIGHT = 3.0
"""What the linear model's certainty about a protocol is worth, in key weight."""
LINEAR_FLOOR = 0.3
"""Below this probability the linear model says nothing about a protocol."""
LINEAR_DECIDES = 0.5
"""The linear model's probability that the team leaves such a message alone."""
LINEAR_HOLDS = 0.7
"""The linear model's probability that the team holds such a message back (files or reviews it)."""
MIN_LEFT_ALONE = 20
"""Messages the team left alone that the model must have seen before it leaves one alone: from
a handful it learns words, not a kind of message («venden tanques?» once taught it to leave
«venden medidores?» too)."""
NEAREST = "cercanos"
"""Method: the learned examples join the shipped ones in the example index."""
LINEAR = "lineal"
"""Method: a logistic regression over word and character n-grams."""
NONE = "ninguno"
"""Method: the shipped catalogue only (no learned examples)."""
SCALE = 3.0
"""confidence = 1 - exp(-evidence / SCALE): one strong key (3) gives 0.63, two give 0.86."""


@dataclass(frozen=True)
class _Evidence:
    protocol: str
    weight: float
    said: tuple
    """(key phrase,), (example, similarity) or (model's probability,): the reason, written
    only when someone reads it (`explain`)."""
    stems: frozenset[str]
    """The message's stems it rests on."""
    learned: bool = False

    @property
    def reason(self) -> str:
        if len(self.said) == 2:
            text, similarity = self.said
            # A learned example is another citizen's message: named, never quoted.
            like = "un mensaje que el equipo respondió" if self.learned else f"«{text}»"
            return (
                f"{LEARNED_MARK if self.learned else ''}se parece a {like} "
                f"({spanish_number(similarity, 2)}) {_signed(self.weight, 1)}"
            )
        if self.learned:
            return (
                f"{LEARNED_MARK}el modelo da {spanish_number(self.said[0], 2)} "
                f"{_signed(self.weight, 1)}"
            )
        return f"«{self.said[0]}» {_signed(self.weight)}"


@dataclass(frozen=True)
class Candidate:
    protocol: Protocol
    score: float
    confidence: float
    found: tuple[_Evidence, ...]
    """What makes it a candidate (keys, examples, the model), as found."""
    evidence: frozenset[str] = frozenset()
    """The message's stems its evidence rests on (its keys, words shared with its example)."""

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why, in Spanish, one reason per key, example or model."""
        return tuple(item.reason for item in self.found)


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
    greeting: Candidate | None = None
    """The catalogue's greeting protocol (low priority, answers) with its evidence, when it
    has some and stepped aside for another protocol: what a thanks gets even when it names
    staff or works a complaint protocol files (`responders.policy.thanks_not_filed`)."""
    general_complaint: Protocol | None = None
    """The catalogue's general complaint protocol (a `queja` that files a ticket): its
    acknowledgement is the complaint's draft when no other complaint protocol fits."""
    learned_hold: str = ""
    """Why the company's examples say a person should see this message (filed or reviewed
    ones like it); empty when they do not. It only ever holds back an automatic answer."""
    learned_leave: str = ""
    """Why the company's examples say this message is none of its business; empty when they
    do not. The policy leaves it alone only when nothing in it sounds like a complaint."""
    hold_share: float = 0.0
    """How much the company's examples lean to a person seeing this message (0 to 1)."""
    learned: bool = False
    """Whether the company's examples say anything about this message."""
    shipped_candidates: tuple[Candidate, ...] | None = None
    """The candidates on the shipped catalogue's evidence alone (None: the same as
    `candidates`): what the policy would do without learning, which learning cannot undo."""

    def shipped(self) -> Match:
        """This match on the shipped catalogue's evidence alone."""
        return replace(
            self,
            candidates=self.candidates
            if self.shipped_candidates is None
            else self.shipped_candidates,
            learned_hold="",
            learned_leave="",
            hold_share=0.0,
            learned=False,
            shipped_candidates=None,
        )

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
        self.single: dict[str, list[tuple[int, object, Key]]] = defaultdict(list)
        self.by_second: dict[tuple[str, str], list[tuple[int, object, Key]]] = defaultdict(list)

    def add(self, owner: object, key: Key) -> None:
        keys = self.by_first[key.stems[0]]
        keys.append((owner, key))
        # The same keys by their second stem: a key of several words goes on only with one of
        # the next two stems, so the others are not even tried.
        order = len(keys) - 1
        if len(key.stems) > 1:
            self.by_second[(key.stems[0], key.stems[1])].append((order, owner, key))
        else:
            self.single[key.stems[0]].append((order, owner, key))

    def found(self, stems: tuple[str, ...]) -> list[tuple[object, Key]]:
        """Keys whose stems appear in order, with at most one other word between two of them
        ("la factura de octubre está mal" has «factura mal»)."""
        hits: list[tuple[object, Key]] = []
        seen: set[tuple[object, tuple[str, ...]]] = set()  # "amable" and "amables" count once
        for position, stem in enumerate(stems):
            if stem not in self.by_first:
                continue
            tried = list(self.single.get(stem, ()))
            following = stems[position + 1 : position + 3]
            for number, second in enumerate(following):
                if number == 1 and second == following[0]:
                    break
                tried.extend(self.by_second.get((stem, second), ()))
            if len(tried) > 1:
                tried.sort(key=lambda item: item[0])  # in the order the keys were added
            for _, owner, key in tried:
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
    def __init__(
        self, catalogue: Catalogue, examples: Sequence[Example] = (), method: str = LINEAR
    ) -> None:
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
        self.greeting = next(
            (
                protocol
                for protocol in catalogue
                if protocol.low_priority and protocol.action == ProtocolAction.ANSWER
            ),
            None,
        )
        self.general_complaint = next(
            (
                protocol
                for protocol in catalogue
                if protocol.action == ProtocolAction.TICKET and protocol.pqr_type == "queja"
            ),
            None,
        )
        self.pattern_groups = [
            (group, patterns, _any_of(patterns))
            for group, patterns in (
                ("inconformidad", catalogue.filters.discontent_patterns),
                ("otros", catalogue.filters.other_service_patterns),
            )
        ]
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
        documents = [
            Document(protocol.id, stems, protocol.examples[number], learned=False)
            for protocol in catalogue
            for number, stems in enumerate(protocol.example_stems)
        ]
        self.method = method if self.learned else NONE
        self.model: LinearModel | None = None
        learned = [
            Document(label, frozenset(normalize(example.text).stems), example.text, learned=True)
            for example in self.learned
            for label in _labels(example, catalogue)
        ]
        self.learned_index: ExampleIndex | None = None
        if self.method == NEAREST:
            # Their own index: the shipped examples' weights stay what the catalogue tuned.
            self.learned_index = ExampleIndex(learned, FILLER)
        elif self.method == LINEAR and len({document.label for document in learned}) > 1:
            # The company's examples only: the catalogue's own already count as keys and
            # examples, and counted twice they would drown what the team taught.
            self.model = LinearModel(
                [document.text.split() for document in learned],
                [document.label for document in learned],
            )
        # Rare stems say more than common ones (inverse document frequency over examples).
        self.index = ExampleIndex(documents, FILLER)

    def match(self, text: str) -> Match:
        normalized = normalize(text)
        stems = normalized.stems
        evidence: list[_Evidence] = []
        for protocol_id, key in self.keys.found(stems):
            evidence.append(
                _Evidence(
                    str(protocol_id),
                    key.weight,
                    (key.phrase,),
                    frozenset(key.stems) if key.weight > 0 else frozenset(),
                )
            )
        closest = self.index.closest(stems, EXAMPLE_FLOOR, LEARNED_FLOOR, LEARNED_NEIGHBOURS)
        if self.learned_index is not None:
            learned = self.learned_index.closest(
                stems, EXAMPLE_FLOOR, LEARNED_FLOOR, LEARNED_NEIGHBOURS
            )
            closest = {
                label: Neighbours(
                    closest[label].shipped if label in closest else None,
                    learned[label].learned if label in learned else (),
                )
                for label in sorted(set(closest) | set(learned))
            }
        for label, neighbours in closest.items():
            if label in (HOLD, LEAVE):
                continue
            for found in filter(None, (neighbours.shipped, *neighbours.learned)):
                weight = (LEARNED_WEIGHT if found.learned else EXAMPLE_WEIGHT) * found.similarity
                evidence.append(
                    _Evidence(
                        label,
                        weight,
                        (found.text, found.similarity),
                        # Two questions rest on the catalogue's words, not on what was learned.
                        frozenset() if found.learned else found.stems.intersection(stems),
                        learned=found.learned,
                    )
                )
        hold, leave, hold_share = self._held_or_left(normalized, closest, evidence)
        shipped = self._candidates([item for item in evidence if not item.learned])
        taught = [item for item in evidence if item.learned]
        candidates = self._candidates(evidence, shipped, taught) if taught else shipped
        groups: dict[str, list[str]] = defaultdict(list)
        for group, key in self.filters.found(stems):
            if key.phrase == "luz" and _luz_is_a_name(text):
                continue
            groups[str(group)].append(key.phrase)
        folded = " ".join(normalized.words)
        for group, patterns, anyone in self.pattern_groups:
            if not patterns or (anyone is not None and not anyone.search(folded)):
                continue  # one search for the whole group: most messages match none
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
            complaint_cues=_cues_for(normalized, shipped),
            general_complaint=self.general_complaint,
            greeting=self._greeting(evidence, candidates),
            learned_hold=hold,
            learned_leave=leave,
            hold_share=hold_share,
            learned=bool(hold or leave or hold_share or shipped is not candidates),
            shipped_candidates=tuple(shipped),
        )

    def _greeting(self, evidence: list[_Evidence], candidates: list[Candidate]) -> Candidate | None:
        """The greeting's candidate on its own evidence, when it stepped aside."""
        if self.greeting is None or any(c.protocol is self.greeting for c in candidates):
            return None
        own = [item for item in evidence if item.protocol == self.greeting.id]
        found = self._candidates(own) if own else []
        return found[0] if found else None

    def _candidates(
        self,
        evidence: list[_Evidence],
        shipped: list[Candidate] = (),
        taught: list[_Evidence] = (),
    ) -> list[Candidate]:
        """Protocols with some evidence, best first (a greeting steps aside for a question).
        With `taught`, the protocols it says nothing about keep their `shipped` candidate."""
        about = {item.protocol for item in taught}
        scores: dict[str, float] = defaultdict(float)
        reasons: dict[str, list[_Evidence]] = defaultdict(list)
        supporting: dict[str, set[str]] = defaultdict(set)
        for item in evidence:
            if taught and item.protocol not in about:
                continue
            scores[item.protocol] += item.weight
            reasons[item.protocol].append(item)
            supporting[item.protocol].update(item.stems)
        candidates = [
            Candidate(
                self.catalogue.protocols[protocol_id],
                round(score, 3),
                round(1 - math.exp(-score / SCALE), 3),
                tuple(reasons[protocol_id]),
                frozenset(supporting[protocol_id]) - FILLER,
            )
            for protocol_id, score in scores.items()
            if score > 0
        ]
        candidates += [candidate for candidate in shipped if candidate.protocol.id not in about]
        candidates.sort(key=lambda candidate: (-candidate.score, candidate.protocol.id))
        if any(
            not candidate.protocol.low_priority and candidate.score >= LOW_PRIORITY_YIELDS_TO
            for candidate in candidates
        ):
            # "Buenos días, ¿a qué hora vuelve el agua?" is about the water, not a greeting.
            candidates = [
                candidate for candidate in candidates if not candidate.protocol.low_priority
            ]
        return candidates

    def _held_or_left(
        self,
        normalized: Normalized,
        closest: dict[str, Neighbours],
        evidence: list[_Evidence],
    ) -> tuple[str, str, float]:
        """What the company's examples say beyond a protocol's evidence: that the team files or
        reviews messages like this one (hold), or leaves them alone (leave), in Spanish; and
        how much they lean to a person seeing it (0 to 1)."""
        if self.model is not None:
            probabilities = self.model.probabilities(normalized.words)
            for label, probability in sorted(probabilities.items()):
                if label in (HOLD, LEAVE) or probability < LINEAR_FLOOR:
                    continue
                if not _answers(self.catalogue, label):
                    continue
                evidence.append(
                    _Evidence(
                        label,
                        LINEAR_WEIGHT * probability,
                        (probability,),
                        frozenset(),
                        learned=True,
                    )
                )
            hold = probabilities.get(HOLD, 0.0)
            leave = probabilities.get(LEAVE, 0.0)
            if self.model.counts[LEAVE] < MIN_LEFT_ALONE:
                leave = 0.0
            return (
                f"{LEARNED_MARK}el modelo da {spanish_number(hold, 2)} a «el equipo lo revisa o "
                "radica»"
                if hold >= LINEAR_HOLDS
                else "",
                f"{LEARNED_MARK}el modelo da {spanish_number(leave, 2)} a «no es de la empresa»"
                if leave >= LINEAR_DECIDES
                else "",
                round(hold, 3),
            )
        answer = max(
            (found.best for label, found in closest.items() if label not in (HOLD, LEAVE)),
            default=0.0,
        )
        held = closest[HOLD].learned[0] if HOLD in closest else None
        left = closest[LEAVE].learned[0] if LEAVE in closest else None
        return (
            f"{LEARNED_MARK}se parece a un mensaje que el equipo revisó o radicó "
            f"({spanish_number(held.similarity, 2)})"
            if held and held.similarity >= LEARNED_DECIDES and held.similarity >= answer
            else "",
            f"{LEARNED_MARK}se parece a un mensaje que el equipo dejó por no ser de la empresa "
            f"({spanish_number(left.similarity, 2)})"
            if left and left.similarity >= LEARNED_DECIDES and left.similarity > answer
            else "",
            held.similarity if held else 0.0,
        )


_UNCOMBINABLE = re.compile(r"\\[1-9]|\(\?(?!:)")
"""A backreference or an inline flag or name: such a pattern is not joined to others."""


def _any_of(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern that matches where any of `patterns` does (they are checked one by one
    only then)."""
    if not patterns:
        return None
    try:
        # A company's pattern with its own flags, named groups or backreferences may not
        # combine: then each is tried on its own, as before.
        if any(_UNCOMBINABLE.search(pattern.pattern) for pattern in patterns):
            return None
        return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns))
    except re.error:
        return None


def _luz_is_a_name(text: str) -> bool:
    """Whether every «luz» of the message is a woman's name ("a nombre de Luz Marina Ortiz"):
    capital L and a capitalised word after it. One pass over the text."""
    lowered = text.lower()
    at = lowered.find("luz")
    found = False
    while at >= 0:
        after = text[at + 4 : at + 5]
        if text[at : at + 4] != "Luz " or not after.isupper():
            return False
        found = True
        at = lowered.find("luz", at + 3)
    return found


def _answers(catalogue: Catalogue, label: str) -> bool:
    protocol = catalogue.protocols.get(label)
    return protocol is not None and protocol.action == ProtocolAction.ANSWER


def _labels(example: Example, catalogue: Catalogue) -> list[str]:
    """What a learned example teaches: the answering protocols it was answered with, or that
    the team holds such messages back (filed, reviewed), or leaves them alone. A learned
    example never makes a complaint protocol surer: the complaint rules stay the rules."""
    if example.action == ExampleAction.IGNORE and example.protocol is None:
        return [LEAVE]
    if example.action != ExampleAction.ANSWER or not _answers(catalogue, example.protocol or ""):
        return [HOLD]
    labels = [example.protocol]
    if (
        example.second
        and _answers(catalogue, example.second)
        and example.second != example.protocol
    ):
        labels.append(example.second)
    return labels


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
    if match.learned_hold:
        lines.append("lo retiene: " + match.learned_hold)
    if match.learned_leave:
        lines.append("lo deja: " + match.learned_leave)
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
    flat, spans = _folded_words(text)
    quoted = []
    for part in phrase.split(" … "):
        wanted = part.split()
        place = _find(flat, wanted) if wanted else None
        if place is None:
            return phrase
        start, end = spans[flat[place[0]][1]][0], spans[flat[place[1]][1]][1]
        quoted.append(text[start:end].strip(_EDGES) or part)
    return " … ".join(quoted)


@lru_cache(maxsize=64)  # a message's cues are quoted one by one
def _folded_words(text: str) -> tuple[list[tuple[str, int]], list[tuple[int, int]]]:
    """Each folded word of `text` with the number of the stretch it came from; the stretches."""
    spans: list[tuple[int, int]] = []
    flat: list[tuple[str, int]] = []
    for found in re.finditer(r"\S+", text):
        token = found.group()
        for word in _token_words(token) if len(token) <= SHORT_TOKEN else words_of(token):
            flat.append((word, len(spans)))
        spans.append((found.start(), found.end()))
    return flat, spans


SHORT_TOKEN = 40
"""Tokens up to this long are folded once and remembered (a bounded cache: messages share
most of their words; a longer run of characters is folded each time)."""


@lru_cache(maxsize=8192)
def _token_words(token: str) -> tuple[str, ...]:
    return tuple(words_of(token))


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
