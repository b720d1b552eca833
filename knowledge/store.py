"""The vector store: chunks and their embeddings in one Chroma collection, through langchain-chroma.

Embedded by default (a chromadb ``PersistentClient`` in ``DATA_DIR/chroma``); a Chroma server
(``chroma run``) when ``KB_CHROMA_HOST`` is set. The collection uses cosine distance and never
Chroma's default embedding function (which would download a model): vectors always come from our
:class:`~knowledge.embeddings.Embedder`.

Chunk metadata holds only str/int/float/bool values (Chroma's rule): ``source_id``, ``index``,
``start``, ``end``, ``kind``, ``date`` (ISO 8601, omitted when unknown) and ``organizations``
(JSON list of names). None is never stored.

Every call that passes ids (get, upsert, update, delete) goes in batches no larger than the client's
own limit (``get_max_batch_size()``, 5,461 for embedded Chroma 1.x), so an index of any size can be
re-ingested, snapshotted or forgotten.

The collection's metadata records the model that made its vectors (name, dimension, and the weights'
sha256 when the model has weights): opening it with another model is refused.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import chromadb
import chromadb.errors
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma

from knowledge.embeddings import Embedder, LangChainEmbeddings
from knowledge.errors import ModelMismatchError
from knowledge.records import Chunk, Source

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Chunks embedded per batch (bounds memory while embedding); upserts are also capped by the client.
BATCH_SIZE = 256
#: Tries of a query that a Chroma server fails with an internal error (see ``VectorStore._search``).
QUERY_ATTEMPTS = 8
#: Ids per call when the client does not say its limit (below embedded Chroma's 5,461 and SQLite's
#: 32,766 variables).
DEFAULT_MAX_BATCH = 5000


def max_batch_size(client: object) -> int:
    """The most ids one call may carry: the client's ``get_max_batch_size()`` or ``max_batch_size``,
    else :data:`DEFAULT_MAX_BATCH`."""
    for name in ("get_max_batch_size", "max_batch_size"):
        value = getattr(client, name, None)
        try:
            value = value() if callable(value) else value
        except Exception:  # noqa: BLE001 - a server that cannot say: use the safe constant
            value = None
        if isinstance(value, int) and value > 0:
            return value
    return DEFAULT_MAX_BATCH


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]


@dataclass(frozen=True)
class ChunkHit:
    """A retrieved chunk with its cosine similarity to the query (1 is identical)."""

    chunk_id: str
    source_id: str
    start: int
    end: int
    text: str
    score: float


Metadata = dict[str, str | int | float | bool]


def chunk_metadata(chunk: Chunk, source: Source) -> Metadata:
    """Chroma metadata for a chunk: scalars only, lists as JSON, dates as ISO 8601, no None."""
    return placed_metadata(source, chunk.index, chunk.start, chunk.end)


def placed_metadata(source: Source, index: int, start: int, end: int) -> Metadata:
    """Chroma metadata for the chunk at ``index`` (``start``–``end``) of ``source``."""
    meta: Metadata = {
        "source_id": source.id, "index": index, "start": start, "end": end,
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


def model_identity(embedder: Embedder) -> dict[str, str | int]:
    """What the collection records about the model: name, dimension, and the weights' sha256 when
    the embedder knows it (``weights_sha256``)."""
    identity: dict[str, str | int] = {"embedding_model": embedder.name,
                                      "embedding_dimension": int(embedder.dimension)}
    digest = getattr(embedder, "weights_sha256", None)
    if digest:
        identity["embedding_sha256"] = str(digest)
    return identity


def _describe(identity: Mapping[str, object]) -> str:
    parts = [f"{identity.get('embedding_dimension', '?')} dimensions"]
    if identity.get("embedding_sha256"):
        parts.append(f"weights sha256 {str(identity['embedding_sha256'])[:12]}…")
    return f"{identity.get('embedding_model')!r} ({', '.join(parts)})"


def _retrying(read: Callable[[], Any]) -> Any:
    """Run a read, asking again shortly when a Chroma server answers "Nothing found on disk" (it does
    while another process writes a collection's first records)."""
    for attempt in range(QUERY_ATTEMPTS):
        try:
            return read()
        except chromadb.errors.InternalError:
            if attempt == QUERY_ATTEMPTS - 1:
                raise
            log.debug("chroma read failed (attempt %d), retrying", attempt + 1, exc_info=True)
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


class VectorStore:
    """The chunk collection.

    Args:
        client: a chromadb client (see :func:`open_client`).
        embedder: makes every vector, for chunks and for queries.
        collection: the collection's name.

    Attributes:
        max_batch: the most ids one Chroma call carries (see :func:`max_batch_size`).

    Raises:
        ModelMismatchError: the collection holds vectors made by another model (another name,
            dimension or weights).
    """

    def __init__(self, client: chromadb.ClientAPI, embedder: Embedder, collection: str) -> None:
        self.embedder = embedder
        self.max_batch = max_batch_size(client)
        identity = model_identity(embedder)
        self._chroma = Chroma(
            collection_name=collection,
            embedding_function=LangChainEmbeddings(embedder),
            client=client,
            collection_metadata=dict(identity),
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        self._check_identity(collection, identity)

    def _check_identity(self, collection: str, identity: dict[str, str | int]) -> None:
        """Refuse a collection whose vectors another model made; record what an older index lacks."""
        stored = dict(self._collection.metadata or {})
        if self.count() == 0:  # nothing to compare against: the collection is this model's now
            if any(stored.get(k) != v for k, v in identity.items()):
                self._chroma.reset_collection()  # Chroma keeps the first dimension it saw otherwise
            return
        found = {k: stored[k] for k in identity if stored.get(k) is not None}
        sample = _retrying(lambda: self._collection.get(limit=1, include=["embeddings"]))["embeddings"]
        if sample is not None and len(sample):
            found["embedding_dimension"] = len(sample[0])  # the vectors themselves, not only the label
        if any(found.get(k, v) != v for k, v in identity.items()):
            raise ModelMismatchError(
                f"the index in collection {collection!r} was built with embedding model "
                f"{_describe({**stored, **found})}, but the configured model is {_describe(identity)}: "
                "their vectors cannot be compared. Set KB_EMBEDDING_MODEL back to that model, or rebuild "
                "with this one (move the data folder aside or set another KB_DATA_DIR, then ingest the "
                "sources again)")
        if any(k not in stored for k in identity):  # an index made before the weights were recorded
            self._collection.modify(metadata={**stored, **identity})

    @property
    def _collection(self) -> Any:
        return self._chroma._collection

    @property
    def langchain(self) -> Chroma:
        """The langchain-chroma vector store itself (for retrievers and baselines)."""
        return self._chroma

    def identity(self) -> dict[str, object]:
        """The model identity the collection records (see :func:`model_identity`)."""
        return dict(self._collection.metadata or {})

    def embed(self, chunks: Sequence[Chunk]) -> list[list[float]]:
        """The chunks' vectors, embedded in batches of :data:`BATCH_SIZE` (no store call: an ingest
        embeds before it takes the write lock, so questions are answered meanwhile)."""
        vectors: list[list[float]] = []
        for batch in batched(chunks, BATCH_SIZE):
            vectors += [list(map(float, v)) for v in self.embedder.embed([c.text for c in batch])]
        return vectors

    def add(self, chunks: Sequence[Chunk], sources: Mapping[str, Source],
            embeddings: Sequence[Sequence[float]] | None = None) -> list[str]:
        """Upsert chunks in batches (at most :data:`BATCH_SIZE` and the client's limit), embedding
        those whose vectors are not given (``embeddings``, in the order of ``chunks``); returns their ids."""
        vectors = list(embeddings) if embeddings is not None else self.embed(chunks)
        ids: list[str] = []
        size = min(BATCH_SIZE, self.max_batch)
        for n, batch in enumerate(batched(chunks, size)):
            self._collection.upsert(
                ids=[c.id for c in batch], documents=[c.text for c in batch],
                metadatas=[chunk_metadata(c, sources[c.source_id]) for c in batch],
                embeddings=[list(v) for v in vectors[n * size:n * size + len(batch)]])
            ids += [c.id for c in batch]
        return ids

    def set_metadata(self, metadatas: Mapping[str, Metadata]) -> None:
        """Replace the metadata of stored chunks (their text and vector stay), in batches."""
        ids = list(metadatas)
        for batch in batched(ids, self.max_batch):
            self._collection.update(ids=list(batch), metadatas=[metadatas[i] for i in batch])

    def records(self, source_id: str | None = None, documents: bool = False
                ) -> dict[str, tuple[dict[str, Any], str | None]]:
        """``{id: (metadata, document or None)}`` of all chunks or one source's, read in pages."""
        where = {"source_id": source_id} if source_id else None
        include = ["metadatas", "documents"] if documents else ["metadatas"]
        found: dict[str, tuple[dict[str, Any], str | None]] = {}
        offset = 0
        while True:
            got = self._collection.get(where=where, include=include, limit=self.max_batch, offset=offset)
            docs = got.get("documents") if documents else None
            for n, chunk_id in enumerate(got["ids"]):
                found[chunk_id] = (dict(got["metadatas"][n] or {}), docs[n] if docs is not None else None)
            if len(got["ids"]) < self.max_batch:
                return found
            offset += len(got["ids"])

    def get(self, ids: Sequence[str], include: Sequence[str] = ("metadatas",)) -> dict[str, list]:
        """Stored records of ``ids`` (in batches), as Chroma's ``get`` returns them."""
        out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
        for batch in batched(list(ids), self.max_batch):
            got = self._collection.get(ids=list(batch), include=list(include))
            out["ids"] += list(got["ids"])
            for key in include:
                out[key] += list(got[key])
        return out

    def ids(self, source_id: str | None = None) -> set[str]:
        """Ids of all chunks, or of one source's chunks."""
        where = {"source_id": source_id} if source_id else None
        ids: set[str] = set()
        offset = 0
        while True:
            got = self._collection.get(where=where, include=[], limit=self.max_batch, offset=offset)["ids"]
            ids.update(got)
            if len(got) < self.max_batch:
                return ids
            offset += len(got)

    def delete(self, ids: Sequence[str]) -> None:
        """Delete chunks by id, in batches."""
        for batch in batched(list(ids), self.max_batch):
            self._collection.delete(ids=list(batch))

    def count(self) -> int:
        return int(self._collection.count())

    def embed_query(self, query: str) -> list[float]:
        """The query's vector (the same model as the chunks')."""
        return [float(v) for v in self.embedder.embed([query])[0]]

    def search(self, query: str, k: int, source_ids: Sequence[str] | None = None,
               vector: Sequence[float] | None = None) -> list[ChunkHit]:
        """The ``k`` chunks nearest to ``query``, optionally only from ``source_ids``, best first.

        ``vector`` is the query's embedding when the caller has it already (see :meth:`embed_query`).
        More source ids than one call may carry are searched in batches and the hits merged.
        """
        if source_ids is not None and not source_ids:
            return []
        vector = list(vector) if vector is not None else self.embed_query(query)
        if source_ids is None:
            return self._search(vector, k, None)
        hits: list[ChunkHit] = []
        for batch in batched(list(source_ids), self.max_batch):
            where = {"source_id": batch[0]} if len(batch) == 1 else {"source_id": {"$in": list(batch)}}
            hits += self._search(vector, k, where)
        return sorted(hits, key=lambda h: -h.score)[:k] if len(source_ids) > self.max_batch else hits

    def _search(self, vector: list[float], k: int, where: dict[str, Any] | None) -> list[ChunkHit]:
        if k <= 0:
            return []
        found = _retrying(lambda: self._collection.query(query_embeddings=[vector], n_results=k, where=where,
                                                         include=["metadatas", "documents", "distances"]))
        ids, metas = found["ids"][0], found["metadatas"][0]
        docs, distances = found["documents"][0], found["distances"][0]
        return [ChunkHit(chunk_id=ids[n], source_id=str(metas[n]["source_id"]), start=int(metas[n]["start"]),
                         end=int(metas[n]["end"]), text=docs[n] or "", score=1.0 - float(distances[n]))
                for n in range(len(ids))
                if metas[n] is not None]  # a Chroma server may return a chunk deleted meanwhile, bare

    def hits(self, ranked: Sequence[tuple[str, float]]) -> list[ChunkHit]:
        """``[(chunk id, score)]`` as hits with their text and offsets, in the given order; ids no
        longer stored (deleted meanwhile) are left out."""
        if not ranked:
            return []
        got = self.get([i for i, _ in ranked], include=("metadatas", "documents"))
        found = {i: (m, d) for i, m, d in zip(got["ids"], got["metadatas"], got["documents"]) if m is not None}
        return [ChunkHit(chunk_id=i, source_id=str(found[i][0]["source_id"]), start=int(found[i][0]["start"]),
                         end=int(found[i][0]["end"]), text=found[i][1] or "", score=score)
                for i, score in ranked if i in found]

    def similarities(self, vector: Sequence[float], ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of ``vector`` to each stored chunk in ``ids`` (the dense score of a chunk
        found another way)."""
        if not ids:
            return {}
        got = self.get(ids, include=("embeddings",))
        query = np.asarray(vector, dtype=np.float32)
        query /= np.linalg.norm(query) or 1.0
        out: dict[str, float] = {}
        for chunk_id, emb in zip(got["ids"], got["embeddings"]):
            v = np.asarray(emb, dtype=np.float32)
            out[chunk_id] = float(v @ query / (np.linalg.norm(v) or 1.0))
        return out
