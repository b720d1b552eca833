"""The catalogue commands and ``disclosure-bot sync`` against the real knowledge base (the fictional
Harborline corpus, fake embedder) and the real client class (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from unittest import mock

import discord
import pytest
from bot_fakes import make_interaction
from conftest import EXAMPLES_DIR

from bot.client import DisclosureBot
from bot.exts.about import About
from bot.exts.said import Said
from bot.exts.sources import Sources, source_choices
from knowledge.service import KnowledgeBase


def test_about_and_source_read_the_real_index(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    info = kb.about()
    notice = next(s for s in kb.sources() if s.kind == "notice")

    assert info["sources"] == len(kb.sources()) and info["chunks"] > 0 and info["attributions"] > 0
    assert info["organizations"] == len(kb.organizations())
    assert info["embedding_model"] == "fake-embedder" and info["store"] == "embedded"
    found = kb.attributions(notice.id)
    assert found and all(notice.text[a.start:a.end] == a.text for a in found)
    assert kb.attributions("src_unknown") == []

    async def go() -> None:
        about, sources = About(kb), Sources(kb)
        fake = make_interaction(command=about.about)
        await about.about.callback(about, fake.interaction)
        fields = {f.name: f.value for f in fake.followup.send.await_args.kwargs["embed"].fields}
        assert fields["Sources"] == str(info["sources"])

        choices = await source_choices(kb, notice.title[:12])
        assert notice.id in [c.value for c in choices]
        fake = make_interaction(command=sources.source)
        await sources.source.callback(sources, fake.interaction, notice.id)
        (embed,) = fake.followup.send.await_args.kwargs["embeds"]
        assert embed.title == notice.title and f"`{notice.id}`" in str(embed.to_dict())

    asyncio.run(go())


def test_said_answers_in_the_order_things_were_said(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])

    async def go() -> discord.Embed:
        cog = Said(kb)  # type: ignore[arg-type]
        fake = make_interaction(command=cog.said)
        await cog.said.callback(cog, fake.interaction, "Harborline Market")
        return fake.followup.send.await_args.kwargs["embeds"][0]

    embed = asyncio.run(go())

    assert embed.title == "What Harborline Market said"
    assert kb.ask("What did Harborline Market say?", "Harborline Market").question_type == "said"


@pytest.fixture
def sync_run(run: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
             ) -> tuple[Callable[..., tuple[int, str, str]], mock.AsyncMock]:
    sync = mock.AsyncMock(return_value=[mock.Mock()] * 7)
    logins: list[str] = []

    async def login(self: DisclosureBot, token: str) -> None:
        logins.append(token)
        await self.setup_hook()

    monkeypatch.setattr(DisclosureBot, "login", login)
    monkeypatch.setattr(discord.app_commands.CommandTree, "sync", sync)
    return run, sync


def test_sync_publishes_globally_and_never_at_start(sync_run, monkeypatch: pytest.MonkeyPatch) -> None:
    run, sync = sync_run
    monkeypatch.setenv("DISCORD_TOKEN", "t0ken")
    monkeypatch.setenv("DISCORD_GUILD_ID", "1234")  # set, yet `sync` syncs only what it is asked

    code, out, err = run("sync")

    assert code == 0, err
    sync.assert_awaited_once_with()
    assert out.strip().startswith("synced 7 command(s) globally")


def test_sync_to_one_guild(sync_run, monkeypatch: pytest.MonkeyPatch) -> None:
    run, sync = sync_run
    monkeypatch.setenv("DISCORD_TOKEN", "t0ken")

    code, out, _ = run("sync", "--guild", "555")

    assert code == 0
    assert sync.await_args.kwargs["guild"].id == 555
    assert out.strip() == "synced 7 command(s) to guild 555"


def test_sync_without_a_token_says_so(run: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = run("sync")

    assert code == 2 and "DISCORD_TOKEN" in err


def test_sources_of_an_organisation_by_an_alias_on_the_real_index(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    cog = Sources(kb)  # type: ignore[arg-type]

    by_alias = cog.matching("harborline", None)
    by_name = cog.matching("Harborline Market", None)
    notices = cog.matching("Harborline Market", "notice")

    assert by_alias == by_name and len(by_name) >= 2
    assert all("Harborline Market" in kb.resolve(s.id).organizations for s in by_name)
    assert notices and all(s.kind == "notice" for s in notices) and len(notices) < len(by_name)
    assert cog.matching("Nobody Inc", None) == []
