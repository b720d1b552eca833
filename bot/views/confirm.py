"""Confirm or cancel: two buttons for the user who asked, used by ``/forget``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.render import error_line
from bot.views.pages import NO_MENTIONS, VIEW_TIMEOUT_S, BotView
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)

TIMED_OUT = "Timed out; nothing was changed."
CANCELLED = "Cancelled; nothing was changed."
FAILED = "That failed; it has been logged."
NOT_YOURS = "Only the person who ran the command can answer this."


class ConfirmView(BotView):
    """Runs ``on_confirm`` once when the owner presses Confirm; Cancel or the timeout end it unchanged.

    Args:
        owner_id: the only user whose presses count (others get one ephemeral line).
        on_confirm: called with the button's interaction, already deferred; returns the line that
            replaces the prompt.
        refusal: checked again on every click (permissions may have changed since the command):
            the line refusing the clicker, or None (e.g. :func:`bot.guards.admin_refusal`).
        timeout: seconds until the prompt expires.

    Attributes:
        outcome: ``confirmed``, ``cancelled`` or ``timed out`` once decided, else None.
    """

    def __init__(self, owner_id: int, on_confirm: Callable[[discord.Interaction], Awaitable[str]], *,
                 refusal: Callable[[discord.Interaction], str | None] | None = None,
                 timeout: float | None = VIEW_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.on_confirm = on_confirm
        self.refusal = refusal
        self.outcome: str | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        await super().interaction_check(interaction)
        line = NOT_YOURS if interaction.user.id != self.owner_id else self.refusal and self.refusal(interaction)
        if line:
            await interaction.response.send_message(line, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return False
        return self.outcome is None

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.outcome = "confirmed"
        self.disable()
        self.stop()
        await interaction.response.edit_message(content="Working…", view=self, allowed_mentions=NO_MENTIONS)
        try:
            line = await self.on_confirm(interaction)
        except KnowledgeError as error:  # a reason the user may read, e.g. the source is already gone
            log.info("Confirmed action failed: %s", error)
            line = error_line(str(error))
        except Exception:
            log.exception("Confirmed action failed for user %s", interaction.user.id)
            line = FAILED
        await interaction.edit_original_response(content=line, view=self, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.outcome = "cancelled"
        self.disable()
        self.stop()
        await interaction.response.edit_message(content=CANCELLED, view=self, allowed_mentions=NO_MENTIONS)

    async def on_timeout(self) -> None:
        if self.outcome is not None:
            return
        self.outcome = "timed out"
        self.disable()
        await self.show(content=TIMED_OUT)
