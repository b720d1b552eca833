"""The fake's HTTP server: Discord's REST API (the part a bot uses) and the gateway's websocket.

Runs an aiohttp application on 127.0.0.1 in a background thread with its own event loop, so a
synchronous test (or a script) drives a bot running in another process. Every REST request is
recorded as a :class:`Request` stamped with ``time.perf_counter()`` on arrival, in the same clock as
the send times of :meth:`FakeDiscord.send_interaction`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import payloads as p
from .checks import choices_problems, message_problems
from .gateway import GatewaySession

Json = dict[str, Any]
API_PREFIX = "/api/v10"
#: Discord accepts an interaction's first response within 3 seconds
#: (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction).
CALLBACK_WINDOW_S = 3.0
#: Callback types (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type).
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9
EPHEMERAL, LOADING = 1 << 6, 1 << 7
#: The path parameters of the route a request matched.
PARAMS: web.RequestKey[dict[str, str]] = web.RequestKey("params", dict)


@dataclass(frozen=True)
class Request:
    """One REST request the bot sent: ``path`` without ``/api/v10``; ``json`` is the JSON body or
    a multipart request's ``payload_json``; ``files`` are the multipart files as (field, filename,
    bytes); ``at`` is ``time.perf_counter()`` on arrival; ``status`` is what the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, str | None, bytes]]
    at: float
    status: int = 0
    error: str | None = None


def json_response(data: Any, status: int = 200) -> web.Response:
    """``data`` as JSON with ``Content-Type: application/json`` exactly: discord.py 2.7 compares the
    header as a whole string (``json_or_text``), so aiohttp's ``; charset=utf-8`` would make it text."""
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status=status)


@dataclass
class _Interaction:
    payload: Json
    sent: float
    responded: int | None = None  # the callback type, once acknowledged
    original_id: str | None = None
    message_id: str | None = None  # the message a component interaction belongs to


@dataclass
class _State:
    commands: dict[str | None, list[Json]] = field(default_factory=dict)  # guild id (None: global)
    interactions: dict[str, _Interaction] = field(default_factory=dict)  # by id
    by_token: dict[str, _Interaction] = field(default_factory=dict)
    messages: dict[str, Json] = field(default_factory=dict)
    channels: dict[str, Json] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # attachment id -> its bytes (the CDN)
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # /web/ name -> (body, type)


class FakeServer:
    """The aiohttp application and its state; :class:`tests.fake_discord.FakeDiscord` drives it."""

    def __init__(self, world: Any) -> None:
        self.world = world  # ids, users, guild (see FakeDiscord)
        self.state = _State()
        self.requests: list[Request] = []
        self.sessions: list[GatewaySession] = []
        self.changed = threading.Condition()
        self.base_url = ""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{filename}", self._cdn)
        app.router.add_get("/web/{name:.*}", self._web)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self.app = app
        self._routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", "gateway/bot", self._gateway_bot), ("GET", "gateway", self._gateway_bot),
            ("GET", "users/@me", lambda r, b: json_response(world.bot_user)),
            ("GET", "oauth2/applications/@me", lambda r, b: json_response(world.application)),
            ("GET", "applications/@me", lambda r, b: json_response(world.application)),
            ("GET", "applications/{app}/commands", self._get_commands),
            ("PUT", "applications/{app}/commands", self._put_commands),
            ("GET", "applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("PUT", "applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("POST", "interactions/{id}/{token}/callback", self._callback),
            ("POST", "webhooks/{app}/{token}", self._followup),
            ("GET", "webhooks/{app}/{token}/messages/{message}", self._webhook_message),
            ("PATCH", "webhooks/{app}/{token}/messages/{message}", self._webhook_message),
            ("DELETE", "webhooks/{app}/{token}/messages/{message}", self._webhook_message),
            ("POST", "channels/{channel}/messages", self._channel_message),
            ("GET", "channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", "channels/{channel}/messages/{message}", self._edit_message),
            ("POST", "channels/{channel}/messages/{message}/threads", self._thread),
            ("POST", "channels/{channel}/threads", self._thread),
            ("GET", "channels/{channel}", self._get_channel),
        ]

    # --- recording -------------------------------------------------------------------------
    def _record(self, request: Request) -> None:
        with self.changed:
            self.requests.append(request)
            self.changed.notify_all()

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[str, str | None, bytes]]]:
        files: list[tuple[str, str | None, bytes]] = []
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":
                    body = json.loads(data)
                else:
                    files.append((part.name or "", part.filename, bytes(data)))  # type: ignore[union-attr]
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), files

    # --- dispatch --------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.StreamResponse:
        at = time.perf_counter()
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        response: web.StreamResponse
        handler, params = self._match(request.method, path)
        webhookish = path.startswith(("/webhooks/", "/interactions/"))
        if handler is None:
            response = _error(404, 0, f"404: Not Found ({request.method} {path})")
        elif not webhookish and request.headers.get("Authorization") != f"Bot {self.world.token}":
            response = _error(401, 0, "401: Unauthorized")
        else:
            request[PARAMS] = params
            response = await handler(request, body) if asyncio.iscoroutinefunction(handler) else handler(request, body)
        error = None
        if isinstance(response, web.Response) and response.status >= 400 and response.body is not None:
            error = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
        self._record(Request(request.method, path, dict(request.query), body, files, at, response.status, error))
        return response

    def _match(self, method: str, path: str) -> tuple[Callable[..., Any] | None, dict[str, str]]:
        parts = path.strip("/").split("/")
        for route_method, pattern, handler in self._routes:
            keys = pattern.split("/")
            if route_method != method or len(keys) != len(parts):
                continue
            params: dict[str, str] = {}
            for key, part in zip(keys, parts, strict=True):
                if key.startswith("{"):
                    params[key[1:-1]] = part
                elif key != part:
                    break
            else:
                return handler, params
        return None, {}

    # --- gateway ---------------------------------------------------------------------------
    def _gateway_bot(self, request: web.Request, body: Any) -> web.Response:
        return json_response({
            "url": self.base_url.replace("http://", "ws://") + "/gateway", "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        })

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws, request.query.get("compress"), self.world.on_identify, time.perf_counter)
        session.query = dict(request.query)  # type: ignore[attr-defined]
        with self.changed:
            self.sessions.append(session)
        await session.run()
        with self.changed:
            self.changed.notify_all()
        return ws

    async def _cdn(self, request: web.Request) -> web.Response:
        """An uploaded attachment's bytes, as Discord's CDN serves them (recorded like REST calls)."""
        data = self.state.files.get(request.match_info["id"])
        at = time.perf_counter()
        status = 200 if data is not None else 404
        self._record(Request("GET", request.path, dict(request.query), None, [], at, status))
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _web(self, request: web.Request) -> web.Response:
        """A page or feed the test put on the web (``FakeDiscord.serve``), for URL ingestion."""
        page = self.state.pages.get(request.match_info["name"])
        self._record(Request("GET", request.path, dict(request.query), None, [], time.perf_counter(),
                             200 if page else 404))
        if page is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=page[0], headers={"Content-Type": page[1]})

    # --- application commands --------------------------------------------------------------
    def _get_commands(self, request: web.Request, body: Any) -> web.Response:
        return json_response(self.state.commands.get(request[PARAMS].get("guild"), []))

    def _put_commands(self, request: web.Request, body: Any) -> web.Response:
        guild = request[PARAMS].get("guild")
        before = {(c["name"], c.get("type", 1)): c["id"] for c in self.state.commands.get(guild, [])}
        stored = []
        for command in body:
            kind = command.get("type", 1)
            stored.append({
                "description": "", "options": [], "default_member_permissions": None, "nsfw": False,
                **command, "id": before.get((command["name"], kind)) or p.snowflake(), "type": kind,
                "application_id": self.world.app_id, "version": p.snowflake(),
                **({"guild_id": guild} if guild else {}),
            })
        self.state.commands[guild] = stored
        return json_response(stored)

    # --- interactions ----------------------------------------------------------------------
    def _message(self, channel_id: str, body: Json, *, webhook: bool, message_id: str | None = None) -> Json:
        message = p.message(message_id or p.snowflake(), channel_id, self.world.bot_user, body or {},
                            guild_id=self.world.guild_id, webhook_id=self.world.app_id if webhook else None,
                            application_id=self.world.app_id if webhook else None)
        self.state.messages[message["id"]] = message
        return message

    def _callback(self, request: web.Request, body: Any) -> web.Response:
        params = request[PARAMS]
        entry = self.state.interactions.get(params["id"])
        if entry is None or entry.payload["token"] != params["token"]:
            return _error(404, 10062, "Unknown interaction")
        if entry.responded is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if time.perf_counter() - entry.sent > CALLBACK_WINDOW_S:
            return _error(404, 10062, "Unknown interaction")
        kind, data = body["type"], body.get("data") or {}
        problems = choices_problems(data) if kind == AUTOCOMPLETE_RESULT else (
            message_problems(data) if kind in (MESSAGE, UPDATE) else [])
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        entry.responded = kind
        channel_id = entry.payload["channel_id"]
        message = None
        if kind == MESSAGE:
            message = self._message(channel_id, data, webhook=True)
        elif kind == DEFERRED_MESSAGE:
            flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
            message = self._message(channel_id, {"flags": flags}, webhook=True)
        elif kind == UPDATE and entry.message_id in self.state.messages:
            message = self.state.messages[entry.message_id]
            message.update({k: v for k, v in data.items() if k in ("content", "embeds", "components", "flags")})
        if message is not None and kind in (MESSAGE, DEFERRED_MESSAGE):
            entry.original_id = message["id"]
        interaction = {
            "id": params["id"], "type": entry.payload["type"],
            "response_message_id": message["id"] if message else None,
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }
        resource: Json = {"type": kind}
        if message is not None:
            resource["message"] = message
        return json_response({"interaction": interaction, "resource": resource})

    def _entry_for_token(self, request: web.Request) -> _Interaction | None:
        params = request[PARAMS]
        entry = self.state.by_token.get(params["token"])
        if entry is None or params["app"] != self.world.app_id or entry.responded is None:
            return None  # Discord: follow-ups need an acknowledged interaction's token
        return entry

    def _followup(self, request: web.Request, body: Any) -> web.Response:
        entry = self._entry_for_token(request)
        if entry is None:
            return _error(404, 10015, "Unknown Webhook")
        problems = message_problems(body or {})
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        if entry.responded == DEFERRED_MESSAGE and entry.original_id in self.state.messages:
            original = self.state.messages[entry.original_id]
            if original["flags"] & LOADING:  # the first follow-up after a deferral edits the "thinking" message
                original.update({k: v for k, v in (body or {}).items() if k in ("content", "embeds", "components")})
                original["flags"] = (original["flags"] & EPHEMERAL) | (int(body.get("flags") or 0) & ~EPHEMERAL)
                return json_response(original) if request.query.get("wait") in ("1", "true") else web.Response(status=204)
        message = self._message(entry.payload["channel_id"], body or {}, webhook=True)
        return json_response(message) if request.query.get("wait") in ("1", "true") else web.Response(status=204)

    def _webhook_message(self, request: web.Request, body: Any) -> web.Response:
        entry = self._entry_for_token(request)
        if entry is None:
            return _error(404, 10015, "Unknown Webhook")
        message_id = request[PARAMS]["message"]
        if message_id == "@original":
            message_id = entry.original_id or entry.message_id or ""
        message = self.state.messages.get(message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if request.method == "DELETE":
            del self.state.messages[message_id]
            return web.Response(status=204)
        if request.method == "PATCH":
            problems = message_problems(body or {})
            if problems:
                return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
            message.update({k: v for k, v in (body or {}).items() if k in ("content", "embeds", "components")})
            message["flags"] &= ~LOADING
            message["edited_timestamp"] = p.now_iso()
        return json_response(message)

    # --- channels ----------------------------------------------------------------------------
    def _channel_message(self, request: web.Request, body: Any) -> web.Response:
        channel = request[PARAMS]["channel"]
        if channel not in self.world.channel_ids():
            return _error(404, 10003, "Unknown Channel")
        problems = message_problems(body or {})
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        return json_response(self._message(channel, body or {}, webhook=False))

    def _get_message(self, request: web.Request, body: Any) -> web.Response:
        message = self.state.messages.get(request[PARAMS]["message"])
        return json_response(message) if message else _error(404, 10008, "Unknown Message")

    def _edit_message(self, request: web.Request, body: Any) -> web.Response:
        message = self.state.messages.get(request[PARAMS]["message"])
        if message is None:
            return _error(404, 10008, "Unknown Message")
        problems = message_problems(body or {})
        if problems:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        message.update({k: v for k, v in (body or {}).items() if k in ("content", "embeds", "components")})
        message["edited_timestamp"] = p.now_iso()
        return json_response(message)

    async def _thread(self, request: web.Request, body: Any) -> web.Response:
        parent = request[PARAMS]["channel"]
        if parent not in self.world.channel_ids():
            return _error(404, 10003, "Unknown Channel")
        name = (body or {}).get("name") or ""
        if not 1 <= len(name) <= 100:
            return _error(400, 50035, "Invalid Form Body: name must be 1-100 characters")
        thread = p.thread_channel(request[PARAMS].get("message") or p.snowflake(), self.world.guild_id,
                                  parent, name, self.world.bot_user["id"])
        self.state.channels[thread["id"]] = thread
        if self.sessions:
            await self.sessions[-1].dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return json_response(thread, status=201)

    def _get_channel(self, request: web.Request, body: Any) -> web.Response:
        channel = self.world.channel(request[PARAMS]["channel"]) or self.state.channels.get(request[PARAMS]["channel"])
        return json_response(channel) if channel else _error(404, 10003, "Unknown Channel")
