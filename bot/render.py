"""Turn a :class:`knowledge.records.Answer` into Discord embeds. Pure functions: no client, no network.

Every message stays within Discord's limits (:mod:`bot.limits` holds them, with their source, and
:func:`bot.limits.fit_messages` is the last step of every render). The layout here budgets the
characters so that little is cut there: text is cut with an ellipsis before a limit is reached and
whatever does not fit is counted as "+N more".

Quoted words are shown verbatim: markdown characters are escaped so they display as written, and
mention syntax (``<@id>``, ``<#id>``) is escaped so it shows as text. Words such as ``@everyone`` are
left as they stand: embeds never ping, and every send uses ``AllowedMentions.none()``. Source links
sit inside embeds, which never unfurl link previews. Reported speech and "declined to say" evidence
are never put in quotation marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.limits import (
    EMBEDS_PER_MESSAGE,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_PER_EMBED,
    TITLE_MAX,
    TOTAL_CHARS_MAX,
    fit_embeds,
)
from bot.render_text import (
    ERROR_LINE_MAX,
    LABEL_MAX,
    PUBLISHER_MAX,
    _citation,
    _plain_cut,
    error_line,
    escape,
    fit,
    format_date,
    source_line,
)
from knowledge.records import Answer, AnswerItem, NotDisclosed, SourceRef, Statement
from knowledge.snippets import excerpt

#: Public names, with the text helpers of bot.render_text that front-end modules import from here.
__all__ = ["DISPUTED", "answer_pages", "cut_to_terms", "error_line", "escape", "fit", "format_date",
           "page_items", "render_answer", "source_line", "unique_sources"]


# Our own caps, so that one long section cannot crowd out the rest.
QUESTION_SHOWN_MAX = 200
QUOTES_SHOWN_MAX = 8
QUOTE_TEXT_MAX = 600
QUOTE_TEXT_MIN = 80
QUOTES_SECTION_MAX = 3400
LINE_TEXT_MAX = 280
LIST_SECTION_MAX = 900
SOURCES_SHOWN_MAX = 10
FOOTER_RESERVE = 300

OPEN_QUOTE, CLOSE_QUOTE = "“", "”"
CONTINUED = "\u200b"  # a field name that shows as nothing, for a section's second field

ANSWER_COLOUR = discord.Colour.blurple()
ABSTAINED_COLOUR = discord.Colour.light_grey()

#: Roles that add nothing to the speaker's name ("Harborline Market, organization").
_PLAIN_ROLES = frozenset({"organization", "notice", "person"})


@dataclass
class _Field:
    name: str
    value: str

    def __len__(self) -> int:
        return len(self.name) + len(self.value)


def _speaker(item: AnswerItem, fallback: str | None) -> str:
    name = item.speaker or fallback or "unnamed speaker"
    if item.speaker_role and item.speaker_role not in _PLAIN_ROLES:
        return f"{name}, {item.speaker_role}"
    return name


#: How much of a citation's tail to keep, from whole to shortest: (link label, publisher, variant
#: note, with the URL). A long URL, publisher or note shortens the tail, never the quote to nothing.
_TAIL_LEVELS = ((LABEL_MAX, PUBLISHER_MAX, 120, True), (40, 30, 60, True), (40, 0, 0, False), (30, 0, 0, False))


#: The mark of words a confirmed misquote report disputes (knowledge/reports.py).
DISPUTED = "⚠ disputed"


def _tail(item: AnswerItem, statement: Statement | None, level: int) -> str:
    """The lines under the quoted words: source, who quoted it, carriers, variants, changes."""
    label_max, publisher_max, note_max, url = _TAIL_LEVELS[level]
    source = item.source
    tail = f"\n— {_citation(source, label_max, publisher_max, url=url)}"
    if item.page is not None:  # a paged source (PDF): where the words are
        tail += f", p. {item.page}"
    if item.second_hand and publisher_max:
        tail += f" · quoted by {fit(source.publisher or source.title, publisher_max)}"
    if item.disputed:  # an administrator confirmed a misquote report about these words
        tail += f" · {DISPUTED}"
    if statement is None:
        return tail
    carriers = statement.carriers or len(statement.sources)
    if carriers > 1:
        tail += f" · carried by {carriers} sources"
    if statement.variants:
        v = statement.variants[0]
        if note_max:
            more = f" (+{len(statement.variants) - 1} more)" if len(statement.variants) > 1 else ""
            tail += (f"\nvariant in {fit(v.source.publisher or v.source.title, publisher_max)}: "
                     f"{fit(v.differs, note_max)}{more}")
        else:
            tail += f" · {len(statement.variants)} variant{'s' * (len(statement.variants) != 1)}"
    if statement.changed:
        c = statement.changed[0]
        when = f" ({format_date(c.source.date)})" if c.source.date else ""
        label = "changed later" if c.newer else "other version"
        if note_max:
            more = f" (+{len(statement.changed) - 1} more)" if len(statement.changed) > 1 else ""
            tail += f"\n{label}{when}: {fit(c.differs, note_max)}{more}"
        else:
            tail += f" · {label}{when}"
    return tail


def cut_to_terms(raw: str, terms: Sequence[str], limit: int) -> str | None:
    """``raw`` escaped, in at most ``limit`` characters: whole when it fits, else the sentences that
    match the question's ``terms`` with "…" where the text goes on (each piece verbatim), or None
    when not even a few words fit."""
    whole = escape(raw)
    if len(whole) <= limit:
        return whole
    trial = limit
    while trial >= 8:
        cut = excerpt(raw, terms, trial)
        if not cut.spans:
            return None
        shown = cut.render(escape)
        if len(shown) <= limit:
            return shown
        trial -= max(1, len(shown) - limit)
    return None


def _shown_words(raw: str, terms: Sequence[str], room: int) -> str | None:
    """The words in curly quotes in at most ``room`` characters (see :func:`cut_to_terms`)."""
    words = cut_to_terms(raw, terms, room - len(OPEN_QUOTE) - len(CLOSE_QUOTE))
    return None if words is None else f"{OPEN_QUOTE}{words}{CLOSE_QUOTE}"


def _words_field(name: str, item: AnswerItem, statement: Statement | None, terms: Sequence[str],
                 room: int) -> _Field | None:
    """A field: the words (cut to the sentences that answer the question when they must be), then
    the tail, shortened level by level until the words get at least ``QUOTE_TEXT_MIN`` characters;
    at most ``room`` characters, or None when even the shortest tail leaves no room."""
    marks = len(OPEN_QUOTE) + len(CLOSE_QUOTE)
    need = min(QUOTE_TEXT_MIN, len(escape(item.text))) + marks
    for level in range(len(_TAIL_LEVELS)):
        tail = _tail(item, statement, level)
        text_room = min(QUOTE_TEXT_MAX + marks, FIELD_VALUE_MAX - len(tail), room - len(name) - len(tail))
        if text_room < need:
            continue
        words = _shown_words(item.text, terms, text_room)
        if words is not None:
            return _Field(name, words + tail)
    return None


def _quote_field(number: int, item: AnswerItem, fallback: str | None, room: int,
                 terms: Sequence[str] = ()) -> _Field | None:
    """A field for one of the organisation's quotes, at most ``room`` characters, or None."""
    name = fit(f"{number}. {_speaker(item, fallback)}", min(FIELD_NAME_MAX, LABEL_MAX))
    return _words_field(name, item, None, terms, room)


def _statement_field(number: int, statement: Statement, fallback: str | None, room: int,
                     terms: Sequence[str] = ()) -> _Field | None:
    """A field for one statement: its words, who and how, the source it is quoted from, how many
    sources carry it and how the variants differ; at most ``room`` characters, or None."""
    item = statement.canonical
    when = f", {format_date(statement.first_date)}" if statement.first_date else ""
    name = fit(f"{number}. {_speaker(item, fallback)} — {statement.channel}{when}", min(FIELD_NAME_MAX, LABEL_MAX))
    return _words_field(name, item, statement, terms, room)


def _line_words(raw: str, terms: Sequence[str]) -> str:
    return cut_to_terms(raw, terms, LINE_TEXT_MAX) or fit(raw, LINE_TEXT_MAX)


def _reported_line(item: AnswerItem, terms: Sequence[str] = ()) -> str:
    # Indirect speech: never inside quotation marks.
    return f"• reported: {_line_words(item.text, terms)} — {_citation(item.source)}"


def _not_disclosed_line(entry: NotDisclosed, terms: Sequence[str] = ()) -> str:
    # The reporter's words about what was withheld: not a quote either.
    item = entry.evidence
    topic = f"{fit(entry.topic, 40)}: " if entry.topic else ""
    return f"• {topic}{_line_words(item.text, terms)} — {_citation(item.source)}"


def _other_line(item: AnswerItem, terms: Sequence[str] = ()) -> str:
    speaker = fit(_speaker(item, None), LABEL_MAX)
    quote = f"{OPEN_QUOTE}{_line_words(item.text, terms)}{CLOSE_QUOTE}"
    return f"• {speaker}: {quote} — {_citation(item.source)}"


def _pack_lines(heading: str, lines: Sequence[str], budget: int) -> tuple[list[_Field], int]:
    """Pack ``lines`` into fields of at most 1024 characters, spending at most ``budget`` characters.

    Returns the fields and how many lines did not fit. Lines are kept in order: once one does not
    fit, it and the rest are counted as dropped.
    """
    fields: list[_Field] = []
    spent = 0
    for index, line in enumerate(lines):
        line = _plain_cut(line, FIELD_VALUE_MAX) if len(line) > FIELD_VALUE_MAX else line
        current = fields[-1] if fields else None
        if current is not None and len(current.value) + 1 + len(line) <= FIELD_VALUE_MAX:
            cost = 1 + len(line)
            if spent + cost > budget:
                return fields, len(lines) - index
            current.value += "\n" + line
        else:
            name = heading if current is None else CONTINUED
            cost = len(name) + len(line)
            if spent + cost > budget:
                return fields, len(lines) - index
            fields.append(_Field(name, line))
        spent += cost
    return fields, 0


class _Layout:
    """Fields collected under one character budget, packed into embeds at the end."""

    def __init__(self, budget: int) -> None:
        self.remaining = budget
        self.fields: list[_Field] = []
        self.more: list[str] = []

    def add(self, fields: Sequence[_Field]) -> bool:
        """Add ``fields`` in order; False if one did not fit (callers size them so all do)."""
        for field in fields:
            if len(field) > self.remaining:
                return False
            self.remaining -= len(field)
            self.fields.append(field)
        return True

    def add_lines(self, heading: str, lines: Sequence[str], cap: int, noun: str) -> None:
        fields, dropped = _pack_lines(heading, lines, min(cap, self.remaining))
        self.add(fields)
        self.note_more(dropped, noun)

    def note_more(self, count: int, noun: str) -> None:
        if count:
            self.more.append(f"+{count} more {noun}")

    def embeds(self, first: discord.Embed, footer: str) -> list[discord.Embed]:
        embeds = [first]
        for field in self.fields:
            if len(embeds[-1].fields) >= FIELDS_PER_EMBED:
                if len(embeds) >= EMBEDS_PER_MESSAGE:
                    break
                embeds.append(discord.Embed(colour=first.colour))
            embeds[-1].add_field(name=field.name, value=field.value, inline=False)
        embeds[-1].set_footer(text=footer)
        return embeds


def _summary(answer: Answer) -> str:
    counts = (
        (len(answer.statements), "statement", "statements"),
        (len(answer.quotes), "quote", "quotes"),
        (len(answer.reported), "reported", "reported"),
        (len(answer.not_disclosed), "not disclosed", "not disclosed"),
        (len(answer.others), "other speaker quoted", "others quoted"),
        (len(answer.sources), "source", "sources"),
    )
    return " · ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts if n)


def _footer(layout: _Layout, answer: Answer, lead: str) -> str:
    notes = [lead, *layout.more]
    if answer.dropped_unverified:
        notes.append(f"{answer.dropped_unverified} unverified quote(s) withheld")
    return _plain_cut(" · ".join(notes), FOOTER_RESERVE)


def unique_sources(answer: Answer) -> list[SourceRef]:
    """The answer's sources, each once, in the answer's order."""
    seen: set[str] = set()
    unique = []
    for source in answer.sources:
        if source.id not in seen:
            seen.add(source.id)
            unique.append(source)
    return unique


def _add_sources(layout: _Layout, heading: str, sources: Sequence[SourceRef]) -> None:
    lines = [source_line(source) for source in sources[:SOURCES_SHOWN_MAX]]
    fields, dropped = _pack_lines(heading, lines, min(LIST_SECTION_MAX, layout.remaining))
    layout.add(fields)
    layout.note_more(dropped + max(0, len(sources) - SOURCES_SHOWN_MAX), "sources")


def render_answer(answer: Answer) -> list[discord.Embed]:
    """Render an answer as at most 10 embeds that together respect every Discord limit.

    Layout: the organisation's quotes (one field each: the words in curly quotes, then speaker,
    source link, publisher and date, and "quoted by" for second-hand quotes), then what it did not
    disclose, its reported speech, other speakers' quotes, and the sources. An abstained answer
    says so plainly and lists the closest sources.
    """
    if answer.abstained:
        return _render_abstained(answer)

    organization = answer.organization
    title = _plain_cut(f"What {organization} said" if organization else "What was said", TITLE_MAX)
    description = f"**Question:** {fit(answer.question, QUESTION_SHOWN_MAX)}"
    summary = _summary(answer)
    if summary:
        description += f"\n{summary}"
    if answer.finding:
        description += f"\n**{fit(answer.finding, ERROR_LINE_MAX)}**"
    if not answer.quotes:
        who = organization or "the organisation"
        description += f"\nNo verbatim quote from {fit(who, LABEL_MAX)} was found in the index."
    first = discord.Embed(title=title, description=description, colour=ANSWER_COLOUR)

    layout = _Layout(TOTAL_CHARS_MAX - len(title) - len(description) - FOOTER_RESERVE)
    quote_budget = min(QUOTES_SECTION_MAX, layout.remaining)
    shown = 0
    # statements when the answer has them (the same words in several sources are shown once)
    entries: Sequence[Statement | AnswerItem] = answer.statements or answer.quotes
    make_field = _statement_field if answer.statements else _quote_field
    for entry in entries[:QUOTES_SHOWN_MAX]:
        # one item that does not fit is counted as "more"; the items after it are still tried
        field = make_field(shown + 1, entry, organization, quote_budget, answer.terms)  # type: ignore[arg-type]
        if field is None or not layout.add([field]):
            continue
        quote_budget -= len(field)
        shown += 1
    layout.note_more(len(entries) - shown, "statements" if answer.statements else "quotes")

    sections = (
        ("Not disclosed", [_not_disclosed_line(i, answer.terms) for i in answer.not_disclosed],
         "not-disclosed items"),
        ("Reported (not verbatim)", [_reported_line(i, answer.terms) for i in answer.reported], "reported items"),
        ("Others quoted", [_other_line(i, answer.terms) for i in answer.others], "other speakers"),
    )
    for heading, lines, noun in sections:
        layout.add_lines(heading, lines, LIST_SECTION_MAX, noun)
    _add_sources(layout, "Sources", unique_sources(answer))

    return fit_embeds(layout.embeds(first, _footer(layout, answer, "Quotes are verbatim from the linked sources")))


def _render_abstained(answer: Answer) -> list[discord.Embed]:
    about = f" about {answer.organization}" if answer.organization else ""
    description = (
        f"Nothing in the index supports an answer{fit(about, LABEL_MAX)}.\n"
        f"**Question:** {fit(answer.question, QUESTION_SHOWN_MAX)}"
    )
    if answer.reason:
        description += f"\n{fit(answer.reason, ERROR_LINE_MAX)}"
    title = "No supported answer"
    first = discord.Embed(title=title, description=description, colour=ABSTAINED_COLOUR)
    layout = _Layout(TOTAL_CHARS_MAX - len(title) - len(description) - FOOTER_RESERVE)
    _add_sources(layout, "Closest sources", unique_sources(answer))
    return fit_embeds(layout.embeds(first, _footer(layout, answer, "No quote is shown unless a source supports it")))


def answer_pages(answer: Answer) -> list[list[discord.Embed]]:
    """The answer as pages of embeds (each page one message within every limit): the first is
    :func:`render_answer`; each further page shows the next :data:`QUOTES_SHOWN_MAX` statements (or
    quotes), numbered on from the first page."""
    pages = [render_answer(answer)]
    if answer.abstained:
        return pages
    entries: Sequence[Statement | AnswerItem] = answer.statements or answer.quotes
    for start in range(QUOTES_SHOWN_MAX, len(entries), QUOTES_SHOWN_MAX):
        pages.append(_render_more(answer, entries, start))
    return pages


def page_items(answer: Answer, page: int) -> list[AnswerItem]:
    """The quotes numbered 1 to the last one shown on ``page`` (0-based) of :func:`answer_pages`,
    in their numbering order (a statement by its canonical quote)."""
    entries = answer.statements or answer.quotes
    shown = entries[: QUOTES_SHOWN_MAX * (page + 1)]
    return [e.canonical if isinstance(e, Statement) else e for e in shown]


def _render_more(answer: Answer, entries: Sequence[Statement | AnswerItem], start: int) -> list[discord.Embed]:
    organization = answer.organization
    chunk = entries[start:start + QUOTES_SHOWN_MAX]
    title = _plain_cut(f"What {organization} said" if organization else "What was said", TITLE_MAX)
    noun = "Statements" if answer.statements else "Quotes"
    description = (f"**Question:** {fit(answer.question, QUESTION_SHOWN_MAX)}\n"
                   f"{noun} {start + 1}–{start + len(chunk)} of {len(entries)}")
    first = discord.Embed(title=title, description=description, colour=ANSWER_COLOUR)
    layout = _Layout(TOTAL_CHARS_MAX - len(title) - len(description) - FOOTER_RESERVE)
    make_field = _statement_field if answer.statements else _quote_field
    shown = 0
    for offset, entry in enumerate(chunk):
        field = make_field(start + offset + 1, entry, organization, layout.remaining, answer.terms)  # type: ignore[arg-type]
        if field is not None and layout.add([field]):
            shown += 1
    layout.note_more(len(chunk) - shown, noun.lower())
    return fit_embeds(layout.embeds(first, _footer(layout, answer, "Quotes are verbatim from the linked sources")))
