"""Benchmark: ingest rate, ask latency, cold start and peak memory on the example corpus replicated.

Usage::

    .venv/bin/python scripts/benchmark.py [--chunks 10000] [--questions 50] [--data-dir DIR]
        [--backend onnx-int8|fp32] [--reuse-embeddings] [--chroma-host HOST --chroma-port PORT] [--fake]
        [--ask-only]   # questions only, on the index an earlier run left in --data-dir

The bundled fictional corpus is copied until the index holds about ``--chunks`` chunks; copy ``i`` is
about "Harborline{i} Market", each source its own URL, so nothing is deduplicated away. Measures, with
the real all-MiniLM-L6-v2 model on the CPU (``--backend``, default ``KB_EMBEDDING_BACKEND``):

- ingest: chunks/s and word pieces/s over the whole pipeline (load, chunk, extract, embed, write);
- ``embed_tokens_per_s``: the embedder alone on one copy's chunks (always the real model);
- extraction alone: KB of text per second for quote/speaker extraction (single core);
- ask: p50/p95 latency over ``--questions`` questions against the full index, and a plain Chroma
  query (embed the question, top 5 chunks, no filter) on the same index in the same run;
- ``cold_ask_s``: ``disclosure-bot ask`` as a new process on a small index (one copy), from start to exit;
  ``cold_ask_backend`` is the backend that process actually loaded (from its log);
- peak RSS of this process (``ru_maxrss``).

``--reuse-embeddings`` embeds one copy's chunks for real and gives copy ``i``'s chunk the vector of
the same chunk in the base set (the texts differ only in the organisation's name) plus a small
deterministic perturbation, so vectors are distinct and 100k-chunk indexes build in minutes; the
output says ``"vectors": "reused"`` and its ingest rate is the pipeline's without the model. ``--fake``
uses hashed bag-of-words vectors (``"vectors": "fake"``).

Prints one JSON object. Numbers go into the README and the issue, not into timed tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.attribution import extract_attributions
from knowledge.cli import EXAMPLES_DIR
from knowledge.embeddings import BACKENDS, Embedder, create_embedder
from knowledge.loaders import LoadedDocument, expand_paths, load_file
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase, open_knowledge_base
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


class ReusingEmbedder:
    """Vectors of a base set reused for texts that differ from it only in the organisation's number.

    A text is keyed by its content with "Harborline<n>" folded to "Harborline"; the first text with a
    key is embedded by the real model, later ones get that vector plus a perturbation seeded by their
    own text (norm about 0.1, then L2-normalised), so no two stored vectors are identical.
    """

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.name, self.dimension, self.max_tokens = real.name, real.dimension, real.max_tokens
        self.weights_sha256 = getattr(real, "weights_sha256", None)
        self.count_tokens = real.count_tokens
        self.base: dict[str, np.ndarray] = {}
        self.embedded = self.reused = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        keys = [re.sub(r"Harborline\d+", "Harborline", t) for t in texts]
        missing = sorted({k for k in keys if k not in self.base})
        if missing:
            for key, vector in zip(missing, self.real.embed(missing)):
                self.base[key] = np.asarray(vector, dtype=np.float32)
            self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        out = []
        for text, key in zip(texts, keys):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            noise = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
            vector = self.base[key] + noise * (0.1 / np.sqrt(self.dimension))
            out.append((vector / np.linalg.norm(vector)).tolist())
        return out


#: ``disclosure-bot`` with the open_knowledge_base factory given the settings' backend, for as long as
#: knowledge/service.py builds its embedder without KB_EMBEDDING_BACKEND (see the README).
_PATCHED_CLI = """
import os, sys
from pathlib import Path
from knowledge import embeddings, service
def factory(model, sha256=None, **_):
    return embeddings.create_embedder(model, sha256, backend=os.environ["KB_EMBEDDING_BACKEND"],
                                      cache_dir=Path(os.environ["KB_MODEL_CACHE_DIR"]))
service.create_embedder = factory
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _loaded_backend(stderr: str) -> str:
    return ("onnx-int8" if "as int8 ONNX" in stderr else "fp32" if "loaded embedding model" in stderr
            else "unknown")


def cold_ask(settings: KnowledgeSettings, docs: list[tuple[LoadedDocument, SourceMeta]],
             embedder: Embedder, backend: str) -> tuple[float, str, str]:
    """Seconds for ``disclosure-bot ask`` as a new process on a one-copy index (best of two: the
    second has a warm page cache, as a bot restart would), the backend it loaded (from its INFO log),
    and how it was started."""
    small = Path(tempfile.mkdtemp(prefix="disclosure-bench-small-"))
    with open_knowledge_base(settings.model_copy(update={"data_dir": small}), embedder=embedder) as kb:
        kb.ingest_documents(docs)
    env = {**os.environ, "KB_DATA_DIR": str(small), "KB_EMBEDDING_BACKEND": backend,
           "KB_MODEL_CACHE_DIR": str(settings.model_cache_dir), "LOG_LEVEL": "INFO"}
    env.pop("KB_CHROMA_HOST", None)
    argv = ["ask", "What did Harborline0 Market actually say?"]
    entries = {"disclosure-bot": [str(Path(sys.executable).with_name("disclosure-bot")), *argv],
               "disclosure-bot, backend patched in": [sys.executable, "-c", _PATCHED_CLI, *argv]}
    for entry, command in entries.items():
        best, loaded = float("inf"), "unknown"
        for _ in range(2):
            t0 = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
            best = min(best, time.perf_counter() - t0)
            if done.returncode != 0:
                raise RuntimeError(f"cold ask failed: {done.stderr.strip()[-500:]}")
            loaded = _loaded_backend(done.stderr)
        if loaded == backend:
            return best, loaded, entry
    return best, loaded, entry


def warm_model_cache(settings: KnowledgeSettings, backend: str) -> None:
    """Export the int8 model in a child process when it is not cached yet, so that this process's
    peak RSS never includes torch (as a bot's does not, after its first start)."""
    if backend != "onnx-int8":
        return
    code = ("import sys; from pathlib import Path; from knowledge.embeddings import create_embedder; "
            "create_embedder(sys.argv[1], sys.argv[2] or None, backend='onnx-int8', cache_dir=Path(sys.argv[3]))")
    subprocess.run([sys.executable, "-c", code, settings.embedding_model, settings.embedding_model_sha256 or "",
                    str(settings.model_cache_dir)], check=True)


def build(kb: KnowledgeBase, real: Embedder, target_chunks: int) -> dict[str, float]:
    """Fill ``kb`` with copies of the example corpus up to about ``target_chunks`` chunks; the embedder
    alone, extraction alone and the whole ingest are timed."""
    # chunks per copy of the corpus, to size the replication
    one = replicate(1)
    one_chunks = [c.text for d, _ in one for c in kb.chunker.split("x", d.text)]
    copies = max(1, round(target_chunks / len(one_chunks)))
    docs = replicate(copies)
    text_bytes = sum(len(d.text.encode()) for d, _ in docs)

    # the embedder alone, real model, on one copy's chunks (best of three)
    pieces = sum(real.count_tokens(t) + 2 for t in one_chunks)
    embed_s = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        real.embed(one_chunks)
        embed_s = min(embed_s, time.perf_counter() - t0)

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
        if i and i % 5000 == 0:
            print(f"ingest: {i} of {len(docs)} sources, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    ingest_s = time.perf_counter() - t0
    # word pieces embedded (counted after the timing, so counting does not inflate it)
    for doc, _ in docs[:50]:
        tokens += sum(kb.chunker._count(c.text) for c in kb.chunker.split("x", doc.text))
    tokens = tokens * len(docs) // min(len(docs), 50)

    print(f"ingest: {chunks} chunks in {ingest_s:.1f} s", file=sys.stderr, flush=True)
    return {
        "copies": copies,
        "text_mb": round(text_bytes / 1e6, 2),
        "ingest_s": round(ingest_s, 1),
        "ingest_chunks_per_s": round(chunks / ingest_s, 1),
        "ingest_tokens_per_s": round(tokens / ingest_s, 0),
        "embed_tokens_per_s": round(pieces / embed_s, 0),
        "extraction_kb_per_s_one_core": round(extract_kb_s, 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--backend", choices=BACKENDS, help="embedding backend (default: KB_EMBEDDING_BACKEND)")
    parser.add_argument("--reuse-embeddings", action="store_true",
                        help="embed one copy for real and reuse its vectors (labelled 'reused')")
    parser.add_argument("--chroma-host", help="a Chroma server (store: server); default embedded")
    parser.add_argument("--chroma-port", type=int, default=8000)
    parser.add_argument("--fake", action="store_true", help="hash embeddings instead of the model")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold CLI ask")
    parser.add_argument("--ask-only", action="store_true",
                        help="only the questions, on the index an earlier run built in --data-dir (a process "
                             "that serves and never ingests: its peak RSS is a bot's)")
    parser.add_argument("--model-cache-dir", type=Path, default=Path("data/models"),
                        help="where the onnx-int8 export is cached (default: the default data folder's)")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="disclosure-bench-"))
    settings = KnowledgeSettings(data_dir=data_dir, chroma_host=args.chroma_host, chroma_port=args.chroma_port,
                                 model_cache_dir=args.model_cache_dir.resolve(),
                                 **({"embedding_backend": args.backend} if args.backend else {}))
    backend = settings.embedding_backend
    if args.fake:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from conftest import FakeEmbedder  # type: ignore[import-not-found]

        real: Embedder = FakeEmbedder()
        backend = "fake"
    else:
        warm_model_cache(settings, backend)
        real = create_embedder(settings.embedding_model, settings.embedding_model_sha256, backend=backend,
                               cache_dir=settings.model_cache_dir)
    embedder: Embedder = ReusingEmbedder(real) if args.reuse_embeddings else real
    t0 = time.perf_counter()
    kb = open_knowledge_base(settings, embedder=embedder)
    open_s = time.perf_counter() - t0

    if args.ask_only:
        if args.data_dir is None:
            parser.error("--ask-only needs the --data-dir of an earlier run")
        per_copy = len(expand_paths([EXAMPLES_DIR])[0])
        copies = max(1, kb.counts()["sources"] // per_copy)
        ingest = None
    else:
        ingest = build(kb, real, args.chunks)
        copies = ingest.pop("copies")

    latencies, plain = [], []
    abstained = 0
    for i in range(args.questions):
        question = QUESTIONS[i % len(QUESTIONS)].replace("Harborline", f"Harborline{(i * 7919) % copies}")
        t0 = time.perf_counter()
        answer = kb.ask(question)
        latencies.append((time.perf_counter() - t0) * 1000)
        abstained += answer.abstained
        t0 = time.perf_counter()
        kb.vectors.search(question, 5)  # the plain baseline: embed the question, top 5, no filter
        plain.append((time.perf_counter() - t0) * 1000)
    counts = kb.counts()
    kb.close()
    cold_s, cold_backend, cold_entry = (None, None, None) if args.no_cold or args.fake else \
        cold_ask(settings, replicate(1), real, backend)
    latencies.sort()
    ask_p50, plain_p50 = statistics.median(latencies), statistics.median(plain)
    result = {
        "embedder": f"{real.name} ({backend}, CPU)",
        "backend": backend,
        "store": "server" if args.chroma_host else "embedded",
        "vectors": ("built by an earlier run" if args.ask_only else "fake" if args.fake
                    else "reused" if args.reuse_embeddings else "real"),
        "sources": counts["sources"], "chunks": counts["chunks"], "vector_count": counts["vectors"],
        "open_s": round(open_s, 2),
        **(ingest or {"ingest_s": None, "note": "--ask-only: the index of an earlier run, nothing ingested"}),
        "ask_p50_ms": round(ask_p50, 1),
        "ask_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "ask_abstained": abstained,
        "plain_query_p50_ms": round(plain_p50, 1),
        "ask_vs_plain": round(ask_p50 / plain_p50, 1),
        "cold_ask_s": None if cold_s is None else round(cold_s, 2),
        "cold_ask_backend": cold_backend,
        "cold_ask_entry": cold_entry,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
        "data_dir": str(data_dir),
    }
    if args.reuse_embeddings:
        result["vectors_embedded"], result["vectors_reused"] = embedder.embedded, embedder.reused  # type: ignore[attr-defined]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
