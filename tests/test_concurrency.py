"""Questions read in parallel; an ingest or forget writes alone, and every answer is consistent.

Consistent means all of a source's version or none of it: an answer asked while a source changes
quotes exactly the old version's words or exactly the new version's, never a mix, never a part.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import FakeEmbedder, settings_for
from knowledge.loaders import LoadedDocument
from knowledge.records import SourceMeta
from knowledge.rwlock import ReadWriteLock
from knowledge.service import KnowledgeBase, open_knowledge_base

ORG = "Quillon Rail"
URL = "https://quillon.example/statement"
QUESTION = "What did Quillon Rail actually say?"


class GatedEmbedder(FakeEmbedder):
    """The fake embedder, with knobs: questions (single texts) can wait at a barrier, and chunk
    batches can be slowed down, so that tests can line threads up."""

    def __init__(self) -> None:
        super().__init__()
        self.barrier: threading.Barrier | None = None
        self.batch_delay = 0.0
        self.embedding = threading.Event()  # set while a chunk batch is being embedded

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if len(texts) == 1 and self.barrier is not None:
            self.barrier.wait()
        if self.batch_delay and len(texts) > 1:
            self.embedding.set()
            time.sleep(self.batch_delay)
        return super().embed(texts)


def _statement(version: int, quotes: int = 6) -> tuple[LoadedDocument, SourceMeta]:
    paragraphs = [f"“Version {version} point {n}: the signalling fault on line {n} was fixed,” "
                  f"a Quillon Rail spokesperson said." for n in range(quotes)]
    meta = SourceMeta(kind="statement", organizations=[ORG], url=URL, title="Quillon Rail statement")
    return LoadedDocument(text="\n\n".join(paragraphs) + "\n", meta=meta, locator=URL), SourceMeta()


def _fillers(n: int) -> list[tuple[LoadedDocument, SourceMeta]]:
    docs = []
    for i in range(n):
        url = f"https://other.example/{i}"
        meta = SourceMeta(kind="article", organizations=[f"Filler {i}"], url=url)
        docs.append((LoadedDocument(text=f"Filler {i} said: “Nothing changed at depot {i}.”\n" * 20,
                                    meta=meta, locator=url), SourceMeta()))
    return docs


@pytest.fixture
def gated(tmp_path: Path) -> tuple[KnowledgeBase, GatedEmbedder]:
    embedder = GatedEmbedder()
    kb = open_knowledge_base(settings_for(tmp_path / "data"), embedder=embedder)
    yield kb, embedder
    kb.close()


def _quoted(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(q.text for q in kb.ask(QUESTION).quotes)


def test_questions_are_answered_in_parallel(gated: tuple[KnowledgeBase, GatedEmbedder]) -> None:
    """Two questions meet at a barrier inside the question path: with one lock for every call the
    second could never get there and the barrier would break."""
    kb, embedder = gated
    kb.ingest_documents([_statement(1)])
    embedder.barrier = threading.Barrier(2, timeout=10)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: kb.ask(QUESTION), range(2)))
    assert all(len(a.quotes) == 6 for a in answers)


def test_eight_questions_during_an_ingest_see_all_of_a_version_or_none(
        gated: tuple[KnowledgeBase, GatedEmbedder]) -> None:
    kb, embedder = gated
    kb.ingest_documents([_statement(1)])
    old = _quoted(kb)
    assert len(old) == 6
    embedder.batch_delay = 0.05  # the ingest below embeds for a while: questions go on meanwhile
    done = threading.Event()
    seen: list[tuple[float, frozenset[str]]] = []
    errors: list[BaseException] = []

    def asker() -> None:
        try:
            while not done.is_set():
                seen.append((time.monotonic(), _quoted(kb)))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=asker) for _ in range(8)]
    for t in threads:
        t.start()
    started = time.monotonic()
    kb.ingest_documents([_statement(2), *_fillers(30)])
    finished = time.monotonic()
    time.sleep(0.2)
    done.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    new = _quoted(kb)
    assert len(new) == 6 and new.isdisjoint(old)
    assert {answer for _, answer in seen} <= {old, new}  # all of a version, never a mix or a part
    assert any(answer == new for _, answer in seen)
    # questions were answered while the ingest embedded, not only before and after it
    assert sum(1 for at, _ in seen if started < at < finished) >= 8


def test_forget_during_questions(gated: tuple[KnowledgeBase, GatedEmbedder]) -> None:
    kb, _ = gated
    kb.ingest_documents([_statement(1), *_fillers(5)])
    full = _quoted(kb)
    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(_quoted, kb) for _ in range(24)]
        kb.forget(URL)
        results = {f.result() for f in answers}
    assert results <= {full, frozenset()}
    assert kb.ask(QUESTION).abstained


def test_a_writer_waits_for_readers_and_holds_new_ones() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    reading = threading.Event()
    release = threading.Event()

    def reader(name: str, hold: bool) -> None:
        with lock.read():
            order.append(f"{name} in")
            if hold:
                reading.set()
                release.wait(5)
            order.append(f"{name} out")

    def writer() -> None:
        with lock.write():
            order.append("writer")

    first = threading.Thread(target=reader, args=("r1", True))
    first.start()
    assert reading.wait(5)
    w = threading.Thread(target=writer)
    w.start()
    time.sleep(0.1)
    late = threading.Thread(target=reader, args=("r2", False))
    late.start()
    time.sleep(0.1)
    assert order == ["r1 in"]  # the writer waits for r1; r2 waits behind the writer
    release.set()
    for t in (first, w, late):
        t.join(5)
    assert order == ["r1 in", "r1 out", "writer", "r2 in", "r2 out"]


def test_readers_share_the_lock() -> None:
    lock = ReadWriteLock()
    barrier = threading.Barrier(3, timeout=5)

    def reader() -> None:
        with lock.read():
            barrier.wait()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not barrier.broken
