"""``/about``: what the index holds and how it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._kb import KnowledgeBase
from bot._threads import run_blocking
from bot.render_catalog import about_embed
from bot.views.pages import NO_MENTIONS

if TYPE_CHECKING:
    from bot.client import DisclosureBot


class About(commands.Cog):
    """The index's status."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    @app_commands.command(name="about", description="Sources, statements and organisations indexed; model and version")
    @guards.allowed_channel()
    async def about(self, interaction: discord.Interaction) -> None:
        """Show the index's counts, embedding model, store mode and version."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        info = await run_blocking(self.kb.about)
        await interaction.followup.send(embed=about_embed(info), ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the bot's knowledge base."""
    await bot.add_cog(About(bot.kb))
