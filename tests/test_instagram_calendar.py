"""Instagram in the calendar: every mistake found before the day, with its line and field,
and the preview framing each post the way Instagram's feed and profile grid show it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
from media_files import jpeg_image, media_file, mp4_video, png_image

from channels.instagram_rules import InstagramRules
from channels.media import MediaFile, image_size, mp4_header
from channels.specs import INSTAGRAM
from channels.text_rules import count_tags
from conectados.app import App
from conectados.clock import FixedClock
from conectados.db import Database
from conectados.userfiles import MB
from content_calendar.check import CalendarChecker
from content_calendar.models import Post
from office.cli import run

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
RULES = INSTAGRAM.media
assert isinstance(RULES, InstagramRules)


@pytest.fixture
def office(tmp_path: Path, capsys):
    """A company folder with its media folder (medios/) and a database."""
    (tmp_path / "conectados.toml").write_text('carpeta_medios = "medios"\n', encoding="utf-8")
    (tmp_path / "medios").mkdir()

    def conectados(*args: str):
        capsys.readouterr()
        code = run(list(args), app=App(environ={}, cwd=tmp_path, clock=FixedClock(NOW)))
        out = capsys.readouterr()
        return code, out.out + out.err

    assert conectados("init")[0] == 0
    conectados.folder = tmp_path
    conectados.media = tmp_path / "medios"
    return conectados


def ten_mistakes_media(folder: Path) -> None:
    media_file(folder, "bien.jpg", jpeg_image(1080, 1350))
    media_file(folder, "cartel.png", png_image(1080, 1080))
    media_file(folder, "pesada.jpg", jpeg_image(1080, 1080), size=8 * MB + 1)
    media_file(folder, "alta.jpg", jpeg_image(1080, 1400))
    media_file(folder, "corto.mp4", mp4_video(2, 1080, 1920))
    media_file(folder, "vp9.mp4", mp4_video(30, 1080, 1920, codec="vp09"))
    media_file(folder, "ancho.mp4", mp4_video(30, 3840, 2160))
    for number in range(11):
        media_file(folder, f"foto-{number}.jpg", jpeg_image(1080, 1080))


ELEVEN = ", ".join(f"foto-{number}.jpg" for number in range(11))
HASHTAGS = " ".join(f"#agua{number}" for number in range(31))
MENTIONS = " ".join(f"@vereda{number}" for number in range(21))
LONG = "a" * 2_201

# (id, texto, medios): one Instagram mistake each, on its own entry.
MISTAKES = [
    ("sin-medios", "Solo texto", ""),
    ("texto-largo", LONG, "bien.jpg"),
    ("muchas-etiquetas", HASHTAGS, "bien.jpg"),
    ("muchas-menciones", MENTIONS, "bien.jpg"),
    ("cartel-png", "Hola", "cartel.png"),
    ("foto-pesada", "Hola", "pesada.jpg"),
    ("foto-alta", "Hola", "alta.jpg"),
    ("reel-corto", "Hola", "corto.mp4"),
    ("reel-vp9", "Hola", "vp9.mp4"),
    ("carrusel-de-once", "Hola", ELEVEN),
]
EXPECTED = {
    "sin-medios": ("medios", "necesita una imagen o un video (Instagram no publica solo texto)"),
    "texto-largo": ("texto", "tiene 2.201 caracteres y el límite es 2.200"),
    "muchas-etiquetas": ("texto", "tiene 31 etiquetas (#) y el límite es 30"),
    "muchas-menciones": ("texto", "menciona 21 cuentas (@) y el límite es 20"),
    "cartel-png": ("medios", "«cartel.png» es una imagen PNG e Instagram solo publica JPEG"),
    "foto-pesada": ("medios", "«pesada.jpg» pesa más de 8 MB y el límite es 8 MB"),
    "foto-alta": (
        "medios",
        "«alta.jpg» mide 1.080 × 1.400 (proporción 0,77:1), demasiado alta: Instagram acepta",
    ),
    "reel-corto": ("medios", "«corto.mp4» dura 2 s y en Instagram un Reel dura de 3 s a 15 min"),
    "reel-vp9": ("medios", "«vp9.mp4» está codificado en VP9 e Instagram solo acepta H.264 o HEVC"),
    "carrusel-de-once": ("medios", "un carrusel lleva de 2 a 10 imágenes o videos"),
}


def yaml_calendar() -> tuple[str, dict[str, int]]:
    """The ten mistakes as a YAML calendar, and the line of each mistake's field."""
    lines, where = ["publicaciones:"], {}
    for day, (post_id, text, media) in enumerate(MISTAKES, start=1):
        lines += [
            f"  - id: {post_id}",
            f"    fecha: 2026-12-{day:02d} 08:00",
            "    redes: [instagram]",
            f'    texto: "{text}"',
        ]
        where[post_id] = len(lines) - 3  # the id's line: where a missing field is pointed
        if EXPECTED[post_id][0] == "texto":
            where[post_id] = len(lines)
        if media:
            lines.append(f"    medios: [{media}]")
            if EXPECTED[post_id][0] == "medios":
                where[post_id] = len(lines)
    return "\n".join(lines) + "\n", where


def csv_calendar() -> tuple[str, dict[str, int]]:
    """The same ten mistakes as a spreadsheet's CSV (one row, one line each)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(("id", "fecha", "redes", "texto", "medios"))
    for day, (post_id, text, media) in enumerate(MISTAKES, start=1):
        writer.writerow(
            (post_id, f"2026-12-{day:02d} 08:00", "instagram", text, media.replace(", ", "|"))
        )
    return "\ufeff" + out.getvalue(), {
        post_id: row for row, (post_id, _, _) in enumerate(MISTAKES, start=2)
    }


@pytest.mark.parametrize("formato", ["yaml", "csv"])
def test_a_calendar_with_ten_instagram_mistakes_gets_ten_errors_with_their_lines(office, formato):
    ten_mistakes_media(office.media)
    text, where = yaml_calendar() if formato == "yaml" else csv_calendar()
    name = f"diez.{formato}"
    (office.folder / name).write_text(text, encoding="utf-8")

    code, out = office("calendar", "check", name)

    assert code == 2, out
    errors = [line for line in out.splitlines() if ".yaml:" in line or ".csv:" in line]
    errors = [line for line in errors if "advertencia" not in line]
    assert len(errors) == 10, out
    for post_id, (field, fragment) in EXPECTED.items():
        [line] = [line for line in errors if f": {post_id}: " in line]
        assert line.startswith(f"{name}:{where[post_id]}: {post_id}: "), line  # as typed
        assert fragment in line, line
        assert line.endswith(f"(campo {field})"), line
    assert "0 publicaciones listas, 10 errores, 0 advertencias" in out


def test_importing_a_calendar_with_instagram_mistakes_writes_nothing(office):
    ten_mistakes_media(office.media)
    text, _ = yaml_calendar()
    good = (
        "  - id: buena\n    fecha: 2026-12-20 08:00\n    redes: [facebook, instagram]\n"
        '    texto: "Cuidemos el agua"\n    medios: [bien.jpg]\n'
    )
    (office.folder / "diez.yaml").write_text(text + good, encoding="utf-8")

    code, out = office("calendar", "import", "diez.yaml")

    assert code == 2 and "No se importó nada" in out
    database = Database(f"sqlite:///{office.folder / 'conectados.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Post)).scalar() == 0
    database.dispose()


# Each rule at its limits.


def media(tmp_path: Path, name: str, content: bytes, size: int | None = None) -> MediaFile:
    return MediaFile.inspect(media_file(tmp_path, name, content, size))


def errors(files: list[MediaFile]) -> list[str]:
    return RULES.problems(files)


def warnings(files: list[MediaFile]) -> list[str]:
    return [note.message for note in RULES.review(files) if note.warning]


def test_caption_length_counts_to_2200():
    assert INSTAGRAM.post_text_problems("a" * 2_200) == []
    [problem] = INSTAGRAM.post_text_problems("a" * 2_201)
    assert "2.201 caracteres y el límite es 2.200" in problem


def test_thirty_hashtags_and_twenty_mentions_are_the_most():
    thirty = " ".join(f"#tema{n}" for n in range(30))
    twenty = " ".join(f"@cuenta{n}" for n in range(20))
    assert INSTAGRAM.post_text_problems(f"{thirty} {twenty}") == []
    [hashtags, mentions] = INSTAGRAM.post_text_problems(f"{thirty} #otro {twenty} @otra")
    assert "31 etiquetas (#) y el límite es 30; quite 1" in hashtags
    assert "21 cuentas (@) y el límite es 20; quite 1" in mentions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#agua #Ahorro_2026 #ñandú", (3, 0)),
        ("escríbanos a pqr@acueducto.gov.co", (0, 0)),  # an e-mail address mentions no one
        ("C# y nro#2 y ## y # solo", (0, 0)),
        ("(@alcaldia.municipal) y @_santander, @", (0, 2)),
        ("#agua#ahorro", (1, 0)),  # glued: Instagram links the first only
        ("", (0, 0)),
    ],
)
def test_tags_are_counted_as_instagram_links_them(text, expected):
    assert count_tags(text) == expected


def test_counting_tags_is_linear_on_the_worst_text():
    # A regex with backtracking would take minutes on these; a single pass takes milliseconds.
    for worst in ("#" * 100_000, "@" * 100_000, "#a" * 50_000, "a@" * 50_000):
        count_tags(worst)
    assert count_tags("#a " * 33_333) == (33_333, 0)


def test_a_post_needs_an_image_or_a_video():
    assert any("no publica solo texto" in problem for problem in errors([]))


def test_images_must_be_jpeg_of_at_most_8_mb(tmp_path: Path):
    assert errors([media(tmp_path, "ok.jpg", jpeg_image(1080, 1080), size=8 * MB)]) == []
    [heavy] = errors([media(tmp_path, "big.jpg", jpeg_image(1080, 1080), size=8 * MB + 1)])
    assert "pesa más de 8 MB y el límite es 8 MB" in heavy
    [png] = errors([media(tmp_path, "a.png", png_image(1080, 1080))])
    assert "es una imagen PNG e Instagram solo publica JPEG: conviértala a JPEG" in png


@pytest.mark.parametrize(
    ("width", "height", "fine"),
    [
        (1080, 1350, True),  # 4:5, the tallest
        (1080, 1351, False),  # a bit taller
        (1910, 1000, True),  # 1.91:1, the widest
        (1911, 1000, False),
        (1080, 1080, True),
    ],
)
def test_image_aspect_ratio_from_4_5_to_1_91(tmp_path: Path, width, height, fine):
    found = errors([media(tmp_path, "a.jpg", jpeg_image(width, height))])
    assert (found == []) is fine, found


def test_a_phones_upright_photo_is_judged_as_shown(tmp_path: Path):
    # Stored 4032 x 3024 with EXIF orientation 6: people (and Instagram) see it 3024 x 4032,
    # 3:4, taller than Instagram takes.
    photo = media(tmp_path, "cel.jpg", jpeg_image(4032, 3024, orientation=6))
    assert (photo.width, photo.height) == (3024, 4032)
    [problem] = errors([photo])
    assert "mide 3.024 × 4.032 (proporción 0,75:1), demasiado alta" in problem


def test_a_narrow_image_is_scaled_by_meta_so_it_only_warns(tmp_path: Path):
    assert warnings([media(tmp_path, "ok.jpg", jpeg_image(320, 320))]) == []
    small = [media(tmp_path, "mini.jpg", jpeg_image(319, 319))]
    assert errors(small) == []
    [warning] = warnings(small)
    assert "Instagram la amplía a 320 px y se verá borrosa" in warning
    # Wider than 1,440 px is scaled down with nothing lost: no word about it.
    assert RULES.review([media(tmp_path, "big.jpg", jpeg_image(4000, 3000))]) == []


def test_an_image_whose_size_cannot_be_read_is_a_warning(tmp_path: Path):
    from media_files import JPEG

    [note] = RULES.review([media(tmp_path, "raro.jpg", JPEG)])
    assert note.warning and "no se pudo leer el tamaño de «raro.jpg»" in note.message


@pytest.mark.parametrize(
    ("seconds", "fine"), [(2.9, False), (3, True), (15 * 60, True), (15 * 60 + 1, False)]
)
def test_a_reel_lasts_3_seconds_to_15_minutes(tmp_path: Path, seconds, fine):
    found = errors([media(tmp_path, "r.mp4", mp4_video(seconds, 1080, 1920))])
    assert (found == []) is fine, found


def test_a_reel_is_at_most_1920_pixels_wide_and_300_mb(tmp_path: Path):
    assert errors([media(tmp_path, "r.mp4", mp4_video(30, 1920, 1080), size=300 * MB)]) == []
    [wide] = errors([media(tmp_path, "w.mp4", mp4_video(30, 1921, 1080))])
    assert "mide 1.921 × 1.080 y Instagram acepta videos de hasta 1.920 px de ancho" in wide
    [heavy] = errors([media(tmp_path, "h.mp4", mp4_video(30, 1080, 1920), size=300 * MB + 1)])
    assert "pesa más de 300 MB y el límite es 300 MB" in heavy


def test_a_reel_aspect_ratio_from_0_01_to_10(tmp_path: Path):
    assert errors([media(tmp_path, "a.mp4", mp4_video(30, 1000, 100))]) == []
    [problem] = errors([media(tmp_path, "b.mp4", mp4_video(30, 1001, 100))])
    assert "(proporción 10,01:1)" in problem and "de 0,01:1 a 10:1" in problem


@pytest.mark.parametrize("codec", ["avc1", "avc3", "hvc1", "hev1"])
def test_h264_and_hevc_are_taken(tmp_path: Path, codec):
    assert RULES.review([media(tmp_path, "r.mp4", mp4_video(30, 1080, 1920, codec=codec))]) == []


def test_another_codec_is_refused_and_an_unread_one_warned_about(tmp_path: Path):
    [av1] = errors([media(tmp_path, "a.mp4", mp4_video(30, 1080, 1920, codec="av01"))])
    assert "está codificado en AV1 e Instagram solo acepta H.264 o HEVC" in av1
    unread = [media(tmp_path, "b.mp4", mp4_video(30, 1080, 1920, codec=None))]
    assert errors(unread) == []
    [warning] = warnings(unread)
    assert "no se pudo leer el códec de video de «b.mp4»" in warning


def test_the_codec_is_the_video_tracks_not_the_sounds(tmp_path: Path):
    """A file whose sound track comes first: its mp4a entry is not the video's codec."""
    import struct

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(body), kind) + body

    def track(handler: bytes, entry: bytes) -> bytes:
        hdlr = box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12)
        stsd = box(b"stsd", struct.pack(">II", 0, 1) + box(entry, b"\0" * 20))
        return box(b"trak", box(b"mdia", hdlr + box(b"minf", box(b"stbl", stsd))))

    video = mp4_video(30, 1080, 1920, codec=None)
    moov_at = video.index(b"moov") - 4
    moov = video[moov_at:]
    body = moov[8:] + track(b"soun", b"mp4a") + track(b"vide", b"hvc1")
    data = video[:moov_at] + box(b"moov", body)
    assert mp4_header(io.BytesIO(data), len(data)).codec == "hvc1"


def test_carousels_mix_images_and_videos_up_to_ten(tmp_path: Path):
    photo = media(tmp_path, "f.jpg", jpeg_image(1080, 1080))
    clip = media(tmp_path, "c.mp4", mp4_video(20, 1080, 1080))
    assert errors([photo, clip]) == []
    assert errors([photo] * 9 + [clip]) == []
    [problem] = errors([photo] * 10 + [clip])
    assert "lleva de 2 a 10 imágenes o videos y esta publicación tiene 11; quite 1" in problem


def test_carousel_items_follow_the_image_and_video_rules(tmp_path: Path):
    photo = media(tmp_path, "f.jpg", jpeg_image(1080, 1080))
    tall = media(tmp_path, "t.jpg", jpeg_image(1080, 1400))
    short = media(tmp_path, "s.mp4", mp4_video(2, 1080, 1080))
    long = media(tmp_path, "l.mp4", mp4_video(61, 1080, 1080))
    found = errors([photo, tall, short, long])
    assert len(found) == 2, found
    assert "«t.jpg» mide 1.080 × 1.400" in found[0]
    assert "«s.mp4» dura 2 s y en Instagram un video de carrusel dura de 3 s" in found[1]
    # Meta gives no length for a carousel video: past the guides' 60 s, a warning.
    assert any("«l.mp4» dura 1 min 01 s" in w for w in warnings([photo, long]))


def test_a_carousel_is_cropped_to_its_first_images_shape(tmp_path: Path):
    square = media(tmp_path, "cuadrada.jpg", jpeg_image(1080, 1080))
    portrait = media(tmp_path, "vertical.jpg", jpeg_image(1080, 1350))
    assert warnings([square, square]) == []
    [warning] = warnings([square, portrait])
    assert (
        "toma la proporción de su primera imagen («cuadrada.jpg», 1:1): «vertical.jpg» se "
        in warning
    )


def test_the_rules_come_from_the_spec():
    assert RULES.image_ratio == (Fraction(4, 5), Fraction(191, 100))
    assert RULES.carousel_items == (2, 10) and RULES.needs_media
    assert INSTAGRAM.max_hashtags == 30 and INSTAGRAM.max_mentions == 20


def test_picture_sizes_are_read_from_real_files(tmp_path: Path):
    from PIL import Image

    Image.new("RGB", (640, 480), "blue").save(tmp_path / "a.png")
    Image.new("RGB", (1080, 1350), "blue").save(tmp_path / "b.jpg", quality=80, progressive=True)
    exif = Image.Exif()
    exif[0x0112] = 8
    Image.new("RGB", (400, 300), "blue").save(tmp_path / "c.jpg", exif=exif.tobytes())
    for name, size, mime in [
        ("a.png", (640, 480), "image/png"),
        ("b.jpg", (1080, 1350), "image/jpeg"),
        ("c.jpg", (300, 400), "image/jpeg"),
    ]:
        with (tmp_path / name).open("rb") as handle:
            assert image_size(handle, mime) == size
    # A broken or odd file: no size, no error.
    for odd in (b"\xff\xd8", b"\xff\xd8\xff\xda\x00\x02", b"\xff\xd8" + b"\xff" * 5_000):
        assert image_size(io.BytesIO(odd), "image/jpeg") is None


def test_the_checker_says_instagram_problems_with_the_field_line(tmp_path: Path):
    media_file(tmp_path, "a.png", png_image(1080, 1080))
    path = tmp_path / "c.yaml"
    path.write_text(
        "publicaciones:\n  - id: uno\n    fecha: 2026-12-01 08:00\n    redes: [facebook, instagram]\n"
        "    texto: Hola\n    medios: [a.png]\n",
        encoding="utf-8",
    )
    result = CalendarChecker("America/Bogota", tmp_path, NOW).check_file(path)
    [problem] = result.errors  # Facebook takes the PNG; Instagram does not
    assert problem.line == 6 and problem.field == "medios"
    assert problem.message.startswith("para Instagram: «a.png» es una imagen PNG")


# The preview: Instagram's crop.


def preview_calendar(office) -> str:
    from PIL import Image

    Image.new("RGB", (1200, 675), (0, 119, 182)).save(office.media / "ducha.jpg", quality=80)
    Image.new("RGB", (1080, 1350), (2, 62, 138)).save(office.media / "gota.jpg", quality=80)
    media_file(office.media, "tanque.mp4", mp4_video(20, 1080, 1920))
    caption = (
        "💧 Cada gota cuenta: cerrar la llave mientras se cepilla los dientes ahorra hasta 12 "
        "litros cada vez. Cuéntenos cómo ahorra agua en su casa con #AhorroDeAgua y etiquete a "
        "@acueducto."
    )
    (office.folder / "ig.yaml").write_text(
        "publicaciones:\n"
        "  - id: foto-ahorro\n    fecha: 2026-12-02 08:00\n    redes: [facebook, instagram]\n"
        f'    texto: "{caption}"\n    medios: [ducha.jpg]\n'
        "  - id: reel-tanque\n    fecha: 2026-12-03 08:00\n    redes: [instagram]\n"
        '    texto: "Así se lava un tanque"\n    medios: [tanque.mp4]\n'
        "  - id: carrusel\n    fecha: 2026-12-04 08:00\n    redes: [instagram]\n"
        '    texto: "Dos consejos"\n    medios: [gota.jpg, ducha.jpg]\n',
        encoding="utf-8",
    )
    code, out = office("calendar", "preview", "ig.yaml", "-o", "plan.html")
    assert code == 0, out
    return caption


def test_the_preview_frames_instagram_posts_as_the_feed_and_the_grid_show_them(office):
    from html.parser import HTMLParser

    caption = preview_calendar(office)
    page = (office.folder / "plan.html").read_text(encoding="utf-8")

    frames: list[dict] = []

    class Frames(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found = dict(attrs)
            if "ig-frame" in found.get("class", "").split() or "ig-crop" in found.get("class", ""):
                frames.append(found)
            elif "ig-box" in found.get("class", "") and frames:
                frames[-1]["box"] = found.get("style", "")

    Frames().feed(page)
    shapes = [(frame["class"], frame["data-ratio"], frame.get("box")) for frame in frames]
    # The landscape photo: in the feed at its own 16:9; in the profile grid cut to 3:4.
    assert ("ig-frame ig-feed", "16:9", "aspect-ratio: 16 / 9") in shapes
    assert ("ig-frame ig-grid", "3:4", "aspect-ratio: 3 / 4") in shapes
    # The Reel: full screen 9:16, with the feed's 4:5 and the grid's 3:4 marked on it.
    assert ("ig-frame ig-reel", "9:16", "aspect-ratio: 9 / 16") in shapes
    assert ("ig-crop feed", "4:5", None) in shapes and ("ig-crop grid", "3:4", None) in shapes
    # The carousel: both images at the first one's 4:5.
    assert page.count("carrusel 1/2 · feed 4:5") == 1 and "carrusel 2/2 · feed 4:5" in page
    # The caption, cut where the feed cuts it, and whole a click away.
    shown = caption[: caption.rfind(" ", 0, 125)]
    assert f"{shown}<span class='ig-more'>… más</span>" in page
    assert f"<summary>texto completo</summary><p>{caption}</p>" in page
    assert "<script" not in page and "<link" not in page


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Corto", "Corto"),
        ("a" * 125, "a" * 125),
        ("a" * 126, "a" * 125),
        ("primera\nsegunda\ntercera", "primera\nsegunda"),
        ("palabra " * 30, ("palabra " * 15).rstrip()),
    ],
)
def test_the_caption_is_cut_after_125_characters_or_two_lines(text, shown):
    from content_calendar.instagram_preview import feed_caption

    assert feed_caption(text)[0] == shown


def test_the_preview_looks_right_in_a_real_browser_when_one_is_installed(office):
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium here (apt-get install chromium) to open the preview")
    preview_calendar(office)
    page = (office.folder / "plan.html").as_uri()
    shot = office.folder / "plan.png"
    headless = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,3000"]
    shown = subprocess.run(
        [*headless, f"--screenshot={shot}", page], capture_output=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr.decode(errors="replace")[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1000, 3000)


def test_a_video_with_its_index_at_the_end_is_warned_about(tmp_path: Path):
    import struct

    header = mp4_video(30, 1080, 1920)
    moov_at = header.index(b"moov") - 4
    mdat = struct.pack(">I4s", 8 + 64, b"mdat") + b"\0" * 64
    at_end = header[:moov_at] + mdat + header[moov_at:]
    assert (
        RULES.review([media(tmp_path, "rapido.mp4", header[:moov_at] + header[moov_at:] + mdat)])
        == []
    )
    [note] = RULES.review([media(tmp_path, "lento.mp4", at_end)])
    assert note.warning and "«lento.mp4» guarda su índice (moov) al final" in note.message


@pytest.mark.parametrize(
    "size, crop",
    [
        # too wide: keep the height at the widest shape, 1,91:1 (not «1080 × 1350»)
        ((1080, 300), "recórtela a 1,91:1, por ejemplo a 573 × 300 (o use una de 1.080 × 566)"),
        # too tall: keep the width at the tallest shape, 4:5
        ((1080, 1400), "recórtela a 4:5: 1.080 × 1.350"),
        ((600, 3000), "recórtela a 4:5, por ejemplo a 600 × 750 (o use una de 1.080 × 1.350)"),
    ],
)
def test_a_picture_out_of_shape_is_told_a_crop_that_fits_inside_it(
    tmp_path: Path, size: tuple[int, int], crop: str
):
    image = MediaFile.inspect(media_file(tmp_path, "foto.jpg", jpeg_image(*size)))

    [problem] = RULES.file_problems(image)

    assert problem.endswith(crop), problem
    for example in re.findall(r"([\d.]+) × ([\d.]+)", crop):  # each one within the shapes
        width, height = (int(n.replace(".", "")) for n in example)
        assert RULES.image_ratio[0] <= Fraction(width, height) <= RULES.image_ratio[1]
        assert width <= max(size[0], 1080) and height <= max(size[1], 1350)


def test_the_check_in_an_80_column_window_wraps_under_the_message_and_names_the_file_as_typed(
    office, capsys
):
    ten_mistakes_media(office.media)
    media_file(office.media, "panoramica.jpg", jpeg_image(1080, 300))
    text, _ = yaml_calendar()
    text += (
        "  - id: panoramica\n    fecha: 2026-12-20 08:00\n    redes: [instagram]\n"
        '    texto: "Hola"\n    medios: [panoramica.jpg]\n'
    )
    (office.folder / "plan-ig.yaml").write_text(text, encoding="utf-8")

    def check(environ: dict[str, str]) -> str:
        capsys.readouterr()
        app = App(environ=environ, cwd=office.folder, clock=FixedClock(NOW))
        assert run(["calendar", "check", "plan-ig.yaml"], app=app) == 2
        return capsys.readouterr().out

    window = check({"COLUMNS": "80"})
    piped = check({})

    assert str(office.folder) not in window + piped  # relative, as the user typed it
    assert max(len(line) for line in window.splitlines()) <= 80, window
    lines = window.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("plan-ig.yaml:")]
    assert len(starts) == 12  # 11 problems and the summary
    first = lines[starts[-2]]  # the panorama's: its continuation is under the message
    head = "plan-ig.yaml:55: panoramica: "
    assert first.startswith(head)
    assert lines[starts[-2] + 1].startswith(" " * len(head) + lines[starts[-2] + 1].strip())
    joined = " ".join(line.strip() for line in lines)
    assert "«panoramica.jpg» mide 1.080 × 300" in joined and "573 × 300" in joined
    assert "1.080 × 566" in joined and "(campo medios)" in joined
    # in a pipe, one line per problem, the same words
    piped_lines = [line for line in piped.splitlines() if line.startswith("plan-ig.yaml:")]
    assert len(piped_lines) == 12
    assert " ".join(joined.split()) == " ".join(" ".join(piped.splitlines()).split())


def test_the_month_grid_says_which_networks_a_post_fails_on_before_their_badges(office):
    for number in range(12):
        media_file(office.media, f"foto-{number}.jpg", jpeg_image(1080, 1080))
    twelve = ", ".join(f"foto-{n}.jpg" for n in range(12))
    media_file(office.media, "cartel.png", png_image(1080, 1080))
    (office.folder / "plan.yaml").write_text(
        "publicaciones:\n"
        "  - id: doce\n    fecha: 2026-12-02 08:00\n    redes: [instagram, facebook]\n"
        f'    texto: "Hola"\n    medios: [{twelve}]\n'
        "  - id: png\n    fecha: 2026-12-03 08:00\n    redes: [facebook, instagram]\n"
        '    texto: "Hola"\n    medios: [cartel.png]\n',
        encoding="utf-8",
    )

    office("calendar", "preview", "plan.yaml", "-o", "plan.html")

    page = (office.folder / "plan.html").read_text(encoding="utf-8")
    both = "✖ con errores en Instagram y Facebook</span> <span class='badge instagram'>"
    only = "✖ con errores en Instagram</span> <span class='badge facebook'>"
    assert both in page and only in page
