"""Statements in Discord: the words once, with who carries them and how the variants differ."""

from __future__ import annotations

import datetime as dt

from bot_fakes import DAILY, NOTICE, NOTICE_QUOTE, TIMES, harborline_answer, item

from bot import render
from knowledge.records import Statement, Variant

VARIANT_TEXT = NOTICE_QUOTE.replace("shoppers", "customers")


def statement() -> Statement:
    canonical = item(NOTICE_QUOTE, NOTICE, speaker_role="organization")
    return Statement(
        text=NOTICE_QUOTE, speaker="Harborline Market", channel="notice to the people affected",
        first_date=dt.date(2025, 3, 3), primary=True, sources=[NOTICE, DAILY, TIMES],
        variants=[Variant(text=VARIANT_TEXT, source=TIMES, differs="“shoppers” → “customers”")],
        canonical=canonical,
    )


def test_a_statement_is_shown_once_with_its_sources_and_variant() -> None:
    answer = harborline_answer(statements=[statement()])
    fields = render.render_answer(answer)[0].fields

    first = fields[0]
    assert first.name == "1. Harborline Market — notice to the people affected, 3 Mar 2025"
    assert first.value.startswith(f"“{render.escape(NOTICE_QUOTE)}”")
    assert "carried by 3 sources" in first.value
    assert f"variant in {TIMES.publisher}: “shoppers” → “customers”" in first.value
    # the quotes the statement groups are not listed again one by one
    assert sum(render.escape(NOTICE_QUOTE) in f.value for f in fields) == 1


def test_without_statements_the_quotes_are_listed() -> None:
    answer = harborline_answer(statements=[])
    names = [f.name for f in render.render_answer(answer)[0].fields]
    assert names[0].startswith("1. Harborline Market")
