"""The personal-data detector and the scrub, at the edges each pattern draws.

Guards of `make mutants` (bench/mutants.toml): each test names the smallest piece a
pattern must still find, whole, and of its kind.
"""

from __future__ import annotations

import pytest

from conectados.privacy import MASK, PersonalData, find_personal_data, has_personal_data, without


def test_has_personal_data_says_yes_only_when_there_is_some():
    assert has_personal_data("Llámeme al 310 555 1234, por favor")
    assert not has_personal_data("¿A qué hora abren la oficina el sábado?")


@pytest.mark.parametrize(
    ("text", "kind", "piece"),
    [
        ("le dejo el 482913 para que revisen", "número", "482913"),
        ("mi CC 1234567 por si la necesitan", "documento", "CC 1234567"),
        ("escríbame al +57 310 555 1234 hoy", "teléfono", "+57 310 555 1234"),
        ("me llegó por $ 45.000 este mes", "valor", "$ 45.000"),
        ("vivo en la calle 10 # 12-34 del centro", "dirección", "calle 10 # 12-34"),
    ],
)
def test_the_smallest_piece_of_each_kind_is_found_whole(text, kind, piece):
    assert [(found.kind, found.text) for found in find_personal_data(text)] == [(kind, piece)]


def test_the_scrub_finds_a_piece_that_starts_inside_a_false_start():
    pieces = [PersonalData("número", "abcd"), PersonalData("número", "bce")]

    assert without("xabcex", pieces) == f"xa{MASK}x"


def test_the_scrub_masks_overlapping_pieces_as_one():
    pieces = [PersonalData("número", "abc"), PersonalData("número", "bcd")]

    assert without("xabcdx", pieces) == f"x{MASK}x"
