"""The order in which a private reply is shortened to fit the network (`private_fit`)."""

from __future__ import annotations

from types import SimpleNamespace

from responders.private_fit import condensed_context, fitted, short_privacy_notice, with_notice

FULL_NOTICE = "Aviso de privacidad: " + "x" * 300 + " Ley 1581 de 2012."


def _settings(url: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        company=SimpleNamespace(name="Aguas del Valle"),
        pqr=SimpleNamespace(privacy_policy_url=url),
    )


def _candidates(full: str, condensed: str, short: str, built: list[str]):
    def made(name: str, text: str):
        def build() -> str:
            built.append(name)
            return text

        return build

    return (
        made("completo", with_notice(full, FULL_NOTICE)),
        made("avisos resumidos", with_notice(condensed, FULL_NOTICE)),
        made("aviso corto", with_notice(condensed, short)),
    )


def test_the_longest_form_that_fits_goes_and_shorter_ones_are_not_built():
    short = short_privacy_notice(_settings())
    built: list[str] = []
    text = fitted("instagram", _candidates("a" * 700, "b" * 300, short, built))
    assert built == ["completo", "avisos resumidos"]
    assert text.startswith("b" * 300) and text.endswith(FULL_NOTICE)

    built = []
    text = fitted("instagram", _candidates("a" * 700, "b" * 700, short, built))
    assert built == ["completo", "avisos resumidos", "aviso corto"]
    assert len(text) <= 1000 and text.endswith(short) and "Ley 1581" in text

    built = []
    text = fitted("instagram", _candidates("a" * 400, "b" * 100, short, built))
    assert built == ["completo"] and text.endswith(FULL_NOTICE)


def test_when_nothing_fits_the_shortest_goes_to_a_person_with_the_privacy_notice():
    short = short_privacy_notice(_settings())
    text = fitted("instagram", _candidates("a" * 2000, "b" * 1500, short, []))
    assert len(text) > 1000 and text.endswith(short)


def test_a_network_with_room_takes_the_full_text():
    text = fitted("facebook", _candidates("a" * 1500, "b", "c", []))
    assert text == with_notice("a" * 1500, FULL_NOTICE)


def test_the_short_privacy_notice_names_the_law_the_purpose_and_the_policy():
    notice = short_privacy_notice(_settings("https://aguas.example/datos"))
    assert "Ley 1581 de 2012" in notice and "atender su solicitud" in notice
    assert "Aguas del Valle" in notice and notice.endswith("https://aguas.example/datos")
    assert "Política" not in short_privacy_notice(_settings())


def _notice(sector: str) -> dict:
    return {"sector": sector, "cuando": "hoy", "motivo": "obras", "en_curso": True}


def test_condensed_notices_keep_the_citizens_sector_and_count_the_rest():
    notices = [_notice("La Ceiba"), _notice("Barrio Centro"), _notice("El Prado")]
    context = {"avisos": notices, "sector": "Barrio Centro", "empresa": {"web": ""}}
    fewer, more = condensed_context(context)
    assert fewer["avisos"] == [notices[1]]
    assert more == "Hay 2 avisos de servicio más; pregúntenos si le interesan."

    web = context | {"sector": "", "empresa": {"web": "https://aguas.example/avisos"}}
    fewer, more = condensed_context(web)
    assert fewer["avisos"] == [notices[0]]
    assert more == "Hay 2 avisos de servicio más: véalos en https://aguas.example/avisos."

    one = {"avisos": notices[:1], "sector": "", "empresa": {}}
    assert condensed_context(one) == (one, "")
