"""The "Report misquote" modal: a reader says that a quote in an answer is wrong.

The answer view (:mod:`bot.views.answer`) opens it from its "Report misquote" button with the
quotes numbered 1 up to the page shown (:func:`bot.render.page_items`). Which quote: modals on every
client take text inputs only (a select inside a modal is not shown by older clients), so with
several quotes the modal asks for the quote's number as the answer shows it; with one quote the
field is left out. The report is stored with the answer's question, organisation and the chosen
quote (text, speaker, source id, offsets), and administrators review it with ``/reports``.

Discord's limits (https://discord.com/developers/docs/components/reference#text-input): a modal
title and a label's text are at most 45 characters, a label's description 100, a text input's value
4000. Each input sits in a :class:`discord.ui.Label` (discord.py 2.6+ deprecates a text input's own label).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from bot._threads import run_blocking
from bot.render_text import error_line
from bot.views.pages import send_private_line
from knowledge.errors import KnowledgeError
from knowledge.records import Answer, AnswerItem

log = logging.getLogger(__name__)

#: What a reader may write about one quote; well under Discord's 4000.
WRONG_MAX = 1000
#: The right wording may be a whole paragraph.
RIGHT_MAX = 2000
THANKS = "Thank you: report {id} is stored, and the server's administrators will review it."
FAILED = "The report could not be stored; it has been logged. Please try again later."


class ReportsKnowledgeBase(Protocol):
    """The part of the knowledge base the modal needs (see :class:`knowledge.service.KnowledgeBase`)."""

    def report_misquote(self, question: str, organization: str | None, quotes: Sequence[AnswerItem],
                        wrong: str, right: str | None = None, *, reporter: str,
                        guild: str | None = None) -> Any:
        ...


class QuoteNumberError(ValueError):
    """The quote number typed in the modal names no quote on the page."""


def chosen_quote(raw: str, items: Sequence[AnswerItem]) -> AnswerItem:
    """The quote a reader's typed number names (1-based, as numbered on the page).

    Raises:
        QuoteNumberError: not a whole number between 1 and ``len(items)``.
    """
    text = raw.strip().lstrip("#")
    if len(items) == 1 and not text:
        return items[0]
    if not text.isdecimal() or not 1 <= int(text) <= len(items):
        raise QuoteNumberError(f"type the number of the quote, from 1 to {len(items)} as numbered on the page")
    return items[int(text) - 1]


class ReportModal(discord.ui.Modal):
    """Asks what is wrong with a quote (required) and the right wording (optional), then stores it.

    Args:
        kb: the knowledge base; ``kb.report_misquote`` runs in a worker thread.
        answer: the answer the quotes come from (its question and organisation are stored).
        items: the quotes shown on the page, in the order shown (at least one).

    Raises:
        ValueError: ``items`` is empty.
    """

    def __init__(self, kb: ReportsKnowledgeBase, answer: Answer, items: Sequence[AnswerItem]) -> None:
        if not items:
            raise ValueError("a report needs at least one quote to be about")
        super().__init__(title="Report a misquote", timeout=15 * 60)
        self.kb = kb
        self.answer = answer
        self.items = list(items)
        self.quote: discord.ui.TextInput[ReportModal] | None = None
        if len(self.items) > 1:
            self.quote = discord.ui.TextInput(placeholder="1", required=True, max_length=3)
            self.add_item(discord.ui.Label(text="Which quote?", component=self.quote,
                                           description=f"As numbered in the answer, 1 to {len(self.items)}"))
        self.wrong: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=True, max_length=WRONG_MAX,
            placeholder="e.g. these are the reporter's words, not the company's")
        self.right: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, required=False, max_length=RIGHT_MAX,
            placeholder="optional: what the source actually says")
        self.add_item(discord.ui.Label(text="What is wrong", component=self.wrong))
        self.add_item(discord.ui.Label(text="The right wording", component=self.right,
                                       description="Optional"))

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Store the report (in a worker thread) and answer with one ephemeral line."""
        allowed = discord.AllowedMentions.none()
        try:
            quote = chosen_quote(self.quote.value if self.quote is not None else "", self.items)
        except QuoteNumberError as error:
            await interaction.response.send_message(f"Not stored: {error}.", ephemeral=True,
                                                    allowed_mentions=allowed)
            return
        wrong = self.wrong.value.strip()
        if not wrong:
            await interaction.response.send_message("Not stored: say what is wrong with the quote.",
                                                    ephemeral=True, allowed_mentions=allowed)
            return
        right = self.right.value.strip() or None
        guild = str(interaction.guild_id) if interaction.guild_id is not None else None
        report = await run_blocking(self.kb.report_misquote, self.answer.question, self.answer.organization,
                                    [quote], wrong, right, reporter=str(interaction.user.id), guild=guild)
        log.info("misquote report %s by user %s in guild %s", report.id, interaction.user.id, guild)
        await interaction.response.send_message(THANKS.format(id=report.id), ephemeral=True,
                                                allowed_mentions=allowed)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        """A :class:`KnowledgeError` is shown as its one line; anything else is logged and said briefly."""
        if isinstance(error, KnowledgeError):
            text = error_line(f"Not stored: {error}")
        else:
            log.error("could not store a misquote report from user %s", interaction.user.id, exc_info=error)
            text = FAILED
        await send_private_line(interaction, text)
