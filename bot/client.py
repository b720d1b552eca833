"""The bot: its command tree (one error handler for every command) and start-up (extensions, sync)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot._kb import KnowledgeBase
from bot.exts import EXTENSIONS
from bot.render import error_line
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
        if isinstance(original, KnowledgeError):
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
        await _reply_ephemeral(interaction, text)


async def _reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    allowed = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=allowed)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=allowed)
    except discord.HTTPException:
        log.warning("Could not send the error message for interaction %s", interaction.id, exc_info=True)


class DisclosureBot(commands.Bot):
    """The Discord client. It owns nothing it did not build: the knowledge base is passed in.

    Args:
        kb: the open knowledge base that commands query.
        settings: all settings; the bot reads ``settings.discord`` to decide where to sync.
    """

    def __init__(self, kb: KnowledgeBase, settings: Settings) -> None:
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

    async def setup_hook(self) -> None:
        """Load every extension, then sync the slash commands where the settings ask for it."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync to ``DISCORD_GUILD_ID`` when set (instant); globally only when ``DISCORD_SYNC_GLOBAL``."""
        guild_id = self.settings.discord.guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d command(s) to guild %s", len(synced), guild_id)
        if self.settings.discord.sync_global:
            synced = await self.tree.sync()
            log.info("Synced %d command(s) globally; Discord may take a while to show them", len(synced))
        if guild_id is None and not self.settings.discord.sync_global:
            log.warning(
                "Commands were not synced: set DISCORD_GUILD_ID for a development guild "
                "or DISCORD_SYNC_GLOBAL=true to publish them everywhere"
            )

    async def on_ready(self) -> None:
        user_id = self.user.id if self.user else None
        log.info("Logged in as %s (id %s) in %d guild(s)", self.user, user_id, len(self.guilds))
