"""Extensions (one cog per feature) that :class:`bot.client.DisclosureBot` loads at start."""

from __future__ import annotations

#: Dotted names passed to ``Bot.load_extension``; each module defines ``async def setup(bot)``.
EXTENSIONS: tuple[str, ...] = (
    "bot.exts.ask",
    "bot.exts.said",
    "bot.exts.sources",
    "bot.exts.about",
    "bot.exts.forget",
    "bot.exts.ingest",
    "bot.exts.reports",
    "bot.exts.watch",
    "bot.exts.feeds",
)
