"""Text for Discord: escaping so words show verbatim, cutting with "…", dates, and citing a source.

Pure functions used by :mod:`bot.render` (answers) and :mod:`bot.render_catalog` (the catalogue).
Mention syntax (``<@id>``, ``<#id>``) is escaped so it shows as text; every send also uses
``AllowedMentions.none()``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import discord

from knowledge.records import SourceRef

LABEL_MAX = 100
PUBLISHER_MAX = 60
URL_MAX = 512
ERROR_LINE_MAX = 300
ELLIPSIS = "…"

#: ``<`` that would start a user, role, channel, emoji, timestamp or command mention.
_MENTION_START = re.compile(r"<(?=@|#|/|a?:\w|t:\d)")
_WHITESPACE = re.compile(r"\s+")


def escape(raw: str) -> str:
    """Escape ``raw`` so Discord shows it verbatim: markdown characters and mention syntax."""
    return _MENTION_START.sub(r"\\<", discord.utils.escape_markdown(raw))


def _escape_label(raw: str) -> str:
    """Escape text used as the label of a masked link, where brackets would end the label."""
    return escape(raw).replace("[", "\\[").replace("]", "\\]")


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


def error_line(message: str) -> str:
    """One short line, safe to show in Discord, from an error message meant for users."""
    collapsed = _WHITESPACE.sub(" ", message).strip() or "Something went wrong."
    return fit(collapsed, ERROR_LINE_MAX)


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
