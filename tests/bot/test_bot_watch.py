"""``/watch``, ``/unwatch`` and the listener that posts watched organisations' new words."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from unittest import mock

import discord
import pytest
from bot_fakes import DAILY, NOTICE, FakeInteraction, item, make_interaction

from bot.exts.watch import NO_PERMISSION, POST_QUOTES_MAX, WatchCog
from knowledge.errors import WatchError
from knowledge.records import IngestReport, NewWords
from knowledge.watch import Watch, WatchStore

GUILD = 2002
HERE = 5005


class WatchKnowledgeBase:
    """Organisations and a real watch store; records whether calls ran off the event loop's thread."""

    def __init__(self, path: Path, organizations: list[str] | None = None) -> None:
        self.store = WatchStore(path)
        self.names = organizations if organizations is not None else ["Harborline Market", "Example Bank"]
        self.main_thread: list[bool] = []

    def _note(self) -> None:
        self.main_thread.append(threading.current_thread() is threading.main_thread())

    def organizations(self) -> list[str]:
        self._note()
        return list(self.names)

    def watch(self, organization: str, guild: str, channel: str, by: str | None = None) -> tuple[Watch, bool]:
        self._note()
        return self.store.watch(organization, guild, channel, by)

    def unwatch(self, organization: str, guild: str, channel: str | None = None) -> list[Watch]:
        self._note()
        return self.store.unwatch(organization, guild, channel)

    def watches(self, guild: str | None = None) -> list[Watch]:
        return self.store.watches(guild)

    def watchers(self, organization: str) -> list[Watch]:
        self._note()
        return self.store.watchers(organization)


@pytest.fixture
def kb(tmp_path: Path) -> WatchKnowledgeBase:
    return WatchKnowledgeBase(tmp_path / "watches.sqlite3")


def text_channel(channel_id: int) -> mock.NonCallableMagicMock:
    channel = mock.NonCallableMagicMock(spec=discord.TextChannel)
    channel.id = channel_id
    return channel


def fake_bot(channels: dict[int, mock.NonCallableMagicMock]) -> mock.NonCallableMagicMock:
    bot = mock.NonCallableMagicMock(spec=discord.ext.commands.Bot)
    bot.get_channel.side_effect = channels.get
    bot.fetch_channel.side_effect = discord.NotFound(mock.Mock(status=404, reason="Not Found"), "Unknown Channel")
    return bot


def member(manage: bool = True) -> FakeInteraction:
    fake = make_interaction(user_id=77, guild_id=GUILD)
    fake.interaction.permissions = discord.Permissions(manage_guild=manage)
    fake.interaction.channel_id = HERE
    return fake


def run(cog: WatchCog, command: str, fake: FakeInteraction, *args: object) -> str:
    asyncio.run(getattr(cog, command).callback(cog, fake.interaction, *args))
    (call,) = fake.sends()
    assert call.kwargs["ephemeral"] is True
    assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}
    return call.args[0]


def test_both_commands_need_manage_server_in_a_guild() -> None:
    for command in (WatchCog.watch, WatchCog.unwatch):
        assert command.default_permissions == discord.Permissions(manage_guild=True)
        assert command.guild_only is True
        assert all(p.description for p in command.parameters)


def test_watch_here_by_default_matching_the_indexed_name_and_stored(kb: WatchKnowledgeBase) -> None:
    cog = WatchCog(fake_bot({}), kb)
    fake = member()
    text = run(cog, "watch", fake, "harborline market", None)
    assert fake.events == ["defer", "followup.send"]
    assert text == f"Watching Harborline Market: its new words will be posted in <#{HERE}>."
    assert [(w.guild, w.channel, w.organization, w.added_by) for w in kb.store.watches()] == [
        (str(GUILD), str(HERE), "Harborline Market", "77")]
    assert "already watched" in run(cog, "watch", member(), "Harborline Market", None)
    assert "already watched" in run(cog, "watch", member(), "harborline", None)  # an alias: the same watch
    assert kb.main_thread and not any(kb.main_thread)


def test_watch_in_another_channel_and_an_organisation_not_indexed_yet(kb: WatchKnowledgeBase) -> None:
    cog = WatchCog(fake_bot({}), kb)
    text = run(cog, "watch", member(), "Fenwick Bank", text_channel(6006))
    assert "<#6006>" in text and "Nothing of it is indexed yet" in text
    assert [w.channel for w in kb.store.watchers("Fenwick Bank")] == ["6006"]


def test_without_manage_server_nothing_is_stored(kb: WatchKnowledgeBase) -> None:
    cog = WatchCog(fake_bot({}), kb)
    fake = member(manage=False)
    assert run(cog, "watch", fake, "Harborline Market", None) == NO_PERMISSION
    assert fake.events == ["send_message"]
    assert run(cog, "unwatch", member(manage=False), "Harborline Market", None) == NO_PERMISSION
    assert kb.store.watches() == []


def test_unwatch_one_channel_or_all_and_an_unknown_watch_is_an_error(kb: WatchKnowledgeBase) -> None:
    kb.store.watch("Harborline Market", str(GUILD), "1")
    kb.store.watch("Harborline Market", str(GUILD), "2")
    kb.store.watch("Harborline Market", str(GUILD), "3")
    cog = WatchCog(fake_bot({}), kb)
    assert run(cog, "unwatch", member(), "Harborline Market", text_channel(1)) == \
        "Stopped watching Harborline Market in <#1>."
    assert run(cog, "unwatch", member(), "harborline market", None) == \
        "Stopped watching Harborline Market in <#2>, <#3>."
    with pytest.raises(WatchError):  # the tree's error handler shows it as one line
        asyncio.run(cog.unwatch.callback(cog, member().interaction, "Harborline Market", None))


def new_words(organization: str, text: str, source=NOTICE, **fields: object) -> NewWords:
    return NewWords(organization=organization, item=item(text, source), **fields)


def post(cog: WatchCog, report: IngestReport) -> None:
    asyncio.run(cog.on_knowledge_ingested(report))


def test_new_words_go_to_the_watching_channels_only(kb: WatchKnowledgeBase) -> None:
    watching, other, elsewhere = text_channel(1), text_channel(2), text_channel(3)
    kb.store.watch("Harborline", str(GUILD), "1")  # an alias of Harborline Market
    kb.store.watch("Example Bank", str(GUILD), "2")
    kb.store.watch("Harborline Market", "9009", "3")
    cog = WatchCog(fake_bot({1: watching, 2: other, 3: elsewhere}), kb)
    report = IngestReport(added=["src-notice"], new_words=[
        new_words("Harborline Market", "We have fixed it *now* <@123>."),
        new_words("Harborline Market", "We are still counting 45 customers.", DAILY, novelty="variant",
                  differs="“40” → “45”", previous="We are still counting 40 customers.", changed_meaning=True),
        new_words("Unwatched Co", "Nothing to see."),
    ])
    post(cog, report)
    other.send.assert_not_awaited()
    for channel in (watching, elsewhere):
        (call,) = channel.send.await_args_list
        assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}
        assert call.kwargs["content"] is None  # links only inside embeds: no link preview
        (embed,) = call.kwargs["embeds"]
        assert embed.title == "New words from Harborline Market"
        first, second = embed.fields
        assert first.name.startswith("new statement")
        assert r"We have fixed it \*now\* \<@123>." in first.value
        assert f"]({NOTICE.url})" in first.value and "Harborline Market" in first.value
        assert second.name.startswith("changed wording") and "“40” → “45”" in second.value
        assert "Nothing to see" not in str(embed.to_dict())
    assert kb.main_thread and not any(kb.main_thread)


def test_many_new_words_are_capped_and_counted(kb: WatchKnowledgeBase) -> None:
    channel = text_channel(1)
    kb.store.watch("Harborline Market", str(GUILD), "1")
    cog = WatchCog(fake_bot({1: channel}), kb)
    found = [new_words("Harborline Market", f"Statement number {i} " + "word " * 300) for i in range(25)]
    post(cog, IngestReport(new_words=found))
    embeds = [e for call in channel.send.await_args_list for e in call.kwargs["embeds"]]
    fields = [f for e in embeds for f in e.fields]
    assert len(fields) == POST_QUOTES_MAX
    assert all(len(f.value) <= 1024 for f in fields)
    assert all(sum(len(f.name) + len(f.value) for f in e.fields) + len(e.title or "") <= 6000 for e in embeds)
    assert embeds[-1].footer.text.startswith(f"and {25 - POST_QUOTES_MAX} more")


def test_nothing_new_posts_nothing_and_a_vanished_channel_is_skipped(kb: WatchKnowledgeBase) -> None:
    kept = text_channel(2)
    kb.store.watch("Harborline Market", str(GUILD), "1")  # deleted channel: fetch_channel answers 404
    kb.store.watch("Harborline Market", str(GUILD), "2")
    bot = fake_bot({2: kept})
    cog = WatchCog(bot, kb)
    post(cog, IngestReport(added=["src-x"]))
    kept.send.assert_not_awaited()
    post(cog, IngestReport(new_words=[new_words("Harborline Market", "We have fixed it.")]))
    bot.fetch_channel.assert_awaited_once_with(1)
    kept.send.assert_awaited_once()
    assert [w.channel for w in kb.store.watches()] == ["2"]  # the deleted channel's watch is removed


def test_an_ingest_into_a_real_knowledge_base_posts_its_new_words_once(tmp_path: Path, data_dir: Path) -> None:
    from conftest import EXAMPLES_DIR, FakeEmbedder, settings_for

    from knowledge.service import open_knowledge_base

    channel = text_channel(1)
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as real:
        real.watch("Harborline", str(GUILD), "1")
        cog = WatchCog(fake_bot({1: channel}), real)
        first, _ = real.ingest_paths([EXAMPLES_DIR / "01-notice-email.md"])
        post(cog, first)
        (call,) = channel.send.await_args_list
        (embed,) = call.kwargs["embeds"]
        assert embed.title == "New words from Harborline Market"
        assert any("Payment card numbers were not exposed" in f.value for f in embed.fields)
        again, _ = real.ingest_paths([EXAMPLES_DIR / "01-notice-email.md"])  # unchanged: nothing new
        post(cog, again)
        assert channel.send.await_count == 1
