"""Preparing a document for the index, before anything is written: which source it is (its id), what
changed, its chunks and attributions. Also the crash tests' hook that the writing steps call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from knowledge.attribution import EXTRACTOR_VERSION, extract_attributions
from knowledge.catalog import Catalog
from knowledge.chunking import Chunker
from knowledge.errors import SourceIdentityError
from knowledge.loaders import LoadedDocument, adopt_organization
from knowledge.records import Attribution, Chunk, Source, SourceMeta

#: Every source id starts with this.
ID_PREFIX = "src_"
#: Tests only: a file that :func:`hook` appends each ingest step reached to; ``HOOK_ENV + "_AT"``
#: names the step at which it waits (so that a test can kill the process there).
HOOK_ENV = "KB_TEST_INGEST_HOOK"


def source_id_for(locator: str) -> str:
    """Stable source id: ``src_`` and 12 hex digits of the sha256 of the source's URL or path."""
    return ID_PREFIX + hashlib.sha256(locator.encode()).hexdigest()[:12]


def is_url(locator: str) -> bool:
    return "://" in locator


def hook(step: str) -> None:
    """For the crash tests: when ``KB_TEST_INGEST_HOOK`` names a file, note ``step`` in it, and at
    the step ``KB_TEST_INGEST_HOOK_AT`` names (``step``, or ``step:N`` for its Nth time), wait so a
    test can kill the process there. Does nothing otherwise."""
    marker = os.environ.get(HOOK_ENV)
    if marker:
        with open(marker, "a", encoding="utf-8") as handle:
            handle.write(step + "\n")
        wanted, _, nth = os.environ.get(HOOK_ENV + "_AT", "").partition(":")  # "step" or "step:N" (Nth time)
        if wanted == step:
            with open(marker, encoding="utf-8") as handle:
                reached = handle.read().split().count(step)
            if reached == int(nth or 1):
                time.sleep(60)


def content_hash(text: str, meta: SourceMeta) -> str:
    """sha256 over the text, the metadata and the extractor's version: a changed title or kind is a
    changed source, and so is every source when the extraction rules change (they are re-extracted)."""
    payload = json.dumps(meta.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{EXTRACTOR_VERSION}\x00{payload}\x00{text}".encode()).hexdigest()


@dataclass
class Prepared:
    """What one document's ingest will store: the source, its chunks and attributions, and whether
    it is ``added`` or ``updated``."""

    source: Source
    chunks: list[Chunk]
    attributions: list[Attribution]
    status: str  # added | updated


def identify(catalog: Catalog, doc: LoadedDocument, meta: SourceMeta) -> str:
    """The id of the source this document is: an indexed source with the same URL or loaded from
    the same file keeps its id (a file that gains a URL is still the same source); a new source's
    id derives from its URL, else its path.

    Raises:
        SourceIdentityError: the file's path is one indexed source and its URL another.
    """
    found = catalog.find(url=meta.url, path=doc.locator)
    by_url, by_path = found["url"], found["path"]
    if by_url and by_path and by_url[0] != by_path[0]:
        raise SourceIdentityError(
            doc.locator, f"was indexed as {by_path[0]}, but its URL {meta.url} is already source "
            f"{by_url[0]}; to replace that source with this file run 'disclosure-bot forget "
            f"{by_url[0]}' and ingest again (or give this file another --url)")
    if by_url or by_path:
        return (by_url or by_path)[0]
    return source_id_for(meta.url or doc.locator)



def prepare(catalog: Catalog, chunker: Chunker, doc: LoadedDocument, override: SourceMeta, now: dt.datetime,
            retrieved_at: dt.datetime | None = None) -> Prepared | str:
    """What ingesting ``doc`` would store, or the source's id when it is unchanged."""
    meta = doc.meta.merged(override)
    source_id = identify(catalog, doc, meta)
    stored = catalog.get(source_id)
    locator = meta.url or doc.locator
    if stored is not None:
        # what neither the file nor the command line says stays as an earlier ingest left it
        # (an --org given once is not lost by re-ingesting without it); the id and the first
        # locator stay too, so a file that gains a URL updates its source instead of adding one
        kept = catalog.meta(source_id)
        assert kept is not None
        meta = kept.model_copy(update={"title": None}).merged(meta)  # a derived title is derived again
        locator = stored.locator
    # an e-mail from the organisation's domain is its words; from anyone else, an article
    meta = adopt_organization(doc, meta, kind_given=override.kind is not None)
    if meta.kind is None:
        meta = meta.model_copy(update={"kind": "article"})
    digest = content_hash(doc.text, meta)
    path = doc.locator if not is_url(doc.locator) else (stored.path if stored else None)
    if stored is not None and stored.content_hash == digest:
        return source_id
    title = meta.title or title_from(doc)
    source = Source(id=source_id, title=title, url=meta.url, publisher=meta.publisher, date=meta.date,
                    kind=meta.kind, organizations=meta.organizations, locator=locator, path=path,
                    content_hash=digest, ingested_at=now, text=doc.text, pages=list(doc.pages),
                    retrieved_at=retrieved_at)
    chunks = chunker.split(source_id, doc.text)
    attributions = extract_attributions(doc.text, source.kind, source.organizations, source.date,
                                        source.publisher, doc.blockquotes())
    return Prepared(source, chunks, attributions, "added" if stored is None else "updated")



def title_from(doc: LoadedDocument) -> str:
    first = doc.text.split("\n", 1)[0].strip(" #*_")
    if 0 < len(first) <= 120:
        return first
    return Path(doc.locator).stem or doc.locator
