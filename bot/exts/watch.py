"""``/watch`` and ``/unwatch``: post an organisation's new words in a channel when an ingest brings them.

Every ingest (a feed poll, anyone's ``/ingest``) dispatches ``knowledge_ingested`` with its
:class:`knowledge.records.IngestReport`; its ``new_words`` are the quotes of an organisation the
index had not seen (a new statement, or a new variant of one: :mod:`knowledge.watch`). This cog's
listener posts them in every channel that watches that organisation (or one of its usual aliases),
verbatim and escaped, with their source, within Discord's limits, pinging nobody. Links appear only
inside embeds (masked), where Discord shows no link preview, so nothing needs suppressing.

``/watch`` and ``/unwatch`` need Manage Server (``default_permissions(manage_guild=True)``, checked
again when run). Watches are kept in the knowledge base's local data folder (``watches.sqlite3``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._threads import run_blocking
from bot.exts._organizations import (
    ELLIPSIS,
    expand,
    full_name,
    organization_choices,
    short_name,
)
from bot.limits import FIELD_NAME_MAX, FIELD_VALUE_MAX, Message, fit_messages
from bot.render import fit, format_date
from knowledge.errors import KnowledgeError
from knowledge.names import organization_index
from knowledge.records import IngestReport, NewWords, SourceRef
from knowledge.watch import Watch

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)

#: New quotes of one organisation posted per ingest; the rest are counted ("and 12 more").
POST_QUOTES_MAX = 10
#: Discord's limits on a string option and an autocomplete list.
NAME_MAX = 100
CHOICES_MAX = 25
NO_PERMISSION = "Watching an organisation needs the Manage Server permission."
COLOUR = discord.Colour.blue()


class WatchKnowledgeBase(Protocol):
    """The part of :class:`knowledge.service.KnowledgeBase` this cog uses."""

    def organizations(self) -> list[str]: ...

    def watch(self, organization: str, guild: str, channel: str, by: str | None = None) -> tuple[Watch, bool]: ...

    def unwatch(self, organization: str, guild: str, channel: str | None = None) -> list[Watch]: ...

    def watches(self, guild: str | None = None) -> list[Watch]: ...

    def watchers(self, organization: str) -> list[Watch]: ...


def _source_line(source: SourceRef) -> str:
    """``[title](url) (Publisher, 3 Mar 2025)``, escaped; the URL only when it is a plain http(s) one."""
    label = fit(source.title or "untitled source", 200).replace("]", "\\]")  # escape() escapes "["
    url = source.url if source.url and source.url.startswith(("https://", "http://")) and len(source.url) <= 500 \
        and not any(c in source.url for c in " ()<>") else None
    details = ", ".join(p for p in (fit(source.publisher, 80) if source.publisher else None,
                                    format_date(source.date) if source.date else None) if p)
    link = f"[{label}]({url})" if url else label
    return f"{link} ({details})" if details else link


def _heading(words: NewWords) -> str:
    speaker = words.item.speaker or words.organization
    if words.novelty == "variant":
        what = "changed wording" if words.changed_meaning else "new wording"
        return fit(f"{what} · {speaker}", FIELD_NAME_MAX)
    return fit(f"new statement · {speaker}", FIELD_NAME_MAX)


def new_words_embeds(organization: str, found: Sequence[NewWords]) -> list[discord.Embed]:
    """One embed per organisation: each new quote verbatim (escaped; cut with "…" only past the
    field limit) with its source and, for a variant, what differs from the words seen before."""
    embed = discord.Embed(title=fit(f"New words from {organization}", 256), colour=COLOUR)
    for words in found[:POST_QUOTES_MAX]:
        tail = f"\n— {_source_line(words.item.source)}"
        if words.novelty == "variant" and words.differs:
            tail += f"\nchanged from the earlier wording: {fit(words.differs, 200)}"
        room = FIELD_VALUE_MAX - len(tail) - 2
        embed.add_field(name=_heading(words), value=f"“{fit(words.item.text, room)}”{tail}", inline=False)
    if len(found) > POST_QUOTES_MAX:
        embed.set_footer(text=f"and {len(found) - POST_QUOTES_MAX} more; ask /said for all of them")
    return [embed]


def by_organization(report: IngestReport) -> dict[str, list[NewWords]]:
    grouped: dict[str, list[NewWords]] = defaultdict(list)
    for words in report.new_words:
        grouped[words.organization].append(words)
    return dict(grouped)


def manage_refusal(interaction: discord.Interaction) -> str | None:
    if interaction.guild_id is None:
        return "Watching works in a server only."
    return None if interaction.permissions.manage_guild else NO_PERMISSION


class WatchCog(commands.Cog, name="Watch"):
    """Posts a watched organisation's new words in the channels that watch it."""

    def __init__(self, bot: commands.Bot, kb: WatchKnowledgeBase) -> None:
        self.bot = bot
        self.kb = kb

    async def _refuse(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @app_commands.command(name="watch", description="Post an organisation's new words in a channel")
    @app_commands.describe(organization="The organisation to watch",
                           channel="Where to post its new words (default: this channel)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @guards.allowed_channel()
    async def watch(self, interaction: discord.Interaction, organization: app_commands.Range[str, 1, NAME_MAX],
                    channel: discord.TextChannel | None = None) -> None:
        """Watch an organisation: when an ingest brings words of it not seen before, post them."""
        refusal = manage_refusal(interaction)
        if refusal:
            await self._refuse(interaction, refusal)
            return
        target = channel.id if channel is not None else interaction.channel_id
        await interaction.response.defer(ephemeral=True, thinking=True)
        known = await run_blocking(self.kb.organizations)
        organization = await expand(self.kb, organization.strip()) or organization  # type: ignore[arg-type]
        name = organization_index(known).canonical(organization) or organization  # "Harborline": the indexed name
        watch, added = await run_blocking(self.kb.watch, name, str(interaction.guild_id), str(target),
                                          str(interaction.user.id))
        where = f"<#{target}>"
        if not added:
            text = f"{fit(watch.organization, 100)} is already watched in {where}."
        else:
            text = f"Watching {fit(watch.organization, 100)}: its new words will be posted in {where}."
            if name not in known:
                text += " Nothing of it is indexed yet; its first words will be posted when they are."
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @app_commands.command(name="unwatch", description="Stop posting an organisation's new words")
    @app_commands.describe(organization="The watched organisation",
                           channel="Stop in this channel only (default: every channel of this server)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @guards.allowed_channel()
    async def unwatch(self, interaction: discord.Interaction, organization: app_commands.Range[str, 1, NAME_MAX],
                      channel: discord.TextChannel | None = None) -> None:
        """Stop watching an organisation, in one channel or everywhere in this server."""
        refusal = manage_refusal(interaction)
        if refusal:
            await self._refuse(interaction, refusal)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        if ELLIPSIS in organization:  # a long name, offered shortened by the autocomplete
            watched = await run_blocking(self.kb.watches, str(interaction.guild_id))
            organization = full_name(organization, [w.organization for w in watched])
        removed = await run_blocking(self.kb.unwatch, organization, str(interaction.guild_id),
                                     str(channel.id) if channel is not None else None)
        where = ", ".join(f"<#{w.channel}>" for w in removed)
        await interaction.followup.send(f"Stopped watching {fit(removed[0].organization, 100)} in {where}.",
                                        ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @watch.autocomplete("organization")
    async def organization_autocomplete(self, interaction: discord.Interaction,
                                        current: str) -> list[app_commands.Choice[str]]:
        """Indexed organisations whose name contains what has been typed; a name over 100 characters
        is offered shortened, and its value maps back to the full name."""
        return await organization_choices(self.kb, current)  # type: ignore[arg-type]

    @unwatch.autocomplete("organization")
    async def watched_autocomplete(self, interaction: discord.Interaction,
                                   current: str) -> list[app_commands.Choice[str]]:
        """The organisations this server watches."""
        try:
            watches = await run_blocking(self.kb.watches, str(interaction.guild_id))
        except KnowledgeError:
            return []
        needle = current.strip().casefold()
        names = dict.fromkeys(short_name(w.organization) for w in watches if needle in w.organization.casefold())
        return [app_commands.Choice(name=n, value=n) for n in list(names)[:CHOICES_MAX]]

    @commands.Cog.listener()
    async def on_knowledge_ingested(self, report: IngestReport) -> None:
        """Post each watched organisation's new words in the channels that watch it."""
        for organization, found in by_organization(report).items():
            try:
                watches = await run_blocking(self.kb.watchers, organization)
            except KnowledgeError:
                log.warning("could not read the watches of %s", organization, exc_info=True)
                continue
            if not watches:
                continue
            messages = fit_messages(new_words_embeds(organization, found))
            for watch in watches:
                await self._post(watch, messages)

    async def _post(self, watch: Watch, messages: Sequence[Message]) -> None:
        channel_id = int(watch.channel)
        channel = self.bot.get_channel(channel_id)
        try:
            if channel is None:
                channel = await self.bot.fetch_channel(channel_id)
        except discord.NotFound:  # the channel was deleted: nobody can read posts there any more
            log.warning("watch channel %s of guild %s is gone; removing its watch of %s", watch.channel,
                        watch.guild, watch.organization)
            try:
                await run_blocking(self.kb.unwatch, watch.organization, watch.guild, watch.channel)
            except KnowledgeError:  # removed meanwhile
                pass
            return
        except discord.HTTPException:
            log.warning("could not look up watch channel %s of guild %s", watch.channel, watch.guild, exc_info=True)
            return
        try:
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("watch channel %s of guild %s cannot take messages", watch.channel, watch.guild)
                return
            for message in messages:
                await channel.send(content=message.content, embeds=message.embeds,
                                   allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("could not post %s's new words in channel %s of guild %s", watch.organization,
                        watch.channel, watch.guild, exc_info=True)


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the knowledge base the bot was built with."""
    await bot.add_cog(WatchCog(bot, cast(WatchKnowledgeBase, bot.kb)))
