"""``FakeDiscord``: the world (application, bot user, one guild, its people) and the test's handle."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from aiohttp import web

from . import payloads as p
from .server import API_PREFIX, FakeServer, Request, _Interaction

Json = dict[str, Any]


class FakeDiscord:
    """A fake Discord on 127.0.0.1: start it, point the bot's ``DISCORD_API_BASE`` at :attr:`api_base`.

    The world: application :attr:`app_id` with bot user :attr:`bot_user` (token :attr:`token`), one
    guild :attr:`guild_id` with channels ``general`` (:attr:`channel_id`) and ``other``, roles
    ``@everyone`` (ordinary member permissions), ``Admin`` (ADMINISTRATOR) and ``Curator`` (no extra
    permissions, for allow-listed roles), and three people: :attr:`admin` (the owner, Admin role),
    :attr:`member` and :attr:`other_member` (ordinary members).

    Use as a context manager or call :meth:`start` and :meth:`stop`. All methods are thread-safe.
    """

    def __init__(self, *, token: str = "fake") -> None:
        self.token = token
        self.app_id = p.snowflake()
        self.guild_id = p.snowflake()
        self.channel_id, self.other_channel_id = p.snowflake(), p.snowflake()
        self.admin_role_id, self.curator_role_id = p.snowflake(), p.snowflake()
        self.bot_user = p.user(self.app_id, "Disclosure Bot", bot=True)
        self.admin = p.user(p.snowflake(), "ada_admin")
        self.member = p.user(p.snowflake(), "mo_member")
        self.other_member = p.user(p.snowflake(), "olu_other")
        self.application = p.application(self.app_id, self.bot_user, self.admin)
        self.roles = [
            p.role(self.guild_id, "@everyone", p.MEMBER_PERMISSIONS, 0),
            p.role(self.admin_role_id, "Admin", p.ADMINISTRATOR | p.MEMBER_PERMISSIONS, 2),
            p.role(self.curator_role_id, "Curator", p.MEMBER_PERMISSIONS, 1),
        ]
        self.channels = [p.text_channel(self.channel_id, self.guild_id, "general", 0),
                         p.text_channel(self.other_channel_id, self.guild_id, "other", 1)]
        self._roles_of = {self.admin["id"]: [self.admin_role_id], self.member["id"]: [],
                          self.other_member["id"]: []}
        self.server = FakeServer(self)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- the world, as the server asks for it -------------------------------------------------
    def channel(self, channel_id: str) -> Json | None:
        return next((c for c in self.channels if c["id"] == channel_id), None)

    def channel_ids(self) -> set[str]:
        return {c["id"] for c in self.channels} | set(self.server.state.channels)

    def on_identify(self, identify: Json) -> tuple[Json, list[Json]]:
        """READY (the guild unavailable, as Discord sends it) and the GUILD_CREATE that follows."""
        members = [p.member(self.bot_user, [])] + [p.member(u, self._roles_of[u["id"]])
                                                   for u in (self.admin, self.member, self.other_member)]
        ready = {
            "v": 10, "user": self.bot_user, "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": f"session-{p.snowflake()}", "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": 0}, "private_channels": [], "relationships": [],
            "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [], "shard": [0, 1],
        }
        guild = p.guild(self.guild_id, "Harborline Watchers", self.admin["id"], self.roles, self.channels, members)
        return ready, [guild]

    # --- lifecycle --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``DISCORD_API_BASE`` should be."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1 in a background thread; returns once listening."""
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._listen())
            except OSError as error:  # the port: reported to start()'s caller
                failure.append(error)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup() if self._runner else asyncio.sleep(0))
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-discord", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        return self

    async def _listen(self) -> None:
        self._runner = web.AppRunner(self.server.app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.server.base_url = self.base_url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, coro: Any, timeout: float = 10) -> Any:
        assert self._loop is not None, "start() the fake first"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # --- waiting and looking ------------------------------------------------------------------
    @property
    def requests(self) -> list[Request]:
        with self.server.changed:
            return list(self.server.requests)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked whenever a request arrives); return it.

        Raises:
            TimeoutError: with what was recorded, when it is not true within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self.server.changed:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{r.method} {r.path} {r.status}" for r in self.server.requests[-15:]]
                    raise TimeoutError(f"not seen within {timeout} s; last requests: {seen}")
                self.server.changed.wait(min(left, 0.2))

    def wait_for_request(self, test: Callable[[Request], bool], timeout: float = 30, since: int = 0) -> Request:
        """The first recorded request from index ``since`` on that passes ``test``."""
        return self.wait_for(lambda: next((r for r in self.server.requests[since:] if test(r)), None), timeout)

    def wait_until_ready(self, timeout: float = 60) -> None:
        """Wait until a client has identified and been sent READY and GUILD_CREATE."""
        self.wait_for(lambda: any(s.ready.is_set() for s in self.server.sessions), timeout)

    @property
    def session(self) -> Any:
        """The latest gateway session (``identify``, ``heartbeats``, ``close_code``, ``query``)."""
        return self.server.sessions[-1]

    def reconnect(self, timeout: float = 30) -> Any:
        """Send op 7 RECONNECT and wait until the client has resumed on a new websocket; return it."""
        before = len(self.server.sessions)
        self._call(self.server.sessions[-1].reconnect())
        return self.wait_for(lambda: len(self.server.sessions) > before and self.session.ready.is_set()
                             and self.session, timeout)

    def commands(self, guild_id: str | None = None) -> list[Json]:
        """The commands registered globally (``None``) or for a guild."""
        return list(self.server.state.commands.get(guild_id, []))

    def message(self, message_id: str) -> Json:
        return self.server.state.messages[message_id]

    def responses_to(self, interaction: Json) -> list[Request]:
        """Every request answering ``interaction``: its callback and its webhook (follow-up) calls."""
        token = interaction["token"]
        return [r for r in self.requests if f"/{token}/" in r.path + "/"]

    # --- sending interactions -----------------------------------------------------------------
    def register_interaction(self, payload: Json, *, message_id: str | None = None) -> Any:
        """Make ``payload`` known to the REST side (callbacks, webhooks) as if sent now, without
        dispatching it; :meth:`send_interaction` does this and dispatches."""
        entry = _Interaction(payload, time.perf_counter(), message_id=message_id)
        self.server.state.interactions[payload["id"]] = entry
        self.server.state.by_token[payload["token"]] = entry
        return entry

    def send_interaction(self, payload: Json, *, message_id: str | None = None) -> float:
        """Dispatch INTERACTION_CREATE to the connected bot; return ``time.perf_counter()`` at send."""
        async def send() -> float:
            entry = self.register_interaction(payload, message_id=message_id)
            entry.sent = await self.server.sessions[-1].dispatch("INTERACTION_CREATE", payload)
            return entry.sent
        return self._call(send())

    def _member(self, user: Json | None) -> Json:
        user = user or self.member
        roles = self._roles_of.get(user["id"], [])
        bits = 0
        for role in self.roles:
            if role["id"] == self.guild_id or role["id"] in roles:
                bits |= int(role["permissions"])
        if user["id"] == self.admin["id"] or bits & p.ADMINISTRATOR:
            bits = p.ALL_PERMISSIONS
        return p.member(user, roles, permissions=bits)

    def give_role(self, user: Json, role_id: str) -> None:
        self._roles_of.setdefault(user["id"], []).append(role_id)

    def new_member(self, name: str = "member", roles: list[str] | None = None) -> Json:
        """Another person in the guild (a fresh user id: no per-user cooldown applies yet)."""
        person = p.user(p.snowflake(), f"{name}_{len(self._roles_of)}")
        self._roles_of[person["id"]] = list(roles or [])
        return person

    def _command(self, name: str, kind: int) -> Json:
        for guild in (self.guild_id, None):
            for command in self.server.state.commands.get(guild, []):
                if command["name"] == name and command.get("type", 1) == kind:
                    return command
        raise KeyError(f"no command {name!r} of type {kind} was synced")

    def _interaction(self, kind: int, data: Json | None, user: Json | None, channel_id: str | None,
                     message: Json | None = None) -> Json:
        channel = self.channel(channel_id or self.channel_id) or self.server.state.channels[channel_id or ""]
        return p.interaction(kind=kind, app_id=self.app_id, guild_id=self.guild_id, channel=channel,
                             member_obj=self._member(user), data=data, message_obj=message)

    def slash(self, name: str, options: dict[str, Any] | None = None, *, user: Json | None = None,
              resolved: Json | None = None, channel_id: str | None = None, subcommand: str | None = None) -> Json:
        """A slash command interaction (type 2), of ``subcommand`` when given (a group's command);
        option types are read from the synced command."""
        command = self._command(name, 1)
        declared_in = command.get("options", [])
        if subcommand is not None:
            declared_in = next(o for o in declared_in if o["name"] == subcommand).get("options", [])
        declared = {o["name"]: o["type"] for o in declared_in}
        given = [{"name": k, "type": declared[k], "value": v} for k, v in (options or {}).items()]
        if subcommand is not None:
            given = [{"name": subcommand, "type": 1, "options": given}]
        data: Json = {"id": command["id"], "name": name, "type": 1, "guild_id": command.get("guild_id"),
                      "options": given}
        if resolved:
            data["resolved"] = resolved
        return self._interaction(2, data, user, channel_id)

    def autocomplete(self, name: str, options: dict[str, Any], focused: str, *, user: Json | None = None) -> Json:
        """An autocomplete interaction (type 4) with ``focused`` the option being typed."""
        payload = self.slash(name, options, user=user)
        payload["type"] = 4
        for option in payload["data"]["options"]:
            if option["name"] == focused:
                option["focused"] = True
                option["type"] = 3  # Discord sends what is typed as a string whatever the option's type
        return payload

    def message_command(self, name: str, target: Json, *, user: Json | None = None) -> Json:
        """A message context-menu interaction (type 2, command type 3) on ``target`` (a message)."""
        command = self._command(name, 3)
        data = {"id": command["id"], "name": name, "type": 3, "guild_id": command.get("guild_id"),
                "target_id": target["id"], "resolved": {"messages": {target["id"]: target}}}
        return self._interaction(2, data, user, target["channel_id"])

    def user_message(self, content: str, *, user: Json | None = None) -> Json:
        """A message a person posted in ``general`` (to target with a context menu)."""
        message = p.message(p.snowflake(), self.channel_id, user or self.member, {"content": content},
                            guild_id=self.guild_id)
        self.server.state.messages[message["id"]] = message
        return message

    def attachment(self, filename: str, data: bytes, content_type: str = "text/plain") -> Json:
        """An uploaded file: its attachment object (for ``resolved.attachments``), served by the fake CDN."""
        attachment_id = p.snowflake()
        self.server.state.files[attachment_id] = data
        url = f"{self.base_url}/attachments/{attachment_id}/{filename}"
        return {"id": attachment_id, "filename": filename, "size": len(data), "url": url, "proxy_url": url,
                "content_type": content_type, "ephemeral": True}

    def serve(self, name: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        """Put ``body`` on the fake's web at ``/web/<name>``; returns its URL (a 127.0.0.1 address)."""
        self.server.state.pages[name] = (body, content_type)
        return f"{self.base_url}/web/{name}"

    def slash_with_file(self, name: str, option: str, attachment: Json, options: dict[str, Any] | None = None,
                        *, user: Json | None = None) -> Json:
        """A slash command whose ``option`` is ``attachment`` (type 11, resolved as Discord does)."""
        return self.slash(name, {**(options or {}), option: attachment["id"]}, user=user,
                          resolved={"attachments": {attachment["id"]: attachment}})

    def click(self, message: Json, custom_id: str, *, user: Json | None = None, values: list[str] | None = None,
              component_type: int = 2) -> Json:
        """A component interaction (type 3) on ``message`` as the fake stores it now. Send it with
        ``send_interaction(payload, message_id=message["id"])`` so an update edits that message."""
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return self._interaction(3, data, user, message["channel_id"], message=message)

    def modal_submit(self, modal: Json, values: dict[str, str], *, user: Json | None = None,
                     message: Json | None = None) -> Json:
        """A modal submit (type 5) answering ``modal`` (callback type 9's data as the bot sent it):
        each text input gets the value keyed by its ``custom_id`` or its label (text input ``label``
        or the wrapping Label component's ``label``), empty when absent, in the modal's layout."""
        def value(component: Json, label: str) -> str:
            for key in (component.get("custom_id"), component.get("label"), label):
                if key and key in values:
                    return values[key]
            return ""

        def fill(component: Json, label: str = "") -> Json:
            if component["type"] == 1:
                return {"type": 1, "components": [fill(c) for c in component["components"]]}
            if component["type"] == 18:
                return {"type": 18, "id": component.get("id", 0),
                        "component": fill(component["component"], component.get("label", ""))}
            return {"type": component["type"], "id": component.get("id", 0),
                    "custom_id": component.get("custom_id"), "value": value(component, label)}
        data = {"custom_id": modal["custom_id"], "components": [fill(c) for c in modal["components"]]}
        return self._interaction(5, data, user, (message or {}).get("channel_id"), message=message)
