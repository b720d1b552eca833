"""Typed records that flow between loaders, the store, extraction and answering.

The knowledge base speaks in these records only; the Discord front end renders them. All of them
are pydantic models so that ``model_dump(mode="json")`` gives the ``ask --json`` shapes directly.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SourceKind = Literal["notice", "statement", "filing", "article", "opinion"]
SOURCE_KINDS: tuple[str, ...] = ("notice", "statement", "filing", "article", "opinion")
#: Kinds whose own text is the organisation's words (FIELD.md, "the source hierarchy").
PRIMARY_KINDS: frozenset[str] = frozenset({"notice", "statement", "filing"})

AttributionKind = Literal["quote", "reported", "declined"]


class SourceMeta(BaseModel):
    """Metadata a loader found or a user supplied; every field optional until ingest fills it."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    kind: SourceKind | None = None
    organizations: list[str] = Field(default_factory=list)

    def merged(self, override: SourceMeta) -> SourceMeta:
        """Return a copy where every field set in ``override`` wins (lists replace, not append)."""
        data = self.model_dump()
        for key, value in override.model_dump(exclude_unset=True).items():
            if value not in (None, []):
                data[key] = value
        return SourceMeta(**data)


class SourceRef(BaseModel):
    """The part of a source an answer cites.

    Attributes:
        retrieved_at: for a source fetched from a URL, when it was last fetched and found as stored
            (UTC); None for files.
        gone: True when its URL last answered 404 or 410: kept until forgotten, shown as gone.
    """

    id: str
    title: str
    url: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    kind: SourceKind
    retrieved_at: dt.datetime | None = None
    gone: bool = False


class Source(SourceRef):
    """One indexed document with its full normalised text.

    Attributes:
        organizations: organisations the document is about (or, for a notice or statement, the
            organisations whose words it is), as given by metadata.
        locator: where it was first loaded from (a URL or an absolute file path); the id derives
            from it and stays when the source later gains a URL or moves.
        path: the file it was last loaded from (None for a source that never came from a file).
        content_hash: sha256 hex of ``text`` plus the metadata, so a change of either re-ingests.
        ingested_at: when this version entered the index (UTC).
        text: the normalised text (NFC, tidy whitespace, quotes as in the original) that every
            chunk and quote offset points into.
        gone_at: when its URL first answered 404 or 410 (``gone`` is True exactly when it is set).
        pages: for a paged format (PDF), the offset in ``text`` where each page starts (page 1 at
            0); empty for formats without pages.
    """

    organizations: list[str] = Field(default_factory=list)
    locator: str
    path: str | None = None
    content_hash: str
    ingested_at: dt.datetime
    text: str
    pages: list[int] = Field(default_factory=list)
    gone_at: dt.datetime | None = None

    @model_validator(mode="after")
    def _gone_when_gone_at(self) -> Source:
        self.gone = self.gone_at is not None
        return self

    def ref(self) -> SourceRef:
        return SourceRef(**self.model_dump(include=set(SourceRef.model_fields)))

    def page_of(self, offset: int) -> int | None:
        """The page (1-based) that holds character ``offset``; None for a source without pages."""
        return page_at(self.pages, offset)


def page_at(pages: Sequence[int], offset: int) -> int | None:
    """The 1-based page holding character ``offset``, given each page's start offset in order (a
    page without text shares the next page's start, and the later page wins); None when ``pages``
    is empty."""
    if not pages:
        return None
    return max(1, bisect.bisect_right(pages, offset))


class Chunk(BaseModel):
    """A window of a source's text sized for the embedding model: ``source.text[start:end] == text``."""

    id: str
    source_id: str
    index: int
    start: int
    end: int
    text: str


class Attribution(BaseModel):
    """Words attributed to a speaker inside one source.

    Attributes:
        kind: ``quote`` for words inside quotation marks (or a reproduced notice, or a primary
            document's own text); ``reported`` for indirect speech, never to be shown in quotation
            marks; ``declined`` for evidence that the speaker did not disclose something.
        text: exactly ``source.text[start:end]``.
        start, end: character offsets into the source's normalised text.
        speaker: who said it, as a reader would name them ("Harborline", "Dana Whitfield").
        speaker_role: what the speaker is ("organization", "spokesperson", "executive", "notice",
            "expert", "regulator", "lawmaker", "attacker", "reporter", "author", "person").
        speaker_org: the organisation on whose behalf the words were said, or None when the speaker
            speaks for nobody indexed (an expert speaks for herself).
        cue: the attribution words in the source ("told Example Daily", "its email").
        topic: for ``declined``, what was not disclosed ("count", "cause", ...) when known.
        context: ``earlier incident`` (an old quote reused as background) or ``internal document``
            (a memo reported by others): words that are not a public statement about this incident.
        rule: the attribution rule (sieve) that chose the speaker, e.g. ``inverted``, ``subject``,
            ``colon_introduction``, ``own_text``; None when no rule found one.
    """

    kind: AttributionKind
    text: str
    start: int
    end: int
    speaker: str | None = None
    speaker_role: str = "person"
    speaker_org: str | None = None
    cue: str | None = None
    topic: str | None = None
    context: str | None = None
    rule: str | None = None


class AnswerItem(BaseModel):
    """An attribution as shown in an answer, with the source that carries it."""

    kind: AttributionKind
    text: str
    speaker: str | None
    speaker_role: str
    start: int
    end: int
    cue: str | None = None
    topic: str | None = None
    second_hand: bool = Field(
        description="True when the words reach us through someone else's reporting (an article "
        "or opinion piece), not through the organisation's own document."
    )
    source: SourceRef
    page: int | None = Field(default=None, description="The page (1-based) where the words start, "
                             "for a paged source (PDF); None otherwise.")
    disputed: bool = Field(default=False, description=(
        "True when an administrator confirmed a misquote report about these words (same source, "
        "overlapping offsets): shown with a 'disputed' mark."))


class Variant(BaseModel):
    """A different wording of a statement in one source, and what differs from the canonical text."""

    text: str
    source: SourceRef
    differs: str


class Change(BaseModel):
    """Another statement of the organisation worded almost the same but meaning something else: a
    negation, a number, a date or an amount differs ("from 1 April 2024 the fee is 40 pounds" and,
    a year later, "... 2025 ... 45 pounds"). Never a variant: each is a statement of its own.

    Attributes:
        text: the other statement's words (verbatim from ``source``).
        source: where the other statement's canonical wording comes from.
        differs: what changed, from this statement to the other (``“2024” → “2025”``).
        newer: True when the other statement's source is dated after this one's.
    """

    text: str
    source: SourceRef
    differs: str
    newer: bool = False


class Statement(BaseModel):
    """The same words of the organisation, with every source that carries them.

    Attributes:
        text: the canonical wording (the organisation's own document's, else the one most sources
            carry), verbatim from ``canonical.source``.
        channel: how it was published ("notice to the people affected", "to Example Daily", ...).
        first_date: the earliest date of the sources that carry it.
        primary: True when one of the organisation's own documents carries it.
        sources: every source carrying it, the canonical one first.
        variants: other wordings that keep the meaning (not mere excerpts), each with what differs.
        changed: statements worded almost the same whose meaning differs (a negation, a number, a
            date, an amount): related, never merged.
        carriers: how many sources carry these words, counting identical copies that were collapsed
            before ranking (the same letter filed in 29 places counts 29); ``sources`` lists them.
        canonical: the quote the canonical text comes from (offsets, cue, source).
    """

    text: str
    speaker: str | None
    channel: str
    first_date: dt.date | None
    primary: bool
    sources: list[SourceRef]
    variants: list[Variant] = Field(default_factory=list)
    changed: list[Change] = Field(default_factory=list)
    carriers: int = 0
    canonical: AnswerItem


class NotDisclosed(BaseModel):
    """Evidence that the organisation did not disclose something, and what (``topic``) when known."""

    topic: str | None
    evidence: AnswerItem


class Answer(BaseModel):
    """A typed answer to a disclosure question.

    ``quotes`` hold the organisation's verbatim words, each checked against its source's text, and
    ``statements`` the same quotes grouped across sources; ``reported`` its indirect speech;
    ``others`` the quotes of every other speaker; ``not_disclosed`` evidence of what it declined to
    say. ``question_type`` is ``said`` ("what did X say?"), ``yes_no`` ("did X call it a breach?"),
    ``fact`` ("how many ...?", "when ...?", "what caused ...?") or ``others`` ("who else commented?"). ``abstained`` is True when nothing in the
    index supports an answer, and then ``sources`` lists the closest sources instead.
    """

    question: str
    question_type: str = "said"
    organization: str | None
    terms: list[str] = Field(default_factory=list, description=(
        "The question's content words (and topics such as ``count`` or ``timing``) that an answer "
        "should contain; front ends use them to choose which sentences of a long quote to show."))
    statements: list[Statement] = Field(default_factory=list)
    quotes: list[AnswerItem] = Field(default_factory=list)
    reported: list[AnswerItem] = Field(default_factory=list)
    others: list[AnswerItem] = Field(default_factory=list)
    not_disclosed: list[NotDisclosed] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    finding: str | None = Field(default=None, description=(
        "For a yes/no or factual question: whether any of the organisation's words use the "
        "question's terms, in one sentence."))
    abstained: bool = False
    reason: str | None = None
    suggestions: list[str] = Field(default_factory=list, description=(
        "When the question or --org names an organisation the index does not know: known ones it "
        "may mean (a misspelt or re-spaced name), for 'did you mean …?'."))
    dropped_unverified: int = 0


class NewWords(BaseModel):
    """Words of an organisation an ingest brought that the index had not seen (see
    :mod:`knowledge.watch`).

    Attributes:
        organization: whose words (an organisation the source names).
        item: the quote, verbatim, with its source.
        novelty: ``new`` (no statement of the organisation had these words) or ``variant`` (a
            near-identical wording of a statement already seen, with ``differs``).
        differs: for a variant, what changed from the seen wording (``“40” → “45”``).
        previous: for a variant, the seen wording.
        changed_meaning: for a variant, True when a negation, hedge, number, date or amount differs.
    """

    organization: str
    item: AnswerItem
    novelty: Literal["new", "variant"] = "new"
    differs: str | None = None
    previous: str | None = None
    changed_meaning: bool = False


class IngestReport(BaseModel):
    """What one ingest call did, per source (``added``, ``updated``, ``unchanged``) and in total;
    ``new_words``: the organisations' words the index had not seen before this ingest."""

    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    chunks: int = 0
    attributions: int = 0
    #: one line per failure, "locator: reason" (what a caller prints under "failed")
    errors: list[str] = Field(default_factory=list)
    #: sources whose URL now answers 404 or 410 (marked gone, kept until forgotten)
    gone: list[str] = Field(default_factory=list)
    new_words: list[NewWords] = Field(default_factory=list)
    #: what was read but not indexed: "locator: name (type), ..." per e-mail with attachments
    attachments: list[str] = Field(default_factory=list)
