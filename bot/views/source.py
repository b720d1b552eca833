"""The view under ``/source``: "Show text" opens the source's stored text, privately, in pages."""

from __future__ import annotations

from typing import Any

import discord

from bot._threads import run_blocking
from bot.render_catalog import text_pages
from bot.views.pages import NO_MENTIONS, VIEW_TIMEOUT_S, BotView, PagesView
from knowledge.records import Source


class SourceView(BotView):
    """One "Show text" button; anyone who presses it gets their own ephemeral, paged copy.

    Args:
        source: the source, with its stored text.
        timeout: seconds until the button is disabled.
    """

    def __init__(self, source: Source, *, timeout: float | None = VIEW_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        self.source = source

    @discord.ui.button(label="Show text", emoji="📄", style=discord.ButtonStyle.secondary)
    async def show_text(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Send the stored text in pages that only the presser sees and turns (laid out in a worker
        thread: a 5 MB text takes half a second, which would stall every other interaction)."""
        pages = await run_blocking(text_pages, self.source)
        pager = PagesView(interaction.user.id, pages)
        await interaction.response.send_message(embeds=pages[0], view=pager, ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)
        pager.attach(interaction)
