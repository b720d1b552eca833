"""Benchmark: ingest rate, ask latency and peak memory on the example corpus replicated.

Usage::

    .venv/bin/python scripts/benchmark.py [--chunks 10000] [--questions 50] [--data-dir DIR] [--fake]

The bundled fictional corpus is copied until the index holds about ``--chunks`` chunks; each copy
is its own source (its own URL, a numbered first line), so nothing is deduplicated away. Measures,
with the real all-MiniLM-L6-v2 model on the CPU unless ``--fake``:

- ingest: chunks/s and word pieces/s over the whole pipeline (load, chunk, extract, embed, write);
- extraction alone: KB of text per second for quote/speaker extraction (single core);
- ask: p50/p95 latency over ``--questions`` questions against the full index;
- peak RSS of the process (``ru_maxrss``).

Prints one JSON object. Numbers go into the issue note, not into timed tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from knowledge.attribution import extract_attributions
from knowledge.cli import EXAMPLES_DIR
from knowledge.loaders import LoadedDocument, expand_paths, load_file
from knowledge.records import SourceMeta
from knowledge.service import open_knowledge_base
from knowledge.settings import KnowledgeSettings

QUESTIONS = [
    "What did Harborline Market actually say?",
    "Did Harborline call it a breach?",
    "Did Harborline say passwords were affected?",
    "How many customers did Harborline say were affected?",
    "What caused the Harborline exposure?",
    "When did Harborline notify customers?",
    "What data did Harborline say was exposed?",
    "Did Harborline say card numbers were exposed?",
    "What did Harborline say about misuse of information?",
    "Who else commented on Harborline?",
]


def replicate(n_copies: int) -> list[tuple[LoadedDocument, SourceMeta]]:
    """``n_copies`` of the example incident, copy ``i`` about the organisation "Harborline{i} Market"
    (so the index holds many organisations, as a real one does, and no two chunks are identical)."""
    files, _ = expand_paths([EXAMPLES_DIR])
    originals = [load_file(f) for f in files]
    docs = []
    for i in range(n_copies):
        for doc in originals:
            url = f"{doc.meta.url or doc.locator}?copy={i}"
            orgs = [o.replace("Harborline", f"Harborline{i}") for o in doc.meta.organizations]
            meta = doc.meta.model_copy(update={"url": url, "organizations": orgs})
            text = doc.text.replace("Harborline", f"Harborline{i}")
            docs.append((LoadedDocument(text, meta, url), SourceMeta()))
    return docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--fake", action="store_true", help="hash embeddings instead of the model")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="disclosure-bench-"))
    embedder = None
    if args.fake:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from conftest import FakeEmbedder  # type: ignore[import-not-found]

        embedder = FakeEmbedder()
    t0 = time.perf_counter()
    kb = open_knowledge_base(KnowledgeSettings(data_dir=data_dir), embedder=embedder)
    open_s = time.perf_counter() - t0

    # chunks per copy of the corpus, to size the replication
    one = replicate(1)
    per_copy = sum(len(kb.chunker.split("x", d.text)) for d, _ in one)
    copies = max(1, round(args.chunks / per_copy))
    docs = replicate(copies)
    text_bytes = sum(len(d.text.encode()) for d, _ in docs)

    # extraction alone, single core
    t0 = time.perf_counter()
    for doc, _ in docs[: min(len(docs), 500)]:
        extract_attributions(doc.text, doc.meta.kind or "article", doc.meta.organizations)
    sample_bytes = sum(len(d.text.encode()) for d, _ in docs[:500])
    extract_kb_s = sample_bytes / 1024 / (time.perf_counter() - t0)

    chunks = tokens = 0
    t0 = time.perf_counter()
    for i in range(0, len(docs), 100):
        report = kb.ingest_documents(docs[i:i + 100])
        chunks += report.chunks
    ingest_s = time.perf_counter() - t0
    # word pieces embedded (counted after the timing, so counting does not inflate it)
    for doc, _ in docs[:50]:
        tokens += sum(kb.chunker._count(c.text) for c in kb.chunker.split("x", doc.text))
    tokens = tokens * len(docs) // min(len(docs), 50)

    print(f"ingest: {chunks} chunks in {ingest_s:.1f} s", file=sys.stderr, flush=True)
    latencies = []
    abstained = 0
    for i in range(args.questions):
        question = QUESTIONS[i % len(QUESTIONS)].replace("Harborline", f"Harborline{(i * 7919) % copies}")
        t0 = time.perf_counter()
        answer = kb.ask(question)
        latencies.append((time.perf_counter() - t0) * 1000)
        abstained += answer.abstained
    counts = kb.counts()
    kb.close()
    latencies.sort()
    result = {
        "embedder": "fake" if args.fake else "all-MiniLM-L6-v2 (CPU)",
        "sources": counts["sources"], "chunks": counts["chunks"], "vectors": counts["vectors"],
        "text_mb": round(text_bytes / 1e6, 2),
        "open_s": round(open_s, 2),
        "ingest_s": round(ingest_s, 1),
        "ingest_chunks_per_s": round(chunks / ingest_s, 1),
        "ingest_tokens_per_s": round(tokens / ingest_s, 0),
        "extraction_kb_per_s_one_core": round(extract_kb_s, 0),
        "ask_p50_ms": round(statistics.median(latencies), 1),
        "ask_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "ask_abstained": abstained,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "data_dir": str(data_dir),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
