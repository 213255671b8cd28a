"""Complaint cues: what makes a message a complaint whatever frequent question it also asks.

A petition answered with a template and no radicado is a legal liability (Ley 142 de 1994,
art. 158: unanswered in 15 business days, it is granted). So a message that threatens or
announces a legal action, asks for money back or a compensation, says an earlier case is
unresolved or past its term, blames the company or its staff for a damage or a mistreatment,
or tells of vulnerable people without water, is never answered alone (see `responders.policy`).

Each family is a list of terms over the message's folded words (`normalize.words_of`: no
accents, repeated letters and abbreviations undone, stop words kept). A term is a few words
in order, at most one other word between two of them; a word ending in `*` is a prefix
(`tutel*`: tutela, tutelas, tutelar). Some terms count alone; others (`anchors`) only with a
`context` term near them (`derecho de petición` is a complaint next to `voy a` or `puse`, not
in "¿cómo se pone un derecho de petición?"). Matching looks at each word once against
indexes of fixed size: linear in the length of the message, with no regular expression.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from responders.normalize import words_of

Token = tuple[str, bool]
"""A folded word and whether it is a prefix."""


@dataclass(frozen=True)
class Term:
    phrase: str
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Family:
    name: str
    """In Spanish, for the reviewer: what kind of complaint this is."""
    alone: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    window: int = 6
    """How many words apart an anchor and a context term may be."""
    ordered: bool = False
    """The anchor comes first ("no me han respondido", not "respondido ... no")."""
    context_first: bool = False
    """The context comes first ("queja ante la Superintendencia")."""
    urgent: bool = False


@dataclass(frozen=True)
class Cue:
    family: Family
    phrase: str
    """The words of the message that matched, folded."""

    def __str__(self) -> str:
        return f"{self.family.name} («{self.phrase}»)"


_ANNOUNCED_ACT = (
    # Threats and announcements: "voy a poner una tutela", "si no ... interpongo". A filing
    # done earlier is not enough ("puse una queja, ¿en qué va?" asks for its status).
    # Not "toca" ("¿se puede poner una queja por aquí o toca ir a la oficina?" asks), nor a bare
    # "si no" ("si no responden en 15 días, ¿qué pasa?" asks how the term works).
    "voy a", "vamos a", "ire a", "iremos a", "tendre que", "tendremos que", "si no me",
    "si no nos", "o si no", "sino me", "sino nos", "de lo contrario",
    "pondre", "pondremos", "interpondre", "interpondremos", "presentare", "presentaremos",
    "radicare", "radicaremos", "instaurare", "elevare", "acudire", "acudiremos", "procedere",
    "interpongo", "interponemos", "instauro", "elevo", "por medio de", "mediante el",
    "en ejercicio", "articulo", "ley 142", "ley 1755", "constitucion",
)  # fmt: skip

LEGAL_ACTION = Family(
    "acción legal o queja ante una autoridad",
    alone=(
        "tutel*", "accion popular", "accion de cumplimiento", "accion de grupo", "demandar*",
        "demandare*", "demandaremos", "demandamos", "demandaria*", "denunci*", "querell*",
        "juridicamente", "acciones legales", "proceso legal", "via legal", "medidas legales",
        "en subsidio de apelacion",
    ),
    # A legal word is a complaint when the citizen files or announces it, or aims it at
    # someone ("recurso contra la decisión"); a lawyer who asks for a paper is not one.
    anchors=(
        "derech* de petic*", "derech* de petis*", "derech* peticion", "recurs* de reposicion",
        "recurs* de apelacion", "reposicion y apelacion", "apelaci*", "apelar", "recurso",
        "queja*", "reclam*", "pqr*", "peticion*", "silencio administrativo", "abogad*", "juez",
        "juzgad*", "demanda",
    ),
    context=(*_ANNOUNCED_ACT, "contra"),
)  # fmt: skip

LEGAL_AUTHORITY = Family(
    "acción legal o queja ante una autoridad",
    # Going to an authority ("queja ante la Superintendencia", "voy a ir con la Personería"),
    # not naming it ("¿la oficina queda cerca de la Personería? es que voy a ...", "¿la
    # Superintendencia fija las tarifas?"): the words before it.
    anchors=(
        "superintenden*", "super intenden*", "superserv*", "super servicios", "sspd",
        "personeria", "procuradur*", "contraloria", "defensoria", "defensor del pueblo",
    ),
    context=(
        "ante", "contra", "acud*", "quej*", "denunci*", "demand*", "report*", "llevar*",
        "elev*", "instaur*", "interpon*", "escal*", "apel*", "ir a", "ire a", "iremos a",
        "voy a", "vamos a", "ir con", "ire con",
    ),
    window=6,
    context_first=True,
)  # fmt: skip

REFUND = Family(
    "pide devolución, compensación o descuento",
    alone=(
        "devoluci*", "devuelv*", "devolver*", "reembols*", "rembols*", "reintegr*",
        "indemni*", "indeni*", "compens*", "resarc*", "nota credito", "nota de credito",
        "descuenten", "rebajen", "descontarme", "descontarnos", "me paguen", "nos paguen",
        "pagarme",
        "me reconozcan", "nos reconozcan", "abonen", "me abonen", "que paguen", "respondan por",
        "responda por", "responder por los", "responder por el dano", "responder por el daño",
        "responder por mis", "responder por lo",
    ),
    anchors=("descuent*", "rebaj*", "saldo a favor", "reconoc*"),
    context=(
        "exij*", "exigim*", "exigir", "merec*", "deberian", "deben", "tienen que", "pido",
        "pedimos", "reclamo", "por los dias", "por el tiempo", "por las molestias",
        "por el dano", "por el daño", "por los daños", "por los danos", "por la falta",
        "sin agua", "sin servicio", "dias sin", "por el corte", "por la suspension",
        "por el mal servicio", "por todo el tiempo", "por la semana", "por las semanas",
    ),
    window=8,
)  # fmt: skip

_PAST_SOLUTION = (
    "respondid*", "respondieron", "respondio", "contestad*", "contestaron", "contesto",
    "resuelt*", "resolvieron", "resolvio", "solucionad*", "solucionaron", "soluciono",
    "arreglad*", "arreglaron", "reparad*", "repararon", "atendid*",
    "atendieron", "vinieron", "venido", "volvieron", "vuelto a venir", "hecho nada",
    "dado respuesta", "dado solucion", "dieron respuesta", "dieron solucion", "hicieron nada",
)  # fmt: skip

UNRESOLVED = Family(
    "caso anterior sin resolver o vencido",
    alone=(
        "sin respuest*", "ninguna respuesta", "ninguna solucion", "sin solucion", "reitero",
        "insisto", "vuelvo a report*", "vuelvo a escrib*", "vuelvo a llam*", "vuelvo a pon*",
        "volvemos a report*", "ya report*", "ya lo report*", "ya la report*", "ya llame",
        "ya hemos llamado", "ya he llamado", "ya escribi", "ya les escribi",
        "se vencio", "ya se vencio", "paso el plazo", "pasaron los 15", "pasaron los quince",
        "pasaron mas de", "ya pasaron", "ya paso el",
        "se paso el plazo", "mas de quince dias", "mas de 15", "plazo vencid*",
        "termino vencid*", "cumplio el plazo", "se cumplio el plazo", "varias veces",
        "muchas veces", "mil veces", "segunda vez", "tercera vez", "cuarta vez", "enesima vez",
        "ni siquiera respond*", "nadie me respond*", "nadie nos respond*",
    ),
    anchors=("no", "nunca", "nadie", "todavia no", "aun no", "jamas"),
    context=_PAST_SOLUTION,
    window=3,
    ordered=True,
)  # fmt: skip

BROKEN_PROMISE = Family(
    "caso anterior sin resolver o vencido",
    # Something asked or promised earlier, and still not done: "ya presenté los papeles ...
    # a la fecha sigue igual", "me dijeron que venían ... y nada".
    anchors=(
        "ya present*", "ya pedi", "ya pedimos", "ya solicit*", "ya entregu*", "ya lleve",
        "ya llevamos", "ya mande", "ya envie", "ya radiqu*", "ya pague", "ya pagamos",
        "ya hice", "ya hicimos", "me dijeron que", "nos dijeron que", "quedaron en",
        "prometieron", "me prometieron", "nos prometieron", "dijeron que",
    ),
    context=(
        "sigue", "siguen", "seguimos", "sigo", "todavia", "aun no", "a la fecha",
        "hasta hoy", "hasta la fecha", "hasta ahora", "y nada", "nada que", "no ha", "no han",
        "nunca",
    ),
    window=25,
    ordered=True,
)  # fmt: skip

REPEATED_CONTACT = Family(
    "caso anterior sin resolver o vencido",
    anchors=("otra vez", "de nuevo", "nuevamente", "una vez mas", "por enesima"),
    context=(
        "por lo mismo", "escrib*", "report*", "llam*", "reclam*", "quej*", "insist*", "avis*",
    ),
    window=3,
)  # fmt: skip

BILLING_CHECK = Family(
    "pide revisar o corregir un cobro",
    # Addressed to the company ("revisen", "hay que revisarlo"), next to what is charged.
    anchors=(
        "revisen", "corrijan", "verifiquen", "ajusten", "hay que revisar*", "deben revisar",
        "tienen que revisar", "que revisen", "exijo revis*", "exijo que revisen",
    ),
    context=("factur*", "cobr*", "consum*", "lectur*", "recibo", "cuenta", "tarifa", "valor"),
    window=25,
)  # fmt: skip

DAMAGE = Family(
    "daño causado por la empresa o su personal",
    alone=(
        "rompieron", "dañaron", "danaron", "tumbaron", "quebraron", "destruyeron", "rajaron",
        "ensuciaron", "inundaron", "averiaron", "perjuicio*", "perjudic*", "por culpa de",
        "culpa de ustedes", "culpa de la empresa", "culpa del acueducto", "culpa de los",
        "me daño", "nos daño", "me dañaron", "nos dañaron", "se me inundo", "se nos inundo",
        "se inundo mi", "se inundo la casa", "me quemaron", "se me quemo", "se me quemaron",
        "se nos quemo", "me destruyeron",
    ),
    # Who did it, then what they did: "el operario dañó", not "se dañó ... ¿viene el técnico?".
    anchors=(
        "operari*", "funcionari*", "contratist*", "trabajador*", "cuadrilla", "empleado*",
        "tecnico*", "lector", "retroexcavadora", "retro", "volqueta", "maquina*",
        "de la empresa", "del acueducto", "la obra", "su obra", "sus obras", "los de",
        "vino a", "vinieron a", "el señor", "los señores", "el muchacho", "los muchachos",
        "camion*", "carro de", "personal",
    ),
    context=(
        "daño", "dañ*", "dano", "danar*", "danad*", "rompi*", "romp*", "tumb*", "quebr*",
        "destru*", "ensuci*", "inund*", "golpe*", "rayaron", "perjudic*", "estrope*",
        "cortaron", "reventaron", "partieron", "arrancaron", "taparon",
    ),
    window=8,
    ordered=True,
)  # fmt: skip

DAMAGE_TO_PROPERTY = Family(
    "daño causado por la empresa o su personal",
    anchors=(
        "daños", "danos", "daño", "dano", "dañaron", "danaron", "rompieron", "rompio", "inundo",
        "inundaron", "se inundo", "mojo", "mojaron", "quemo", "quemaron", "agriet*", "fisur*",
        "perjuicio*",
    ),
    context=(
        "mi casa", "mi vivienda", "mi carro", "mi moto", "mis muebles", "mi nevera",
        "mi lavadora", "mi pared", "mi piso", "mi jardin", "mi anden", "mi fachada",
        "mi propiedad", "mi local", "mi negocio", "mis cosas", "enseres", "electrodomestic*",
        "mi puerta", "mi reja", "mi techo", "mi garaje", "mi cerca", "mi muro", "la casa",
        "las paredes", "los muebles", "el carro",
    ),
    window=8,
)  # fmt: skip

MISTREATMENT = Family(
    "maltrato o mala atención del personal",
    alone=(
        "maltrat*", "mal trato", "groser*", "humill*", "despot*", "altaner*", "prepotent*",
        "irrespet*", "patan*", "agresiv*", "agredi*", "mala atencion", "pesima atencion",
        "mal atendid*", "me trato mal", "me trataron mal", "nos trataron mal", "trato mal",
        "trataron mal", "atendio mal", "atendieron mal", "grit*", "me trat* de", "nos trat* de",
        "la trat* de", "lo trat* de", "le trat* de", "les trat* de",
        "me colg*", "nos colg*", "burlo", "burlaron", "se burl*", "discrimin*",
        "me ignor*", "nos ignor*", "mal genio", "mala gana", "malas maneras", "mala cara",
        "falta de respeto", "sin respeto", "amenazo", "amenazaron", "me amenaz*", "nos amenaz*",
    ),
)  # fmt: skip

VULNERABLE_WITHOUT_WATER = Family(
    "urgente: personas vulnerables sin agua",
    anchors=(
        "bebe", "bebes", "bebecito", "bebecita", "recien nacid*", "neonat*", "niñ*", "menores",
        "hijos pequeños", "hijo pequeño", "hija pequeña", "abuel*", "ancian*", "adulto mayor",
        "adultos mayores", "persona mayor", "personas mayores", "tercera edad", "enferm*",
        "discapacit*", "postrad*", "embaraz*", "dialisis", "oxigeno", "cancer", "paciente*",
        "silla de ruedas", "recien operad*", "operada", "cirugia", "convalec*", "en cama",
        "diabet*", "quimio*", "invalid*",
    ),
    context=(
        "sin agua", "sin servicio", "sin una gota", "ni una gota", "no hay agua", "no hay ni",
        "no tenemos agua", "no tengo agua", "no tenemos ni", "no llega agua",
        "no llega el agua", "no nos llega", "no ha llegado", "no ha vuelto", "no ha regresado",
        "se fue el agua", "quitaron el agua", "cortaron el agua", "nos cortaron",
        "me cortaron", "dias sin", "urgent*", "urgencia", "emergencia", "desesper*",
        "no aguant*", "auxilio", "necesitamos agua", "necesito agua", "carrotanque*",
        "carro tanque", "carrotanqu*",
    ),
    window=20,
    urgent=True,
)  # fmt: skip

FAMILIES = (
    LEGAL_ACTION,
    LEGAL_AUTHORITY,
    REFUND,
    BILLING_CHECK,
    UNRESOLVED,
    BROKEN_PROMISE,
    REPEATED_CONTACT,
    DAMAGE,
    DAMAGE_TO_PROPERTY,
    MISTREATMENT,
    VULNERABLE_WITHOUT_WATER,
)


def _term(phrase: str) -> Term:
    tokens: list[Token] = []
    for raw in phrase.split():
        prefix = raw.endswith("*")
        words = words_of(raw.rstrip("*"))
        for index, word in enumerate(words):
            tokens.append((word, prefix and index == len(words) - 1))
    return Term(phrase, tuple(tokens))


class _TermIndex:
    """Terms by their first word (exact or prefix): each word of a message is looked up once
    per prefix length, a number fixed by the terms, not by the message."""

    def __init__(self, terms: list[tuple[int, Term]]) -> None:
        self.exact: dict[str, list[tuple[int, Term]]] = defaultdict(list)
        self.prefixes: dict[str, list[tuple[int, Term]]] = defaultdict(list)
        for slot, term in terms:
            word, prefix = term.tokens[0]
            (self.prefixes if prefix else self.exact)[word].append((slot, term))
        self.lengths = sorted({len(word) for word in self.prefixes})

    def starting_at(self, words: tuple[str, ...], position: int) -> list[tuple[int, Term, int]]:
        """(slot, term, position of its last word) for each term found starting here."""
        word = words[position]
        found = []
        candidates = list(self.exact.get(word, ()))
        for length in self.lengths:
            if length > len(word):
                break
            candidates.extend(self.prefixes.get(word[:length], ()))
        for slot, term in candidates:
            end = _follows(words, position, term.tokens)
            if end is not None:
                found.append((slot, term, end))
        return found


def _same(word: str, token: Token) -> bool:
    wanted, prefix = token
    return word.startswith(wanted) if prefix else word == wanted


def _follows(words: tuple[str, ...], position: int, tokens: tuple[Token, ...]) -> int | None:
    at = position
    for token in tokens[1:]:
        if at + 1 < len(words) and _same(words[at + 1], token):
            at += 1
        elif at + 2 < len(words) and _same(words[at + 2], token):
            at += 2
        else:
            return None
    return at


ALONE, ANCHOR, CONTEXT = 0, 1, 2

TERM_DAYS = 21
"""15 business days (Ley 142, art. 158), in calendar days: a case older than this is overdue."""
_NUMBERS = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "quince": 15, "veinte": 20, "treinta": 30,
    "cuarenta": 40, "varios": 3, "varias": 3, "muchos": 4, "muchas": 4,
}  # fmt: skip
_UNITS = {"dia": 1, "dias": 1, "semana": 7, "semanas": 7, "mes": 30, "meses": 30, "año": 365}
_CASE_PREFIXES = (
    "radic", "reclam", "quej", "petic", "pqr", "solicit", "caso", "tramit", "report", "denunci",
    "derecho", "llamand", "escribiend", "insist",
)  # fmt: skip
OVERDUE = Family("caso anterior sin resolver o vencido")


def overdue_case(words: tuple[str, ...]) -> str | None:
    """An earlier case named with an age past the legal term ("puse un reclamo hace 2 meses",
    "radicado ... ya van 20 días hábiles"). Looks at each word and the two before it."""
    if not any(word.startswith(_CASE_PREFIXES) for word in words):
        return None
    for position, word in enumerate(words):
        unit = _UNITS.get(word)
        if unit is None or position == 0:
            continue
        before = words[position - 1]
        count = int(before) if before.isdigit() and len(before) <= 4 else _NUMBERS.get(before)
        if count is None:
            continue
        business = position + 1 < len(words) and words[position + 1] == "habiles"
        days = count * unit * (7 / 5 if business else 1)
        if days >= TERM_DAYS:
            return " ".join(words[position - 1 : position + 2 if business else position + 1])
    return None


class CueFinder:
    def __init__(self, families: tuple[Family, ...] = FAMILIES) -> None:
        self.families = families
        terms: list[tuple[int, Term]] = []
        for number, family in enumerate(families):
            for kind, phrases in ((ALONE, family.alone), (ANCHOR, family.anchors),
                                  (CONTEXT, family.context)):  # fmt: skip
                terms.extend((number * 3 + kind, _term(phrase)) for phrase in phrases)
        self.index = _TermIndex(terms)

    def find(self, words: tuple[str, ...]) -> tuple[Cue, ...]:
        """The first cue of each family found in the message's folded words."""
        alone: dict[int, str] = {}
        anchors: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        contexts: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for position in range(len(words)):
            for slot, _, end in self.index.starting_at(words, position):
                number, kind = divmod(slot, 3)
                if kind == ALONE:
                    alone.setdefault(number, " ".join(words[position : end + 1]))
                elif kind == ANCHOR:
                    anchors[number].append((position, end, " ".join(words[position : end + 1])))
                else:
                    contexts[number].append((position, end, " ".join(words[position : end + 1])))
        cues: dict[str, Cue] = {}
        overdue = overdue_case(words)
        if overdue:
            cues[OVERDUE.name] = Cue(OVERDUE, overdue)
        for number, family in enumerate(self.families):
            phrase = alone.get(number) or _near(family, anchors[number], contexts[number])
            if phrase and family.name not in cues:
                cues[family.name] = Cue(family, phrase)
        return tuple(cues.values())


def _near(
    family: Family, anchors: list[tuple[int, int, str]], contexts: list[tuple[int, int, str]]
) -> str | None:
    """The first anchor with a context term within the family's window (both lists are in
    the order of the message: one pass over each)."""
    if not anchors or not contexts:
        return None
    pointer = 0
    for start, end, phrase in anchors:
        # Context terms that end too far before this anchor can serve no later anchor either.
        while pointer < len(contexts) and contexts[pointer][1] < start - family.window:
            pointer += 1
        scan = pointer
        while scan < len(contexts) and contexts[scan][0] <= end + family.window:
            context_start, context_end, context = contexts[scan]
            overlaps = context_start <= end and context_end >= start
            if (
                not overlaps
                and (not family.ordered or context_start > end)
                and (not family.context_first or context_end < start)
            ):
                return f"{phrase} … {context}" if context_start > end else f"{context} … {phrase}"
            scan += 1
    return None


_FINDER = CueFinder()


def complaint_cues(words: tuple[str, ...]) -> tuple[Cue, ...]:
    """The cues in a message's folded words (`Normalized.words`)."""
    return _FINDER.find(words)
