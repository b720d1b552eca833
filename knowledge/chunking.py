"""Split a source's text into chunks that fit the embedding model, with exact offsets.

The text is cut into pieces at sentence ends and line breaks (then at spaces, for a sentence longer
than a chunk), each piece measured once in the model's own word pieces, and consecutive pieces are
packed greedily into chunks of at most ``chunk_tokens``, the last pieces of one chunk repeated at
the start of the next up to ``overlap_tokens``. Because pieces are located by position, never by
searching for their text, offsets stay exact in text that repeats itself (the same letter filed
twice, boilerplate): ``text[chunk.start:chunk.end] == chunk.text`` for every chunk, and the chunks
cover every non-space character in order.

(LangChain's text splitters return strings only; locating them afterwards with ``str.find`` gives
wrong offsets in repeated text, which matters here because quotes are checked by offset.)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from knowledge.records import Chunk

_SENTENCE = re.compile(r"[^\n]*?(?:[.!?…]+[\"”’)\]]*(?=\s)|\n|$)")
_WORD = re.compile(r"\S+")


def chunk_id(source_id: str, start: int, text: str) -> str:
    """Stable chunk id: the source id plus a hash of the chunk's offset and text."""
    digest = hashlib.sha256(f"{start}\x00{text}".encode()).hexdigest()[:16]
    return f"{source_id}:{digest}"


class Chunker:
    """Packs sentences into overlapping windows of at most ``chunk_tokens`` word pieces.

    Args:
        count_tokens: the embedding model's word-piece counter.
        chunk_tokens: most word pieces per chunk; keep it below the model's window (256 for
            all-MiniLM-L6-v2) to leave room for the two special tokens.
        overlap_tokens: at most this many word pieces of whole sentences are repeated from the end
            of one chunk at the start of the next.

    Raises:
        ValueError: ``overlap_tokens`` is negative or not below ``chunk_tokens``.
    """

    def __init__(self, count_tokens: Callable[[str], int], chunk_tokens: int = 200,
                 overlap_tokens: int = 32) -> None:
        if chunk_tokens < 1 or not 0 <= overlap_tokens < chunk_tokens:
            raise ValueError("need chunk_tokens >= 1 and 0 <= overlap_tokens < chunk_tokens")
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        self._count = count_tokens

    def _pieces(self, text: str) -> list[tuple[int, int, int]]:
        """``(start, end, tokens)`` for each sentence, or smaller pieces of an over-long sentence."""
        pieces: list[tuple[int, int, int]] = []
        for m in _SENTENCE.finditer(text):
            segment = m.group().strip()
            if not segment:
                continue
            start = m.start() + (len(m.group()) - len(m.group().lstrip()))
            end = start + len(segment)
            tokens = self._count(segment)
            if tokens <= self.chunk_tokens:
                pieces.append((start, end, tokens))
                continue
            for w in _WORD.finditer(text, start, end):
                w_tokens = self._count(w.group())
                if w_tokens <= self.chunk_tokens:
                    pieces.append((w.start(), w.end(), w_tokens))
                    continue
                step = max(1, len(w.group()) * self.chunk_tokens // (w_tokens + 1))
                for s in range(w.start(), w.end(), step):  # a "word" longer than a chunk
                    e = min(s + step, w.end())
                    pieces.append((s, e, self._count(text[s:e])))
        return pieces

    def split(self, source_id: str, text: str) -> list[Chunk]:
        """Return the chunks of ``text`` in order, each with offsets into ``text``."""
        pieces = self._pieces(text)
        chunks: list[Chunk] = []
        i = 0
        while i < len(pieces):
            j, total = i, 0
            while j < len(pieces) and (j == i or total + pieces[j][2] <= self.chunk_tokens):
                total += pieces[j][2]
                j += 1
            start, end = pieces[i][0], pieces[j - 1][1]
            body = text[start:end]
            chunks.append(Chunk(id=chunk_id(source_id, start, body), source_id=source_id,
                                index=len(chunks), start=start, end=end, text=body))
            if j >= len(pieces):
                break
            # step back over whole pieces that fit in the overlap, but always advance
            k, carried = j, 0
            while (k - 1 > i and carried + pieces[k - 1][2] <= self.overlap_tokens
                   and carried + pieces[k - 1][2] + pieces[j][2] <= self.chunk_tokens):
                k -= 1
                carried += pieces[k][2]
            i = k
        return chunks
