"""The ``disclosure-bot`` console script: the knowledge base's commands plus ``serve`` and ``sync``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from knowledge import cli
from knowledge.settings import Settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import serve  # discord.py is imported only when the bot is started

    return serve(settings)


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    """``serve`` takes no options: commands sync to ``DISCORD_GUILD_ID`` at start (see ``sync``)."""


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Log in over REST only (no gateway), register the commands, sync them globally or to
    ``guild_id``, and log out. Returns how many commands were synced.

    The knowledge base is not opened (a running ``serve`` holds it): the cogs are built around the
    ``KnowledgeBase`` class, which answers what they ask at set-up (which abilities it has).
    """
    import discord

    from bot.client import DisclosureBot
    from knowledge.service import KnowledgeBase

    assert settings.discord.token is not None
    discord.http.Route.BASE = settings.discord.api_base
    bot = DisclosureBot(KnowledgeBase, settings, sync_on_start=False)  # type: ignore[arg-type]
    async with bot:
        await bot.login(settings.discord.token.get_secret_value())
        if guild_id is None:
            return await bot.sync_global()
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        return len(await bot.tree.sync(guild=guild))


def _sync(settings: Settings, args: argparse.Namespace) -> int:
    import discord

    token = settings.discord.token
    if token is None or not token.get_secret_value().strip():
        print("DISCORD_TOKEN is not set; put it in .env (see .env.example)", file=sys.stderr)
        return 2
    guild_id = args.guild if args.guild is not None else None
    try:
        count = asyncio.run(sync_commands(settings, guild_id))
    except discord.LoginFailure:
        print("Discord rejected DISCORD_TOKEN; check the bot token in .env", file=sys.stderr)
        return 1
    except discord.HTTPException as error:
        print(f"error: Discord refused the commands: {error}", file=sys.stderr)
        return 1
    where = f"to guild {guild_id}" if guild_id is not None else "globally (Discord may take up to an hour to show them)"
    print(f"synced {count} command(s) {where}")
    return 0


def _sync_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--guild", type=int, default=None, metavar="ID",
                        help="sync to this server only (instant) instead of globally")


SERVE: cli.Command = ("serve", "run the Discord bot (needs DISCORD_TOKEN)", _serve_arguments, _serve)
SYNC: cli.Command = ("sync", "publish the slash commands globally, or to one server with --guild",
                     _sync_arguments, _sync)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    return cli.main(argv, extra=[SERVE, SYNC])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
