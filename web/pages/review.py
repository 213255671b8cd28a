"""Revisión: the review queue, and one case with the same context as `replies review`.

Every decision goes through `responders.review.decide_reply` and
`responders.filing.file_from_interaction`, the functions the CLI uses: a reply is approved
once (compare-and-set), learned once, and a second person deciding it is told so.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conectados.errors import BadInput, ConectadosError
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.light_tables import REPLY_PENDING
from responders.models import ReplyState, ReplyVisibility
from responders.reply_listing import STATE_NAMES, list_replies
from web.app import (
    COMMUNICATIONS,
    Flash,
    Office,
    citizens_name,
    citizens_words,
    form_of,
    page,
    query_id,
    said,
)

PAGE_SIZE = 50
MAX_TEXT = 5000
"""The longest reply a person may write here (the text box says so too)."""
KEYS = (
    ("a", "aprobar"),
    ("v", "aprobar en privado"),
    ("e", "editar el texto"),
    ("p", "cambiar protocolo"),
    ("r", "rechazar"),
    ("n", "no es de la empresa"),
    ("d", "radicar PQR"),
    ("s", "saltar a la siguiente"),
)
KINDS = {
    "comment": "un comentario público",
    "mention": "una mención pública",
    "message": "un mensaje privado",
}


def routes(office: Office) -> list[Route]:
    return [
        Route("/revision", queue),
        Route("/revision/{reply_id:id}", case_page),
        Route("/revision/{reply_id:id}/aprobar", approve, methods=["POST"]),
        Route("/revision/{reply_id:id}/protocolo", change_protocol, methods=["POST"]),
        Route("/revision/{reply_id:id}/rechazar", reject, methods=["POST"]),
        Route("/revision/{reply_id:id}/radicar", file_pqr, methods=["POST"]),
    ]


@page(COMMUNICATIONS)
async def queue(request: Request) -> Response:
    office: Office = request.app.state.office
    after = query_id(request.query_params.get("despues"), "despues") or 0

    def read():
        rows, radicados = list_replies(office.database, REPLY_PENDING, PAGE_SIZE + 1, after)
        return rows, radicados, office.protocol_names()

    rows, _, names = await run_in_threadpool(read)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return office.render(
        request,
        "review_queue.html",
        title="Revisión",
        rows=rows,
        names=names,
        next_after=rows[-1][0].id if more else None,
        shown=citizens_words(request.state.user),
        refresh="lista",
    )


def _load(office: Office, reply_id: int):
    from responders.review import destination, load_case

    case = load_case(office.database, reply_id)
    reply, interaction = case.reply, case.interaction
    where = destination(interaction.network, interaction.kind, reply.visibility)
    private_where = destination(interaction.network, interaction.kind, ReplyVisibility.PRIVATE)
    return case, where, private_where


async def _show(
    request: Request,
    reply_id: int,
    text: str | None = None,
    protocol: str | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    office: Office = request.app.state.office

    def read():
        from responders.cli_shared import attachment_lines
        from responders.sspd import CAUSALES
        from responders.tickets import TYPE_NAMES

        case, where, private_where = _load(office, reply_id)
        catalogue = office.catalogue()
        suggested = catalogue.get(protocol or case.reply.protocol or "")
        pqr_type = suggested.pqr_type if suggested is not None else None
        return {
            "case": case,
            "where": where,
            "private_where": private_where if private_where != where else "",
            "attachments": attachment_lines(case.interaction),
            "protocols": [(found.id, found.name) for found in catalogue],
            "names": {found.id: found.name for found in catalogue},
            "types": [(kind.value, name) for kind, name in TYPE_NAMES.items()],
            "suggested_type": pqr_type or "",
            "causales": list(CAUSALES.values()),
            "next_id": _next_pending(office, reply_id),
        }

    data = await run_in_threadpool(read)
    case = data["case"]
    shown = citizens_words(request.state.user)
    return office.render(
        request,
        "review_case.html",
        status_code=status_code,
        title=f"Revisión · respuesta {reply_id}",
        pending=case.reply.state == ReplyState.PENDING,
        state_name=STATE_NAMES[case.reply.state],
        kind_name=KINDS.get(case.interaction.kind.value, ""),
        message_text=shown(case.interaction.text),
        author=citizens_name(
            request.state.user, case.interaction.author_name or case.interaction.author_id
        ),
        earlier=[(earlier.written_at, shown(earlier.text)) for earlier in case.earlier],
        text=case.reply.text if text is None else text,
        protocol=protocol or case.reply.protocol or "",
        error=error,
        keys=KEYS,
        refresh="caso",
        watch=reply_id,
        **data,
    )


def current_protocol(office: Office, reply_id: int) -> str | None:
    from responders.review import load_case

    return load_case(office.database, reply_id).reply.protocol


def _next_pending(office: Office, reply_id: int) -> int | None:
    rows, _ = list_replies(office.database, REPLY_PENDING, 1, reply_id)
    return rows[0][0].id if rows else None


@page(COMMUNICATIONS)
async def case_page(request: Request) -> Response:
    return await _show(request, request.path_params["reply_id"])


@page(COMMUNICATIONS)
async def approve(request: Request) -> Response:
    office: Office = request.app.state.office
    reply_id = request.path_params["reply_id"]
    form = form_of(request)
    text = str(form.get("texto", "")).replace("\r\n", "\n")
    chosen = str(form.get("protocolo", "")) or None
    private = form.get("privado") == "1"
    user = request.state.user

    def decide():
        from responders.pipeline import privacy_notice
        from responders.public_text import company_texts
        from responders.review import decide_reply, window_templates_of

        if len(text) > MAX_TEXT:
            raise BadInput(
                f"la respuesta tiene {len(text)} caracteres; el máximo es {MAX_TEXT}: acórtela",
                "texto",
            )
        catalogue = office.catalogue()
        # The protocol is passed on only when the person changed it, as `replies approve`
        # does (a reply whose protocol has left the catalogue can still be approved).
        protocol = chosen if chosen != current_protocol(office, reply_id) else None
        if protocol is not None and catalogue.get(protocol) is None:
            raise BadInput(f"no hay ningún protocolo «{protocol[:60]}»", "protocolo")
        decide_reply(
            office.database,
            reply_id,
            True,
            user.reviewer,
            office.clock.now(),
            text,
            protocol,
            window_templates=window_templates_of(office.settings.channels),
            own_texts=company_texts(office.settings.company),
            private=private,
            private_hint="con el botón «Aprobar en privado»",
            notice=privacy_notice(office.settings),
            catalogue=catalogue,
            filing_hint="con el botón «Radicar PQR» de esta página",
        )
        return _next_pending(office, reply_id)

    try:
        next_id = await run_in_threadpool(decide)
    except (AlreadyDecided, ChangedMeanwhile) as error:
        return office.redirect(
            f"/revision/{reply_id}",
            Flash(f"No se aprobó: {said(error)}; nada se envía dos veces.", "error"),
        )
    except (BadInput, ConectadosError) as error:
        return await _show(
            request, reply_id, text, chosen, f"No se aprobó: {said(error)}.", status_code=400
        )
    where = " por mensaje privado" if private else ""
    return office.redirect(
        f"/revision/{next_id}" if next_id else "/revision",
        Flash(f"Respuesta {reply_id} aprobada: se enviará{where} una sola vez."),
    )


@page(COMMUNICATIONS)
async def change_protocol(request: Request) -> Response:
    """Writes the chosen protocol's draft in the text box; nothing is decided yet."""
    office: Office = request.app.state.office
    reply_id = request.path_params["reply_id"]
    chosen = str(form_of(request).get("protocolo", ""))

    def draft():
        from responders.protocols import RenderError
        from responders.review import load_case, redraft

        found = office.catalogue().get(chosen)
        if found is None:
            raise BadInput(f"no hay ningún protocolo «{chosen[:60]}»", "protocolo")
        case = load_case(office.database, reply_id)
        try:
            return redraft(office.database, office.settings, office.clock.now(), case, found), ""
        except RenderError as error:
            return case.reply.text, f"No se pudo escribir el borrador: {said(error)}."

    try:
        text, problem = await run_in_threadpool(draft)
    except BadInput as error:
        return await _show(request, reply_id, error=f"No se pudo: {said(error)}.", status_code=400)
    return await _show(request, reply_id, text, chosen, problem, 400 if problem else 200)


@page(COMMUNICATIONS)
async def reject(request: Request) -> Response:
    office: Office = request.app.state.office
    reply_id = request.path_params["reply_id"]
    form = form_of(request)
    not_ours = form.get("ajeno") == "1"
    note = " ".join(str(form.get("motivo", "")).split())[:300] or None
    user = request.state.user

    def decide():
        from responders.review import NOT_OURS_NOTE, decide_reply

        decide_reply(
            office.database,
            reply_id,
            False,
            user.reviewer,
            office.clock.now(),
            note=(note or NOT_OURS_NOTE) if not_ours else note,
            not_ours=not_ours,
        )
        return _next_pending(office, reply_id)

    try:
        next_id = await run_in_threadpool(decide)
    except (AlreadyDecided, ChangedMeanwhile) as error:
        return office.redirect(
            f"/revision/{reply_id}", Flash(f"No se pudo: {said(error)}.", "error")
        )
    outcome = (
        "Rechazada: se aprende que mensajes así no son asunto de la empresa."
        if not_ours
        else "Rechazada."
    )
    return office.redirect(
        f"/revision/{next_id}" if next_id else "/revision",
        Flash(f"Respuesta {reply_id}: {outcome}"),
    )


@page(COMMUNICATIONS)
async def file_pqr(request: Request) -> Response:
    office: Office = request.app.state.office
    reply_id = request.path_params["reply_id"]
    form = form_of(request)
    kind = str(form.get("tipo", ""))
    causal = str(form.get("causal", "")).strip() or None
    protocol = str(form.get("protocolo", "")) or None
    user = request.state.user

    def file():
        from responders.filing import file_from_interaction, filing_lines
        from responders.service import Responder
        from responders.terms import TicketType

        try:
            ticket_type = TicketType(kind)
        except ValueError:
            raise BadInput("elija el tipo de PQR", "tipo") from None
        case, _, _ = _load(office, reply_id)
        catalogue = office.catalogue()
        responder = Responder.from_settings(
            office.database, office.settings, office.clock, catalogue
        )
        filing = file_from_interaction(
            office.database,
            responder,
            case.interaction.id,
            user.reviewer,
            office.clock.now(),
            ticket_type,
            causal,
            reply_id=reply_id,
            protocol_id=protocol if protocol and catalogue.get(protocol) else None,
        )
        return filing.filed.radicado, filing_lines(filing, office.settings.zone)

    try:
        radicado, lines = await run_in_threadpool(file)
    except AlreadyDecided as error:
        return office.redirect(
            f"/revision/{reply_id}", Flash(f"No se radicó: {said(error)}.", "error")
        )
    except (BadInput, ConectadosError) as error:
        return await _show(
            request, reply_id, error=f"No se radicó: {said(error)}.", status_code=400
        )
    target = f"/pqr/{radicado}" if request.state.user.role != "comunicaciones" else "/revision"
    return office.redirect(target, Flash(" ".join(lines)))
