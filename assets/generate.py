"""How the demo's sample media were made (run once by a developer; nothing runs it at run time).

    .venv/bin/python assets/generate.py            # the images (Pillow)
    FFMPEG=/path/to/ffmpeg .venv/bin/python assets/generate.py --video

The video is a 6-second slideshow of three frames, encoded with the ffmpeg binary that the
`imageio-ffmpeg` package ships (installed in a scratch environment, not a project dependency).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent
BLUE, DEEP, WHITE, SKY = (0, 119, 182), (2, 62, 138), (255, 255, 255), (144, 224, 239)


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def poster(size: tuple[int, int], title: str, subtitle: str, background=BLUE) -> Image.Image:
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    width, height = size
    # A water drop: a circle with a triangle on top.
    cx, cy, r = width // 2, int(height * 0.42), min(size) // 6
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=SKY)
    draw.polygon(
        [(cx - r + 4, cy - r // 3), (cx + r - 4, cy - r // 3), (cx, cy - int(r * 2.1))], fill=SKY
    )
    draw.text(
        (width // 2, int(height * 0.72)), title, font=font(height // 12), fill=WHITE, anchor="mm"
    )
    draw.text(
        (width // 2, int(height * 0.84)), subtitle, font=font(height // 24), fill=WHITE, anchor="mm"
    )
    draw.rectangle((0, height - 12, width, height), fill=DEEP)
    return image


def images() -> None:
    samples = {
        "ahorro/gota.png": (
            (1080, 1080),
            "Cada gota cuenta",
            "Cierre la llave mientras se cepilla",
        ),
        "ahorro/ducha.jpg": ((1200, 675), "Duchas de 5 minutos", "Ahorre hasta 40 litros al día"),
        # Instagram's portrait feed size (4:5, JPEG: the only image type it publishes).
        "ahorro/gota-vertical.jpg": (
            (1080, 1350),
            "Cada gota cuenta",
            "Cierre la llave mientras se cepilla",
        ),
        "cortes/mantenimiento.jpg": (
            (1200, 675),
            "Mantenimiento programado",
            "Martes 8 de diciembre, 8:00 a 14:00",
        ),
        "calidad/laboratorio.jpg": (
            (1200, 675),
            "Agua apta para el consumo",
            "Resultados del laboratorio, noviembre",
        ),
        "pagos/pse.png": (
            (1080, 1080),
            "Pague en línea",
            "PSE, corresponsales y oficina principal",
        ),
    }
    for name, (size, title, subtitle) in samples.items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        image = poster(size, title, subtitle)
        if path.suffix == ".jpg":
            image.save(path, quality=80, optimize=True)
        else:
            image.quantize(colors=32).save(path, optimize=True)
        print(f"{path.relative_to(HERE)}: {path.stat().st_size // 1024} KB")


def video() -> None:
    ffmpeg = os.environ.get("FFMPEG", "ffmpeg")
    frames = [
        poster((640, 360), "Lavado de tanques", "Paso 1: cierre el registro"),
        poster((640, 360), "Lavado de tanques", "Paso 2: cepille las paredes", background=DEEP),
        poster((640, 360), "Lavado de tanques", "Paso 3: enjuague y llene de nuevo"),
    ]
    target = HERE / "ahorro" / "lavado-tanques.mp4"
    with tempfile.TemporaryDirectory() as folder:
        for index, frame in enumerate(frames):
            frame.save(Path(folder) / f"frame{index}.png")
        subprocess.run(
            [
                ffmpeg,
                "-y",
                "-loglevel",
                "error",
                "-framerate",
                "1/2",
                "-i",
                f"{folder}/frame%d.png",
                "-c:v",
                "libx264",
                "-r",
                "15",
                "-pix_fmt",
                "yuv420p",
                "-crf",
                "32",
                "-movflags",
                "+faststart",
                str(target),
            ],
            check=True,
        )
    print(f"{target.relative_to(HERE)}: {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    video() if "--video" in sys.argv else images()
