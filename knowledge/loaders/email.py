"""``.eml``: an e-mail message (RFC 5322 with MIME), read with the standard :mod:`email` package
(``policy.default``).

- **Metadata**: ``Subject`` → title, ``From`` → publisher (the sender's display name, else the
  address; its address and domain are kept in :attr:`LoadedDocument.publisher_names`, so that
  :func:`knowledge.loaders.common.adopt_organization` makes the publisher the organisation when the
  name or the domain matches one given in metadata), ``Date`` → date (the sender's own calendar
  date, through :func:`email.utils.parsedate_to_datetime`; an unparseable date is no date). Encoded
  words (RFC 2047, ``=?utf-8?q?...?=``) in headers are decoded by the policy. Kind ``notice``: an
  e-mail is what an organisation sends its customers (metadata given by the caller wins).
- **Body**: the ``text/plain`` part when it holds text, else the ``text/html`` part converted by
  the HTML loader (:func:`knowledge.loaders.html.html_document`: trafilatura, blocks kept), chosen by
  :meth:`email.message.EmailMessage.get_body`. The transfer encoding (quoted-printable with its soft
  line breaks ``=`` + newline, base64) is undone by the package; ``format=flowed`` (RFC 3676) lines
  are re-joined.
- **Charsets**: the part's declared charset (UTF-8, ISO-8859-1, Windows-1252, any codec Python
  knows). As in browsers, ISO-8859-1 and US-ASCII are read as Windows-1252, their superset. A label
  Python does not know, or bytes that do not decode in the declared charset, fall back to UTF-8 and
  then Windows-1252 (a warning is logged): a mislabelled mail is still read, never refused.
- **Attachments** (parts with a file name or ``Content-Disposition: attachment``, and attached
  messages) are listed in :attr:`LoadedDocument.attachments` as ``name (type)``; their content is
  never indexed.

Errors: a binary file under the ``.eml`` name, a file with none of the ``From``, ``Date`` and
``Subject`` headers (not an e-mail), and a message without a text or HTML body raise
:class:`~knowledge.errors.SourceError` (:class:`~knowledge.errors.EmptySourceError` for no body).
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import cast

from knowledge.errors import EmptySourceError, SourceError
from knowledge.loaders.common import (
    LoadedDocument,
    TextBlock,
    looks_binary,
    make_meta,
    read_bytes,
    refuse_binary,
    refuse_control_text,
)
from knowledge.text import fold, normalize

log = logging.getLogger(__name__)

#: Charset labels read as another codec: Windows-1252 is the superset mail programs really send
#: under these labels (WHATWG Encoding Standard, "windows-1252" labels).
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
                    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}
_HEADERS = ("from", "date", "subject")


def load_eml(path: Path) -> LoadedDocument:
    return email_document(read_bytes(path), str(path.resolve()), where=str(path))


def email_document(data: bytes, locator: str, *, where: str | None = None) -> LoadedDocument:
    """Read an e-mail message (see the module docstring).

    Args:
        data: the raw message, as saved in a ``.eml`` file.
        locator: the document's locator (a path, an ``upload:`` name or a URL).
        where: how errors name the document (the path as given); ``locator`` when None.

    Returns:
        The body's normalised text (with the HTML loader's blocks when the body is HTML); meta with
        title, publisher, date and kind ``notice``; ``publisher_names`` (sender address, domain);
        ``attachments``.

    Raises:
        SourceError: binary data or not an e-mail message.
        EmptySourceError: no text or HTML body, or a body without text.
    """
    where = where or locator
    refuse_binary(data, where)
    if looks_binary(data):
        raise SourceError(where, "looks like a binary file, not an e-mail message")
    msg = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(data))
    if not any(_header(msg, name) for name in _HEADERS):
        raise SourceError(where, "not an e-mail message: it has no From, Date or Subject header")
    body = msg.get_body(preferencelist=("plain", "html"))
    raw = _part_text(body, where) if body is not None else None  # decoded once (and warned about once)
    if body is not None and body.get_content_type() == "text/plain" and not fold(raw or ""):
        html = msg.get_body(preferencelist=("html",))  # an empty plain part beside the HTML one
        body, raw = (html, None) if html is not None else (body, raw)
    if body is None:
        raise EmptySourceError(where, "the e-mail has no text or HTML body")
    text, blocks = _body_text(body, where, locator, raw)
    if not fold(text):
        raise EmptySourceError(where, "the e-mail's body is empty")
    publisher, names = _sender(msg)
    fields: dict[str, object] = {"title": _header(msg, "subject"), "publisher": publisher,
                                 "date": _date(msg), "kind": "notice"}
    return LoadedDocument(text, make_meta(fields, where), locator, blocks, publisher_names=names,
                          attachments=tuple(_attachments(msg, body)))


def _header(msg: Message, name: str) -> str | None:
    """A header's decoded value, whitespace tidied; None when absent, blank or unreadable."""
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header the policy cannot parse is no header
        log.debug("unreadable %s header", name, exc_info=True)
        return None
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _date(msg: Message) -> dt.date | None:
    value = _header(msg, "date")
    if value is None:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        log.info("e-mail date %r is not an RFC 5322 date; no date", value)
        return None


def _sender(msg: Message) -> tuple[str | None, tuple[str, ...]]:
    """``(publisher, other names)``: the display name (else the address), and the address and domain."""
    try:
        header = msg.get("from")
        addresses = getattr(header, "addresses", ()) if header is not None else ()
    except Exception:  # noqa: BLE001 - a malformed From is no sender
        log.debug("unreadable From header", exc_info=True)
        return _header(msg, "from"), ()
    if not addresses:
        return _header(msg, "from"), ()
    first = addresses[0]
    name = " ".join((first.display_name or "").split()) or None
    address = first.addr_spec if first.username else ""
    names = tuple(n for n in (address, first.domain) if n)
    return name or address or None, names


# --- body ----------------------------------------------------------------------------------------

def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip('"').lower()
    try:
        return codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
    except LookupError:
        return None


def decode_part(payload: bytes, charset: str | None, where: str) -> str:
    """Decode a text part's bytes: its declared charset, else UTF-8, else Windows-1252 (never fails)."""
    declared = _codec(charset)
    if charset and declared is None:
        log.warning("%s: unknown charset %r; reading the body as UTF-8 or Windows-1252", where, charset)
    order = ["utf-8", declared] if declared in (None, "cp1252") and charset in (None, "us-ascii", "ascii") \
        else [declared, "utf-8"]
    for codec in dict.fromkeys(c for c in order if c):
        try:
            return payload.decode(codec)
        except UnicodeDecodeError:
            if codec == declared:
                log.warning("%s: the body is not %s as declared; reading it as UTF-8 or Windows-1252",
                            where, charset)
    return payload.decode("cp1252", errors="replace")


def _part_text(part: Message, where: str) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_part(payload, part.get_content_charset(), where)


_FLOWED_STUFFING = re.compile(r"^ ", re.MULTILINE)


def unflow(text: str, delsp: bool = False) -> str:
    """Re-join ``format=flowed`` lines (RFC 3676): a line ending in a space continues on the next
    (the space dropped with ``delsp=yes``); the signature separator ``-- `` is not flowed."""
    text = _FLOWED_STUFFING.sub("", text.replace("\r\n", "\n"))
    out: list[str] = []
    for line in text.split("\n"):
        if out and out[-1].endswith(" ") and out[-1] != "-- ":
            out[-1] = (out[-1][:-1] if delsp else out[-1]) + line
        else:
            out.append(line)
    return "\n".join(out)


def _body_text(body: Message, where: str, locator: str, raw: str | None = None) -> tuple[str, tuple[TextBlock, ...]]:
    raw = _part_text(body, where) if raw is None else raw
    refuse_control_text(raw, where)
    if body.get_content_type() == "text/html":
        from knowledge.loaders.html import html_document

        doc = html_document(raw, where, locator)
        return doc.text, doc.blocks
    if (body.get_param("format") or "").lower() == "flowed":
        raw = unflow(raw, (body.get_param("delsp") or "").lower() == "yes")
    return normalize(raw), ()


def _attachments(msg: Message, body: Message) -> list[str]:
    """``name (type)`` of every attachment and attached message, in order."""
    out: list[str] = []
    for part in msg.walk():
        if part is msg or part is body or part.is_multipart() and part.get_content_type() != "message/rfc822":
            continue
        name = part.get_filename()
        disposition = part.get_content_disposition()
        kind = part.get_content_type()
        if name or disposition == "attachment" or kind == "message/rfc822":
            out.append(f"{' '.join((name or 'unnamed').split())} ({kind})")
    return out


__all__ = ["decode_part", "email_document", "load_eml", "unflow"]
