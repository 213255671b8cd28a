"""A network's refusal, as the team reads it: one Spanish sentence saying what happened and
what to do, then the network's own words for the technician. The sandbox answers with each
network's documented errors (its fault control asks for them by code)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels.base import AuthFailed, Incoming, Outgoing, Rejected, Transient
from channels.meta.facebook import FacebookChannel
from channels.meta.whatsapp import WhatsAppChannel
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID
from channels.sandbox.x_world import ACCOUNT_ID
from channels.x import XChannel, XCredentials
from conectados.privacy import mask


def facebook(sandbox) -> FacebookChannel:
    return FacebookChannel(PAGE_ID, "EAApruebas", sandbox.url, timeout=3)


def x(sandbox) -> XChannel:
    return XChannel(XCredentials("k", "s", "t", "ts"), ACCOUNT_ID, sandbox.url, timeout=3)


def whatsapp(sandbox) -> WhatsAppChannel:
    return WhatsAppChannel(PHONE_NUMBER_ID, "EAApruebas", sandbox.url, timeout=3)


def gone(network: str, kind: str, remote_id: str, author_id: str = "7000000000000001") -> Incoming:
    """An item the network no longer has (deleted, or a world that forgot it)."""
    return Incoming(network, kind, remote_id, author_id, "Sandra", "hola", datetime.now(UTC))


def refuse(sandbox, network: str, code: int) -> None:
    body = {"network": network, "status": "refusal", "code": code, "count": 1}
    sandbox.control("POST", "faults", body)


def test_a_private_reply_to_a_deleted_comment_says_so_and_keeps_facebooks_words(sandbox):
    with pytest.raises(Rejected) as caught:
        facebook(sandbox).reply(gone("facebook", "comment", "123_456"), "Hola", private=True)

    assert caught.value.reason == (
        "El comentario ya no existe en Facebook o no se puede ver (lo borraron u ocultaron); "
        "no hay a dónde responder. Detalle de Facebook: (#100) No matching comment found"
    )


def test_a_public_reply_to_a_deleted_comment_says_it_no_longer_exists(sandbox):
    with pytest.raises(Rejected) as caught:
        facebook(sandbox).reply(gone("facebook", "comment", "123_456"), "Hola", private=False)

    assert caught.value.reason.startswith("Lo que se buscaba ya no existe en Facebook")
    assert "Detalle de Facebook: (#100) Object with ID '123_456' does not exist" in (
        caught.value.reason
    )


def test_a_reply_to_a_deleted_post_on_x_says_so_and_keeps_xs_words(sandbox):
    with pytest.raises(Rejected) as caught:
        x(sandbox).reply(gone("x", "mention", "1870000000000000001"), "Hola", private=False)

    assert caught.value.reason == (
        "La publicación ya no existe en X o no se puede ver (la borraron, o la cuenta es "
        "privada o nos bloqueó); no hay a dónde responder. Detalle de X: (403) You attempted "
        "to reply to a Tweet that is deleted or not visible to you."
    )


def test_a_direct_message_x_does_not_allow_says_to_answer_another_way(sandbox):
    with pytest.raises(Rejected) as caught:
        x(sandbox).reply(gone("x", "message", "1", author_id="42"), "Hola", private=True)

    assert caught.value.reason.startswith("X no deja enviarle mensajes directos a esta persona")
    assert caught.value.reason.endswith(
        "Detalle de X: (403) You cannot send messages to this user."
    )


GRAPH_CASES = [
    (
        190,
        AuthFailed,
        "El token de Facebook venció o ya no es válido",
        "(#190/463) Error validating",
    ),
    (10, Rejected, "Facebook no le da a la aplicación el permiso", "(#10) Application does not"),
    (200, AuthFailed, "Facebook no le da a la aplicación el permiso", "(#200) Permissions error"),
    (368, Rejected, "Facebook bloqueó esta acción por un tiempo", "(#368) The action attempted"),
    (4, Transient, "límite de llamadas", "(#4) Application request limit reached"),
    (17, Transient, "límite de llamadas", "(#17) User request limit reached"),
    (32, Transient, "límite de llamadas", "(#32) Page request limit reached"),
    (613, Transient, "límite de llamadas", "(#613) Calls to this api have exceeded"),
    (506, Rejected, "Facebook no deja publicar seguido el mismo texto", "(#506) Duplicate"),
    (1609005, Rejected, "Facebook no pudo leer el enlace", "(#1609005) There was a problem"),
]


@pytest.mark.parametrize(("code", "error", "sentence", "detail"), GRAPH_CASES)
def test_graph_refusals_are_explained_in_spanish(sandbox, code, error, sentence, detail):
    refuse(sandbox, "facebook", code)

    with pytest.raises(error) as caught:
        facebook(sandbox).publish(Outgoing("p", "Corte de agua mañana"))

    reason = str(caught.value)
    assert reason.startswith(sentence) or sentence in reason.split(". Detalle")[0]
    assert f". Detalle de Facebook: {detail}" in reason


@pytest.mark.parametrize(
    ("code", "error", "sentence", "detail"),
    [
        (385, Rejected, "La publicación ya no existe en X", "(403) You attempted to reply"),
        (186, Rejected, "El texto es demasiado largo para X", "(403, #186) Tweet needs to be"),
        (187, Rejected, "X no permite publicar dos veces el mismo texto", "(403) You are not"),
        (88, Transient, "X pide esperar: se pasó el límite de llamadas", "(429, #88) Rate limit"),
        (32, AuthFailed, "Las credenciales de X no son válidas", "(401, #32) Could not auth"),
        (261, AuthFailed, "La aplicación de X no tiene acceso a esto", "(403, #261) Application"),
        (349, Rejected, "X no deja enviarle mensajes directos", "(403) You cannot send messages"),
    ],
)
def test_x_refusals_are_explained_in_spanish(sandbox, code, error, sentence, detail):
    refuse(sandbox, "x", code)

    with pytest.raises(error) as caught:
        x(sandbox).publish(Outgoing("p", "Corte de agua mañana"))

    reason = str(caught.value)
    assert reason.startswith(sentence)
    assert f". Detalle de X: {detail}" in reason


def test_whatsapp_refusals_are_explained_in_spanish(sandbox):
    item = sandbox.control("POST", "citizen", {"network": "whatsapp", "text": "hola"})
    message = gone("whatsapp", "message", item["id"], author_id=item["from"])
    refuse(sandbox, "whatsapp", 190)

    with pytest.raises(AuthFailed) as caught:
        whatsapp(sandbox).reply(message, "Hola", private=True)

    assert str(caught.value).startswith(
        "El token de WhatsApp venció o ya no es válido (caducó, cambió la contraseña o se quitó "
        "el acceso a la aplicación); genere uno nuevo del usuario del sistema"
    )
    assert str(caught.value).endswith("Detalle de WhatsApp: (#190/463) Error validating access token: Session has expired.")  # fmt: skip


@pytest.mark.parametrize("case", GRAPH_CASES, ids=lambda case: str(case[0]))
def test_the_explanations_survive_the_log_masking(case):
    """The logs mask personal data; a refusal's sentence and code must stay readable there
    (the code once read «código 100», which the masking took for a subscriber code)."""
    from channels.meta.errors import refusal

    code, _error, _sentence, detail = case
    said = refusal("Facebook", code, 463 if code == 190 else None, detail.split(") ", 1)[1])

    assert "[dato personal]" not in mask(said.split(". Detalle")[0])
    if code < 1_000_000:
        assert f"(#{code}" in mask(said)


def test_a_refusal_the_sandbox_does_not_know_is_refused_in_spanish(sandbox):
    import requests

    answer = requests.post(
        f"{sandbox.url}/_sandbox/faults",
        json={"network": "x", "status": "refusal", "code": 999},
        timeout=5,
    )

    assert answer.status_code == 400
    assert answer.json()["error"].startswith(
        "«code» en el cuerpo de /_sandbox/faults debe ser uno de"
    )
