"""Benchmark: from a feed entry appearing to the ``/watch`` post of its new words.

Usage::

    .venv/bin/python scripts/bench_watch.py [--entries 20] [--interval-minutes 30] [--fake]

A local HTTP server on 127.0.0.1 serves an RSS feed and one HTML page per entry (so
``KB_ALLOW_PRIVATE_URLS`` is set for the run); the knowledge base is real (a temporary data folder,
the configured embedding backend, or hashed vectors with ``--fake``), and so are the feeds cog's poll
and the watch cog's ``knowledge_ingested`` listener, run on an asyncio loop the way the bot runs
them. The channel the watch posts to is an in-process recorder (``send`` notes the time), so the
Discord gateway is not part of it: a post to Discord adds one REST call.

For each entry: the feed gains an item (a statement by "Harborline Market" with words not seen
before); the clock starts; a poll is made at once (what ``disclosure-bot feeds poll`` or the loop's
next turn does); the clock stops when the post is sent. That is the latency "under ``feeds poll``".

Under the default schedule (a poll every ``KB_FEED_POLL_MINUTES``, 30), an entry appears at a random
moment of the interval, so the expected latency is half the interval plus the poll-to-post time, and
the worst case one interval plus it: **computed** from the measured poll, not waited for.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import discord
from discord.ext import commands

from bot.exts.feeds import Feeds
from bot.exts.watch import WatchCog
from knowledge.service import open_knowledge_base
from knowledge.settings import KnowledgeSettings

ORGANIZATION = "Harborline Market"
#: What each entry's statement is about: every entry says something new.
TOPICS = ("delivery slots", "gift cards", "loyalty points", "pharmacy orders", "store pickup", "price alerts",
          "recipe boxes", "wine club", "bakery orders", "flower deliveries", "fuel rewards", "photo prints")


def page(number: int) -> str:
    topic = TOPICS[number % len(TOPICS)]
    return (f"<html><head><title>Update {number} on {topic}</title></head><body><article>"
            f"<h1>Update {number} on {topic}</h1>"
            f"<p>Harborline Market is writing to customers who use {topic}. On day {number} of our review we "
            f"found that {topic} records for {100 + number} accounts were shown to the wrong shoppers.</p>"
            f"<p>We have switched off the {topic} page until the fix number {number} is checked.</p>"
            f"</article></body></html>")


class Site:
    """The feed and its pages, served from memory; ``add_entry`` makes an item appear."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, float]] = []
        self.lock = threading.Lock()
        self.base = ""

    def add_entry(self) -> int:
        with self.lock:
            number = len(self.entries) + 1
            self.entries.append((number, time.time()))
            return number

    def feed(self) -> bytes:
        with self.lock:
            items = "".join(
                f"<item><title>Update {n}</title><link>{self.base}/news/{n}.html</link>"
                f"<guid>{self.base}/news/{n}.html</guid>"
                f"<pubDate>{format_datetime(_utc(at))}</pubDate></item>" for n, at in reversed(self.entries))
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harborline newsroom</title>'
                f"<link>{self.base}/</link><description>news</description>{items}</channel></rss>").encode()


def _utc(at: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, dt.UTC)


def serve(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/feed.xml":
                body, kind = site.feed(), "application/rss+xml"
            elif self.path.startswith("/news/") and self.path.endswith(".html"):
                body, kind = page(int(self.path[6:-5])).encode(), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Recorder:
    """A channel that notes when each post is sent."""

    def __init__(self) -> None:
        self.channel = mock.NonCallableMagicMock(spec=discord.TextChannel)
        self.channel.id = 1
        self.posts: list[tuple[float, str]] = []
        self.event = asyncio.Event()

        async def send(*args: object, **kwargs: Any) -> None:
            embeds = kwargs.get("embeds") or []
            self.posts.append((time.perf_counter(), " ".join(f.value for e in embeds for f in e.fields)))
            self.event.set()

        self.channel.send.side_effect = send


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    os.environ["KB_ALLOW_PRIVATE_URLS"] = "true"
    settings = KnowledgeSettings(data_dir=data_dir, allow_private_urls=True, _env_file=None)  # type: ignore[call-arg]
    if os.environ.get("KB_MODEL_CACHE_DIR") is None and Path("data/models").is_dir():
        settings.model_cache_dir = Path("data/models").resolve()  # reuse the project's int8 export
    embedder = None
    if args.fake:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from conftest import FakeEmbedder

        embedder = FakeEmbedder()
    site = Site()
    server = serve(site)
    recorder = Recorder()
    kb = open_knowledge_base(settings, embedder=embedder)
    try:
        bot = mock.NonCallableMagicMock(spec=commands.Bot)
        bot.get_channel.side_effect = lambda channel_id: recorder.channel if channel_id == 1 else None
        watch = WatchCog(bot, kb)
        bot.dispatch.side_effect = lambda event, *a: asyncio.get_running_loop().create_task(
            getattr(watch, f"on_{event}")(*a))
        bot.background = None
        feeds = Feeds(bot, kb, poll_minutes=args.interval_minutes)
        site.add_entry()  # the feed is not empty when it is added
        await asyncio.to_thread(kb.add_feed, f"{site.base}/feed.xml", "statement", ORGANIZATION)
        await feeds.poll_once()  # first poll: the existing entry (nobody watches yet)
        await asyncio.sleep(0.5)  # its listener has run
        await asyncio.to_thread(kb.watch, ORGANIZATION, "1", "1", "bench")
        recorder.posts.clear()
        latencies: list[float] = []
        polls: list[float] = []
        missed = 0
        for _ in range(args.entries):
            recorder.event.clear()
            number = site.add_entry()
            appeared = time.perf_counter()
            await feeds.poll_once()
            polled = time.perf_counter()
            try:
                await asyncio.wait_for(recorder.event.wait(), timeout=30)
            except TimeoutError:
                missed += 1
                continue
            posted, text = recorder.posts[-1]
            if f"fix number {number}" not in text:
                missed += 1
                continue
            latencies.append(posted - appeared)
            polls.append(polled - appeared)
        interval_s = args.interval_minutes * 60
        p50 = statistics.median(latencies) if latencies else float("nan")
        return {
            "entries": args.entries,
            "posted": len(latencies),
            "missed": missed,
            "vectors": "fake" if args.fake else settings.embedding_backend,
            "feeds_poll_latency_s": {"p50": round(p50, 3), "p95": round(percentile(latencies, 0.95), 3),
                                     "max": round(max(latencies), 3)} if latencies else None,
            "poll_s_p50": round(statistics.median(polls), 3) if polls else None,
            "default_schedule_computed": {
                "interval_minutes": args.interval_minutes,
                "expected_s": round(interval_s / 2 + p50, 1),
                "worst_s": round(interval_s + (max(latencies) if latencies else 0), 1),
                "how": "computed: an entry appears at a uniformly random moment of the interval, so it "
                       "waits half the interval on average (all of it at worst) for the next poll, plus "
                       "the measured poll-to-post time",
            },
        }
    finally:
        kb.close()
        server.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20, help="feed entries to time, one at a time")
    parser.add_argument("--interval-minutes", type=float, default=30.0, help="the schedule to compute for")
    parser.add_argument("--fake", action="store_true", help="hashed bag-of-words vectors, no model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as folder:
        result = asyncio.run(run(args, Path(folder) / "data"))
    print(json.dumps(result, indent=2))
    return 0 if result["posted"] == args.entries else 1


if __name__ == "__main__":
    sys.exit(main())
