"""What to do with a matched message: answer, file a ticket, ask a person, or leave it.

A wrong automatic answer in public is worse than a slow one, so the policy answers on its
own only when one answering protocol is clearly ahead, confident, and nothing in the message
looks like a complaint, an insult or another company's business. Everything uncertain goes
to a person with the best draft.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from channels.specs import SPECS
from conectados.spanish import number, percent
from responders.courtesy import asks_for_someone, ironic, thanks_only
from responders.cue_words import DISPUTE, LEGAL_INSTRUMENT, OWN_FILING
from responders.cues import CueFinder
from responders.matcher import FILLER, Candidate, Match, in_their_words, stem_of
from responders.normalize import normalize, stems_of
from responders.protocols import Protocol, ProtocolAction


class Action(enum.StrEnum):
    ANSWER = "answer"
    TICKET = "ticket"
    REVIEW = "review"
    IGNORE = "ignore"


ACTION_NAMES = {
    Action.ANSWER: "responder",
    Action.TICKET: "radicar",
    Action.REVIEW: "revisar",
    Action.IGNORE: "dejar",
}


@dataclass(frozen=True)
class Thresholds:
    """From `[respuestas]` in the settings."""

    auto: float = 0.6
    """Confidence needed to answer without a person (evidence 2.75: one strong key and a bit)."""
    review: float = 0.45
    """Below this, the message is not about any protocol."""
    margin: float = 0.15
    """How far ahead of the second protocol the first must be to answer on its own."""
    per_protocol: tuple[tuple[str, float], ...] = ()
    """Protocol id -> its own `auto`, calibrated on the company's history
    (`responders.calibration`); a mapping given here is stored as sorted pairs (hashable)."""

    def __post_init__(self) -> None:
        pairs = self.per_protocol
        if isinstance(pairs, Mapping):
            pairs = pairs.items()
        object.__setattr__(
            self, "per_protocol", tuple(sorted((str(k), float(v)) for k, v in pairs))
        )

    def auto_for(self, protocol_id: str | None) -> float:
        """The confidence needed to answer `protocol_id` alone."""
        for known, threshold in self.per_protocol:
            if known == protocol_id:
                return threshold
        return self.auto


UNSURE_HOLD = 0.2
"""How much the company's examples may lean to a person seeing a message (`Match.hold_share`)
for learning to turn a doubt into an automatic answer."""
COMPLAINT_HINT = 0.39
"""A complaint protocol this sure (evidence 1.5: one fair key) stops an automatic answer."""


STATEMENT_CONFIDENCE = 0.85
"""A message that neither asks nor requests ("the meter reader left our gate open") is more
often a complaint than a question: answered alone only this sure, unless its protocol
answers reports (`responde_reportes: si`, the no-water one)."""
_REQUESTS = re.compile(
    r"\b(puedo|puede|pueden|podria|podrian|necesito|necesitamos|quisiera|quiero|queremos|informen|"
    r"informar|"
    r"informacion|indiquen|expliquen|requisitos|me regalan|me confirman|me ayudan|"
    r"me colaboran|me dicen|me indican|me envian|me mandan|quiero saber|saber si|por favor|"
    r"ayuda|ayudenme|una pregunta|pregunto|una consulta)\b"
)
# "que", "como", "cuando"... ask only with their accent or opening a sentence ("el señor que
# lee el medidor" does not ask anything; "como pago" at the start does).
_QUESTION_WORDS = re.compile(
    r"\b(qué|cómo|dónde|cuándo|cuánt[oa]s?|cuál(es)?|quién(es)?|por qué)\b"
    r"|(^|[,.;:!¡¿]\s*)(que|q|k|como|donde|dnd|cuando|cuanto|cuanta|cuantos|cuantas|cual|"
    r"cuales|quien|porque|por que|xq|pq|hasta|a que)\b"
)
CLOSE_CALL = 0.8
"""A complaint protocol this close to the best one, in a message that sounds like a complaint,
is filed rather than left for review."""
COMPLAINT_SHARE = 0.4
"""... when its evidence is at least this share of the best protocol's (not a passing word)."""
SHORT = 4
LONG_MESSAGE = 40
"""A frequent question takes a few lines; a message longer than this many words (courtesy
formulas aside: `told_words`) tells a story around it (a complaint, a petition, a person at
risk) and goes to a person. 30 until round 4 of issue 22, when formal letters and questions
with their reason ("tengo una lechería y necesito organizar…") kept going to a person; at
40, with the cue for an earlier request still not done, every complaint of every labelled
file still goes to a ticket or a person."""
SHOUTING_LETTERS = 20
"""A message with at least this many letters, nearly all capitals, is shouting."""
"""A greeting is answered alone only in a short message (this many words that say something)."""


@dataclass(frozen=True)
class Decision:
    action: Action
    protocol: Protocol | None
    confidence: float
    reason: str
    """In Spanish, for the team: why this action."""
    also: Protocol | None = None
    """A message that asks a frequent question and carries a complaint: the other half's
    protocol, whose draft waits for a person next to this one (the question's answer next
    to a complaint's acknowledgement, or the acknowledgement next to the answer)."""
    doubt: bool = False
    """Sent to a person only because no protocol was sure enough (what learning may settle)."""
    together: Protocol | None = None
    """A second frequent question the message asks, as sure as the first: its answer goes
    out in the same reply, after this protocol's."""


def decide(match: Match, thresholds: Thresholds, private: bool = False) -> Decision:
    """The action for one message. `private`: it came as a private message, not in public.

    Learning cannot undo a rule: what the shipped catalogue alone would file, or send to a
    person for anything but doubt, stands; learned evidence never files a ticket."""
    if not match.learned:
        return _decide(match, thresholds, private)
    shipped = _decide(match.shipped(), thresholds, private)
    if not movable(shipped):
        return shipped
    decision = _decide(match, thresholds, private)
    if decision.action == Action.TICKET:
        return shipped
    if decision.action == Action.IGNORE and shipped.action == Action.ANSWER:
        # The team left messages like this alone, yet the catalogue answers it: a person
        # decides (leaving a citizen's question unanswered is worse than a slower answer).
        return Decision(
            Action.REVIEW,
            shipped.protocol,
            shipped.confidence,
            f"{decision.reason}, pero el catálogo lo respondería ({shipped.reason}): una "
            "persona decide",
        )
    if (
        decision.action == Action.ANSWER
        and shipped.action != Action.ANSWER
        and match.hold_share >= UNSURE_HOLD
    ):
        # Learning settles a doubt only when the team does not also file or review messages
        # like this one.
        return shipped
    return decision


def movable(decision: Decision) -> bool:
    """Whether learning may change this decision: an automatic answer, a message about no
    protocol, or one sent to a person only because no protocol was sure enough."""
    return decision.action in (Action.ANSWER, Action.IGNORE) or decision.doubt


def _decide(match: Match, thresholds: Thresholds, private: bool) -> Decision:
    best = match.best
    confidence = match.confidence
    protocol = best.protocol if best else None
    if match.normalized.empty:
        return Decision(
            Action.IGNORE, None, 0.0, "no tiene palabras (solo emojis, signos o código)"
        )
    if match.out_of_scope and not match.mentions_our_service and not match.complaint_cues:
        # Not when our crew cut someone's cable: a complaint against us is our business.
        return Decision(Action.IGNORE, None, 0.0, "; ".join(match.out_of_scope))
    if match.out_of_scope:
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            f"{match.out_of_scope[0]}, además de nuestro servicio",
        )
    if left_alone(match):
        return Decision(Action.IGNORE, None, 0.0, match.learned_leave)
    if any(not cue.family.weak for cue in match.complaint_cues):
        return complaint_decision(match, thresholds)
    decision = _without_cues(match, thresholds, private)
    if match.complaint_cues and not explains_instrument(match, decision):
        return hinted_decision(match, decision)
    return decision


_DISPUTE = CueFinder((DISPUTE, OWN_FILING))
_OWN = frozenset({"me", "mi", "mis", "mio", "mia", "yo", "nos", "nuestro", "nuestra", "nuestros"})
"""A question about how an instrument works asks in general; «me», «mi», «nos» bring a case
of the citizen's own into it («lo que me contestó la ingeniera», «el mío ya va…»)."""


def thanks_not_filed(match: Match, thresholds: Thresholds) -> Decision | None:
    """A thanks that names staff or works ("Dios les pague a los funcionarios por arreglar la
    tubería"): the words of a protocol that files, which the greeting stepped aside for, but
    praise is no complaint. It goes to a person with the greeting's draft (`plain_courtesy`:
    no irony found, nothing asked) instead of being filed; otherwise it goes on as before."""
    greeting = match.greeting
    if greeting is None or match.best is None:
        return None
    if match.best.protocol.action != ProtocolAction.TICKET:
        return None
    if match.best.confidence >= thresholds.auto:
        return None  # a report said clearly («gracias, el agua llega turbia desde ayer»)
    swapped = replace(match, candidates=(greeting,), greeting=None)
    if not plain_courtesy(swapped):
        return None
    # Irony reads like praise often enough («Dios les pague por el recibo de 300 mil») that
    # a person sends the greeting back; what matters is that praise is not filed as a PQR.
    return Decision(
        Action.REVIEW,
        greeting.protocol,
        greeting.confidence,
        f"agradece o felicita; nombra {match.best.protocol.name} "
        f"({percent(match.best.confidence, 0)}), pero no parece una queja: no se radica, una "
        "persona envía el saludo o lo radica si es ironía",
    )


def consults(match: Match, protocol: Protocol, besides: frozenset[str] = frozenset()) -> bool:
    """Whether the message asks the consultation of a protocol that files reports: it asks,
    rests on a consultation word, names none of the protocol's other keys (what it files:
    colour, smell, taste) and tells little else (`besides`: the words of another question the
    message also asks)."""
    if protocol.consultation is None or asks_nothing(match):
        return False
    stems = set(match.normalized.stems)
    consult = protocol.consultation_keys
    if not any(set(key.stems) <= stems for key in consult):
        return False
    asked = {key.phrase for key in consult}
    if any(
        key.weight > 0 and key.phrase not in asked and set(key.stems) <= stems
        for key in protocol.keys
    ):
        return False
    # A plain question says little beyond it: a reason given ("porque apesta", "ya le salen
    # hojas") or a few more things told is a report in other words, and is filed.
    words = set(match.normalized.words)
    if words & _REASONS or words & _OTHER_WATERS or words & _OWN:
        return False  # a reason, someone else's water, or a case of their own («en mi casa»)
    said = stems - besides - FILLER - _CONSULT_GENERIC - {s for key in consult for s in key.stems}
    return len(said) <= CONSULT_EXTRA


CONSULT_EXTRA = 2
"""Words a consultation may carry beyond its own and the water's («¿el agua de la llave es
potable o hay que hervirla?» carries one)."""
_REASONS = frozenset(
    {"porque", "xq", "pq", "porq", "pues", "ya", "desde", "sale", "salen", "llega"}
)
"""What introduces what the citizen sees («porque apesta», «ya le salen hojas», «desde ayer»)."""
_OTHER_WATERS = frozenset(
    {
        "piscina",
        "rio",
        "aljibe",
        "pozo",
        "quebrada",
        "nacimiento",
        "mar",
        "lago",
        "represa",
        "finca",
    }
)
"""Water that is not the utility's: no consultation answers for it."""
_CONSULT_GENERIC = frozenset(
    stem_of(word)
    for word in (
        "agua", "acueducto", "llave", "grifo", "casa", "tomar", "beber", "consumir", "es",
        "hay", "que", "toca", "hervir", "hervirla", "ustedes", "empresa", "municipio",
        "pueblo", "barrio", "directo", "mejor", "comprar", "bolsa", "botellon",
    )
)  # fmt: skip


def consultation(match: Match, thresholds: Thresholds, private: bool) -> Decision | None:
    """A plain question about a topic the best protocol files reports of ("¿el agua de la
    llave es potable o hay que hervirla?"): answered with the protocol's consultation, as any
    frequent question, when the message asks, rests on the consultation's words and names
    nothing the protocol files (no colour, smell, taste: none of its other keys). Whatever
    keeps the answer from going out alone (doubt, discontent, a long story…) files it, as
    before: a person never gets a consultation draft that would not file."""
    best = match.best
    if best is None or not consults(match, best.protocol):
        return None
    swapped = replace(
        match,
        candidates=(replace(best, protocol=best.protocol.consultation), *match.candidates[1:]),
    )
    decision = _without_cues(swapped, thresholds, private)
    if decision.action == Action.ANSWER and decision.protocol is best.protocol.consultation:
        return decision
    return None


def explains_instrument(match: Match, decision: Decision) -> bool:
    """A legal instrument named only as what a question asks about ("¿cómo presento un
    derecho de petición?", "¿qué es el silencio administrativo positivo?"), answered by a
    protocol the company wrote to explain it (the instrument is among its keys): the answer
    explains how to file; it answers no petition. Not when the message disputes a decision,
    names a case of the citizen's own, aims the instrument at someone (`DISPUTE`) or says
    the citizen is about to file one (`OWN_FILING`): that is a petition, and a person
    answers it."""
    if decision.action != Action.ANSWER or decision.protocol is None:
        return False
    if any(cue.family is not LEGAL_INSTRUMENT for cue in match.complaint_cues):
        return False
    if asks_nothing(match):
        return False
    if _DISPUTE.find(match.normalized.words) or _OWN.intersection(match.normalized.words):
        return False
    keys = [set(key.stems) for key in decision.protocol.keys if key.weight > 0]
    for cue in match.complaint_cues:
        named = set(stems_of(cue.phrase.split()))
        if not any(stems and stems <= named for stems in keys):
            return False
    return True


def _without_cues(match: Match, thresholds: Thresholds, private: bool) -> Decision:
    best = match.best
    confidence = match.confidence
    protocol = best.protocol if best else None
    thanked = thanks_not_filed(match, thresholds)
    if thanked is not None:
        return thanked
    if best is None or confidence < thresholds.review:
        weak = (
            f" (lo más parecido: {protocol.name}, confianza {percent(confidence, 0)})"
            if protocol
            else ""
        )
        if match.insults or match.discontent:
            return Decision(
                Action.REVIEW, protocol, confidence, f"parece una queja sin protocolo claro{weak}"
            )
        if private:
            return Decision(
                Action.REVIEW,
                protocol,
                confidence,
                f"mensaje privado sin protocolo claro{weak}",
                doubt=True,
            )
        if best is not None:
            return Decision(
                Action.REVIEW, protocol, confidence, f"ningún protocolo es claro{weak}", doubt=True
            )
        return Decision(Action.IGNORE, None, confidence, "no trata de ningún protocolo")
    complaints = [
        candidate
        for candidate in match.candidates
        if candidate.protocol.action == ProtocolAction.TICKET
        and candidate.confidence >= COMPLAINT_HINT
        and candidate.score >= COMPLAINT_SHARE * best.score
        and not consults(match, candidate.protocol, best.evidence)
    ]
    if protocol.action == ProtocolAction.TICKET:
        consulted = consultation(match, thresholds, private)
        if consulted is not None:
            return consulted
        question = question_in(match, thresholds.auto)
        return Decision(
            Action.TICKET,
            protocol,
            confidence,
            f"{protocol.name}: queja o reporte para radicar{_also_asks(question)}",
            also=question,
        )
    if complaints:
        complaint = complaints[0]
        if (match.discontent or match.insults) and complaint.score >= CLOSE_CALL * best.score:
            # "Me cobraron dos veces el cargo fijo": as much a billing complaint as a question
            # about the bill, and it sounds like one: file it (with the bill's answer drafted
            # only when the message does ask something).
            question = question_in(match, thresholds.review)
            return Decision(
                Action.TICKET,
                complaint.protocol,
                complaint.confidence,
                f"{complaint.protocol.name}: queja o reporte para radicar (suena a queja)"
                f"{_also_asks(question)}",
                also=question,
            )
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            f"además parece una queja o reporte ({complaints[0].protocol.name}): una persona decide",
            also=complaint.protocol,
        )
    if protocol.action == ProtocolAction.REVIEW:
        return Decision(
            Action.REVIEW, protocol, confidence, f"{protocol.name}: siempre lo revisa una persona"
        )
    if match.normalized.has_template_syntax or match.normalized.has_html:
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            "trae código o marcas de plantilla: que lo lea una persona",
        )
    if match.insults:
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            "tiene palabras ofensivas: mejor que responda una persona",
        )
    if match.discontent:
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            f"suena a queja («{in_their_words(match.text, match.discontent[0])}»): mejor que "
            "responda una persona",
        )
    if protocol.low_priority and ironic(match.normalized, match.text):
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            "saluda o agradece con algo que suena a ironía o a queja: mejor que responda una "
            "persona",
        )
    if (
        protocol.low_priority
        and ("?" in match.text or len(set(match.normalized.stems) - FILLER) > SHORT)
        and not asks_for_someone(match.normalized)
    ):
        return Decision(
            Action.REVIEW, protocol, confidence, "parece un saludo, pero pregunta o cuenta algo más"
        )
    if match.normalized.laughs:
        return Decision(
            Action.REVIEW, protocol, confidence, "se ríe: puede ser un chiste o una ironía"
        )
    told = told_words(match.normalized.words)
    if told > LONG_MESSAGE:
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            f"mensaje largo ({told} palabras): puede traer más de un asunto "
            "(una queja, una petición); mejor que lo lea una persona",
        )
    if shouts(match.text):
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            "escrito en mayúsculas: suena a reclamo; mejor que responda una persona",
        )
    if (
        not protocol.answers_reports
        and not protocol.low_priority
        and confidence < STATEMENT_CONFIDENCE
        and asks_nothing(match)
    ):
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            "cuenta algo sin preguntar ni pedir nada: puede ser una queja",
        )
    auto = thresholds.auto_for(protocol.id)
    if confidence < auto:
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            f"confianza {percent(confidence, 0)}, menor que {percent(auto, 0)}",
            doubt=True,
        )
    if match.learned_hold:
        return Decision(Action.REVIEW, protocol, confidence, match.learned_hold)
    together = second_question(match, thresholds)
    if together is not None:
        return Decision(
            Action.ANSWER,
            protocol,
            confidence,
            f"dos preguntas: {protocol.name} (confianza {percent(confidence, 0)}) y "
            f"{together.protocol.name} (confianza {percent(together.confidence, 0)})",
            together=together.protocol,
        )
    if match.margin < thresholds.margin:
        second = match.candidates[1]
        return Decision(
            Action.REVIEW,
            protocol,
            confidence,
            f"duda entre {protocol.name} ({percent(confidence, 0)}) y {second.protocol.name} "
            f"({percent(second.confidence, 0)})",
            also=second.protocol if second.protocol.action == ProtocolAction.ANSWER else None,
            doubt=True,
        )
    return Decision(
        Action.ANSWER, protocol, confidence, f"{protocol.name} (confianza {percent(confidence, 0)})"
    )


def left_alone(match: Match) -> bool:
    """Whether the company's examples leave this message alone and nothing in it could be a
    complaint (no cue, insult or discontent, no complaint protocol among its candidates)."""
    return bool(
        match.learned_leave
        and not match.complaint_cues
        and not match.insults
        and not match.discontent
        and all(
            candidate.protocol.action == ProtocolAction.ANSWER for candidate in match.candidates
        )
    )


def second_question(match: Match, thresholds: Thresholds) -> Candidate | None:
    """The second frequent question of a message that asks two, when both are sure enough to
    answer alone and each rests on words of its own."""
    if len(match.candidates) < 2:
        return None
    first, second = match.candidates[0], match.candidates[1]
    if second.protocol.consultation is not None and consults(
        match, second.protocol, first.evidence
    ):
        # "¿Se puede tomar el agua de la llave? ¿y cuándo leen el medidor?"
        second = replace(second, protocol=second.protocol.consultation)
    if (
        second.protocol.action != ProtocolAction.ANSWER
        or second.protocol.low_priority
        or second.confidence < thresholds.auto_for(second.protocol.id)
    ):
        return None
    return second if _apart(match.text, first.evidence, second.evidence) else None


_CLAUSES = re.compile(
    r"([?¿.!¡;\n]+|\s(?:y|e|ademas|además|tambien|también)\s|(?:^|\s)\d[).]\s)", re.IGNORECASE
)
_OPENERS = frozenset(
    {"hola", "buenas", "buenos", "buen", "dias", "días", "tardes", "noches", "xfa", "porfa",
     "por", "favor", "señores", "senores", "disculpe", "disculpen", "una", "pregunta", "consulta",
     "y", "e", "pues", "oiga", "oigan", "veci", "vecinos", "parce", "sumercé", "sumerce", "seño",
     "ome", "mijo", "mija", "compadre", "comadre", "eche", "ajá", "aja", "vea", "mire"}
)  # fmt: skip
"""Greetings and openers before a question word ("buenas, ¿dónde pago?" asks)."""


def _clause_asks(clause: str, folded: tuple[str, ...] | None = None) -> bool:
    """Whether a part of a message asks: a question word opening it (after greetings), or a
    request in it ("se puede…", "me confirman…"). `folded`: its words, when already known."""
    words = clause.strip().lower().replace(",", " ").split()
    start = 0
    while start < len(words) and words[start] in _OPENERS:
        start += 1
    if _QUESTION_WORDS.search(" ".join(words[start:])):
        return True
    return bool(_ASKING.search(" ".join(normalize(clause).words if folded is None else folded)))


_ASKING = re.compile(
    r"\b(se puede|puedo|podria|pueden|podrian|me regalan|me confirman|me dicen|me indican|"
    r"me envian|me mandan|me ayudan|me colaboran|quiero saber|saber si|informen|indiquen|"
    r"expliquen)\b"
)
"""Requests that ask by themselves ("se puede hacer un acuerdo de pago"), not "necesito…",
which often says what for ("necesito llevar los papeles")."""


def _apart(text: str, first: frozenset[str], second: frozenset[str]) -> bool:
    """Whether each protocol's own evidence lies in a question of its own ("¿dónde pago? y
    ¿a qué hora abren?"): a part of the message that asks and says nothing of the other's."""
    own_first, own_second = first - second, second - first
    if not own_first or not own_second:
        return False
    parts = _CLAUSES.split(text)
    alone_first = alone_second = False
    for at in range(0, len(parts), 2):
        clause = parts[at]
        after = parts[at + 1] if at + 1 < len(parts) else ""
        if "?" not in after and not _clause_asks(clause):
            continue
        stems = set(normalize(clause).stems)
        has_first, has_second = bool(stems & own_first), bool(stems & own_second)
        alone_first = alone_first or (has_first and not has_second)
        alone_second = alone_second or (has_second and not has_first)
    return alone_first and alone_second


def complaint_decision(match: Match, thresholds: Thresholds) -> Decision:
    """A message with a complaint cue is never answered alone: it is filed when a complaint
    protocol fits, else a person decides; a frequent question it also asks gets its answer
    drafted next to the complaint's acknowledgement."""
    cues = match.cues_text()
    urgent = "URGENTE: " if any(cue.family.urgent for cue in match.complaint_cues) else ""
    question = question_in(match, thresholds.review)
    fitting = next(
        (
            candidate
            for candidate in match.candidates
            if candidate.protocol.action == ProtocolAction.TICKET
            and candidate.confidence >= thresholds.review
            and candidate.score >= CLOSE_CALL * match.candidates[0].score
        ),
        None,
    )
    if fitting is not None:
        return Decision(
            Action.TICKET,
            fitting.protocol,
            fitting.confidence,
            f"{urgent}{fitting.protocol.name}: queja para radicar ({cues}){_also_asks(question)}",
            also=question,
        )
    complaint = match.general_complaint
    if question is not None:
        return Decision(
            Action.REVIEW,
            question,
            match.confidence,
            f"{urgent}pregunta ({question.name}) y se queja ({cues}): radique la queja y responda "
            "con los dos borradores",
            also=complaint,
        )
    return Decision(
        Action.REVIEW,
        complaint,
        match.confidence,
        f"{urgent}parece una queja ({cues}): una persona decide si se radica",
    )


def hinted_decision(match: Match, decision: Decision) -> Decision:
    """Only weak cues (a legal instrument named, a person at risk next to a question about
    the water): never answered alone, never filed on the cue alone. What the message would
    get anyway stands when a person or a ticket already handles it."""
    cues = match.cues_text()
    urgent = "URGENTE: " if any(cue.family.urgent for cue in match.complaint_cues) else ""
    if decision.action in (Action.TICKET, Action.REVIEW):
        return replace(decision, reason=f"{urgent}{decision.reason} ({cues})")
    protocol = decision.protocol or match.general_complaint
    also = match.general_complaint if decision.protocol is not None else None
    return Decision(
        Action.REVIEW,
        protocol,
        match.confidence,
        f"{urgent}{cues}: una persona responde (el borrador de {protocol.name if protocol else 'ninguno'}"
        " queda para revisar)",
        also=also,
    )


def question_in(match: Match, floor: float) -> Protocol | None:
    """The frequent question a message asks, if one is at least `floor` sure ("exijo la
    devolución del cargo fijo" shares words with the bill's protocol but asks nothing; a
    report of no water is answered by its protocol even when it asks nothing)."""
    asks = not asks_nothing(match)
    for candidate in match.candidates:
        if (
            candidate.protocol.action == ProtocolAction.ANSWER
            and not candidate.protocol.low_priority
            and candidate.confidence >= floor
            and (asks or candidate.protocol.answers_reports)
        ):
            return candidate.protocol
    return None


def _also_asks(question: Protocol | None) -> str:
    if question is None:
        return ""
    return f"; también pregunta ({question.name}): su respuesta queda como borrador para revisar"


_WANTS = frozenset({"quiero", "queremos", "quisiera", "quisieramos"})
_PRAISING = ("felicit", "agradec", "expres", "dar", "reconoc", "resalt")
"""What a «quiero» that wants nothing goes on with ("quiero felicitar", "quisiera
agradecer"); "quisiera conocer el estado…" requests."""
_WISHES = re.compile(
    r"\bque (mi |el |nuestro )?(dios|diosito|les vaya|le vaya|sigan|siga)\b"
    r"|\bqu[eé] (hubo|tal|m[aá]s)\b|\bquiubo\b"
)
"""Wishes and greetings that open with «que» and ask nothing ("Que Dios los bendiga", "Qué
hubo pues")."""


def plain_courtesy(match: Match) -> bool:
    """A longer thanks, or «¿hay alguien?»: the greeting's answer serves it
    (`responders.courtesy`). The greeting is the best protocol only when no other has more
    than a passing word (`responders.matcher.LOW_PRIORITY_YIELDS_TO`)."""
    if asks_for_someone(match.normalized):
        return True
    # "Quiero felicitar a…" wants nothing: its "quiero" is no request; "Que Dios los
    # bendiga" wishes, it does not ask.
    words = match.normalized.words
    rest = " ".join(
        word
        for at, word in enumerate(words)
        if not (word in _WANTS and at + 1 < len(words) and words[at + 1].startswith(_PRAISING))
    )
    wished = _WISHES.sub(" ", match.text.strip().lower())
    asks = bool(_QUESTION_WORDS.search(wished) or _REQUESTS.search(rest))
    return thanks_only(match.normalized, match.text, asks)


_FORMULAS = tuple(
    tuple(phrase.split())
    for phrase in (
        "por medio de la presente", "me permito", "nos permitimos", "cordial saludo",
        "cordialmente", "atentamente", "respetados senores", "respetados señores",
        "estimados senores", "estimados señores", "buenos dias", "buenas tardes",
        "buenas noches", "muy buenos dias", "muchas gracias", "mil gracias",
        "de antemano gracias", "gracias de antemano", "agradezco de antemano",
        "agradezco su atencion", "que pena con usted", "que pena con ustedes", "hola",
        "senores", "señores", "buenas", "gracias", "dios le pague", "dios les pague",
        "dios los bendiga", "dios la bendiga", "dios lo bendiga", "quedo atento",
        "quedo atenta", "quedo pendiente",
    )
)  # fmt: skip
"""Courtesy that makes a formal letter long without telling more ("Cordial saludo. Por medio
de la presente me permito…"): not counted toward `LONG_MESSAGE`."""
_FORMULA_STARTS: dict[str, list[tuple[str, ...]]] = {}
for _formula in sorted(_FORMULAS, key=len, reverse=True):
    _FORMULA_STARTS.setdefault(_formula[0], []).append(_formula)


def told_words(words: tuple[str, ...]) -> int:
    """How many words a message has once its courtesy formulas are left out (one pass; the
    longest formula at each word first)."""
    told = at = 0
    while at < len(words):
        for formula in _FORMULA_STARTS.get(words[at], ()):
            if words[at : at + len(formula)] == formula:
                at += len(formula)
                break
        else:
            told += 1
            at += 1
    return told


def asks_nothing(match: Match) -> bool:
    """Neither a question nor a request, and longer than a few words ("recibo?" asks)."""
    if "?" in match.text or len(match.normalized.stems) <= 3:
        return False
    return _asks_nothing(match.text, match.normalized.words)


@lru_cache(maxsize=256)  # a message learning touches is decided twice (`decide`)
def _asks_nothing(text: str, words: tuple[str, ...]) -> bool:
    if _QUESTION_WORDS.search(text.strip().lower()) or _clause_asks(text, words):
        return False
    joined = " ".join(words)
    return not (_REQUESTS.search(joined) or _ALTERNATIVE.search(joined))


_ALTERNATIVE = re.compile(
    r"\bo (toca|hay que|tengo que|tiene que|tenemos que|debo|se puede|puedo|ya|todavia)\b"
)
"""An alternative asks without a question mark ("me reconectan hoy o toca esperar a mañana")."""


def too_long(network: str, text: str, private: bool = False) -> str | None:
    """Why a reply cannot go out on `network` as it is (X's 280 characters), if it cannot."""
    found = SPECS.get(network)
    limit = found and (found.private_text_limit if private else found.post_text_limit)
    if found is None or limit is None:
        return None
    length = found.length(text) if not private else len(text)
    if length <= limit:
        return None
    where = "un mensaje privado" if private else "una respuesta pública"
    return (
        f"tiene {number(length)} caracteres y en {where} de {found.display_name} "
        f"caben {number(limit)}"
    )


@lru_cache(maxsize=256)  # a message learning touches is decided twice (`decide`)
def shouts(text: str) -> bool:
    """Whether `text` is written in capitals (one pass; a short "PSE" or "EPM" is not)."""
    upper = lower = 0
    for char in text:
        if char.isupper():
            upper += 1
        elif char.islower():
            lower += 1
    return upper + lower >= SHOUTING_LETTERS and upper >= 4 * lower
