"""``/reports``: administrators review misquote reports and confirm or dismiss them.

Readers file reports with the "Report misquote" button under an answer (:mod:`bot.views.report`).
``/reports`` shows this server's open reports privately, one per page, with Previous / Next and
Confirm / Dismiss. A confirmed report marks its quote "disputed" in every later answer (the index is
shared, so in every server); a dismissed one only leaves the list. The command is for
administrators (``default_permissions(administrator=True)``, which a server may change in its
integration settings) and checked when run (:func:`bot.guards.is_admin`); every button checks again
that whoever clicks is an administrator.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import guards
from bot._threads import run_blocking
from bot.limits import FIELD_VALUE_MAX, fit_embeds
from bot.render import error_line, fit
from bot.views.pages import BotView
from knowledge.errors import KnowledgeError
from knowledge.reports import Report

if TYPE_CHECKING:
    from bot.client import DisclosureBot

log = logging.getLogger(__name__)

#: How long the review view accepts clicks (an ephemeral message can be edited for 15 minutes).
VIEW_TIMEOUT_S = 10 * 60
NONE_OPEN = "There are no open misquote reports in this server."
COLOUR = discord.Colour.orange()


class ReportsKnowledgeBase(Protocol):
    """The part of :class:`knowledge.service.KnowledgeBase` this cog uses."""

    def reports(self, status: str | None = "open", guild: str | None = None) -> list[Report]: ...

    def resolve_report(self, report_id: int, confirmed: bool, by: str) -> Report: ...


def report_embed(report: Report, position: int, total: int) -> discord.Embed:
    """One report as an embed: question, organisation, the quote (escaped, verbatim up to the field
    limit) with speaker and source id, what is wrong, the right wording, who and when."""
    embed = discord.Embed(title=f"Misquote report {report.id}", colour=COLOUR, timestamp=report.created_at)
    embed.add_field(name="Question", value=fit(report.question, FIELD_VALUE_MAX), inline=False)
    if report.organization:
        embed.add_field(name="Organisation", value=fit(report.organization, FIELD_VALUE_MAX), inline=False)
    for number, quote in enumerate(report.quotes, 1):
        where = f"\n— {fit(quote.speaker or 'unnamed speaker', 200)}, `{quote.source_id}` at {quote.start}-{quote.end}"
        name = "Quote" if len(report.quotes) == 1 else f"Quote {number}"
        words = fit(quote.text, FIELD_VALUE_MAX - len(where) - 2)
        embed.add_field(name=name, value=f"“{words}”{where}", inline=False)
    embed.add_field(name="What is wrong", value=fit(report.wrong, FIELD_VALUE_MAX), inline=False)
    if report.right:
        embed.add_field(name="The right wording", value=fit(report.right, FIELD_VALUE_MAX), inline=False)
    embed.set_footer(text=f"Report {position} of {total} open · reported by user {report.reporter}")
    return embed


class ReportsView(BotView):
    """Pages through open reports, one per page, with Confirm and Dismiss.

    Args:
        kb: the knowledge base.
        reports: the open reports, oldest first.
        guild: this server's id, as stored with reports.
    """

    def __init__(self, kb: ReportsKnowledgeBase, reports: Sequence[Report], guild: str) -> None:
        super().__init__(timeout=VIEW_TIMEOUT_S)
        self.kb = kb
        self.reports = list(reports)
        self.guild = guild
        self.index = 0
        self.interaction: discord.Interaction | None = None  # the /reports interaction, for timeout
        self._sync()

    def page(self) -> tuple[discord.Embed | None, str | None]:
        """The current report's embed, or a line saying none are left."""
        if not self.reports:
            return None, NONE_OPEN
        embed = report_embed(self.reports[self.index], self.index + 1, len(self.reports))
        return fit_embeds([embed])[0], None

    def _sync(self) -> None:
        self.index = max(0, min(self.index, len(self.reports) - 1))
        empty = not self.reports
        self.previous.disabled = empty or self.index == 0
        self.next.disabled = empty or self.index >= len(self.reports) - 1
        self.confirm.disabled = self.dismiss.disabled = empty

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Every click: administrators only (permissions may have changed since ``/reports``)."""
        await super().interaction_check(interaction)
        refusal = guards.admin_refusal(interaction)
        if refusal is None:
            return True
        await interaction.response.send_message(refusal, ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())
        return False

    async def _show(self, interaction: discord.Interaction, note: str | None = None) -> None:
        self._sync()
        embed, text = self.page()
        content = " ".join(part for part in (note, text) if part) or None
        await interaction.response.edit_message(content=content, embed=embed, view=self,
                                                allowed_mentions=discord.AllowedMentions.none())

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[ReportsView]) -> None:
        self.index -= 1
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[ReportsView]) -> None:
        self.index += 1
        await self._show(interaction)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[ReportsView]) -> None:
        """The quote is wrong: later answers mark it disputed."""
        await self._resolve(interaction, confirmed=True)

    @discord.ui.button(label="Dismiss", style=discord.ButtonStyle.secondary)
    async def dismiss(self, interaction: discord.Interaction, button: discord.ui.Button[ReportsView]) -> None:
        """The quote stands: the report leaves the list."""
        await self._resolve(interaction, confirmed=False)

    async def _resolve(self, interaction: discord.Interaction, confirmed: bool) -> None:
        report = self.reports[self.index]
        try:
            done = await run_blocking(self.kb.resolve_report, report.id, confirmed, str(interaction.user.id))
            note = f"Report {done.id} {done.status}."
        except KnowledgeError as error:  # already resolved by someone else, or gone
            note = error_line(str(error))
        log.info("report %s %s by user %s", report.id, "confirmed" if confirmed else "dismissed",
                 interaction.user.id)
        self.reports = await run_blocking(self.kb.reports, "open", self.guild)
        await self._show(interaction, note)

    async def on_timeout(self) -> None:
        """Disable the buttons on the message when the view stops listening."""
        for child in self.children:
            if isinstance(child, discord.ui.Button):
                child.disabled = True
        if self.interaction is not None:
            try:
                await self.interaction.edit_original_response(view=self,
                                                              allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException:
                log.debug("could not disable the /reports buttons", exc_info=True)


class Reports(commands.Cog):
    """Misquote reports: administrators review what readers reported."""

    def __init__(self, kb: ReportsKnowledgeBase) -> None:
        self.kb = kb

    @app_commands.command(name="reports", description="Review this server's open misquote reports")
    @app_commands.guild_only()
    @app_commands.default_permissions(administrator=True)
    @guards.allowed_channel()
    @guards.is_admin()
    async def reports(self, interaction: discord.Interaction) -> None:
        """Show the open misquote reports, privately, with Confirm and Dismiss."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = str(interaction.guild_id)
        found = await run_blocking(self.kb.reports, "open", guild)
        view = ReportsView(self.kb, found, guild)
        embed, text = view.page()
        view.interaction = interaction
        if embed is None:
            await interaction.followup.send(text or NONE_OPEN, ephemeral=True,
                                            allowed_mentions=discord.AllowedMentions.none())
            return
        await interaction.followup.send(embed=embed, view=view, ephemeral=True,
                                        allowed_mentions=discord.AllowedMentions.none())


async def setup(bot: DisclosureBot) -> None:
    """Load the cog with the knowledge base the bot was built with."""
    await bot.add_cog(Reports(cast(ReportsKnowledgeBase, bot.kb)))
