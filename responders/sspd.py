"""What the Superintendencia de Servicios Públicos Domiciliarios (SSPD) asks utilities to report
about PQR through the SUI: causales, tipo de trámite, tipo de respuesta.

Source: the annex of Resolución SSPD 20151300054575 de 2015 (in force since 1 July 2016,
amended by Res. 20161300011295 de 2016 and, for the causal groups, in 2018: the old
"Instalación" group was folded into "Prestación"). The official annex could not be read
from our sources; the codes below come from a transcription of that annex for acueducto
used by a community aqueduct's PQR system, and only the tipo de respuesta list is confirmed
by a second independent system. A few causal names match SSPD figures published in the press
(El Nuevo Siglo, 6 January 2021). Before reporting to the SUI, check them against the annex
downloaded from superservicios.gov.co; `VERIFIED` says which ones have a second source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from responders.normalize import words_of
from responders.terms import TicketType

FACTURACION, PRESTACION = "facturación", "prestación"


@dataclass(frozen=True)
class Causal:
    code: str
    name: str
    group: str


CAUSALES = {
    causal.code: causal
    for causal in (
        Causal("101", "Inconformidad con el aforo", FACTURACION),
        Causal(
            "102", "Inconformidad con la medición del consumo o producción facturado", FACTURACION
        ),
        Causal("103", "Cobros inoportunos", FACTURACION),
        Causal("105", "Cobro por servicios no prestados", FACTURACION),
        Causal("106", "Datos generales incorrectos en la factura", FACTURACION),
        Causal("107", "Cobro múltiple y/o acumulado", FACTURACION),
        Causal("108", "Entrega inoportuna o no entrega de la factura", FACTURACION),
        Causal("109", "Cobros por conexión, reconexión o reinstalación", FACTURACION),
        Causal("110", "Inconformidad con el cambio o el cobro del medidor", FACTURACION),
        Causal(
            "111",
            "Cobro de intereses de mora, refinanciación, cartera o acuerdos de pago",
            FACTURACION,
        ),
        Causal("112", "Subsidios y contribuciones", FACTURACION),
        Causal(
            "113", "Cobro de otros bienes o servicios no autorizados en la factura", FACTURACION
        ),
        Causal(
            "115", "Incumplimiento o negación del acuerdo de suspensión del servicio", FACTURACION
        ),
        Causal("117", "Estrato incorrecto", FACTURACION),
        Causal(
            "118", "Clase de uso incorrecta (industrial, comercial, oficial, otros)", FACTURACION
        ),
        Causal("119", "Tarifa incorrecta", FACTURACION),
        Causal("120", "Cobros por promedio", FACTURACION),
        Causal("121", "Cobro de consumo registrado por medidor de otro predio", FACTURACION),
        Causal("122", "Pago efectuado pero no aplicado en la facturación", FACTURACION),
        Causal("123", "Solicitud de rompimiento de solidaridad", FACTURACION),
        Causal("124", "Cobro de revisiones", FACTURACION),
        Causal("127", "Inconformidad por desviación significativa del consumo", FACTURACION),
        Causal("129", "Cobro por recuperación de consumos", FACTURACION),
        Causal("131", "Inconformidad por la normalización del servicio", FACTURACION),
        Causal("133", "Cobro por reconexión no autorizada por la empresa", FACTURACION),
        Causal("303", "Interrupciones en la prestación del servicio", PRESTACION),
        Causal(
            "304",
            "Variaciones en las características del suministro (presión, calidad)",
            PRESTACION,
        ),
        Causal("306", "No atención de condiciones de seguridad o riesgo", PRESTACION),
        Causal("308", "Terminación del contrato", PRESTACION),
        Causal(
            "309",
            "Suspensión o corte del servicio sin previo aviso o sin causa aparente",
            PRESTACION,
        ),
        Causal("312", "Servicio sin contrato de condiciones uniformes formalizado", PRESTACION),
        Causal("315", "Quejas administrativas", PRESTACION),
        Causal("316", "Estado de la infraestructura", PRESTACION),
        Causal("401", "Fallas en la conexión del servicio", PRESTACION),
        Causal("402", "No conexión del servicio", PRESTACION),
    )
}
VERIFIED = frozenset({"102", "120", "127", "303", "308", "315", "402"})
"""Causal names also found in SSPD figures published in the press."""

TRAMITES = {
    TicketType.RECLAMO: ("1", "Reclamación"),
    TicketType.QUEJA: ("2", "Queja"),
    TicketType.RECURSO: ("4", "Recurso de reposición"),
    TicketType.SOLICITUD_INFORMACION: ("6", "Solicitud de información o de copias de documentos"),
}
"""Tipo de trámite in the SUI. Peticiones, consultas and damage reports have no code of their
own there: the export leaves them blank for a person to classify."""

RESPUESTAS = {
    "accede": ("1", "Accede"),
    "accede_parcialmente": ("2", "Accede parcialmente"),
    "no_accede": ("3", "No accede"),
    "confirma": ("4", "Confirma"),
    "modifica": ("5", "Modifica"),
    "revoca": ("6", "Revoca"),
    "rechaza": ("7", "Rechaza"),
    "traslada": ("8", "Traslada por competencia"),
    "pendiente": ("9", "Pendiente de respuesta"),
    "sin_respuesta": ("10", "Sin respuesta"),
    "archiva": ("11", "Archiva"),
}
"""Tipo de respuesta in the SUI (confirmed by two independent systems)."""

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), code)
    for pattern, code in (
        (r"\b(dos veces|doble|duplicad\w*|cobro multiple|acumulad\w*)\b", "107"),
        (r"\bestrato\b", "117"),
        (r"\bsubsidi\w*|\bcontribucion\b", "112"),
        (r"\bpromedio\b", "120"),
        (r"\b(comercial|industrial|oficial)\b", "118"),
        (r"\b(no vivo|desocupad\w*|otro predio|no es mi|no es mio|vecino)\b", "121"),
        (
            r"\b(ya pague|pague|pagado|consigne)\b.*\b(sale|aparece|cobran|debo|deuda|pendiente)\b",
            "122",
        ),
        (r"\b(interes\w*|mora|financiacion|refinanci\w*)\b", "111"),
        (r"\b(reconexion|reconectar|reinstalacion)\b", "109"),
        (r"\b(medidor|contador)\b.*\b(cobr\w*|cambi\w*)\b", "110"),
        (r"\b(alcantarillado|aseo|pozo septico)\b", "105"),
        (r"\b(no (me )?llego|no llega) (la )?(factura|recibo)\b", "108"),
        (r"\b(lectura|leyeron|consumo|alt[oa]|car[oa]|carisim\w*|elevad\w*)\b", "102"),
    )
)


def causal_for(text: str, default: str | None) -> str | None:
    """The causal code that fits what the citizen wrote, else the protocol's default."""
    folded = " ".join(words_of(text))
    for pattern, code in _RULES:
        if pattern.search(folded):
            return code
    return default
