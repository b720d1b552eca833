"""Misquote reports: a reader says a quote in an answer is wrong; an administrator confirms or dismisses.

Reports are kept in SQLite, ``<KB_DATA_DIR>/reports.sqlite3``, so they survive a restart. In server
mode (``KB_CHROMA_HOST``) the sources live on the Chroma server but reports stay in this local data
folder: they belong to the community that runs this bot, not to the shared index.

A confirmed report marks its quote as disputed: every later answer item whose source and offsets
overlap a confirmed report's quote (same source id, ``start < other.end and other.start < end``)
gets ``disputed = True`` (:func:`mark_disputed`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from knowledge.errors import ReportError, ReportNotFoundError
from knowledge.records import Answer, AnswerItem
from knowledge.sqlite import connect

ReportStatus = Literal["open", "dismissed", "confirmed"]
REPORT_STATUSES: tuple[str, ...] = ("open", "dismissed", "confirmed")
#: The longest "what is wrong" and "right wording" kept; the Discord modal asks for less.
TEXT_MAX = 4000

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    reporter TEXT NOT NULL,
    guild TEXT,
    question TEXT NOT NULL,
    organization TEXT,
    quotes TEXT NOT NULL,
    wrong TEXT NOT NULL,
    right_wording TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    resolved_by TEXT,
    resolved_at TEXT
);
CREATE INDEX IF NOT EXISTS reports_status ON reports (status, id);
"""


class ReportedQuote(BaseModel):
    """The quote a report is about: its words, speaker and place in its source's stored text."""

    text: str
    speaker: str | None = None
    source_id: str
    start: int
    end: int

    @classmethod
    def of(cls, item: AnswerItem) -> ReportedQuote:
        return cls(text=item.text, speaker=item.speaker, source_id=item.source.id, start=item.start,
                   end=item.end)


class Report(BaseModel):
    """One misquote report.

    Attributes:
        id: increasing number, shown to the reporter and to administrators.
        created_at, resolved_at: UTC, to the second.
        reporter, resolved_by: opaque ids of people (Discord user ids as strings in the bot).
        guild: where it was reported (a Discord guild id), None outside a server.
        question, organization: of the answer that showed the quote.
        quotes: the quotes reported (one from the modal).
        wrong: what the reader says is wrong; right: the right wording, when given.
        status: ``open``, ``dismissed`` or ``confirmed``.
    """

    id: int
    created_at: dt.datetime
    reporter: str
    guild: str | None = None
    question: str
    organization: str | None = None
    quotes: list[ReportedQuote] = Field(default_factory=list)
    wrong: str
    right: str | None = None
    status: ReportStatus = "open"
    resolved_by: str | None = None
    resolved_at: dt.datetime | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class ReportStore:
    """Reports in one SQLite file, safe to use from several threads (one connection, one lock).

    Args:
        path: the database file; created (with its folder) when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = connect(path)
        self._db.executescript(SCHEMA)
        self._disputed: dict[str, list[tuple[int, int]]] | None = None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @staticmethod
    def _report(row: sqlite3.Row) -> Report:
        return Report(id=row["id"], created_at=dt.datetime.fromisoformat(row["created_at"]),
                      reporter=row["reporter"], guild=row["guild"], question=row["question"],
                      organization=row["organization"],
                      quotes=[ReportedQuote(**q) for q in json.loads(row["quotes"])], wrong=row["wrong"],
                      right=row["right_wording"], status=row["status"], resolved_by=row["resolved_by"],
                      resolved_at=dt.datetime.fromisoformat(row["resolved_at"]) if row["resolved_at"] else None)

    def add(self, question: str, organization: str | None, quotes: Sequence[AnswerItem | ReportedQuote],
            wrong: str, right: str | None = None, *, reporter: str, guild: str | None = None) -> Report:
        """Store a new open report and return it.

        Raises:
            ReportError: no quote, a blank ``wrong`` or reporter, or a text over :data:`TEXT_MAX`.
        """
        wrong, right = wrong.strip(), (right or "").strip() or None
        if not quotes:
            raise ReportError("a report needs the quote it is about")
        if not wrong:
            raise ReportError("say what is wrong with the quote")
        if not reporter.strip():
            raise ReportError("a report needs its reporter")
        if len(wrong) > TEXT_MAX or len(right or "") > TEXT_MAX:
            raise ReportError(f"a report's texts are at most {TEXT_MAX} characters each")
        reported = [q if isinstance(q, ReportedQuote) else ReportedQuote.of(q) for q in quotes]
        payload = json.dumps([q.model_dump() for q in reported], ensure_ascii=False)
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO reports (created_at, reporter, guild, question, organization, quotes, wrong,"
                " right_wording) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_now().isoformat(), reporter, guild, question, organization, payload, wrong, right))
            row = self._db.execute("SELECT * FROM reports WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return self._report(row)

    def get(self, report_id: int) -> Report:
        """Raises: ReportNotFoundError: no report has this id."""
        with self._lock:
            row = self._db.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if row is None:
            raise ReportNotFoundError(f"there is no report {report_id}")
        return self._report(row)

    def reports(self, status: str | None = "open", guild: str | None = None) -> list[Report]:
        """Reports with this status (None: all), of one guild when given, oldest first.

        Raises:
            ReportError: an unknown status.
        """
        if status is not None and status not in REPORT_STATUSES:
            raise ReportError(f"unknown report status {status!r}; use one of {', '.join(REPORT_STATUSES)}")
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM reports WHERE (? IS NULL OR status = ?) AND (? IS NULL OR guild = ?) ORDER BY id",
                (status, status, guild, guild)).fetchall()
        return [self._report(r) for r in rows]

    def resolve(self, report_id: int, confirmed: bool, by: str) -> Report:
        """Confirm or dismiss an open report; a report is resolved once (two administrators clicking
        at once: the second is told who was first).

        Raises:
            ReportNotFoundError: no report has this id.
            ReportError: the report was already resolved.
        """
        status = "confirmed" if confirmed else "dismissed"
        with self._lock:
            changed = self._db.execute(
                "UPDATE reports SET status = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'",
                (status, by, _now().isoformat(), report_id)).rowcount
            if changed and confirmed:
                self._disputed = None
        report = self.get(report_id)
        if not changed:
            raise ReportError(f"report {report_id} was already {report.status} by {report.resolved_by}")
        return report

    def disputed_spans(self) -> dict[str, list[tuple[int, int]]]:
        """``{source id: [(start, end), ...]}`` of every confirmed report's quotes (kept in memory
        until the next confirmation)."""
        with self._lock:
            if self._disputed is None:
                spans: dict[str, list[tuple[int, int]]] = {}
                for (quotes,) in self._db.execute("SELECT quotes FROM reports WHERE status = 'confirmed'"):
                    for q in json.loads(quotes):
                        spans.setdefault(q["source_id"], []).append((q["start"], q["end"]))
                self._disputed = spans
            return self._disputed


def _items(answer: Answer) -> Iterable[AnswerItem]:
    yield from answer.quotes
    yield from answer.reported
    yield from answer.others
    for nd in answer.not_disclosed:
        yield nd.evidence
    for st in answer.statements:
        yield st.canonical


def mark_disputed(answer: Answer, spans: dict[str, list[tuple[int, int]]]) -> Answer:
    """Set ``disputed`` on every item of ``answer`` whose source and offsets overlap a span; returns
    the same answer."""
    if not spans:
        return answer
    for item in _items(answer):
        if any(item.start < end and start < item.end for start, end in spans.get(item.source.id, ())):
            item.disputed = True
    return answer
