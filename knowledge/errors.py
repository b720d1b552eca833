"""Errors the knowledge base raises, in layers.

Every subclass of :class:`KnowledgeError` carries a message that may be shown to a user as it
stands (one line, no stack trace). Anything else that escapes is a bug and is logged in full by
the front end.
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class: a failure whose message is safe and useful to show to a user."""


class ConfigurationError(KnowledgeError):
    """A setting is missing or invalid (for example no Discord token)."""


class SourceError(KnowledgeError):
    """A source could not be loaded: unknown format, unreadable, empty or malformed metadata."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedFormatError(SourceError):
    """The file's extension is not one the loaders read."""


class EmptySourceError(SourceError):
    """The file holds no text once markup and whitespace are removed."""


class MetadataError(SourceError):
    """Front matter or a command-line override is invalid (bad kind, bad date, unknown key)."""


class ModelIntegrityError(KnowledgeError):
    """The embedding model's weights are missing or do not match the expected sha256."""


class StoreLockedError(KnowledgeError):
    """Another process holds the data directory's exclusive lock."""


class SourceNotFoundError(KnowledgeError):
    """No indexed source matches the given id (or id prefix)."""


class QuestionError(KnowledgeError):
    """The question is empty or too long to answer."""


class ModelMismatchError(ConfigurationError):
    """The index was built with another embedding model (name, vector dimension or weights)."""


class SourceSelectorError(SourceNotFoundError):
    """A ``forget`` selector is blank, or a prefix too short to name a source safely."""


class SourceIdentityError(SourceError):
    """A file's path names one indexed source and its URL another: ingesting it would merge or split them."""


class FetchError(SourceError):
    """A URL could not be fetched: a network error, a timeout, an HTTP error status, a body over the
    size cap, a content type that is not read, or too many redirects. ``status`` is the HTTP status
    when the server answered one (else None); ``retry_after`` the seconds its ``Retry-After`` header
    asked to wait (a 429 or 503), when it gave a number."""

    def __init__(self, url: str, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(url, reason)
        self.status = status
        self.retry_after = retry_after


class RefusedURLError(FetchError):
    """The URL is not fetched at all: not http(s), carries credentials, or its host resolves to a
    loopback, private, link-local, shared (CGNAT), multicast or reserved address (the SSRF guard)."""


class GoneError(FetchError):
    """The URL answers 404 Not Found or 410 Gone: its source, when indexed, is marked gone."""


class FeedError(SourceError):
    """A feed cannot be used: not RSS or Atom, malformed XML, or (from ``add_feed``) unreachable.
    ``path`` is the feed's URL."""


class FeedNotFoundError(KnowledgeError):
    """No registered feed has the given id or URL (or the selector is blank)."""


class ReportError(KnowledgeError):
    """A misquote report is incomplete (no quote, nothing said to be wrong) or already resolved."""


class ReportNotFoundError(ReportError):
    """No misquote report has the given id."""


class WatchError(KnowledgeError):
    """A watch cannot be added or removed: a blank organisation, or no such watch to remove."""
