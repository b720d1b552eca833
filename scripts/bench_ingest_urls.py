"""Pages per second ingested from a local web server, and where the time goes.

Serves ``--pages`` generated news pages about the fictional Harborline Market (about 2.5 KB of main text
each, with quotes) from 127.0.0.1 (``tests/web_server.py``), ingests them with
``KnowledgeBase.ingest_urls`` into a temporary index with the configured embedding model (the real
default: all-MiniLM-L6-v2, ``KB_EMBEDDING_BACKEND``), and prints the rate and the seconds spent per
stage: fetch (HTTP, the guard, decoding), extract (trafilatura), prepare (chunking and attribution),
embed, write (Chroma and the catalogue), and the rest (identity look-ups, new words for watches).

    .venv/bin/python scripts/bench_ingest_urls.py [--pages 100] [--json]

A second pass over the same URLs measures re-ingesting unchanged pages (fetched and read again,
nothing embedded).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from web_server import WebServer

from knowledge import service
from knowledge.settings import KnowledgeSettings
from knowledge.store import VectorStore
from knowledge.web import ingest as web_ingest
from knowledge.web.fetch import Fetcher

SPOKESPEOPLE = ["Ana Ruiz", "Jo Marsh", "Dana Whitfield", "Sam Okafor"]


def make_page(n: int) -> str:
    """A news page (about 2.5 KB of main text): navigation, a headline, paragraphs with quotes, a footer."""
    who = SPOKESPEOPLE[n % len(SPOKESPEOPLE)]
    paragraphs = [
        f"Harborline Market said on day {n} that a misconfigured order-history page had shown some "
        f"shoppers the names and delivery addresses of other customers for about {n % 9 + 2} hours.",
        f"“We are sorry, and we have fixed the setting that caused this,” {who}, a Harborline spokesperson, "
        f"told Example Daily in update {n}.",
        "The company said no card numbers or passwords were exposed, and that it had written to every "
        "customer whose order history may have been viewed.",
        f"“No payment data was involved at any point,” the company said in a statement on day {n}.",
        f"An outside security researcher, Lee Carver, said the error looked like a caching mistake. "
        f"“It is a common failure, and an avoidable one,” Carver said of the incident in report {n}.",
        "Harborline declined to say how many customers were affected, and did not say when the "
        "setting had been changed.",
    ]
    body = "".join(f"<p>{p}</p>" for _ in range(3) for p in paragraphs)
    return (f"<html><head><title>Harborline update {n} - Example Daily</title>"
            f'<meta property="og:site_name" content="Example Daily">'
            f'<meta property="article:published_time" content="2026-11-{n % 28 + 1:02d}"></head><body>'
            f"<nav><a href='/'>Home</a> <a href='/tech'>Tech</a></nav><article><h1>Harborline update {n}</h1>"
            f"<p class='byline'>By Example Daily staff</p>{body}</article>"
            f"<aside>More stories</aside><footer>© Example Daily (fictional)</footer></body></html>")


class Timers:
    """Seconds per stage, from wrapped callables."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start

        setattr(owner, name, timed)


def run(pages: int) -> dict[str, Any]:
    server = WebServer()
    urls = [server.add(f"/news/{n}", make_page(n)) for n in range(pages)]
    timers = Timers()
    timers.wrap(Fetcher, "fetch", "fetch")
    timers.wrap(web_ingest, "document_from", "extract")
    timers.wrap(service.KnowledgeBase, "_prepare", "prepare (chunk, attribute)")
    timers.wrap(VectorStore, "embed", "embed")
    timers.wrap(service.KnowledgeBase, "_commit", "write")
    settings = KnowledgeSettings()  # the configured model, backend and model cache
    result: dict[str, Any] = {"pages": pages, "backend": settings.embedding_backend}
    with tempfile.TemporaryDirectory() as tmp:
        local = settings.model_copy(update={"data_dir": Path(tmp), "chroma_host": None, "allow_private_urls": True})
        with service.open_knowledge_base(local) as kb:
            kb.ingest_urls(urls[:1])  # the model's first call is not part of the rate
            for key in list(timers.seconds):
                timers.seconds[key] = 0.0
            start = time.perf_counter()
            report, errors = kb.ingest_urls(urls[1:])
            total = time.perf_counter() - start
            stages = dict(timers.seconds)
            result["first_pass"] = {
                "pages": len(urls) - 1, "seconds": round(total, 2), "pages_per_s": round((len(urls) - 1) / total, 2),
                "added": len(report.added), "failed": len(errors), "chunks": report.chunks,
                "text_kb": round(sum(len(s.text) for s in kb.sources()) / 1024),
                "stages_s": {k: round(v, 2) for k, v in stages.items()},
                "other_s": round(total - sum(stages.values()), 2)}
            for key in list(timers.seconds):
                timers.seconds[key] = 0.0
            start = time.perf_counter()
            report, errors = kb.ingest_urls(urls)
            total = time.perf_counter() - start
            result["unchanged_pass"] = {
                "pages": len(urls), "seconds": round(total, 2), "pages_per_s": round(len(urls) / total, 2),
                "unchanged": len(report.unchanged), "stages_s": {k: round(v, 2) for k, v in timers.seconds.items()}}
    server.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.pages)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    first, again = result["first_pass"], result["unchanged_pass"]
    print(f"{first['pages']} pages ({first['text_kb']} KB of text, {first['chunks']} chunks), "
          f"{result['backend']}: {first['seconds']} s, {first['pages_per_s']} pages/s, {first['failed']} failed")
    for stage, seconds in sorted(first["stages_s"].items(), key=lambda kv: -kv[1]):
        print(f"  {stage:28} {seconds:7.2f} s  {100 * seconds / first['seconds']:5.1f} %")
    print(f"  {'other':28} {first['other_s']:7.2f} s")
    print(f"again, unchanged: {again['pages']} pages in {again['seconds']} s, {again['pages_per_s']} pages/s "
          f"({again['unchanged']} unchanged; stages {again['stages_s']})")


if __name__ == "__main__":
    main()
