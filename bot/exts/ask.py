"""``/ask`` and the message command "What did they actually say?": an organisation's own words about
an incident, verbatim, with their sources."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._kb import KnowledgeBase
from bot._threads import run_blocking
from bot.exts._organizations import (
    CHOICE_MAX,
    clean,
    expand,
    full_name,
    organization_choices,
    short_name,
)
from bot.reply import send_answer, thread_organization
from knowledge.answering import find_organization

if TYPE_CHECKING:
    from bot.client import DisclosureBot

__all__ = ["CHOICE_MAX", "QUESTION_MAX", "Ask", "full_name", "question_from", "short_name"]

log = logging.getLogger(__name__)

#: Discord's limits on a string option are 1-6000 characters; questions are short.
QUESTION_MAX = 300
#: The message command's name (Discord allows 32 characters, spaces and capitals included).
MESSAGE_COMMAND = "What did they actually say?"
NO_TEXT = "That message has no text to check (only the words of a message are read)."
NO_MENTIONS = discord.AllowedMentions.none()


def question_from(text: str, limit: int = QUESTION_MAX) -> str:
    """A message's words as a question: whitespace collapsed, cut at a word boundary to ``limit``."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    head = words[:limit]
    return head[: head.rfind(" ")] if " " in head else head


class Ask(commands.Cog):
    """Answers disclosure questions from the knowledge base.

    Args:
        kb: the knowledge base.
        bot: the bot (thread mode, and the message command's registration); None in unit tests.
    """

    def __init__(self, kb: KnowledgeBase, bot: DisclosureBot | None = None) -> None:
        self.kb = kb
        self.bot = bot
        self.message_command = app_commands.ContextMenu(name=MESSAGE_COMMAND, callback=self.what_did_they_say)
        self.message_command.add_check(guards.check_cooldown)

    async def cog_load(self) -> None:
        if self.bot is not None:
            self.bot.tree.add_command(self.message_command)

    async def cog_unload(self) -> None:
        if self.bot is not None:
            self.bot.tree.remove_command(self.message_command.name, type=self.message_command.type)

    @app_commands.command(
        name="ask",
        description="What did an organisation actually say about a data-security incident?",
    )
    @app_commands.describe(
        question="Your question, e.g. did they say passwords were affected?",
        organization="Limit the answer to one organisation's words",
        private="Only you see the answer",
    )
    @guards.cooldown()
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
        organization: app_commands.Range[str, 1, CHOICE_MAX] | None = None,
        private: bool = False,
    ) -> None:
        """Answer a disclosure question with the organisation's own words."""
        question = question.strip()
        organization = clean(organization)
        if not question:
            await interaction.response.send_message(
                "Type a question, for example: did they say passwords were affected?",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return

        await interaction.response.defer(thinking=True, ephemeral=private)
        log.info("/ask by user %s in guild %s (organization=%r, %d characters, private=%s)",
                 interaction.user.id, interaction.guild_id, organization, len(question), private)
        log.debug("/ask question: %r", question)
        # Errors propagate to DisclosureTree.on_error, which answers with one ephemeral line.
        organization = await expand(self.kb, organization) or thread_organization(self.bot, interaction)
        answer = await run_blocking(self.kb.ask, question, organization)
        await send_answer(interaction, answer, self.kb, bot=self.bot, ephemeral=private)

    @ask.autocomplete("organization")
    async def organization_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Organisations the index knows whose name contains what has been typed so far; a name over
        100 characters is offered shortened, and its value maps back to the full name."""
        return await organization_choices(self.kb, current)

    async def what_did_they_say(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Check a message's claim against what the organisation it names actually said."""
        text = " ".join((message.content or "").split())
        if not text:
            await interaction.response.send_message(NO_TEXT, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(thinking=True)
        log.info("Message command by user %s in guild %s (%d characters)", interaction.user.id,
                 interaction.guild_id, len(text))
        organization = thread_organization(self.bot, interaction)
        if organization is None:
            known = await run_blocking(self.kb.organizations)
            organization = find_organization(text, known)
        answer = await run_blocking(self.kb.ask, question_from(text), organization)
        await send_answer(interaction, answer, self.kb, bot=self.bot)


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the knowledge base the bot was built with."""
    await bot.add_cog(Ask(bot.kb, bot))
