"""``/forget``: administrators remove a source and everything derived from it, after confirming."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._kb import KnowledgeBase
from bot._threads import run_blocking
from bot.exts.sources import SELECTOR_MAX, source_choices
from bot.render import fit
from bot.views.confirm import ConfirmView
from bot.views.pages import NO_MENTIONS

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)


class Forget(commands.Cog):
    """Remove sources (administrators only)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    @app_commands.command(name="forget", description="Remove a source and its quotes from the index (admins)")
    @app_commands.describe(source="The source (start typing its title or publisher), or its id or URL")
    @app_commands.default_permissions(administrator=True)
    @app_commands.guild_only()
    @guards.allowed_channel()
    @guards.is_admin()
    async def forget(self, interaction: discord.Interaction,
                     source: app_commands.Range[str, 1, SELECTOR_MAX]) -> None:
        """Ask for confirmation, then forget the source."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        found = await run_blocking(self.kb.resolve, source.strip())
        label = f"**{fit(found.title or found.id, 200)}** (`{found.id}`)"

        async def confirmed(button_interaction: discord.Interaction) -> str:
            removed = await run_blocking(self.kb.forget, found.id)
            log.info("User %s in guild %s forgot source %s", interaction.user.id, interaction.guild_id, removed.id)
            return f"Forgot {label}: its chunks and quotes are gone from the index."

        view = ConfirmView(interaction.user.id, confirmed, refusal=guards.admin_refusal)  # admin again on click
        message = await interaction.followup.send(
            f"Forget {label}? Its chunks and every quote found in it will be removed from the index.",
            view=view, ephemeral=True, allowed_mentions=NO_MENTIONS, wait=True,
            suppress_embeds=True)  # a title may be a URL: no link preview (the flag stays through edits)
        view.attach(message)

    @forget.autocomplete("source")
    async def source_autocomplete(self, interaction: discord.Interaction,
                                  current: str) -> list[app_commands.Choice[str]]:
        """Sources by title and publisher."""
        return await source_choices(self.kb, current)


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the bot's knowledge base."""
    await bot.add_cog(Forget(bot.kb))
