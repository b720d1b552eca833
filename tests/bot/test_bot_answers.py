"""Answers in Discord: pages only the asker turns, buttons disabled on timeout, every source on
request, "Report misquote", private answers, thread mode, /said and the message command."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any
from unittest import mock

import discord
from bot_fakes import (
    DAILY,
    NOTICE,
    FakeInteraction,
    FakeKnowledgeBase,
    harborline_answer,
    item,
    make_interaction,
    make_settings,
)

from bot import render
from bot.client import DisclosureBot
from bot.exts.ask import MESSAGE_COMMAND, NO_TEXT, Ask, question_from
from bot.exts.said import Said, said_question
from bot.views.answer import AnswerView
from bot.views.pages import NOT_YOURS, PagesView
from bot.views.report import ReportModal
from knowledge.records import Answer, SourceRef

ASKER, OTHER = 1001, 1002


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def long_answer(quotes: int = 20) -> Answer:
    sources = [SourceRef(id=f"src-{n}", title=f"Story {n}", url=f"https://news.example/{n}", kind="article")
               for n in range(quotes)]
    return harborline_answer(quotes=[item(f"We said thing number {n}.", sources[n]) for n in range(quotes)],
                             sources=sources)


def sent_view(fake: FakeInteraction) -> AnswerView:
    return fake.followup.send.await_args.kwargs["view"]


def ask(kb: FakeKnowledgeBase, question: str = "What did Harborline say?", organization: str | None = None,
        private: bool = False, *, bot: DisclosureBot | None = None, channel_id: int = 5005,
        thread: bool = False) -> tuple[FakeInteraction, AnswerView]:
    result: list[Any] = []

    async def go() -> None:
        cog = Ask(kb, bot)
        fake = make_interaction(kb.events, command=cog.ask, channel_id=channel_id)
        if thread:
            fake.interaction.channel.type = discord.ChannelType.public_thread
        await cog.ask.callback(cog, fake.interaction, question, organization, private)
        result.extend([fake, sent_view(fake)])

    run(go())
    return result[0], result[1]


def test_a_long_answer_has_pages_that_the_asker_turns() -> None:
    async def go() -> None:
        view = AnswerView(ASKER, long_answer(20), FakeKnowledgeBase())
        assert len(view.pages) == 3  # 8 statements per page
        assert view.page_number.label == "1/3" and view.previous_page.disabled and not view.next_page.disabled

        click = make_interaction(user_id=ASKER)
        await view.next_page.callback(click.interaction)

        assert view.page == 1 and view.page_number.label == "2/3"
        kwargs = click.response.edit_message.await_args.kwargs
        assert kwargs["embeds"] == view.pages[1] and kwargs["view"] is view
        assert "We said thing number 8." in kwargs["embeds"][0].fields[0].value
        assert kwargs["embeds"][0].fields[0].name.startswith("9. ")

    run(go())


def test_another_user_cannot_turn_the_pages_and_gets_one_ephemeral_line() -> None:
    async def go() -> None:
        view = AnswerView(ASKER, long_answer(20), FakeKnowledgeBase())
        click = make_interaction(user_id=OTHER)

        await view.next_page.callback(click.interaction)

        assert view.page == 0
        click.response.edit_message.assert_not_awaited()
        (call,) = click.response.send_message.await_args_list
        assert call.args == (NOT_YOURS,) and call.kwargs["ephemeral"] is True
        assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}

    run(go())


def test_a_short_answer_has_no_page_buttons() -> None:
    async def go() -> None:
        view = AnswerView(ASKER, harborline_answer(), FakeKnowledgeBase())
        labels = [getattr(child, "label", None) for child in view.children]
        assert labels == ["Sources", "Report misquote"]

    run(go())


def test_on_timeout_every_button_is_disabled_on_the_message() -> None:
    async def go() -> None:
        view = AnswerView(ASKER, long_answer(20), FakeKnowledgeBase())
        message = mock.NonCallableMagicMock(spec=discord.WebhookMessage)
        view.attach(message)

        await view.on_timeout()

        assert all(child.disabled for child in view.children)  # type: ignore[attr-defined]
        message.edit.assert_awaited_once()
        kwargs = message.edit.await_args.kwargs
        assert kwargs["view"] is view and kwargs["allowed_mentions"].to_dict() == {"parse": []}

    run(go())


def test_a_view_times_out_after_its_timeout() -> None:
    async def go() -> None:
        view = PagesView(ASKER, [[discord.Embed(title="a")], [discord.Embed(title="b")]], timeout=0.05)
        message = mock.NonCallableMagicMock(spec=discord.WebhookMessage)
        view.attach(message)
        view._start_listening_from_store(mock.Mock())  # what sending it with a message does
        assert await asyncio.wait_for(view.wait(), 2) is True  # True: it timed out

        await asyncio.sleep(0)
        assert message.edit.await_count == 1 and all(c.disabled for c in view.children)  # type: ignore[attr-defined]

    run(go())


def test_the_sources_button_lists_every_source_to_the_presser_only() -> None:
    async def go() -> None:
        answer = long_answer(40)
        view = AnswerView(ASKER, answer, FakeKnowledgeBase())
        click = make_interaction(user_id=OTHER)

        await view.sources.callback(click.interaction)

        sends = click.sends()
        assert sends and all(call.kwargs["ephemeral"] is True for call in sends)
        text = "\n".join(e.description or "" for call in sends for e in call.kwargs["embeds"])
        assert all(f"[{s.title}]({s.url})" in text for s in answer.sources)

    run(go())


def test_report_misquote_opens_the_modal_with_the_quotes_numbered_so_far() -> None:
    async def go() -> None:
        answer = long_answer(20)
        kb = FakeKnowledgeBase(answer)
        view = AnswerView(ASKER, answer, kb)
        await view.next_page.callback(make_interaction(user_id=ASKER).interaction)
        click = make_interaction(user_id=OTHER)

        await view.report.callback(click.interaction)

        (modal,) = click.response.send_modal.await_args.args
        assert isinstance(modal, ReportModal)
        assert modal.kb is kb and modal.answer is answer
        assert [i.text for i in modal.items] == [q.text for q in answer.quotes[:16]]

    run(go())


def test_no_report_button_without_quotes_or_when_abstaining() -> None:
    async def go() -> None:
        for answer in (harborline_answer(quotes=[]), harborline_answer(abstained=True, quotes=[])):
            view = AnswerView(ASKER, answer, FakeKnowledgeBase())
            assert "Report misquote" not in [getattr(c, "label", None) for c in view.children]

    run(go())


def test_no_report_button_when_the_modal_module_is_absent() -> None:
    async def go() -> None:
        with mock.patch("bot.views.answer.importlib.import_module", side_effect=ImportError):
            view = AnswerView(ASKER, harborline_answer(), FakeKnowledgeBase())
        assert [getattr(c, "label", None) for c in view.children] == ["Sources"]

    run(go())


def test_ask_sends_the_first_page_with_the_view_and_binds_it_to_the_message() -> None:
    fake, view = ask(FakeKnowledgeBase(long_answer(20)))

    kwargs = fake.followup.send.await_args.kwargs
    assert kwargs["embeds"] == view.pages[0] and kwargs["wait"] is True
    assert view.owner_id == ASKER and view.target is fake.messages[0]


def test_a_private_answer_is_deferred_and_sent_ephemerally() -> None:
    fake, _ = ask(FakeKnowledgeBase(), private=True)

    fake.response.defer.assert_awaited_once_with(thinking=True, ephemeral=True)
    assert fake.followup.send.await_args.kwargs["ephemeral"] is True


def thread_bot(kb: FakeKnowledgeBase) -> DisclosureBot:
    bot = DisclosureBot(kb, make_settings(thread_mode=True))
    bot.http.start_thread_with_message = mock.AsyncMock(return_value={"id": "7007"})  # type: ignore[method-assign]
    return bot


def test_thread_mode_opens_a_thread_on_the_answer_and_remembers_its_organisation() -> None:
    kb = FakeKnowledgeBase()
    bot = thread_bot(kb)

    fake, _ = ask(kb, "Did Harborline say how many?", bot=bot)

    call = bot.http.start_thread_with_message.await_args
    assert call.args == (5005, fake.messages[0].id)
    assert call.kwargs["name"] == "Harborline Market: Did Harborline say how many customers were affected?"
    assert bot.threads.organization(7007) == "Harborline Market"


def test_a_follow_up_in_the_thread_keeps_the_organisation_and_opens_no_new_thread() -> None:
    kb = FakeKnowledgeBase()
    bot = thread_bot(kb)
    bot.threads.remember(7007, "Harborline Market")

    ask(kb, "And did they say when?", bot=bot, channel_id=7007, thread=True)

    assert kb.calls == [("And did they say when?", "Harborline Market")]
    bot.http.start_thread_with_message.assert_not_awaited()


def test_without_thread_mode_no_thread_is_opened_and_private_answers_never_open_one() -> None:
    kb = FakeKnowledgeBase()
    plain = DisclosureBot(kb, make_settings())
    plain.http.start_thread_with_message = mock.AsyncMock()  # type: ignore[method-assign]
    ask(kb, bot=plain)
    plain.http.start_thread_with_message.assert_not_awaited()

    threaded = thread_bot(kb)
    ask(kb, bot=threaded, private=True)
    threaded.http.start_thread_with_message.assert_not_awaited()


def test_said_asks_what_did_x_say_about_that_organisation() -> None:
    kb = FakeKnowledgeBase()

    async def go() -> FakeInteraction:
        cog = Said(kb)
        fake = make_interaction(kb.events, command=cog.said)
        await cog.said.callback(cog, fake.interaction, " Harborline Market ")
        return fake

    fake = run(go())

    assert said_question("Harborline Market") == "What did Harborline Market say?"
    assert kb.calls == [("What did Harborline Market say?", "Harborline Market")]
    assert fake.events == ["defer", "kb.ask", "followup.send"]
    assert isinstance(sent_view(fake), AnswerView)


def message_with(content: str) -> mock.NonCallableMagicMock:
    return mock.NonCallableMagicMock(spec=discord.Message, content=content)


def run_menu(kb: FakeKnowledgeBase, content: str, bot: DisclosureBot | None = None,
             channel_id: int = 5005) -> FakeInteraction:
    async def go() -> FakeInteraction:
        cog = Ask(kb, bot)
        fake = make_interaction(kb.events, command=cog.message_command, channel_id=channel_id)
        await cog.what_did_they_say(fake.interaction, message_with(content))
        return fake

    return run(go())


def test_the_message_command_finds_the_organisation_the_message_names() -> None:
    kb = FakeKnowledgeBase(organizations=["Harborline Market", "Example Bank"])

    fake = run_menu(kb, "Apparently  Harborline\nsaid no card data was taken??")

    assert kb.calls == [("Apparently Harborline said no card data was taken??", "Harborline Market")]
    assert fake.events == ["defer", "kb.ask", "followup.send"]
    assert fake.followup.send.await_args.kwargs["allowed_mentions"].to_dict() == {"parse": []}


def test_the_message_command_in_an_answer_thread_keeps_its_organisation() -> None:
    kb = FakeKnowledgeBase()
    bot = thread_bot(kb)
    bot.threads.remember(7007, "Example Bank")

    run_menu(kb, "they said it was fixed", bot, channel_id=7007)

    assert kb.calls == [("they said it was fixed", "Example Bank")]


def test_the_message_command_on_a_message_without_text_answers_one_ephemeral_line() -> None:
    kb = FakeKnowledgeBase()

    fake = run_menu(kb, "   ")

    assert fake.events == ["send_message"] and kb.calls == []
    assert fake.response.send_message.await_args.args == (NO_TEXT,)
    assert fake.response.send_message.await_args.kwargs["ephemeral"] is True


def test_a_long_message_becomes_a_question_cut_at_a_word() -> None:
    question = question_from("word " * 100, 32)

    assert question == "word word word word word word"
    assert MESSAGE_COMMAND == "What did they actually say?" and len(MESSAGE_COMMAND) <= 32


def test_every_page_keeps_the_limits_and_numbers_statements_on() -> None:
    pages = render.answer_pages(long_answer(30))

    assert len(pages) == 4
    numbers = [int(f.name.split(".")[0]) for page in pages for e in page for f in e.fields if f.name[0].isdigit()]
    assert numbers == list(range(1, 31))
    assert all(sum(len(e) for e in page) <= 6000 for page in pages)
    assert NOTICE.id != DAILY.id


def test_a_failing_button_is_logged_and_answered_once_in_one_private_line(caplog: Any) -> None:
    async def go() -> FakeInteraction:
        view = AnswerView(ASKER, harborline_answer(), FakeKnowledgeBase())
        click = make_interaction(user_id=OTHER)
        await view.on_error(click.interaction, RuntimeError("boom"), view.sources)
        return click

    click = run(go())

    (call,) = click.sends()
    assert call.kwargs["ephemeral"] is True and "boom" not in call.args[0]
    assert any(r.levelname == "ERROR" and r.exc_info and r.exc_info[1].args == ("boom",) for r in caplog.records)
