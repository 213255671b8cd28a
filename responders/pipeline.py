"""The reply pipeline: what every reply is made of, and the one check a public one passes.

The responder's drafts and a person's edit or change of protocol in `replies review` and
`replies approve --texto` take their template values from `context_for` (the author's name
unless it carries personal data, a radicado and its due date, the company's values and the
service notices) and add the data-treatment notice to a first private message. (`pqr answer`
does not: its answer is the company's own letter, always private.) Every public text passes
`check_public` against `public_text.public_text_for` (the citizen's own data scrubbed by
`scrub` first, where a template quoted it): at drafting, at approval, and again in the send job
just before the network is called, so no path puts a citizen's personal data in public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from conectados.errors import BadInput
from conectados.privacy import find_personal_data, without
from conectados.spanish import spanish_moment
from responders import service_notices
from responders.models import Interaction, Reply, ReplyState, ReplyVisibility
from responders.public_text import Exposure, PublicText
from responders.template_values import template_context


class PersonalDataInPublic(BadInput):
    """A text meant for the public carries personal data; the message names the kinds, each
    piece masked, and what to do instead (`way_out`)."""

    def __init__(self, exposure: Exposure, way_out: str, location: str | None = None) -> None:
        self.exposure = exposure
        super().__init__(f"es pública y trae {exposure.described()}; {way_out}", location)


def check_public(check: PublicText, text: str, way_out: str, location: str | None = None) -> None:
    """Raise `PersonalDataInPublic` when `text` may not go out in public."""
    exposure = check.exposure(text)
    if exposure is not None:
        raise PersonalDataInPublic(exposure, way_out, location)


def citizens_data(interaction: Interaction) -> list:
    """The personal data the citizen wrote, or put in their name."""
    return find_personal_data(interaction.text) + find_personal_data(interaction.author_name)


def scrub(text: str, interaction: Interaction) -> str:
    """A public text with whatever the citizen wrote of their own data taken out."""
    return without(text, citizens_data(interaction))


def context_for(
    company: dict[str, Any],
    interaction: Interaction,
    notices: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every template value for a reply to `interaction`; `extra` (a radicado and its due date,
    a ticket's status) wins over what the message says."""
    return template_context(
        company,
        interaction.author_name,  # clean_author blanks a name that carries personal data
        notices,
        interaction.text,
        interaction.network,
        interaction.kind.value,
        attachments=len(interaction.attachments or []),
    ) | (extra or {})


def privacy_notice(settings) -> str:
    """The data-treatment notice (Ley 1581 de 2012) for a citizen's first private message."""
    pqr = settings.pqr
    company = settings.company.name or "la empresa"
    notice = pqr.privacy_notice.strip() or (
        f"Aviso de privacidad: al escribirnos, usted autoriza a {company} a tratar sus datos "
        "personales solo para atender su solicitud, conforme a la Ley 1581 de 2012. Puede "
        "conocer, actualizar, rectificar o pedir que se supriman sus datos cuando lo desee."
    )
    if pqr.privacy_policy_url:
        notice += f" Política de tratamiento de datos: {pqr.privacy_policy_url}"
    return notice


def first_private(connection: sa.Connection, interaction: Interaction) -> bool:
    """No private reply to this person yet: the data-treatment notice goes with this one."""
    return (
        connection.execute(
            sa.select(Reply.id)
            .join(Interaction, Interaction.id == Reply.interaction_id)
            .where(
                Interaction.network == interaction.network,
                Interaction.author_id == interaction.author_id,
                Reply.visibility == ReplyVisibility.PRIVATE,
                Reply.state != ReplyState.REJECTED,
            )
            .limit(1)
        ).first()
        is None
    )


def active_notices(connection: sa.Connection, now: datetime, zone) -> list[dict[str, Any]]:
    """Notices not closed and not over yet (current or coming), as templates see them: the
    one place that builds them, for the daemon, a person's draft and `protocols match`."""
    return [
        notice_values(row.sector, row.starts_at, row.ends_at, row.reason, now, zone)
        for row in service_notices.current(connection, now)
    ]


def notice_values(
    sector: str, starts: datetime, ends: datetime, reason: str, now: datetime, zone
) -> dict[str, Any]:
    """One notice for the templates: `en_curso` and `cuando` tell work going on now («en este
    momento, hasta hoy a las 2:00 p. m.») from work to come («programado para mañana, de
    8:00 a. m. a 2:00 p. m.»), in the company's zone."""
    starts, ends, today = starts.astimezone(zone), ends.astimezone(zone), now.astimezone(zone)
    current = starts <= now
    if current:
        when = f"en este momento, hasta {_day(ends, today)} {_at(ends)}"
    elif starts.date() == ends.date():
        when = f"programado para {_day(starts, today)}, de {_clock(starts)} a {_clock(ends)}"
    else:
        when = (
            f"programado desde {_day(starts, today)} {_at(starts)} "
            f"hasta {_day(ends, today)} {_at(ends)}"
        )
    return {
        "sector": sector,
        "desde": spanish_moment(starts),
        "hasta": spanish_moment(ends),
        "motivo": reason,
        "en_curso": current,
        "cuando": when,
    }


def _day(moment: datetime, today: datetime) -> str:
    """ "hoy", "mañana" or "el martes 8 de diciembre"."""
    days = (moment.date() - today.date()).days
    if days == 0:
        return "hoy"
    if days == 1:
        return "mañana"
    return "el " + spanish_moment(moment).split(",")[0]


def _clock(moment: datetime) -> str:
    """ "8:00 a. m." (the time part of `spanish_moment`)."""
    return spanish_moment(moment).split(", ", 1)[1]


def _at(moment: datetime) -> str:
    """ "a las 2:00 p. m.", "a la 1:00 p. m."."""
    return f"{'a la' if moment.hour % 12 == 1 else 'a las'} {_clock(moment)}"
