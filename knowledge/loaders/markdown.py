"""``.md`` / ``.markdown``: UTF-8 Markdown with optional YAML front matter between two ``---`` lines."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.errors import MetadataError
from knowledge.loaders.common import LoadedDocument, decode_text, make_meta, read_bytes
from knowledge.text import normalize


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


def load_markdown(path: Path) -> LoadedDocument:
    text = decode_text(read_bytes(path), str(path))
    fields, body = split_front_matter(text, str(path))
    return LoadedDocument(normalize(body), make_meta(fields, str(path)), str(path.resolve()))


def markdown_document(data: bytes, locator: str) -> LoadedDocument:
    """``.md`` bytes (an upload or a download); errors name ``locator``."""
    fields, body = split_front_matter(decode_text(data, locator), locator)
    return LoadedDocument(normalize(body), make_meta(fields, locator), locator)
