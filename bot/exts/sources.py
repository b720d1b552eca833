"""``/sources`` and ``/source``: what the index holds, newest first, and one source in full."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._kb import KnowledgeBase
from bot._threads import run_blocking
from bot.exts._organizations import CHOICE_MAX, clean, expand, organization_choices
from bot.limits import CHOICES_MAX, cut
from bot.render_catalog import newest_first, source_detail, sources_pages
from bot.views.pages import NO_MENTIONS, PagesView
from bot.views.source import SourceView
from knowledge.errors import KnowledgeError
from knowledge.names import match_form, organization_index
from knowledge.records import SourceRef

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)

Kind = Literal["notice", "statement", "filing", "article", "opinion"]
#: Longest source selector accepted (an id, a URL or a path).
SELECTOR_MAX = 2000


def source_choice(source_id: str, title: str, publisher: str | None) -> app_commands.Choice[str]:
    """An autocomplete choice: "Title — Publisher" (at most 100 characters), valued by the id."""
    label = f"{' '.join(title.split()) or source_id} — {publisher}" if publisher else (' '.join(title.split()) or source_id)
    return app_commands.Choice(name=cut(label, CHOICE_MAX), value=source_id)


async def source_choices(kb: KnowledgeBase, current: str) -> list[app_commands.Choice[str]]:
    """Sources whose title, publisher or id contain what has been typed, newest first."""
    try:
        sources = await run_blocking(kb.sources)
    except KnowledgeError:
        log.warning("Could not list sources for autocomplete", exc_info=True)
        return []
    needle = match_form(current)
    found = [s for s in newest_first(sources)
             if not needle or needle in match_form(f"{s.title} {s.publisher or ''} {s.id}")]
    return [source_choice(s.id, s.title, s.publisher) for s in found[:CHOICES_MAX]]


class Sources(commands.Cog):
    """Browse the indexed sources."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    @app_commands.command(name="sources", description="List the indexed sources, newest first")
    @app_commands.describe(organization="Only sources about this organisation",
                           kind="Only sources of this kind (notice, statement, filing, article, opinion)")
    @guards.cooldown()
    async def sources(self, interaction: discord.Interaction,
                      organization: app_commands.Range[str, 1, CHOICE_MAX] | None = None,
                      kind: Kind | None = None) -> None:
        """List the indexed sources in pages that the asker turns."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        name = await expand(self.kb, clean(organization))
        found = await run_blocking(self.matching, name, kind)
        filters = ", ".join(part for part in (name, kind) if part)
        pages = sources_pages(found, filters)
        view = PagesView(interaction.user.id, pages)
        message = await interaction.followup.send(embeds=pages[0], view=view, ephemeral=True,
                                                  allowed_mentions=NO_MENTIONS, wait=True)
        view.attach(message)

    def matching(self, organization: str | None, kind: str | None) -> list[SourceRef]:
        """Sources about ``organization`` (its name or an alias, as people type it) and of ``kind``,
        newest first (blocking: call it in a worker thread)."""
        found = newest_first(self.kb.sources())
        if organization is not None:
            index = organization_index(self.kb.organizations())
            wanted = index.canonical(organization) or organization
            found = [s for s in found
                     if any((index.canonical(o) or o) == wanted or match_form(o) == match_form(organization)
                            for o in s.organizations)]
        if kind is not None:
            found = [s for s in found if s.kind == kind]
        return [s.ref() for s in found]

    @sources.autocomplete("organization")
    async def organization_autocomplete(self, interaction: discord.Interaction,
                                        current: str) -> list[app_commands.Choice[str]]:
        """Organisations the index knows."""
        return await organization_choices(self.kb, current)

    @app_commands.command(name="source", description="One source: its details, what was found in it, its text")
    @app_commands.describe(id="The source (start typing its title or publisher), or its id or URL")
    @guards.cooldown()
    async def source(self, interaction: discord.Interaction,
                     id: app_commands.Range[str, 1, SELECTOR_MAX]) -> None:
        """Show one source with a button for its stored text."""
        selector = id.strip()
        if not selector:
            await interaction.response.send_message("Give a source id; /sources lists them.", ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(thinking=True)
        found = await run_blocking(self.kb.resolve, selector)
        attributions = await run_blocking(self.kb.attributions, found.id)
        view = SourceView(found)
        message = await interaction.followup.send(embeds=source_detail(found, attributions), view=view,
                                                  allowed_mentions=NO_MENTIONS, wait=True)
        view.attach(message)

    @source.autocomplete("id")
    async def id_autocomplete(self, interaction: discord.Interaction,
                              current: str) -> list[app_commands.Choice[str]]:
        """Sources by title and publisher."""
        return await source_choices(self.kb, current)


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the bot's knowledge base."""
    await bot.add_cog(Sources(bot.kb))
