"""The sandbox as a client library sees it: shapes, headers, checks and its control API."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
from media_files import MP4, PNG

from channels.sandbox.graph_world import PAGE_ID


def test_graph_answers_carry_the_usage_headers_with_only_known_keys(sandbox):
    response = requests.get(
        f"{sandbox.url}/v24.0/{PAGE_ID}", params={"access_token": "t"}, timeout=5
    )

    app = json.loads(response.headers["X-App-Usage"])
    business = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(app) == {"call_count", "total_cputime", "total_time"}
    assert set(business[PAGE_ID][0]) == {
        "type",
        "call_count",
        "total_cputime",
        "total_time",
        "estimated_time_to_regain_access",
    }


def test_graph_needs_a_token(sandbox):
    response = requests.get(f"{sandbox.url}/v24.0/{PAGE_ID}", timeout=5)

    assert response.json()["error"]["code"] == 2500


def test_graph_checks_uploaded_photos_by_their_bytes_and_size(sandbox):
    url = f"{sandbox.url}/v24.0/{PAGE_ID}/photos"
    fake = requests.post(
        url, data={"access_token": "t"}, files={"source": ("a.png", b"MZ not an image")}, timeout=5
    )
    big = requests.post(
        url,
        data={"access_token": "t"},
        files={"source": ("b.png", PNG + b"\0" * (4 * 1024 * 1024))},
        timeout=5,
    )
    good = requests.post(
        url,
        data={"access_token": "t", "caption": "hola"},
        files={"source": ("c.png", PNG)},
        timeout=5,
    )

    assert fake.json()["error"]["error_subcode"] == 1366046
    assert big.json()["error"]["error_subcode"] == 1366046
    assert set(good.json()) == {"id", "post_id"}


def test_graph_refuses_deprecated_insight_metrics(sandbox):
    [post] = sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "a"}]})[
        "ids"
    ]

    response = requests.get(
        f"{sandbox.url}/v24.0/{post}/insights",
        params={"access_token": "t", "metric": "post_impressions_unique"},
        timeout=5,
    )

    assert response.json()["error"]["code"] == 100


def test_graph_pages_edges_with_absolute_next_links(sandbox):
    sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": f"p{n}"} for n in range(7)]}
    )
    url = f"{sandbox.url}/v24.0/{PAGE_ID}/published_posts"

    first = requests.get(url, params={"access_token": "t", "limit": 5}, timeout=5).json()
    second = requests.get(first["paging"]["next"], timeout=5).json()

    assert len(first["data"]) == 5 and len(second["data"]) == 2
    assert "next" not in second["paging"]


def test_x_requires_oauth_user_context(sandbox):
    response = requests.get(
        f"{sandbox.url}/2/users/me", headers={"Authorization": "Bearer None"}, timeout=5
    )

    assert response.status_code == 401
    assert response.json() == {
        "title": "Unauthorized",
        "detail": "Unauthorized",
        "type": "about:blank",
        "status": 401,
    }
    assert "x-rate-limit-reset" in response.headers


def test_x_media_upload_checks_type_size_and_content(sandbox):
    auth = {"Authorization": 'OAuth oauth_signature="x"'}
    init = f"{sandbox.url}/2/media/upload/initialize"
    wrong_type = requests.post(
        init, json={"media_type": "application/pdf", "total_bytes": 10}, headers=auth, timeout=5
    )
    too_big = requests.post(
        init,
        json={"media_type": "image/png", "total_bytes": 6 * 1024 * 1024},
        headers=auth,
        timeout=5,
    )
    started = requests.post(
        init, json={"media_type": "image/png", "total_bytes": len(MP4)}, headers=auth, timeout=5
    ).json()
    media_id = started["data"]["id"]
    requests.post(
        f"{sandbox.url}/2/media/upload/{media_id}/append",
        data={"segment_index": "0"},
        files={"media": ("x", MP4)},
        headers=auth,
        timeout=5,
    )
    lying = requests.post(
        f"{sandbox.url}/2/media/upload/{media_id}/finalize", headers=auth, timeout=5
    )

    assert wrong_type.status_code == too_big.status_code == lying.status_code == 400
    assert "InvalidContent" in lying.json()["errors"][0]["message"]


X_AUTH = {"Authorization": 'OAuth oauth_signature="x"'}
MALFORMED = [
    ("citizen", b"hola", "/_sandbox/citizen no es JSON válido"),
    ("citizen", b"\xff\xfe", "no es texto UTF-8"),
    ("citizen", b"[1, 2]", "debe ser un objeto JSON"),
    ("citizen", b'"x"', "debe ser un objeto JSON"),
    ("citizen", b"{}", "falta el campo «network»"),
    ("citizen", b'{"network": "myspace", "text": "hola"}', "«network»"),
    ("citizen", b'{"network": ["x"], "text": "hola"}', "«network»"),
    ("citizen", b'{"network": "x", "text": 5}', "«text»"),
    ("citizen", b'{"network": "x"}', "falta el campo «text»"),
    ("citizen", b'{"network": "x", "text": "a", "kind": "story"}', "«kind»"),
    ("citizen", b'{"network": "x", "text": "a", "author": "  "}', "«author»"),
    ("citizen", b'{"network": "x", "text": "a", "author": 7}', "«author»"),
    ("citizen", b'{"network": "x", "text": "a", "at": "zzz"}', "«at»"),
    ("citizen", b'{"network": "x", "text": "a", "at": 1e20}', "«at»"),
    ("citizen", b'{"network": "x", "text": "a", "at": -1}', "«at»"),
    ("citizen", b'{"network": "whatsapp", "text": "a", "phone": "abc"}', "«phone»"),
    ("citizen", b'{"network": "whatsapp", "text": "a", "media": "gif"}', "«media»"),
    ("citizen", b"[" * 100_000 + b"]" * 100_000, "anida demasiados niveles"),
    ("posts", b'{"network": "x", "posts": 5}', "«posts»"),
    ("posts", b'{"network": "x", "posts": []}', "«posts»"),
    ("posts", b'{"network": "x", "posts": [1]}', "posts[0]"),
    ("posts", b'{"network": "x", "posts": [{"text": "a", "created_at": 1e309}]}', "«created_at»"),
    ("posts", b'{"network": "whatsapp", "posts": [{"text": "a"}]}', "whatsapp no tiene"),
    ("faults", b'{"network": "x", "status": 418}', "«status»"),
    ("faults", b'{"network": "x", "status": 500.0}', "«status»"),
    ("faults", b'{"network": "x", "status": "500"}', "«status»"),
    ("faults", b'{"network": "x", "status": 500, "count": -5}', "«count»"),
    ("faults", b'{"network": "x", "status": 500, "count": 0}', "«count»"),
    ("faults", b'{"network": "x", "status": 500, "count": 10000000000}', "«count»"),
    ("faults", b'{"network": "x", "status": 500, "count": 2.5}', "«count»"),
    ("faults", b'{"network": "x", "status": 500, "count": true}', "«count»"),
    ("faults", b'{"network": "x", "status": 500, "count": "3"}', "«count»"),
    ("faults", b'{"network": "x", "status": 500, "count": 1e309}', "«count»"),
    (
        "faults",
        b'{"network": "x", "status": 500, "count": 1' + b"0" * 5000 + b"}",
        "no se puede leer",
    ),
    ("faults", b'{"network": "x", "status": 429, "retry_after": "nan"}', "«retry_after»"),
    ("faults", b'{"network": "x", "status": 429, "retry_after": NaN}', "NaN"),
    ("faults", b'{"network": "x", "status": 429, "retry_after": Infinity}', "Infinity"),
    ("faults", b'{"network": "x", "status": 429, "retry_after": -1}', "«retry_after»"),
    ("faults", b'{"network": "x", "status": 429, "retry_after": 1e12}', "«retry_after»"),
    ("faults", b'{"network": "x", "status": "timeout", "delay": 1e309}', "«delay»"),
    ("faults", b'{"network": "x", "status": "timeout", "delay": "inf"}', "«delay»"),
    ("webhooks", b"{}", "falta el campo «url»"),
    ("webhooks", b'{"url": 5}', "«url»"),
    ("webhooks", b'{"url": "ftp://127.0.0.1/x"}', "http(s)"),
    ("webhooks", b'{"url": "http://127.0.0.1:1/x", "remove": "yes"}', "«remove»"),
    ("webhooks", b'{"url": "http://127.0.0.1:1/x", "objects": "page"}', "«objects»"),
    ("nothing", b"{}", "acción desconocida"),
]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_control_api_answers_every_malformed_input_with_a_400_that_says_why(sandbox, content_type):
    answers = []
    with requests.Session() as session:  # one kept-alive connection: it must survive them all
        for action, body, reason in MALFORMED:
            response = session.post(
                f"{sandbox.url}/_sandbox/{action}",
                data=body,
                headers={"Content-Type": content_type},
                timeout=10,
            )
            answers.append((action, body[:60], response.status_code, response.json(), reason))
        tweet = session.get(f"{sandbox.url}/2/users/me", headers=X_AUTH, timeout=5)

    for action, body, status, answer, reason in answers:
        assert status == 400, (action, body, answer)
        assert reason in answer["error"], (action, body, answer)
    assert tweet.status_code == 200  # none of the bad faults was recorded
    assert sandbox.control("GET", "state")["x"]["posts"] == []


def test_control_api_refuses_oversized_and_unreadable_bodies_with_an_answer(sandbox):
    big = requests.post(
        f"{sandbox.url}/_sandbox/citizen",
        json={"network": "x", "text": "a" * (2 * 1024 * 1024)},
        timeout=10,
    )
    too_long = requests.post(
        f"{sandbox.url}/_sandbox/citizen",
        json={"network": "x", "text": "a" * 100_001},
        timeout=10,
    )
    host, port = sandbox.url.removeprefix("http://").split(":")
    answers = []
    for head in (
        "Content-Length: -3",
        "Content-Length: abc",
        "Content-Length: 99999999999999999999999",
        "Transfer-Encoding: chunked",
    ):
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            raw.sendall(f"POST /_sandbox/faults HTTP/1.1\r\nHost: x\r\n{head}\r\n\r\n".encode())
            answers.append(b"".join(iter(lambda: raw.recv(4096), b"")).decode())  # until closed

    assert big.status_code == 413 and "el máximo es 1048576" in big.json()["error"]
    assert too_long.status_code == 400 and "el máximo es 100000" in too_long.json()["error"]
    assert all(answer.startswith("HTTP/1.1 400 ") for answer in answers), answers
    assert all('"error"' in answer for answer in answers), answers


def test_control_api_takes_the_limits_it_documents(sandbox):
    fault = requests.post(
        f"{sandbox.url}/_sandbox/faults",
        json={"network": "x", "status": 429, "count": 2, "retry_after": 0, "delay": 0},
        timeout=5,
    )
    first = requests.get(f"{sandbox.url}/2/users/me", headers=X_AUTH, timeout=5)
    message = requests.post(
        f"{sandbox.url}/_sandbox/citizen",
        json={"network": "whatsapp", "text": "hola", "phone": 573001112233, "at": None},
        timeout=5,
    )

    assert fault.status_code == 201 and first.status_code == 429
    assert message.status_code == 201 and message.json()["from"] == "573001112233"


def _citizen_ids(sandbox, network: str, names: list[str]) -> list[str]:
    kind = {"facebook": "comment", "x": "mention", "whatsapp": "message"}[network]
    answers = [
        sandbox.control(
            "POST", "citizen", {"network": network, "kind": kind, "text": "hola", "author": name}
        )
        for name in names
    ]
    return [
        answer["from"]["id"] if network == "facebook" else answer["author_id"] for answer in answers
    ]


def test_different_people_never_share_an_id_and_a_name_keeps_its_own(sandbox):
    sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "Aviso"}]})
    names = [
        f"María Fernanda {surname}"
        for surname in (
            "López",
            "Gómez",
            "Rueda",
            "Díaz",
            "Pérez",
            "Ortiz",
            "Rojas",
            "Vargas",
            "Castro",
            "Suárez",
            "Parra",
            "Mejía",
            "Duarte",
            "Cárdenas",
            "Niño",
            "Silva",
        )
    ]  # all share their first 8 bytes (and 15 letters), like a family writing
    lengths = {"facebook": 16, "x": 19, "whatsapp": 12}

    ids = {network: _citizen_ids(sandbox, network, names) for network in lengths}
    again = {
        network: _citizen_ids(sandbox, network, [names[3], " María  Fernanda Díaz "])
        for network in lengths
    }
    sandbox.control("POST", "reset")
    after_reset = _citizen_ids(sandbox, "x", names[:2])

    for network, length in lengths.items():
        assert len(set(ids[network])) == 16, network
        assert again[network] == [ids[network][3]] * 2, network
        assert all(len(value) == length and value.isdigit() for value in ids[network]), network
    assert after_reset == ids["x"][:2]


def test_request_log_says_when_each_call_arrived_and_was_answered(sandbox):
    with requests.Session() as session:
        for _ in range(2):
            session.get(f"{sandbox.url}/v24.0/{PAGE_ID}", timeout=5)
    sandbox.control("GET", "state")  # control calls are not the network's work

    logged = sandbox.control("GET", "requests")["requests"]

    assert [(entry["method"], entry["path"], entry["status"]) for entry in logged] == [
        ("GET", f"/v24.0/{PAGE_ID}", 400)
    ] * 2
    assert logged[0]["client_port"] == logged[1]["client_port"]  # one kept-alive connection
    assert all(entry["arrived"] <= entry["answered"] for entry in logged)


def test_reset_forgets_everything(sandbox):
    sandbox.control("POST", "posts", {"network": "x", "posts": [{"text": "a"}]})

    sandbox.control("POST", "reset")

    assert sandbox.control("GET", "state")["x"] == {
        "posts": [],
        "replies": [],
        "hidden": [],
        "calls": {},
    }


def test_sandbox_serve_runs_until_interrupted():
    # Port 0: the system picks a free port and the command says which (no port to race for).
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "conectados", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A CI runner may start us with SIGINT ignored; Ctrl+C must work in the child anyway.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first_line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", first_line)
        assert found, first_line + process.stderr.read()
        url = found.group(0)
        assert found.group(1) != "0"
        deadline = time.monotonic() + 30
        state = None
        while state is None and time.monotonic() < deadline and process.poll() is None:
            try:
                state = requests.get(f"{url}/_sandbox/state", timeout=5).json()
            except requests.ConnectionError:
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, _err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert state is not None and set(state) == {"facebook", "instagram", "x", "whatsapp"}
    assert process.returncode == 0
    assert "Simulador detenido." in out


def test_sandbox_serve_on_a_busy_port_says_so():
    # In a child process with a generous limit: a command that kept trying the port would hang.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = subprocess.run(
            [sys.executable, "-m", "conectados", "sandbox", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1  # not the user's input: most likely the service is running
    assert f"el puerto {port} del simulador de redes ya está en uso" in result.stderr
    assert "--port" in result.stderr


def test_a_person_can_play_the_citizen_from_the_command_line(cli, tmp_path, sandbox):
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )

    no_post = cli("sandbox", "citizen", "¿Cuándo vuelve el agua?", "--esperar", "0")
    sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "Aviso"}]})
    comment = cli("sandbox", "citizen", "¿Cuándo vuelve el agua?", "--esperar", "0")
    message = cli("sandbox", "citizen", "--red", "x", "--tipo", "mensaje", "Hola", "--esperar", "0")
    mention = cli(
        "sandbox", "citizen", "--red", "x", "--tipo", "mencion", "@acueducto", "--esperar", "0"
    )
    # The English words of the first guides still work, unlisted.
    old_word = cli(
        "sandbox", "citizen", "--red", "x", "--tipo", "message", "Hola", "--esperar", "0"
    )
    facebook_mention = cli("sandbox", "citizen", "--tipo", "mención", "Hola", "--esperar", "0")

    assert no_post.exit_code == 2 and "aún no hay publicaciones en Facebook" in no_post.stderr
    assert comment.exit_code == 0 and message.exit_code == 0, comment.stderr + message.stderr
    assert mention.exit_code == 0 and old_word.exit_code == 0, mention.stderr + old_word.stderr
    assert "escribió en Facebook (comentario)" in comment.stdout
    assert "escribió en X (mensaje)" in message.stdout and "(mención)" in mention.stdout
    assert facebook_mention.exit_code == 2
    assert "las menciones son de X" in facebook_mention.stderr
    assert "comment" not in facebook_mention.stderr + no_post.stderr


def test_playing_the_citizen_without_a_simulator_says_what_to_start(cli, tmp_path):
    # A port held (bound, not listening) for the whole test: connecting to it is refused.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        (tmp_path / "conectados.toml").write_text(
            f'[sandbox]\nurl = "http://127.0.0.1:{port}"\n', encoding="utf-8"
        )

        result = cli("sandbox", "citizen", "hola", "--tipo", "message")

    assert result.exit_code == 1 and "inicie «conectados daemon»" in result.stderr


def test_sandbox_serve_on_an_address_of_another_machine_says_so_in_spanish(cli):
    # Binding sends nothing: the kernel refuses an address this machine does not have.
    result = cli("sandbox", "serve", "--host", "192.0.2.1", "--port", "0")

    assert result.exit_code == 2
    assert "esa dirección no es de esta máquina" in result.stderr
    assert "Cannot assign" not in result.stderr


def test_a_parameter_the_apis_cannot_read_gets_their_own_400_not_a_crash(sandbox):
    from channels.sandbox.x_world import ACCOUNT_ID

    feed = requests.get(
        f"{sandbox.url}/v24.0/{PAGE_ID}/feed",
        params={"access_token": "t", "since": "ayer por la tarde"},
        timeout=5,
    )
    mentions = requests.get(
        f"{sandbox.url}/2/users/{ACCOUNT_ID}/mentions",
        params={"since_id": "no-es-un-id"},
        headers=X_AUTH,
        timeout=5,
    )

    assert feed.status_code == 400 and feed.json()["error"]["code"] == 100
    assert mentions.status_code == 400 and mentions.json()["errors"][0]["message"]
    assert mentions.json()["title"] == "Invalid Request"
