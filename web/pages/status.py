"""Estado: what `conectados status` says, and the change mark pages watch (`/cambios`).

The status itself is gathered by the roof (`office.status`), which the web office does not
import: whoever builds the `Office` hands it `status_source`."""

from __future__ import annotations

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.app import ALL, Office, page, query_id


def routes(office: Office) -> list[Route]:
    return [Route("/estado", status), Route("/cambios", changes)]


@page(ALL)
async def status(request: Request) -> Response:
    office: Office = request.app.state.office

    current, text = await run_in_threadpool(office.status_source)
    return office.render(request, "status.html", title="Estado", current=current, text=text)


def reply_mark(office: Office, reply_id: int) -> str:
    """One reply's state and who decided it: what its case page watches."""
    from responders.models import Reply

    with office.database.transaction() as connection:
        row = connection.execute(
            sa.select(Reply.state, Reply.reviewer, Reply.decided_at).where(Reply.id == reply_id)
        ).first()
    return "" if row is None else "|".join(str(value) for value in row)


def change_mark(office: Office) -> str:
    """What the lists watch: moves when a message arrives, a reply is drafted or decided,
    a ticket is filed, answered or closed, a publication is planned, or a notice is added or
    closed (maxima of ids and decision times; the ticket and notice tables are small). It
    does not move when a reply is only sent or a post only goes out: the lists a person
    works from do not change then."""
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
    only = query_id(request.query_params.get("respuesta"), "respuesta")
    if only is None:
        mark = await run_in_threadpool(change_mark, office)
    else:
        mark = await run_in_threadpool(reply_mark, office, only)
    return JSONResponse({"marca": mark}, headers={"cache-control": "no-store"})
