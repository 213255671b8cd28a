"""`conectados sandbox ...`: run the emulator of the networks on its own."""

from __future__ import annotations

import errno

import click

from channels import registry
from channels.sandbox import SandboxServer
from channels.specs import display_name
from conectados.errors import BadInput, ConectadosError
from conectados.spanish import number
from conectados.terminal import Group, SpanishChoice, message_kinds
from conectados.userfiles import os_error_reason


@click.group(cls=Group)
def sandbox() -> None:
    """Simulador local de Facebook, Instagram, X y WhatsApp, para pruebas y demostraciones."""


@sandbox.command()
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="DIRECCIÓN",
    help="Dirección donde escucha (por defecto 127.0.0.1).",
)
@click.option(
    "--port",
    default=8765,
    type=click.IntRange(0, 65535),
    metavar="PUERTO",
    help="Puerto donde escucha (por defecto 8765).",
)
@click.pass_obj
def serve(app, host: str, port: int) -> None:
    """Inicia el simulador y lo deja en marcha hasta Ctrl+C.

    Habla las mismas rutas de la Graph API de Meta y de la API v2 de X que usa Conectados;
    su API de control está en /_sandbox/ (ciudadanos, fallas, estado, reinicio). Con
    «[sandbox] estado» en la configuración, recuerda sus redes en ese archivo entre arranques.
    """
    state_path = app.settings.sandbox_state_path
    try:
        server = SandboxServer(host, port, state_path=state_path)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(f"el puerto {port} ya está en uso; elija otro con --port") from None
        raise BadInput(f"no se pudo escuchar en {host}:{port} ({os_error_reason(exc)})") from None
    if server.sandbox.notice:
        click.echo(f"Aviso: {server.sandbox.notice}", err=True)
    click.echo(f"Simulador de redes escuchando en {server.url} (Ctrl+C para detenerlo).")
    if state_path is not None:
        click.echo(f"Sus redes se guardan en {state_path}.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Simulador detenido.")
    finally:
        server.close()


@sandbox.command()
@click.argument("texto", metavar="TEXTO")
@click.option(
    "--red",
    type=SpanishChoice(
        {"facebook": "facebook", "instagram": "instagram", "x": "x", "whatsapp": "whatsapp"}
    ),
    default="facebook",
    help="Por defecto facebook.",
)
@click.option(
    "--tipo",
    type=message_kinds(),
    default=None,
    help="comentario: en la última publicación (por defecto); mención: una mención en X; "
    "mensaje: un mensaje privado (el único tipo en WhatsApp).",
)
@click.option("--autor", default="Ciudadana de prueba", metavar="NOMBRE", help="Quién escribe.")
@click.option(
    "--foto", is_flag=True, help="En WhatsApp: envía una foto con el texto como descripción."
)
@click.option(
    "--usuario",
    default=None,
    metavar="NOMBRE_DE_USUARIO",
    help="En WhatsApp: escribe como alguien con nombre de usuario (por ejemplo @ana.perez), "
    "que no muestra su número de teléfono.",
)
@click.option(
    "--en",
    default=None,
    metavar="ID",
    help="Comentario: la publicación donde comentar (por defecto, la última).",
)
@click.option(
    "--esperar",
    default=180,
    type=click.IntRange(0, 3600),
    metavar="SEGUNDOS",
    help="Cuánto esperar la respuesta del servicio (0: no esperar). Por defecto 180.",
)
@click.pass_obj
def citizen(
    app,
    texto: str,
    red: str,
    tipo: str | None,
    autor: str,
    foto: bool,
    usuario: str | None,
    en: str | None,
    esperar: int,
) -> None:
    """Escribe como un ciudadano en el simulador y muestra la respuesta cuando llega.

    Con «conectados daemon» en marcha en otra terminal (sin configuración usa su simulador en
    127.0.0.1:8765), el servicio lo lee en su próxima ronda, lo responde, lo radica o lo deja
    para revisión, y la respuesta aparece aquí.
    """
    import time

    import requests

    url = (app.settings.sandbox.url or registry.SANDBOX_URL).rstrip("/")
    tipo = tipo or ("message" if red == "whatsapp" else "comment")
    if red == "whatsapp" and tipo != "message":
        raise BadInput("en WhatsApp solo se escriben mensajes (--tipo mensaje)", "--tipo")
    if usuario is not None and red != "whatsapp":
        raise BadInput("el nombre de usuario es de WhatsApp: añada --red whatsapp", "--usuario")
    if foto and red != "whatsapp":
        raise BadInput("las fotos se envían por WhatsApp: añada --red whatsapp", "--foto")
    if red in ("facebook", "instagram") and tipo == "mention":
        raise BadInput(
            f"en {display_name(red)} se escribe un comentario o un mensaje (--tipo comentario "
            "o --tipo mensaje); las menciones son de X",
            "--tipo",
        )
    if en is not None and tipo != "comment":
        raise BadInput("--en es la publicación donde comentar: úselo con un comentario", "--en")

    def control(method: str, action: str, body: dict | None = None):
        missing = ConectadosError(
            f"no hay un simulador en {url}: inicie «conectados daemon» (o «conectados sandbox "
            "serve») en otra terminal"
        )
        try:
            answer = requests.request(method, f"{url}/_sandbox/{action}", json=body, timeout=10)
            payload = answer.json()
        except (requests.RequestException, ValueError):
            raise missing from None
        if not isinstance(payload, dict):
            raise missing
        if answer.status_code >= 400:
            raise BadInput(
                f"el simulador no lo aceptó: {payload.get('error', answer.reason)}", "TEXTO"
            )
        return payload

    body = {"network": red, "kind": tipo, "text": texto, "author": autor}
    if foto:
        body["media"] = "image"
    if usuario is not None:
        body["username"] = usuario
    before = control("GET", "state")[red]
    if tipo == "comment":
        if not before["posts"]:
            raise BadInput(
                f"aún no hay publicaciones en {display_name(red)} para comentar: espere a que el servicio "
                "publique, o escriba un mensaje con --tipo mensaje",
                "--tipo",
            )
        body["on"] = en or _latest(before["posts"])
    item = control("POST", "citizen", body)
    kind = message_kinds().word_for(tipo)
    who = usuario if usuario is not None else autor  # a username user shows no name or number
    click.echo(
        f"{who} escribió en {display_name(red)} ({kind}): «{texto}»"
        + (" con una foto" if foto else "")
    )
    pushed = red == "whatsapp" or (red == "instagram" and tipo == "message")
    if pushed and not any(hook.get("status") == 200 for hook in item["webhooks"]):
        raise ConectadosError(
            "el simulador no pudo entregar el mensaje: nadie recibe sus webhooks. Inicie "
            "«conectados daemon» (o «conectados webhooks serve») en otra terminal"
        )
    if not esperar:
        return
    sender = item.get("from")  # Graph: {"id", "name"}; WhatsApp: the phone number
    if red == "whatsapp":
        sender = None  # each WhatsApp answer quotes the message it answers
    ours = {str(item.get("id"))} | {
        str(value)
        for value in (
            item.get("author_id"),
            item.get("sender_id"),
            sender.get("id") if isinstance(sender, dict) else sender,
        )
        if value
    }
    seen = len(before["replies"])
    if red == "whatsapp" or (red == "instagram" and tipo == "message"):
        click.echo(
            "Esperando la respuesta (el servicio lo recibió por webhook; responde en segundos)…"
        )
    else:
        minutes = app.settings.channels.by_name()[red].poll_minutes
        seconds = minutes * 60
        every = (
            f"{number(seconds, 0 if seconds == int(seconds) else 1)} segundos"
            if minutes < 1
            else f"{number(minutes, 0 if minutes == int(minutes) else 1)} minutos"
        )
        click.echo(f"Esperando la respuesta (el servicio lee cada {every})…")
    deadline = time.monotonic() + esperar
    while time.monotonic() < deadline:
        replies = control("GET", "state")[red]["replies"][seen:]
        answers = [
            reply
            for reply in replies
            if str(reply.get("in_reply_to") or reply.get("to")) in ours
            and reply.get("status") != "failed"
        ]
        if answers:
            for reply in answers:
                where = "en público" if reply.get("public") else "en privado"
                click.echo(f"\nRespuesta {where}:\n{reply['text']}")
            return
        time.sleep(2)
    click.echo(
        "Aún no hay respuesta. Puede que el servicio no esté en marcha, que el mensaje espere "
        "revisión («conectados replies list») o que no lo responda (publicidad, otros temas)."
    )


def _latest(posts: list[dict]) -> str:
    """The newest post's id (Instagram's state lists media as published, X's and Facebook's
    oldest first: the latest by time, then by position)."""
    newest = max(range(len(posts)), key=lambda i: (str(posts[i].get("created_time", "")), i))
    return posts[newest]["id"]


PERMISSION_NETWORKS = {
    "facebook": "facebook",
    "instagram": "instagram",
    "x": "x",
    "whatsapp": "whatsapp",
}
TEMPLATE_WORDS = {
    "aprobada": "approved",
    "pendiente": "pending",
    "rechazada": "rejected",
    "no-existe": "missing",
}


@sandbox.command()
@click.option("--red", type=SpanishChoice(PERMISSION_NETWORKS), default="facebook",
              help="Por defecto facebook.")  # fmt: skip
@click.option("--quitar", multiple=True, metavar="PERMISO",
              help="Quita un permiso al token (por ejemplo pages_messaging); se puede repetir.")  # fmt: skip
@click.option("--dar", multiple=True, metavar="PERMISO", help="Devuelve un permiso al token.")
@click.option(
    "--nivel-x",
    type=click.Choice(["read", "read-write", "read-write-directmessages"]),
    help="En X: el nivel de acceso de las claves (read: solo lectura).",
)
@click.option(
    "--plantilla",
    type=SpanishChoice(TEMPLATE_WORDS),
    help="En WhatsApp: el estado de la plantilla (aprobada, pendiente, rechazada, no-existe).",
)
@click.option("--vencido/--vigente", default=None, help="El token venció, o vuelve a servir.")
@click.option("--restablecer", is_flag=True, help="Devuelve todos los permisos.")
@click.pass_obj
def permisos(
    app,
    red: str,
    quitar: tuple[str, ...],
    dar: tuple[str, ...],
    nivel_x: str | None,
    plantilla: str | None,
    vencido: bool | None,
    restablecer: bool,
) -> None:
    """Quita o devuelve permisos a los tokens del simulador, para ver qué dice
    «conectados channels check».

    Sin opciones, muestra los permisos que faltan. El simulador («conectados daemon» o
    «conectados sandbox serve») debe estar en marcha en otra terminal.
    """
    import requests

    url = (app.settings.sandbox.url or registry.SANDBOX_URL).rstrip("/")
    body: dict = {"reset": True} if restablecer else {"network": red}
    if not restablecer:
        body.update({"revoke": list(quitar), "grant": list(dar)})
        if nivel_x:
            body["access_level"] = nivel_x
        if plantilla:
            body["template"] = plantilla
        if vencido is not None:
            body["expired"] = vencido
    asked = restablecer or len(body) > 3 or quitar or dar
    try:
        answer = requests.request(
            "POST" if asked else "GET", f"{url}/_sandbox/permissions", json=body, timeout=10
        )
        state = answer.json()
    except (requests.RequestException, ValueError):
        raise ConectadosError(
            f"no hay un simulador en {url}: inicie «conectados daemon» (o «conectados sandbox "
            "serve») en otra terminal"
        ) from None
    if answer.status_code >= 400:
        raise BadInput(f"el simulador no lo aceptó: {state.get('error', answer.reason)}")
    revoked = ", ".join(state["revoked"]) or "ninguno"
    expired = ", ".join(state["expired"]) or "ninguno"
    click.echo(f"Permisos quitados: {revoked}")
    click.echo(f"Nivel de acceso en X: {state['access_level']}")
    words = {value: word for word, value in TEMPLATE_WORDS.items()}
    click.echo(f"Plantilla de WhatsApp: {words.get(state['template'], state['template'])}")
    click.echo(f"Tokens vencidos: {expired}")
