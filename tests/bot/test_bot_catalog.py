"""/sources, /source (with "Show text"), /about and /forget (confirm, cancel, timeout, not the asker)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine
from typing import Any
from unittest import mock

import discord
from bot_fakes import (
    BLOG,
    DAILY,
    NOTICE,
    TIMES,
    FakeInteraction,
    FakeKnowledgeBase,
    make_interaction,
)

from bot.exts.about import About
from bot.exts.forget import Forget
from bot.exts.sources import Sources, source_choices
from bot.render_catalog import SOURCES_PER_PAGE, newest_first, text_pages
from bot.views.confirm import CANCELLED, NOT_YOURS, TIMED_OUT, ConfirmView
from bot.views.pages import PagesView
from bot.views.source import SourceView
from knowledge.errors import SourceNotFoundError

ADMIN = discord.Permissions(administrator=True)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def invoke(cog: Any, command: Any, *args: Any, **interaction: Any) -> FakeInteraction:
    async def go() -> FakeInteraction:
        fake = make_interaction(cog.kb.events, command=command, **interaction)
        await command.callback(cog, fake.interaction, *args)
        return fake

    return run(go())


def test_sources_lists_newest_first_privately_with_ids_in_pages() -> None:
    kb = FakeKnowledgeBase()
    cog = Sources(kb)

    fake = invoke(cog, cog.sources, None, None)

    fake.response.defer.assert_awaited_once_with(thinking=True, ephemeral=True)
    kwargs = fake.followup.send.await_args.kwargs
    assert kwargs["ephemeral"] is True and isinstance(kwargs["view"], PagesView)
    text = kwargs["embeds"][0].description
    order = [text.index(s.title) for s in (TIMES, DAILY, NOTICE, BLOG)]  # dated newest first, undated last
    assert order == sorted(order)
    assert f"`{NOTICE.id}`" in text


def test_sources_filters_by_organisation_and_kind() -> None:
    kb = FakeKnowledgeBase()
    kb.indexed[BLOG.id].organizations = ["Example Bank"]
    cog = Sources(kb)

    by_kind = invoke(cog, cog.sources, None, "article").followup.send.await_args.kwargs["embeds"][0]
    by_org = invoke(cog, cog.sources, "example bank", None).followup.send.await_args.kwargs["embeds"][0]

    assert DAILY.title in by_kind.description and NOTICE.title not in by_kind.description
    assert "(article)" in by_kind.title
    assert BLOG.title in by_org.description and DAILY.title not in by_org.description


def test_many_sources_turn_pages() -> None:
    kb = FakeKnowledgeBase()
    base = kb.indexed[NOTICE.id]
    for n in range(25):
        kb.indexed[f"src_{n:04d}"] = base.model_copy(update={"id": f"src_{n:04d}", "title": f"Letter {n}",
                                                              "date": dt.date(2024, 1, 1 + n)})
    cog = Sources(kb)

    view = invoke(cog, cog.sources, None, None).followup.send.await_args.kwargs["view"]

    assert len(view.pages) == 3 and SOURCES_PER_PAGE == 10
    assert view.pages[2][0].footer.text.startswith("21–29 of 29")


def test_source_autocomplete_matches_title_and_publisher_and_offers_ids() -> None:
    kb = FakeKnowledgeBase()

    by_publisher = run(source_choices(kb, "example daily"))
    by_title = run(source_choices(kb, "regulator"))

    assert [c.value for c in by_publisher] == [DAILY.id]
    assert by_publisher[0].name == f"{DAILY.title} — Example Daily"
    assert [c.value for c in by_title] == [TIMES.id]
    assert all(len(c.name) <= 100 for c in run(source_choices(kb, "")))


def test_source_shows_metadata_link_and_what_was_found() -> None:
    kb = FakeKnowledgeBase()
    cog = Sources(kb)

    fake = invoke(cog, cog.source, DAILY.id)

    assert fake.events[:3] == ["defer", "kb.resolve", "kb.attributions"]
    kwargs = fake.followup.send.await_args.kwargs
    (embed,) = kwargs["embeds"]
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == DAILY.title and embed.url == DAILY.url
    assert fields["Id"] == f"`{DAILY.id}`" and fields["Date"] == "4 Mar 2025" and fields["Kind"] == "article"
    assert fields["Publisher"] == "Example Daily"
    assert "Dana Whitfield (spokesperson): “We are still working out" in embed.description
    assert isinstance(kwargs["view"], SourceView)


def test_an_unknown_source_raises_for_the_trees_one_line() -> None:
    kb = FakeKnowledgeBase()
    cog = Sources(kb)

    async def go() -> None:
        fake = make_interaction(command=cog.source)
        try:
            await cog.source.callback(cog, fake.interaction, "src_nope")
        except SourceNotFoundError:
            return
        raise AssertionError("no error")

    run(go())


def test_show_text_sends_the_escaped_stored_text_privately_in_pages() -> None:
    kb = FakeKnowledgeBase()
    source = kb.indexed[NOTICE.id]

    async def go() -> FakeInteraction:
        view = SourceView(source)
        click = make_interaction(user_id=4242)
        await view.show_text.callback(click.interaction)
        return click

    click = run(go())

    kwargs = click.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True and kwargs["view"].owner_id == 4242
    assert r"Some \*text\* of src-notice with \<@123> in it." in kwargs["embeds"][0].description


def test_text_pages_cover_every_character_once() -> None:
    source = FakeKnowledgeBase().indexed[NOTICE.id]
    long = source.model_copy(update={"text": "\n\n".join(f"Paragraph {n}. " + "word " * 90 for n in range(40))})

    pages = text_pages(long)

    assert len(pages) > 3
    joined = "".join(p[0].description for p in pages)
    assert joined == long.text
    assert all(len(p[0].description) <= 4096 for p in pages)


def test_about_shows_counts_model_store_and_version_privately() -> None:
    kb = FakeKnowledgeBase()
    cog = About(kb)

    fake = invoke(cog, cog.about)

    kwargs = fake.followup.send.await_args.kwargs
    assert kwargs["ephemeral"] is True
    fields = {f.name: f.value for f in kwargs["embed"].fields}
    assert fields["Sources"] == "4" and fields["Chunks"] == "12" and fields["Statements found"] == "7"
    assert fields["Organisations"] == "2" and fields["Embedding model"] == "fake-embedder"
    assert fields["Store"] == "embedded (one process)"
    assert kwargs["embed"].footer.text == "disclosure-bot 0.1.0"


def forget_prompt(kb: FakeKnowledgeBase) -> tuple[FakeInteraction, ConfirmView]:
    cog = Forget(kb)
    fake = invoke(cog, cog.forget, NOTICE.id, permissions=ADMIN)
    return fake, fake.followup.send.await_args.kwargs["view"]


def test_forget_asks_privately_and_forgets_only_on_confirm() -> None:
    kb = FakeKnowledgeBase()

    async def go() -> tuple[FakeInteraction, FakeInteraction, ConfirmView]:
        cog = Forget(kb)
        fake = make_interaction(kb.events, command=cog.forget, permissions=ADMIN)
        await cog.forget.callback(cog, fake.interaction, NOTICE.id)
        view = fake.followup.send.await_args.kwargs["view"]
        assert "kb.forget" not in kb.events
        click = make_interaction(kb.events)
        await view.confirm.callback(click.interaction)
        return fake, click, view

    fake, click, view = run(go())

    prompt = fake.followup.send.await_args
    assert prompt.kwargs["ephemeral"] is True and "Forget **Email to customers**" in prompt.args[0]
    assert kb.events.count("kb.forget") == 1
    assert NOTICE.id not in kb.indexed
    assert view.outcome == "confirmed" and all(c.disabled for c in view.children)  # type: ignore[attr-defined]
    final = click.interaction.edit_original_response.await_args.kwargs["content"]
    assert final.startswith("Forgot **Email to customers**")


def test_forget_cancel_changes_nothing() -> None:
    kb = FakeKnowledgeBase()

    async def go() -> FakeInteraction:
        cog = Forget(kb)
        fake = make_interaction(kb.events, command=cog.forget, permissions=ADMIN)
        await cog.forget.callback(cog, fake.interaction, NOTICE.id)
        view = fake.followup.send.await_args.kwargs["view"]
        click = make_interaction()
        await view.cancel.callback(click.interaction)
        assert view.outcome == "cancelled"
        return click

    click = run(go())

    assert NOTICE.id in kb.indexed and "kb.forget" not in kb.events
    assert click.response.edit_message.await_args.kwargs["content"] == CANCELLED


def test_forget_is_answered_only_by_the_admin_who_asked_and_times_out_unchanged() -> None:
    kb = FakeKnowledgeBase()

    async def go() -> None:
        cog = Forget(kb)
        fake = make_interaction(kb.events, command=cog.forget, permissions=ADMIN)
        await cog.forget.callback(cog, fake.interaction, NOTICE.id)
        view: ConfirmView = fake.followup.send.await_args.kwargs["view"]
        other = make_interaction(user_id=999)
        assert await view.interaction_check(other.interaction) is False
        assert other.response.send_message.await_args.args == (NOT_YOURS,)
        await view.on_timeout()
        assert view.outcome == "timed out"
        fake.messages[0].edit.assert_awaited_once()
        assert fake.messages[0].edit.await_args.kwargs["content"] == TIMED_OUT

    run(go())
    assert NOTICE.id in kb.indexed


def test_a_forget_that_fails_says_why_in_the_prompt() -> None:
    kb = FakeKnowledgeBase()
    kb.forget = mock.Mock(side_effect=SourceNotFoundError("no indexed source has id 'x'"))  # type: ignore[method-assign]

    async def go() -> FakeInteraction:
        cog = Forget(kb)
        fake = make_interaction(kb.events, command=cog.forget, permissions=ADMIN)
        await cog.forget.callback(cog, fake.interaction, NOTICE.id)
        click = make_interaction()
        await fake.followup.send.await_args.kwargs["view"].confirm.callback(click.interaction)
        return click

    click = run(go())

    assert click.interaction.edit_original_response.await_args.kwargs["content"] == "no indexed source has id 'x'"


def test_newest_first_puts_undated_sources_last() -> None:
    kb = FakeKnowledgeBase()

    assert [s.id for s in newest_first(kb.sources())] == [TIMES.id, DAILY.id, NOTICE.id, BLOG.id]
