"""``/reports``: administrators page through open reports and confirm or dismiss them; nobody else can."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest
from bot_fakes import (
    DAILY,
    NOTICE,
    NOTICE_QUOTE,
    SPOKESPERSON_QUOTE,
    FakeInteraction,
    item,
    make_interaction,
)

from bot.exts.reports import NONE_OPEN, Reports, ReportsView
from bot.guards import Refusal, admin_refusal
from knowledge.reports import Report, ReportStore

GUILD = 2002


class StoreKnowledgeBase:
    """The cog's part of the knowledge base over a real report store; records the threads it ran on."""

    def __init__(self, path: Path) -> None:
        self.store = ReportStore(path)
        self.calls: list[str] = []

    def reports(self, status: str | None = "open", guild: str | None = None) -> list[Report]:
        self.calls.append("reports")
        return self.store.reports(status, guild)

    def resolve_report(self, report_id: int, confirmed: bool, by: str) -> Report:
        self.calls.append("resolve_report")
        return self.store.resolve(report_id, confirmed, by)


@pytest.fixture
def kb(tmp_path: Path) -> StoreKnowledgeBase:
    kb = StoreKnowledgeBase(tmp_path / "reports.sqlite3")
    kb.store.add("What did Harborline say?", "Harborline Market", [item(NOTICE_QUOTE, NOTICE)],
                 "these are not their words", reporter="11", guild=str(GUILD))
    kb.store.add("Did they apologise?", "Harborline Market", [item(SPOKESPERSON_QUOTE, DAILY)],
                 "wrong speaker", "We are still counting", reporter="12", guild=str(GUILD))
    kb.store.add("Other server", None, [item(NOTICE_QUOTE, NOTICE)], "elsewhere", reporter="13", guild="999")
    return kb


def admin_interaction(admin: bool = True, user_id: int = 77) -> FakeInteraction:
    fake = make_interaction(user_id=user_id, guild_id=GUILD)
    fake.interaction.permissions = discord.Permissions(administrator=admin)
    fake.interaction.data = {"custom_id": "x", "component_type": 2}
    return fake


def run_reports(kb: StoreKnowledgeBase, admin: bool = True) -> tuple[FakeInteraction, Reports]:
    cog = Reports(kb)
    fake = admin_interaction(admin)

    async def run() -> None:
        await cog.reports._check_can_run(fake.interaction)  # the checks the tree runs first
        await cog.reports.callback(cog, fake.interaction)

    asyncio.run(run())
    return fake, cog


def test_the_command_is_for_administrators_and_guilds_only() -> None:
    command = Reports.reports
    assert command.default_permissions == discord.Permissions(administrator=True)
    assert command.guild_only is True


def test_an_administrator_sees_this_servers_first_open_report_privately(kb: StoreKnowledgeBase) -> None:
    fake, _ = run_reports(kb)
    assert fake.events == ["defer", "followup.send"]
    fake.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    call = fake.followup.send.await_args
    assert call.kwargs["ephemeral"] is True
    assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}
    embed = call.kwargs["embed"]
    values = [f.value for f in embed.fields]
    assert "these are not their words" in values
    assert any(NOTICE.id in v and "Because of a configuration mistake" in v for v in values)
    assert embed.footer.text.startswith("Report 1 of 2 open")
    view = call.kwargs["view"]
    assert isinstance(view, ReportsView) and [r.guild for r in view.reports] == [str(GUILD)] * 2
    assert view.previous.disabled and not view.next.disabled


def test_someone_without_administrator_is_refused_before_anything_is_read(kb: StoreKnowledgeBase) -> None:
    with pytest.raises(Refusal, match="administrators"):
        run_reports(kb, admin=False)
    assert kb.calls == []


def click(view: ReportsView, button: discord.ui.Button, admin: bool = True, user_id: int = 77) -> FakeInteraction:
    fake = admin_interaction(admin, user_id)
    asyncio.run(view._scheduled_task(button, fake.interaction))
    return fake


def test_confirm_resolves_the_shown_report_and_shows_the_next(kb: StoreKnowledgeBase) -> None:
    fake, _ = run_reports(kb)
    view = fake.followup.send.await_args.kwargs["view"]
    first = view.reports[0]
    clicked = click(view, view.confirm)
    stored = kb.store.get(first.id)
    assert (stored.status, stored.resolved_by) == ("confirmed", "77")
    edit = clicked.response.edit_message.await_args
    assert edit.kwargs["content"] == f"Report {first.id} confirmed."
    assert "wrong speaker" in [f.value for f in edit.kwargs["embed"].fields]
    assert edit.kwargs["embed"].footer.text.startswith("Report 1 of 1 open")


def test_dismiss_then_nothing_left(kb: StoreKnowledgeBase) -> None:
    fake, _ = run_reports(kb)
    view = fake.followup.send.await_args.kwargs["view"]
    click(view, view.next)
    assert view.index == 1 and view.next.disabled and not view.previous.disabled
    second = view.reports[1]
    click(view, view.dismiss)
    assert kb.store.get(second.id).status == "dismissed"
    last = click(view, view.dismiss)
    edit = last.response.edit_message.await_args
    assert edit.kwargs["embed"] is None and NONE_OPEN in edit.kwargs["content"]
    assert view.confirm.disabled and view.dismiss.disabled
    assert [r.status for r in kb.store.reports(None, str(GUILD))] == ["dismissed", "dismissed"]


def test_a_click_by_a_non_administrator_is_refused_and_changes_nothing(kb: StoreKnowledgeBase) -> None:
    fake, _ = run_reports(kb)
    view = fake.followup.send.await_args.kwargs["view"]
    clicked = click(view, view.confirm, admin=False, user_id=5)
    assert clicked.sends()[0].args[0] == admin_refusal(clicked.interaction)
    assert clicked.sends()[0].kwargs["ephemeral"] is True
    clicked.response.edit_message.assert_not_awaited()
    assert [r.status for r in kb.store.reports(None, str(GUILD))] == ["open", "open"]


def test_a_report_resolved_meanwhile_is_said_and_the_list_refreshed(kb: StoreKnowledgeBase) -> None:
    fake, _ = run_reports(kb)
    view = fake.followup.send.await_args.kwargs["view"]
    kb.store.resolve(view.reports[0].id, confirmed=False, by="someone-else")
    clicked = click(view, view.confirm)
    content = clicked.response.edit_message.await_args.kwargs["content"]
    assert "already dismissed by someone-else" in content
    assert kb.store.get(view.reports[0].id).status == "open" and len(view.reports) == 1


def test_no_open_reports_is_one_line(tmp_path: Path) -> None:
    fake, _ = run_reports(StoreKnowledgeBase(tmp_path / "r.sqlite3"))
    assert fake.followup.send.await_args.args[0] == NONE_OPEN
    assert "view" not in fake.followup.send.await_args.kwargs


def test_a_disputed_quote_is_marked_in_the_discord_answer() -> None:
    from bot_fakes import harborline_answer

    from bot.render import DISPUTED, render_answer

    answer = harborline_answer()
    assert DISPUTED not in str([e.to_dict() for e in render_answer(answer)])
    answer.quotes[0].disputed = True
    fields = [f.value for e in render_answer(answer) for f in e.fields]
    assert [DISPUTED in v for v in fields if "configuration mistake, your order" in v or "working out" in v] == [
        True, False]
