"""Text for Discord: escaping so words show verbatim, cutting with "…", dates, and citing a source.

Pure functions used by :mod:`bot.render` (answers) and :mod:`bot.render_catalog` (the catalogue).
Mention syntax (``<@id>``, ``<#id>``) is escaped so it shows as text; every send also uses
``AllowedMentions.none()``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from knowledge.records import SourceRef

LABEL_MAX = 100
PUBLISHER_MAX = 60
URL_MAX = 512
ERROR_LINE_MAX = 300
ELLIPSIS = "…"

#: ``<`` that would start a user, role, channel, emoji, timestamp, command or guild-navigation
#: (``<id:customize>``) mention.
_MENTION_START = re.compile(r"<(?=@|#|/|a?:\w|t:\d|id:)")
_WHITESPACE = re.compile(r"\s+")
#: A URL as Discord links it (``discord.utils._URL_REGEX``): left as it stands, since a backslash
#: inside it would change the link.
_URL = r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]"
#: What Discord reads as markdown: a URL (kept), a character that marks text anywhere, or a line
#: that starts a block quote, heading, subtext or list item ("1. " is left: it shows as typed).
_MARKDOWN = re.compile(rf"(?P<url>{_URL})|(?P<char>[\\*_~|`\[])|^(?P<indent>[ \t]*)(?P<line>[>#-])",
                       re.MULTILINE)
#: A bare URL in our own lines, which Discord would unfurl into a link preview.
_BARE_URL = re.compile(r"(?<![<\w])(?:https?)://[^\s<>]+[^<>.,:;\"'\]\s]")


def _escape_markdown(match: re.Match[str]) -> str:
    if match["url"]:
        return match["url"]
    if match["char"]:
        return "\\" + match["char"]
    return f"{match['indent']}\\{match['line']}"


def escape(raw: str) -> str:
    """Escape ``raw`` so Discord shows it verbatim: markdown characters and mention syntax.

    Every markdown character is escaped on its own; ``discord.utils.escape_markdown`` escaped only
    the ``[`` of a span ``[a](b) **x** (c)`` and left the markdown inside it live.
    """
    return _MENTION_START.sub(r"\\<", _MARKDOWN.sub(_escape_markdown, raw))


def _escape_label(raw: str) -> str:
    """Escape text used as the label of a masked link, where a ``]`` would end the label."""
    return escape(raw).replace("]", "\\]")


def fit(raw: str, limit: int, *, escaper: Callable[[str], str] = escape) -> str:
    """Escape ``raw`` and cut it to at most ``limit`` characters, ending in an ellipsis when cut.

    The cut is made in the raw text before escaping, so an escape sequence is never split; it
    prefers a word boundary within the last 30 characters.
    """
    text = escaper(raw)
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = min(len(raw), limit - len(ELLIPSIS))
    while cut > 0:
        piece = raw[:cut]
        space = piece.rfind(" ", max(0, cut - 30))
        if space > 0:
            piece = piece[:space]
        candidate = escaper(piece.rstrip()) + ELLIPSIS
        if len(candidate) <= limit:
            return candidate
        cut = min(len(piece), cut) - max(1, len(candidate) - limit)
    return ELLIPSIS


def _plain_cut(text: str, limit: int) -> str:
    """Cut text that needs no escaping (our own words) to ``limit`` characters."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


#: The knowledge base's errors tell a terminal user what to run; in Discord the same advice is a
#: slash command (``'disclosure-bot sources'`` → ``/sources``). Longest first.
SLASH_FOR_CLI: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"'disclosure-bot {cli}(?: [^']*)?'"), slash) for cli, slash in (
        ("feeds list", "/feeds list"), ("feeds add", "/feeds add"), ("sources", "/sources"),
        ("forget", "/forget"), ("ingest", "/ingest"),
    ))


def error_line(message: str) -> str:
    """One short line, safe to show in Discord, from an error message meant for users; a URL in it
    is put in ``<…>``, which Discord shows as a link without a preview, and a command-line hint
    becomes the slash command that does the same (see :data:`SLASH_FOR_CLI`)."""
    for pattern, slash in SLASH_FOR_CLI:
        message = pattern.sub(slash, message)
    collapsed = _WHITESPACE.sub(" ", message).strip() or "Something went wrong."
    return _BARE_URL.sub(r"<\g<0>>", fit(collapsed, ERROR_LINE_MAX))  # <url>: no link preview


def format_date(date: dt.date) -> str:
    """``3 Mar 2025``: unambiguous in every locale."""
    return f"{date.day} {date:%b %Y}"


def _safe_url(url: str | None) -> str | None:
    """The URL made safe inside ``[label](url)``, or None when it is missing, odd or too long."""
    if not url or not url.startswith(("https://", "http://")) or len(url) > URL_MAX:
        return None
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)
    return url


def _link(source: SourceRef, label_max: int = LABEL_MAX, *, url: bool = True) -> str:
    label = fit(source.title or "untitled source", label_max, escaper=_escape_label)
    safe = _safe_url(source.url) if url else None
    return f"[{label}]({safe})" if safe else label


def _details(source: SourceRef, publisher_max: int = PUBLISHER_MAX) -> str:
    parts = []
    if source.publisher and publisher_max:
        parts.append(fit(source.publisher, publisher_max))
    if source.date:
        parts.append(format_date(source.date))
    if source.gone:  # its URL answers 404/410 now: the words stand, the link no longer does
        parts.append("gone")
    return ", ".join(parts)


def _citation(source: SourceRef, label_max: int = LABEL_MAX, publisher_max: int = PUBLISHER_MAX,
              *, url: bool = True) -> str:
    """``[title](url) (Publisher, 3 Mar 2025)``."""
    details = _details(source, publisher_max)
    link = _link(source, label_max, url=url)
    return f"{link} ({details})" if details else link



def source_line(source: SourceRef, *, with_id: bool = False) -> str:
    """``• [title](url) — Publisher, 3 Mar 2025, gone · kind · retrieved 30 Nov 2026`` (``gone`` when its URL
    answers 404/410; ``retrieved`` for a fetched source; then `` · `src_…` `` with ``with_id``)."""
    details = _details(source)
    ident = f" · `{source.id}`" if with_id and "`" not in source.id else ""
    retrieved = f" · retrieved {format_date(source.retrieved_at.date())}" if source.retrieved_at else ""
    return f"• {_link(source)} — {details + ' · ' if details else ''}{source.kind}{retrieved}{ident}"
