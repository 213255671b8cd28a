"""The word lists of the complaint cues (`responders.cues` explains how they are matched).

Each family is a kind of complaint in a few lists of terms: `alone` terms count by themselves,
`anchors` only with a `context` term near them. Terms are folded words; `*` ends a prefix.
Families are general word families and frames, never a tester's exact sentence.

Past ~400 lines on purpose: it is data (one family after another), with no logic to split.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    weak: bool = False
    """A hint, not a clear complaint: the message goes to a person, never to a ticket on
    this cue alone (`responders.policy`)."""
    not_after: frozenset[str] = frozenset()
    """Words that, right before one of its `alone` terms, cancel it ("se" in "se me dañó")."""
    needs_outage: bool = False
    """Counts only when the no-water protocol is a candidate for the message
    (`responders.matcher`): a baby named next to "¿cuándo vuelve el agua?"."""


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
        "demande", "demandaron", "los demande", "nos vemos en el juzgado",
        "nos vemos en la fiscalia", "nos vemos en los tribunales", "nos vemos en la super*",
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
        "superintenden*", "super intenden*", "superserv*", "super servicios", "sspd", "la super",
        "personeria", "procuradur*", "contraloria", "defensoria", "defensor del pueblo",
    ),
    context=(
        "ante", "contra", "acud*", "quej*", "denunci*", "demand*", "report*", "llevar*",
        "elev*", "instaur*", "interpon*", "escal*", "apel*", "ir a", "ire a", "iremos a",
        "voy a", "vamos a", "ir con", "ire con", "lo llev*", "los llev*", "la llev*",
        "las llev*",
    ),
    window=6,
    context_first=True,
)  # fmt: skip

REFUND = Family(
    "pide devolución, compensación o descuento",
    alone=(
        "reembols*", "rembols*", "indemni*", "indeni*", "resarc*", "nota credito",
        "nota de credito", "descuenten", "rebajen", "descontarme", "descontarnos", "me paguen",
        "nos paguen", "pagarme", "abonen", "me abonen", "que paguen", "respondan por",
        "responda por", "responder por los", "responder por el dano", "responder por el daño",
        "responder por mis", "responder por lo",
    ),
    # Giving back, recognising or compensating is a refund when money or a harm is what is
    # owed ("que me devuelvan la plata", "quiero compensación por los días sin agua"), not a
    # transaction, an object or a service ("la página me devuelve la transacción", "que me
    # devuelvan el medidor", "¿cómo reviso la compensación de la factura?").
    anchors=(
        "descuent*", "rebaj*", "saldo a favor", "reconoc*", "reconoz*", "devoluci*", "devuelv*",
        "devolver*", "regres*", "reintegr*", "compens*", "de vuelta", "me deben", "nos deben",
    ),
    context=(
        "exij*", "exigim*", "exigir", "merec*", "merez*", "deberian", "deben", "me deben",
        "tienen que", "reclamo", "quiero que", "queremos que",
        "necesito que", "quiero mi", "daño*", "dano*", "perjuicio*",
        "plata", "platica", "dinero", "pesos", "lo que pague", "lo que pagamos", "lo pagado",
        "de mas", "cobro", "cobros", "cobrado", "cobraron", "mi pago", "valor",
        "falla*", "obligacion", "por ley", "la ley", "por los dias", "por el tiempo", "por las molestias",
        "por el dano", "por el daño", "por los daños", "por los danos", "por la falta",
        "sin agua", "sin servicio", "dias sin", "por el corte", "por la suspension",
        "por el mal servicio", "por todo el tiempo", "por la semana", "por las semanas",
    ),
    window=8,
)  # fmt: skip

_STAFF = (
    # Who works for us, in the words citizens use: the role, the trade, or "the one who".
    "operari*", "funcionari*", "contratist*", "trabajador*", "cuadrilla", "empleado*",
    "tecnico*", "lector*", "fontaner*", "plomer*", "cajer*", "vigilante*", "celador*",
    "asesor*", "recepcionist*", "secretari*", "señorita", "muchach*", "el señor",
    "la señora", "los señores", "el tipo", "el man", "el de la", "la de la", "los de la",
    "los del", "los de", "el que vino", "la que vino", "los que vinieron", "de la empresa",
    "del acueducto", "personal", "ingenier*", "supervisor*", "ese señor", "esa señora",
    "ese muchacho", "esa muchacha", "ese man", "ese tipo",
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
        "sin respuest*", "ninguna respuesta", "ninguna solucion", "sin solucion",
        "nadie me dice", "nadie nos dice", "nadie me da razon", "nadie nos da razon",
        "nadie da razon", "no me dan razon", "no nos dan razon", "nadie me contest*",
        "nadie nos contest*", "sigo esperando", "seguimos esperando", "todavia nada",
        "y aun nada", "hasta ahora nada", "hasta hoy nada", "vuelvo a report*", "vuelvo a escrib*", "vuelvo a llam*", "vuelvo a pon*",
        "volvemos a report*", "ya report*", "ya lo report*", "ya la report*", "ya llame",
        "ya hemos llamado", "ya he llamado", "ya escribi", "ya les escribi",
        "se vencio", "ya se vencio", "paso el plazo", "pasaron los 15", "pasaron los quince",
        "pasaron mas de", "ya pasaron", "ya paso el",
        "se paso el plazo", "mas de quince dias", "mas de 15", "plazo vencid*",
        "termino vencid*", "cumplio el plazo", "se cumplio el plazo", "mil veces",
        "tercera vez", "cuarta vez", "enesima vez",
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
        "ya present*", "pedi", "pedimos", "ya solicit*", "solicite", "solicitamos",
        "ya entregu*", "ya lleve",
        "ya llevamos", "ya mande", "ya envie", "ya radiqu*", "ya hice", "ya hicimos", "me dijeron que", "nos dijeron que", "quedaron en",
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
    anchors=(
        "otra vez", "de nuevo", "nuevamente", "una vez mas", "por enesima", "segunda vez",
        "varias veces", "muchas veces", "reitero", "insisto", "insistimos", "cuantas veces",
    ),
    context=(
        "por lo mismo", "escrib*", "report*", "llam*", "reclam*", "quej*", "insist*", "avis*",
        "sin respuest*", "nadie", "no han", "no me han", "no nos han", "radic*", "solicit*",
        "toca decir*", "toca repetir*", "tengo que decir*", "tengo que repetir*",
        "hay que decir*", "toca pedir*", "tengo que pedir*", "tengo que llamar",
    ),
    window=4,
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
    # "Se me dañó el medidor" says it broke; "el operario me dañó el piso", who broke it.
    not_after=frozenset({"se"}),
    # Who did it, then what they did: "el operario dañó", not "se dañó ... ¿viene el técnico?".
    anchors=(
        *_STAFF, "retroexcavadora", "retro", "volqueta", "maquina*", "la obra", "su obra",
        "sus obras", "vino a", "vinieron a", "camion*", "carro de",
    ),
    context=(
        "daño", "dañ*", "dano", "danar*", "danad*", "rompi*", "romp*", "tumb*", "quebr*",
        "destru*", "ensuci*", "inund*", "golpe*", "rayaron", "perjudic*", "estrope*",
        "cortaron", "reventaron", "revento", "partieron", "partio", "arrancaron", "arranco",
        "taparon", "tapo", "rajo", "torcio", "torcieron", "desbarat*",
        "dejaron la casa", "dejo la casa", "roto", "rota", "rotos", "rotas", "quebrado",
        "quebrada", "destapado", "destapada",
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
        "trataron mal", "atendio mal", "atendieron mal", "me trat* de", "nos trat* de",
        "la trat* de", "lo trat* de", "le trat* de", "les trat* de",
        "me colg*", "nos colg*", "burlo", "burlaron", "se burl*", "discrimin*",
        "me ignor*", "nos ignor*", "mal genio", "mala gana", "malas maneras", "mala cara",
        "falta de respeto", "sin respeto", "amenazo", "amenazaron", "me amenaz*", "nos amenaz*",
        "descort*", "que respeto es", "que falta de respeto", "me trat* como", "nos trat* como", "como un perro", "como a un perro",
        "como perros",
        # Done to the citizen ("me gritó", "nos insultaron"): not "¿por qué gritan los
        # vendedores?".
        *(f"{whom} {verb}" for whom in ("me", "nos", "le", "les") for verb in (
            "grit*", "insult*", "regañ*", "habl* feo", "habl* golpeado", "habl* mal",
            "ofend*", "ech* de", "ech* del", "sac* de la", "sac* del", "sac* a empujones",
            "empuj*", "ultraj*", "ningune*",
        )),
    ),
    # Someone of ours, then what they did: "la cajera me insultó", "el señor que vino a leer
    # fue muy descortés", "el vigilante no nos dejó entrar y nos gritó".
    anchors=_STAFF,
    context=(
        "grit*", "insult*", "regañ*", "habl* feo", "habl* golpeado", "ofend*", "ignor*",
        "humill*", "groser*", "burl*", "trat* mal", "me ech*", "nos ech*", "empuj*",
        # What they called the citizen or their family.
        "brut*", "estupid*", "idiot*", "imbecil*", "ignorante*", "animal", "perra",
        "nombre de", "despach* mal", "mal educad*", "maleduc*",
    ),
    window=8,
    ordered=True,
)  # fmt: skip

_VULNERABLE = (
    "bebe", "bebes", "bebecito", "bebecita", "recien nacid*", "neonat*", "niñ*", "menores",
    "hijos pequeños", "hijo pequeño", "hija pequeña", "abuel*", "ancian*", "adulto mayor",
    "adulta mayor", "adultos mayores", "persona mayor", "personas mayores", "señora mayor",
    "señor mayor", "tercera edad", "enferm*", "discapacit*", "postrad*", "embaraz*",
    "en embarazo", "dialisis", "oxigeno", "cancer", "paciente*", "silla de ruedas",
    "recien operad*", "operada", "operado", "encamad*", "lo operaron", "la operaron", "me operaron",
    "cirugia", "convalec*", "en cama", "diabet*", "quimio*", "invalid*", "lactante*",
    "lactancia", "tetero*", "pañal*", "insulin*", "marcapaso*",
)  # fmt: skip

VULNERABLE_WITHOUT_WATER = Family(
    "urgente: personas vulnerables sin agua",
    anchors=_VULNERABLE,
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

LEGAL_INSTRUMENT = Family(
    "nombra un recurso o una acción legal",
    # A legal instrument named at all, even in a question about how to file it: a person
    # answers a legal petition (Ley 142, art. 158). Not the ordinary words of a PQR
    # ("petición", "queja", "reclamo"), which the PQR protocols answer.
    alone=(
        "derech* de petic*", "derech* de petis*", "derech* peticion", "derech* d peticion",
        "recurs* de reposicion", "recurs* de apelacion", "recurs* de queja",
        "recurs* reposicion", "recurs* apelacion", "reposicion y apelacion",
        "reposicion en subsidio", "subsidio de apelacion", "subsidio apelacion", "apelaci*",
        "apelar", "interpon*", "interpus*", "interpuest*", "present* recurso",
        "pus* recurso", "pon* recurso", "radic* recurso", "una demanda", "demanda contra",
        "met* demanda", "pon* demanda", "revocatoria", "silencio administrativo",
        "accion de tutela", "accion popular", "accion de cumplimiento",
    ),
    weak=True,
)  # fmt: skip

DISPUTE = Family(
    "desacuerdo con una decisión o un caso propio",
    # What turns a question about a legal instrument into a petition of the citizen's own: a
    # decision or answer they dispute, a case of theirs, someone the instrument is aimed at.
    # "¿Cómo presento un derecho de petición?" asks how; "¿cómo apelo la respuesta que me
    # dieron?" disputes a decision (`responders.policy.explains_instrument`).
    alone=(
        "contra", "no estoy de acuerdo", "no estamos de acuerdo", "desacuerdo", "inconform*",
        "negaron", "nego", "niegan", "rechazaron", "me respondieron", "nos respondieron",
        "me contestaron", "nos contestaron", "me dieron", "nos dieron", "me dijeron que no",
        "respuesta que", "respuesta de mi", "respuesta a mi", "respuesta del reclamo",
        "respuesta de un reclamo", "respuesta de la empresa", "decision", "decisiones",
        "resolucion", "fallo", "mi reclamo", "mi queja", "mi peticion", "mi caso", "mi factura",
        "mi recibo", "mi cuenta", "mi derecho", "mi recurso", "mi solicitud", "mi pqr",
        "ya radique", "ya presente", "ya puse", "cobraron", "me cobran", "nos cobran",
        "abogad*", "superinten*", "superserv*",
        # A case of their own told in the past tense, a decision called wrong.
        "radique", "puse", "pusimos", "pedi", "pedimos", "meti", "mande", "envie", "interpuse",
        "lo meto", "equivoc*", "negando", "falso", "no acepto", "no aceptamos", "cobrar",
    ),
)  # fmt: skip

OWN_FILING = Family(
    "va a presentar una petición propia",
    # "Necesito radicar un derecho de petición", "quiero interponer un recurso": the citizen's
    # own petition on its way, not a question about how one works.
    anchors=(
        "necesito", "necesitamos", "quiero", "queremos", "quisiera", "voy a", "vamos a",
        "vengo a",
    ),
    # Not "debo", "tengo que" or "me toca": "¿qué datos debo poner?", "¿tengo que
    # presentarlo en físico?" ask how.
    context=(
        "radic*", "interpon*", "present*", "pon*", "hacer", "mand*", "envi*", "meter",
        "elevar", "instaurar",
    ),
    window=2,
    ordered=True,
)  # fmt: skip

_FILING_VERBS = (
    "radique", "radicamos", "puse", "pusimos", "hice", "hicimos", "presente", "presentamos",
    "mande", "mandamos", "envie", "enviamos", "meti", "metimos", "interpuse", "deje",
    "dejamos", "pase", "pasamos",
)  # fmt: skip
_CASE_NOUNS = (
    "reclam*", "quej*", "solicitud*", "peticion*", "pqr*", "derech*", "recurs*", "carta*",
    "denuncia*", "report*", "tramite*", "papeles", "documentos",
)  # fmt: skip

FILED_NO_ANSWER = Family(
    "caso anterior sin resolver o vencido",
    # Something filed earlier, then no answer: "radiqué un reclamo el 2 de octubre y nadie
    # me dice nada", "puse la queja ... sigo esperando".
    anchors=tuple(f"{verb} {noun}" for verb in _FILING_VERBS for noun in _CASE_NOUNS),
    context=(
        "nadie", "no me han", "no nos han", "no han", "y nada", "nada que", "sin respuest*",
        "sigo esperando", "seguimos esperando", "esperando respuest*", "todavia no",
        "aun no", "nunca", "no me contest*", "no nos contest*", "no me respond*",
        "no nos respond*", "no responden", "no contestan", "no dan razon", "no me dan",
    ),
    window=25,
    ordered=True,
)  # fmt: skip


VULNERABLE_NEAR_OUTAGE = Family(
    "urgente: personas vulnerables y el corte de agua",
    # A person at risk named in a message about the water not arriving ("¿cuándo vuelve el
    # agua? tengo un bebé de 2 meses"), without saying "sin agua": a person reads it first.
    anchors=_VULNERABLE,
    weak=True,
    needs_outage=True,
    urgent=True,
)  # fmt: skip

PROTEST = Family(
    "amenaza de protesta o bloqueo",
    # A road block or a protest announced: a person answers, whatever else it asks.
    alone=(
        "tapamos la", "taparemos", "vamos a tapar", "tapar la via", "tapar la carretera",
        "cerramos la via", "cerrar la via", "bloque*", "protesta*", "planton", "asonada",
        "movilizacion", "manifestacion", "quemar llantas", "nos tomamos", "tomarnos la",
        "salir a la calle", "salimos a la calle",
    ),
    weak=True,
)  # fmt: skip

BILLING_DISPUTE = Family(
    "pide revisar o corregir un cobro",
    # A charge, a reading or a debt the citizen says is not theirs or not right.
    alone=(
        "no es mio", "no es mia", "no son mios", "no me corresponde", "no nos corresponde",
        "no reconozco", "yo no debo", "no le debo", "no les debo", "me sumaron",
        "me cargaron", "nos cargaron", "no puede seguir", "no pueden seguir",
        # A charge or a work the citizen never authorised ("me cobran 180 mil, no autoricé").
        "no autorice", "nunca autorice", "no autorizamos", "nunca autorizamos",
        "sin mi autorizacion", "sin autorizacion", "sin mi consentimiento",
    ),
    anchors=("lectura", "cobr*", "consumo", "deuda", "valor", "factur*", "recibo"),
    context=(
        "que no es", "no es la", "no es el", "equivocad*", "errad*", "erron*", "mal tomad*",
        "inventad*", "no corresponde", "no cuadra", "no coincide",
    ),
    window=6,
)  # fmt: skip

BILLING_SURGE = Family(
    "pide revisar o corregir un cobro",
    # A bill said to have shot up or gone sky-high: a billing claim, not a question about how
    # to read the bill ("¿cuándo llega la factura?", "¿dónde veo el consumo?").
    anchors=("factur*", "recibo", "cobr*", "consumo", "cuenta del agua", "valor", "lectura"),
    context=(
        "se dispar*", "disparo", "disparad*", "por las nubes", "exagerad*", "excesiv*",
        "desproporcionad*", "astronomic*",
    ),
    window=8,
)  # fmt: skip

BILLING_COMPARED = Family(
    "pide revisar o corregir un cobro",
    # A bill, then what used to be paid ("la factura llegó por 250 mil ... antes pagaba 60"):
    # not "antes pagaba en el banco, ¿dónde pago ahora la factura?".
    anchors=("factur*", "recibo", "cobr*", "cuenta del agua", "valor"),
    context=(
        "antes pagaba", "antes pagabamos", "antes me llegaba", "antes nos llegaba",
        "antes llegaba", "siempre pagaba", "siempre pagabamos",
    ),
    window=12,
    ordered=True,
)  # fmt: skip

STAFF_BRIBE = Family(
    "el personal pide dinero o se enoja con el usuario",
    # Money asked outside the bill by someone of ours (a tip, "para la gaseosa", a bribe):
    # a complaint about the staff, whether or not the citizen paid.
    alone=(
        "propina*", "soborn*", "coima*", "para la gaseosa", "para las gaseosas",
        "para el almuerzo", "pidi* plata", "pidieron plata", "pidi* dinero",
        "pidieron dinero", "pidi* platica", "cobr* por debajo", "cobr* por fuera",
        # Someone who says they are ours and charges in cash: fraud in the company's name.
        "estaf*", "dice ser de", "dicen ser de", "se hace pasar", "se hacen pasar",
        "cobr* en efectivo",
    ),
    # Someone of ours, then their anger at the citizen: "el técnico se puso bravo".
    anchors=_STAFF,
    context=(
        "se puso bravo", "se puso brava", "se pusieron bravos", "se enoj*", "se enfad*",
        "se ofusc*", "se alter*", "se emberraco", "se emberraca", "de malas pulgas",
    ),
    window=12,
    ordered=True,
)  # fmt: skip

VULNERABLE_SERVICE_CUT = Family(
    "urgente: personas vulnerables con el servicio suspendido",
    # A person at risk in a home whose service is suspended or cut ("mi mamá está en cama y
    # nos suspendieron"): a person reads it first, whatever protocol it looks like. Not a
    # reconnection asked after paying ("pagué, ¿me reconectan hoy? tengo niños"), which the
    # reconnection protocol answers. A hint: it never files a ticket by itself.
    anchors=_VULNERABLE,
    context=("suspend*", "suspension", "cortad*", "cortaron", "nos corta*", "me corta*"),
    window=20,
    weak=True,
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
    LEGAL_INSTRUMENT,
    FILED_NO_ANSWER,
    VULNERABLE_NEAR_OUTAGE,
    PROTEST,
    BILLING_DISPUTE,
    BILLING_SURGE,
    BILLING_COMPARED,
    STAFF_BRIBE,
    VULNERABLE_SERVICE_CUT,
)
