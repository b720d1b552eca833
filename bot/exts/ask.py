"""``/ask``: what did an organisation actually say? Answers with verbatim quotes and their sources."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot._kb import KnowledgeBase
from bot._threads import run_blocking
from bot.render import render_answer
from knowledge.errors import KnowledgeError

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)

#: Discord's limits on a string option are 1-6000 characters; questions are short.
QUESTION_MAX = 300
#: Discord's limit on the name and value of an autocomplete choice.
CHOICE_MAX = 100
#: Discord shows at most 25 autocomplete choices.
CHOICES_MAX = 25
#: A name longer than :data:`CHOICE_MAX` is offered as its start, "…" and its last characters.
NAME_TAIL = 30
ELLIPSIS = "…"


def short_name(name: str) -> str:
    """``name`` as an autocomplete choice (at most :data:`CHOICE_MAX` characters): a long name keeps
    its start and its end around "…", so names that differ only at the end stay apart."""
    if len(name) <= CHOICE_MAX:
        return name
    head = name[: CHOICE_MAX - len(ELLIPSIS) - NAME_TAIL].rstrip()
    return f"{head}{ELLIPSIS}{name[-NAME_TAIL:].lstrip()}"


def full_name(value: str, names: list[str]) -> str:
    """The organisation a chosen (possibly shortened) autocomplete value stands for; ``value``
    itself when it is a whole name or stands for no single name."""
    if value in names:
        return value
    matches = [name for name in names if len(name) > CHOICE_MAX and short_name(name) == value]
    return matches[0] if len(matches) == 1 else value


class Ask(commands.Cog):
    """Answers disclosure questions from the knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    @app_commands.command(
        name="ask",
        description="What did an organisation actually say about a data-security incident?",
    )
    @app_commands.describe(
        question="Your question, e.g. did they say passwords were affected?",
        organization="Limit the answer to one organisation's words",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
        organization: app_commands.Range[str, 1, CHOICE_MAX] | None = None,
    ) -> None:
        """Answer a disclosure question with the organisation's own words."""
        question = question.strip()
        organization = (organization or "").strip() or None
        if not question:
            await interaction.response.send_message(
                "Type a question, for example: did they say passwords were affected?",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return

        await interaction.response.defer(thinking=True)
        log.info(
            "/ask by user %s in guild %s (organization=%r, %d characters)",
            interaction.user.id,
            interaction.guild_id,
            organization,
            len(question),
        )
        log.debug("/ask question: %r", question)
        # Errors propagate to DisclosureTree.on_error, which answers with one ephemeral line.
        if organization is not None and ELLIPSIS in organization:  # a shortened autocomplete choice
            names = await run_blocking(self.kb.organizations)
            organization = full_name(organization, names)
        answer = await run_blocking(self.kb.ask, question, organization)
        await interaction.followup.send(
            embeds=render_answer(answer),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @ask.autocomplete("organization")
    async def organization_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Organisations the index knows whose name contains what has been typed so far; a name over
        100 characters is offered shortened, and its value maps back to the full name."""
        try:
            names = await run_blocking(self.kb.organizations)
        except KnowledgeError:
            log.warning("Could not list organisations for autocomplete", exc_info=True)
            return []
        needle = current.strip().casefold()
        matches = sorted(
            (name for name in names if name and needle in name.casefold()),
            key=lambda name: (not name.casefold().startswith(needle), name.casefold()),
        )
        return [app_commands.Choice(name=short_name(name), value=short_name(name)) for name in matches[:CHOICES_MAX]]


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the knowledge base the bot was built with."""
    await bot.add_cog(Ask(bot.kb))
