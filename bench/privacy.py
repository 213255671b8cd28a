"""The personal-data masker on the worst texts we can make (target: 100,000 characters under 50 ms).

For each pattern family, several adversarial texts (long runs that almost match, repeated
keywords, separators everywhere) at 1,000, 10,000 and 100,000 characters, next to ordinary
citizen text of the same length measured in the same run. Prints the minimum and the median
of several runs of `mask` (and how many times ordinary text the fastest 100,000-character
run takes), and `without` with every piece found in the worst text.
"""

from __future__ import annotations

import statistics
import time

from conectados.privacy import find_personal_data, mask, without

RUNS = 5
SIZES = (1_000, 10_000, 100_000)

CITIZEN = (
    "Buenas tardes, en el barrio Centro llevamos dos días sin agua y nadie nos avisa nada. "
    "Mi cuenta es la 12345 y vivo en la calle 10 # 12-34, me pueden llamar al 310 555 1234 "
    "o escribir a ana.perez@correo.com. El recibo llegó por $ 250.000 y no puede ser. "
)

# Each text repeats a unit that keeps one pattern busy without (or barely) matching.
WORST: dict[str, dict[str, str]] = {
    "correo": {
        "letras sin @": "a",
        "puntos y letras": "a.",
        "@ sin dominio": "a@",
        "arroba repetida": "a arroba ",
        "dominio sin punto": "a@b-",
        "(at) sin dominio": "a (at) ",
    },
    "cuenta": {
        "cuenta-cuenta": "cuenta-",
        "cuenta es la": "cuenta es la ",
        "cuenta n° ": "cuenta n° ",
    },
    "documento": {
        "c.c. repetido": "c.c. ",
        "cédula y dígitos": "cédula 1 ",
        "cc 1-1-1": "cc 1-",
    },
    "dirección": {
        "calle repetida": "calle ",
        "calle con nombre": "calle boyacá ",
        "calle # - ": "calle 1 # 1 - ",
        "calle con nombre y #": "calle real # 1-2 ",
        "mz 1, repetido": " mz 1,",
        "mz 1 a": "mz 1 a ",
        "restos de calle": "cll 10 n 12 34 ",
    },
    "teléfono": {
        "dígitos 3": "3",
        "310 separado": "310 ",
        "tel repetido": "tel ",
    },
    "valor": {
        "$ y puntos": "$1.",
        "dígitos y puntos": "1.",
        "dígitos y comas": "1,",
        "$1 pegados": "$1",
        "$1 entre signos": ",-$1",
        "dígito, punto y $": "1.$",
        "$1 y una letra": "$1 a ",
    },
    "número": {
        "dígitos": "1",
        "dígito y espacio": "1 ",
        "dígito y guion": "1-",
        "dígitos en palabras": "tres uno, ",
        "dígito y barra": "1/",
        "grupos irregulares": "3 10 5 ",
        "grupos y una letra": "1-1 a ",
    },
    "disfraces": {
        "letra por dígito": "1l ",
        "letra por dígito y una letra": "1l a ",
        "espacio de ancho cero": "\u200b1",
        "arroba de ancho completo": "＠",
        "fracción (se expande)": "½",
        "número en círculo": "⑫ ",
        "tilde y dígito": "ó1 ",
        "viñeta y dígito": "1•",
        "viñetas": "• ",
        "círculo y arroba": "⑫@",
        "de todo un poco": "+570⑫-2026-a@b",
        "viñeta y fecha partida": "•2026-",
    },
    "nuestros": {
        "fechas partidas": "2026-",
        "horas partidas": "1:",
        "archivo:línea": "a.toml:",
        "horas y una letra": "12:00 a ",
        "periodos": "2025-2026 ",
        "fechas d/m/a": "05/12/2026 ",
    },
}


def sized(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def timings(action, text: str) -> tuple[float, float]:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action(text)
        samples.append(time.perf_counter() - start)
    return min(samples) * 1000, statistics.median(samples) * 1000


def main() -> None:
    print(f"conectados.privacy.mask: mínimo / mediana de {RUNS} ejecuciones, en ms")
    print(f"  {'texto':<34}" + "".join(f"{size:>20,}" for size in SIZES) + "   veces la base")
    rows = [("texto ciudadano normal (base)", CITIZEN)]
    rows += [
        (f"{family}: {name}", unit)
        for family, cases in WORST.items()
        for name, unit in cases.items()
    ]
    worst = (0.0, "", 0.0)
    base = 0.0
    for label, unit in rows:
        cells = []
        for size in SIZES:
            fastest, median = timings(mask, sized(unit, size))
            cells.append(f"{fastest:9.2f} / {median:8.2f}")
        if unit is CITIZEN:
            base = fastest
        ratio = fastest / base
        worst = max(worst, (ratio, label, fastest))
        print(f"  {label:<34}" + "".join(f"{cell:>20}" for cell in cells) + f"{ratio:10.2f}")
    print(
        f"  el peor con {SIZES[-1]:,} caracteres: {worst[1]}, {worst[2]:.1f} ms, "
        f"{worst[0]:.2f} veces el texto normal (meta: 50 ms, 2,5 veces)"
    )

    text = sized(CITIZEN, SIZES[-1])
    pieces = find_personal_data(text)
    fastest, median = timings(lambda reply: without(reply, pieces), text)
    print(
        f"  without() con {len(pieces):,} datos en {len(text):,} caracteres: "
        f"{fastest:.1f} / {median:.1f} ms"
    )


if __name__ == "__main__":
    main()
