"""Embeds for what the index holds: source lists, one source, its text, the index's status, ingest
and forget results. Pure functions like :mod:`bot.render`; every list fits Discord's limits
(:mod:`bot.limits`), and text from sources is escaped (:func:`bot.render.fit`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import overload

import discord

from bot.limits import DESCRIPTION_MAX, cut
from bot.render import escape, fit, format_date, source_line
from knowledge.records import Attribution, IngestReport, Source, SourceRef

#: Sources per page of ``/sources``.
SOURCES_PER_PAGE = 10
#: Characters of a source's text per page of "Show text" (escaping may add some; a page is cut at 4096).
TEXT_PAGE_CHARS = 3000
#: Characters of one quote in ``/source``'s list of what was found.
FOUND_TEXT_MAX = 300
#: Characters of ``/source``'s list of what was found.
FOUND_LIST_MAX = 3000
#: Characters of one listed line: room for a whole link (label, URL up to 512, details), never cut mid-link.
LINE_MAX = 1000
COLOUR = discord.Colour.blurple()
FAILED_COLOUR = discord.Colour.red()


def _lines_embeds(title: str, lines: Sequence[str], *, empty: str, footer: str | None = None) -> list[discord.Embed]:
    """``lines`` under ``title`` in as many embeds as their descriptions need (each line cut to
    :data:`LINE_MAX`, never split between embeds)."""
    embeds: list[discord.Embed] = []
    body: list[str] = []
    size = 0
    for line in (cut(line, LINE_MAX) for line in lines):
        if body and size + 1 + len(line) > DESCRIPTION_MAX - 100:
            embeds.append(discord.Embed(description="\n".join(body), colour=COLOUR))
            body, size = [], 0
        body.append(line)
        size += len(line) + 1
    embeds.append(discord.Embed(description="\n".join(body) or empty, colour=COLOUR))
    embeds[0].title = cut(title, 256)
    if footer:
        embeds[-1].set_footer(text=footer)
    return embeds


def source_list(sources: Sequence[SourceRef], title: str) -> list[discord.Embed]:
    """Every source, one line each (link, publisher, date, kind), in as many embeds as needed."""
    return _lines_embeds(title, [source_line(s) for s in sources], empty="No sources.",
                         footer=f"{len(sources)} source{'s' * (len(sources) != 1)}")


def newest_first(sources: Iterable[Source]) -> list[Source]:
    """Newest first: by publication date (undated last), then by when they were indexed."""
    ordered = sorted(sources, key=lambda s: s.ingested_at, reverse=True)
    return sorted(ordered, key=lambda s: (s.date is None, -(s.date.toordinal() if s.date else 0)))


def sources_pages(sources: Sequence[SourceRef], filters: str = "") -> list[list[discord.Embed]]:
    """``/sources``: pages of :data:`SOURCES_PER_PAGE` sources with their ids (for ``/source``)."""
    title = "Indexed sources" + (f" ({filters})" if filters else "")
    if not sources:
        return [[discord.Embed(title=cut(title, 256), description="No indexed source matches.", colour=COLOUR)]]
    pages = []
    total = len(sources)
    for start in range(0, total, SOURCES_PER_PAGE):
        chunk = sources[start:start + SOURCES_PER_PAGE]
        lines = [source_line(s, with_id=True) for s in chunk]
        footer = f"{start + 1}–{start + len(chunk)} of {total} · newest first · /source <id> for one source"
        pages.append(_lines_embeds(title, lines, empty="—", footer=footer)[:1])
    return pages


def _found_line(a: Attribution) -> str:
    speaker = fit(a.speaker or "unnamed speaker", 80)
    role = f" ({fit(a.speaker_role, 30)})" if a.speaker_role not in ("person", "organization") else ""
    note = f" — {fit(a.context, 40)}" if a.context else ""
    words = fit(a.text, FOUND_TEXT_MAX)
    if a.kind == "quote":
        return f"• {speaker}{role}: “{words}”{note}"
    if a.kind == "reported":
        return f"• reported, {speaker}{role}: {words}{note}"
    topic = f" ({fit(a.topic, 30)})" if a.topic else ""
    return f"• not disclosed{topic}: {words}{note}"


def source_detail(source: Source, found: Sequence[Attribution]) -> list[discord.Embed]:
    """``/source``: title (linked), id, publisher, date, kind, organisations, when indexed, and what
    was found in it (quotes with their speakers, reported speech, non-disclosure), in text order."""
    embed = discord.Embed(title=fit(source.title or "untitled source", 256), colour=COLOUR)
    if source.url and source.url.startswith(("https://", "http://")) and len(source.url) <= 2000:
        embed.url = source.url
    embed.add_field(name="Id", value=f"`{source.id}`", inline=True)
    embed.add_field(name="Kind", value=source.kind, inline=True)
    embed.add_field(name="Date", value=format_date(source.date) if source.date else "not given", inline=True)
    if source.publisher:
        embed.add_field(name="Publisher", value=fit(source.publisher, 200), inline=True)
    if source.organizations:
        embed.add_field(name="Organisations", value=fit(", ".join(source.organizations), 1000), inline=False)
    if source.url:
        embed.add_field(name="Link", value=fit(source.url, 1000), inline=False)
    embed.add_field(name="Indexed", value=source.ingested_at.strftime("%d %b %Y %H:%M UTC"), inline=True)
    embed.add_field(name="Length", value=f"{len(source.text):,} characters", inline=True)
    lines: list[str] = []
    size = 0
    for a in found:
        line = _found_line(a)
        if size + len(line) + 1 > FOUND_LIST_MAX:
            break
        lines.append(line)
        size += len(line) + 1
    more = len(found) - len(lines)
    quotes = sum(a.kind == "quote" for a in found)
    description = f"{quotes} quote{'s' * (quotes != 1)} and {len(found) - quotes} other item(s) found in it."
    if lines:
        description += "\n" + "\n".join(lines)
    if more:
        description += f"\n+{more} more"
    embed.description = description
    embed.set_footer(text="Quotes are verbatim from this source · Show text for its stored text")
    return [embed]


class TextPages(Sequence[list[discord.Embed]]):
    """A stored text's pages, each laid out (escaped and cut) only when it is first shown: the
    whole of a 25 MB text takes seconds to escape, more than Discord's 3 s to answer a click."""

    def __init__(self, source: Source, pieces: list[str]) -> None:
        self._source = source
        self._pieces = pieces or [""]
        self._title = fit(source.title or source.id, 200)
        self._built: dict[int, list[discord.Embed]] = {}

    def __len__(self) -> int:
        return len(self._pieces)

    @overload
    def __getitem__(self, index: int) -> list[discord.Embed]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[discord.Embed]]: ...

    def __getitem__(self, index: int | slice) -> list[discord.Embed] | list[list[discord.Embed]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        number = range(len(self))[index]  # IndexError as a list raises it
        if number not in self._built:
            shown = cut(escape(self._pieces[number]), DESCRIPTION_MAX) or "(empty)"
            embed = discord.Embed(title=self._title, description=shown, colour=COLOUR)
            embed.set_footer(text=f"Stored text of {self._source.id} · part {number + 1} of {len(self)}")
            self._built[number] = [embed]
        return self._built[number]


def text_pages(source: Source) -> TextPages:
    """The stored text, escaped, in pages of about :data:`TEXT_PAGE_CHARS` characters, cut at
    paragraph or line breaks where possible (every character appears on exactly one page); each
    page is laid out when first read (:class:`TextPages`)."""
    text = source.text
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + TEXT_PAGE_CHARS)
        if end < len(text):
            for mark in ("\n\n", "\n", ". ", " "):
                at = text.rfind(mark, start + TEXT_PAGE_CHARS // 2, end)
                if at > start:
                    end = at + len(mark)
                    break
        pieces.append(text[start:end])
        start = end
    return TextPages(source, pieces)


def about_embed(info: dict[str, object]) -> discord.Embed:
    """``/about``: counts, embedding model, store mode and version."""
    embed = discord.Embed(title="About this index", colour=COLOUR)
    for key, name in (("sources", "Sources"), ("chunks", "Chunks"), ("attributions", "Statements found"),
                      ("organizations", "Organisations")):
        value = info.get(key)
        embed.add_field(name=name, value=f"{value:,}" if isinstance(value, int) else "—", inline=True)
    embed.add_field(name="Embedding model", value=fit(str(info.get("embedding_model", "unknown")), 200), inline=True)
    store = str(info.get("store", "unknown"))
    shown = {"server": "Chroma server", "embedded": "embedded (one process)"}.get(store, store)
    embed.add_field(name="Store", value=shown, inline=True)
    embed.set_footer(text=f"disclosure-bot {info.get('version', 'unknown')}")
    return embed


def ingest_embed(what: str, report: IngestReport | None, failures: Sequence[tuple[str, str]],
                 *, status: str) -> discord.Embed:
    """An ingest's progress or summary: ``status`` ("Downloading…", "Done"), then added, updated,
    unchanged, and each failure with its reason."""
    failed = bool(failures) and not (report and (report.added or report.updated or report.unchanged))
    embed = discord.Embed(title=fit(f"Ingest: {what}", 256), description=status,  # a file name is no markdown
                          colour=FAILED_COLOUR if failed else COLOUR)
    if report is not None:
        for name, ids in (("Added", report.added), ("Updated", report.updated), ("Unchanged", report.unchanged)):
            shown = ", ".join(f"`{i}`" for i in ids[:20]) + (f" +{len(ids) - 20} more" if len(ids) > 20 else "")
            embed.add_field(name=f"{name}: {len(ids)}", value=shown or "—", inline=False)
        if report.added or report.updated:
            embed.add_field(name="Extracted", value=f"{report.chunks} chunks, {report.attributions} statements",
                            inline=False)
    if failures:
        lines = [f"• {fit(name, 100)}: {fit(reason, 300)}" for name, reason in failures[:10]]
        embed.add_field(name=f"Failed: {len(failures)}", value=cut("\n".join(lines), 1024), inline=False)
    return embed
