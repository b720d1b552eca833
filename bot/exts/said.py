"""``/said``: everything an organisation said, in the order it was said."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._kb import KnowledgeBase
from bot._threads import run_blocking
from bot.exts._organizations import CHOICE_MAX, clean, expand, organization_choices
from bot.reply import send_answer

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)


def said_question(organization: str) -> str:
    """The question ``/said`` asks: the knowledge base answers "What did X say?" with the
    organisation's own documents first, then its statements in the order they were made
    (``knowledge.answering.GENERAL_QUESTION``)."""
    return f"What did {organization} say?"


class Said(commands.Cog):
    """What an organisation said, statement by statement, in order."""

    def __init__(self, kb: KnowledgeBase, bot: DisclosureBot | None = None) -> None:
        self.kb = kb
        self.bot = bot

    @app_commands.command(name="said", description="Everything an organisation said, in the order it was said")
    @app_commands.describe(organization="The organisation (start typing for the ones the index knows)")
    @guards.cooldown()
    async def said(self, interaction: discord.Interaction,
                   organization: app_commands.Range[str, 1, CHOICE_MAX]) -> None:
        """Answer "what did X say?" for one organisation."""
        name = clean(organization)
        if name is None:
            await interaction.response.send_message("Name an organisation, for example Harborline Market.",
                                                    ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
            return
        await interaction.response.defer(thinking=True)
        log.info("/said by user %s in guild %s (organization=%r)", interaction.user.id, interaction.guild_id, name)
        name = await expand(self.kb, name) or name
        answer = await run_blocking(self.kb.ask, said_question(name), name)
        await send_answer(interaction, answer, self.kb, bot=self.bot)

    @said.autocomplete("organization")
    async def organization_autocomplete(self, interaction: discord.Interaction,
                                        current: str) -> list[app_commands.Choice[str]]:
        """Organisations the index knows that contain what has been typed."""
        return await organization_choices(self.kb, current)


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the bot's knowledge base."""
    await bot.add_cog(Said(bot.kb, bot))
