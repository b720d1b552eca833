"""Loaders: turn files into text plus metadata.

Supported formats (by extension, case-insensitive):

- ``.txt``: UTF-8 text (a byte-order mark is dropped).
- ``.md`` / ``.markdown``: UTF-8 Markdown with optional YAML front matter between two ``---`` lines,
  using only the keys ``title``, ``url``, ``publisher``, ``date`` (ISO 8601), ``kind`` and
  ``organizations`` (a list, or one name).
- ``.html`` / ``.htm``: the main text, title, date and site name as extracted by trafilatura.

Every loader returns normalised text (see :mod:`knowledge.text`) and raises a
:class:`~knowledge.errors.SourceError` subclass with a one-line reason for anything it cannot read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.errors import EmptySourceError, MetadataError, SourceError, UnsupportedFormatError
from knowledge.records import SourceMeta
from knowledge.text import normalize

FRONT_MATTER_KEYS = frozenset({"title", "url", "publisher", "date", "kind", "organizations"})


@dataclass(frozen=True)
class LoadedDocument:
    """A file's normalised text, the metadata found in it, and where it came from."""

    text: str
    meta: SourceMeta
    locator: str


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(str(path), f"cannot read file ({exc.strerror or exc})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), f"not UTF-8 text (byte {exc.start})") from exc


def parse_date(value: object, where: str) -> dt.date | None:
    """Parse an ISO 8601 date or date-time (``2025-03-04``, ``2025-03-04T10:00:00Z``) to a date.

    Raises:
        MetadataError: the value is not ISO 8601.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise MetadataError(where, f"date {text!r} is not ISO 8601 (YYYY-MM-DD)") from exc


def make_meta(fields: dict[str, object], where: str) -> SourceMeta:
    """Validate metadata fields (front matter or command-line overrides) into a :class:`SourceMeta`.

    Raises:
        MetadataError: an unknown key, a kind outside the five kinds, or a malformed value.
    """
    unknown = sorted(set(fields) - FRONT_MATTER_KEYS)
    if unknown:
        raise MetadataError(where, f"unknown metadata key(s) {', '.join(unknown)}; "
                                   f"allowed: {', '.join(sorted(FRONT_MATTER_KEYS))}")
    data = {k: v for k, v in fields.items() if v is not None}
    if "date" in data:
        data["date"] = parse_date(data["date"], where)
    orgs = data.get("organizations")
    if isinstance(orgs, str):
        data["organizations"] = [orgs]
    if isinstance(data.get("organizations"), list):
        data["organizations"] = [str(o).strip() for o in data["organizations"] if str(o).strip()]
    for key in ("title", "url", "publisher"):
        if key in data:
            data[key] = str(data[key]).strip() or None
    try:
        return SourceMeta(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise MetadataError(where, f"invalid {field}: {first['msg']}") from exc


def split_front_matter(text: str, where: str) -> tuple[dict[str, object], str]:
    """Split YAML front matter (between ``---`` lines at the very top) from a Markdown body.

    Returns:
        ``(fields, body)``; ``fields`` is empty when there is no front matter.

    Raises:
        MetadataError: the front matter is not closed or not a YAML mapping.
    """
    stripped = text.lstrip("\ufeff")
    if not stripped.startswith("---"):
        return {}, text
    lines = stripped.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            try:
                fields = yaml.safe_load("\n".join(lines[1:i])) or {}
            except yaml.YAMLError as exc:
                raise MetadataError(where, f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
            except ValueError as exc:  # YAML's own date parsing: "2025-02-30"
                raise MetadataError(where, f"front matter has an impossible date or time ({exc})") from exc
            if not isinstance(fields, dict):
                raise MetadataError(where, "front matter must be a mapping of keys to values")
            return {str(k): v for k, v in fields.items()}, "\n".join(lines[i + 1:])
    raise MetadataError(where, "front matter opened with '---' is never closed")


def load_txt(path: Path) -> LoadedDocument:
    return LoadedDocument(normalize(_read_text(path)), SourceMeta(), str(path.resolve()))


def load_markdown(path: Path) -> LoadedDocument:
    fields, body = split_front_matter(_read_text(path), str(path))
    return LoadedDocument(normalize(body), make_meta(fields, str(path)), str(path.resolve()))


def load_html(path: Path) -> LoadedDocument:
    return html_document(_read_text(path), str(path), str(path.resolve()))


def html_document(html: str, where: str, locator: str) -> LoadedDocument:
    """Extract the main text and metadata from an HTML page with trafilatura.

    Raises:
        EmptySourceError: trafilatura finds no main text.
    """
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    text = normalize(getattr(doc, "text", None) or "") if doc is not None else ""
    if not text:
        raise EmptySourceError(where, "no main text found in the HTML page")
    fields: dict[str, object] = {
        "title": getattr(doc, "title", None),
        "url": getattr(doc, "url", None),
        "publisher": getattr(doc, "sitename", None),
    }
    try:
        fields["date"] = parse_date(getattr(doc, "date", None), where)
    except MetadataError:
        fields["date"] = None
    return LoadedDocument(text, make_meta(fields, where), locator)


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
        SourceError: unreadable or not UTF-8.
        EmptySourceError: no text once normalised.
        MetadataError: invalid front matter.
    """
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedFormatError(
            str(path), f"unsupported file type {path.suffix or '(none)'!r}; "
                       f"supported: {', '.join(sorted(LOADERS))}")
    doc = loader(path)
    if not doc.text:
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
