"""Misquote reports: stored, listed, resolved once, kept across a restart; a confirmed one marks later answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES_DIR, FakeEmbedder, settings_for

from knowledge.errors import ReportError, ReportNotFoundError
from knowledge.records import Answer, AnswerItem, SourceRef
from knowledge.reports import ReportedQuote, ReportStore, mark_disputed
from knowledge.service import KnowledgeBase, open_knowledge_base

QUOTE = ReportedQuote(text="We have fixed it.", speaker="Harborline Market", source_id="src_a", start=10, end=27)


def test_a_report_survives_reopening_the_knowledge_base(data_dir: Path) -> None:
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        kb.ingest_paths([EXAMPLES_DIR / "01-notice-email.md"])
        answer = kb.ask("What did Harborline say?")
        report = kb.report_misquote(answer.question, answer.organization, answer.quotes[:1],
                                    " not their words ", "  ", reporter="42", guild="7")
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        (stored,) = kb.reports()
    assert stored == report
    assert (stored.reporter, stored.guild, stored.status) == ("42", "7", "open")
    assert stored.wrong == "not their words" and stored.right is None
    assert stored.question == "What did Harborline say?" and stored.organization == "Harborline Market"
    (quote,) = stored.quotes
    item = answer.quotes[0]
    assert (quote.text, quote.speaker, quote.source_id, quote.start, quote.end) == (
        item.text, item.speaker, item.source.id, item.start, item.end)
    assert (data_dir / "reports.sqlite3").exists()


def test_resolving_moves_a_report_out_of_the_open_list_once(tmp_path: Path) -> None:
    store = ReportStore(tmp_path / "r.sqlite3")
    first = store.add("q?", "Harborline Market", [QUOTE], "wrong speaker", reporter="1")
    second = store.add("q?", None, [QUOTE], "typo", "We have fixed it", reporter="2")
    dismissed = store.resolve(first.id, confirmed=False, by="admin-9")
    assert (dismissed.status, dismissed.resolved_by) == ("dismissed", "admin-9")
    assert dismissed.resolved_at is not None
    assert [r.id for r in store.reports()] == [second.id]
    assert [r.id for r in store.reports("dismissed")] == [first.id]
    assert [r.id for r in store.reports(None)] == [first.id, second.id]
    with pytest.raises(ReportError, match="already dismissed by admin-9"):
        store.resolve(first.id, confirmed=True, by="admin-8")
    assert store.get(first.id).status == "dismissed"
    with pytest.raises(ReportNotFoundError):
        store.resolve(999, confirmed=True, by="admin-9")


@pytest.mark.parametrize(("quotes", "wrong", "reporter", "message"), [
    ([], "wrong", "1", "the quote"),
    ([QUOTE], "   ", "1", "what is wrong"),
    ([QUOTE], "x" * 4001, "1", "at most"),
    ([QUOTE], "wrong", " ", "reporter"),
])
def test_an_incomplete_report_is_refused_and_nothing_stored(tmp_path: Path, quotes: list[ReportedQuote],
                                                            wrong: str, reporter: str, message: str) -> None:
    store = ReportStore(tmp_path / "r.sqlite3")
    with pytest.raises(ReportError, match=message):
        store.add("q?", None, quotes, wrong, reporter=reporter)
    assert store.reports(None) == []


def test_an_unknown_status_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="unknown report status"):
        ReportStore(tmp_path / "r.sqlite3").reports("closed")


def test_a_confirmed_report_marks_the_quote_disputed_in_later_answers_only(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    answer = kb.ask("What did Harborline say?")
    assert answer.quotes and not any(i.disputed for i in answer.quotes)
    target = answer.quotes[0]
    report = kb.report_misquote(answer.question, answer.organization, [target], "misquoted", reporter="1")
    assert not any(i.disputed for i in kb.ask("What did Harborline say?").quotes)  # open: not yet
    kb.resolve_report(report.id, confirmed=True, by="9")
    later = kb.ask("What did Harborline say?")
    disputed = [i for i in later.quotes if i.disputed]
    assert disputed and all(i.source.id == target.source.id for i in disputed)
    assert any((i.start, i.end) == (target.start, target.end) for i in disputed)
    assert any(not i.disputed for i in later.quotes)
    assert any(st.canonical.disputed for st in later.statements)


def test_a_dismissed_report_marks_nothing(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    answer = kb.ask("What did Harborline say?")
    report = kb.report_misquote(answer.question, answer.organization, answer.quotes[:1], "no", reporter="1")
    kb.resolve_report(report.id, confirmed=False, by="9")
    assert not any(i.disputed for i in kb.ask("What did Harborline say?").quotes)


def test_mark_disputed_needs_the_same_source_and_overlapping_offsets() -> None:
    notice_ref = SourceRef(id="src_notice", title="Notice", kind="notice")
    daily_ref = SourceRef(id="src_daily", title="Daily", kind="article")
    answer = Answer(question="q?", organization="Harborline Market", quotes=[
        AnswerItem(kind="quote", text="We have fixed it.", speaker="Harborline Market", speaker_role="notice",
                   start=100, end=117, second_hand=False, source=notice_ref),
        AnswerItem(kind="quote", text="We have fixed it.", speaker="Harborline Market", speaker_role="notice",
                   start=100, end=117, second_hand=True, source=daily_ref)])
    notice = answer.quotes[0]
    mark_disputed(answer, {notice.source.id: [(notice.end, notice.end + 5)], "src-other": [(0, 10_000)]})
    assert not any(i.disputed for i in answer.quotes)  # touching is not overlapping; other source
    mark_disputed(answer, {notice.source.id: [(notice.end - 1, notice.end + 5)]})
    assert [i.disputed for i in answer.quotes] == [True, False]


def test_reports_of_one_guild(tmp_path: Path) -> None:
    store = ReportStore(tmp_path / "r.sqlite3")
    mine = store.add("q?", None, [QUOTE], "wrong", reporter="1", guild="g1")
    store.add("q?", None, [QUOTE], "wrong", reporter="1", guild="g2")
    assert [r.id for r in store.reports("open", "g1")] == [mine.id]


def test_the_cli_marks_a_disputed_quote(kb: KnowledgeBase) -> None:
    from rich.console import Console

    from knowledge.cli import render_answer

    kb.ingest_paths([EXAMPLES_DIR / "01-notice-email.md"])
    answer = kb.ask("What did Harborline say?")
    console = Console(width=200, record=True)
    console.print(render_answer(answer))
    assert "disputed" not in console.export_text()
    report = kb.report_misquote(answer.question, answer.organization, answer.quotes[:1], "no", reporter="1")
    kb.resolve_report(report.id, confirmed=True, by="9")
    console = Console(width=200, record=True)
    console.print(render_answer(kb.ask("What did Harborline say?")))
    assert console.export_text().count("disputed (a misquote report was confirmed)") >= 1
