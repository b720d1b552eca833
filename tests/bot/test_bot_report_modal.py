"""The "Report misquote" modal: which quote, what is wrong, stored off the event loop, one ephemeral line."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Sequence
from types import SimpleNamespace

import discord
import pytest
from bot_fakes import (
    DAILY,
    NOTICE_QUOTE,
    SPOKESPERSON_QUOTE,
    harborline_answer,
    make_interaction,
)

from bot.views.report import FAILED, ReportModal, chosen_quote
from knowledge.errors import KnowledgeError
from knowledge.records import AnswerItem


class FakeReports:
    """Records every ``report_misquote`` call and whether it ran on the main thread."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[dict[str, object]] = []
        self.error = error

    def report_misquote(self, question: str, organization: str | None, quotes: Sequence[AnswerItem],
                        wrong: str, right: str | None = None, *, reporter: str,
                        guild: str | None = None) -> SimpleNamespace:
        self.calls.append({"question": question, "organization": organization, "quotes": list(quotes),
                           "wrong": wrong, "right": right, "reporter": reporter, "guild": guild,
                           "main": threading.current_thread() is threading.main_thread()})
        if self.error is not None:
            raise self.error
        return SimpleNamespace(id=7, created_at=dt.datetime.now(dt.UTC))


def fill(modal: ReportModal, quote: str | None, wrong: str, right: str = "") -> None:
    if modal.quote is not None and quote is not None:
        modal.quote._value = quote
    modal.wrong._value = wrong
    modal.right._value = right


def sent_text(fake) -> str:
    (call,) = fake.sends()
    assert call.kwargs["ephemeral"] is True
    assert call.kwargs["allowed_mentions"].to_dict()["parse"] == []
    return call.args[0]


def test_submit_stores_the_numbered_quote_in_a_worker_thread_and_thanks_privately() -> None:
    kb, answer = FakeReports(), harborline_answer()
    modal = ReportModal(kb, answer, answer.quotes)
    fill(modal, "2", "  Dana Whitfield never said this.  ", "We are still counting.")
    fake = make_interaction(user_id=42, guild_id=99)
    asyncio.run(modal.on_submit(fake.interaction))
    (call,) = kb.calls
    assert call["quotes"][0].text == SPOKESPERSON_QUOTE and call["quotes"][0].source == DAILY
    assert call["wrong"] == "Dana Whitfield never said this."
    assert call["right"] == "We are still counting."
    assert (call["reporter"], call["guild"]) == ("42", "99")
    assert call["question"] == answer.question and call["organization"] == "Harborline Market"
    assert call["main"] is False
    assert "report 7" in sent_text(fake)


def test_one_quote_needs_no_number_and_a_blank_right_wording_is_none() -> None:
    kb, answer = FakeReports(), harborline_answer()
    modal = ReportModal(kb, answer, answer.quotes[:1])
    assert modal.quote is None
    fill(modal, None, "wrong speaker")
    asyncio.run(modal.on_submit(make_interaction(guild_id=None).interaction))
    assert kb.calls[0]["quotes"][0].text == NOTICE_QUOTE
    assert kb.calls[0]["right"] is None and kb.calls[0]["guild"] is None


@pytest.mark.parametrize("typed", ["0", "3", "two", "", "-1"])
def test_a_number_naming_no_quote_is_refused_and_nothing_stored(typed: str) -> None:
    kb, answer = FakeReports(), harborline_answer()
    modal = ReportModal(kb, answer, answer.quotes)
    fill(modal, typed, "wrong")
    fake = make_interaction()
    asyncio.run(modal.on_submit(fake.interaction))
    assert kb.calls == []
    assert "from 1 to 2" in sent_text(fake)


def test_chosen_quote_accepts_a_hash_and_spaces() -> None:
    items = harborline_answer().quotes
    assert chosen_quote(" #2 ", items) is items[1]


def test_errors_are_one_ephemeral_line() -> None:
    answer = harborline_answer()
    modal = ReportModal(FakeReports(KnowledgeError("the report store is read-only")), answer, answer.quotes)
    fake = make_interaction()
    asyncio.run(modal.on_error(fake.interaction, KnowledgeError("the report store is read-only")))
    assert sent_text(fake) == "Not stored: the report store is read-only"
    fake = make_interaction()
    asyncio.run(modal.on_error(fake.interaction, RuntimeError("boom")))
    assert sent_text(fake) == FAILED


def test_a_modal_without_quotes_is_a_programming_error() -> None:
    async def build() -> None:
        ReportModal(FakeReports(), harborline_answer(), [])

    with pytest.raises(ValueError):
        asyncio.run(build())


def test_the_modal_fits_discord_limits() -> None:
    answer = harborline_answer()

    async def build() -> dict:
        return ReportModal(FakeReports(), answer, answer.quotes).to_dict()

    payload = asyncio.run(build())
    assert len(payload["title"]) <= 45
    for row in payload["components"]:
        assert row["type"] == discord.ComponentType.label.value
        assert len(row["label"]) <= 45 and len(row.get("description") or "") <= 100
        assert row["component"]["max_length"] <= 4000


def test_a_submitted_payload_fills_the_fields_as_discord_sends_them() -> None:
    """The MODAL_SUBMIT components (label wrappers around text inputs) reach the right fields."""
    kb, answer = FakeReports(), harborline_answer()

    async def submit() -> None:
        modal = ReportModal(kb, answer, answer.quotes)
        sent = modal.to_dict()["components"]
        values = ["2", "Not the spokesperson's words.", ""]
        payload = [{"type": 18, "id": i + 1, "component": {"type": 4, "id": i + 10,
                                                            "custom_id": row["component"]["custom_id"],
                                                            "value": value}}
                   for i, (row, value) in enumerate(zip(sent, values, strict=True))]
        fake = make_interaction(user_id=5)
        await modal._scheduled_task(fake.interaction, payload, {})
        assert "report 7" in sent_text(fake)

    asyncio.run(submit())
    (call,) = kb.calls
    assert call["quotes"][0].text == SPOKESPERSON_QUOTE
    assert (call["wrong"], call["right"]) == ("Not the spokesperson's words.", None)
