"""Thanks and «¿hay alguien?»: messages the greeting protocol answers whatever their length.

The greeting protocol answers a short message alone ("buenas", "mil gracias"); a longer one may
hide a question or a complaint, so it goes to a person. Two kinds of longer message are still
plain courtesy, and a person only sends the greeting back to them:

- **thanks or praise** ("Felicitaciones a los muchachos de la cuadrilla que trabajaron toda la
  noche, excelente trabajo 👏"): a thanks word, nothing asked or requested, and none of what
  turns praise into irony or a complaint (a negation, "pero", "todavía", "otra vez", a number,
  an angry emoji; the caller adds the complaint cues, insults, discontent and laughter, and that
  no other protocol has more than a passing word: "gracias por cortarnos el agua" is about the
  water, not a thanks);
- **is anyone there** ("hola? hay alguien atendiendo por acá?"): nothing but greetings and
  words that ask whether someone answers.

Words are compared as sets over the folded words (`Normalized.words`): linear, no regular
expression.
"""

from __future__ import annotations

import itertools

from responders.normalize import Normalized

THANKS = frozenset(
    {
        "gracias", "agradezco", "agradecemos", "agradecida", "agradecido", "agradecidos",
        "agradecidas", "agradecer", "agradecerles", "agradecerle", "felicitaciones",
        "felicito", "felicitamos", "felicitar", "felicitarlos", "felicitarles", "excelente",
        "excelentes", "aplauso", "aplausos", "bendiciones", "bendiga", "bendigan",
        "amable", "amables", "amablemente", "rapidisimo", "rapidez", "chevere", "berraquera",
        "felicidades", "querida", "querido", "queridos",
    }
)  # fmt: skip
"""Words that thank or praise ("Dios les pague", "muy amables", "qué rapidez")."""
THANKS_STEMS = ("agradec", "felicit", "bendic", "bendig")
"""And any word that starts so ("agradecimiento", "felicitarlas", "bendición")."""
THANKS_PAIRS = (
    ("buen", "trabajo"), ("buena", "atencion"), ("muy", "bien"), ("asi", "si"), ("les", "pague"),
    ("le", "pague"),
)  # fmt: skip

NOT_PRAISE = frozenset(
    {
        "no", "ni", "nunca", "nada", "sin", "pero", "aunque", "todavia", "aun", "otra", "otras",
        "sigue", "siguen", "seguimos", "sigo", "falta", "faltan", "ojala", "lastima", "tampoco",
        "cuando", "hasta", "vez", "veces", "cortaron", "cortar", "cortarnos", "quitaron",
        "quitar", "dejaron", "cobrar", "cobraron", "cobro", "mal", "peor", "pesimo", "pesima",
        "horrible", "verguenza", "burla", "ironia", "esperando", "cobrarme", "cobrarnos",
        "secos", "seco", "ineficiencia", "ineficientes", "pesos", "plata", "factura",
        "recibo",
    }
)  # fmt: skip
"""Words that turn praise into irony or a complaint ("gracias por nada", "excelente servicio:
tres días sin agua", "felicitaciones, otra vez nos cortaron")."""
IRONY_PAIRS = (("por", "fin"), ("muy", "bonito"), ("que", "bonito"), ("que", "lindo"))
COUNTS = frozenset(
    {"un", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
     "quince", "veinte", "varios", "varias", "muchos", "muchas"}
)  # fmt: skip
TIME_UNITS = frozenset({"dia", "dias", "hora", "horas", "semana", "semanas", "mes", "meses"})
"""A count of time ("3 días", "cinco horas") in a thanks is how long something went wrong."""
ANGRY = frozenset("😡😠🤬🙄😒😤👎💩🤡😑😐🤔😢😭😩😫🙃😏😌👀🤦🤷🥲")
"""Emojis that do not go with sincere thanks."""

PRESENCE = frozenset(
    {
        "hay", "alguien", "ahi", "alli", "aqui", "aca", "atendiendo", "atienden", "atiende",
        "disponible", "disponibles", "linea", "en", "por", "me", "nos", "q", "que", "k",
        "colabore", "colaboren", "colabora", "colaboran", "ayude", "ayuden", "ayuda", "ayudan",
        "puede", "pueden", "responde", "responden", "contesta", "contestan", "atender",
        "atenderme", "alo", "si", "para", "la", "el", "oye", "oiga", "acueducto", "empresa",
    }
)  # fmt: skip
"""Words of «¿hay alguien?», «¿alguien que me colabore?», «¿me atienden?»."""
GREETING = frozenset(
    {
        "hola", "buenas", "buenos", "buen", "dias", "dia", "tardes", "noches", "saludos",
        "cordial", "saludo", "señores", "señor", "señora", "señorita", "porfa", "favor",
        "por", "xfa", "gracias",
    }
)  # fmt: skip
"""Greetings and courtesy words around the question."""


def ironic(normalized: Normalized, text: str) -> bool:
    """Whether a greeting or a thanks carries what turns it into irony or a complaint."""
    if any(char in ANGRY for char in text):
        return True
    words = normalized.words
    if any(word in NOT_PRAISE for word in words):
        return True
    for first, second in itertools.pairwise(words):
        if (first, second) in IRONY_PAIRS:
            return True
        if (first.isdigit() or first in COUNTS) and second in TIME_UNITS:
            return True
    return False


def thanks_only(normalized: Normalized, text: str, asks: bool) -> bool:
    """Whether the message only thanks or praises (`asks`: it asks or requests something)."""
    if asks or "?" in text or ironic(normalized, text):
        return False
    words = normalized.words
    pairs = itertools.pairwise(words)
    return any(word in THANKS or word.startswith(THANKS_STEMS) for word in words) or any(
        pair in THANKS_PAIRS for pair in pairs
    )


def asks_for_someone(normalized: Normalized) -> bool:
    """Whether the message only asks if someone is there to answer ("¿hay alguien?")."""
    words = set(normalized.words)
    return bool(words & {"alguien", "atienden", "atendiendo", "disponible"}) and words <= (
        PRESENCE | GREETING
    )
