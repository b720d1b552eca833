"""``serve`` and ``python -m bot``: a clear message without a token; the knowledge base always closed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator

import discord
import pytest
import yarl
from bot_fakes import FakeKnowledgeBase, make_settings

from bot import __main__ as entry
from bot import app
from bot.app import NO_TOKEN_MESSAGE, serve
from bot.client import DisclosureBot
from knowledge.errors import StoreLockedError
from knowledge.settings import KnowledgeSettings


class Opener:
    """Stands in for ``open_knowledge_base``: records that it opened and closed the knowledge base."""

    def __init__(self, error: Exception | None = None) -> None:
        self.kb = FakeKnowledgeBase()
        self.error = error
        self.opened: list[KnowledgeSettings] = []
        self.closed = False

    @contextlib.contextmanager
    def __call__(self, settings: KnowledgeSettings) -> Iterator[FakeKnowledgeBase]:
        if self.error is not None:
            raise self.error
        self.opened.append(settings)
        try:
            yield self.kb
        finally:
            self.closed = True


@pytest.mark.parametrize("token", [None, "", "   "])
def test_without_a_token_prints_how_to_set_it_and_returns_2(
    token: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    opener = Opener()

    status = serve(make_settings(token=token), open_kb=opener)

    assert status == 2
    assert capsys.readouterr().err.strip() == NO_TOKEN_MESSAGE
    assert NO_TOKEN_MESSAGE == "DISCORD_TOKEN is not set; put it in .env (see .env.example)"
    assert opener.opened == []


def test_runs_the_bot_with_the_knowledge_base_and_closes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[tuple[DisclosureBot, str, str]] = []

    async def run(bot: DisclosureBot, token: str, api_base: str) -> None:
        runs.append((bot, token, api_base))

    monkeypatch.setattr(app, "run_until_stopped", run)
    opener = Opener()
    settings = make_settings(token="fake-token")

    status = serve(settings, open_kb=opener)

    assert status == 0
    assert opener.opened == [settings.knowledge] and opener.closed
    ((bot, token, api_base),) = runs
    assert bot.kb is opener.kb and token == "fake-token"
    assert api_base == "https://discord.com/api/v10"


def test_a_rejected_token_is_reported_and_the_knowledge_base_closed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def reject(self: DisclosureBot, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(DisclosureBot, "login", reject)
    opener = Opener()

    assert serve(make_settings(token="bad"), open_kb=opener) == 1
    assert opener.closed
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err and "bad" not in err


def test_a_knowledge_base_that_cannot_open_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    opener = Opener(StoreLockedError("Another process is using data/; stop it first."))

    assert serve(make_settings(token="t"), open_kb=opener) == 1
    assert capsys.readouterr().err.strip() == "error: Another process is using data/; stop it first."


def test_python_m_bot_without_a_token_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DISCORD_TOKEN", "")

    assert entry.main() == 2
    assert NO_TOKEN_MESSAGE in capsys.readouterr().err


class _Gateway:
    """``bot.http.get_bot_gateway`` of a fake API that serves its own gateway."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> tuple[int, str, dict[str, int]]:
        self.calls += 1
        return 1, "ws://127.0.0.1:9/gateway", {}


@pytest.mark.parametrize(
    ("api_base", "gateway_asked"),
    [("http://127.0.0.1:9/api/v10", True), ("https://discord.com/api/v10", False)],
)
def test_another_api_base_is_used_for_rest_and_its_gateway_url_for_the_websocket(
    monkeypatch: pytest.MonkeyPatch, api_base: str, gateway_asked: bool
) -> None:
    import discord.http
    from discord.gateway import DiscordWebSocket

    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    gateway = _Gateway()
    seen: list[str] = []

    async def login(self: DisclosureBot, token: str) -> None:
        monkeypatch.setattr(self.http, "get_bot_gateway", gateway)

    async def connect(self: DisclosureBot) -> None:
        seen.append(str(DiscordWebSocket.DEFAULT_GATEWAY))

    monkeypatch.setattr(DisclosureBot, "login", login)
    monkeypatch.setattr(DisclosureBot, "connect", connect)
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings(token="t"))

    asyncio.run(app.run_until_stopped(bot, "t", api_base))

    assert discord.http.Route.BASE == api_base
    assert gateway.calls == (1 if gateway_asked else 0)
    assert seen == ["ws://127.0.0.1:9/gateway" if gateway_asked else "wss://gateway.discord.gg/"]
    assert bot.is_closed()


@pytest.mark.parametrize("gateway_set_in_code", [False, True])
def test_a_base_and_gateway_set_in_code_before_start_are_kept(monkeypatch: pytest.MonkeyPatch,
                                                             gateway_set_in_code: bool) -> None:
    """A harness (or a proxy wrapper) that points ``Route.BASE`` and perhaps the gateway at itself
    before calling ``serve`` keeps them when ``DISCORD_API_BASE`` is left at Discord's."""
    import discord.http
    from discord.gateway import DiscordWebSocket

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    wanted = "ws://127.0.0.1:7/set-in-code" if gateway_set_in_code else "ws://127.0.0.1:9/gateway"
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY",
                        yarl.URL(wanted) if gateway_set_in_code else DiscordWebSocket.DEFAULT_GATEWAY)
    gateway = _Gateway()
    seen: list[str] = []

    async def login(self: DisclosureBot, token: str) -> None:
        monkeypatch.setattr(self.http, "get_bot_gateway", gateway)

    async def connect(self: DisclosureBot) -> None:
        seen.append(str(DiscordWebSocket.DEFAULT_GATEWAY))

    monkeypatch.setattr(DisclosureBot, "login", login)
    monkeypatch.setattr(DisclosureBot, "connect", connect)
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings(token="t"))

    asyncio.run(app.run_until_stopped(bot, "t"))  # DISCORD_API_BASE left at its default

    assert discord.http.Route.BASE == "http://127.0.0.1:9/api/v10"
    assert seen == [wanted] and gateway.calls == (0 if gateway_set_in_code else 1)


def test_sigterm_closes_the_bot_and_returns(monkeypatch: pytest.MonkeyPatch) -> None:
    async def login(self: DisclosureBot, token: str) -> None:
        return None

    async def connect(self: DisclosureBot) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        while not self.is_closed():  # as discord.py's connect loop does
            await asyncio.sleep(0.01)

    monkeypatch.setattr(DisclosureBot, "login", login)
    monkeypatch.setattr(DisclosureBot, "connect", connect)
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings(token="t"))

    asyncio.run(asyncio.wait_for(app.run_until_stopped(bot, "t"), timeout=10))

    assert bot.is_closed()
