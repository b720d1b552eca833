"""Exact cosine search over one organisation's chunks, kept in memory between questions.

A question is answered from one organisation's chunks: tens to thousands of them, whatever the size of
the collection. Chroma's filtered query (``where source_id $in …``) evaluates its filter over the whole
collection: at 120,230 chunks it took 82 ms for an organisation with 11 chunks, against under 1 ms to
read those 11 vectors by id and rank them here (``scripts/benchmark.py``; README, Performance). So an
organisation's vectors are read once, kept as one normalised float32 matrix (1.5 KB a chunk for a
384-dimension model), and reused until its sources change; an organisation with more than
:data:`MAX_CHUNKS` chunks is left to Chroma's filtered query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence

import numpy as np

#: An organisation with more chunks than this is searched by Chroma's filtered query instead (reading
#: 20,000 vectors by id takes about half a second once; the matrix is 30 MB).
MAX_CHUNKS = 20_000
#: Rows kept in memory across organisations (least recently asked about dropped first): about 75 MB.
CACHE_ROWS = 50_000


class DenseIndex:
    """Chunk ids and their vectors, ranked by exact cosine similarity.

    Args:
        ids: chunk ids, one per row of ``vectors``.
        vectors: shape ``(len(ids), dimension)``; rows are normalised here (a zero row stays zero).
    """

    def __init__(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(ids):
            raise ValueError(f"{len(ids)} ids need as many rows of vectors, got shape {matrix.shape}")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.ids = list(ids)
        self.matrix = matrix / norms

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The ``k`` chunks nearest to ``vector``: ``[(chunk id, cosine similarity)]``, best first
        (ties in id order, so the result does not depend on the order rows were read)."""
        if k <= 0 or not self.ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        scores = self.matrix @ query
        if k < len(scores):
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]  # the k-th best score
            top = np.nonzero(scores >= kth)[0]  # every row tied with it too
        else:
            top = np.arange(len(scores))
        ranked = sorted(top.tolist(), key=lambda row: (-float(scores[row]), self.ids[row]))[:k]
        return [(self.ids[row], float(scores[row])) for row in ranked]


class DenseCache:
    """Recently used :class:`DenseIndex` objects, one per organisation, at most ``max_rows`` rows in all.

    Each entry is valid for a ``key`` (the organisation's sources and their content hashes): a lookup
    with another key misses, so a changed source is never answered from old vectors. Thread-safe.
    """

    def __init__(self, max_rows: int = CACHE_ROWS) -> None:
        self.max_rows = max_rows
        self._entries: OrderedDict[str, tuple[Hashable, DenseIndex]] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()

    def get(self, org: str, key: Hashable) -> DenseIndex | None:
        with self._lock:
            entry = self._entries.get(org)
            if entry is None or entry[0] != key:
                return None
            self._entries.move_to_end(org)
            return entry[1]

    def put(self, org: str, key: Hashable, index: DenseIndex) -> None:
        """Keep ``index`` for ``org`` under ``key``; an index larger than the whole cache is not kept."""
        with self._lock:
            old = self._entries.pop(org, None)
            if old is not None:
                self._rows -= len(old[1])
            if len(index) > self.max_rows:
                return
            self._entries[org] = (key, index)
            self._rows += len(index)
            while self._rows > self.max_rows:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._rows -= len(dropped)

    @property
    def rows(self) -> int:
        return self._rows
