"""Signing in and out, and the first page of each role."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web.accounts import LoginRefused, end_sessions, sign_in
from web.app import ALL, Flash, Office, check_form, page
from web.models import Role

LOGIN_COOKIE = "conectados_entrada"
HOME = {Role.COMMUNICATIONS: "/revision", Role.PQR: "/pqr", Role.ADMIN: "/estado"}


def routes(office: Office) -> list[Route]:
    return [
        Route("/", home),
        Route("/entrar", login_form, methods=["GET"]),
        Route("/entrar", login, methods=["POST"]),
        Route("/salir", logout, methods=["POST"]),
    ]


@page(ALL)
async def home(request: Request) -> Response:
    return RedirectResponse(HOME[request.state.user.role], status_code=303)


async def login_form(request: Request) -> Response:
    office: Office = request.app.state.office
    request.state.user = None
    # Before signing in there is no session: the sign-in form carries a token of its own, in
    # a short-lived cookie (double submit), so another site cannot sign a browser in to an
    # account of its choosing.
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = office.render(
        request,
        "login.html",
        title="Entrar",
        login_token=token,
        next=_safe_next(request.query_params.get("siguiente", "")),
        error="",
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def login(request: Request) -> Response:
    office: Office = request.app.state.office
    request.state.user = None
    token = request.cookies.get(LOGIN_COOKIE, "")
    problem = await check_form(request, {"c": token})
    form = getattr(request.state, "form", {})
    target = _safe_next(str(form.get("siguiente", "")))
    if problem:
        return office.render(
            request, "login.html", status_code=403, title="Entrar", login_token=token,
            next=target, error=problem,
        )  # fmt: skip
    client = request.client.host if request.client else ""
    now = office.clock.now()
    try:
        if office.client_failures.over(client, now):
            raise LoginRefused(
                "demasiados intentos fallidos desde este equipo: espere unos minutos y vuelva "
                "a intentarlo"
            )
        user = await run_in_threadpool(
            sign_in,
            office.database,
            str(form.get("usuario", ""))[:100],
            str(form.get("contrasena", ""))[:300],
            now,
        )
    except LoginRefused as refused:
        office.client_failures.failed(client, now)
        return office.render(
            request, "login.html", status_code=401, title="Entrar", login_token=token,
            next=target, error=f"No se pudo entrar: {refused}.",
        )  # fmt: skip
    response = office.redirect(target or HOME[user.role])
    office.start_session(response, user, request)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@page(ALL)
async def logout(request: Request) -> Response:
    office: Office = request.app.state.office
    # Not only this browser's cookie: a copy of it (another tab, a borrowed computer) ends too.
    await run_in_threadpool(end_sessions, office.database, request.state.user.id)
    response = office.redirect("/entrar", Flash("Salió de la oficina."))
    office.end_session(response)
    return response


def _safe_next(target: str) -> str:
    """Only a path of this office: never another site (an open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    if "\\" in target:
        return ""
    return target[:300]
