"""Every Discord limit the bot respects, and the one function that makes a reply fit them.

Sources (Discord's developer documentation):

- embeds: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
  (title 256, description 4096, 25 fields, field name 256, field value 1024, footer text 2048,
  author name 256; 6000 characters across every embed of one message);
- messages: https://discord.com/developers/docs/resources/message#create-message (content 2000
  characters, at most 10 embeds);
- components: https://discord.com/developers/docs/components/reference (5 action rows, 5 buttons
  per row, button label 80, custom id 100, select options 25, select option label/value/description
  100; text input label 45, value 4000; modal title 45);
- application commands: https://discord.com/developers/docs/interactions/application-commands
  (name 32, description 100, option description 100, 25 options and autocomplete choices, choice
  name and value 100, string option 1-6000 characters);
- interactions: https://discord.com/developers/docs/interactions/receiving-and-responding (an
  interaction must be answered within 3 seconds; its token is valid for 15 minutes).

Length is counted in UTF-16 code units (:func:`discord_len`), which is what Discord's clients count
and never less than Python's count of code points, so a text that fits here fits whichever way the
API counts (an emoji outside the Basic Multilingual Plane counts 2).

:func:`fit_messages` is the one place that cuts: it takes any list of embeds and optional content
and returns messages that keep every limit. A cut text ends in "…"; a cut never splits a Markdown
escape (``\\*``), a character from its combining marks, or a zero-width-joined emoji sequence, so
what is shown is a verbatim prefix of what was given, then "…".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

# embeds
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_PER_EMBED = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBEDS_PER_MESSAGE = 10
TOTAL_CHARS_MAX = 6000
# messages
CONTENT_MAX = 2000
# components and modals
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_MAX = 100
MODAL_TITLE_MAX = 45
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
# application commands
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
OPTION_DESCRIPTION_MAX = 100
CHOICES_MAX = 25
CHOICE_MAX = 100
STRING_OPTION_MAX = 6000
# interactions
RESPOND_WITHIN_S = 3.0
TOKEN_VALID_S = 15 * 60

ELLIPSIS = "…"
#: A field name or value may not be empty; this shows as nothing.
BLANK = "\u200b"
#: Characters a cut must not separate from the character before them.
_JOINERS = frozenset("\u200d\ufe0e\ufe0f\u20e3")


def discord_len(text: str) -> int:
    """Length as Discord's clients count it: UTF-16 code units (see the module docstring)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _binds_to_previous(char: str) -> bool:
    return char in _JOINERS or unicodedata.combining(char) != 0 or unicodedata.category(char) in ("Mn", "Me")


def _safe_cut(text: str, cut: int) -> int:
    """``cut`` moved back so that ``text[:cut]`` splits no escape, combining sequence or emoji sequence."""
    while 0 < cut < len(text) and (_binds_to_previous(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    return cut


def _no_open_escape(prefix: str) -> str:
    """``prefix`` without a last backslash that would escape what follows it (the ellipsis)."""
    prefix = prefix.rstrip(" \n")
    while (len(prefix) - len(prefix.rstrip("\\"))) % 2:
        prefix = prefix[:-1].rstrip(" \n")
    return prefix


def cut(text: str, limit: int) -> str:
    """``text`` when it fits in ``limit`` (:func:`discord_len`), else its longest safe prefix that
    fits with "…" after it; a cut prefers a line break or a space in the last fifth of the room."""
    if discord_len(text) <= limit:
        return text
    if limit < 1:
        return ""
    room = limit - len(ELLIPSIS)
    end = 0
    used = 0
    for index, char in enumerate(text):  # longest prefix within ``room`` code units
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            break
        end = index + 1
    end = _safe_cut(text, end)
    floor = end - max(1, end // 5)
    for mark in ("\n", " "):
        at = text.rfind(mark, 0, end)
        if at > 0 and at >= floor:
            end = _safe_cut(text, at)
            break
    return _no_open_escape(text[:end]) + ELLIPSIS


@dataclass
class Message:
    """One message to send: ``content`` (at most 2000) and ``embeds`` (at most 10, 6000 in total)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)


def _embed_len(data: dict[str, Any]) -> int:
    total = discord_len(data.get("title", "")) + discord_len(data.get("description", ""))
    total += sum(discord_len(f["name"]) + discord_len(f["value"]) for f in data.get("fields", []))
    total += discord_len(data.get("footer", {}).get("text", ""))
    total += discord_len(data.get("author", {}).get("name", ""))
    return total


def _fit_parts(data: dict[str, Any]) -> dict[str, Any]:
    """One embed's own texts cut to their limits (fields are handled by :func:`_split_fields`)."""
    data = dict(data)
    for key, limit in (("title", TITLE_MAX), ("description", DESCRIPTION_MAX)):
        if data.get(key):
            data[key] = cut(str(data[key]), limit)
        else:
            data.pop(key, None)
    for key, limit in (("footer", FOOTER_MAX), ("author", AUTHOR_MAX)):
        part = dict(data.get(key) or {})
        text_key = "text" if key == "footer" else "name"
        if part.get(text_key):
            part[text_key] = cut(str(part[text_key]), limit)
            data[key] = part
        else:
            data.pop(key, None)
    fields = []
    for f in data.get("fields", []):
        name = cut(str(f.get("name") or ""), FIELD_NAME_MAX) or BLANK
        value = cut(str(f.get("value") or ""), FIELD_VALUE_MAX) or BLANK
        fields.append({"name": name, "value": value, "inline": bool(f.get("inline", False))})
    data["fields"] = fields
    # a head (title, description, footer, author) over 6000 by itself: the description gives way
    head = _embed_len({**data, "fields": []})
    if head > TOTAL_CHARS_MAX and data.get("description"):
        room = discord_len(data["description"]) - (head - TOTAL_CHARS_MAX)
        data["description"] = cut(data["description"], max(room, 1))
    return data


def _split_fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The embed, and as many continuation embeds (same colour) as its fields need, each within 25
    fields and 6000 characters. The footer goes on the last one."""
    fields = data.get("fields", [])
    footer = data.pop("footer", None)
    first = {**data, "fields": []}
    pieces = [first]
    budget = TOTAL_CHARS_MAX - _embed_len(first) - (discord_len(footer["text"]) if footer else 0)
    for f in fields:
        size = discord_len(f["name"]) + discord_len(f["value"])
        current = pieces[-1]
        if len(current["fields"]) >= FIELDS_PER_EMBED or size > budget:
            current = {"type": "rich", "fields": []}
            if "color" in data:
                current["color"] = data["color"]
            pieces.append(current)
            budget = TOTAL_CHARS_MAX - (discord_len(footer["text"]) if footer else 0)
        current["fields"].append(f)
        budget -= size
    if footer:
        pieces[-1]["footer"] = footer
    return pieces


def _content_pieces(content: str) -> list[str]:
    """Content cut into pieces of at most 2000, at line breaks where possible; nothing is lost."""
    pieces: list[str] = []
    rest = content
    while discord_len(rest) > CONTENT_MAX:
        head = cut(rest, CONTENT_MAX + len(ELLIPSIS))[: -len(ELLIPSIS)]  # a safe prefix, no ellipsis
        if not head.strip():
            head = rest[: CONTENT_MAX // 2]
        pieces.append(head.rstrip(" \n") or head)
        rest = rest[len(head):].lstrip(" \n")
    if rest.strip():
        pieces.append(rest)
    return pieces


def fit_messages(embeds: Sequence[discord.Embed], content: str | None = None) -> list[Message]:
    """Make any reply fit Discord's limits, as one or more messages, dropping nothing but what a
    single text over its own limit loses to "…".

    Every title, description, field name and value, footer and author name is cut to its limit; an
    empty field name or value becomes a zero-width space; an embed with more than 25 fields, or over
    6000 characters, continues in further embeds; embeds are packed in order, at most 10 and 6000
    characters per message; content over 2000 characters is split at line breaks into messages of
    its own before the embeds.

    Args:
        embeds: the embeds, unchanged (copies are made).
        content: plain text to send with them.

    Returns:
        At least one message; every message has content (not only whitespace) or an embed.

    Raises:
        ValueError: there is nothing to send (no embed, and no content but whitespace).
    """
    if content is not None and not content.strip():
        content = None
    if not embeds and content is None:
        raise ValueError("nothing to send: no embeds and no content")
    parts: list[dict[str, Any]] = []
    for embed in embeds:
        parts += _split_fields(_fit_parts(embed.to_dict()))  # type: ignore[arg-type]
    messages: list[Message] = []
    if content:
        messages += [Message(content=piece) for piece in _content_pieces(content)]
    current = messages[-1] if messages else Message()
    if not messages:
        messages.append(current)
    total = sum(_embed_len(e.to_dict()) for e in current.embeds)  # type: ignore[arg-type]
    for data in parts:
        size = _embed_len(data)
        if len(current.embeds) >= EMBEDS_PER_MESSAGE or (current.embeds and total + size > TOTAL_CHARS_MAX):
            current = Message()
            messages.append(current)
            total = 0
        current.embeds.append(discord.Embed.from_dict(data))
        total += size
    return messages


def fit_embeds(embeds: Sequence[discord.Embed]) -> list[discord.Embed]:
    """The embeds of the first message :func:`fit_messages` makes: for a reply that must be one
    message (a page of an answer), whatever does not fit in it is left out."""
    return fit_messages(embeds)[0].embeds
