"""Bandeja: what citizens wrote and what was done with each message, as `conectados inbox`.

The query and the state words are the CLI's (`responders.interaction_listing`); this page adds
filters (network, state, protocol, sector) and pages of 50, newest first. Personal data: the roles
that answer PQR see a message as written; «comunicaciones» only needs its topic, and sees it
with personal data masked and no author name.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from channels.specs import SPECS, display_name
from conectados.errors import BadInput
from responders.interaction_listing import KIND_NAMES, STATE_WORDS, inbox_state, written_since
from web.app import ALL, Office, citizens_name, citizens_words, page, query_id, sees_personal_data

PAGE_SIZE = 50
STATE_BADGES = {
    "respondido": "ok",
    "radicado": "ok",
    "en revisión": "warn",
    "respuesta por enviar": "warn",
    "respuesta no enviada": "bad",
}


def routes(office: Office) -> list[Route]:
    return [Route("/bandeja", inbox)]


def _filters(request: Request, protocols: dict[str, str], sectors) -> dict[str, str]:
    """The GET filters given (empty ones left out), each checked: BadInput names the field."""
    params = request.query_params
    names = ("red", "estado", "protocolo", "sector")
    chosen = {name: params.get(name, "").strip() for name in names}
    chosen = {name: value for name, value in chosen.items() if value}
    if "red" in chosen and chosen["red"] not in SPECS:
        raise BadInput(
            f"«{chosen['red'][:40]}» no es una red; elija una de: {', '.join(SPECS)}", "campo red"
        )
    if "estado" in chosen and chosen["estado"] not in STATE_WORDS:
        raise BadInput(
            f"«{chosen['estado'][:40]}» no es un estado; elija uno de: {', '.join(STATE_WORDS)}",
            "campo estado",
        )
    if "protocolo" in chosen and chosen["protocolo"] not in protocols:
        raise BadInput(f"no hay ningún protocolo «{chosen['protocolo'][:60]}»", "campo protocolo")
    if "sector" in chosen and sectors.find(chosen["sector"]) is None:
        raise BadInput(
            f"«{chosen['sector'][:60]}» no es un sector de la lista; {sectors.known()}",
            "campo sector",
        )
    return chosen


@page(ALL)
async def inbox(request: Request) -> Response:
    office: Office = request.app.state.office
    user = request.state.user

    def read():
        protocols = office.protocol_names()
        sectors = office.sectors.current()
        chosen = _filters(request, protocols, sectors)
        before = query_id(request.query_params.get("antes"), "antes")
        listed = written_since(
            office.database,
            None,
            PAGE_SIZE + 1,
            network=chosen.get("red"),
            state=chosen.get("estado"),
            protocol=chosen.get("protocolo"),
            sector=sectors.find(chosen["sector"]) if "sector" in chosen else None,
            before=before,
        )
        rows = [_row(item, protocols, user) for item in listed[:PAGE_SIZE]]
        more = len(listed) > PAGE_SIZE
        return protocols, sectors.names(), chosen, before, rows, more

    protocols, sectors, chosen, before, rows, more = await run_in_threadpool(read)
    next_page = (
        "/bandeja?" + urlencode({**chosen, "antes": rows[-1]["id"]}) if more and rows else None
    )
    return office.render(
        request,
        "inbox.html",
        title="Bandeja",
        rows=rows,
        chosen=chosen,
        first_page=("/bandeja?" + urlencode(chosen) if chosen else "/bandeja") if before else None,
        next_page=next_page,
        networks=[(name, display_name(name)) for name in SPECS],
        states=STATE_WORDS,
        protocols=sorted(protocols.items(), key=lambda item: item[1].casefold()),
        sectors=sectors,
        masked=not sees_personal_data(user),
        page_size=PAGE_SIZE,
        refresh="lista",
    )


def _row(listed, protocols: dict[str, str], user) -> dict:
    """One message as the page shows it; for «comunicaciones», without personal data."""
    interaction = listed.interaction
    shown = citizens_words(user)
    decision = interaction.decision or ""
    state = inbox_state(listed)
    return {
        "id": interaction.id,
        "written_at": interaction.written_at,
        "network": display_name(interaction.network),
        "kind": KIND_NAMES.get(interaction.kind.value, interaction.kind.value),
        "author": citizens_name(user, interaction.author_name or interaction.author_id),
        "attachment": bool(interaction.attachments),
        "text": shown(interaction.text),
        "state": state,
        "badge": STATE_BADGES.get(state.split(", ")[0], ""),
        "protocol": protocols.get(interaction.protocol, interaction.protocol)
        if interaction.protocol
        else "",
        "decision": shown(decision),
    }
