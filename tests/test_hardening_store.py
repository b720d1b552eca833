"""Hardening of the store (issue 9): Chroma's batch limit, orphan vectors after a kill, a source that
gains a URL, and ``forget`` selectors.

Fictional texts only; the fake embedder from ``conftest.py``, except in the subprocess test, which
uses it too (through ``KB_TEST_INGEST_HOOK``'s companion script below).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES_DIR, FakeEmbedder, settings_for
from knowledge.catalog import ALL_SOURCES, SCHEMA_VERSION, Catalog
from knowledge.errors import SourceIdentityError, SourceNotFoundError, SourceSelectorError
from knowledge.records import Chunk, Source, SourceMeta
from knowledge.service import HOOK_ENV, KnowledgeBase, open_knowledge_base, source_id_for
from knowledge.store import DEFAULT_MAX_BATCH, VectorStore, max_batch_size, open_client

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
NOTICE_URL = "https://harborline.example/notices/order-history"
NOTICE_ID = source_id_for(NOTICE_URL)
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES_DIR, tmp_path / "corpus"))


def state(kb: KnowledgeBase) -> dict[str, object]:
    """Catalogue rows, attributions and every Chroma record (text and metadata)."""
    got = kb.vectors.langchain.get(include=["metadatas", "documents"])
    sources = kb.catalog.sources()
    return {
        "sources": {s.id: (s.content_hash, s.kind, s.text) for s in sources},
        "attributions": kb.catalog.attributions(s.id for s in sources),
        "chroma": {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])},
    }


def consistent(kb: KnowledgeBase) -> None:
    """Every vector belongs to a catalogued source's committed chunks, and every such chunk is there."""
    owned = set().union(*(kb.catalog.chunk_ids(s.id) for s in kb.sources())) if kb.sources() else set()
    assert kb.vectors.ids() == owned
    counts = kb.counts()
    assert counts["vectors"] == counts["chunks"]
    assert kb.catalog.pending() == []


# --- 13: every call by ids stays below Chroma's limit ---------------------------------------------

class _Recorder:
    """Wraps a Chroma collection and records how many ids (or records) each call carried."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._collection, name)
        if name not in ("get", "upsert", "update", "delete", "add"):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            ids = kwargs.get("ids")
            size = len(ids) if ids is not None else int(kwargs.get("limit") or 0)
            self.calls.append((name, size))
            return method(*args, **kwargs)

        return call


@pytest.fixture
def recorded(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    """The knowledge base's collection with a limit of 3 ids per call, every call recorded."""
    recorder = _Recorder(kb.vectors.langchain._collection)
    monkeypatch.setattr(kb.vectors.langchain, "_chroma_collection", recorder)
    kb.vectors.max_batch = 3
    return recorder


def test_ingest_update_and_forget_stay_below_the_limit(kb: KnowledgeBase, corpus: Path,
                                                       recorded: _Recorder) -> None:
    kb.ingest_paths([corpus])
    notice = corpus / "01-notice-email.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("Hello,", "Hello again,"), encoding="utf-8")
    kb.ingest_paths([corpus], SourceMeta(organizations=["Harborline Market", "Harborline Logistics"]))
    kb.forget(NOTICE_ID)

    sizes: dict[str, list[int]] = {}
    for name, size in recorded.calls:
        sizes.setdefault(name, []).append(size)
    assert all(0 < size <= 3 for name, size in recorded.calls if name != "get"), recorded.calls
    assert all(size <= 3 for _, size in recorded.calls)
    assert len(sizes["upsert"]) > 3 and len(sizes["delete"]) >= 2 and len(sizes["update"]) >= 2
    assert kb.counts()["chunks"] > 3
    consistent(kb)


def test_search_over_more_sources_than_the_limit_merges_the_batches(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    ids = [s.id for s in kb.sources()]
    whole = kb.vectors.search("Harborline order history email", k=4, source_ids=ids)

    kb.vectors.max_batch = 2
    batched = kb.vectors.search("Harborline order history email", k=4, source_ids=ids)

    assert [h.chunk_id for h in batched] == [h.chunk_id for h in whole]


def test_the_limit_comes_from_the_client() -> None:
    class Told:
        def get_max_batch_size(self) -> int:
            return 7

    class Attribute:
        max_batch_size = 11

    class Silent:
        pass

    class Broken:
        def get_max_batch_size(self) -> int:
            raise ConnectionError("server gone")

    assert max_batch_size(Told()) == 7
    assert max_batch_size(Attribute()) == 11
    assert max_batch_size(Silent()) == max_batch_size(Broken()) == DEFAULT_MAX_BATCH


def test_catalogue_reads_more_ids_than_sqlite_variables(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    many = [s.id for s in kb.sources()] + [f"src_{n:012x}" for n in range(40_000)]

    assert len(kb.catalog.sources(many)) == 5
    assert sum(map(len, kb.catalog.attributions(many).values())) == kb.counts()["attributions"]


def test_real_chroma_over_its_limit(tmp_path: Path) -> None:
    """No monkeypatching: more records than embedded Chroma takes in one call (5,461)."""
    client = open_client(tmp_path)
    vectors = VectorStore(client, FakeEmbedder(dimension=8), "overlimit")
    limit = client.get_max_batch_size()
    assert vectors.max_batch == limit
    text = "Harborline Market wrote to its customers."
    source = Source(id="src_0123456789ab", title="t", kind="notice", locator="/x", content_hash="h",
                    ingested_at="2025-03-03T00:00:00Z", text=text)
    chunks = [Chunk(id=f"{source.id}:{n:08d}", source_id=source.id, index=n, start=0, end=len(text), text=text)
              for n in range(limit + 50)]
    started = time.perf_counter()

    vectors.add(chunks, {source.id: source})
    ids = [c.id for c in chunks]
    got = vectors.get(ids)
    vectors.set_metadata({i: {"source_id": source.id, "index": 0, "start": 0, "end": 1} for i in ids})
    records = vectors.records(source.id)
    vectors.delete(ids)

    assert len(got["ids"]) == len(ids) and len(records) == len(ids)
    assert {m["end"] for m, _ in records.values()} == {1}
    assert vectors.count() == 0
    assert time.perf_counter() - started < 60


# --- 14: a killed ingest leaves no orphan vectors ----------------------------------------------------

KILLABLE_INGEST = textwrap.dedent("""\
    import sys
    from conftest import FakeEmbedder
    from knowledge import cli, service
    service.create_embedder = lambda *args, **kwargs: FakeEmbedder()
    sys.exit(cli.main(sys.argv[1:]))
    """)


def _start_ingest(tmp_path: Path, data_dir: Path, marker: Path, step: str, *paths: Path
                  ) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)]), HOOK_ENV: str(marker),
           HOOK_ENV + "_AT": step}
    env.pop("KB_EMBEDDING_MODEL", None)
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-c", KILLABLE_INGEST, "--data-dir", str(data_dir), "--env-file", str(empty),
         "ingest", *map(str, paths)],
        cwd=tmp_path, env=env, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_at(process: subprocess.Popen[str], marker: Path, step: str) -> None:
    deadline = time.monotonic() + 60
    while step not in (marker.read_text(encoding="utf-8") if marker.exists() else ""):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, f"the ingest never reached {step}"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _raw_vector_count(data_dir: Path) -> int:
    client = open_client(data_dir)
    return int(client.get_collection("disclosures").count())


@pytest.mark.parametrize("step", ["before-catalogue", "after-catalogue"])
def test_sigkill_midway_leaves_no_orphans(tmp_path: Path, data_dir: Path, corpus: Path, step: str) -> None:
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        kb.ingest_paths([corpus])
        before = state(kb)
    # an edit to every paragraph's first line (new chunks for an update) and a new source
    notice = corpus / "01-notice-email.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("Hello,", "Hello, and thank you,"),
                      encoding="utf-8")
    (corpus / "07-new.md").write_text(
        "---\nkind: article\norganizations: [Harborline Market]\n---\n"
        + "\n\n".join(f"Harborline Market said in update {n} that stores stay open." for n in range(400)),
        encoding="utf-8")
    marker = tmp_path / "reached"

    process = _start_ingest(tmp_path, data_dir, marker, step, corpus)
    _kill_at(process, marker, step)

    assert process.returncode == -signal.SIGKILL
    catalogue = Catalog(data_dir / "catalog.sqlite3")
    committed = catalogue.counts()["chunks"]
    assert catalogue.pending()  # the kill left its mark
    catalogue.close()
    assert _raw_vector_count(data_dir) > committed  # orphans are really there before the next open

    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        consistent(kb)
        if step == "before-catalogue":
            assert state(kb) == before  # the old versions, untouched
        else:
            assert "and thank you" in kb.catalog.get(NOTICE_ID).text
        report, errors = kb.ingest_paths([corpus])  # a re-run finishes the job
        assert errors == []
        consistent(kb)
        assert "and thank you" in kb.catalog.get(NOTICE_ID).text
        assert kb.counts()["sources"] == 6


def test_orphans_of_a_pending_source_are_swept_on_open(kb: KnowledgeBase, data_dir: Path) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    before = state(kb)
    notice = kb.catalog.get(NOTICE_ID)
    ghost = Source(id="src_feedfacecafe", title="ghost", kind="article", locator="/ghost",
                   content_hash="x", ingested_at=notice.ingested_at, text="Harborline Market said so.")
    # what a kill leaves: a half-written new source, a new-version chunk beside the old ones, and a
    # kept chunk whose metadata was already rewritten
    kb.catalog.mark_pending([ghost.id, NOTICE_ID])
    kb.vectors.add([Chunk(id=f"{ghost.id}:0", source_id=ghost.id, index=0, start=0, end=26,
                          text=ghost.text)], {ghost.id: ghost})
    kb.vectors.add([Chunk(id=f"{NOTICE_ID}:new", source_id=NOTICE_ID, index=99, start=0, end=5,
                          text=notice.text[:5])], {NOTICE_ID: notice})
    kept = next(iter(kb.catalog.chunk_ids(NOTICE_ID)))
    meta = kb.vectors.records(NOTICE_ID)[kept][0]
    kb.vectors.set_metadata({kept: {**meta, "kind": "statement"}})
    kb.close()

    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as reopened:
        consistent(reopened)
        assert state(reopened) == before


def test_forget_reaches_vectors_the_catalogue_does_not_own(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    notice = kb.catalog.get(NOTICE_ID)
    kb.vectors.add([Chunk(id=f"{NOTICE_ID}:stray", source_id=NOTICE_ID, index=9, start=0, end=5,
                          text=notice.text[:5])], {NOTICE_ID: notice})

    kb.forget(NOTICE_ID)

    assert kb.vectors.ids(NOTICE_ID) == set()
    consistent(kb)


def test_an_index_from_before_chunk_ids_is_swept_once(kb: KnowledgeBase, data_dir: Path) -> None:
    kb.ingest_paths([EXAMPLES_DIR])
    before = state(kb)
    notice = kb.catalog.get(NOTICE_ID)
    # as an older version left it: no chunk ids recorded, orphans of a killed update and of a new source
    with kb.catalog.transaction():
        for s in kb.sources():
            kb.catalog.set_chunk_ids(s.id, [])
    kb.catalog.mark_pending([ALL_SOURCES])
    kb.vectors.add([Chunk(id=f"{NOTICE_ID}:v2", source_id=NOTICE_ID, index=0, start=0, end=12,
                          text="Hello again,")], {NOTICE_ID: notice})
    kb.vectors.add([Chunk(id="src_abcabcabcabc:0", source_id="src_abcabcabcabc", index=0, start=0, end=5,
                          text="Hello")], {"src_abcabcabcabc": notice})
    kb.close()

    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as reopened:
        consistent(reopened)
        assert state(reopened) == before


# --- 6: a source that gains a URL stays one source -------------------------------------------------

@pytest.fixture
def letter(tmp_path: Path) -> Path:
    path = tmp_path / "letter.md"
    path.write_text("Harborline Market said on Monday that its stores would open late.\n", encoding="utf-8")
    return path


LETTER_URL = "https://harborline.example/letters/late-opening"


@pytest.mark.parametrize("how", ["--url", "front matter"])
def test_a_file_that_gains_a_url_updates_its_source(kb: KnowledgeBase, letter: Path, how: str) -> None:
    kb.ingest_paths([letter])
    path_id = source_id_for(str(letter.resolve()))
    text = "Harborline Market said on Monday that its stores would open at noon.\n"
    if how == "--url":
        letter.write_text(text, encoding="utf-8")
        report, _ = kb.ingest_paths([letter], SourceMeta(url=LETTER_URL))
    else:
        letter.write_text(f"---\nurl: {LETTER_URL}\n---\n{text}", encoding="utf-8")
        report, _ = kb.ingest_paths([letter])

    assert report.updated == [path_id] and report.added == []
    [source] = kb.sources()
    assert (source.id, source.url, source.path) == (path_id, LETTER_URL, str(letter.resolve()))
    assert "at noon" in source.text
    consistent(kb)
    again, _ = kb.ingest_paths([letter], SourceMeta(url=LETTER_URL) if how == "--url" else None)
    assert again.unchanged == [path_id]
    assert kb.resolve(LETTER_URL).id == kb.resolve(str(letter)).id == path_id


def test_a_moved_file_with_its_url_updates_its_source(kb: KnowledgeBase, letter: Path, tmp_path: Path) -> None:
    kb.ingest_paths([letter], SourceMeta(url=LETTER_URL))
    moved = tmp_path / "moved" / "letter.md"
    moved.parent.mkdir()
    moved.write_text(letter.read_text(encoding="utf-8") + "\nIt apologised.\n", encoding="utf-8")

    report, _ = kb.ingest_paths([moved], SourceMeta(url=LETTER_URL))

    assert report.updated == [source_id_for(LETTER_URL)]
    [source] = kb.sources()
    assert source.path == str(moved.resolve())


def test_an_unchanged_file_read_from_a_new_place_is_unchanged_and_recorded(
        kb: KnowledgeBase, letter: Path, tmp_path: Path) -> None:
    kb.ingest_paths([letter], SourceMeta(url=LETTER_URL))
    before = state(kb)
    moved = tmp_path / "elsewhere.md"
    shutil.copy(letter, moved)

    report, _ = kb.ingest_paths([moved], SourceMeta(url=LETTER_URL))

    assert report.unchanged == [source_id_for(LETTER_URL)] and report.updated == []
    assert kb.sources()[0].path == str(moved.resolve())
    assert state(kb) == before
    assert kb.resolve(str(moved)).id == source_id_for(LETTER_URL)


def test_a_path_of_one_source_and_the_url_of_another_is_refused(kb: KnowledgeBase, letter: Path,
                                                                tmp_path: Path) -> None:
    other = tmp_path / "other.md"
    other.write_text("Harborline Market said the website was back.\n", encoding="utf-8")
    kb.ingest_paths([letter])
    kb.ingest_paths([other], SourceMeta(url=LETTER_URL))
    before = state(kb)

    with pytest.raises(SourceIdentityError) as caught:
        kb.ingest_paths([letter], SourceMeta(url=LETTER_URL))

    message = str(caught.value)
    assert source_id_for(LETTER_URL) in message and "disclosure-bot forget" in message
    assert "\n" not in message
    assert state(kb) == before


# --- 4: forget selectors ----------------------------------------------------------------------

@pytest.mark.parametrize("selector", ["", " ", "\t", "s", "src", "src_", "src_1", "src_12345"])
def test_blank_or_short_selectors_remove_nothing(kb: KnowledgeBase, letter: Path, selector: str) -> None:
    kb.ingest_paths([letter])
    before = state(kb)
    source_id = kb.sources()[0].id
    if selector.startswith("src_") and len(selector) > 4:
        selector = source_id[:len(selector)]  # a real prefix of the only source's id, still too short

    with pytest.raises(SourceNotFoundError) as caught:
        kb.forget(selector)

    if selector.strip() == "" or selector.startswith("src_"):
        assert isinstance(caught.value, SourceSelectorError)
    assert state(kb) == before


def test_a_six_character_prefix_is_enough(kb: KnowledgeBase, letter: Path) -> None:
    kb.ingest_paths([letter])
    source_id = kb.sources()[0].id

    assert kb.forget(source_id[:10]).id == source_id
    assert kb.sources() == []


def test_cli_forget_shows_what_it_removes_and_asks_on_a_terminal(
        run: Run, letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("ingest", str(letter))
    source_id = source_id_for(str(letter.resolve()))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter(["n", "y"])
    prompts: list[str] = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)

    code, out, err = run("forget", source_id)
    assert code == 1 and "nothing removed" in err
    assert f"will remove {source_id}" in out and str(letter.resolve()) in out and "1 chunks" in out
    code, out, _ = run("sources", "--json")
    assert source_id in out

    code, out, _ = run("forget", source_id[:10])
    assert code == 0 and f"forgot {source_id}" in out
    assert len(prompts) == 2


def test_cli_forget_yes_or_no_terminal_does_not_ask(run: Run, letter: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    second = tmp_path / "second.txt"
    second.write_text("Harborline Market said the outage had ended.\n", encoding="utf-8")
    run("ingest", str(letter), str(second))

    def never(prompt: str) -> str:
        raise AssertionError("asked")

    monkeypatch.setattr("builtins.input", never)
    code, out, _ = run("forget", str(letter))  # stdin is not a terminal under pytest
    assert code == 0 and "forgot" in out
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    code, out, _ = run("forget", "--yes", str(second))
    assert code == 0 and "forgot" in out


@pytest.mark.parametrize("selector", ["", "   ", "src_1"])
def test_cli_forget_blank_or_short_is_one_line_error(run: Run, letter: Path, selector: str) -> None:
    run("ingest", str(letter))

    code, out, err = run("forget", selector)

    assert code == 1
    assert err.startswith("error:") and err.count("\n") == 1
    assert "forgot" not in out


def test_a_schema_2_index_migrates_and_drops_its_orphans(kb: KnowledgeBase, data_dir: Path) -> None:
    """An index written before chunk ids and paths were recorded, with the orphans a kill left."""
    kb.ingest_paths([EXAMPLES_DIR])
    before, organizations = state(kb), kb.organizations()
    notice = kb.catalog.get(NOTICE_ID)
    kb.vectors.add([Chunk(id=f"{NOTICE_ID}:v2", source_id=NOTICE_ID, index=0, start=0, end=12,
                          text="Hello again,")], {NOTICE_ID: notice})
    db = kb.catalog._db
    for statement in ("DROP INDEX sources_url", "DROP INDEX sources_locator", "DROP INDEX sources_path",
                      "DROP TABLE chunks", "DROP TABLE pending", "ALTER TABLE sources DROP COLUMN path",
                      "ALTER TABLE sources DROP COLUMN pages", "ALTER TABLE sources DROP COLUMN retrieved_at",
                      "ALTER TABLE sources DROP COLUMN gone_at",
                      "DROP TABLE source_organizations", "DROP TABLE state", "PRAGMA user_version = 2"):
        db.execute(statement)
    kb.close()

    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as reopened:
        assert reopened.catalog.schema_version == SCHEMA_VERSION
        assert reopened.organizations() == organizations
        consistent(reopened)
        assert state(reopened) == before
        report, _ = reopened.ingest_paths([EXAMPLES_DIR])
        assert len(report.unchanged) == 5


def test_when_chroma_fails_during_the_rollback_the_next_open_finishes_it(
        kb: KnowledgeBase, data_dir: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.ingest_paths([corpus])
    before = state(kb)
    (corpus / "06-new.md").write_text("Harborline Market said the stores reopened on Friday.\n", encoding="utf-8")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Catalog, "put", fail)
    monkeypatch.setattr(KnowledgeBase, "_reconcile", fail)
    with pytest.raises(OSError, match="disk full"):
        kb.ingest_paths([corpus])
    assert kb.catalog.pending() and kb.counts()["vectors"] > kb.counts()["chunks"]
    monkeypatch.undo()
    kb.close()

    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as reopened:
        consistent(reopened)
        assert state(reopened) == before


def test_looking_a_source_up_by_url_locator_or_path_reads_an_index(kb: KnowledgeBase) -> None:
    """Every ingested document is looked up by URL and path: a scan of ``sources`` (text included)
    made ingest slow down as the index grew."""
    db = kb.catalog._db
    for column in ("url", "path"):
        plan = " ".join(str(row[-1]) for row in db.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM sources WHERE {column} = ? OR locator = ? ORDER BY id",
            ("x", "x")))
        assert "SCAN sources" not in plan.replace("SCAN sources USING", ""), plan
        assert f"sources_{column}" in plan and "sources_locator" in plan, plan
