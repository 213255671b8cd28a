"""What Instagram's publishing refusals mean for the team, in Spanish.

Meta's "Error Codes" reference for the Instagram Graph API
(developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/
error-codes) lists the 2207xxx subcodes of content publishing. They come two ways: as the
`error_subcode` of a refused call, and inside a container's `status` text when its
`status_code` is ERROR (the reference says only "an error subcode"; the text seen in the wild
is "Error: ... with error code 2207042"), so the subcode is looked for in the text.
"""

from __future__ import annotations

import re

QUOTA_CODE = 9
QUOTA_SUBCODE = 2207042
"""(#9/2207042) the account reached its publishing limit for the moving 24 hours."""

_SUBCODE = re.compile(r"\b(2207\d{3})\b")

SENTENCES: dict[int, str] = {
    2207001: "Instagram tuvo una falla interna al preparar la publicación",
    2207003: "Instagram tardó demasiado en descargar el archivo; revise que la dirección de los "
    "medios responda rápido",
    2207004: "la imagen pesa demasiado para Instagram (el máximo es 8 MB)",
    2207005: "Instagram solo publica imágenes JPEG; convierta la imagen a JPEG",
    2207006: "Instagram no encontró el contenido preparado (quizá falta un permiso o venció el "
    "token)",
    2207008: "el contenido preparado en Instagram ya no existe o venció",
    2207009: "la proporción de la imagen no sirve para Instagram: debe estar entre 4:5 "
    "(vertical) y 1,91:1 (horizontal)",
    2207010: "el texto es demasiado largo para Instagram (máximo 2.200 caracteres, 30 "
    "etiquetas # y 20 menciones @)",
    2207020: "el contenido preparado en Instagram venció (pasaron más de 24 horas)",
    2207023: "Instagram no reconoce ese tipo de publicación",
    2207026: "Instagram no acepta el formato del video: debe ser MP4 o MOV (H.264 o HEVC), de "
    "3 segundos a 15 minutos",
    2207028: "un carrusel de Instagram lleva de 2 a 10 fotos o videos",
    2207032: "Instagram no pudo preparar la publicación",
    2207040: "el texto menciona a más de 20 cuentas con @",
    2207042: "la cuenta de Instagram llegó a su límite de publicaciones en 24 horas",
    2207050: "la cuenta de Instagram está restringida o inactiva; entre a la aplicación de "
    "Instagram y complete lo que pida",
    2207051: "Instagram frenó la publicación por sospecha de spam; revise el texto y espere "
    "antes de repetirla",
    2207052: "Instagram no pudo descargar el archivo desde su dirección pública; revise "
    "url_medios en [channels.instagram] y que la carpeta de medios se sirva en internet",
    2207053: "Instagram tuvo un error desconocido al subir el video",
    2207057: "el momento elegido para la miniatura del video está fuera de su duración",
}


def subcode_in(text: object) -> int | None:
    """The 2207xxx subcode a container's `status` (or an error's text) carries, if any."""
    found = _SUBCODE.search(str(text)[:2000])
    return int(found.group(1)) if found else None


def container_refusal(status: object) -> str:
    """Why Instagram refused a container whose status_code is ERROR, for the team: the
    sentence for its subcode, then Meta's words."""
    subcode = subcode_in(status)
    sentence = SENTENCES.get(subcode or 0, "Instagram no pudo procesar el archivo")
    detail = " ".join(str(status).split())[:300] or "sin detalle"
    return f"{sentence}. Detalle de Instagram: {detail}"


def sentence_for(subcode: object) -> str | None:
    """The Spanish sentence for a refused call's `error_subcode`, when there is one."""
    return SENTENCES.get(subcode) if isinstance(subcode, int) else None
