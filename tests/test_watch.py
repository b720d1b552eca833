"""New words of an ingest (IngestReport.new_words) and the watch list."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from conftest import FakeEmbedder, settings_for

from knowledge.errors import WatchError
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase, open_knowledge_base
from knowledge.watch import WatchStore

FEE_2024 = "From 1 April 2024 the delivery fee for members is 40 pounds, and it applies to every order."
FEE_2025 = "From 1 April 2025 the delivery fee for members is 45 pounds, and it applies to every order."
APOLOGY = "We are sorry that this happened, and we are reviewing how changes reach our order-history service."


def notice(folder: Path, name: str, *paragraphs: str, date: str = "2025-03-03") -> Path:
    path = folder / name
    body = "\n\n".join(paragraphs)
    path.write_text(f"---\ntitle: {name}\npublisher: Harborline Market\ndate: {date}\nkind: notice\n"
                    f"organizations: [Harborline Market]\n---\n\n{body}\n", encoding="utf-8")
    return path


def article(folder: Path, name: str, quote: str) -> Path:
    path = folder / name
    path.write_text(f"---\ntitle: {name}\npublisher: Example Daily\nkind: article\n"
                    f"organizations: [Harborline Market]\n---\n\n"
                    f"Harborline Market said in a statement: “{quote}”\n\nThe store did not comment further.\n",
                    encoding="utf-8")
    return path


def ingest(kb: KnowledgeBase, path: Path):
    report, errors = kb.ingest_paths([path], SourceMeta())
    assert errors == []
    return report


def test_a_first_statement_is_new_and_the_same_words_from_another_source_are_not(
        kb: KnowledgeBase, tmp_path: Path) -> None:
    first = ingest(kb, notice(tmp_path, "fee.md", FEE_2024))
    (words,) = first.new_words
    assert (words.organization, words.novelty, words.item.text) == ("Harborline Market", "new", FEE_2024)
    assert words.item.source.id == first.added[0] and words.item.source.kind == "notice"
    assert words.item.second_hand is False
    again = ingest(kb, article(tmp_path, "daily.md", FEE_2024))
    assert again.added and again.new_words == []
    # an excerpt, other case and punctuation: still seen
    excerpt = ingest(kb, article(tmp_path, "times.md", "the delivery fee for members is 40 pounds"))
    assert excerpt.added and excerpt.new_words == []


def test_a_changed_number_is_a_new_variant(kb: KnowledgeBase, tmp_path: Path) -> None:
    ingest(kb, notice(tmp_path, "fee-2024.md", FEE_2024, date="2024-03-01"))
    report = ingest(kb, notice(tmp_path, "fee-2025.md", FEE_2025, date="2025-03-01"))
    (words,) = report.new_words
    assert (words.novelty, words.previous, words.changed_meaning) == ("variant", FEE_2024, True)
    assert "2024" in (words.differs or "") and "2025" in (words.differs or "")


def test_another_wording_is_a_variant_that_keeps_the_meaning(kb: KnowledgeBase, tmp_path: Path) -> None:
    ingest(kb, notice(tmp_path, "sorry.md", APOLOGY))
    report = ingest(kb, article(tmp_path, "daily.md", APOLOGY.replace("reviewing", "examining")))
    (words,) = report.new_words
    assert (words.novelty, words.changed_meaning) == ("variant", False)
    assert words.differs == "“reviewing” → “examining”"
    assert words.item.source.kind == "article" and words.item.second_hand is True


def test_an_updated_source_reports_only_its_new_paragraph(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = notice(tmp_path, "update.md", FEE_2024)
    ingest(kb, path)
    notice(tmp_path, "update.md", FEE_2024, APOLOGY)
    report = ingest(kb, path)
    assert report.updated and [w.item.text for w in report.new_words] == [APOLOGY]


def test_the_same_new_words_in_two_sources_of_one_ingest_are_reported_once(
        kb: KnowledgeBase, tmp_path: Path) -> None:
    notice(tmp_path, "a.md", APOLOGY)
    notice(tmp_path, "b.md", APOLOGY)
    report, _ = kb.ingest_paths([tmp_path])
    assert len(report.added) == 2 and [w.item.text for w in report.new_words] == [APOLOGY]


def test_words_of_another_speaker_are_never_new_words_of_the_organisation(
        kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "expert.md"
    path.write_text("---\ntitle: expert\nkind: article\norganizations: [Harborline Market]\n---\n\n"
                    "“Configuration mistakes like this are common in retail systems,” said Rui Okafor, "
                    "a security researcher at Example University.\n", encoding="utf-8")
    assert ingest(kb, path).new_words == []


def test_watches_survive_a_restart_and_unwatch_removes_them(data_dir: Path) -> None:
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        watch, added = kb.watch("  Harborline   Market ", "g1", "c1", by="u1")
        assert added and watch.organization == "Harborline Market"
        assert kb.watch("harborline market", "g1", "c1")[1] is False  # the same watch, in any case
        kb.watch("Harborline Market", "g1", "c2")
        kb.watch("Example Bank", "g2", "c9")
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        assert [(w.guild, w.channel, w.organization) for w in kb.watches("g1")] == [
            ("g1", "c1", "Harborline Market"), ("g1", "c2", "Harborline Market")]
        assert [w.channel for w in kb.unwatch("HARBORLINE MARKET", "g1", "c1")] == ["c1"]
        with pytest.raises(WatchError, match="not watched in that channel"):
            kb.unwatch("Harborline Market", "g1", "c1")
        assert [w.channel for w in kb.unwatch("Harborline Market", "g1")] == ["c2"]
        assert [w.guild for w in kb.watches()] == ["g2"]


def test_watchers_find_an_organisation_by_its_aliases(tmp_path: Path) -> None:
    store = WatchStore(tmp_path / "w.sqlite3")
    store.watch("Harborline", "g1", "c1")
    store.watch("Example Bank", "g1", "c2")
    store.watch("Bank", "g1", "c3")
    assert [w.channel for w in store.watchers("Harborline Market")] == ["c1"]
    assert [w.channel for w in store.watchers("Example Bank")] == ["c2"]
    assert [w.channel for w in store.watchers("Example Bank", aliases=["Bank"])] == ["c2", "c3"]
    assert store.watchers("Nobody") == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_blank_or_overlong_name_is_refused(tmp_path: Path, name: str) -> None:
    store = WatchStore(tmp_path / "w.sqlite3")
    with pytest.raises(WatchError):
        store.watch(name, "g1", "c1")
    assert store.watches() == []


def test_words_of_a_forgotten_source_are_new_again(kb: KnowledgeBase, tmp_path: Path) -> None:
    first = ingest(kb, notice(tmp_path, "a.md", APOLOGY))
    assert len(first.new_words) == 1
    kb.forget(first.added[0])
    again = ingest(kb, notice(tmp_path, "b.md", APOLOGY))
    assert [w.item.text for w in again.new_words] == [APOLOGY]


def test_words_an_update_removed_are_new_when_said_again(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = notice(tmp_path, "a.md", APOLOGY)
    ingest(kb, path)
    notice(tmp_path, "a.md", FEE_2024)  # the apology is no longer indexed anywhere
    assert [w.item.text for w in ingest(kb, path).new_words] == [FEE_2024]
    assert [w.item.text for w in ingest(kb, notice(tmp_path, "b.md", APOLOGY)).new_words] == [APOLOGY]


def test_a_failed_ingest_leaves_its_words_new(kb: KnowledgeBase, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(kb, notice(tmp_path, "fee.md", FEE_2024))
    path = notice(tmp_path, "sorry.md", APOLOGY)
    monkeypatch.setattr(kb.vectors, "add", mock.Mock(side_effect=RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        kb.ingest_paths([path])
    monkeypatch.undo()
    assert [w.item.text for w in ingest(kb, path).new_words] == [APOLOGY]


def test_the_cli_ingest_lists_the_new_words(run, tmp_path: Path) -> None:
    code, out, _ = run("ingest", str(notice(tmp_path, "fee.md", FEE_2024)))
    assert code == 0
    assert "new words (what /watch posts): 1" in out and f"Harborline Market: “{FEE_2024}” [new;" in out
    code, out, _ = run("ingest", str(article(tmp_path, "daily.md", FEE_2024)))
    assert code == 0 and "new words" not in out
