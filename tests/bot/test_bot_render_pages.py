"""A quote from a paged source (PDF) cites its page in the Discord answer; others do not."""

from __future__ import annotations

import pdf_factory

from bot import render
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase


def _fields(kb: KnowledgeBase) -> list[str]:
    answer = kb.ask("What did Harborline Market say about passwords?")
    assert not answer.abstained
    return [f.value for embed in render.render_answer(answer) for f in embed.fields
            if "reset every password" in (f.value or "")]


def test_a_pdf_quote_cites_its_page(kb: KnowledgeBase) -> None:
    letter = pdf_factory.letter([["Dear customer, we are writing about an incident."],
                                 ['"We have reset every password," said Dana Whitfield, Harborline',
                                  "Market's chief executive."]], title="Notice of a data incident")
    kb.ingest_upload("letter.pdf", letter, SourceMeta(kind="article", organizations=["Harborline Market"]))
    fields = _fields(kb)
    assert fields and all(", p. 2" in value for value in fields)


def test_a_text_quote_has_no_page(kb: KnowledgeBase) -> None:
    kb.ingest_upload("letter.txt", b'"We have reset every password," said Dana Whitfield, Harborline '
                                   b"Market's chief executive.",
                     SourceMeta(kind="article", organizations=["Harborline Market"]))
    fields = _fields(kb)
    assert fields and not any(", p. " in value for value in fields)
