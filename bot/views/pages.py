"""Paged messages: buttons that turn pages, a "Sources" button and a "Report misquote" button.

Only the user who asked turns the pages; anyone else who presses a page button gets one ephemeral
line. A view times out after :data:`VIEW_TIMEOUT_S` (well inside the 15 minutes an interaction's
token lets the bot edit a follow-up) and then edits its message so every button shows disabled.
Every message is sent with ``AllowedMentions.none()``; embeds never unfurl links.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import discord

from bot.limits import TOKEN_VALID_S, fit_messages

log = logging.getLogger(__name__)

#: Seconds a view answers its buttons; Discord lets a follow-up be edited for 15 minutes.
VIEW_TIMEOUT_S = 600.0
NOT_YOURS = "Only the person who asked can turn these pages; run the command yourself to browse."
NO_MENTIONS = discord.AllowedMentions.none()
#: A view stops this many seconds before the 15-minute token it edits its message with expires.
TOKEN_MARGIN_S = 60.0


async def send_messages(interaction: discord.Interaction, embeds: Sequence[discord.Embed], *,
                        ephemeral: bool) -> None:
    """Send ``embeds`` (fitted to Discord's limits, in as many messages as they need) as the
    interaction's response, or as follow-ups when it was already answered or deferred."""
    for message in fit_messages(embeds):
        if interaction.response.is_done():
            await interaction.followup.send(content=message.content, embeds=message.embeds, ephemeral=ephemeral,
                                            allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(content=message.content, embeds=message.embeds,
                                                    ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)


async def send_private_line(interaction: discord.Interaction, text: str) -> None:
    """Answer ``interaction`` with one ephemeral line: the response when it has none yet, else a
    follow-up (never a second response). A failure to send is logged, not raised: this is how
    errors are told, and telling one must not raise another."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("Could not send a private line for interaction %s", interaction.id, exc_info=True)


class BotView(discord.ui.View):
    """A view that knows the message it is on: on timeout it disables its buttons there, and a
    button that fails is logged and answered with one ephemeral line (never a second response).

    Attributes:
        target: what :meth:`on_timeout` edits: the message sent with the view, or the interaction
            whose original response it is (set by :meth:`attach`).
    """

    def __init__(self, *, timeout: float | None = VIEW_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        self.target: Any = None
        self._longest = timeout
        #: when the token of the interaction that made this view expires, less a margin (monotonic s)
        self.deadline = time.monotonic() + TOKEN_VALID_S - TOKEN_MARGIN_S

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Before each click resets the timeout: never let it run past :attr:`deadline`, after which
        the message could no longer be edited to disable the buttons (subclasses call this first)."""
        if self._longest is not None:
            self.timeout = max(1.0, min(self._longest, self.deadline - time.monotonic()))
        return True

    def attach(self, target: Any) -> None:
        """Remember the message (or the interaction whose original response) this view is on."""
        self.target = target

    def disable(self) -> None:
        """Disable every button."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def show(self, **changes: Any) -> None:
        """Edit the message this view is on with ``changes`` and the view (a failure is only logged)."""
        if self.target is None:
            return
        try:
            if isinstance(self.target, discord.Interaction):
                await self.target.edit_original_response(view=self, allowed_mentions=NO_MENTIONS, **changes)
            else:
                await self.target.edit(view=self, allowed_mentions=NO_MENTIONS, **changes)
        except discord.HTTPException:
            log.info("Could not update the message of a %s", type(self).__name__, exc_info=True)

    async def on_timeout(self) -> None:
        """Disable every button and show it on the message."""
        self.disable()
        await self.show()

    async def on_error(self, interaction: discord.Interaction, error: Exception,
                       item: discord.ui.Item[Any], /) -> None:
        log.error("Error in a button of %s for user %s", type(self).__name__, interaction.user.id, exc_info=error)
        await send_private_line(interaction, "Something went wrong with that button; it has been logged.")


class PagesView(BotView):
    """Previous and next buttons over ``pages`` (each a list of embeds that fits one message).

    Args:
        owner_id: the user who may turn the pages.
        pages: at least one page.
        timeout: seconds until the buttons are disabled.

    Attributes:
        page: the page shown (0-based).
    """

    def __init__(self, owner_id: int, pages: Sequence[list[discord.Embed]], *,
                 timeout: float | None = VIEW_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        if not pages:
            raise ValueError("a paged view needs at least one page")
        self.owner_id = owner_id
        self.pages = pages  # kept as given: a lazy sequence (TextPages) lays out only the pages shown
        self.page = 0
        if len(self.pages) == 1:
            for button in (self.previous_page, self.page_number, self.next_page):
                self.remove_item(button)
        self._refresh()

    def _refresh(self) -> None:
        self.page_number.label = f"{self.page + 1}/{len(self.pages)}"
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page >= len(self.pages) - 1

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        self.page = max(0, min(len(self.pages) - 1, self.page + step))
        self._refresh()
        await interaction.response.edit_message(embeds=self.pages[self.page], view=self, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary, row=0)
    async def previous_page(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True, row=0)
    async def page_number(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """A label only (always disabled)."""

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary, row=0)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, 1)
