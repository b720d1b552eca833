"""Compare the fast embedding backend (onnx-int8) with fp32: vectors, retrieval, speed, eval scores.

Usage::

    .venv/bin/python scripts/embedder_quality.py [--rounds 3] [--eval evals/blind4/questions.yaml]
        [--torch-dynamic] [--cache-dir DIR]

Texts: every file under ``evals/`` and ``knowledge/examples/`` loaded as ingest loads it and chunked
with the index's own chunker at 200 word pieces (the production size), and again at 100 and 50, so
that short and long inputs are both covered. Measures:

- ``cosine``: mean, minimum and 1st percentile of cos(fp32, fast) over every text;
- ``top5``: for every evaluation question under ``evals/`` (questions embedded by each backend), the
  5 nearest production-size chunks among all of them, and how many of fp32's five the fast backend
  misses ("swaps"); the goal is at most one swap in five for every question;
- ``speed``: word pieces per second embedding the production-size chunks, both backends in turn for
  ``--rounds`` rounds (the best round counts; the machine may be shared), wall and CPU time;
- ``eval`` (with ``--eval``): the scores of ``disclosure-bot eval FILE --json`` with each backend.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.chunking import Chunker  # noqa: E402
from knowledge.embeddings import Embedder, create_embedder  # noqa: E402
from knowledge.loaders import expand_paths, load_file  # noqa: E402


def corpus_texts(count: Callable[[str], int]) -> dict[int, list[str]]:
    """Chunk texts of every evaluation and example file, by chunk size in word pieces."""
    files, _ = expand_paths([ROOT / "evals", ROOT / "knowledge" / "examples"])
    documents = []
    for path in files:
        try:
            documents.append(load_file(path).text)
        except Exception:  # noqa: BLE001 - question files and anything ingest refuses
            continue
    sizes = {200: 32, 100: 16, 50: 8}
    return {size: [c.text for text in documents for c in Chunker(count, size, overlap).split("x", text)]
            for size, overlap in sizes.items()}


def eval_questions() -> list[str]:
    questions = []
    for path in sorted((ROOT / "evals").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("questions"), list):
            questions += [q["text"] for q in data["questions"] if isinstance(q, dict) and "text" in q]
    return questions


def speed(embedders: dict[str, Embedder], texts: Sequence[str], rounds: int) -> dict[str, dict[str, float]]:
    pieces = sum(embedders["fp32"].count_tokens(t) + 2 for t in texts)
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for name, embedder in embedders.items():
            wall, cpu = time.perf_counter(), time.process_time()
            embedder.embed(texts)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], wall), min(old[1], cpu))
    return {name: {"word_pieces_per_s": round(pieces / wall), "word_pieces_per_cpu_s": round(pieces / cpu),
                   "seconds": round(wall, 2)} for name, (wall, cpu) in best.items()}


def run_eval(path: str, backend: str, cache_dir: Path) -> dict:
    """``disclosure-bot eval PATH --json`` in this process, its embedder built with ``backend``."""
    from knowledge import cli, service

    def factory(model: str, sha256: str | None = None, **_: object) -> Embedder:
        return create_embedder(model, sha256, backend=backend, cache_dir=cache_dir)

    original = service.create_embedder
    service.create_embedder = factory  # the same factory open_knowledge_base calls, with the backend
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            cli.main(["eval", path, "--json"])
    finally:
        service.create_embedder = original
    return json.loads(out.getvalue())


class _TorchDynamic:
    """fp32 sentence-transformers with torch's dynamic int8 quantisation of its linear layers."""

    backend = "torch-dynamic-int8"

    def __init__(self, fp32: Embedder) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        model: SentenceTransformer = fp32._model  # type: ignore[attr-defined]
        self._model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.count_tokens = fp32.count_tokens

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                  show_progress_bar=False).tolist()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="speed rounds per backend (best counts)")
    parser.add_argument("--eval", action="append", default=[], help="an eval file to score with each backend")
    parser.add_argument("--torch-dynamic", action="store_true", help="also time torch dynamic quantisation")
    parser.add_argument("--cache-dir", type=Path, help="onnx-int8 export cache (default: a temporary folder)")
    args = parser.parse_args()

    cache_dir = args.cache_dir or Path(tempfile.mkdtemp(prefix="embedder-quality-"))
    fp32 = create_embedder(backend="fp32")
    fast = create_embedder(backend="onnx-int8", cache_dir=cache_dir)
    texts = corpus_texts(fp32.count_tokens)
    every = [t for size in texts for t in texts[size]]

    reference = np.array(fp32.embed(every))
    vectors = np.array(fast.embed(every))
    cosines = (reference * vectors).sum(axis=1)
    result: dict[str, object] = {
        "texts": {f"{size}_word_pieces": len(group) for size, group in texts.items()} | {"all": len(every)},
        "cosine": {"mean": round(float(cosines.mean()), 4), "min": round(float(cosines.min()), 4),
                   "p01": round(float(np.percentile(cosines, 1)), 4)},
    }
    by_size = {}
    start = 0
    for size, group in texts.items():
        by_size[size] = cosines[start:start + len(group)]
        start += len(group)
    result["cosine_by_size"] = {str(size): round(float(c.mean()), 4) for size, c in by_size.items()}

    questions = eval_questions()
    chunks = texts[200]
    pool = {"fp32": reference[:len(chunks)], "onnx-int8": vectors[:len(chunks)]}
    asked = {"fp32": np.array(fp32.embed(questions)), "onnx-int8": np.array(fast.embed(questions))}
    top = {name: np.argsort(-(asked[name] @ pool[name].T), axis=1)[:, :5] for name in pool}
    swaps = [5 - len(set(a) & set(b)) for a, b in zip(top["fp32"], top["onnx-int8"])]
    result["top5"] = {"questions": len(questions), "chunks": len(chunks),
                      "swaps_histogram": {str(k): swaps.count(k) for k in range(6) if swaps.count(k)},
                      "mean_swaps": round(sum(swaps) / len(swaps), 3),
                      "questions_over_one_swap": sum(s > 1 for s in swaps)}

    embedders: dict[str, Embedder] = {"fp32": fp32, "onnx-int8": fast}
    if args.torch_dynamic:
        embedders["torch-dynamic-int8"] = _TorchDynamic(fp32)  # type: ignore[assignment]
    result["speed"] = speed(embedders, chunks, args.rounds)
    base = result["speed"]["fp32"]  # type: ignore[index]
    result["speedup"] = {name: {"wall": round(s["word_pieces_per_s"] / base["word_pieces_per_s"], 2),
                                "cpu": round(s["word_pieces_per_cpu_s"] / base["word_pieces_per_cpu_s"], 2)}
                         for name, s in result["speed"].items() if name != "fp32"}  # type: ignore[union-attr]
    if "torch-dynamic-int8" in embedders:
        tq = np.array(embedders["torch-dynamic-int8"].embed(every))
        result["torch_dynamic_cosine_mean"] = round(float((reference * tq).sum(axis=1).mean()), 4)

    if args.eval:
        result["eval"] = {path: {backend: run_eval(path, backend, cache_dir) for backend in ("fp32", "onnx-int8")}
                          for path in args.eval}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
