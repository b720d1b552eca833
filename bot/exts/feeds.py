"""``/feeds add|list|remove`` and the polling loop that keeps RSS/Atom feeds ingested.

Feeds are the knowledge base's (``knowledge.feeds``: registry in the local data folder, conditional
GET, back-off); this cog manages them from Discord and polls them on a schedule: a
``discord.ext.tasks`` loop every ``KB_FEED_POLL_MINUTES`` (30 by default), started in
:meth:`Feeds.cog_load` once the bot is ready, stopped in :meth:`Feeds.cog_unload`. Each poll runs
``kb.poll_feeds`` in a worker thread as a task of the bot's :class:`bot.background.BackgroundTasks`,
so shutting down waits for it (an ingest finishes or rolls back) before the store is closed; a poll
that raises is logged and the loop goes on. When a poll adds or changes sources it dispatches
``knowledge_ingested`` with the poll's combined :class:`~knowledge.records.IngestReport`, which the
watch cog turns into posts of new words.

The commands need what ``/ingest`` needs: Manage Server (``default_permissions``) or the
``DISCORD_INGEST_ROLE_ID`` role, checked when run (:func:`bot.guards.can_ingest`). Replies are
private to the administrator.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import guards
from bot._threads import run_blocking
from bot.background import ShuttingDownError
from bot.limits import FIELD_VALUE_MAX, cut, fit_messages
from bot.render import fit
from knowledge.errors import KnowledgeError
from knowledge.records import IngestReport

if TYPE_CHECKING:
    from bot.client import DisclosureBot
    from knowledge.feeds.polling import FeedPollResult
    from knowledge.feeds.registry import Feed

log = logging.getLogger(__name__)

#: Discord's limits on a string option and an autocomplete list.
OPTION_MAX = 100
URL_MAX = 2000
CHOICES_MAX = 25
COLOUR = discord.Colour.dark_teal()
Kind = Literal["notice", "statement", "filing", "article", "opinion"]


class FeedsKnowledgeBase(Protocol):
    """The part of :class:`knowledge.service.KnowledgeBase` this cog uses."""

    def add_feed(self, url: str, kind: str | None = None, organization: str | None = None) -> Feed: ...

    def feeds(self) -> list[Feed]: ...

    def remove_feed(self, selector: str) -> Feed: ...

    def poll_feeds(self, force: bool = False, progress: Any = None) -> FeedPollResult: ...

    def organizations(self) -> list[str]: ...


def _when(moment: dt.datetime | None) -> str:
    """A Discord timestamp (shown in the reader's time zone), or "never"."""
    return discord.utils.format_dt(moment, "R") if moment is not None else "never"


def _code(text: str, limit: int = 300) -> str:
    """``text`` as inline code (shown as typed, never a link or markdown); backticks dropped."""
    return f"`{cut(text.replace('`', ''), limit)}`"


def feed_line(feed: Feed) -> str:
    """What a feed is and how its polls go, escaped, within one field."""
    parts = [f"{_code(feed.id)} · {_code(feed.url)}", f"kind {feed.kind}"
             + (f" · organisation {fit(feed.organization, 100)}" if feed.organization else "")
             + f" · {feed.entries} entries",
             f"last polled {_when(feed.last_polled_at)} · last fine {_when(feed.last_ok_at)}"]
    if feed.failures:
        parts.append(f"{feed.failures} failed poll(s) in a row: {fit(feed.last_error or 'unknown error', 300)}")
        if feed.next_poll_after is not None:
            parts.append(f"next try {_when(feed.next_poll_after)}")
    return cut("\n".join(parts), FIELD_VALUE_MAX)


def feeds_embeds(feeds: list[Feed]) -> list[discord.Embed]:
    embed = discord.Embed(title=f"{len(feeds)} feed{'s' * (len(feeds) != 1)}", colour=COLOUR)
    for feed in feeds:
        embed.add_field(name=fit(feed.title or feed.url, 256), value=feed_line(feed), inline=False)
    return [embed]


def changed(report: IngestReport) -> bool:
    """True when a poll's report added or updated a source (or brought new words)."""
    return bool(report.added or report.updated or report.new_words)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)  # on the group: Discord ignores it on subcommands
class Feeds(commands.GroupCog, group_name="feeds", group_description="RSS and Atom feeds this bot keeps ingested"):
    """Feeds: added, listed and removed by administrators, polled on a schedule."""

    def __init__(self, bot: commands.Bot, kb: FeedsKnowledgeBase, poll_minutes: float = 30.0) -> None:
        super().__init__()
        self.bot = bot
        self.kb = kb
        self.poll_minutes = poll_minutes

    # polling -------------------------------------------------------------------------------------

    async def cog_load(self) -> None:
        """Start polling every ``poll_minutes`` (the first poll once the bot is ready)."""
        self.poll_loop.change_interval(minutes=self.poll_minutes)
        self.poll_loop.start()

    async def cog_unload(self) -> None:
        """Stop polling; a poll in progress is owned by the bot's background tasks, which shutdown
        waits for."""
        self.poll_loop.cancel()

    @tasks.loop(minutes=30)
    async def poll_loop(self) -> None:
        """One scheduled poll; whatever it raises is logged, and the loop goes on."""
        await self.poll_once()

    @poll_loop.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def poll_once(self, force: bool = False) -> FeedPollResult | None:
        """Poll the due feeds (all when ``force``) in a worker thread and dispatch
        ``knowledge_ingested`` when sources were added or changed. Never raises: a failure is logged
        and None returned."""
        background = getattr(self.bot, "background", None)
        try:
            if background is not None:  # owned by the bot: shutdown waits for the ingest to end
                task = background.spawn(run_blocking(self.kb.poll_feeds, force), name="feed poll")
                result = await asyncio.shield(task)
            else:
                result = await run_blocking(self.kb.poll_feeds, force)
        except asyncio.CancelledError:
            raise
        except ShuttingDownError:
            log.info("feed poll skipped: the bot is shutting down")
            return None
        except Exception:
            log.exception("feed poll failed; the next one is in %s minutes", self.poll_minutes)
            return None
        for outcome in result.failed:
            log.warning("feed %s: %s", outcome.feed.url, outcome.error or "; ".join(outcome.failed[:3]))
        if changed(result.report):
            log.info("feed poll: %d added, %d updated, %d new words", len(result.report.added),
                     len(result.report.updated), len(result.report.new_words))
            self.bot.dispatch("knowledge_ingested", result.report)
        return result

    # commands ------------------------------------------------------------------------------------

    async def _send(self, interaction: discord.Interaction, text: str) -> None:
        """One private line; its URLs (a feed with no title is titled by its URL) show no preview."""
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none(),
                                        suppress_embeds=True)

    @app_commands.command(name="add", description="Keep a feed's entries ingested (polled on a schedule)")
    @app_commands.describe(url="The feed's URL (RSS or Atom)", kind="The kind of its entries (default: article)",
                           organization="The organisation its entries are about")
    @guards.allowed_channel()
    @guards.can_ingest()
    async def feeds_add(self, interaction: discord.Interaction, url: app_commands.Range[str, 1, URL_MAX],
                        kind: Kind | None = None,
                        organization: app_commands.Range[str, 1, OPTION_MAX] | None = None) -> None:
        """Add a feed: it is fetched once to check it, then polled with the others."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        feed = await run_blocking(self.kb.add_feed, url.strip(), kind, (organization or "").strip() or None)
        log.info("feed %s added by user %s in guild %s", feed.id, interaction.user.id, interaction.guild_id)
        await self._send(interaction, f"Feed {_code(feed.id)} added: {fit(feed.title, 200)} ({_code(feed.url)}), "
                                      f"kind {feed.kind}. Its entries are being fetched now; then every "
                                      f"{self.poll_minutes:g} minutes.")
        background = getattr(self.bot, "background", None)
        if background is not None and not background.closing:
            background.spawn(self.poll_once(), name="feed poll after add")

    @app_commands.command(name="list", description="The feeds this bot polls, and how their polls go")
    @guards.allowed_channel()
    @guards.can_ingest()
    async def feeds_list(self, interaction: discord.Interaction) -> None:
        """List the feeds: id, URL, kind, organisation, entries, last polls and failures."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        feeds = await run_blocking(self.kb.feeds)
        if not feeds:
            await self._send(interaction, "No feeds yet; add one with /feeds add.")
            return
        for message in fit_messages(feeds_embeds(feeds)):
            await interaction.followup.send(content=message.content or discord.utils.MISSING,
                                            embeds=message.embeds, ephemeral=True,
                                            allowed_mentions=discord.AllowedMentions.none())

    @app_commands.command(name="remove", description="Stop polling a feed (its sources stay indexed)")
    @app_commands.describe(feed="The feed's id or URL")
    @guards.allowed_channel()
    @guards.can_ingest()
    async def feeds_remove(self, interaction: discord.Interaction,
                           feed: app_commands.Range[str, 1, URL_MAX]) -> None:
        """Remove a feed; what it brought stays indexed (``/forget`` removes a source)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await run_blocking(self.kb.remove_feed, feed)
        log.info("feed %s removed by user %s in guild %s", removed.id, interaction.user.id, interaction.guild_id)
        await self._send(interaction, f"Feed {_code(removed.id)} removed ({_code(removed.url)}); "
                                      "its sources stay indexed.")

    @feeds_remove.autocomplete("feed")
    async def feed_autocomplete(self, interaction: discord.Interaction,
                                current: str) -> list[app_commands.Choice[str]]:
        """Feeds whose title, URL or id contains what has been typed; the value is the feed's id."""
        try:
            feeds = await run_blocking(self.kb.feeds)
        except KnowledgeError:
            return []
        needle = current.strip().casefold()
        found = [f for f in feeds if needle in f"{f.title} {f.url} {f.id}".casefold()]
        return [app_commands.Choice(name=cut(f"{f.title} · {f.url}", OPTION_MAX), value=f.id)
                for f in found[:CHOICES_MAX]]

    @feeds_add.autocomplete("organization")
    async def organization_autocomplete(self, interaction: discord.Interaction,
                                        current: str) -> list[app_commands.Choice[str]]:
        """Indexed organisations whose name contains what has been typed."""
        try:
            names = await run_blocking(self.kb.organizations)
        except KnowledgeError:
            return []
        needle = current.strip().casefold()
        return [app_commands.Choice(name=n, value=n) for n in names
                if needle in n.casefold() and len(n) <= OPTION_MAX][:CHOICES_MAX]


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the knowledge base and ``KB_FEED_POLL_MINUTES``."""
    minutes = float(getattr(bot.settings.knowledge, "feed_poll_minutes", 30.0))
    await bot.add_cog(Feeds(bot, cast(FeedsKnowledgeBase, bot.kb), minutes))
