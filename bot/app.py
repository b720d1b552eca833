"""Composition root of the Discord front end: open the knowledge base once, build the bot, run it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager

import discord

from bot._kb import KnowledgeBase
from bot.client import DisclosureBot
from knowledge.errors import KnowledgeError
from knowledge.settings import KnowledgeSettings, Settings

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
            bot.run(token.get_secret_value(), log_handler=None)
    except KnowledgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print("Discord rejected DISCORD_TOKEN; check the bot token in .env", file=sys.stderr)
        return 1
    return 0
