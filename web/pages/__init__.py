"""The pages of the web office, one module each; `all_routes` gathers them."""

from __future__ import annotations

from starlette.routing import BaseRoute


def all_routes(office) -> list[BaseRoute]:
    from web.pages import review, session, status

    routes: list[BaseRoute] = []
    for module in (session, review, status):
        routes += module.routes(office)
    for name in ("inbox", "pqr", "calendar", "notices", "report"):
        try:
            module = __import__(f"web.pages.{name}", fromlist=["routes"])
        except ModuleNotFoundError:
            continue
        routes += module.routes(office)
    return routes
