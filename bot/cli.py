"""The ``disclosure-bot`` console script: the knowledge base's commands plus ``serve``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from knowledge import cli
from knowledge.settings import Settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import serve  # discord.py is imported only when the bot is started

    if args.sync_global:
        settings.discord.sync_global = True
    return serve(settings)


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sync-global", action="store_true",
                        help="also sync slash commands globally (slow to propagate; default: only "
                             "to DISCORD_GUILD_ID)")


SERVE: cli.Command = ("serve", "run the Discord bot (needs DISCORD_TOKEN)", _serve_arguments, _serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    return cli.main(argv, extra=[SERVE])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
