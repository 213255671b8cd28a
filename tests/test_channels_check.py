"""`conectados channels check` against a real simulator, and the checks' parsers against the
documented answers (tests/contracts/, each naming its page)."""

from __future__ import annotations

import pytest
import requests
from contract_files import contract_file

from channels.base import ChannelError
from channels.checks import CheckLine, all_ok, render
from channels.meta.facebook import FacebookChannel
from channels.meta.token_check import TokenInfo, parse_debug_token
from channels.meta.whatsapp_check import (
    number_shown,
    one_variable_problem,
    phone_summary,
    template_line,
    template_status,
)
from channels.sandbox.graph_checks import SYSTEM_USER_TOKEN
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID, WABA_ID
from channels.sandbox.x_world import ACCOUNT_ID
from channels.x import XChannel, XCredentials
from channels.x_check import access_lines, me_of, refusal_line

TEMPLATE = '[channels.whatsapp]\nplantilla_fuera_de_ventana = "respuesta_pendiente"\n'


@pytest.fixture
def check(cli, sandbox, tmp_path):
    """Run `conectados channels check` on the test's simulator, with extra settings."""

    def run(extra: str = TEMPLATE):
        config = f'[sandbox]\nurl = "{sandbox.url}"\n{extra}'
        (tmp_path / "conectados.toml").write_text(config, "utf-8")
        return cli("channels", "check")

    return run


def permissions(sandbox, **body) -> dict:
    return sandbox.control("POST", "permissions", body)


def items(stdout: str) -> list[str]:
    """Each checked thing as one line (the checklist wraps at 80 columns), with its advice."""
    found: list[str] = []
    for line in stdout.splitlines():
        if line[:3] in ("  ✔", "  ✘", "  !"):
            found.append(line.strip())
        elif line.startswith("    ") and found:
            found[-1] += " " + line.strip()
    return found


def failed(stdout: str) -> list[str]:
    return [item.split(" Qué hacer:")[0] for item in items(stdout) if item.startswith("✘")]


def flat(stdout: str) -> str:
    return " ".join(stdout.split())


def test_everything_granted_every_line_passes(check):
    result = check()

    assert result.exit_code == 0, result.stdout
    marks = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert marks and not failed(result.stdout) and "!" not in result.stdout
    assert "Todo en orden" in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_a_revoked_messenger_permission_names_it_and_the_job(check, sandbox):
    permissions(sandbox, network="facebook", revoke=["pages_messaging"])

    result = check()

    assert result.exit_code == 1
    (line,) = failed(result.stdout)
    assert "pages_messaging" in line and "responder por Messenger" in line
    assert "Qué hacer: añada el permiso pages_messaging" in flat(result.stdout)
    assert "CONECTADOS_FACEBOOK_TOKEN" in result.stdout


def test_without_the_permission_the_simulator_refuses_publishing_and_messaging(sandbox):
    permissions(sandbox, network="facebook", revoke=["pages_manage_posts", "pages_messaging"])
    graph = f"{sandbox.url}/v24.0/{PAGE_ID}"

    post = requests.post(f"{graph}/feed", data={"message": "Hola", "access_token": "t"}, timeout=5)
    message = requests.post(
        f"{graph}/messages",
        json={"recipient": {"id": "1"}, "message": {"text": "Hola"}},
        params={"access_token": "t"},
        timeout=5,
    )

    assert (post.status_code, post.json()["error"]["code"]) == (403, 200)
    assert "pages_manage_posts" in post.json()["error"]["message"]
    assert message.json()["error"]["code"] == 200
    assert "pages_messaging" in message.json()["error"]["message"]
    permissions(sandbox, network="facebook", grant=["pages_manage_posts"])
    again = requests.post(f"{graph}/feed", data={"message": "Hola", "access_token": "t"}, timeout=5)
    assert again.status_code == 200


def test_the_adapter_fails_publishing_when_the_permission_is_revoked(sandbox):
    from channels.base import Outgoing

    permissions(sandbox, network="facebook", revoke=["pages_manage_posts"])
    channel = FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=2)

    with pytest.raises(ChannelError) as caught:
        channel.publish(Outgoing(key="k1", text="Corte programado"))

    assert "200" in str(caught.value)


def test_x_read_only_says_write_access_is_missing(check, sandbox):
    permissions(sandbox, network="x", access_level="read")

    result = check()

    assert result.exit_code == 1
    lines = failed(result.stdout)
    assert any("permiso de escritura" in line for line in lines)
    assert "Read and write and Direct message" in flat(result.stdout)
    x = XChannel(XCredentials("k", "s", "t", "ts"), ACCOUNT_ID, sandbox.url, timeout=2)
    from channels.base import Outgoing

    with pytest.raises(ChannelError):
        x.publish(Outgoing(key="k1", text="Corte programado"))


def test_x_without_direct_messages_fails_only_that_line(check, sandbox):
    permissions(sandbox, network="x", access_level="read-write")

    result = check()

    (line,) = failed(result.stdout)
    assert "mensajes directos" in line and result.exit_code == 1


def test_a_pending_whatsapp_template_is_not_approved(check, sandbox):
    permissions(sandbox, network="whatsapp", template="pending")

    result = check()

    assert result.exit_code == 1
    (line,) = failed(result.stdout)
    assert "respuesta_pendiente" in line and "no está aprobada" in line and "PENDING" in line


def test_a_missing_whatsapp_template_says_so(check, sandbox):
    permissions(sandbox, network="whatsapp", template="missing")

    result = check()

    assert result.exit_code == 1 and "no existe en la cuenta de WhatsApp" in flat(result.stdout)


def test_no_template_configured_is_a_warning_not_a_failure(check):
    result = check("")

    assert result.exit_code == 0, result.stdout
    assert "! sin plantilla para responder después de 24 horas" in result.stdout
    assert "esperarán a una persona" in flat(result.stdout)


def test_an_expired_token_says_so(check, sandbox):
    permissions(sandbox, network="facebook", expired=True)

    result = check()

    assert result.exit_code == 1
    assert any("el token venció" in line for line in failed(result.stdout))
    assert "Traceback" not in result.stdout + result.stderr


def test_a_disabled_network_is_not_checked(check, sandbox):
    permissions(sandbox, network="x", access_level="read")

    result = check(TEMPLATE + "[channels.x]\nactivo = false\n")

    assert result.exit_code == 0, result.stdout
    assert "\nX:" not in result.stdout
    assert "Comprobando Facebook, Instagram, WhatsApp" in result.stdout
    assert "GET /2/users/me" not in sandbox.control("GET", "state")["x"]["calls"]


def test_real_mode_without_credentials_lists_each_missing_variable(cli, tmp_path):
    config = '[channels.facebook]\nmodo = "real"\n[channels.x]\nactivo = false\n'
    config += "[channels.whatsapp]\nactivo = false\n"
    (tmp_path / "conectados.toml").write_text(config, "utf-8")

    result = cli("channels", "check")

    assert result.exit_code == 1
    assert "falta pagina_id" in result.stdout
    assert "falta la variable de entorno CONECTADOS_FACEBOOK_TOKEN" in result.stdout


def test_the_control_api_refuses_an_unknown_permission(sandbox):
    answer = requests.post(
        f"{sandbox.url}/_sandbox/permissions",
        json={"network": "facebook", "revoke": ["publish_everything"]},
        timeout=5,
    )

    assert answer.status_code == 400 and "publish_everything" in answer.json()["error"]
    assert permissions(sandbox, reset=True)["revoked"] == []


# --- the parsers against the documented answers, and the simulator's answers' shapes --------


def test_debug_token_contract_is_parsed(sandbox):
    answer = contract_file("debug_token.json")["body"]

    info = parse_debug_token(answer)

    assert info.valid and not info.expired and info.expires_at is None
    assert {"pages_manage_posts", "whatsapp_business_messaging"} <= info.scopes
    assert info.targets["whatsapp_business_management"] == ("102290129340398",)
    ours = requests.get(
        f"{sandbox.url}/v24.0/debug_token",
        # The recorded answer is a system user's token: the simulator's has the same keys.
        params={"input_token": SYSTEM_USER_TOKEN, "access_token": "app|secret"},
        timeout=5,
    ).json()
    assert set(ours["data"]) == set(answer["data"])
    assert ours["data"]["granular_scopes"][0].keys() == answer["data"]["granular_scopes"][0].keys()


def test_an_invalid_token_answer_is_not_valid():
    expired = {"data": {"is_valid": False, "error": {"code": 190, "subcode": 463, "message": "x"}}}

    assert parse_debug_token(expired).expired and not parse_debug_token(expired).valid
    assert not parse_debug_token({"data": {"is_valid": "yes"}}).valid
    assert not parse_debug_token(["nonsense"]).valid


def test_phone_number_contract_is_parsed(sandbox):
    answer = contract_file("phone_number.json")["body"]

    assert phone_summary(answer) == ("15555555555", "Support Number")
    ours = requests.get(
        f"{sandbox.url}/v24.0/{PHONE_NUMBER_ID}", params={"access_token": "t"}, timeout=5
    ).json()
    assert set(ours) == set(answer)


def test_message_templates_contract_is_parsed_by_name_and_language(sandbox):
    answer = contract_file("message_templates.json")["body"]

    assert template_status(answer, "respuesta_pendiente", "es") == "PENDING"
    assert template_status(answer, "respuesta_pendiente", "en_US") == "APPROVED"
    assert template_status(answer, "otra", "es") is None
    ours = requests.get(
        f"{sandbox.url}/v24.0/{WABA_ID}/message_templates",
        params={"access_token": "t", "name": "respuesta_pendiente"},
        timeout=5,
    ).json()
    assert set(ours) == set(answer)
    assert set(ours["data"][0]) == set(answer["data"][0])


def test_users_me_contract_is_parsed(sandbox):
    fixture = contract_file("users_me.json")

    assert me_of(fixture["body"]) == ("1072250532645998596", "TweepyDev")
    assert all(line.ok for line in access_lines(fixture["headers"]["x-access-level"]))
    x = XChannel(XCredentials("k", "s", "t", "ts"), ACCOUNT_ID, sandbox.url, timeout=2)
    ours = x.lists.get_me(user_auth=True)
    assert set(ours) == set(fixture["body"]) and set(ours["data"]) == set(fixture["body"]["data"])
    assert x.session.last_headers["x-access-level"] == fixture["headers"]["x-access-level"]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("x_credits_depleted.json", "no tiene créditos"),
        ("x_client_not_enrolled.json", "no tiene acceso a la API v2"),
    ],
)
def test_x_refusals_say_what_to_do(name, said):
    fixture = contract_file(name)

    line = refusal_line(fixture["status"], fixture["body"], ["CONECTADOS_X_API_KEY"])

    assert said in line.what and line.fix and not line.ok


def test_read_access_fails_both_write_and_direct_messages():
    assert [line.ok for line in access_lines("read")] == [False, False]
    assert [line.ok for line in access_lines("")] == [False, False]


def test_the_verdict_counts_failures_but_not_warnings():
    good = CheckLine("x", "bien", True)
    warning = CheckLine("whatsapp", "aviso", False, "consejo", warning=True)
    bad = CheckLine("facebook", "mal", False, "arréglelo")

    assert all_ok([good, warning]) and not all_ok([good, bad]) and not all_ok([bad])
    shown = render([bad, warning])
    assert "✘ mal" in shown and "Qué hacer: arréglelo" in shown and "Aviso: consejo" in shown


def test_a_person_takes_a_permission_away_from_the_command_line(check, cli, sandbox):
    check()  # writes the configuration that points at the test's simulator

    taken = cli("sandbox", "permisos", "--quitar", "pages_messaging", "--red", "facebook")
    template = cli("sandbox", "permisos", "--red", "whatsapp", "--plantilla", "pendiente")
    wrong = cli("sandbox", "permisos", "--quitar", "pages_everything")

    assert taken.exit_code == 0 and "Permisos quitados: pages_messaging" in taken.stdout
    assert "Plantilla de WhatsApp: pendiente" in template.stdout
    assert wrong.exit_code == 2 and "pages_everything" in wrong.stderr
    assert cli("channels", "check").exit_code == 1
    assert "ninguno" in cli("sandbox", "permisos", "--restablecer").stdout
    assert cli("channels", "check").exit_code == 0


def test_status_points_to_the_check_in_real_mode_only(cli, tmp_path):
    config = tmp_path / "conectados.toml"
    config.write_text('[channels.facebook]\nmodo = "real"\npagina_id = "1"\n', "utf-8")

    real = cli("status", env={"CONECTADOS_FACEBOOK_TOKEN": "t"})
    config.write_text("", "utf-8")
    sandbox_only = cli("status")

    assert "«conectados channels check»" in flat(real.stdout)
    assert "channels check" not in sandbox_only.stdout


def test_a_whatsapp_token_without_messaging_cannot_answer(check, sandbox):
    permissions(sandbox, network="whatsapp", revoke=["whatsapp_business_messaging"])
    send = requests.post(
        f"{sandbox.url}/v24.0/{PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", "to": "573001112233", "text": {"body": "Hola"}},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )

    result = check()

    assert send.json()["error"]["code"] == 10
    (line,) = failed(result.stdout)
    assert "whatsapp_business_messaging" in line and "responder por WhatsApp" in line
    assert result.exit_code == 1


def test_x_keys_refused_say_which_variables_to_check(check, sandbox):
    permissions(sandbox, network="x", expired=True)

    result = check()

    (line,) = failed(result.stdout)
    assert "X no acepta las claves" in line and result.exit_code == 1
    assert "CONECTADOS_X_ACCESS_SECRET" in flat(result.stdout)


def test_meta_unreachable_is_not_called_an_invalid_token():
    from channels.meta.graph import graph_client
    from channels.meta.token_check import inspect_token

    api, _ = graph_client("token", "http://127.0.0.1:9", timeout=1)  # nothing listens there

    info = inspect_token(api, None)

    assert info.unreachable and not info.valid


# --- i19-fb2: whose token it is, the app_id lines, debug_token signed ------------------------


def facebook_check(channel) -> list[CheckLine]:
    from channels.meta.facebook_check import check_facebook, facebook_jobs
    from channels.sandbox.graph_checks import sandbox_app_token

    return check_facebook(channel, facebook_jobs(False), sandbox_app_token(), "FB_TOKEN")


def test_a_system_user_token_is_exchanged_for_the_page_token(sandbox):
    from channels.base import Outgoing
    from channels.sandbox.graph_checks import PAGE_TOKEN
    from channels.sandbox.graph_world import APP_ID

    def channel() -> FacebookChannel:
        return FacebookChannel(
            PAGE_ID, SYSTEM_USER_TOKEN, sandbox.url, timeout=3, app_id=APP_ID,
            derive_page_token=True,
        )  # fmt: skip

    lines = facebook_check(checked := channel())
    publishing = channel()
    publishing.publish(Outgoing("p", "Corte de agua el martes"))

    assert all_ok(lines), render(lines)
    assert "token del usuario del sistema: Conectados obtiene el de la página" in render(lines)
    assert checked.api.access_token == publishing.api.access_token == PAGE_TOKEN
    asked = sandbox.control("GET", "state")["facebook"]["calls"]
    # Once per channel for the Page token, once more for the check's tasks; then the post.
    assert asked["GET /{page-id}"] == 3 and asked["POST /{page-id}/feed"] == 1


def test_a_page_token_of_another_page_fails_with_what_to_do(sandbox):
    lines = facebook_check(FacebookChannel("123456", "token", sandbox.url, timeout=3))

    shown = flat(render(lines))
    assert not all_ok(lines)
    assert f"✘ el token es de otra página ({PAGE_ID}), no de la 123456" in shown
    assert "✘ permiso pages_messaging (responder por Messenger): dado en otras páginas" in shown


def test_without_app_id_videos_that_are_not_reels_fail_and_messenger_owner_warns(sandbox):
    from channels.sandbox.graph_world import APP_ID

    without = facebook_check(FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=3))
    with_id = facebook_check(
        FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=3, app_id=APP_ID)
    )

    shown = flat(render(without))
    assert "✘ subir videos que no son Reels: falta app_id" in shown
    assert "! saber si otra aplicación atiende una conversación de Messenger" in shown
    assert "[channels.facebook]" in shown and not all_ok(without)
    assert all_ok(with_id) and "✔ subir videos que no son Reels" in flat(render(with_id))


def test_debug_token_with_the_channels_own_token_carries_appsecret_proof(sandbox):
    from channels.meta.token_check import inspect_token
    from channels.sandbox.whatsapp_world import APP_SECRET

    sandbox.control("POST", "require_app_secret", {"required": True})
    channel = FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=3, app_secret=APP_SECRET)

    info = inspect_token(channel.api, None)  # no app token: asked with the Page token itself

    assert info.valid, info.problem
    assert info.kind == "PAGE" and info.profile_id == PAGE_ID


def test_an_unexpected_x_refusal_still_says_what_to_do():
    line = refusal_line(503, {"title": "Service Unavailable"}, ["CONECTADOS_X_API_KEY"])

    assert not line.ok and "503: Service Unavailable" in line.what
    assert "vuelva a intentarlo" in line.fix and "developer.x.com" in line.fix


# --- WhatsApp check: a failure to ask, the number as shown, the template's one variable ----


def whatsapp_on(sandbox, template: str = "respuesta_pendiente"):
    from channels.meta.whatsapp import WhatsAppChannel
    from conectados.clock import SystemClock

    return WhatsAppChannel(
        PHONE_NUMBER_ID, "token", sandbox.url, template=template, timeout=5, clock=SystemClock()
    )


WABA_TOKEN = TokenInfo(
    valid=True,
    scopes=frozenset({"whatsapp_business_management"}),
    targets={"whatsapp_business_management": (WABA_ID,)},
)


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": "refusal", "code": 368}])
def test_a_template_that_could_not_be_asked_for_is_not_called_missing(sandbox, fault):
    sandbox.control("POST", "faults", {"network": "whatsapp", "count": 1, **fault})

    line = template_line(whatsapp_on(sandbox), WABA_TOKEN)

    assert not line.ok
    assert line.what.startswith("no se pudo revisar la plantilla «respuesta_pendiente»")
    assert "Meta dice:" in line.what and "no existe" not in line.what
    assert "créela" not in line.fix


def test_the_approved_simulator_template_has_its_one_variable(sandbox):
    line = template_line(whatsapp_on(sandbox), WABA_TOKEN)

    assert line.ok and line.what.endswith("aprobada")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Hola. {{1}}", None),
        ("Hola {{1}}, otra vez {{1}}", None),  # one variable, used twice
        ("Hola, le escribimos de la empresa.", "no tiene la variable {{1}}"),
        ("Hola {{1}}, su caso {{2}}", "tiene: {{1}}, {{2}}"),
        ("Hola {{nombre}}", "tiene: {{nombre}}"),
        ("Hola {{1", "no tiene la variable {{1}}"),
    ],
)
def test_the_template_body_must_have_exactly_one_variable(body, problem):
    item = contract_file("message_templates.json")["body"]["data"][1]  # the approved one
    item["components"][0]["text"] = body

    found = one_variable_problem(item)

    assert found == problem if problem is None else problem in found


def test_a_number_meta_shows_with_its_plus_is_not_shown_with_two():
    assert number_shown("+1 631-555-0100") == "+1 631-555-0100"
    assert number_shown("15550783881") == "+15550783881"


def test_the_number_line_shows_the_simulators_number_once_signed(sandbox):
    from channels.meta.whatsapp_check import check_whatsapp

    lines = check_whatsapp(whatsapp_on(sandbox), None, "CONECTADOS_WHATSAPP_TOKEN")

    [number] = [line for line in lines if line.what.startswith("el número")]
    assert number.ok and "+576071234567" in number.what and "++" not in number.what


# --- i19-check2: the daemon's simulator, pauses lifted, texts as a new user reads them ------


@pytest.fixture
def daemons_simulator(monkeypatch):
    """Point the address of the daemon's simulator (127.0.0.1:8765 for users) at `url`."""
    from channels import registry

    def point(url: str) -> None:
        monkeypatch.setattr(registry, "SANDBOX_URL", url)

    return point


NOBODY = "http://127.0.0.1:9"  # nothing listens there


def test_without_sandbox_url_the_check_asks_the_running_simulator(cli, sandbox, daemons_simulator):
    daemons_simulator(sandbox.url)  # as `conectados daemon` or `sandbox serve` on 8765

    taken = cli("sandbox", "permisos", "--quitar", "pages_messaging")
    result = cli("channels", "check")

    assert taken.exit_code == 0
    assert result.exit_code == 1, result.stdout
    (line,) = failed(result.stdout)
    assert "pages_messaging" in line
    assert f"Se pregunta al simulador que está en marcha en {sandbox.url}." in result.stdout


def test_without_a_running_simulator_the_check_says_it_asks_a_fresh_one(cli, daemons_simulator):
    daemons_simulator(NOBODY)

    result = cli("channels", "check")

    assert result.exit_code == 0, result.stdout
    said = flat(result.stdout)
    assert f"No hay un simulador en marcha en {NOBODY}" in said
    assert "se comprueba uno nuevo, con todos los permisos" in said
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def pause(tmp_path, *networks: str) -> None:
    from datetime import UTC, datetime, timedelta

    from conectados.db import Database
    from scheduler.pauses import pause_channel

    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    now = datetime.now(UTC)
    with database.transaction(write=True) as connection:
        for network in networks:
            reason = "Meta rechazó el token (permiso pages_messaging)"
            pause_channel(connection, network, now + timedelta(days=1), reason, now)
    database.dispose()


def paused_now(tmp_path) -> set[str]:
    from datetime import UTC, datetime

    from conectados.db import Database
    from scheduler.paused import paused_channels

    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.transaction() as connection:
        found = set(paused_channels(connection, datetime.now(UTC)))
    database.dispose()
    return found


def test_a_passing_network_loses_its_pause_and_a_failing_one_keeps_it(
    check, cli, sandbox, tmp_path
):
    pause(tmp_path, "facebook", "x")
    permissions(sandbox, network="x", access_level="read")
    before = cli("status")

    result = check()

    assert "«conectados channels check»" in before.stdout  # never split across two lines
    assert "«conectados channels check»: cuando todo pase, quita la pausa" in flat(before.stdout)
    assert result.exit_code == 1
    assert "Se quitó la pausa de Facebook: la comprobación pasó" in flat(result.stdout)
    assert "pausa de X" not in flat(result.stdout)
    assert paused_now(tmp_path) == {"x"}
    permissions(sandbox, reset=True)
    again = cli("channels", "check")
    assert again.exit_code == 0 and "Se quitó la pausa de X" in flat(again.stdout)
    assert paused_now(tmp_path) == set()


def test_a_fresh_simulator_lifts_no_pause(cli, tmp_path, daemons_simulator):
    daemons_simulator(NOBODY)
    pause(tmp_path, "facebook")

    result = cli("channels", "check")

    assert result.exit_code == 0, result.stdout
    assert "Se quitó" not in result.stdout and paused_now(tmp_path) == {"facebook"}


def test_no_database_is_nothing_to_lift(check, tmp_path):
    result = check()

    assert result.exit_code == 0, result.stdout + result.stderr
    assert not (tmp_path / "conectados.db").exists()


def test_mixed_modes_mark_the_simulated_networks(check):
    result = check(TEMPLATE + '[channels.facebook]\nmodo = "real"\npagina_id = "1"\n')

    assert (
        "Comprobando Facebook, Instagram (simulador), X (simulador), WhatsApp (simulador)…"
        in result.stdout
    )
    assert "\nFacebook:\n" in result.stdout and "\nX (simulador):\n" in result.stdout
    assert "\nInstagram (simulador):\n" in result.stdout
    assert "\nWhatsApp (simulador):\n" in result.stdout
    said = flat(result.stdout)
    assert (
        "defina CONECTADOS_FACEBOOK_TOKEN con el token o clave: una línea "
        "CONECTADOS_FACEBOOK_TOKEN=valor en /etc/conectados/conectados.env" in said
    )
    assert "o en el entorno" in said


def test_fix_texts_follow_the_guides_clicks(check, sandbox):
    permissions(sandbox, network="facebook", revoke=["pages_messaging"])
    permissions(sandbox, network="whatsapp", revoke=["whatsapp_business_messaging"])

    said = flat(check().stdout)

    assert "compruebe con «Agregar activos» que tiene la página" in said
    assert "en «Generar token», elija la app, marque pages_messaging" in said
    assert "eligiendo la página" not in said
    assert "/etc/conectados/conectados.env" in said
    assert "con «Agregar activos», que tenga la cuenta de WhatsApp" in said


def test_the_checklist_speaks_spanish(check):
    said = flat(check().stdout)

    assert "tarea «crear contenido» en la página (publicar)" in said
    assert "tarea «estadísticas»" in said and "CREATE_CONTENT" not in said
    assert "nivel: leer, escribir y mensajes directos" in said
    assert "subir videos que no son Reels: app_id configurado" in said


def test_meta_unreachable_is_said_in_spanish():
    from channels.meta.graph import graph_client
    from channels.meta.token_check import inspect_token, token_lines

    api, _ = graph_client("token", NOBODY, timeout=1)

    (line,) = token_lines("facebook", inspect_token(api, None), "T", "")

    assert line.what.startswith("Meta no respondió (no hubo conexión)")


def test_a_command_in_quotes_is_never_split():
    from channels.checks import wrap

    text = "Corríjalas y vuelva a ejecutar «conectados channels check» cuando pueda."

    for width in range(30, 80):
        lines = wrap(text, width)
        assert any("«conectados channels check»" in line for line in lines), (width, lines)


def test_the_failure_summary_keeps_the_command_whole(check, sandbox):
    permissions(sandbox, network="x", access_level="read")

    result = check()

    assert "«conectados channels check»" in result.stdout  # on one line
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_a_username_user_is_shown_by_name_on_the_network(check, cli):
    check()  # writes the configuration that points at the test's simulator

    result = cli("sandbox", "citizen", "hola", "--red", "whatsapp", "--usuario", "@ana",
                 "--esperar", "0")  # fmt: skip

    assert "@ana escribió en WhatsApp (mensaje): «hola»" in result.stdout
    assert "Ciudadana de prueba" not in result.stdout
