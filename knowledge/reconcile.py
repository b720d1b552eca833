"""Keeping Chroma in line with the catalogue after an interrupted ingest or forget.

The catalogue is the truth: a source's committed version owns the chunk ids it lists. Vectors that no
committed version owns (written before a kill) are deleted, and the metadata of owned vectors that an
interrupted update changed is restored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from knowledge.catalog import ALL_SOURCES, Catalog
from knowledge.store import Metadata, VectorStore, placed_metadata

log = logging.getLogger(__name__)


def reconcile(catalog: Catalog, vectors: VectorStore, source_ids: Sequence[str]) -> dict[str, int]:
    """Put the vectors of ``source_ids`` back in line with the catalogue: delete those its committed
    version does not own, restore the metadata of those it does, and clear their pending marks.

    Returns:
        ``{"sources": n, "deleted": vectors removed, "restored": metadata fixed}``.
    """
    deleted = restored = 0
    for sid in source_ids:
        owned = catalog.chunk_ids(sid)
        source = catalog.get(sid) if owned else None
        present = vectors.records(sid)
        stray = sorted(set(present) - owned)
        fixes: dict[str, Metadata] = {}
        if source is not None:
            for chunk_id in owned & set(present):
                meta = present[chunk_id][0]
                want = placed_metadata(source, int(meta["index"]), int(meta["start"]), int(meta["end"]))
                if meta != want:
                    fixes[chunk_id] = want
        vectors.delete(stray)
        vectors.set_metadata(fixes)
        deleted += len(stray)
        restored += len(fixes)
    catalog.clear_pending(source_ids)
    return {"sources": len(source_ids), "deleted": deleted, "restored": restored}

def sweep_all(catalog: Catalog, vectors: VectorStore) -> None:
    """Once, for an index made before chunk ids were recorded: record each source's chunks (those
    whose text is the source's text at their offsets) and delete every other vector."""
    records = vectors.records(documents=True)
    owned: dict[str, list[str]] = {}
    stray: list[str] = []
    texts = {s.id: s.text for s in catalog.sources()}
    for chunk_id, (meta, document) in records.items():
        sid = str(meta.get("source_id", ""))
        text = texts.get(sid)
        start, end = int(meta.get("start", -1)), int(meta.get("end", -1))
        if text is not None and 0 <= start <= end and text[start:end] == document:
            owned.setdefault(sid, []).append(chunk_id)
        else:
            stray.append(chunk_id)
    with catalog.transaction():
        for sid in texts:
            if not catalog.chunk_ids(sid):
                catalog.set_chunk_ids(sid, sorted(owned.get(sid, [])))
    vectors.delete(sorted(stray))
    catalog.clear_pending([ALL_SOURCES])
    if stray:
        log.warning("removed %d vectors that no indexed source owns", len(stray))
