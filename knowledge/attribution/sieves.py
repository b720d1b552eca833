"""Speaker sieves: small rules, run in a declared order, each deciding only the quotes it is sure of.

A quote's sentence is offered to each sieve in :data:`SIEVES` in turn; the first that returns a
:class:`Decision` decides, and the decision records the sieve's name (``Attribution.rule``), so
``disclosure-bot eval --verbose`` can count right and wrong per sieve. This is how CoreNLP's quote
attribution and multi-pass sieve coreference are built.

1. ``according_to``, ``inverted``, ``subject`` (:func:`by_cue`): the mention grammatically tied to an
   attribution cue in the same sentence: after "according to"; after a speech verb when inverted
   ("…,” said the company); else the nearest mention before the cue, its subject.
2. ``own_voice``: in the organisation's own document, a sentence with quote marks and no speaker is
   its own text ('Fenwick & Hale Insurance ("Fenwick & Hale") is writing …').
3. ``colon_introduction``: a quote right after a sentence ending in a colon that named a speaker.
4. ``introduced_just_before``: “…” as a paragraph of its own, right after a paragraph that named a
   person ("Harborline spokesperson Ana Ruiz spoke to Example Daily on Tuesday.").
5. ``continuation``: a whole sentence in quotes right after an attributed quote continues it.
6. ``dash``: a dash after the quote names its speaker (“…” — Fenwick spokesperson Jo Park), or a
   caption's colon (“…”: Fenwick chief executive Ada Worth).
7. ``previous_speaker``: a whole sentence in quotes a paragraph or two after the last words
   attributed to someone, nobody else named since, is theirs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from knowledge.attribution.cast import Cast, Discourse, Mention
from knowledge.attribution.context import (
    hypothetical,
    negated_or_hypothetical,
    words_not_said,
)
from knowledge.attribution.mentions import find_mentions
from knowledge.attribution.spans import Span
from knowledge.attribution.vocabulary import (
    APOLOGY,
    APPOSITIVE,
    CLAUSE_END,
    CUE,
    HYPOTHETICAL,
    INVERTING,
    LISTENER,
)

log = logging.getLogger(__name__)

#: Verbs whose object is the listener, not the speaker ("told Example Daily").
_TO_LISTENER = frozenset(("told", "tells", "informed", "informs", "informing", "telling", "asked", "urged",
                          "advised"))


@dataclass
class Decision:
    """A speaker for a sentence's quotes: the mention, the attribution words, and the sieve."""

    mention: Mention | None
    cue: str | None
    rule: str
    context: str | None = None  # set by a sieve that knows the context (a continued quote's)
    own: bool = False  # the document's own voice, not a quote of anyone in it


@dataclass
class LastQuote:
    """The last attributed quote: whom a following quote may continue."""

    mention: Mention
    cue: str
    para_index: int
    context: str | None


@dataclass
class Reading:
    """What the sieves may consult while a document is read."""

    cast: Cast
    discourse: Discourse
    primary: bool = False
    colon_intro: Decision | None = None  # the previous sentence ended in a colon and named this speaker
    previous_quoted: bool = False  # the previous sentence held a quote
    last_quote: LastQuote | None = None
    #: the last speaker of a quote or of reported speech ("The automaker said it would …")
    last_speaker: LastQuote | None = None
    #: the last paragraph that named a person or body by name, not the organisation's
    stranger_para: int = -1


@dataclass
class Sentence:
    """One sentence holding quotes."""

    start: int
    frame: str  # the sentence with its quoted spans masked
    anchors: Sequence[int]  # the quote marks' offsets in the frame
    quotes: Sequence[Span]
    para_start: int
    para_index: int
    statement_like: bool  # not a heading, greeting or sign-off
    ends_in_comma: bool = False  # the last quote closes on a comma (“…,”): its attribution follows


def mentions(reading: Reading, frame: str, base: int) -> list[Mention]:
    """The mentions in a frame; the discourse takes note of any person named in it."""
    found = find_mentions(reading.cast, frame, base, reading.discourse)
    reading.discourse.note(found)
    return found.mentions


def by_cue(reading: Reading, frame: str, base: int, anchors: Sequence[int] = ()) -> Decision | None:
    """Sieves 1–3: the speaker tied to an attribution cue in the same sentence, or None.

    ``anchors`` are the quote marks' offsets in the frame: the cue nearest to them is tried first
    ("X has begun warning passengers ... in what one consultant called “...”").
    """
    if words_not_said(frame):
        return None  # "did not use the word “breach”": words not said
    found = mentions(reading, frame, base)
    framed = _PER_DOCUMENT.match(frame)
    if framed and anchors and reading.discourse.last_ref[1] is not None:
        # "Per the disclosure, the regulator asked for “…”": the sentence is the document's wording
        org = reading.discourse.last_ref[1]
        doc = Mention(base + framed.start("doc"), base + framed.end("doc"), framed.group("doc"), "channel", org, org)
        return Decision(doc, framed.group(0).strip(" ,"), "according_to")
    cues = list(CUE.finditer(frame))
    if anchors:
        # verbs before channel phrases ("in its email"), then nearest to the quote first
        cues.sort(key=lambda c: (c.group("stmt") is not None,
                                 min(min(abs(c.start() - a), abs(c.end() - a)) for a in anchors)))
    for n, m in enumerate(cues):
        if negated_or_hypothetical(frame, m.start()):
            if n == 0 and anchors and hypothetical(frame, m.start()):
                return None  # "a better notice would have said “…”": the quote's own cue is hypothetical
            continue
        c_start, c_end = base + m.start(), base + m.end()
        cue = m.group(0)
        verb = (m.group("verb") or "").lower()
        after = [x for x in found if 0 <= x.start - c_end <= 2]
        if m.group("acc"):
            if after:
                return Decision(after[0], f"according to {after[0].text}", "according_to")
            continue
        # inverted: "said the company", "said Dana Whitfield, a spokesperson for Harborline"
        before = [x for x in found if x.end <= c_start]
        if verb in _TO_LISTENER or verb not in INVERTING:
            after = []  # "told Example Daily" names the listener; only speech verbs invert
        after = [x for x in after if CLAUSE_END.match(frame, x.end - base)]
        if after and verb and (not before or before[-1].end < c_start - 60):
            return Decision(after[0], f"{cue} {after[0].text}", "inverted")
        if verb in ("told", "tells"):
            listener = re.match(rf"\s*(?:the\s+)?{LISTENER}", frame[m.end():])
            if listener:
                cue = f"{cue} {listener.group(0).strip().rstrip('.,;:')}"  # "told Example Daily": the channel
        if before:
            return _subject(reading, frame, base, m, before, cue)
        if after:
            return Decision(after[0], f"{cue} {after[0].text}", "inverted")
    return None


#: A sentence framed by the organisation's document: "Per the disclosure, …", "According to its filing, …".
_PER_DOCUMENT = re.compile(r"\s*(?:[Pp]er|[Aa]ccording to|[Aa]s stated in|[Ii]n)\s+(?P<doc>(?:the|its|their)\s+(?:[\w-]+\s+){0,2}?"
                           r"(?:disclosure|filing|10-Q|10-K|8-K|annual report|quarterly report|notice|press release))\s*,")


def _subject(reading: Reading, frame: str, base: int, cue_match: re.Match[str], before: list[Mention],
             cue: str) -> Decision | None:
    """The nearest mention before the cue; a mention inside an appositive just before the verb
    ("Pinecrest Academy, a private school with no connection to the district, posted") is not it."""
    speaker = before[-1]
    appositive = APPOSITIVE.search(frame, 0, cue_match.start())
    if appositive and appositive.start() + base <= speaker.start and \
            not frame[appositive.end():cue_match.start()].strip():
        head = frame[:appositive.start()]
        named = re.search(r"([A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*)+)\s*$", head)
        if named and reading.cast.resolve_org_word(named.group(1)) is None and \
                reading.discourse.person(named.group(1)) is None:
            return None  # another body's words; whose exactly is not needed
        earlier = [x for x in before if x.end <= appositive.start() + base]
        if not earlier:
            return None
        speaker = earlier[-1]
    if speaker.role == "person" and speaker.org is None and speaker.speaker and APOLOGY.search(frame) and \
            reading.discourse.last_org and (len(reading.cast.orgs) == 1 or reading.discourse.org_named) and \
            reading.discourse.person(speaker.speaker) is not None:
        # "Álex Cruz apologised on Friday": a named person apologising for the incident speaks for it
        speaker = reading.discourse.affiliate(speaker, reading.discourse.last_org)
        return Decision(speaker, f"{speaker.text} {cue}".strip(), "apology")
    return Decision(speaker, f"{speaker.text} {cue}".strip(), "subject")


def _cue_sieve(reading: Reading, s: Sentence) -> Decision | None:
    return by_cue(reading, s.frame, s.start, s.anchors)


def own_voice(reading: Reading, s: Sentence) -> Decision | None:
    """In its own document, a statement-like sentence with quote marks and no speaker is its own."""
    if reading.primary and s.statement_like:
        return Decision(None, None, "own_voice", own=True)
    return None


def colon_introduction(reading: Reading, s: Sentence) -> Decision | None:
    """A quote opening the sentence right after "…, the company said:"."""
    intro = reading.colon_intro
    if intro is not None and s.quotes[0].open_mark - s.start < 3:
        return Decision(intro.mention, intro.cue, "colon_introduction")
    return None


def introduced_just_before(reading: Reading, s: Sentence) -> Decision | None:
    """A bare “…” right after the sentence or paragraph that introduced its speaker ("Harborline
    spokesperson Ana Ruiz spoke to Example Daily on Tuesday. “We have found no evidence…”")."""
    d, last = reading.discourse, reading.last_quote
    if len(s.frame.split()) >= 3 or d.last_person is None:
        return None
    own_paragraph = (last is None or last.para_index < s.para_index - 1) and \
        d.person_para == s.para_index - 1 and s.quotes[0].open_mark == s.para_start
    next_sentence = d.person_sentence == d.sentence_index - 1 and not reading.previous_quoted and \
        s.quotes[0].open_mark - s.start < 3
    if own_paragraph or next_sentence:
        return Decision(d.last_person, f"{d.last_person.speaker} (introduced just before)",
                        "introduced_just_before")
    return None


def continuation(reading: Reading, s: Sentence) -> Decision | None:
    """A whole sentence in quotes right after an attributed quote continues it."""
    last = reading.last_quote
    if last is not None and len(s.frame.split()) < 3 and s.para_index - last.para_index <= 1 and \
            HYPOTHETICAL.search(s.frame) is None:
        return Decision(last.mention, f"{last.cue} (continued)", "continuation", context=last.context)
    return None


def previous_speaker(reading: Reading, s: Sentence) -> Decision | None:
    """A quote that is its paragraph's whole sentence ("However, “…”"), a paragraph or two after the
    last words attributed to someone (quoted or reported: "The automaker said it will notify …"),
    with nobody else named in between, is that speaker's: reporting goes on with the last speaker."""
    last, d = reading.last_speaker, reading.discourse
    if s.ends_in_comma:
        return None  # “…,” promises its own attribution (cut off here): no guess
    if last is None or len(s.frame.split()) >= 3 or not 0 < s.para_index - last.para_index <= 2 or \
            s.quotes[0].open_mark - s.para_start > 12 or HYPOTHETICAL.search(s.frame) is not None:
        return None
    if (d.last_person is not None and d.person_para > last.para_index and
            d.last_person.speaker != last.mention.speaker) or reading.stranger_para > last.para_index:
        return None  # someone else was named since
    return Decision(last.mention, f"{last.cue} (previous speaker)", "previous_speaker", context=last.context)


_DASH = re.compile(r"\s*,?\s*(?:—|–|--|-)\s*")
#: A caption: “…”: Fenwick chief executive Ada Worth.
_CAPTION = re.compile(r"\s*:\s+")


def dash(reading: Reading, s: Sentence) -> Decision | None:
    """“…” — Fenwick spokesperson Jo Park: a dash right after the quote names who said it."""
    end = s.quotes[-1].close_mark - s.start
    m = _DASH.match(s.frame, end)
    if m is None and len(s.quotes) == 1 and s.quotes[0].open_mark - s.start < 3:
        m = _CAPTION.match(s.frame, end)
    if m is None:
        return None
    found = [x for x in mentions(reading, s.frame[m.end():], s.start + m.end())
             if x.start == s.start + m.end() or x.start - (s.start + m.end()) <= 4]
    if not found:
        return None
    return Decision(found[0], f"— {found[0].text}", "dash")


Sieve = Callable[[Reading, Sentence], "Decision | None"]

#: The sieves in the order they are tried.
SIEVES: tuple[tuple[str, Sieve], ...] = (
    ("cue", _cue_sieve),
    ("own_voice", own_voice),
    ("colon_introduction", colon_introduction),
    ("introduced_just_before", introduced_just_before),
    ("dash", dash),
    ("continuation", continuation),
    ("previous_speaker", previous_speaker),
)


def decide(reading: Reading, s: Sentence) -> Decision | None:
    """Run the sieves in order; the first decision wins."""
    for name, sieve in SIEVES:
        decision = sieve(reading, s)
        if decision is not None:
            log.debug("sieve %s: %r at %d → %s", decision.rule, s.frame[:60], s.start,
                      decision.mention.speaker if decision.mention else "own text")
            return decision
    return None
