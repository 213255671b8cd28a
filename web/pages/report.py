"""Informe: the monthly report exactly as `conectados report --html` writes it, in the office.

`/informe/ver?mes=AAAA-MM` serves the report's own page (`reports.render.html`, the CLI's
function): a whole document with its inline styles and SVG charts, under its own
Content-Security-Policy that allows those styles and no script at all. `/informe` is an office
page around it: the month picker, the way back and the report in a sandboxed frame. The frame
keeps the office's strict policy (no inline style) on every office page, and the report's
styles out of the office's; to print, the report opens alone.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from conectados.errors import BadInput
from reports.period import Period, last_month, named_month, report_networks
from web.app import ALL, Office, page, said

REPORT_HEADERS = {
    # The report's page: its own inline <style> and data: images, nothing else; no script.
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'self'"
    ),
    "x-frame-options": "SAMEORIGIN",
}


def routes(office: Office) -> list[Route]:
    return [Route("/informe", report_page), Route("/informe/ver", report_document)]


def _period(office: Office, request: Request) -> Period:
    """The month asked for in `mes` (AAAA-MM), or the month that just ended, as the CLI."""
    zone = office.settings.zone
    text = request.query_params.get("mes")
    if text is None or text == "":
        return last_month(office.clock.now().astimezone(zone).date(), zone)
    try:
        return named_month(text, zone)
    except BadInput as error:  # the CLI names its option; the office, the form's field
        raise BadInput(error.problem, "campo mes") from None


@page(ALL)
async def report_page(request: Request) -> Response:
    office: Office = request.app.state.office
    try:
        period = _period(office, request)
    except BadInput as error:
        return office.render(
            request,
            "report.html",
            status_code=400,
            title="Informe: mes equivocado",
            month=request.query_params.get("mes", "")[:40],
            label="",
            frame="",
            error=f"No se pudo mostrar el informe: {said(error)}.",
        )
    month = f"{period.start:%Y-%m}"
    return office.render(
        request,
        "report.html",
        title=f"Informe: {period.label}",
        month=month,
        label=period.label,
        frame="/informe/ver?" + urlencode({"mes": month}),
        error="",
    )


@page(ALL)
async def report_document(request: Request) -> Response:
    office: Office = request.app.state.office
    period = _period(office, request)

    def build() -> str:
        from reports.figures import build_report
        from reports.render import html

        names = {protocol.id: protocol.name for protocol in office.catalogue()}
        with office.database.session() as session:
            built = build_report(
                session.connection(),
                period,
                office.settings.company.name,
                report_networks(office.settings),
                now=office.clock.now(),
                protocol_names=names,
            )
        return html(built)

    return HTMLResponse(await run_in_threadpool(build), headers=REPORT_HEADERS)
