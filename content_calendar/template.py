"""A starter calendar for a month, in YAML or in a CSV that spreadsheets open right.

The posts are written relative to the month (day and hour), so the template of any month
ahead passes `calendar check`; what it says is generic and true for any water utility. Its
Instagram post needs a picture (Instagram has no text-only posts): the template puts an
example one in the media folder, `EXAMPLE_IMAGE`, unless a file of that name is there. The
repository's assets/ (the demo's media folder) carries that picture already, so the demo
never writes into the source tree.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from conectados.errors import BadInput
from conectados.spanish import MONTHS

CAMPAIGN_KEY = "campaña"
"""The documented name of the campaign field (the reader also takes «campana»)."""
FORMATS = ("yaml", "csv")
CSV_SEPARATOR = ";"
"""What Excel with Colombian (and most Latin American) regional settings writes and expects,
because there the comma is the decimal mark; the reader takes «;» or «,»."""
CSV_COLUMNS = (
    "id",
    "fecha",
    "redes",
    "texto",
    "texto_x",
    "texto_facebook",
    "texto_instagram",
    "medios",
    CAMPAIGN_KEY,
)
EXAMPLE_IMAGE = "ejemplos/cuidemos-el-agua.jpg"
"""The picture of the template's Instagram post, inside carpeta_medios: 1080 x 1350 (4:5,
the tallest Instagram's feed shows whole), JPEG."""
EXAMPLE_SIZE = (1080, 1350)


@dataclass(frozen=True)
class StarterPost:
    """One post of the template: where it falls in the month and what it says."""

    slug: str
    day: int
    """Day of the month (at most 28, so every month has it)."""
    at: time
    networks: tuple[str, ...]
    text: str
    campaign: str
    text_x: str = ""
    media: tuple[str, ...] = ()


STARTER_POSTS = (
    StarterPost(
        "canales-de-atencion",
        2,
        time(8, 0),
        ("facebook", "x"),
        "¿Tiene una pregunta sobre su servicio de acueducto? Escríbanos por mensaje privado en "
        "esta página: le respondemos y, si es una petición, queja o reclamo, la radicamos con "
        "su número y su plazo legal.",
        "servicio",
        text_x="¿Una pregunta sobre su servicio de acueducto? Escríbanos por mensaje privado: "
        "le respondemos y, si es una petición, queja o reclamo, la radicamos con su número.",
    ),
    StarterPost(
        "ahorro-agua",
        5,
        time(9, 0),
        ("facebook", "x"),
        "💧 Cada gota cuenta. Cerrar la llave mientras se cepilla los dientes ahorra hasta 12 "
        "litros de agua cada vez.",
        "ahorro",
    ),
    StarterPost(
        "cuidemos-el-agua",
        8,
        time(12, 0),
        ("facebook", "instagram"),
        "💧 El agua que sale de su llave recorre un largo camino: la captamos, la tratamos y la "
        "llevamos hasta su casa. Cuidarla es tarea de todos. #CuidemosElAgua",
        "ahorro",
        media=(EXAMPLE_IMAGE,),
    ),
    StarterPost(
        "pago-factura",
        10,
        time(8, 30),
        ("facebook", "x"),
        "Pague su factura sin filas en los puntos autorizados o en nuestra página web. Pagar "
        "antes de la fecha límite evita recargos y suspensiones.",
        "pagos",
    ),
    StarterPost(
        "reporte-fugas",
        15,
        time(8, 0),
        ("facebook", "x"),
        "¿Vio una fuga o un tubo roto en la calle? Repórtelo por mensaje privado con la "
        "dirección y una foto. Nuestras cuadrillas lo atienden.",
        "servicio",
    ),
    StarterPost(
        "calidad-agua",
        20,
        time(10, 0),
        ("facebook",),
        "El agua que llega a su casa se analiza en nuestro laboratorio cada mes. Si nota un "
        "cambio de color, olor o sabor, repórtelo por nuestros canales de atención.",
        "calidad",
    ),
    StarterPost(
        "lavado-tanque",
        26,
        time(17, 0),
        ("facebook", "x"),
        "Lave el tanque de su casa cada seis meses: vacíelo, cepille paredes y fondo con agua y "
        "jabón, enjuague bien y vuelva a llenarlo.",
        "ahorro",
    ),
)


def next_month(today: date) -> date:
    """The first day of the month after `today`'s."""
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_name(month: date) -> str:
    return f"{MONTHS[month.month - 1]} de {month.year}"


def planned_posts(month: date, now: datetime) -> list[tuple[StarterPost, datetime]]:
    """The starter posts of `month` at their local time (`now` is in the company's zone).

    In the current month only the days after today are kept: a date that passed would
    fail the check. A month that has already gone by has no template.
    """
    current = now.date().replace(day=1)
    if month < current:
        raise BadInput(
            f"{month_name(month)} ya pasó; pida la plantilla de este mes o de uno próximo",
            "opción --mes",
        )
    posts = [
        (post, datetime.combine(month.replace(day=post.day), post.at)) for post in STARTER_POSTS
    ]
    posts = [(post, moment) for post, moment in posts if moment.date() > now.date()]
    if not posts:
        raise BadInput(
            f"a {month_name(month)} no le quedan días para la plantilla; pida la del mes "
            f"siguiente (--mes {next_month(month):%Y-%m})",
            "opción --mes",
        )
    return posts


def post_id(post: StarterPost, month: date) -> str:
    """Ids carry the month, so next month's template imports next to this one."""
    return f"{post.slug}-{month:%Y-%m}"


def render_yaml(month: date, zone: str, now: datetime) -> str:
    """The template as a commented YAML calendar."""
    lines = [
        f"# Calendario de contenidos de {month_name(month)}: plantilla para empezar.",
        "# Cambie los textos, las fechas y las redes; agregue o borre publicaciones.",
        "# Revíselo con:    conectados calendar check ARCHIVO",
        "# Véalo con:       conectados calendar preview ARCHIVO",
        "# Impórtelo con:   conectados calendar import ARCHIVO",
        "#",
        "# Cada publicación lleva: id (único: minúsculas, números y guiones), fecha (hora local:",
        "# AAAA-MM-DD HH:MM, o DD/MM/AAAA 8:00 a. m.), redes (facebook, instagram, x) y texto.",
        "# Opcionales: texto_x, texto_facebook o texto_instagram (un texto propio para esa red),",
        f"# medios (imágenes o un video, dentro de carpeta_medios) y {CAMPAIGN_KEY} (para agrupar",
        "# en los informes).",
        "#",
        "# Instagram no publica solo texto: cada publicación lleva una imagen o un video.",
        "# - Imágenes: solo JPEG (.jpg; una PNG hay que convertirla), hasta 8 MB, de 4:5",
        "#   (vertical, 1080 × 1350) a 1,91:1 (horizontal); de 2 a 10 imágenes o videos",
        "#   forman un carrusel, que toma la forma de su primera imagen.",
        "# - Un video solo es un Reel: MP4 o MOV en H.264 o HEVC, de 3 s a 15 min, hasta",
        "#   1.920 px de ancho y 300 MB; mejor vertical, 9:16 (1080 × 1920).",
        "# - El texto: hasta 2.200 caracteres, 30 etiquetas (#) y 20 menciones (@); el feed",
        "#   muestra las primeras dos líneas (unos 125 caracteres) y «… más».",
        f"zona_horaria: {zone}",
        "publicaciones:",
    ]
    for number, (post, moment) in enumerate(planned_posts(month, now)):
        lines += [
            f"  - id: {post_id(post, month)}",
            f"    fecha: {moment:%Y-%m-%d %H:%M}",
            f"    redes: [{', '.join(post.networks)}]",
            f"    texto: {_yaml_text(post.text)}",
        ]
        if post.text_x:
            lines.append(f"    texto_x: {_yaml_text(post.text_x)}")
        if post.media:
            lines.append(f"    medios: [{', '.join(post.media)}]   # dentro de carpeta_medios")
        if number == 0:
            lines.append("    # medios: [campañas/imagen.jpg]   # rutas dentro de carpeta_medios")
        lines += [f"    {CAMPAIGN_KEY}: {post.campaign}", ""]
    return "\n".join(lines)


def _yaml_text(text: str) -> str:
    # A JSON string is a YAML double-quoted scalar: «#», «:» and accents stay text.
    return json.dumps(text, ensure_ascii=False)


def render_csv(month: date, now: datetime) -> str:
    """The template as a spreadsheet: UTF-8 with BOM, «;» between cells, CRLF lines.

    The BOM makes Excel read the accents and emoji as UTF-8; LibreOffice detects it too.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for post, moment in planned_posts(month, now):
        writer.writerow(
            (
                post_id(post, month),
                f"{moment:%Y-%m-%d %H:%M}",
                ", ".join(post.networks),
                post.text,
                post.text_x,
                "",
                "",
                "|".join(post.media),
                post.campaign,
            )
        )
    return "\ufeff" + out.getvalue()


def render(formato: str, month: date, zone: str, now: datetime) -> str:
    if formato == "csv":
        return render_csv(month, now)
    return render_yaml(month, zone, now)


def place_example_image(media_dir: Path) -> Path | None:
    """Write the template's example picture into the media folder; None if a file of that
    name is already there (it is never replaced). OSError if it cannot be written."""
    path = media_dir / EXAMPLE_IMAGE
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    data = example_image()
    try:
        with path.open("xb") as handle:  # never over a file that appeared meanwhile
            handle.write(data)
    except FileExistsError:
        return None
    return path


def example_image() -> bytes:
    """A plain 1080 x 1350 JPEG: a water drop on the utility's blue, and a line of text."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = EXAMPLE_SIZE
    image = Image.new("RGB", EXAMPLE_SIZE, (0, 119, 182))
    draw = ImageDraw.Draw(image)
    cx, cy, r = width // 2, int(height * 0.42), width // 6
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(144, 224, 239))
    draw.polygon(
        [(cx - r + 4, cy - r // 3), (cx + r - 4, cy - r // 3), (cx, cy - 2 * r)],
        fill=(144, 224, 239),
    )
    font = ImageFont.load_default(size=height // 14)
    draw.text((cx, int(height * 0.74)), "Cuidemos el agua", font=font, fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
