"""``/ask``: defer, answer off the event loop, one follow-up; errors as one ephemeral line."""

from __future__ import annotations

import asyncio

import discord
import pytest
from bot_fakes import (
    NOTICE,
    FakeInteraction,
    FakeKnowledgeBase,
    harborline_answer,
    item,
    make_interaction,
    make_settings,
)
from discord import app_commands

from bot.client import DisclosureBot
from bot.exts.ask import Ask
from knowledge.errors import KnowledgeError, QuestionError


def run_ask(kb: FakeKnowledgeBase, question: str, organization: str | None = None) -> FakeInteraction:
    """Invoke /ask the way the command tree does, errors included."""
    bot = DisclosureBot(kb, make_settings())
    cog = Ask(kb)
    fake = make_interaction(kb.events, command=cog.ask)

    async def invoke() -> None:
        try:
            await cog.ask.callback(cog, fake.interaction, question, organization)
        except Exception as error:  # what CommandTree._call does before calling on_error
            await bot.tree.on_error(fake.interaction, app_commands.CommandInvokeError(cog.ask, error))

    asyncio.run(invoke())
    return fake


def assert_no_mentions(allowed: discord.AllowedMentions) -> None:
    assert allowed.to_dict() == discord.AllowedMentions.none().to_dict() == {"parse": []}


def test_defers_then_asks_off_the_event_loop_then_sends_one_follow_up() -> None:
    kb = FakeKnowledgeBase()

    fake = run_ask(kb, "Did they say passwords were affected?", "Harborline Market")

    assert fake.events == ["defer", "kb.ask", "followup.send"]
    fake.response.defer.assert_awaited_once_with(thinking=True, ephemeral=False)
    fake.response.send_message.assert_not_awaited()
    fake.followup.send.assert_awaited_once()
    assert kb.calls == [("Did they say passwords were affected?", "Harborline Market")]
    assert kb.on_main_thread == [False]


def test_follow_up_carries_the_rendered_answer_and_pings_nobody() -> None:
    fake = run_ask(FakeKnowledgeBase(), "What did Harborline say?")

    kwargs = fake.followup.send.await_args.kwargs
    assert fake.followup.send.await_args.args == ()
    assert kwargs.keys() == {"embeds", "view", "ephemeral", "allowed_mentions", "wait"}
    assert kwargs["ephemeral"] is False
    assert kwargs["embeds"][0].title == "What Harborline Market said"
    assert_no_mentions(kwargs["allowed_mentions"])


def test_a_quote_with_everyone_pings_nobody() -> None:
    answer = harborline_answer(quotes=[item("Attention @everyone and @here: we fixed it.", NOTICE)])

    fake = run_ask(FakeKnowledgeBase(answer), "What did Harborline say?")

    (send,) = fake.sends()
    assert "content" not in send.kwargs and not send.args  # nothing outside embeds, which never ping
    assert "“Attention @everyone and @here: we fixed it.”" in send.kwargs["embeds"][0].fields[0].value
    assert_no_mentions(send.kwargs["allowed_mentions"])


def test_question_and_organization_are_trimmed_and_an_empty_organization_is_none() -> None:
    kb = FakeKnowledgeBase()

    run_ask(kb, "  What did they say?  ", "   ")

    assert kb.calls == [("What did they say?", None)]


def test_blank_question_gets_one_ephemeral_line_without_deferring() -> None:
    kb = FakeKnowledgeBase()

    fake = run_ask(kb, "   ")

    assert fake.events == ["send_message"]
    assert kb.calls == []
    (send,) = fake.sends()
    assert send.kwargs["ephemeral"] is True
    assert "\n" not in send.args[0]
    assert_no_mentions(send.kwargs["allowed_mentions"])


@pytest.mark.parametrize(
    "error",
    [QuestionError("The question is too long (at most 500 characters)."), KnowledgeError("Index is empty.")],
)
def test_a_knowledge_error_becomes_one_ephemeral_line(error: KnowledgeError) -> None:
    fake = run_ask(FakeKnowledgeBase(error=error), "What did Harborline say?")

    assert fake.events == ["defer", "kb.ask", "followup.send"]
    (send,) = fake.sends()
    assert send.args == (str(error),)
    assert send.kwargs["ephemeral"] is True
    assert "embeds" not in send.kwargs
    assert_no_mentions(send.kwargs["allowed_mentions"])


def test_an_unexpected_error_gets_a_generic_line_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    fake = run_ask(FakeKnowledgeBase(error=RuntimeError("secret internals")), "What did Harborline say?")

    (send,) = fake.sends()
    assert "secret internals" not in send.args[0]
    assert send.kwargs["ephemeral"] is True
    (record,) = [r for r in caplog.records if r.name == "bot.client"]
    assert record.levelname == "ERROR"
    assert "ask" in record.getMessage() and "1001" in record.getMessage() and "2002" in record.getMessage()
    assert isinstance(record.exc_info[1], RuntimeError)


def autocomplete(kb: FakeKnowledgeBase, current: str) -> list[app_commands.Choice[str]]:
    cog = Ask(kb)
    return asyncio.run(cog.organization_autocomplete(make_interaction().interaction, current))


def test_autocomplete_offers_matching_organisations_prefix_first() -> None:
    kb = FakeKnowledgeBase(organizations=["Example Bank", "Harborline Market", "Bank of Harbor", "Other"])

    choices = autocomplete(kb, "harbor")

    assert [c.name for c in choices] == ["Harborline Market", "Bank of Harbor"]
    assert all(c.value == c.name for c in choices)


def test_autocomplete_stays_within_discord_limits() -> None:
    names = [f"Organisation {n}" for n in range(100)] + ["x" * 101]

    choices = autocomplete(FakeKnowledgeBase(organizations=names), "")

    assert len(choices) == 25
    assert all(1 <= len(c.name) <= 100 and len(c.value) <= 100 for c in choices)


def test_autocomplete_offers_nothing_when_the_knowledge_base_fails() -> None:
    assert autocomplete(FakeKnowledgeBase(error=KnowledgeError("store locked")), "har") == []
