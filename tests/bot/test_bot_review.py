"""An adversarial review of the Discord front end (issue 10): inputs and timings chosen to break it.

Each test names the requirement it attacks: no link previews, quoted words verbatim with markdown
escaped, every command behind the channel allow-list, a failing button answered once, views that
disable their buttons while Discord still lets them, autocomplete at its edges, /ingest's refusals.
"""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import re
import threading
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from bot_fakes import (
    NOTICE,
    FakeKnowledgeBase,
    UploadingFakeKnowledgeBase,
    harborline_answer,
    indexed,
    item,
    make_interaction,
    make_settings,
    set_up,
)
from discord import app_commands
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bot_feeds import FakeFeedsKnowledgeBase, feed
from test_bot_feeds import fake_bot as feeds_bot
from test_bot_feeds import manager as feeds_manager
from test_bot_ingest import Run, attachment, start
from test_bot_watch import WatchKnowledgeBase

from bot import limits
from bot import render_catalog as render_catalog_module
from bot.client import DisclosureBot
from bot.exts._organizations import full_name, organization_choices
from bot.exts.about import About
from bot.exts.ask import Ask
from bot.exts.feeds import Feeds
from bot.exts.forget import Forget
from bot.exts.reports import ReportsView
from bot.exts.sources import Sources, source_choices
from bot.exts.watch import WatchCog
from bot.guards import Refusal
from bot.render import render_answer
from bot.render_catalog import text_pages
from bot.render_text import error_line, escape, fit
from bot.views import pages as pages_module
from bot.views import source as source_view_module
from bot.views.confirm import ConfirmView
from bot.views.pages import PagesView
from knowledge.errors import KnowledgeError
from knowledge.feeds.registry import Feed
from knowledge.records import SourceRef
from knowledge.reports import Report

#: A URL that Discord would unfurl into a preview: not inside <…> and the message not flagged.
_BARE_URL = re.compile(r"(?<!<)https?://[^\s>]+")
#: Characters that are Discord markdown or start a mention; each must show as itself.
NASTY = ("Step *one* _two_ ~~three~~ ||four|| `five` ```six``` > seven \\ eight @everyone <@123> <@&9> "
         "<#1> <t:1:R> <id:customize> [x](http://evil.example) # nine -# ten")


def unescape(shown: str) -> str:
    """What a reader sees: every backslash escape undone (Discord shows ``\\*`` as ``*``)."""
    return re.sub(r"\\(.)", r"\1", shown, flags=re.DOTALL)


def previews(text: str | None, **kwargs: Any) -> list[str]:
    """The URLs in ``text`` that Discord would show a link preview for."""
    if not text or kwargs.get("suppress_embeds"):
        return []
    return _BARE_URL.findall(text)


def started_bot(kb: Any = None, **settings: object) -> DisclosureBot:
    bot = DisclosureBot(kb or UploadingFakeKnowledgeBase(), make_settings(**settings))
    with mock.patch.object(bot.tree, "sync", mock.AsyncMock(return_value=[])):
        asyncio.run(set_up(bot))
    return bot


# link previews ------------------------------------------------------------------------------------


def test_an_error_line_that_names_a_url_shows_no_link_preview() -> None:
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings())
    fake = make_interaction(client=bot)
    error = KnowledgeError("could not fetch https://evil.example/leak?a=1: 404; nor 'http://b.example/x'")

    asyncio.run(bot.tree.on_error(fake.interaction, app_commands.CommandInvokeError(mock.Mock(), error)))

    (call,) = fake.sends()
    text = call.args[0] if call.args else call.kwargs["content"]
    assert "evil.example/leak?a=1" in text and "b.example/x" in text
    assert previews(text, **call.kwargs) == []


def test_error_line_keeps_a_url_readable_without_a_preview() -> None:
    line = error_line("nothing at https://harborline.example/notice_2025 (gone)")
    assert "<https://harborline.example/notice_2025>" in line
    assert previews(line) == []


def test_a_failed_forget_naming_a_url_shows_no_link_preview() -> None:
    async def confirm(interaction: discord.Interaction) -> str:
        raise KnowledgeError("no indexed source has URL https://evil.example/x")

    view = ConfirmView(1001, confirm)
    fake = make_interaction(user_id=1001)
    fake.interaction.data = {"custom_id": "x", "component_type": 2}
    asyncio.run(view._scheduled_task(view.confirm, fake.interaction))

    edit = fake.interaction.edit_original_response.await_args
    assert "evil.example/x" in edit.kwargs["content"] and previews(edit.kwargs["content"]) == []


# quoted words -------------------------------------------------------------------------------------


def test_escape_shows_every_markdown_and_mention_character_as_itself() -> None:
    shown = escape(NASTY)
    assert unescape(shown) == NASTY
    for mention in ("<@123>", "<@&9>", "<#1>", "<t:1:R>", "<id:customize>"):
        assert "\\" + mention in shown, mention
    for mark in ("*", "_", "~", "|", "`"):  # every one escaped (odd run of backslashes before it)
        for match in re.finditer(re.escape(mark), shown):
            run = len(shown[: match.start()]) - len(shown[: match.start()].rstrip("\\"))
            assert run % 2 == 1, (mark, shown[max(0, match.start() - 5): match.end() + 5])


def test_a_quote_full_of_markdown_renders_verbatim_or_as_its_prefix_and_an_ellipsis() -> None:
    short = NASTY
    long = (NASTY + " ") * 12
    answer = harborline_answer(quotes=[item(short, NOTICE), item(long, NOTICE)], statements=[])

    embeds = render_answer(answer)

    values = [f.value for e in embeds for f in e.fields if f.value.startswith("“")]
    assert len(values) == 2
    for value, source in zip(values, (short, long), strict=True):
        words = unescape(value[1: value.index("”\n")])
        assert words == source or (words.endswith("…") and words[:-1].strip(" …") in source), words[:80]
        assert "<@123>" not in value.replace("\\<@123>", "")


# the channel allow-list ---------------------------------------------------------------------------


def _leaf_commands(bot: DisclosureBot) -> list[Any]:
    leaves = [c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)]
    leaves += bot.tree.get_commands(type=discord.AppCommandType.message)
    return leaves


def test_every_command_is_refused_outside_the_allowed_channels_even_to_an_administrator() -> None:
    bot = started_bot(allowed_channel_ids=[10])
    admin = discord.Permissions.all()
    refused = {}
    for command in _leaf_commands(bot):
        fake = make_interaction(command=command, client=bot, channel_id=99, permissions=admin)

        async def go(command: Any = command, fake: Any = fake) -> bool:
            try:
                return await command._check_can_run(fake.interaction)
            except Refusal:
                return False

        refused[command.qualified_name] = not asyncio.run(go())
    assert {"ask", "watch", "unwatch", "reports", "feeds add", "forget"} <= refused.keys()
    assert [name for name, no in refused.items() if not no] == []


# a button that fails ------------------------------------------------------------------------------


def test_a_reports_button_that_fails_unexpectedly_is_answered_with_one_line() -> None:
    report = Report(id=1, created_at=dt.datetime(2025, 3, 6, tzinfo=dt.UTC), reporter="11", guild="2002",
                    question="What did Harborline say?", wrong="not their words")
    kb = mock.Mock()
    kb.resolve_report.side_effect = RuntimeError("database is locked")
    view = ReportsView(kb, [report], "2002")
    fake = make_interaction(permissions=discord.Permissions(administrator=True))
    fake.interaction.data = {"custom_id": "x", "component_type": 2}

    asyncio.run(view._scheduled_task(view.confirm, fake.interaction))

    (call,) = fake.sends()
    assert call.kwargs["ephemeral"] is True and "database" not in str(call)
    assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}


# views and the 15-minute token --------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: PagesView(1001, [[discord.Embed(title="1")], [discord.Embed(title="2")]]),
    lambda: ConfirmView(1001, mock.AsyncMock(return_value="done")),
])
def test_a_view_clicked_late_still_times_out_while_its_message_can_be_edited(
        make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [5000.0]
    monkeypatch.setattr(pages_module.time, "monotonic", lambda: now[0])
    view = make()
    fake = make_interaction(user_id=1001)
    now[0] += 12 * 60  # a click 12 minutes after the command: the token has 3 minutes left

    asyncio.run(view.interaction_check(fake.interaction))

    assert view.timeout is not None
    assert 12 * 60 + view.timeout <= limits.TOKEN_VALID_S - 30


# autocomplete at its edges ------------------------------------------------------------------------


def _catalogue(count: int, title_length: int) -> FakeKnowledgeBase:
    kb = FakeKnowledgeBase()
    refs = [SourceRef(id=f"src_{n:04d}", title=f"Harborline notice {n} " + "é😀" * title_length,
                      publisher="Harborline Market " + "x" * 150, date=dt.date(2025, 1, 1 + n % 28), kind="notice")
            for n in range(count)]
    kb._indexed = {ref.id: indexed(ref) for ref in refs}
    return kb


@pytest.mark.parametrize(("count", "typed", "expected"), [(0, "", 0), (1, "harbor", 1), (30, "notice", 25),
                                                          (30, "nothing like it", 0)])
def test_source_autocomplete_keeps_discords_limits(count: int, typed: str, expected: int) -> None:
    choices = asyncio.run(source_choices(_catalogue(count, 80), typed))
    assert len(choices) == expected
    for choice in choices:
        assert 1 <= limits.discord_len(choice.name) <= limits.CHOICE_MAX
        assert 1 <= len(choice.value) <= limits.CHOICE_MAX


def test_organisation_autocomplete_offers_long_names_shortened_and_maps_them_back() -> None:
    names = [f"Harborline Market Holdings {'and Subsidiaries ' * 8}{n}" for n in range(30)]
    kb = FakeKnowledgeBase(organizations=names)

    choices = asyncio.run(organization_choices(kb, "harborline"))

    assert len(choices) == limits.CHOICES_MAX
    assert all(len(c.name) <= limits.CHOICE_MAX and len(c.value) <= limits.CHOICE_MAX for c in choices)
    assert len({c.value for c in choices}) == len(choices)
    assert [full_name(c.value, names) for c in choices] == sorted(names, key=str.casefold)[:limits.CHOICES_MAX]


# /ingest's cheap refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(("file", "date", "line"), [
    (attachment("setup.exe"), None, "Files of type .exe cannot be read"),
    (attachment("README"), None, "Files of type (none) cannot be read"),
    (attachment("notice.txt", size=2**40), None, "The file is 1048576.0 MB; the limit is 25 MB."),
    (attachment(), "2025-02-30", "The date must be written YYYY-MM-DD"),
])
def test_ingest_refuses_what_it_cannot_take_in_one_line_before_deferring(file: Any, date: str | None,
                                                                         line: str) -> None:
    kb = UploadingFakeKnowledgeBase()

    run = start(Run(kb), file, None, None, None, date)

    (call,) = run.fake.sends()
    assert run.fake.events == ["send_message"] and call.args[0].startswith(line)
    assert call.kwargs["ephemeral"] is True and kb.uploads == []


# the event loop -----------------------------------------------------------------------------------


def test_show_text_lays_out_a_long_text_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    source = FakeKnowledgeBase().indexed[NOTICE.id]
    on_main: list[bool] = []

    def pages(src: Any) -> list[list[discord.Embed]]:
        on_main.append(threading.current_thread() is threading.main_thread())
        return text_pages(src)

    monkeypatch.setattr(source_view_module, "text_pages", pages)
    view = source_view_module.SourceView(source)
    click = make_interaction(user_id=4242)

    asyncio.run(view.show_text.callback(click.interaction))

    assert on_main == [False]
    assert click.response.send_message.await_args.kwargs["view"].owner_id == 4242


# escaping, for any text ---------------------------------------------------------------------------

_MARKUP = st.sampled_from(list("*_~|`>#-[]()\\<@&!:t \n") + ["<@1>", "<#2>", "<t:3:R>", "@everyone", "||", "```",
                                                              "[a](b)", "1. ", "  - "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_MARKUP, st.text(max_size=4)), max_size=40).map("".join), st.integers(2, 120))
def test_any_text_escaped_and_cut_shows_its_own_characters(raw: str, limit: int) -> None:
    shown = escape(raw)
    assert unescape(shown) == raw
    assert not re.search(r"(?<!\\)<(?=@|#|/|a?:\w|t:\d|id:)", shown.replace("\\\\", ""))
    cut_shown = unescape(fit(raw, limit))
    assert cut_shown == raw or (cut_shown.endswith("…") and raw.startswith(cut_shown[:-1].rstrip()))


# allowed_mentions on every message ----------------------------------------------------------------

_SENDS = {"send", "edit", "send_message", "edit_message", "edit_original_response"}


def test_every_send_and_edit_in_the_bot_passes_allowed_mentions() -> None:
    """A static walk of bot/: each call that sends or edits a message names ``allowed_mentions``
    (the client's default is none too, but a call that names it cannot lose it to a refactor)."""
    root = Path(__file__).resolve().parents[2] / "bot"
    missing = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SENDS:
                keywords = {k.arg for k in node.keywords}
                if "allowed_mentions" not in keywords and None not in keywords:  # None: **kwargs
                    missing.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.func.attr}")
    assert missing == []


# /forget: administrators only, on the click too ---------------------------------------------------


def test_forget_is_confirmed_only_by_an_administrator_still() -> None:
    kb = FakeKnowledgeBase()
    cog = Forget(kb)
    fake = make_interaction(kb.events, command=cog.forget, permissions=discord.Permissions(administrator=True))
    asyncio.run(cog.forget.callback(cog, fake.interaction, NOTICE.id))
    view = fake.followup.send.await_args.kwargs["view"]
    click = make_interaction(user_id=1001, permissions=discord.Permissions(manage_guild=True))  # admin removed
    click.interaction.data = {"custom_id": "x", "component_type": 2}

    asyncio.run(view._scheduled_task(view.confirm, click.interaction))

    (call,) = click.sends()
    assert call.args[0] == "Only the server's administrators can do this." and call.kwargs["ephemeral"] is True
    assert "kb.forget" not in kb.events and view.outcome is None


# empty and odd inputs -----------------------------------------------------------------------------


def test_sources_with_nothing_indexed_is_one_page_without_page_buttons() -> None:
    kb = FakeKnowledgeBase()
    kb._indexed = {}
    cog = Sources(kb)
    fake = make_interaction(kb.events, command=cog.sources)

    asyncio.run(cog.sources.callback(cog, fake.interaction))

    kwargs = fake.followup.send.await_args.kwargs
    assert kwargs["embeds"][0].description == "No indexed source matches." and kwargs["ephemeral"] is True
    assert [c.label for c in kwargs["view"].children] == []  # nothing to turn


def test_about_in_server_mode_names_the_chroma_server() -> None:
    kb = FakeKnowledgeBase()
    kb.about = lambda: {"sources": 0, "chunks": 0, "attributions": 0, "organizations": 0,  # type: ignore[method-assign]
                        "embedding_model": "fake-embedder", "store": "server", "version": "0.1.0"}
    cog = About(kb)
    fake = make_interaction(kb.events, command=cog.about)

    asyncio.run(cog.about.callback(cog, fake.interaction))

    fields = {f.name: f.value for f in fake.followup.send.await_args.kwargs["embed"].fields}
    assert fields["Store"] == "Chroma server" and fields["Sources"] == "0"


@pytest.mark.parametrize("parts", [{"embeds": [discord.Embed(description="Harborline said nothing")]},
                                   {"attachments": [mock.Mock(spec=discord.Attachment)]}, {}])
def test_the_message_command_on_a_message_with_no_words_answers_one_line(parts: dict[str, Any]) -> None:
    kb = FakeKnowledgeBase()
    cog = Ask(kb)
    message = mock.NonCallableMagicMock(spec=discord.Message, content="", **parts)
    fake = make_interaction(kb.events, command=cog.message_command)

    asyncio.run(cog.what_did_they_say(fake.interaction, message))

    (call,) = fake.sends()
    assert fake.events == ["send_message"] and kb.calls == [] and call.kwargs["ephemeral"] is True


# /watch and /unwatch: an organisation named in more than 100 characters ---------------------------

LONG_NAME = "Harborline Market Holdings " + "and Affiliated Regional Grocery Subsidiaries " * 3 + "plc"


def test_a_long_named_organisation_can_be_watched_and_unwatched_through_autocomplete(tmp_path: Path) -> None:
    kb = WatchKnowledgeBase(tmp_path / "watches.sqlite3", organizations=[LONG_NAME, "Example Bank"])
    cog = WatchCog(mock.NonCallableMagicMock(spec=discord.ext.commands.Bot), kb)  # type: ignore[arg-type]
    manager = discord.Permissions(manage_guild=True)

    (offered,) = asyncio.run(cog.organization_autocomplete(make_interaction().interaction,
                                                                    "holdings"))
    assert len(offered.name) <= limits.CHOICE_MAX and len(offered.value) <= limits.CHOICE_MAX
    fake = make_interaction(permissions=manager)
    asyncio.run(cog.watch.callback(cog, fake.interaction, offered.value))
    assert [w.organization for w in kb.store.watches("2002")] == [LONG_NAME]

    (watched,) = asyncio.run(cog.watched_autocomplete(make_interaction().interaction, ""))
    assert len(watched.name) <= limits.CHOICE_MAX and len(watched.value) <= limits.CHOICE_MAX
    fake = make_interaction(permissions=manager)
    asyncio.run(cog.unwatch.callback(cog, fake.interaction, watched.value))
    assert kb.store.watches("2002") == [] and "Stopped watching" in fake.followup.send.await_args.args[0]


def test_forgetting_a_source_titled_by_its_url_shows_no_link_preview() -> None:
    kb = FakeKnowledgeBase()
    untitled = kb.indexed[NOTICE.id].model_copy(update={"title": "https://harborline.example/notice"})
    kb._indexed = {NOTICE.id: untitled}
    cog = Forget(kb)
    fake = make_interaction(kb.events, command=cog.forget, permissions=discord.Permissions(administrator=True))

    asyncio.run(cog.forget.callback(cog, fake.interaction, NOTICE.id))

    prompt = fake.followup.send.await_args
    assert "harborline.example/notice" in prompt.args[0]
    assert previews(prompt.args[0], **prompt.kwargs) == []


def test_adding_a_feed_titled_by_its_url_shows_no_link_preview() -> None:
    class Untitled(FakeFeedsKnowledgeBase):
        def add_feed(self, url: str, kind: str | None = None, organization: str | None = None) -> Feed:
            return feed(url, title=url)

    cog = Feeds(feeds_bot(), Untitled(feeds=[]))
    fake = feeds_manager()

    asyncio.run(cog.feeds_add.callback(cog, fake.interaction, "https://bank.example/feed.xml"))

    call = fake.followup.send.await_args
    assert "https://bank.example/feed.xml (" in call.args[0]
    assert previews(call.args[0], **call.kwargs) == []


def test_show_text_of_a_huge_text_lays_out_only_the_page_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    source = FakeKnowledgeBase().indexed[NOTICE.id]
    huge = source.model_copy(update={"text": ("Some *text*, <@1> and _marks_. " * 40 + "\n\n") * 2000})
    escaped: list[int] = []
    real_escape = render_catalog_module.escape
    monkeypatch.setattr(render_catalog_module, "escape", lambda raw: escaped.append(len(raw)) or real_escape(raw))
    view = source_view_module.SourceView(huge)
    click = make_interaction(user_id=4242)

    asyncio.run(view.show_text.callback(click.interaction))

    kwargs = click.response.send_message.await_args.kwargs
    pager = kwargs["view"]
    assert len(pager.pages) > 500 and len(escaped) == 1  # the first page only (and the title's fit)
    assert unescape(kwargs["embeds"][0].description) == huge.text[: len(unescape(kwargs["embeds"][0].description))]
    assert pager.pages[-1][0].footer.text.endswith(f"part {len(pager.pages)} of {len(pager.pages)}")


# Discord's limits at their extremes ---------------------------------------------------------------


def _assert_within_limits(message: limits.Message) -> None:
    assert message.content or message.embeds
    assert message.content is None or limits.discord_len(message.content) <= limits.CONTENT_MAX
    assert len(message.embeds) <= limits.EMBEDS_PER_MESSAGE
    total = 0
    for embed in message.embeds:
        data = embed.to_dict()
        texts = [(data.get("title", ""), limits.TITLE_MAX), (data.get("description", ""), limits.DESCRIPTION_MAX),
                 (data.get("footer", {}).get("text", ""), limits.FOOTER_MAX),
                 (data.get("author", {}).get("name", ""), limits.AUTHOR_MAX)]
        fields = data.get("fields", [])
        assert len(fields) <= limits.FIELDS_PER_EMBED
        texts += [(f["name"], limits.FIELD_NAME_MAX) for f in fields] + [(f["value"], limits.FIELD_VALUE_MAX)
                                                                        for f in fields]
        assert all(f["name"] and f["value"] for f in fields)
        for text, limit in texts:
            assert limits.discord_len(text) <= limit
            total += limits.discord_len(text)
    assert total <= limits.TOTAL_CHARS_MAX


@pytest.mark.parametrize("char", ["x", "😀", "e\u0301", "\\", "👩\u200d👩\u200d👧", " ", "\n", "\u200b"])
def test_twelve_embeds_over_every_limit_at_once_are_split_into_messages_within_them(char: str) -> None:
    embeds = []
    for _ in range(12):
        embed = discord.Embed(title=char * 300, description=char * 5000)
        for _ in range(30):
            embed.add_field(name=char * 300, value=char * 1100)
        embeds.append(embed.set_footer(text=char * 2100).set_author(name=char * 300))

    messages = limits.fit_messages(embeds, content=char * 5000)

    for message in messages:
        _assert_within_limits(message)


def test_an_ingest_title_shows_the_file_name_as_typed_not_as_markdown() -> None:
    from bot.render_catalog import ingest_embed

    title = ingest_embed("__draft__ *notice*.pdf", None, [], status="Reading…").title
    assert title is not None and "\\_\\_draft\\_\\_" in title and "\\*notice\\*" in title
