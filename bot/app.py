"""Composition root of the Discord front end: open the knowledge base once, build the bot, run it."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot._kb import KnowledgeBase
from bot.client import DisclosureBot
from knowledge.errors import KnowledgeError
from knowledge.settings import DEFAULT_DISCORD_API_BASE, KnowledgeSettings, Settings

log = logging.getLogger(__name__)

NO_TOKEN_MESSAGE = "DISCORD_TOKEN is not set; put it in .env (see .env.example)"

OpenKnowledgeBase = Callable[[KnowledgeSettings], AbstractContextManager[KnowledgeBase]]


def serve(settings: Settings, *, open_kb: OpenKnowledgeBase | None = None) -> int:
    """Run the bot until it is stopped; return the process exit status.

    Args:
        settings: loaded once by the entry point.
        open_kb: opens the knowledge base as a context manager that closes it on exit;
            defaults to :func:`knowledge.service.open_knowledge_base`.

    Returns:
        0 after a clean shutdown, 1 when the knowledge base cannot be opened or Discord
        rejects the token, 2 when no token is configured.
    """
    token = settings.discord.token
    if token is None or not token.get_secret_value().strip():
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return 2
    if open_kb is None:
        # Imported here so that a missing token is reported without loading the model stack.
        from knowledge.service import open_knowledge_base

        open_kb = open_knowledge_base
    try:
        with open_kb(settings.knowledge) as kb:
            bot = DisclosureBot(kb, settings)
            asyncio.run(run_until_stopped(bot, token.get_secret_value(), settings.discord.api_base))
    except KnowledgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print("Discord rejected DISCORD_TOKEN; check the bot token in .env", file=sys.stderr)
        return 1
    return 0


#: discord.py's own gateway URL; another value set before start-up (a test harness) is kept.
DISCORD_GATEWAY = yarl.URL("wss://gateway.discord.gg/")


async def _gateway_from(bot: DisclosureBot) -> None:
    """Dial the gateway that the REST API in use names (``GET /gateway/bot``); keep the default when
    that API does not say."""
    try:
        _, url, _ = await bot.http.get_bot_gateway()
    except discord.HTTPException:
        log.warning("%s did not name a gateway; connecting to %s", discord.http.Route.BASE,
                    DiscordWebSocket.DEFAULT_GATEWAY)
        return
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


async def run_until_stopped(bot: DisclosureBot, token: str, api_base: str = DEFAULT_DISCORD_API_BASE) -> None:
    """Log in, connect, and return once SIGINT or SIGTERM has closed the bot (or the gateway closed).

    Args:
        bot: the client to run; it is closed on the way out whatever happens.
        token: the bot token.
        api_base: Discord's REST base URL (``DISCORD_API_BASE``); at its default, a
            ``discord.http.Route.BASE`` set in code before start-up is kept. When the base in use
            is not Discord's, the gateway URL comes from that API's ``GET /gateway/bot`` (discord.py
            2.7's ``Client.connect`` otherwise always dials ``wss://gateway.discord.gg``), unless
            ``DiscordWebSocket.DEFAULT_GATEWAY`` was set in code too.

    Raises:
        discord.LoginFailure: the token is rejected.
    """
    # a base set in code before start-up (a test harness, a proxy wrapper) is kept unless the
    # setting names another one
    if api_base != DEFAULT_DISCORD_API_BASE:
        discord.http.Route.BASE = api_base
    api_base = discord.http.Route.BASE
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []  # keeps the close task referenced until it is done

    def stop(signum: int) -> None:
        log.info("Received %s; closing the connection to Discord", signal.Signals(signum).name)
        closing.append(loop.create_task(bot.close()))

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    try:
        async with bot:
            await bot.login(token)
            if api_base != DEFAULT_DISCORD_API_BASE and DiscordWebSocket.DEFAULT_GATEWAY == DISCORD_GATEWAY:
                await _gateway_from(bot)
            await bot.connect()
    except (discord.DiscordException, OSError, RuntimeError):
        if not closing:
            raise
        log.debug("Start-up interrupted by a signal", exc_info=True)  # the close cut login short
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
