"""Estado: what `conectados status` says, and the change mark pages watch (`/cambios`).

The status itself is gathered by the roof (`office.status`), which the web office does not
import: whoever builds the `Office` hands it `status_source`."""

from __future__ import annotations

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.app import ALL, Office, page


def routes(office: Office) -> list[Route]:
    return [Route("/estado", status), Route("/cambios", changes)]


@page(ALL)
async def status(request: Request) -> Response:
    office: Office = request.app.state.office

    current, text = await run_in_threadpool(office.status_source)
    return office.render(request, "status.html", title="Estado", current=current, text=text)


def change_mark(office: Office) -> str:
    """Moves whenever a reply, an interaction, a ticket, a post or a notice changes: the
    newest decision and the counts of each table (cheap: indexed maxima and counts)."""
    from content_calendar.models import Publication
    from responders.models import Interaction, Reply, ServiceNotice, Ticket

    with office.database.transaction() as connection:
        row = connection.execute(
            sa.select(
                sa.select(sa.func.max(Reply.id)).scalar_subquery(),
                sa.select(sa.func.max(Reply.decided_at)).scalar_subquery(),
                sa.select(sa.func.max(Interaction.id)).scalar_subquery(),
                sa.select(sa.func.max(Ticket.id)).scalar_subquery(),
                sa.select(sa.func.max(Ticket.closed_at)).scalar_subquery(),
                sa.select(sa.func.max(Ticket.answered_at)).scalar_subquery(),
                sa.select(sa.func.max(Publication.id)).scalar_subquery(),
                sa.select(sa.func.max(ServiceNotice.id)).scalar_subquery(),
                sa.select(sa.func.max(ServiceNotice.closed_at)).scalar_subquery(),
            )
        ).one()  # fmt: skip
    return "|".join("" if value is None else str(value) for value in row)


@page(ALL)
async def changes(request: Request) -> Response:
    office: Office = request.app.state.office
    mark = await run_in_threadpool(change_mark, office)
    return JSONResponse({"marca": mark}, headers={"cache-control": "no-store"})
