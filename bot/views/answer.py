"""The view under an answer: pages, "Sources" (every source, privately) and "Report misquote".

"Report misquote" opens :class:`bot.views.report.ReportModal` with the quotes numbered up to the page
shown; the button is left out when that module is absent or the answer has no quote.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import discord

from bot import render
from bot.render_catalog import source_list
from bot.views.pages import NO_MENTIONS, PagesView, send_messages
from knowledge.records import Answer

log = logging.getLogger(__name__)


def _report_modal_class() -> type[discord.ui.Modal] | None:
    try:
        module = importlib.import_module("bot.views.report")
    except ImportError:
        return None
    return getattr(module, "ReportModal", None)


class AnswerView(PagesView):
    """Buttons under an answer.

    Args:
        owner_id: the asker (only they turn pages; anyone may list the sources or report a quote).
        answer: the answer shown.
        kb: the knowledge base a report is stored in.
        pages: ``render.answer_pages(answer)`` when already rendered (off the event loop).
        timeout: seconds until the buttons are disabled.
    """

    def __init__(self, owner_id: int, answer: Answer, kb: Any, *, pages: list[list[discord.Embed]] | None = None,
                 timeout: float | None = None) -> None:
        pages = pages if pages is not None else render.answer_pages(answer)
        super().__init__(owner_id, pages, **({} if timeout is None else {"timeout": timeout}))
        self.answer = answer
        self.kb = kb
        self.modal_class = _report_modal_class()
        if not answer.sources:
            self.remove_item(self.sources)
        if self.modal_class is None or answer.abstained or not (answer.statements or answer.quotes):
            self.remove_item(self.report)

    @discord.ui.button(label="Sources", emoji="📚", style=discord.ButtonStyle.primary, row=1)
    async def sources(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Every source behind the answer, in an ephemeral reply."""
        embeds = source_list(render.unique_sources(self.answer), "Sources of this answer")
        await send_messages(interaction, embeds, ephemeral=True)

    @discord.ui.button(label="Report misquote", emoji="⚠️", style=discord.ButtonStyle.danger, row=1)
    async def report(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Open the report modal for the quotes shown so far."""
        if self.modal_class is None:  # pragma: no cover - the button is removed then
            await interaction.response.send_message("Reports are not available.", ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        items = render.page_items(self.answer, self.page)
        await interaction.response.send_modal(self.modal_class(self.kb, self.answer, items))  # type: ignore[call-arg]
