"""The knowledge base's store: idempotent ingest, updates, forgetting, atomic failure, the lock.

Runs on the fictional Harborline corpus with the fake embedder from ``conftest.py``; every extra
fixture text below is fictional too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import EXAMPLES_DIR, FakeEmbedder, settings_for
from knowledge import store as store_module
from knowledge.catalog import Catalog
from knowledge.errors import (
    ConfigurationError,
    EmptySourceError,
    SourceError,
    SourceNotFoundError,
    StoreLockedError,
    UnsupportedFormatError,
)
from knowledge.lock import DataDirLock
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase, open_knowledge_base, source_id_for

REPO = Path(__file__).resolve().parents[1]
NOTICE_URL = "https://harborline.example/notices/order-history"
NOTICE_ID = source_id_for(NOTICE_URL)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the example corpus."""
    return Path(shutil.copytree(EXAMPLES_DIR, tmp_path / "corpus"))


def snapshot(kb: KnowledgeBase) -> dict[str, object]:
    """Everything an ingest may change: catalogue rows and attributions, Chroma ids, texts and metadata."""
    got = kb.vectors.langchain.get(include=["metadatas", "documents"])
    sources = kb.catalog.sources()
    return {
        "counts": kb.counts(),
        "sources": {s.id: (s.content_hash, s.kind, s.text) for s in sources},
        "attributions": kb.catalog.attributions(s.id for s in sources),
        "chroma": {i: (doc, meta) for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])},
    }


def chroma_metadatas(kb: KnowledgeBase, source_id: str | None = None) -> list[dict[str, object]]:
    where = {"source_id": source_id} if source_id else None
    return kb.vectors.langchain.get(where=where, include=["metadatas"])["metadatas"]


# --- ingest -----------------------------------------------------------------------------------

def test_ingest_example_corpus_counts(kb: KnowledgeBase) -> None:
    report, errors = kb.ingest_paths([EXAMPLES_DIR])

    assert errors == []
    assert len(report.added) == 5 and report.updated == [] and report.unchanged == []
    assert NOTICE_ID in report.added
    counts = kb.counts()
    assert counts["sources"] == 5
    assert counts["chunks"] == report.chunks > 0
    assert counts["attributions"] == report.attributions > 0
    assert counts["vectors"] == counts["chunks"] == len(kb.vectors.ids())
    chunk_counts = kb.catalog.chunk_counts()
    for source_id in report.added:
        assert len(kb.vectors.ids(source_id)) == chunk_counts[source_id] > 0


def test_ingest_twice_is_a_no_op(kb: KnowledgeBase) -> None:
    first, _ = kb.ingest_paths([EXAMPLES_DIR])
    before = snapshot(kb)

    second, errors = kb.ingest_paths([EXAMPLES_DIR])

    assert errors == []
    assert sorted(second.unchanged) == sorted(first.added)
    assert second.added == [] and second.updated == []
    assert second.chunks == 0 and second.attributions == 0
    assert snapshot(kb) == before


def test_changed_text_replaces_chunks_and_attributions(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest_paths([corpus])
    old_chunks = kb.vectors.ids(NOTICE_ID)
    old_attributions = kb.catalog.attributions([NOTICE_ID])[NOTICE_ID]
    notice = corpus / "01-notice-email.md"
    # an edit near the top shifts every offset after it, so every chunk of the notice changes
    notice.write_text(notice.read_text(encoding="utf-8").replace(
        "Hello,", "Hello, and thank you for reading this note from Harborline,"), encoding="utf-8")

    report, errors = kb.ingest_paths([corpus])

    assert errors == []
    assert report.updated == [NOTICE_ID]
    assert len(report.unchanged) == 4 and report.added == []
    new_chunks = kb.vectors.ids(NOTICE_ID)
    assert new_chunks and not (new_chunks & old_chunks)
    assert not (old_chunks & kb.vectors.ids())
    counts = kb.counts()
    assert counts["vectors"] == counts["chunks"]
    assert kb.catalog.chunk_counts()[NOTICE_ID] == len(new_chunks)
    source = kb.catalog.get(NOTICE_ID)
    assert source is not None and "thank you for reading this note" in source.text
    new_attributions = kb.catalog.attributions([NOTICE_ID])[NOTICE_ID]
    assert new_attributions != old_attributions
    assert len(new_attributions) == report.attributions
    for a in new_attributions:
        assert source.text[a.start:a.end] == a.text


def test_metadata_only_change_updates_source(kb: KnowledgeBase, corpus: Path) -> None:
    kb.ingest_paths([corpus])
    chunks_before = kb.vectors.ids(NOTICE_ID)

    report, _ = kb.ingest_paths([corpus / "01-notice-email.md"], SourceMeta(kind="statement"))

    assert report.updated == [NOTICE_ID]
    source = kb.catalog.get(NOTICE_ID)
    assert source is not None and source.kind == "statement"
    assert kb.vectors.ids(NOTICE_ID) == chunks_before  # same text, same chunks
    assert {m["kind"] for m in chroma_metadatas(kb, NOTICE_ID)} == {"statement"}
    again, _ = kb.ingest_paths([corpus / "01-notice-email.md"], SourceMeta(kind="statement"))
    assert again.unchanged == [NOTICE_ID]


# --- forget -----------------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["id", "prefix"])
def test_forget_removes_source_chunks_and_attributions(kb: KnowledgeBase, by: str) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    before = kb.counts()
    chunk_ids = kb.vectors.ids(NOTICE_ID)
    n_attributions = len(kb.catalog.attributions([NOTICE_ID])[NOTICE_ID])
    others = [s.id for s in kb.sources() if s.id != NOTICE_ID]
    prefix = next(NOTICE_ID[:n] for n in range(10, len(NOTICE_ID))  # src_ and at least 6 more
                  if not any(o.startswith(NOTICE_ID[:n]) for o in others))

    removed = kb.forget(NOTICE_ID if by == "id" else prefix)

    assert removed.id == NOTICE_ID
    assert kb.catalog.get(NOTICE_ID) is None
    assert kb.vectors.ids(NOTICE_ID) == set()
    assert kb.catalog.attributions([NOTICE_ID])[NOTICE_ID] == []
    assert kb.counts() == {
        "sources": before["sources"] - 1,
        "chunks": before["chunks"] - len(chunk_ids),
        "attributions": before["attributions"] - n_attributions,
        "vectors": before["vectors"] - len(chunk_ids),
    }


@pytest.mark.parametrize("source_id", ["src_000000000000", "nope", "src_"])
def test_forget_unknown_or_ambiguous_id(kb: KnowledgeBase, source_id: str) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    before = snapshot(kb)

    with pytest.raises(SourceNotFoundError):
        kb.forget(source_id)

    assert snapshot(kb) == before


# --- failures leave the index as it was ----------------------------------------------------------

def _change_corpus(corpus: Path) -> None:
    """Edit one source's text and add a new one (fictional)."""
    times = corpus / "04-article-times.md"
    times.write_text(times.read_text(encoding="utf-8").replace("on Wednesday", "on Wednesday morning"),
                     encoding="utf-8")
    (corpus / "06-article-gazette.md").write_text(textwrap.dedent("""\
        ---
        title: Harborline shoppers wait for answers
        url: https://examplegazette.example/harborline-answers
        publisher: Example Gazette
        date: 2025-03-08
        kind: article
        organizations: [Harborline Market]
        ---
        Harborline Market has still not said how many shoppers were affected.

        "We are contacting every customer whose orders were visible," a Harborline spokesperson said.
        """), encoding="utf-8")


def test_failed_embedding_midway_leaves_everything_as_it_was(
        kb: KnowledgeBase, corpus: Path, fake_embedder: FakeEmbedder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    kb.ingest_paths([corpus])
    before = snapshot(kb)
    _change_corpus(corpus)
    monkeypatch.setattr(store_module, "BATCH_SIZE", 1)  # one chunk per batch: several batches
    real_embed = fake_embedder.embed
    batches: list[int] = []

    def embed_then_fail(texts: list[str]) -> list[list[float]]:
        batches.append(len(texts))
        if len(batches) == 2:
            raise RuntimeError("embedding failed on the second batch")
        return real_embed(texts)

    monkeypatch.setattr(fake_embedder, "embed", embed_then_fail)

    with pytest.raises(RuntimeError, match="second batch"):
        kb.ingest_paths([corpus])

    assert len(batches) == 2
    assert snapshot(kb) == before


def test_failed_catalogue_write_leaves_everything_as_it_was(
        kb: KnowledgeBase, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.ingest_paths([corpus])
    before = snapshot(kb)
    _change_corpus(corpus)
    real_put = Catalog.put
    puts: list[str] = []

    def put_then_fail(self: Catalog, source, attributions, chunk_count) -> None:  # noqa: ANN001
        puts.append(source.id)
        if len(puts) == 2:
            raise OSError("disk full")
        real_put(self, source, attributions, chunk_count)

    monkeypatch.setattr(Catalog, "put", put_then_fail)

    with pytest.raises(OSError, match="disk full"):
        kb.ingest_paths([corpus])

    assert len(puts) == 2
    assert snapshot(kb) == before


def test_failed_metadata_update_leaves_chroma_metadata_as_it_was(
        kb: KnowledgeBase, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.ingest_paths([corpus])
    before = snapshot(kb)

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Catalog, "put", fail)

    with pytest.raises(OSError):
        kb.ingest_paths([corpus / "01-notice-email.md"], SourceMeta(kind="statement"))

    assert kb.catalog.get(NOTICE_ID).kind == "notice"
    assert {m["kind"] for m in chroma_metadatas(kb, NOTICE_ID)} == {"notice"}
    assert snapshot(kb) == before


# --- bad files ----------------------------------------------------------------------------------

def test_bad_files_each_give_one_error_and_good_files_are_ingested(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text(
        "---\nkind: article\norganizations: [Harborline Market]\n---\n"
        "Harborline Market said the problem was fixed.\n", encoding="utf-8")
    (folder / "good.txt").write_text("Harborline Market wrote to shoppers on Monday.\n", encoding="utf-8")
    (folder / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Harborline caf\u00e9 notice".encode("latin-1"))
    (folder / "scan.odt").write_bytes(b"PK\x03\x04 fictional")  # skipped silently inside a folder

    report, errors = kb.ingest_paths([folder, folder / "scan.odt"])

    by_name = {Path(e.path).name: e for e in errors}
    assert sorted(by_name) == ["empty.txt", "latin1.txt", "scan.odt"]
    assert len(errors) == 3
    assert isinstance(by_name["scan.odt"], UnsupportedFormatError)
    assert isinstance(by_name["empty.txt"], EmptySourceError)
    assert isinstance(by_name["latin1.txt"], SourceError) and "UTF-8" in by_name["latin1.txt"].reason
    assert sorted(Path(p).name for p in report.failed) == ["empty.txt", "latin1.txt", "scan.odt"]
    assert len(report.added) == 2
    assert kb.counts()["sources"] == 2


# --- Chroma collection ------------------------------------------------------------------------

def test_chroma_metadata_has_only_scalars_and_no_none(kb: KnowledgeBase, tmp_path: Path) -> None:
    undated = tmp_path / "undated.txt"  # no front matter: no date, no organisations
    undated.write_text("Harborline Market said it had fixed the problem.\n", encoding="utf-8")
    kb.ingest_paths([EXAMPLES_DIR, undated])

    metadatas = chroma_metadatas(kb)

    assert len(metadatas) == kb.counts()["chunks"]
    for meta in metadatas:
        assert meta
        for key, value in meta.items():
            assert value is not None, key
            assert type(value) in (str, int, float, bool), (key, value)
        assert {"source_id", "index", "start", "end", "kind", "organizations"} <= set(meta)
    undated_meta = chroma_metadatas(kb, source_id_for(str(undated.resolve())))
    assert undated_meta and all("date" not in m for m in undated_meta)
    notice_meta = chroma_metadatas(kb, NOTICE_ID)
    assert {m["date"] for m in notice_meta} == {"2025-03-03"}


def test_collection_uses_cosine_space(kb: KnowledgeBase) -> None:
    collection = kb.vectors.langchain._collection
    assert collection.configuration["hnsw"]["space"] == "cosine"
    assert collection.metadata["embedding_model"] == "fake-embedder"


def test_other_embedding_model_on_same_dir_is_refused(kb: KnowledgeBase, data_dir: Path) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    kb.close()

    with pytest.raises(ConfigurationError, match="fake-embedder"):
        open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder(name="another-model"))

    # the refusal released the lock, and the original model still opens the index
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as reopened:
        assert reopened.counts()["sources"] == 5
        assert reopened.vectors.langchain._collection.configuration["hnsw"]["space"] == "cosine"


# --- the data directory's lock -------------------------------------------------------------------

def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "400"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)


LOCK_PROBE = textwrap.dedent("""\
    import sys
    from pathlib import Path
    from knowledge.errors import StoreLockedError
    from knowledge.lock import DataDirLock
    try:
        DataDirLock(Path(sys.argv[1])).acquire()
    except StoreLockedError as exc:
        print(exc, file=sys.stderr)
        sys.exit(3)
    print("acquired")
    """)


def test_second_process_is_refused_while_the_lock_is_held(kb: KnowledgeBase, data_dir: Path,
                                                          tmp_path: Path) -> None:
    probe = _run("-c", LOCK_PROBE, str(data_dir), cwd=tmp_path)

    assert probe.returncode == 3
    assert f"pid {os.getpid()}" in probe.stderr


def test_cli_in_second_process_is_refused_naming_the_holder(kb: KnowledgeBase, data_dir: Path,
                                                            tmp_path: Path) -> None:
    result = _run("-m", "knowledge", "--data-dir", str(data_dir), "sources", cwd=tmp_path)

    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert f"pid {os.getpid()}" in message
    assert "in use by another process" in message


def test_lock_is_exclusive_within_the_process_too(kb: KnowledgeBase, data_dir: Path) -> None:
    with pytest.raises(StoreLockedError, match=f"pid {os.getpid()}"):
        DataDirLock(data_dir).acquire()


def test_lock_is_released_on_close(kb: KnowledgeBase, data_dir: Path, tmp_path: Path) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    kb.close()

    probe = _run("-c", LOCK_PROBE, str(data_dir), cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "acquired"

    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as reopened:
        assert reopened.counts()["sources"] == 5


# --- metadata an earlier ingest gave ----------------------------------------------------------

@pytest.fixture
def plain_file(tmp_path: Path) -> Path:
    """A text file without front matter: its organisations can only come from the command line."""
    path = tmp_path / "plain.txt"
    path.write_text("Harborline Market said on Tuesday that it had hired an outside firm.\n", encoding="utf-8")
    return path


def test_reingest_without_org_keeps_the_earlier_org(kb: KnowledgeBase, plain_file: Path) -> None:
    source_id = source_id_for(str(plain_file.resolve()))
    kb.ingest_paths([plain_file], SourceMeta(organizations=["Harborline Market"]))
    before = snapshot(kb)

    report, errors = kb.ingest_paths([plain_file])

    assert errors == []
    assert report.unchanged == [source_id] and report.added == [] and report.updated == []
    assert kb.catalog.get(source_id).organizations == ["Harborline Market"]
    assert snapshot(kb) == before


def test_another_org_replaces_the_earlier_org(kb: KnowledgeBase, plain_file: Path) -> None:
    source_id = source_id_for(str(plain_file.resolve()))
    kb.ingest_paths([plain_file], SourceMeta(organizations=["Harborline Market"]))

    report, _ = kb.ingest_paths([plain_file], SourceMeta(organizations=["Harborline Logistics"]))

    assert report.updated == [source_id]
    assert kb.catalog.get(source_id).organizations == ["Harborline Logistics"]


def test_reingest_with_another_kind_keeps_the_earlier_org(kb: KnowledgeBase, plain_file: Path) -> None:
    source_id = source_id_for(str(plain_file.resolve()))
    kb.ingest_paths([plain_file], SourceMeta(organizations=["Harborline Market"]))

    report, _ = kb.ingest_paths([plain_file], SourceMeta(kind="statement"))

    assert report.updated == [source_id]
    source = kb.catalog.get(source_id)
    assert (source.kind, source.organizations) == ("statement", ["Harborline Market"])


# --- one URL, one source -----------------------------------------------------------------------

ONE_URL = "https://harborline.example/news/one"


@pytest.fixture
def two_texts(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "first.txt"
    first.write_text("Harborline Market said on Sunday that its review was complete.\n", encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text("Harborline Market said on Monday that every shopper had been told.\n", encoding="utf-8")
    return first, second


def test_two_files_with_one_url_ingest_nothing(kb: KnowledgeBase, two_texts: tuple[Path, Path]) -> None:
    before = snapshot(kb)

    with pytest.raises(SourceError, match="same URL"):
        kb.ingest_paths(list(two_texts), SourceMeta(url=ONE_URL))

    assert snapshot(kb) == before
    assert kb.counts()["sources"] == 0


def test_two_files_with_one_url_are_refused_when_one_is_indexed(
        kb: KnowledgeBase, two_texts: tuple[Path, Path]) -> None:
    first, second = two_texts
    kb.ingest_paths([first], SourceMeta(url=ONE_URL))
    before = snapshot(kb)

    with pytest.raises(SourceError, match="same URL"):
        kb.ingest_paths([first, second], SourceMeta(url=ONE_URL))

    assert snapshot(kb) == before


# --- forget by URL or path ----------------------------------------------------------------------

@pytest.mark.parametrize("how", ["url", "absolute-path", "relative-path", "home-path"])
def test_forget_by_url_or_path(kb: KnowledgeBase, plain_file: Path, monkeypatch: pytest.MonkeyPatch,
                               how: str) -> None:
    kb.ingest_paths([EXAMPLES_DIR, plain_file])
    monkeypatch.chdir(plain_file.parent)
    monkeypatch.setenv("HOME", str(plain_file.parent.parent))
    plain_id = source_id_for(str(plain_file.resolve()))
    target, expected = {
        "url": (NOTICE_URL, NOTICE_ID),
        "absolute-path": (str(plain_file), plain_id),
        "relative-path": (plain_file.name, plain_id),
        "home-path": (f"~/{plain_file.parent.name}/{plain_file.name}", plain_id),
    }[how]

    removed = kb.forget(target)

    assert removed.id == expected
    assert kb.catalog.get(expected) is None and kb.vectors.ids(expected) == set()
    assert kb.counts()["sources"] == 5


def test_forget_unknown_url_changes_nothing(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    before = snapshot(kb)

    with pytest.raises(SourceNotFoundError, match="harborline.example/notices/other"):
        kb.forget("https://harborline.example/notices/other")

    assert snapshot(kb) == before
