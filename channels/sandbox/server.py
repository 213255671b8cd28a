"""The sandbox server: the Graph API, the WhatsApp Cloud API and X API v2 on one local port,
plus a control API, and Meta's webhooks to a subscribed receiver.

The real client libraries talk to it over real HTTP. Its world lives in memory, and also in
a JSON file when it is given one (`state_path`, see snapshot.py): loaded at start, saved after
every change.
Control API (JSON in and out), under /_sandbox/; networks are facebook, instagram, x and
whatsapp (an instagram citizen comments on our latest media, or the one `on` names, or writes a
Direct message with kind "message"; its webhook goes out like Facebook's):
- POST /_sandbox/citizen {"network", "kind", "text", "author", "on"?, "at"?}: a citizen writes;
  for whatsapp kind is "message" (the default there), with "phone"?, "media"?
  (image|audio|video|document) and "username"? (a citizen with a WhatsApp username: pushed
  without the phone number, only with the business-scoped user id); a facebook "message" may
  carry "media"? too (then "text" may be left out): the file comes with the message, in the
  poll and in the webhook, and "owner"? ("otra": another app owns that conversation from
  now on, as GET /{page-id}/thread_owner then says; "nuestra": ours again); facebook and
  whatsapp answers carry "webhooks": the status of
  each delivery (null when the receiver was unreachable), made before answering;
- POST /_sandbox/posts {"network", "posts": [{"text", "created_at"}]}: history published earlier
  (not for whatsapp);
- POST /_sandbox/faults {"network", "status": 401|429|500|503|"timeout"|"refusal", "count",
  "retry_after"?, "delay"?, "code"?}: the next `count` calls to that network fail that way;
  "refusal" answers with one of the network's documented error codes (`code`, see
  GRAPH_REFUSALS and X_REFUSALS);
- GET /_sandbox/state: per network, posts, replies and API calls per endpoint;
- GET /_sandbox/requests: the last API requests with when each arrived and was answered, and
  the client's port (one per kept-alive connection): how long the network itself took;
- POST /_sandbox/webhooks {"url", "verify_token"?, "objects"?}: subscribe a receiver to
  "whatsapp_business_account", "page" and/or "instagram" events, after Meta's GET handshake (hub.challenge);
  {"url", "remove": true} unsubscribes; GET /_sandbox/webhooks lists them with their counters;
- POST /_sandbox/require_app_secret {"required": true|false}: Meta's "Require App Secret"
  setting for Graph (Facebook and Instagram) and WhatsApp: calls without a correct appsecret_proof are refused (code
  100); a wrong proof is refused whatever the setting;
- POST /_sandbox/permissions {"network", "revoke"?, "grant"?, "access_level"?, "template"?,
  "expired"?} or {"reset": true}: what the simulator's tokens may do (graph_checks.py); GET
  shows it;
- POST /_sandbox/instagram {"container_seconds"?, "quota_total"?, "publish_delay"?,
  "containers_in_error"?, "error_subcode"?}: how long Instagram's media containers stay
  IN_PROGRESS, its publishing limit per 24 hours, how late media_publish answers, and how many
  of the next containers end in ERROR with which 2207xxx subcode (see instagram_publishing.py);
- POST /_sandbox/whatsapp {"throughput"?, "daily_limit"?, "templates"?, "recipients"?,
  "read"?, "status_delay"?}: the WhatsApp number's messages per second and unique recipients
  per rolling 24 h (null: no limit), each template's status, what becomes of a recipient
  (blocked, not_whatsapp, marketing_limit, ok), whether recipients read, and how late the
  delivered/read statuses come (see whatsapp_notices.py); answers the current settings;
- POST /_sandbox/reset: forgets everything, subscriptions and permissions included.

Every control body is a JSON object of at most 1 MiB whose fields are checked (control.py):
anything it cannot use gets a 400 with {"error": one Spanish sentence}; a larger body a 413.
Counts go from 1 to 100,000, retry_after from 0 to 86,400 s, delay from 0 to 120 s, texts up
to 100,000 characters. Webhooks go only to loopback receivers (127.0.0.0/8, ::1, localhost).

Past ~400 lines on purpose: the simulator's one server, its routes to each emulated API and
its control API side by side (the APIs themselves are graph.py, xapi.py and whatsapp.py).

Past ~400 lines on purpose: the routing of three emulated APIs and their control in one place.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from channels.sandbox import instagram_publishing, snapshot
from channels.sandbox.control import (
    MAX_DELAY,
    MAX_FAULT_COUNT,
    MAX_NAME,
    MAX_POSTS,
    MAX_RETRY_AFTER,
    ControlError,
    Fields,
    read_json,
)
from channels.sandbox.graph import GraphApi
from channels.sandbox.graph_checks import (
    ACCESS_LEVELS,
    PERMISSIONS,
    SYSTEM_USER_TOKEN,
    TEMPLATE_CHOICES,
    Grants,
    GraphChecks,
)
from channels.sandbox.graph_world import FacebookWorld
from channels.sandbox.http import (
    BadRequest,
    HttpError,
    Request,
    Response,
    Router,
    parse_request,
    write_response,
)
from channels.sandbox.instagram import InstagramApi
from channels.sandbox.instagram_engagement import add_published_media
from channels.sandbox.instagram_world import InstagramWorld
from channels.sandbox.webhooks import (
    Delivery,
    Webhooks,
    instagram_comment_event,
    instagram_message_event,
    page_comment_event,
    page_message_event,
)
from channels.sandbox.whatsapp import WhatsAppApi
from channels.sandbox.whatsapp_world import (
    APPROVED_TEMPLATES,
    MEDIA_MIME_TYPES,
    VERIFY_TOKEN,
    WhatsAppWorld,
)
from channels.sandbox.world import FAULT_STATUSES, Fault
from channels.sandbox.x_world import XWorld
from channels.sandbox.xapi import XApi
from conectados.clock import Clock, SystemClock
from conectados.errors import ConectadosError

log = logging.getLogger(__name__)

NETWORKS = ("facebook", "instagram", "x", "whatsapp")
REQUEST_LOG_SIZE = 20_000
CITIZEN_KINDS = ("comment", "mention", "message")
MAX_URL = 2_000


class Sandbox:
    """The emulated networks and their routes; thread-safe (one lock for the whole world)."""

    def __init__(self, clock: Clock | None = None, state_path: Path | None = None) -> None:
        self.clock = clock or SystemClock()
        self.lock = threading.RLock()
        self.webhooks = Webhooks()  # its own lock: deliveries never hold self.lock
        self.state_path = state_path
        self.notice: str | None = None
        """Why the saved world could not be loaded or saved (Spanish), if that happened."""
        self._timer: threading.Timer | None = None
        """Wakes up when WhatsApp's next delayed status (delivered, read) is due."""
        self.reset()
        if state_path is not None:
            self.notice = snapshot.load(state_path, self._worlds())
            if self.notice is not None:
                log.warning("%s", self.notice)
                self.reset()

    def _worlds(self) -> dict[str, Any]:
        return {
            "facebook": self.facebook,
            "instagram": self.instagram,
            "x": self.x,
            "whatsapp": self.whatsapp,
        }

    def save(self) -> None:
        """Write the world to its file, if it has one; a failure is logged, never raised."""
        if self.state_path is None:
            return
        with self.lock:
            try:
                snapshot.save(self.state_path, self._worlds())
            except (OSError, ValueError) as exc:  # UserFileError is an OSError or ValueError
                notice = f"no se pudo guardar el estado del simulador en {self.state_path} ({exc})"
                if notice != self.notice:
                    log.warning("%s", notice)
                self.notice = notice

    def reset(self) -> None:
        with self.lock:
            self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
            self.facebook = FacebookWorld(self.clock)
            self.instagram = InstagramWorld(self.clock)
            self.x = XWorld(self.clock)
            self.whatsapp = WhatsAppWorld(self.clock)
            # WhatsApp first: Graph's /{page-id}/messages would also match its send route;
            # Instagram before Graph: its routes take only Instagram's 17-digit ids.
            self.apis = {
                "whatsapp": WhatsAppApi(self.whatsapp),
                "instagram": InstagramApi(self.instagram, self.lock),
                "facebook": GraphApi(self.facebook, self.lock),
                "x": XApi(self.x),
            }
            self.router = Router()
            self.grants = Grants()
            GraphChecks(self.grants, self.whatsapp.rules.template_status).register(self.router)
            for api in self.apis.values():
                api.register(self.router)
            self.webhooks.clear()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def world(self, network: str):
        if network not in NETWORKS:
            raise ValueError(f"red desconocida «{network}»; use facebook, instagram, x o whatsapp")
        worlds = {"facebook": self.facebook, "instagram": self.instagram}
        return {**worlds, "x": self.x, "whatsapp": self.whatsapp}[network]

    def handle(self, request: Request) -> Response:
        """Answer one request; the webhooks it causes go out in the background."""
        response, deliveries = self.serve(request)
        self.webhooks.deliver_later(deliveries)
        return response

    def serve(self, request: Request) -> tuple[Response, list[Delivery]]:
        """Answer one request, with the webhooks it causes, to deliver once it is answered."""
        if request.path.startswith("/_sandbox/"):
            return self.control(request), []
        with self.lock:
            found = self.router.match(request.method, request.path)
        if found is None:
            return Response(
                404,
                {
                    "error": {
                        "message": f"Unknown path {request.method} {request.path}",
                        "code": 803,
                    }
                },
            ), []
        route, arguments = found
        api = self.apis[route.network]
        with self.lock:
            world = self.world(route.network)
            world.calls[route.name] += 1
            fault = world.take_fault()
        if fault is not None and fault.status != "timeout":
            return self._with_usage(api, route.name, api.fault_response(fault)), []
        # A route that reads an upload as it arrives takes the lock itself, between pieces:
        # a long upload must not stop the rest of the simulator.
        streams = getattr(route.handler, "streams_body", False)
        with contextlib.nullcontext() if streams else self.lock:
            try:
                api.check_token(request)
                refused = self.grants.refusal(route.network, route.name, request)
                response = refused or route.handler(request, **arguments)
            except HttpError as error:
                response = error.response
            except (ValueError, OverflowError) as error:  # a `since` or an id that is none
                response = api.invalid_parameter(str(error)[:200])
        with self.lock:
            response = self._with_usage(api, route.name, response)
            response.headers.update(self.grants.headers(route.network))
            events = self.whatsapp.take_events()  # this call's, and the statuses now due
            self._wake_for_later_statuses()
            if request.method != "GET":
                self.save()
        deliveries = self.webhooks.deliveries(events)
        if fault is not None:
            time.sleep(fault.delay)  # a slow answer: the call was carried out all the same
        return response, deliveries

    def _wake_for_later_statuses(self) -> None:
        """Have a timer deliver WhatsApp's delayed statuses when the world's clock says they
        are due (call it holding the lock). A clock that stands still (tests) never makes
        them due by itself: any later call to the simulator delivers the ones due by then."""
        due = self.whatsapp.later.next_due()
        if due is None or (self._timer is not None and self._timer.is_alive()):
            return
        wait = min(max((due - self.whatsapp.now()).total_seconds(), 0.0), 60.0)
        self._timer = threading.Timer(wait + 0.01, self._deliver_later_statuses)
        self._timer.daemon = True
        self._timer.start()

    def _deliver_later_statuses(self) -> None:
        with self.lock:
            self._timer = None
            events = self.whatsapp.take_events()
            self._wake_for_later_statuses()
        self.webhooks.deliver_later(self.webhooks.deliveries(events))

    @staticmethod
    def _with_usage(api, route_name: str, response: Response) -> Response:
        for name, value in api.usage_headers(route_name).items():
            response.headers.setdefault(name, value)
        return response

    # --- control API -----------------------------------------------------------------

    def control(self, request: Request) -> Response:
        """Answer a control request; any input it cannot use gets a 400 saying why."""
        action = request.path.removeprefix("/_sandbox/").strip("/")
        try:
            if action == "webhooks":
                return self._control_webhooks(request)  # the handshake runs without the lock
            with self.lock:
                response, events = self._control(request, action)
                if request.method == "POST" and action != "faults":
                    self.save()
                due = self.whatsapp.take_events() if events is None else []
                self._wake_for_later_statuses()
            if events is not None:  # built under the lock, delivered after releasing it
                deliveries = self.webhooks.deliveries(events)
                response.body["webhooks"] = self.webhooks.deliver_now(deliveries)
            self.webhooks.deliver_later(self.webhooks.deliveries(due))
            return response
        except ValueError as exc:  # ControlError, WebhookError and the worlds' own refusals
            return Response(400, {"error": str(exc)})

    def _control(
        self, request: Request, action: str
    ) -> tuple[Response, list[dict[str, Any]] | None]:
        """The answer, and the webhook payloads it caused (None where there are no webhooks)."""
        if request.method == "GET" and action == "state":
            return Response(200, {name: self.world(name).state() for name in NETWORKS}), None
        if request.method == "GET" and action == "requests":
            return Response(200, {"requests": list(self.requests)}), None
        if request.method == "GET" and action == "permissions":
            return Response(200, self.grants.state()), None
        actions = (
            "reset",
            "citizen",
            "posts",
            "faults",
            "permissions",
            "require_app_secret",
            "instagram",
            "whatsapp",
        )
        if action not in actions:
            raise ControlError(
                f"acción desconocida /_sandbox/{action}; las acciones son citizen, posts, "
                "faults, permissions, require_app_secret, instagram, whatsapp, webhooks, "
                "state, requests y reset"
            )
        if request.method != "POST":
            raise ControlError(f"/_sandbox/{action} se llama con POST, no con {request.method}")
        body = Fields(read_json(request.raw, action), f"el cuerpo de /_sandbox/{action}")
        if action == "reset":
            self.reset()
            return Response(200, {"ok": True}), None
        if action == "citizen":
            return self._citizen(body)
        if action == "posts":
            return self._posts(body), None
        if action == "require_app_secret":
            required = body.flag("required")
            for world in (self.facebook, self.instagram, self.whatsapp):
                world.require_app_secret = required
            return Response(200, {"required": required}), None
        if action == "permissions":
            return self._permissions(body), None
        if action == "instagram":
            return Response(200, instagram_publishing.configure(self.instagram, body)), None
        if action == "whatsapp":
            templates = list(APPROVED_TEMPLATES)
            self.whatsapp.rules.configure(body, templates)
            return Response(200, self.whatsapp.rules.state(templates)), None
        return self._fault(body), None

    def _permissions(self, body: Fields) -> Response:
        """Take permissions away from the simulator's tokens, or give them back (see
        graph_checks.py); checked whole before anything changes."""
        grants = self.grants
        if body.flag("reset"):
            self.grants.__init__()  # the same object: the routes hold it
            return Response(200, grants.state())
        network = body.choice("network", NETWORKS)
        known = PERMISSIONS.get(network, ())
        revoke, grant = body.texts("revoke", []), body.texts("grant", [])
        for name in (*revoke, *grant):
            if name not in known:
                listed = ", ".join(known) or "ninguno (en X use access_level)"
                raise ControlError(f"«{name}» no es un permiso de {network}; use: {listed}")
        level = body.choice("access_level", ACCESS_LEVELS, None)
        if level is not None and network != "x":
            raise ControlError("access_level es de X; use network x")
        template = body.choice("template", TEMPLATE_CHOICES, None)
        if template is not None and network != "whatsapp":
            raise ControlError("template es de WhatsApp; use network whatsapp")
        expired = body.body.get("expired")
        if expired is not None and not isinstance(expired, bool):
            raise ControlError("«expired» debe ser true o false")
        grants.revoked = (grants.revoked | set(revoke)) - set(grant)
        grants.access_level = level or grants.access_level
        grants.template = template or grants.template
        if expired is not None:
            grants.expired = (grants.expired | {network}) if expired else grants.expired - {network}
        return Response(200, grants.state())

    def _network(self, body: Fields):
        return self.world(body.choice("network", NETWORKS))

    def _posts(self, body: Fields) -> Response:
        world = self._network(body)
        if world is self.whatsapp:
            raise ControlError("whatsapp no tiene publicaciones; use facebook, instagram o x")
        entries = [
            (entry.text("text"), entry.time("created_at"))
            for entry in body.objects("posts", MAX_POSTS)
        ]
        created = []
        for text, at in entries:
            if world is self.facebook:
                created.append(world.add_post(text, at or world.now()).id)
            elif world is self.instagram:  # a Reel published earlier
                created.append(add_published_media(world, text, at or world.now()).id)
            else:
                created.append(world.add_tweet(text, world.account, at or world.now()).id)
        return Response(201, {"ids": created})

    def _fault(self, body: Fields) -> Response:
        world = self._network(body)
        status = body.choice("status", FAULT_STATUSES)
        code = None
        if status == "refusal":
            known = self.apis[world.name].refusals
            code = body.choice("code", tuple(known))
        world.add_fault(
            Fault(
                status=status,
                count=body.integer("count", 1, 1, MAX_FAULT_COUNT),
                retry_after=body.number("retry_after", 60.0, 0.0, MAX_RETRY_AFTER),
                delay=body.number("delay", 5.0, 0.0, MAX_DELAY),
                code=code,
            )
        )
        return Response(201, {"ok": True})

    def _citizen(self, body: Fields) -> tuple[Response, list[dict[str, Any]] | None]:
        world = self._network(body)
        at = body.time("at") or world.now()
        author = body.text("author", "Ciudadano", longest=MAX_NAME, blank=False)
        on = body.text("on", None, longest=MAX_NAME)
        if world is self.whatsapp:
            phone = body.phone("phone")
            media = body.choice("media", tuple(MEDIA_MIME_TYPES), None)
            username = body.text("username", None, longest=35, blank=False)
            item = world.citizen_item(
                body.choice("kind", ("message",), "message"),
                body.text("text", ""),
                author,
                on,
                at,
                phone=phone,
                media=media,
                username=username,
            )
            return Response(201, item), world.take_events()
        if world is self.instagram:
            return self._instagram_citizen(body, author, on, at)
        kinds = ("comment", "message") if world is self.facebook else CITIZEN_KINDS
        kind = body.choice("kind", kinds, "comment")
        if world is self.facebook:
            media = body.choice("media", tuple(MEDIA_MIME_TYPES), None)
            text = body.text("text", "") if media else body.text("text")
            with_media = (media, MEDIA_MIME_TYPES[media]) if media else None
            owner = body.choice("owner", ("otra", "nuestra"), None)
            item = world.citizen_item(kind, text, author, on, at, media=with_media, owner=owner)
        else:
            item = world.citizen_item(kind, body.text("text"), author, on, at)
        if world is not self.facebook:
            return Response(201, item), None
        if kind == "message":
            conversation = self.facebook.conversations[item["from"]["id"]]
            event = page_message_event(conversation.citizen, conversation.messages[-1])
        else:
            event = page_comment_event(self.facebook.comments[item["id"]])
        return Response(201, item), [event]

    def _instagram_citizen(
        self, body: Fields, author: str, on: str | None, at
    ) -> tuple[Response, list[dict[str, Any]]]:
        """A citizen comments on our media (`on`, or the latest) or writes a Direct message;
        the webhook Meta would send goes to the subscribed receivers."""
        world = self.instagram
        kind = body.choice("kind", ("comment", "message"), "comment")
        text = body.text("text")
        citizen = world.citizen(author)
        if kind == "message":
            message = world.add_message(citizen, text, at)
            item = {"id": message.id, "from": {"id": citizen.id, "username": citizen.username},
                    "text": text}  # fmt: skip
            return Response(201, item), [instagram_message_event(citizen, message)]
        media = world.media.get(on) if on else world.latest_media()
        if media is None:
            raise ControlError(
                f"no hay una publicación de Instagram «{on}»" if on
                else "aún no hay publicaciones en Instagram para comentar"
            )  # fmt: skip
        comment = world.add_comment(media.id, citizen, text, at)
        item = {"id": comment.id, "from": {"id": citizen.id, "username": citizen.username},
                "text": text, "media_id": media.id}  # fmt: skip
        return Response(201, item), [instagram_comment_event(comment, media.media_product_type)]

    def _control_webhooks(self, request: Request) -> Response:
        """Subscribe, unsubscribe or list receivers, like Meta's App Dashboard does."""
        if request.method == "GET":
            return Response(200, {"subscriptions": self.webhooks.listing()})
        if request.method != "POST":
            raise ControlError(f"/_sandbox/webhooks se llama con GET o POST, no {request.method}")
        body = Fields(read_json(request.raw, "webhooks"), "el cuerpo de /_sandbox/webhooks")
        url = body.text("url", longest=MAX_URL, blank=False)
        if body.flag("remove"):
            return Response(200, {"url": url, "removed": self.webhooks.unsubscribe(url)})
        subscription = self.webhooks.subscribe(
            url,
            body.text("verify_token", None, longest=MAX_NAME) or VERIFY_TOKEN,
            body.texts("objects"),
        )
        return Response(201, {"url": subscription.url, "objects": list(subscription.objects)})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle's algorithm on, the body would wait
    # for the client's delayed ACK (40 ms a response on Linux), a delay no real network adds.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        arrived = time.time()
        try:
            request = parse_request(self)
        except BadRequest as exc:
            headers = {"Connection": "close"} if exc.close else {}
            self.close_connection = self.close_connection or exc.close
            self._answer(Response(exc.status, {"error": str(exc)}, headers))
            return
        except ValueError as exc:  # an API's JSON or form that does not parse
            self._answer(Response(400, {"error": f"malformed request: {exc}"}))
            return
        try:
            response, deliveries = self.server.sandbox.serve(request)
        except Exception as exc:  # a bug here must still answer, not drop the connection
            log.exception("sandbox: %s %s failed", request.method, request.path)
            response = Response(500, {"error": f"error interno del simulador: {exc!r}"})
            deliveries = []
        if request.stream is not None and request.stream.left != 0:
            # An upload's body not read to its end (refused early, or cut): the connection
            # cannot carry another request.
            self.close_connection = True
            response.headers["Connection"] = "close"
        try:
            self._answer(response)
        finally:
            self.server.sandbox.webhooks.deliver_later(deliveries)  # after the answer is out
        if not request.path.startswith("/_sandbox/"):
            self.server.sandbox.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status,
                    "client_port": self.client_address[1],
                    "appsecret_proof": request.param("appsecret_proof") is not None,
                    # Which of Meta's tokens came (the Page's, or the system user's that the
                    # Resumable Upload API asks for); never the token itself.
                    "system_user_token": SYSTEM_USER_TOKEN
                    in (
                        request.param("access_token"),
                        request.headers.get("authorization", "").removeprefix("OAuth ").strip(),
                    ),
                    "arrived": arrived,
                    "answered": time.time(),
                }
            )

    def _answer(self, response: Response) -> None:
        try:
            write_response(self, response)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            log.debug("sandbox: the client left before the answer (%s)", self.path)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class SandboxServer:
    """The sandbox on a local port, in a background thread (tests, the demo, the daemon)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        sandbox: Sandbox | None = None,
        state_path: Path | None = None,
    ) -> None:
        self.sandbox = sandbox or Sandbox(state_path=state_path)
        try:
            self._server = _Server((host, port), self.sandbox)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                # Not the user's input: the service already running, most likely (exit 1).
                raise ConectadosError(
                    f"el puerto {port} del simulador de redes ya está en uso: probablemente "
                    "el servicio ya está en marcha (en otra terminal o como servicio: "
                    "«systemctl status conectados») u otro programa lo usa; deténgalo, o "
                    "use ese simulador con [sandbox] url, o cambie el puerto (--port en "
                    "«sandbox serve»)"
                ) from None
            raise
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving (from another thread) and release the port."""
        self._server.shutdown()
        self.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def close(self) -> None:
        """Release the port after serve_forever has returned, stop delivering webhooks, and
        save the world (if it has a file)."""
        self._server.server_close()
        self.sandbox.webhooks.close()
        self.sandbox.save()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def control(self, method: str, action: str, body: dict | None = None) -> Any:
        """Call the control API over HTTP (what tests and the demo use)."""
        import requests

        response = requests.request(method, f"{self.url}/_sandbox/{action}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()
