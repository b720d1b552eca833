"""Sending an answer: its first page with the answer view, and in thread mode a thread under it.

Shared by ``/ask``, ``/said`` and the "What did they actually say?" message command, which all
answer the same way.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot import render
from bot._threads import run_blocking
from bot.limits import cut
from bot.views.answer import AnswerView
from bot.views.pages import NO_MENTIONS
from knowledge.records import Answer

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)

#: Discord's limit on a thread's name.
THREAD_NAME_MAX = 100
#: Minutes of inactivity after which Discord archives an answer thread (one day).
THREAD_ARCHIVE_MINUTES = 1440
_THREAD_TYPES = (discord.ChannelType.public_thread, discord.ChannelType.private_thread,
                 discord.ChannelType.news_thread)


def thread_organization(bot: DisclosureBot | None, interaction: discord.Interaction) -> str | None:
    """In thread mode, the organisation of the answer thread the interaction comes from, else None."""
    if bot is None or not bot.settings.discord.thread_mode:
        return None
    return bot.threads.organization(interaction.channel_id)


def _in_thread(interaction: discord.Interaction) -> bool:
    return getattr(interaction.channel, "type", None) in _THREAD_TYPES


async def send_answer(interaction: discord.Interaction, answer: Answer, kb: Any, *,
                      bot: DisclosureBot | None = None, ephemeral: bool = False) -> None:
    """Send ``answer`` as the follow-up of a deferred interaction, with :class:`AnswerView`.

    In thread mode (``DISCORD_THREAD_MODE``) a public answer outside a thread opens a thread on its
    message, and the thread is remembered with the answer's organisation; a thread that cannot be
    opened (missing permission) is logged and the answer stands.
    """
    pages = await run_blocking(render.answer_pages, answer)  # a long answer takes tens of ms to lay out
    view = AnswerView(interaction.user.id, answer, kb, pages=pages)
    message = await interaction.followup.send(embeds=view.pages[0], view=view, ephemeral=ephemeral,
                                              allowed_mentions=NO_MENTIONS, wait=True)
    view.attach(message)
    if (bot is None or ephemeral or not bot.settings.discord.thread_mode or answer.organization is None
            or answer.abstained or interaction.guild_id is None or _in_thread(interaction)
            or interaction.channel_id is None):
        return
    name = cut(f"{answer.organization}: {' '.join(answer.question.split())}", THREAD_NAME_MAX)
    try:
        data = await bot.http.start_thread_with_message(interaction.channel_id, message.id, name=name,
                                                        auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                                                        reason="disclosure-bot thread mode")
    except discord.HTTPException:
        log.warning("Could not open a thread on the answer in channel %s", interaction.channel_id, exc_info=True)
        return
    bot.threads.remember(int(data["id"]), answer.organization)
