"""The pages of the web office, one module each; `all_routes` gathers them."""

from __future__ import annotations

from starlette.routing import BaseRoute


def all_routes(office) -> list[BaseRoute]:
    from web.pages import calendar, inbox, notices, pqr, report, review, session, status

    routes: list[BaseRoute] = []
    for module in (session, inbox, review, pqr, calendar, notices, report, status):
        routes += module.routes(office)
    return routes
