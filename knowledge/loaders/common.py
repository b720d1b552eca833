"""What every loader shares: the loaded document, reading bytes, refusing what is not text, and
validating metadata."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from knowledge.errors import MetadataError, SourceError
from knowledge.records import SourceMeta
from knowledge.text import control_characters

FRONT_MATTER_KEYS = frozenset({"title", "url", "publisher", "date", "kind", "organizations"})

#: Values that mean "no value" when a list item or a field holds them as text (YAML's and Python's
#: spellings of null): they are dropped, so no metadata value is ever the string "None".
NULL_WORDS = frozenset({"", "~", "none", "null", "nil"})

#: A file whose control characters (other than tab, newline, carriage return, form feed) are more
#: than this share of its non-space characters is not text.
MAX_CONTROL_SHARE = 0.30

BlockKind = Literal["heading", "paragraph", "blockquote", "list", "table", "code"]


@dataclass(frozen=True)
class TextBlock:
    """One block of a loaded document's text: ``text[start:end]`` is the whole block.

    Attributes:
        kind: ``heading``, ``paragraph``, ``blockquote`` (an HTML ``<blockquote>``: its paragraphs,
            and nothing after the element), ``list``, ``table`` or ``code``.
        start, end: character offsets into :attr:`LoadedDocument.text`.
    """

    kind: BlockKind
    start: int
    end: int


@dataclass(frozen=True)
class LoadedDocument:
    """A file's normalised text, the metadata found in it, and where it came from.

    Attributes:
        text: the normalised text (see :func:`knowledge.text.normalize`), what every offset refers to.
        meta: metadata found in the file.
        locator: the absolute path (or the URL given by the caller).
        blocks: the document's blocks in order, with offsets into ``text``, when the format marks
            them (HTML); empty for plain text and Markdown. Blocks are separated by a blank line.
        pages: for a paged format (PDF), the offset in ``text`` where each page starts, in page
            order (page 1 starts at 0; a page without text starts where the next text starts);
            empty for formats without pages. See :func:`knowledge.records.page_at`.
        publisher_names: other names the publisher goes by besides ``meta.publisher`` (an e-mail's
            sender address and its domain), for :func:`adopt_organization`.
        attachments: what the document carries but is not indexed (an e-mail's attachments, as
            ``name (content type)``), for the record.
    """

    text: str
    meta: SourceMeta
    locator: str
    blocks: tuple[TextBlock, ...] = field(default=())
    pages: tuple[int, ...] = field(default=())
    publisher_names: tuple[str, ...] = field(default=())
    attachments: tuple[str, ...] = field(default=())

    def blockquotes(self) -> list[tuple[int, int]]:
        """Spans ``(start, end)`` of the ``<blockquote>`` elements, in order."""
        return [(b.start, b.end) for b in self.blocks if b.kind == "blockquote"]


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(str(path), f"cannot read file ({exc.strerror or exc})") from exc


# magic numbers of the binary formats most often saved under a text name
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.odt/.epub document)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "an executable"),
    (b"{\\rtf", "an RTF document"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def binary_kind(raw: bytes) -> str | None:
    """What binary format ``raw`` starts with (``"a PDF document"``), or None."""
    for magic, name in _MAGIC:
        if raw.startswith(magic):
            return name
    if raw[4:8] == b"ftyp":
        return "a video or audio file"
    if raw.startswith(b"RIFF") and raw[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return "an image, audio or video file"
    return None


def decode_bom(raw: bytes) -> str | None:
    """Decode ``raw`` by its byte-order mark (UTF-8, UTF-16 or UTF-32), or None without one.

    Raises:
        UnicodeDecodeError: the bytes after the mark do not decode.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding)
    return None


def looks_binary(raw: bytes) -> bool:
    """True when the first 8 KB hold a NUL byte or more than 30 % control bytes."""
    sample = raw[:8192]
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D))
    return b"\x00" in sample or controls > len(sample) * MAX_CONTROL_SHARE


def refuse_binary(raw: bytes, where: str) -> None:
    """Raise when ``raw`` starts like a known binary format.

    Raises:
        SourceError: ``"is a PDF document, not text"`` and the like.
    """
    kind = binary_kind(raw)
    if kind is not None:
        hint = "give it a .pdf name to read its text layer" if kind == "a PDF document" else \
            "convert it to .txt, .md or .html first"
        raise SourceError(where, f"is {kind}, not text; {hint}")


def decode_text(raw: bytes, where: str) -> str:
    """Decode a ``.txt`` or ``.md`` file: UTF-8 (a byte-order mark is dropped; UTF-16 and UTF-32 are
    read when they carry one), refusing binary files and text that is mostly control characters.

    Raises:
        SourceError: a binary file, or not UTF-8.
    """
    refuse_binary(raw, where)
    try:
        text = decode_bom(raw)
        if text is None:
            text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if looks_binary(raw):
            raise SourceError(where, "looks like a binary file, not text") from exc
        raise SourceError(where, f"not UTF-8 text (byte {exc.start})") from exc
    refuse_control_text(text, where)
    return text


def refuse_control_text(text: str, where: str) -> None:
    """Refuse text whose control characters are more than 30 % of its non-space characters.

    A few stray control characters are fine: :func:`knowledge.text.normalize` removes them.

    Raises:
        SourceError: mostly control characters (for example a file of NUL bytes).
    """
    controls = control_characters(text)
    if not controls:
        return
    visible = sum(1 for ch in text if not ch.isspace())  # control characters 0x1c-0x1f count as space
    visible = max(visible, controls)
    if controls > visible * MAX_CONTROL_SHARE:
        raise SourceError(where, f"not text: {controls} of its {visible} characters are control "
                                 "characters (a binary file?)")


def parse_date(value: object, where: str) -> dt.date | None:
    """Parse an ISO 8601 date or date-time (``2025-03-04``, ``2025-03-04T10:00:00Z``) to a date.

    None, a blank string and null words (``null``, ``None``, ``~``) are no date.

    Raises:
        MetadataError: the value is not ISO 8601.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if text.lower() in NULL_WORDS:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise MetadataError(where, f"date {text!r} is not ISO 8601 (YYYY-MM-DD)") from exc


def _scalar(value: object, key: str, where: str) -> str | None:
    """A metadata text value, trimmed; None for null, blank or a null word."""
    if value is None:
        return None
    if isinstance(value, (dict, list, tuple, set)):
        raise MetadataError(where, f"invalid {key}: expected one value, got a {type(value).__name__}")
    text = str(value).strip()
    return None if text.lower() in NULL_WORDS else text


def clean_names(value: object, where: str, key: str = "organizations") -> list[str]:
    """A metadata list (or one name) as a list of trimmed names; nulls and blanks dropped, each name once.

    Raises:
        MetadataError: a mapping, or a list item that is itself a list or mapping.
    """
    if value is None:
        return []
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    names: list[str] = []
    for item in items:
        name = _scalar(item, key, where)
        if name is not None and name not in names:
            names.append(name)
    return names


def make_meta(fields: dict[str, object], where: str) -> SourceMeta:
    """Validate metadata fields (front matter or command-line overrides) into a :class:`SourceMeta`.

    Null values (``~``, ``null``, Python's None) and blank strings are unset, in lists too: an
    ``organizations: [Harborline Market, ~]`` is ``["Harborline Market"]``.

    Raises:
        MetadataError: an unknown key, a kind outside the five kinds, or a malformed value.
    """
    unknown = sorted(set(fields) - FRONT_MATTER_KEYS)
    if unknown:
        raise MetadataError(where, f"unknown metadata key(s) {', '.join(unknown)}; "
                                   f"allowed: {', '.join(sorted(FRONT_MATTER_KEYS))}")
    data: dict[str, object] = {}
    for key, value in fields.items():
        if key == "organizations":
            if isinstance(value, dict):
                raise MetadataError(where, "invalid organizations: expected a list of names")
            names = clean_names(value, where)
            if names:
                data[key] = names
        elif key == "date":
            date = parse_date(value, where)
            if date is not None:
                data[key] = date
        else:  # title, url, publisher, kind
            text = _scalar(value, key, where)
            if text is not None:
                data[key] = text
    try:
        return SourceMeta(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise MetadataError(where, f"invalid {loc}: {first['msg']}") from exc


def _compact(text: str) -> str:
    from knowledge.names import match_form

    return re.sub(r"[^0-9a-z]+", "", match_form(text))


def _words(text: str) -> str:
    from knowledge.names import match_form

    return " " + " ".join(re.findall(r"[0-9a-z]+", match_form(text))) + " "


def adopt_organization(doc: LoadedDocument, meta: SourceMeta, kind_given: bool = False) -> SourceMeta:
    """Make the publisher the organisation when the document's own publisher is that organisation
    under another name: an e-mail from "Harborline Market Support <help@harborline.example>" about
    ``organizations=["Harborline Market"]`` is published by "Harborline Market".

    The document's publisher (and :attr:`LoadedDocument.publisher_names`) match an organisation when
    one of its aliases (:func:`knowledge.attribution.organization_aliases`: the name, without a
    corporate suffix, its distinctive first word) appears as whole words in the display name, or
    equals a label of the sender's domain before its top-level domain, compared without case,
    accents and punctuation ("harborlinemarket.com" matches "Harborline Market"). A publisher the
    caller gave (``meta.publisher`` differs from the document's) is kept as given.

    An e-mail is a notice only when it comes from the organisation: one from anyone else (a reporter
    forwarding it, a customer) about ``meta.organizations`` becomes an ``article``, unless the caller
    gave the kind (``kind_given``).
    """
    own = doc.meta.publisher
    if own is None or meta.publisher != own or not meta.organizations:
        return meta
    adopted = _adopt(doc, meta, own)
    if (adopted is meta and doc.publisher_names and doc.meta.kind == "notice" and meta.kind == "notice"
            and not kind_given):
        return meta.model_copy(update={"kind": "article"})
    return adopted


def _adopt(doc: LoadedDocument, meta: SourceMeta, own: str) -> SourceMeta:
    from knowledge.attribution import organization_aliases

    shown = _words(own)
    labels: set[str] = set()
    for name in (own, *doc.publisher_names):
        domain = name.rsplit("@", 1)[-1] if "@" in name or ("." in name and " " not in name) else ""
        labels.update(_compact(label) for label in domain.split(".")[:-1] if label)
    for org in meta.organizations:
        for alias in organization_aliases(org):
            words, compact = _words(alias), _compact(alias)
            if len(compact) < 2:
                continue
            if words in shown or compact in labels:
                return meta.model_copy(update={"publisher": org})
    return meta
