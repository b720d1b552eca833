"""The bot: its command tree (one error handler for every command) and start-up (extensions, sync)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot._kb import KnowledgeBase
from bot.background import BackgroundTasks
from bot.exts import EXTENSIONS
from bot.guards import Cooldown, Refusal
from bot.render import error_line
from bot.thread_memory import ThreadMemory
from bot.views.pages import send_private_line
from knowledge.errors import KnowledgeError
from knowledge.settings import Settings

log = logging.getLogger(__name__)

GENERIC_ERROR = "Something went wrong while answering; it has been logged. Please try again later."


class DisclosureTree(app_commands.CommandTree["DisclosureBot"]):
    """Command tree whose error handler answers every failure with one ephemeral line."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        """Show a :class:`KnowledgeError` as its own message; log anything else and say so briefly.

        Replies through the follow-up webhook when the interaction was already answered or
        deferred, so it never responds twice. After a public ``defer`` Discord keeps the first
        follow-up public whatever its ``ephemeral`` flag says, so commands run their cheap
        checks before deferring.
        """
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        command = interaction.command.qualified_name if interaction.command else None
        if isinstance(original, Refusal):
            log.info("Command %s refused for user %s in guild %s: %s", command, interaction.user.id,
                     interaction.guild_id, original)
            text = " ".join(str(original).split())  # our own words: channel mentions stay clickable
        elif isinstance(original, KnowledgeError):
            log.info(
                "Command %s for user %s in guild %s: %s",
                command,
                interaction.user.id,
                interaction.guild_id,
                original,
            )
            text = error_line(str(original))
        else:
            log.error(
                "Unhandled error in command %s for user %s in guild %s",
                command,
                interaction.user.id,
                interaction.guild_id,
                exc_info=original,
            )
            text = GENERIC_ERROR
        await send_private_line(interaction, text)


class DisclosureBot(commands.Bot):
    """The Discord client. It owns nothing it did not build: the knowledge base is passed in.

    Args:
        kb: the open knowledge base that commands query.
        settings: all settings; the bot reads ``settings.discord`` (where to sync, cooldown, channels,
            thread mode).
        sync_on_start: sync to ``DISCORD_GUILD_ID`` in :meth:`setup_hook` (``disclosure-bot sync``
            passes False and syncs itself).

    Attributes:
        cooldown: the per-user cooldown shared by every command that does work.
        threads: thread mode's memory of each answer thread's organisation.
        background: the owner of background tasks (ingests), awaited by :meth:`close`.
    """

    def __init__(self, kb: KnowledgeBase, settings: Settings, *, sync_on_start: bool = True) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # slash commands need no message content, members or presences
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=DisclosureTree,
            max_messages=None,
        )
        self.kb = kb
        self.settings = settings
        self.sync_on_start = sync_on_start
        self.cooldown = Cooldown(settings.discord.cooldown_seconds)
        self.threads = ThreadMemory()
        self.background = BackgroundTasks()

    async def setup_hook(self) -> None:
        """Load every extension, then sync to ``DISCORD_GUILD_ID`` when it is set.

        discord.py calls this once, from :meth:`login`; a reconnect or resume goes through
        ``connect``'s loop and never calls it again, so a reconnect never syncs.
        """
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_on_start:
            await self.sync_guild()

    async def sync_guild(self) -> None:
        """Sync to ``DISCORD_GUILD_ID`` when set (instant there). Global sync is never automatic:
        ``disclosure-bot sync`` does it (:meth:`sync_global`)."""
        guild_id = self.settings.discord.guild_id
        if guild_id is None:
            log.warning("Commands were not synced: set DISCORD_GUILD_ID for a development guild, or run "
                        "'disclosure-bot sync' to publish them everywhere")
            return
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("Synced %d command(s) to guild %s", len(synced), guild_id)

    async def sync_global(self) -> int:
        """Publish the commands in every server (Discord may take up to an hour to show them);
        returns how many were synced."""
        synced = await self.tree.sync()
        log.info("Synced %d command(s) globally", len(synced))
        return len(synced)

    async def close(self) -> None:
        """Wait for background tasks (the current ingest finishes or rolls back), then disconnect."""
        await self.background.close()
        await super().close()

    async def on_ready(self) -> None:
        user_id = self.user.id if self.user else None
        log.info("Logged in as %s (id %s) in %d guild(s)", self.user, user_id, len(self.guilds))
