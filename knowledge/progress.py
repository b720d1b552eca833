"""How the command line shows a long ingest: a rich progress bar on a terminal, plain lines otherwise,
and a summary line at the end (added, updated, unchanged, gone, failed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from knowledge.records import IngestReport

#: ``progress(done, total, what)``, as :meth:`knowledge.service.KnowledgeBase.ingest_urls` takes it.
ProgressFn = Callable[[int, int, str], None]


@contextmanager
def ingest_progress(stream: TextIO, label: str, enabled: bool = True) -> Iterator[ProgressFn]:
    """A ``progress(done, total, what)`` callback: a rich bar on ``stream`` when it is a terminal,
    else one plain line per item (``[3/10] https://...``); nothing when not ``enabled``."""
    if not enabled:
        yield _quiet
        return
    if not stream.isatty():
        def plain(done: int, total: int, what: str) -> None:
            print(f"[{done}/{total}] {what}", file=stream, flush=True)

        yield plain
        return
    console = Console(file=stream)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[what]}", style="dim"), console=console, transient=False)
    task = bar.add_task(label, total=None, what="")
    with bar:
        def rich(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, what=_short(what))

        yield rich


def _quiet(done: int, total: int, what: str) -> None:
    return None


def _short(what: str, width: int = 60) -> str:
    return what if len(what) <= width else "…" + what[-(width - 1):]


def summary(report: IngestReport, failed: int, counts: dict[str, int]) -> str:
    """The line that ends an ingest: added, updated, unchanged, gone (when any), failed, and the index.
    (The failures themselves, "where: reason", are printed one per line on stderr.)"""
    return (f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
            + (f"{len(report.gone)} gone, " if report.gone else "")
            + f"{failed} failed; index: {counts['sources']} sources, {counts['chunks']} chunks, "
            f"{counts['attributions']} attributions")


__all__ = ["ingest_progress", "summary"]
