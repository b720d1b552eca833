"""Loaders: turn files into text plus metadata.

Supported formats (by extension, case-insensitive), one module each:

- ``.txt`` (:mod:`.plain`): UTF-8 text (a byte-order mark is dropped; UTF-16 and UTF-32 with a
  byte-order mark are read too).
- ``.md`` / ``.markdown`` (:mod:`.markdown`): UTF-8 Markdown with optional YAML front matter
  between two ``---`` lines, using only the keys ``title``, ``url``, ``publisher``, ``date`` (ISO
  8601), ``kind`` and ``organizations`` (a list, or one name; nulls and blanks dropped).
- ``.html`` / ``.htm`` (:mod:`.html`): the main text (tables kept, one blank line between blocks,
  ``<blockquote>`` spans recorded), title, date and site name, through trafilatura.

Every loader returns normalised text (see :mod:`knowledge.text`: control characters other than tab
and newline are removed before anything is measured, so every offset is into the stored text) and
raises a :class:`~knowledge.errors.SourceError` subclass with a one-line reason for anything it
cannot read: a binary file under a text name, a file that is mostly control characters, text that
is not UTF-8.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from knowledge.errors import EmptySourceError, SourceError, UnsupportedFormatError
from knowledge.loaders.common import (
    FRONT_MATTER_KEYS,
    LoadedDocument,
    TextBlock,
    clean_names,
    make_meta,
    parse_date,
)
from knowledge.loaders.html import html_document, load_html
from knowledge.loaders.markdown import load_markdown, split_front_matter
from knowledge.loaders.plain import load_txt
from knowledge.text import fold

LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    ".txt": load_txt,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
}


def load_file(path: Path) -> LoadedDocument:
    """Load one file with the loader its extension selects.

    Raises:
        UnsupportedFormatError: no loader for the extension.
        SourceError: unreadable, binary, mostly control characters, or not UTF-8.
        EmptySourceError: no text once normalised (soft hyphens and zero-width characters alone
            are no text).
        MetadataError: invalid front matter.
    """
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedFormatError(
            str(path), f"unsupported file type {path.suffix or '(none)'!r}; "
                       f"supported: {', '.join(sorted(LOADERS))}")
    doc = loader(path)
    if not fold(doc.text):
        raise EmptySourceError(str(path), "file is empty")
    return doc


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[SourceError]]:
    """Expand folders recursively (hidden files and folders skipped, sorted) into files.

    Returns:
        ``(files, errors)``; a path that does not exist becomes a :class:`SourceError`. Files with
        unsupported extensions inside a folder are skipped silently; named explicitly they are kept
        so that :func:`load_file` reports them.
    """
    files: list[Path] = []
    errors: list[SourceError] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if child.is_file() and child.suffix.lower() in LOADERS:
                    files.append(child)
        elif path.exists():
            files.append(path)
        else:
            errors.append(SourceError(str(path), "no such file or folder"))
    return files, errors


__all__ = [
    "FRONT_MATTER_KEYS", "LOADERS", "LoadedDocument", "TextBlock", "clean_names", "expand_paths",
    "html_document", "load_file", "load_html", "load_markdown", "load_txt", "make_meta", "parse_date",
    "split_front_matter",
]
