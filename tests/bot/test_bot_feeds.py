"""``/feeds add|list|remove`` (Manage Server or the ingest role) and the polling loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from unittest import mock

import discord
import pytest
from bot_fakes import FakeInteraction, make_interaction, make_settings
from discord import app_commands
from discord.ext import commands

from bot.background import BackgroundTasks
from bot.exts.feeds import Feeds
from bot.guards import Refusal
from knowledge.errors import FeedNotFoundError
from knowledge.feeds.polling import FeedOutcome, FeedPollResult
from knowledge.feeds.registry import Feed
from knowledge.records import IngestReport

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def feed(url: str = "https://harborline.example/news.xml", **fields: object) -> Feed:
    values: dict[str, object] = {"id": "feed_0123456789", "url": url, "title": "Harborline newsroom",
                                 "added_at": NOW, "organization": "Harborline Market"}
    values.update(fields)
    return Feed(**values)


class FakeFeedsKnowledgeBase:
    """Feeds in a list; ``poll_feeds`` returns (or raises) what ``polls`` holds, one per call."""

    def __init__(self, feeds: list[Feed] | None = None, polls: list[FeedPollResult | Exception] | None = None) -> None:
        self.feed_list = feeds if feeds is not None else [feed()]
        self.polls = polls if polls is not None else []
        self.calls: list[tuple[str, tuple[object, ...], bool]] = []

    def _note(self, name: str, *args: object) -> None:
        self.calls.append((name, args, threading.current_thread() is threading.main_thread()))

    def add_feed(self, url: str, kind: str | None = None, organization: str | None = None) -> Feed:
        self._note("add_feed", url, kind, organization)
        added = feed(url, kind=kind or "article", organization=organization)
        self.feed_list.append(added)
        return added

    def feeds(self) -> list[Feed]:
        self._note("feeds")
        return list(self.feed_list)

    def remove_feed(self, selector: str) -> Feed:
        self._note("remove_feed", selector)
        for f in self.feed_list:
            if selector in (f.id, f.url):
                self.feed_list.remove(f)
                return f
        raise FeedNotFoundError(f"no feed has id or URL {selector!r}")

    def poll_feeds(self, force: bool = False, progress: object = None) -> FeedPollResult:
        self._note("poll_feeds", force)
        outcome = self.polls.pop(0) if self.polls else FeedPollResult()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def organizations(self) -> list[str]:
        return ["Harborline Market"]


def fake_bot() -> mock.NonCallableMagicMock:
    bot = mock.NonCallableMagicMock(spec=commands.Bot)
    bot.background = BackgroundTasks()
    bot.settings = make_settings()
    return bot


def manager(manage: bool = True) -> FakeInteraction:
    fake = make_interaction(user_id=77, guild_id=2002)
    fake.interaction.permissions = discord.Permissions(manage_guild=manage)
    fake.interaction.user.roles = []
    fake.interaction.client = fake_bot()
    return fake


def invoke(cog: Feeds, command: app_commands.Command, fake: FakeInteraction, *args: object) -> None:
    async def run() -> None:
        await command._check_can_run(fake.interaction)  # the checks the tree runs first
        await command.callback(cog, fake.interaction, *args)
        await asyncio.sleep(0)  # let a spawned poll start
        if cog.bot.background._tasks:
            await asyncio.wait(set(cog.bot.background._tasks))

    asyncio.run(run())


def only_text(fake: FakeInteraction) -> str:
    (call,) = fake.followup.send.await_args_list
    assert call.kwargs["ephemeral"] is True and call.kwargs["allowed_mentions"].to_dict() == {"parse": []}
    return call.args[0]


def test_the_group_needs_manage_server_in_a_guild_and_describes_every_option() -> None:
    group = Feeds(fake_bot(), FakeFeedsKnowledgeBase()).app_command
    assert group.name == "feeds" and group.guild_only is True
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert sorted(c.name for c in group.commands) == ["add", "list", "remove"]
    for command in group.commands:
        assert all(p.description and p.description != "…" for p in command.parameters)
    add = group.get_command("add")
    kinds = [c.value for c in add._params["kind"].choices]
    assert kinds == ["notice", "statement", "filing", "article", "opinion"]


def test_add_registers_off_the_event_loop_answers_privately_and_polls_at_once() -> None:
    kb = FakeFeedsKnowledgeBase(feeds=[])
    cog = Feeds(fake_bot(), kb, poll_minutes=15)
    fake = manager()
    invoke(cog, cog.feeds_add, fake, " https://bank.example/feed.xml ", "notice", "Example Bank")
    fake.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert kb.calls[0] == ("add_feed", ("https://bank.example/feed.xml", "notice", "Example Bank"), False)
    text = only_text(fake)
    assert "`feed_0123456789` added" in text and "kind notice" in text and "every 15 minutes" in text
    assert ("poll_feeds", (False,), False) in kb.calls


def test_a_member_without_manage_server_or_the_role_is_refused_before_anything_runs() -> None:
    kb = FakeFeedsKnowledgeBase()
    cog = Feeds(fake_bot(), kb)
    for command, args in ((cog.feeds_add, ("https://x.example/f",)), (cog.feeds_list, ()),
                          (cog.feeds_remove, ("feed_0123456789",))):
        fake = manager(manage=False)
        with pytest.raises(Refusal, match="Manage Server"):
            invoke(cog, command, fake, *args)
        fake.response.defer.assert_not_awaited()
    assert kb.calls == []


def test_list_shows_each_feed_and_its_failures() -> None:
    failing = feed("https://times.example/rss", id="feed_aaaaaaaaaa", title="Times *feed*", failures=2,
                   last_error="HTTP 503", next_poll_after=NOW, organization=None)
    cog = Feeds(fake_bot(), FakeFeedsKnowledgeBase([feed(), failing]))
    fake = manager()
    invoke(cog, cog.feeds_list, fake)
    (call,) = fake.followup.send.await_args_list
    (embed,) = call.kwargs["embeds"]
    assert embed.title == "2 feeds"
    first, second = embed.fields
    assert "`https://harborline.example/news.xml`" in first.value and "Harborline Market" in first.value
    assert second.name == r"Times \*feed\*" and "2 failed poll(s) in a row: HTTP 503" in second.value


def test_list_without_feeds_is_one_line() -> None:
    cog = Feeds(fake_bot(), FakeFeedsKnowledgeBase([]))
    fake = manager()
    invoke(cog, cog.feeds_list, fake)
    assert only_text(fake).startswith("No feeds yet")


def test_remove_by_id_and_an_unknown_feed_is_the_knowledge_error() -> None:
    kb = FakeFeedsKnowledgeBase()
    cog = Feeds(fake_bot(), kb)
    fake = manager()
    invoke(cog, cog.feeds_remove, fake, "feed_0123456789")
    assert "`feed_0123456789` removed" in only_text(fake) and kb.feed_list == []
    with pytest.raises(FeedNotFoundError):
        invoke(cog, cog.feeds_remove, manager(), "feed_0123456789")


def test_remove_autocomplete_offers_feeds_by_title_or_url_with_their_id() -> None:
    cog = Feeds(fake_bot(), FakeFeedsKnowledgeBase())
    choices = asyncio.run(cog.feed_autocomplete(manager().interaction, "NEWSROOM"))
    assert [(c.name, c.value) for c in choices] == [
        ("Harborline newsroom · https://harborline.example/news.xml", "feed_0123456789")]


def changed_result() -> FeedPollResult:
    report = IngestReport(added=["src_1"])
    return FeedPollResult(feeds=[FeedOutcome(feed=feed(), status="ok", new=["https://x.example/1"])], report=report)


def test_a_poll_that_changed_sources_dispatches_knowledge_ingested() -> None:
    result = changed_result()
    kb = FakeFeedsKnowledgeBase(polls=[result, FeedPollResult()])
    bot = fake_bot()
    cog = Feeds(bot, kb)
    asyncio.run(cog.poll_loop.coro(cog))  # one iteration, as the loop runs it
    bot.dispatch.assert_called_once_with("knowledge_ingested", result.report)
    assert kb.calls == [("poll_feeds", (False,), False)]
    asyncio.run(cog.poll_loop.coro(cog))  # nothing new: nothing dispatched
    bot.dispatch.assert_called_once()


def test_a_poll_that_raises_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    result = changed_result()
    kb = FakeFeedsKnowledgeBase(polls=[RuntimeError("disk full"), result])
    bot = fake_bot()
    cog = Feeds(bot, kb)
    asyncio.run(cog.poll_loop.coro(cog))
    assert "feed poll failed" in caplog.text and "disk full" in caplog.text
    bot.dispatch.assert_not_called()
    asyncio.run(cog.poll_loop.coro(cog))
    bot.dispatch.assert_called_once_with("knowledge_ingested", result.report)


def test_the_loop_starts_on_load_with_the_setting_and_stops_on_unload() -> None:
    kb = FakeFeedsKnowledgeBase()
    bot = fake_bot()
    cog = Feeds(bot, kb, poll_minutes=7)

    async def run() -> None:
        await cog.cog_load()
        assert cog.poll_loop.minutes == 7 and cog.poll_loop.is_running()
        for _ in range(200):  # the first poll runs once the bot is ready
            if kb.calls:
                break
            await asyncio.sleep(0.01)
        await cog.cog_unload()
        await asyncio.sleep(0.05)
        assert not cog.poll_loop.is_running()

    asyncio.run(run())
    bot.wait_until_ready.assert_awaited()
    assert kb.calls == [("poll_feeds", (False,), False)]


def test_no_poll_starts_once_shutdown_has_begun(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    kb = FakeFeedsKnowledgeBase(polls=[changed_result()])
    bot = fake_bot()
    cog = Feeds(bot, kb)

    async def run() -> None:
        await bot.background.close()
        assert await cog.poll_once() is None

    asyncio.run(run())
    assert kb.calls == [] and "shutting down" in caplog.text and "failed" not in caplog.text
    bot.dispatch.assert_not_called()
