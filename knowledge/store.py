"""The vector store: chunks and their embeddings in one Chroma collection, through langchain-chroma.

Embedded by default (a chromadb ``PersistentClient`` in ``DATA_DIR/chroma``); a Chroma server
(``chroma run``) when ``KB_CHROMA_HOST`` is set. The collection uses cosine distance and never
Chroma's default embedding function (which would download a model): vectors always come from our
:class:`~knowledge.embeddings.Embedder`.

Chunk metadata holds only str/int/float/bool values (Chroma's rule): ``source_id``, ``index``,
``start``, ``end``, ``kind``, ``date`` (ISO 8601, omitted when unknown) and ``organizations``
(JSON list of names). None is never stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma

from knowledge.embeddings import Embedder, LangChainEmbeddings
from knowledge.errors import ConfigurationError
from knowledge.records import Chunk, Source

log = logging.getLogger(__name__)

#: Chunks per upsert; below Chroma's own maximum batch size, and bounds memory while embedding.
BATCH_SIZE = 256


@dataclass(frozen=True)
class ChunkHit:
    """A retrieved chunk with its cosine similarity to the query (1 is identical)."""

    chunk_id: str
    source_id: str
    start: int
    end: int
    text: str
    score: float


def chunk_metadata(chunk: Chunk, source: Source) -> dict[str, str | int | float | bool]:
    """Chroma metadata for a chunk: scalars only, lists as JSON, dates as ISO 8601, no None."""
    meta: dict[str, str | int | float | bool] = {
        "source_id": source.id, "index": chunk.index, "start": chunk.start, "end": chunk.end,
        "kind": source.kind, "organizations": json.dumps(source.organizations, ensure_ascii=False),
    }
    if source.date is not None:
        meta["date"] = source.date.isoformat()
    return meta


def open_client(data_dir: Path, host: str | None = None, port: int = 8000) -> chromadb.ClientAPI:
    """An embedded ``PersistentClient`` in ``data_dir/chroma``, or an ``HttpClient`` to ``host:port``."""
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=settings)


class VectorStore:
    """The chunk collection.

    Args:
        client: a chromadb client (see :func:`open_client`).
        embedder: makes every vector, for chunks and for queries.
        collection: the collection's name.

    Raises:
        ConfigurationError: the collection was built with another embedding model.
    """

    def __init__(self, client: chromadb.ClientAPI, embedder: Embedder, collection: str) -> None:
        self.embedder = embedder
        self._chroma = Chroma(
            collection_name=collection,
            embedding_function=LangChainEmbeddings(embedder),
            client=client,
            collection_metadata={"embedding_model": embedder.name,
                                 "embedding_dimension": embedder.dimension},
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        found = (self._chroma._collection.metadata or {}).get("embedding_model")
        if found and found != embedder.name:
            raise ConfigurationError(
                f"the index in collection {collection!r} was built with embedding model {found!r}, "
                f"not {embedder.name!r}; use that model or another KB_DATA_DIR")

    @property
    def langchain(self) -> Chroma:
        """The langchain-chroma vector store itself (for retrievers and baselines)."""
        return self._chroma

    def add(self, chunks: Sequence[Chunk], sources: dict[str, Source]) -> list[str]:
        """Embed and upsert chunks in batches of :data:`BATCH_SIZE`; returns their ids."""
        ids: list[str] = []
        for i in range(0, len(chunks), BATCH_SIZE):
            batch = chunks[i:i + BATCH_SIZE]
            ids += self._chroma.add_texts(
                texts=[c.text for c in batch],
                metadatas=[chunk_metadata(c, sources[c.source_id]) for c in batch],
                ids=[c.id for c in batch],
            )
        return ids

    def snapshot(self, ids: Sequence[str]) -> dict[str, list]:
        """The stored records (vector, text, metadata) of ``ids``, for :meth:`restore`."""
        if not ids:
            return {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        got = self._chroma._collection.get(ids=list(ids), include=["embeddings", "documents", "metadatas"])
        return {"ids": list(got["ids"]), "embeddings": [list(map(float, e)) for e in got["embeddings"]],
                "documents": list(got["documents"]), "metadatas": list(got["metadatas"])}

    def restore(self, snapshot: dict[str, list]) -> None:
        """Write back records taken by :meth:`snapshot` (undoes an upsert that overwrote them)."""
        for i in range(0, len(snapshot["ids"]), BATCH_SIZE):
            self._chroma._collection.upsert(**{k: v[i:i + BATCH_SIZE] for k, v in snapshot.items()})

    def ids(self, source_id: str | None = None) -> set[str]:
        """Ids of all chunks, or of one source's chunks."""
        where = {"source_id": source_id} if source_id else None
        return set(self._chroma.get(where=where, include=[])["ids"])

    def delete(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), BATCH_SIZE):
            self._chroma.delete(ids=list(ids[i:i + BATCH_SIZE]))

    def count(self) -> int:
        return int(self._chroma._collection.count())

    def search(self, query: str, k: int, source_ids: Sequence[str] | None = None) -> list[ChunkHit]:
        """The ``k`` chunks nearest to ``query``, optionally only from ``source_ids``, best first."""
        if source_ids is not None and not source_ids:
            return []
        where = None
        if source_ids is not None:
            where = ({"source_id": source_ids[0]} if len(source_ids) == 1
                     else {"source_id": {"$in": list(source_ids)}})
        found = self._chroma.similarity_search_with_score(query, k=k, filter=where)
        return [ChunkHit(chunk_id=doc.id or "", source_id=str(doc.metadata["source_id"]),
                         start=int(doc.metadata["start"]), end=int(doc.metadata["end"]),
                         text=doc.page_content, score=1.0 - float(distance))
                for doc, distance in found]
