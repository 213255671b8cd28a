"""What counts as the company's own text in a public reply, one guard at a time.

Guards of `make mutants` (bench/mutants.toml): our numbers however they are written, our
longer texts quoted in part, and notices only while they are open.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from responders.models import ServiceNotice
from responders.public_text import PublicText, public_text_for

OURS = ["607 000 0000", "Calle 1 # 2-3, Centro"]


def test_our_phone_with_the_country_code_is_ours():
    check = PublicText(OURS)

    assert check.exposure("Llame al +57 607 000 0000.") is None
    assert check.exposure("Llame al +57 607 000 0001.") is not None


def test_part_of_our_address_is_ours_and_a_longer_address_around_it_is_not():
    check = PublicText(OURS)

    assert check.exposure("Venga a la Calle 1 # 2-3.") is None
    assert check.exposure("Lo visitamos en la Calle 1 # 2-34.") is not None


def test_a_closed_notice_no_longer_makes_its_text_ours(database):
    now = datetime(2030, 11, 12, 8, 0, tzinfo=UTC)
    with database.session(write=True) as session:
        session.add(ServiceNotice(sector="Centro", starts_at=now, ends_at=now + timedelta(hours=4),
                                  reason="cambio de tubo en la Calle 9 # 10-20",
                                  closed_at=now + timedelta(hours=5)))  # fmt: skip
        session.flush()
        check = public_text_for(session.connection(), [])

    assert check.exposure("Hoy: cambio de tubo en la Calle 9 # 10-20.") is not None
