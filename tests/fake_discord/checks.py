"""What Discord refuses in a message body, checked the way its API does (400, code 50035).

Limits from https://discord.com/developers/docs/resources/message#embed-object-embed-limits and
https://discord.com/developers/docs/resources/message#create-message (content 2000 characters,
10 embeds), https://discord.com/developers/docs/components/reference (5 action rows of at most 5
buttons; custom_id 1-100 characters; button label 80) and
https://discord.com/developers/docs/interactions/receiving-and-responding (25 autocomplete choices,
each name and value 1-100 characters). Lengths are counted in characters (code points).
"""

from __future__ import annotations

from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX, DESCRIPTION_MAX, FIELDS_MAX = 256, 4096, 25
FIELD_NAME_MAX, FIELD_VALUE_MAX, FOOTER_MAX, AUTHOR_MAX = 256, 1024, 2048, 256
ROWS_MAX, ROW_ITEMS_MAX, CUSTOM_ID_MAX, LABEL_MAX = 5, 5, 100, 80
CHOICES_MAX, CHOICE_MAX = 25, 100


def embed_length(embed: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6000 of one message: title, description, field names
    and values, footer text and author name."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in embed.get("fields") or [])
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def _embed_problems(index: int, embed: dict[str, Any]) -> list[str]:
    where = f"embeds[{index}]"
    found = []
    for key, limit in (("title", TITLE_MAX), ("description", DESCRIPTION_MAX)):
        if len(embed.get(key) or "") > limit:
            found.append(f"{where}.{key} longer than {limit}")
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_MAX:
        found.append(f"{where} has {len(fields)} fields (max {FIELDS_MAX})")
    for n, field in enumerate(fields):
        name, value = field.get("name") or "", field.get("value") or ""
        if not name.strip() or not value.strip():
            found.append(f"{where}.fields[{n}] has an empty name or value")
        if len(name) > FIELD_NAME_MAX or len(value) > FIELD_VALUE_MAX:
            found.append(f"{where}.fields[{n}] too long")
    if len((embed.get("footer") or {}).get("text") or "") > FOOTER_MAX:
        found.append(f"{where}.footer.text longer than {FOOTER_MAX}")
    if len((embed.get("author") or {}).get("name") or "") > AUTHOR_MAX:
        found.append(f"{where}.author.name longer than {AUTHOR_MAX}")
    return found


def _component_problems(rows: list[dict[str, Any]]) -> list[str]:
    found = []
    if len(rows) > ROWS_MAX:
        found.append(f"{len(rows)} action rows (max {ROWS_MAX})")
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") == 1 and not 1 <= len(items) <= ROW_ITEMS_MAX:
            found.append(f"components[{r}] has {len(items)} items")
        for item in items:
            custom_id = item.get("custom_id")
            if custom_id is not None and not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
                found.append(f"components[{r}] custom_id length {len(custom_id)}")
            if len(item.get("label") or "") > LABEL_MAX:
                found.append(f"components[{r}] label longer than {LABEL_MAX}")
    return found


def message_problems(body: dict[str, Any]) -> list[str]:
    """Why Discord would refuse ``body`` as a message (create or edit); empty when it is accepted."""
    found = []
    if len(body.get("content") or "") > CONTENT_MAX:
        found.append(f"content longer than {CONTENT_MAX}")
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        found.append(f"{len(embeds)} embeds (max {EMBEDS_MAX})")
    for index, embed in enumerate(embeds):
        found += _embed_problems(index, embed)
    total = sum(embed_length(e) for e in embeds)
    if total > EMBED_TOTAL_MAX:
        found.append(f"embeds total {total} characters (max {EMBED_TOTAL_MAX})")
    found += _component_problems(body.get("components") or [])
    return found


def choices_problems(body: dict[str, Any]) -> list[str]:
    """Why Discord would refuse an autocomplete result (callback type 8)."""
    choices = body.get("choices") or []
    found = [f"{len(choices)} choices (max {CHOICES_MAX})"] if len(choices) > CHOICES_MAX else []
    for n, choice in enumerate(choices):
        for key in ("name", "value"):
            value = str(choice.get(key, ""))
            if not 1 <= len(value) <= CHOICE_MAX:
                found.append(f"choices[{n}].{key} length {len(value)}")
    return found
