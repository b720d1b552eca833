"""``/ingest``: add a source from an attached file (any format the loaders read) or, when the
knowledge base fetches URLs, from a ``url``. Manage Server or the ``DISCORD_INGEST_ROLE_ID`` role.

The cheap checks (permission, cooldown, one of file or URL, file type and size, date) answer at
once with one ephemeral line; then the command defers and the ingest runs as a background task
owned by :class:`bot.background.BackgroundTasks`: it edits the deferred message with its progress
and ends with a summary (added, updated, unchanged, failed with the reason). Discord lets the bot
edit that message for 15 minutes; when less than :data:`TOKEN_MARGIN_S` is left, the summary goes to
the channel as a new message instead. After every ingest the bot dispatches
``knowledge_ingested`` with the :class:`knowledge.records.IngestReport` (an empty report when it failed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._kb import KnowledgeBase, UploadingKnowledgeBase, UrlKnowledgeBase
from bot._threads import run_blocking
from bot.render_catalog import ingest_embed
from bot.views.pages import NO_MENTIONS
from knowledge.errors import KnowledgeError, SourceError
from knowledge.loaders import BYTES_LOADERS
from knowledge.records import IngestReport, SourceMeta

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)

Kind = Literal["notice", "statement", "filing", "article", "opinion"]
#: Largest attachment read (bytes).
FILE_MAX = 25 * 1024 * 1024
URL_MAX = 2000
ORGANIZATION_MAX = 200
#: Seconds between two progress edits.
PROGRESS_EVERY_S = 5.0
#: When fewer seconds than this remain of the interaction token's 15 minutes, report in the channel.
TOKEN_MARGIN_S = 60.0
EVENT = "knowledge_ingested"
Failures = list[tuple[str, str]]


def parse_date(raw: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` as a date; None when blank.

    Raises:
        ValueError: not an ISO date.
    """
    if raw is None or not raw.strip():
        return None
    return dt.date.fromisoformat(raw.strip())


def _normalise(result: object) -> tuple[IngestReport, Failures]:
    """``ingest_urls``'s result (a report, or ``(report, errors)``) as a report and failures."""
    if isinstance(result, tuple):
        report, errors = result
        failures = [(getattr(e, "path", "?"), getattr(e, "reason", str(e))) for e in errors]
        return report, failures
    assert isinstance(result, IngestReport)
    return result, [(name, "could not be fetched or read") for name in result.failed]


class Ingest(commands.Cog):
    """Add sources from Discord (Manage Server, or the ingest role).

    Args:
        kb: the knowledge base (with ``ingest_upload``).
        bot: the bot: owner of the background tasks, ``knowledge_ingested`` events, channel messages.
        clock: wall-clock seconds for the token deadline (tests pass their own).
    """

    def __init__(self, kb: KnowledgeBase, bot: DisclosureBot, clock: Callable[[], float] = time.time) -> None:
        self.kb = kb
        self.bot = bot
        self.clock = clock

    @app_commands.command(name="ingest", description="Add a source to the index from a file (Manage Server)")
    @app_commands.describe(
        file="The document: .txt, .md, .html, .pdf, .eml …",
        kind="What it is: the organisation's notice, statement or filing, or an article or opinion",
        organization="The organisation it is about (or whose words it is)",
        date="Publication date, YYYY-MM-DD",
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @guards.cooldown()
    @guards.can_ingest()
    async def ingest(self, interaction: discord.Interaction, file: discord.Attachment, kind: Kind | None = None,
                     organization: app_commands.Range[str, 1, ORGANIZATION_MAX] | None = None,
                     date: app_commands.Range[str, 1, 10] | None = None) -> None:
        """Index an attached file."""
        await self.start(interaction, file, None, kind, organization, date)

    async def start(self, interaction: discord.Interaction, file: discord.Attachment | None, url: str | None,
                    kind: str | None, organization: str | None, date: str | None) -> None:
        """Check what is cheap, defer, and start the ingest in the background."""
        url = (url or "").strip() or None
        refusal = self._refusal(file, url, date)
        if refusal is None and self.bot.background.closing:
            refusal = "The bot is shutting down; try again in a minute."
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        organization = (organization or "").strip() or None
        override = SourceMeta(kind=kind, date=parse_date(date),  # type: ignore[arg-type]
                              organizations=[organization] if organization else [])
        await interaction.response.defer(thinking=True)
        what = file.filename if file is not None else str(url)
        log.info("/ingest by user %s in guild %s: %s", interaction.user.id, interaction.guild_id, what)
        self.bot.background.spawn(self.run(interaction, what, file, url, override), name=f"ingest {what}")

    def _refusal(self, file: discord.Attachment | None, url: str | None, date: str | None) -> str | None:
        if (file is None) == (url is None):
            return "Attach one file or give one URL." if isinstance(self.kb, UrlKnowledgeBase) else "Attach a file."
        if file is not None:
            suffix = PurePosixPath(file.filename).suffix.lower()
            if suffix not in BYTES_LOADERS:
                return f"Files of type {suffix or '(none)'} cannot be read; use one of {', '.join(sorted(BYTES_LOADERS))}."
            if file.size > FILE_MAX:
                return f"The file is {file.size / 2**20:.1f} MB; the limit is {FILE_MAX // 2**20} MB."
            if not isinstance(self.kb, UploadingKnowledgeBase):
                return "This index cannot take uploads."
        if url is not None and (not url.lower().startswith(("https://", "http://")) or len(url) > URL_MAX):
            return "Give a web address starting with https:// or http://."
        try:
            parse_date(date)
        except ValueError:
            return "The date must be written YYYY-MM-DD, for example 2025-03-04."
        return None

    async def run(self, interaction: discord.Interaction, what: str, file: discord.Attachment | None,
                  url: str | None, override: SourceMeta) -> None:
        """The background part: read, index with progress, summarise, dispatch ``knowledge_ingested``."""
        started = time.monotonic()
        report: IngestReport | None = None
        failures: Failures = []
        try:
            if file is not None:
                await self.show(interaction, ingest_embed(what, None, [], status="Downloading…"))
                data = await file.read()
                work: Callable[[], Any] = functools.partial(self.kb.ingest_upload,  # type: ignore[attr-defined]
                                                            file.filename, data, override)
            else:
                work = functools.partial(self.kb.ingest_urls, [url], override)  # type: ignore[attr-defined]
            await self.show(interaction, ingest_embed(what, None, [], status="Reading and indexing…"))
            future = asyncio.ensure_future(run_blocking(work))
            while not future.done():
                await asyncio.wait({future}, timeout=PROGRESS_EVERY_S)
                if not future.done():
                    status = f"Reading and indexing… {time.monotonic() - started:.0f} s"
                    await self.show(interaction, ingest_embed(what, None, [], status=status))
            result = future.result()
            report, failures = (result, []) if file is not None else _normalise(result)
        except SourceError as error:
            failures = [(what, error.reason)]
        except KnowledgeError as error:
            failures = [(what, str(error))]
        except discord.HTTPException as error:
            failures = [(what, f"the attachment could not be downloaded ({error.status})")]
        except Exception:
            log.exception("Ingest of %s failed", what)
            failures = [(what, "an unexpected error; it has been logged")]
        elapsed = time.monotonic() - started
        done = report is not None and bool(report.added or report.updated or report.unchanged)
        status = ("Done" if done and not failures else "Done, with failures" if done else "Failed"
                  ) + f" in {elapsed:.1f} s."
        await self.show(interaction, ingest_embed(what, report, failures, status=status), final=True)
        self.bot.dispatch(EVENT, report or IngestReport(failed=[name for name, _ in failures]))

    def _token_left(self, interaction: discord.Interaction) -> float:
        return interaction.expires_at.timestamp() - self.clock()

    async def show(self, interaction: discord.Interaction, embed: discord.Embed, *, final: bool = False) -> None:
        """Edit the deferred message while its token is valid; after that, send the final summary to
        the channel as a new message (progress is then dropped). A failed edit or send is logged."""
        try:
            if self._token_left(interaction) > TOKEN_MARGIN_S:
                await interaction.edit_original_response(embed=embed, allowed_mentions=NO_MENTIONS)
            elif final and interaction.channel_id is not None:
                channel = self.bot.get_partial_messageable(interaction.channel_id, guild_id=interaction.guild_id)
                await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("Could not show ingest progress in channel %s", interaction.channel_id, exc_info=True)


class IngestWithUrls(Ingest, name="Ingest"):
    """:class:`Ingest` with a ``url`` option, for a knowledge base that fetches URLs."""

    @app_commands.command(name="ingest", description="Add a source to the index from a file or a URL (Manage Server)")
    @app_commands.describe(
        file="The document: .txt, .md, .html, .pdf, .eml …",
        url="A web page to fetch and index instead of a file",
        kind="What it is: the organisation's notice, statement or filing, or an article or opinion",
        organization="The organisation it is about (or whose words it is)",
        date="Publication date, YYYY-MM-DD",
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @guards.cooldown()
    @guards.can_ingest()
    async def ingest(self, interaction: discord.Interaction,  # type: ignore[override]
                     file: discord.Attachment | None = None,
                     url: app_commands.Range[str, 1, URL_MAX] | None = None, kind: Kind | None = None,
                     organization: app_commands.Range[str, 1, ORGANIZATION_MAX] | None = None,
                     date: app_commands.Range[str, 1, 10] | None = None) -> None:
        """Index an attached file or a web page."""
        await self.start(interaction, file, url, kind, organization, date)


async def setup(bot: DisclosureBot) -> None:
    """Load the cog; the ``url`` option exists only when the knowledge base has ``ingest_urls``."""
    cog = IngestWithUrls(bot.kb, bot) if isinstance(bot.kb, UrlKnowledgeBase) else Ingest(bot.kb, bot)
    await bot.add_cog(cog)
