"""``disclosure-bot feeds add|list|remove|poll``: the feed commands of the command line.

:func:`add_parser` is called by :func:`knowledge.cli.build_parser`; each command opens the knowledge
base once, like the other commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from knowledge.feeds.polling import FeedPollResult
from knowledge.feeds.registry import Feed
from knowledge.progress import ingest_progress
from knowledge.records import SOURCE_KINDS

if TYPE_CHECKING:
    from knowledge.service import KnowledgeBase
    from knowledge.settings import Settings


def _open(settings: Settings) -> KnowledgeBase:
    from knowledge.service import (
        open_knowledge_base,  # late: knowledge.service imports this package
    )

    return open_knowledge_base(settings.knowledge)


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ""


def _feed_line(feed: Feed) -> str:
    org = f", organisation {feed.organization}" if feed.organization else ""
    return f"{feed.id}: {feed.title} ({feed.url}), kind {feed.kind}{org}"


def cmd_feeds_add(settings: Settings, args: argparse.Namespace) -> int:
    with _open(settings) as kb:
        feed = kb.add_feed(args.url, args.kind, args.org)
    print(f"added {_feed_line(feed)}")
    print("its entries are ingested by the next poll ('disclosure-bot feeds poll', or the bot's schedule)")
    return 0


def render_feeds(feeds: list[Feed]) -> Table:
    table = Table(title="Feeds", title_justify="left")
    table.add_column("id", no_wrap=True)
    for column in ("title", "url", "kind", "organisation", "entries", "last ok", "status"):
        table.add_column(column, overflow="fold")
    for f in feeds:
        status = "ok" if not f.failures else (
            f"{f.failures} failure(s): {f.last_error}; next try after {_when(f.next_poll_after)} UTC")
        table.add_row(f.id, f.title, f.url, f.kind, f.organization or "", str(f.entries),
                      _when(f.last_ok_at) or "never", status)
    return table


def cmd_feeds_list(settings: Settings, args: argparse.Namespace) -> int:
    with _open(settings) as kb:
        feeds = kb.feeds()
    if args.json:
        print(json.dumps([f.model_dump(mode="json") for f in feeds], indent=2, ensure_ascii=False))
    elif not feeds:
        print("no feeds; add one with 'disclosure-bot feeds add URL'")
    else:
        Console().print(render_feeds(feeds))
    return 0


def cmd_feeds_remove(settings: Settings, args: argparse.Namespace) -> int:
    with _open(settings) as kb:
        feed = kb.remove_feed(args.feed)
    print(f"removed {_feed_line(feed)}; its sources stay indexed ('disclosure-bot forget' removes one)")
    return 0


def summary(result: FeedPollResult) -> list[str]:
    """One line per feed, then the totals (what ``feeds poll`` prints)."""
    lines = []
    for o in result.feeds:
        name = f"{o.feed.id} ({o.feed.title})"
        if o.status == "failed":
            lines.append(f"{name}: failed: {o.error}; next try after {_when(o.feed.next_poll_after)} UTC")
        elif o.status == "skipped":
            lines.append(f"{name}: skipped, backing off until {_when(o.feed.next_poll_after)} UTC "
                         "(--force polls it now)")
        elif o.status == "not_modified":
            lines.append(f"{name}: not modified")
        else:
            lines.append(f"{name}: {len(o.new)} new, {len(o.changed)} changed, {o.unchanged} unchanged, "
                         f"{len(o.failed)} failed entries")
        lines += [f"  failed {reason}" for reason in o.failed]
    r = result.report
    failed = sum(1 for o in result.feeds if o.status == "failed")
    entries = sum(len(o.failed) for o in result.feeds)  # also make the exit status 1
    failures = f"{failed} failed" + (f", {entries} failed entr{'y' if entries == 1 else 'ies'}" if entries else "")
    lines.append(f"{len(result.feeds)} feeds ({failures}); sources: {len(r.added)} added, "
                 f"{len(r.updated)} updated, {len(r.unchanged)} unchanged; {len(r.new_words)} new words")
    return lines


def cmd_feeds_poll(settings: Settings, args: argparse.Namespace) -> int:
    with _open(settings) as kb, ingest_progress(sys.stderr, "feeds", enabled=not args.json) as progress:
        result = kb.poll_feeds(force=args.force, progress=progress)
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        for line in summary(result):
            print(line)
    return 1 if result.failed else 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``feeds`` and its commands to the ``disclosure-bot`` parser."""
    feeds = sub.add_parser("feeds", help="RSS/Atom feeds whose new entries are ingested")
    commands = feeds.add_subparsers(dest="feeds_command", required=True, metavar="FEEDS_COMMAND")

    p = commands.add_parser("add", help="register a feed (fetched once to check it)")
    p.add_argument("url", metavar="URL")
    p.add_argument("--kind", choices=SOURCE_KINDS, help="kind of its entries' sources (default: article)")
    p.add_argument("--org", metavar="ORG", help="the organisation its entries are about")
    p.set_defaults(run=cmd_feeds_add)

    p = commands.add_parser("list", help="list the feeds and how their last poll went")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_feeds_list)

    p = commands.add_parser("remove", help="forget a feed (its sources stay indexed)")
    p.add_argument("feed", metavar="ID|URL")
    p.set_defaults(run=cmd_feeds_remove)

    p = commands.add_parser("poll", help="poll the feeds now and ingest new or changed entries")
    p.add_argument("--force", action="store_true", help="also poll feeds that are backing off after errors")
    p.add_argument("--json", action="store_true", help="print the poll result as JSON")
    p.set_defaults(run=cmd_feeds_poll)


__all__ = ["add_parser", "render_feeds", "summary"]
