"""Who may use a command, where and how often: checks that run before a command's callback.

Each refusal is a :class:`Refusal` (an ``app_commands.CheckFailure``) whose message
:class:`bot.client.DisclosureTree` shows as one ephemeral line. Checks run only for invocations,
never for autocomplete, and cost no knowledge-base call, so a refusal is sent well within Discord's
3 seconds.

- :func:`allowed_channel`: ``DISCORD_ALLOWED_CHANNEL_IDS``, the channels (a thread counts as its
  parent channel) where commands work; empty means everywhere, and direct messages are not limited.
- :func:`cooldown`: ``DISCORD_COOLDOWN_SECONDS`` between two commands that do work, per user, shared
  by every such command.
- :func:`can_ingest`, :func:`is_admin`: the permissions a member's interaction carries (Manage
  Server or the ``DISCORD_INGEST_ROLE_ID`` role; Administrator). ``default_permissions`` on those
  commands hides them from others in Discord's client; these checks refuse them anyway, since a
  server can change who sees a command.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from knowledge.settings import DiscordSettings

T = TypeVar("T")

#: Users remembered by the cooldown (the least recent are forgotten first).
COOLDOWN_USERS_MAX = 10_000


class Refusal(app_commands.CheckFailure):
    """A command refused before it ran; the message is shown to the user as it stands."""


class Cooldown:
    """When each user last ran a command that does work.

    Args:
        seconds: the wait between two commands; 0 turns the cooldown off.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: OrderedDict[int, float] = OrderedDict()

    def retry_after(self, user_id: int) -> float:
        """Seconds ``user_id`` must still wait (0.0 when the command may run, which is then recorded)."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user_id] = now
        self._last.move_to_end(user_id)
        while len(self._last) > COOLDOWN_USERS_MAX:
            self._last.popitem(last=False)
        return 0.0


def _settings(interaction: discord.Interaction) -> DiscordSettings | None:
    settings = getattr(interaction.client, "settings", None)
    return getattr(settings, "discord", None)


def channel_refusal(interaction: discord.Interaction, allowed: list[int]) -> str | None:
    """The line refusing a command outside ``allowed`` channels, or None when it may run."""
    if not allowed or interaction.guild_id is None:
        return None
    channel = interaction.channel
    ids = {interaction.channel_id, getattr(channel, "parent_id", None)}
    if ids & set(allowed):
        return None
    where = ", ".join(f"<#{channel_id}>" for channel_id in allowed[:5])
    return f"This bot answers in {where} only."


def cooldown_refusal(interaction: discord.Interaction, cooldown: Cooldown | None) -> str | None:
    """The line asking the user to wait, or None when the command may run (and is counted)."""
    if cooldown is None:
        return None
    wait = cooldown.retry_after(interaction.user.id)
    if wait <= 0:
        return None
    return f"Please wait {math.ceil(wait)} s before your next command."


async def check_channel(interaction: discord.Interaction) -> bool:
    """Predicate: the command is used in an allowed channel (``DISCORD_ALLOWED_CHANNEL_IDS``).

    Raises:
        Refusal: it is not.
    """
    settings = _settings(interaction)
    refusal = channel_refusal(interaction, settings.allowed_channel_ids if settings else [])
    if refusal:
        raise Refusal(refusal)
    return True


async def check_cooldown(interaction: discord.Interaction) -> bool:
    """Predicate: an allowed channel, and the user's cooldown has passed (the channel is checked
    first, so a refused command does not start a cooldown).

    Raises:
        Refusal: either is not so.
    """
    await check_channel(interaction)
    refusal = cooldown_refusal(interaction, getattr(interaction.client, "cooldown", None))
    if refusal:
        raise Refusal(refusal)
    return True


def allowed_channel() -> Callable[[T], T]:
    """Check decorator: :func:`check_channel`."""
    return app_commands.check(check_channel)


def cooldown() -> Callable[[T], T]:
    """Check decorator: :func:`check_cooldown` (for commands that do work)."""
    return app_commands.check(check_cooldown)


def ingest_refusal(interaction: discord.Interaction, role_id: int | None) -> str | None:
    """Why the user may not ingest (no Manage Server, not in the ingest role), or None."""
    if interaction.guild_id is None:
        return "Adding sources works in a server only."
    if interaction.permissions.manage_guild:
        return None
    roles: Any = getattr(interaction.user, "roles", [])
    if role_id is not None and any(role.id == role_id for role in roles):
        return None
    return "Adding sources needs the Manage Server permission" + (" or the ingest role." if role_id else ".")


def admin_refusal(interaction: discord.Interaction) -> str | None:
    """Why the user may not run an administrators' command, or None."""
    if interaction.guild_id is None:
        return "This command works in a server only."
    if interaction.permissions.administrator:
        return None
    return "Only the server's administrators can do this."


def can_ingest() -> Callable[[T], T]:
    """Check: Manage Server, or the ``DISCORD_INGEST_ROLE_ID`` role."""

    async def predicate(interaction: discord.Interaction) -> bool:
        settings = _settings(interaction)
        refusal = ingest_refusal(interaction, settings.ingest_role_id if settings else None)
        if refusal:
            raise Refusal(refusal)
        return True

    return app_commands.check(predicate)


def is_admin() -> Callable[[T], T]:
    """Check: the Administrator permission."""

    async def predicate(interaction: discord.Interaction) -> bool:
        refusal = admin_refusal(interaction)
        if refusal:
            raise Refusal(refusal)
        return True

    return app_commands.check(predicate)
