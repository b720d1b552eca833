"""Loaders: turn files into text plus metadata.

Supported formats (by extension, case-insensitive), one module each:

- ``.txt`` (:mod:`.plain`): UTF-8 text (a byte-order mark is dropped; UTF-16 and UTF-32 with a
  byte-order mark are read too).
- ``.md`` / ``.markdown`` (:mod:`.markdown`): UTF-8 Markdown with optional YAML front matter
  between two ``---`` lines, using only the keys ``title``, ``url``, ``publisher``, ``date`` (ISO
  8601), ``kind`` and ``organizations`` (a list, or one name; nulls and blanks dropped).
- ``.html`` / ``.htm`` (:mod:`.html`): the main text (tables kept, one blank line between blocks,
  ``<blockquote>`` spans recorded), title, date and site name, through trafilatura.
- ``.eml`` (:mod:`.email`): an e-mail's text body (else its HTML body through the HTML loader),
  Subject as title, From as publisher, Date as date, kind ``notice``; attachments listed, not read.
- ``.pdf`` (:mod:`.pdf`): a PDF's text layer through pypdf, with each page's start offset
  (:attr:`LoadedDocument.pages`), ligatures normalised and line-end hyphenation rejoined.

:func:`load_file` reads a path; :func:`load_bytes` reads bytes that arrived under a file name (an
upload, a download), choosing the loader by the name's extension just the same.

Every loader returns normalised text (see :mod:`knowledge.text`: control characters other than tab
and newline are removed before anything is measured, so every offset is into the stored text) and
raises a :class:`~knowledge.errors.SourceError` subclass with a one-line reason for anything it
cannot read: a binary file under a text name (a PDF is refused as ``.txt``, ``.md`` or ``.html``,
read as ``.pdf``), a file that is mostly control characters, text that is not UTF-8, a PDF without
a text layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from knowledge.errors import EmptySourceError, SourceError, UnsupportedFormatError
from knowledge.loaders.common import (
    FRONT_MATTER_KEYS,
    LoadedDocument,
    TextBlock,
    adopt_organization,
    clean_names,
    make_meta,
    parse_date,
)
from knowledge.loaders.email import email_document, load_eml
from knowledge.loaders.html import decode_html, html_document, load_html
from knowledge.loaders.markdown import (
    load_markdown,
    markdown_document,
    split_front_matter,
)
from knowledge.loaders.pdf import NoTextLayerError, load_pdf, pdf_document
from knowledge.loaders.plain import load_txt, txt_document
from knowledge.records import page_at
from knowledge.text import fold

LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    ".txt": load_txt,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".eml": load_eml,
    ".pdf": load_pdf,
}


def _html_bytes(data: bytes, locator: str) -> LoadedDocument:
    return html_document(decode_html(data, locator), locator, locator)


#: The same formats as :data:`LOADERS`, from bytes: ``loader(data, locator)``.
BYTES_LOADERS: dict[str, Callable[[bytes, str], LoadedDocument]] = {
    ".txt": txt_document,
    ".md": markdown_document,
    ".markdown": markdown_document,
    ".html": _html_bytes,
    ".htm": _html_bytes,
    ".eml": email_document,
    ".pdf": pdf_document,
}


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""


def load_bytes(data: bytes, name: str, locator: str | None = None) -> LoadedDocument:
    """Load a document that arrived as bytes under a file name, with the loader the name's
    extension selects (as :func:`load_file` does for paths).

    Args:
        data: the file's content.
        name: its file name (``letter.pdf``); only the extension is used, case-insensitive.
        locator: the document's locator (a URL, ``upload:letter.pdf``); ``name`` when None. Errors
            name the locator.

    Raises:
        UnsupportedFormatError: no loader for the extension.
        SourceError: as :func:`load_file`.
        EmptySourceError: no text.
    """
    where = locator or name
    suffix = _suffix(name)
    loader = BYTES_LOADERS.get(suffix)
    if loader is None:
        raise UnsupportedFormatError(
            where, f"unsupported file type {suffix or '(none)'!r}; supported: {', '.join(sorted(BYTES_LOADERS))}")
    doc = loader(data, where)
    if not fold(doc.text):
        raise EmptySourceError(where, "file is empty")
    return doc


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
    "BYTES_LOADERS", "FRONT_MATTER_KEYS", "LOADERS", "LoadedDocument", "NoTextLayerError", "TextBlock",
    "adopt_organization", "clean_names", "email_document", "expand_paths", "html_document", "load_bytes",
    "load_eml", "load_file", "load_html", "load_markdown", "load_pdf", "load_txt", "make_meta", "page_at",
    "parse_date", "pdf_document", "split_front_matter",
]
