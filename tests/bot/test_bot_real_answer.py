"""A real knowledge base's answer rendered as embeds, and autocomplete for long organisation names.

The answer comes from the fictional Harborline corpus indexed with the fake embedder (no model, no
network); the embeds are what ``/ask`` would send.
"""

from __future__ import annotations

import asyncio
import re

import discord
from bot_fakes import FakeKnowledgeBase, make_interaction
from conftest import EXAMPLES_DIR
from test_bot_ask import run_ask
from test_bot_render import all_text, assert_within_limits

from bot import render
from bot.exts.ask import CHOICE_MAX, Ask, full_name, short_name
from knowledge.service import KnowledgeBase
from knowledge.text import fold

QUESTIONS = [
    "What did Harborline Market actually say?",
    "Did Harborline say how many customers were affected?",
    "When did Harborline notify customers?",
    "Who else commented on Harborline?",
    "What did Brightwater Systems say?",
]


def test_a_real_answer_renders_within_limits_with_verbatim_quotes_sources_and_no_mentions(kb: KnowledgeBase) -> None:
    _, errors = kb.ingest_paths([EXAMPLES_DIR])
    assert errors == []
    for question in QUESTIONS:
        answer = kb.ask(question)
        embeds = render.render_answer(answer)
        assert_within_limits(embeds)
        text = all_text(embeds)
        assert not re.search(r"(?<!\\)<[@#]", text)  # no mention syntax reaches Discord unescaped
        if answer.abstained:
            assert embeds[0].title == "No supported answer"
            assert "Harborline Market" in (embeds[0].description or "")
            continue
        quote_fields = [f for e in embeds for f in e.fields if f.value.startswith("“")]
        assert quote_fields, question
        for embed_field in quote_fields:
            shown = embed_field.value[1:embed_field.value.index("”\n— ")]
            pieces = [p for p in shown.replace("\\", "").split("…") if p.strip()]
            source_texts = [fold(s.text) for s in kb.sources()]
            for piece in pieces:  # every shown piece is a verbatim span of an indexed source
                assert any(fold(piece.strip()) in t for t in source_texts), piece
        cited = {s.url for s in answer.sources if s.url}
        assert any(url in text for url in cited)
        for other in answer.others:  # another speaker's words are never in the organisation's fields
            assert all(fold(other.text) not in fold(f.value) for f in quote_fields)


def test_the_real_answer_goes_out_through_ask_pinging_nobody(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])

    cog = Ask(kb)  # type: ignore[arg-type]
    fake = make_interaction(command=cog.ask)

    asyncio.run(cog.ask.callback(cog, fake.interaction, "What did Harborline Market actually say?", None))

    assert fake.events == ["defer", "followup.send"]
    (send,) = fake.sends()
    assert send.kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()
    assert send.kwargs["embeds"][0].title == "What Harborline Market said"


LONG = "The Harborline Market Community Benefit Society for Shoppers, Growers and Delivery Drivers of the North Coast Region (Incorporated)"
LONG_TWIN = LONG.replace("(Incorporated)", "(Limited)")


def test_long_names_are_offered_shortened_and_map_back_to_the_full_name() -> None:
    names = ["Harborline Market", LONG, LONG_TWIN]
    cog = Ask(FakeKnowledgeBase(organizations=names))

    choices = asyncio.run(cog.organization_autocomplete(make_interaction().interaction, "community"))

    assert len(LONG) > 120 and len(choices) == 2
    assert all(len(c.name) <= CHOICE_MAX and len(c.value) <= CHOICE_MAX for c in choices)
    assert {full_name(c.value, names) for c in choices} == {LONG, LONG_TWIN}
    assert short_name(LONG) != short_name(LONG_TWIN)
    assert full_name("Harborline Market", names) == "Harborline Market"


def test_a_shortened_choice_is_asked_with_the_full_name() -> None:
    kb = FakeKnowledgeBase(organizations=["Harborline Market", LONG])

    fake = run_ask(kb, "What did they say?", short_name(LONG))

    assert kb.calls == [("What did they say?", LONG)]
    assert fake.events == ["defer", "kb.ask", "followup.send"]
