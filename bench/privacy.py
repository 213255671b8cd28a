"""The personal-data masker on the worst texts we can make (target: 100,000 characters under 50 ms).

For each pattern family, several adversarial texts (long runs that almost match, repeated
keywords, separators everywhere) at 1,000, 10,000 and 100,000 characters, next to ordinary
citizen text of the same length measured in the same run. Prints the minimum and the median
of several runs of `mask`, and `without` with every piece found in the worst text.
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
    },
    "número": {
        "dígitos": "1",
        "dígito y espacio": "1 ",
        "dígito y guion": "1-",
        "dígitos en palabras": "tres uno, ",
    },
    "nuestros": {
        "fechas partidas": "2026-",
        "horas partidas": "1:",
        "archivo:línea": "a.toml:",
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
    print(f"  {'texto':<34}" + "".join(f"{size:>20,}" for size in SIZES))
    rows = [("texto ciudadano normal (base)", CITIZEN)]
    rows += [
        (f"{family}: {name}", unit)
        for family, cases in WORST.items()
        for name, unit in cases.items()
    ]
    worst = (0.0, "")
    for label, unit in rows:
        cells = []
        for size in SIZES:
            fastest, median = timings(mask, sized(unit, size))
            cells.append(f"{fastest:9.2f} / {median:8.2f}")
            if size == SIZES[-1] and unit is not CITIZEN:
                worst = max(worst, (median, label))
        print(f"  {label:<34}" + "".join(f"{cell:>20}" for cell in cells))
    print(f"  el peor con {SIZES[-1]:,} caracteres: {worst[1]}, {worst[0]:.1f} ms (meta: 50 ms)")

    text = sized(CITIZEN, SIZES[-1])
    pieces = find_personal_data(text)
    fastest, median = timings(lambda reply: without(reply, pieces), text)
    print(
        f"  without() con {len(pieces):,} datos en {len(text):,} caracteres: "
        f"{fastest:.1f} / {median:.1f} ms"
    )


if __name__ == "__main__":
    main()
