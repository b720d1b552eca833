"""What the bot needs from the knowledge base, as structural types.

``knowledge.service.KnowledgeBase`` satisfies them; tests pass a fake. Every method blocks, so bot
code calls them through :func:`bot._threads.run_blocking`; they are safe to call from several worker
threads at once (questions are answered in parallel; an ingest or forget holds them only while it
writes).

Uploads and URLs are optional abilities (:class:`UploadingKnowledgeBase`, :class:`UrlKnowledgeBase`):
``/ingest`` offers a file or a ``url`` option only when the knowledge base has the method.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from knowledge.records import Answer, Attribution, IngestReport, Source, SourceMeta


class KnowledgeBase(Protocol):
    """Answers disclosure questions, lists and forgets sources.

    Every method may raise :class:`knowledge.errors.KnowledgeError`, whose message may be shown to
    the user.
    """

    def ask(self, question: str, organization: str | None = None) -> Answer:
        """Answer ``question``, optionally about one organisation."""
        ...

    def organizations(self) -> list[str]:
        """Names of the organisations the index knows."""
        ...

    def sources(self) -> list[Source]:
        """Every indexed source, with its text."""
        ...

    def resolve(self, selector: str) -> Source:
        """The source an id, unique id prefix, URL or path names.

        Raises:
            knowledge.errors.SourceNotFoundError: none or several match.
        """
        ...

    def forget(self, selector: str) -> Source:
        """Remove a source and everything derived from it; returns what was removed."""
        ...

    def attributions(self, source_id: str) -> list[Attribution]:
        """What was found in one source (quotes, reported speech, non-disclosure), in text order."""
        ...

    def about(self) -> dict[str, object]:
        """Counts (``sources``, ``chunks``, ``attributions``, ``organizations``), ``embedding_model``,
        ``store`` (``embedded`` or ``server``) and ``version``."""
        ...


@runtime_checkable
class UploadingKnowledgeBase(Protocol):
    """Indexes one uploaded file (any format the loaders read)."""

    def ingest_upload(self, filename: str, data: bytes, override: SourceMeta | None = None) -> IngestReport:
        """Index ``data`` as the file ``filename``; all or nothing.

        Raises:
            knowledge.errors.SourceError: the file cannot be read (format, encoding, empty).
        """
        ...


@runtime_checkable
class UrlKnowledgeBase(Protocol):
    """Fetches and indexes pages by URL."""

    def ingest_urls(self, urls: Sequence[str], override: SourceMeta | None = None) -> object:
        """Fetch and index ``urls``: an :class:`IngestReport`, or ``(report, errors)`` like
        ``ingest_paths`` (one :class:`knowledge.errors.SourceError` per URL that failed)."""
        ...
