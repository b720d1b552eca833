"""Split a source's text into chunks that fit the embedding model, with exact offsets.

Splitting is LangChain's ``RecursiveCharacterTextSplitter`` (paragraphs, then lines, sentences,
words), measured in the model's own word pieces; this module adds the character offsets so that
``text[chunk.start:chunk.end] == chunk.text`` holds for every chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.records import Chunk

#: Separators tried in order: paragraph, line, sentence ends, clause ends, words.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


def chunk_id(source_id: str, start: int, text: str) -> str:
    """Stable chunk id: the source id plus a hash of the chunk's offset and text."""
    digest = hashlib.sha256(f"{start}\x00{text}".encode()).hexdigest()[:16]
    return f"{source_id}:{digest}"


class Chunker:
    """Splits text into overlapping windows of at most ``chunk_tokens`` word pieces.

    Args:
        count_tokens: the embedding model's word-piece counter.
        chunk_tokens: most word pieces per chunk; keep it below the model's window (256 for
            all-MiniLM-L6-v2) to leave room for the two special tokens.
        overlap_tokens: word pieces shared by consecutive chunks.
    """

    def __init__(self, count_tokens: Callable[[str], int], chunk_tokens: int = 200,
                 overlap_tokens: int = 32) -> None:
        if not 0 <= overlap_tokens < chunk_tokens:
            raise ValueError("overlap_tokens must be at least 0 and below chunk_tokens")
        self.chunk_tokens = chunk_tokens
        self._splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            keep_separator="end",
            chunk_size=chunk_tokens,
            chunk_overlap=overlap_tokens,
            length_function=count_tokens,
            strip_whitespace=True,
        )

    def split(self, source_id: str, text: str) -> list[Chunk]:
        """Return the chunks of ``text`` in order, each with offsets into ``text``.

        Raises:
            RuntimeError: a chunk could not be located in ``text`` (a splitter bug, never silent).
        """
        chunks: list[Chunk] = []
        cursor = 0
        for piece in self._splitter.split_text(text):
            start = text.find(piece, cursor)
            if start < 0:
                start = text.find(piece)
            if start < 0:
                raise RuntimeError(f"chunk not found in source text: {piece[:60]!r}")
            end = start + len(piece)
            chunks.append(Chunk(id=chunk_id(source_id, start, piece), source_id=source_id,
                                index=len(chunks), start=start, end=end, text=piece))
            cursor = start + 1
        return chunks
