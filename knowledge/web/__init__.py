"""Web ingestion: fetch a URL safely (:mod:`.guard`, :mod:`.fetch`) and turn it into a document
(:mod:`.extract`).

``knowledge`` never imports ``discord``; this package only needs httpx.
"""

from __future__ import annotations

from knowledge.web.fetch import (
    CONTENT_TYPES,
    MAX_REDIRECTS,
    USER_AGENT,
    Fetched,
    Fetcher,
    FetchLimits,
    fetch,
)

__all__ = ["CONTENT_TYPES", "MAX_REDIRECTS", "USER_AGENT", "FetchLimits", "Fetched", "Fetcher", "fetch"]
