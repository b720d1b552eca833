"""``.txt``: UTF-8 text (see :func:`knowledge.loaders.common.decode_text`)."""

from __future__ import annotations

from pathlib import Path

from knowledge.loaders.common import LoadedDocument, decode_text, read_bytes
from knowledge.records import SourceMeta
from knowledge.text import normalize


def load_txt(path: Path) -> LoadedDocument:
    text = decode_text(read_bytes(path), str(path))
    return LoadedDocument(normalize(text), SourceMeta(), str(path.resolve()))


def txt_document(data: bytes, locator: str) -> LoadedDocument:
    """``.txt`` bytes (an upload or a download); errors name ``locator``."""
    return LoadedDocument(normalize(decode_text(data, locator)), SourceMeta(), locator)
