"""The extractor: reads one source paragraph by paragraph and attributes every quote.

Order of work for each paragraph: a reproduced block continues ("Here is the email:" then plain
lines); a paragraph addressed to a text generator is data; a heading is nobody's quote (but a
primary document's own words); a transcript turn is its speaker's; a primary document's own
paragraph is its organisation's; otherwise each sentence's quotes go through the sieves
(:mod:`knowledge.attribution.sieves`) and a sentence without quotes is searched for reported speech
and non-disclosure (:mod:`knowledge.attribution.reported`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from knowledge.attribution import context as ctx
from knowledge.attribution.cast import SPEAKS_FOR_ORG, Cast, Mention
from knowledge.attribution.reported import reported_and_declined
from knowledge.attribution.sieves import (
    Decision,
    LastQuote,
    Reading,
    Sentence,
    by_cue,
    decide,
    mentions,
)
from knowledge.attribution.spans import (
    Paragraph,
    Span,
    sentence_bounds,
    split_paragraphs,
)
from knowledge.attribution.turns import REPORTED_ITEM as _REPORTED_ITEM
from knowledge.attribution.turns import Turns
from knowledge.attribution.vocabulary import (
    CALENDAR_WORDS,
    CHANNEL,
    CUE_VERBS,
    DECLINED,
    NAME,
    NAMED_NOT_SAID,
    NOT_NAMES,
    ORG_REF,
    RELATIVE,
)
from knowledge.records import PRIMARY_KINDS, Attribution
from knowledge.text import original_span, visible_view

#: Channels only an organisation publishes: "The notice, posted on its website, reads:" introduces its
#: own words (not "The post read:", which may be anyone's).
_FORMAL = r"(?:notice|notification|letter|email|e-mail|statement|press release|filing|announcement)\b"


#: The reporter's attribution words ("…, the company said"), not a noun that looks like one ("reports").
_REPORTER_CUE = re.compile(r"\b(?:said|says|told|tells|wrote|added|according to|declined|confirmed|stated|"
                           r"explained|noted|insisted|acknowledged|admitted|reported)\b", re.IGNORECASE)


#: A person named by a description and a first name: "Melbourne woman Alexandra", "customer Jo".
_DESCRIBED_PERSON = re.compile(r"\b(?:woman|man|customer|member|resident|mother|father|student|teacher|nurse|"
                               r"patient|shopper|user|victim|passenger|employee|worker|client|policyholder)\s+"
                               r"[A-Z][a-z]+\b")
#: Page furniture: a line of a few words and no sentence ("Sponsored post", "Advertisement").
_CHROME = re.compile(r"\s*[\w’'&-]+(?:\s+[\w’'&-]+){0,3}\s*")


class Extractor(Turns):
    """Extracts attributions from one source.

    Args:
        text: the source's normalised text.
        kind: the source's kind (``notice``, ``statement``, ``filing``, ``article``, ``opinion``).
        organizations: organisations from the source's metadata; the first is the focal one that
            "the company" and "it" refer to when the text names no other.
        published: the source's date; a quote set in an earlier year is an earlier incident's.
        publisher: who published it; a notice or statement published by someone other than its
            organisations is not their own text.
        blockquotes: ``(start, end)`` of each HTML ``<blockquote>`` in the text: a block reproduced
            inside one ends where the element ends.
    """

    def __init__(self, text: str, kind: str, organizations: Sequence[str],
                 published: dt.date | None = None, publisher: str | None = None,
                 blockquotes: Sequence[tuple[int, int]] = ()) -> None:
        self.text = text
        self.published = published
        self.publisher = publisher
        self.kind = kind
        self.cast = Cast(kind, organizations)
        self.reading = Reading(self.cast, self.cast.discourse())
        self._memo_recent = 0  # paragraphs in which "it reads" is still the memo just mentioned
        self._own_org: str | None = None
        self._guest: Mention | None = None  # a transcript's interviewee, who answers the "A:" turns
        self._previous: Attribution | None = None  # the last quote, which a continued quote may extend
        self._last_intro: Decision | None = None  # the last sentence's speaker, if one of ours, and no quote
        self._blockquotes = sorted(blockquotes)
        self._interviewee: Mention | None = None  # who answers an interview's unlabelled questions
        self._unattributed: list[int] = []  # the last sentence's quotes that no sieve attributed
        self._unattributed_para = -1

    # building records ----------------------------------------------------------------------------

    def _make(self, kind: str, start: int, end: int, mention: Mention | None, cue: str | None,
              topic: str | None = None, rule: str | None = None) -> Attribution:
        role = mention.role if mention else "unknown"
        if role in ("org_ref", "channel"):
            role = "organization"
        speaker = mention.speaker if mention else None
        org = mention.org if mention and role in SPEAKS_FOR_ORG else None
        return Attribution(kind=kind, text=self.text[start:end], start=start, end=end, speaker=speaker,
                           speaker_role=role, speaker_org=org, cue=cue, topic=topic, rule=rule)

    def _own_text(self, start: int, end: int) -> Attribution:
        """A primary document's own words: the organisation's, whoever typed them."""
        mention = Mention(start, start, "", "organization", self._own_org, self._own_org)
        return self._make("quote", start, end, mention, f"own text ({self.kind})", rule="own_text")

    def _frame(self, start: int, end: int, quotes: Sequence[Span], keep_relative: bool = False) -> str:
        """The text of ``[start, end)`` with every quoted span (marks included) masked by spaces."""
        chars = list(self.text[start:end])
        for q in quotes:
            a, b = max(q.open_mark, start), min(q.close_mark, end)
            for i in range(a, b):
                chars[i - start] = " "
        frame = "".join(chars)
        if keep_relative:
            return frame
        # "Example Cloud Services, which hosts Harborline's website, said": the relative clause
        # names no speaker
        return RELATIVE.sub(lambda m: " " * len(m.group()), frame)

    @staticmethod
    def _statement_like(para: str) -> bool:
        """A paragraph of a primary document that states something: not a heading,
        a subject line, a greeting or a sign-off ("Thank you for shopping with us,")."""
        para = para.strip()
        return not (re.match(r"(?i)(?:subject|re|from|to|date):|#", para)
                    or para.endswith((",", ":")) or len(para.split()) < 5)

    def _letter_like(self, para: str) -> bool:
        """A paragraph that goes on with a reproduced letter or post: anything but the reporter's
        voice resuming ("…, the company said", a paragraph naming the organisation in the third person
        or speaking of "the post" or "the email")."""
        if re.match(r"(?:Dear|Hello|Hi|Subject|Sincerely|Regards|Thank you|Thanks|Best|—|-)\b", para):
            return True
        own_voice = re.search(r"\b(?:we|our|us|We|Our)\b", para) is not None
        return own_voice or not (_REPORTER_CUE.search(para) or self.cast.names_org(para)
                                 or re.search(rf"\b{ORG_REF}\b|{_REPORTED_ITEM}", para, re.I))

    def _joined(self, a: Attribution, b: Attribution) -> bool:
        """True when ``b`` continues ``a``: the text between them is only a paragraph break."""
        between = self.text[a.end:b.start]
        left_open = self.text[a.end:a.end + 1] in ("\n", "")  # no closing mark: it runs on
        return left_open and len(between) <= 4 and "\n" in between

    def _blockquote_of(self, para: Paragraph) -> int | None:
        """The index of the <blockquote> holding the paragraph, if any."""
        for i, (start, end) in enumerate(self._blockquotes):
            if start <= para.start and para.end <= end:
                return i
        return None

    # reading -----------------------------------------------------------------------------------

    def _reported(self, s_start: int, frame: str, out: list[Attribution]) -> None:
        reported_and_declined(self.reading, s_start, frame, self._own_org, self._make, out)

    def extract(self) -> list[Attribution]:
        """All attributions in text order (quotes, reported speech, non-disclosure)."""
        text = self.text
        cast, reading = self.cast, self.reading
        discourse = reading.discourse
        out: list[Attribution] = []
        paragraphs = split_paragraphs(text)
        # a notice or statement published by someone else (a regulator's notice about the
        # organisation) is not the organisation's own text; a filing is, wherever it is published
        self._find_guest()
        primary = self.kind in PRIMARY_KINDS and bool(cast.orgs) and (
            self.kind == "filing" or not self.publisher
            or cast.org_for_phrase(self.publisher, discourse) is not None)
        reading.primary = primary
        # whose own text it is: the organisation that published it, else the first one named
        self._own_org = (cast.org_for_phrase(self.publisher, discourse) if self.publisher else None) or (
            cast.orgs[0] if cast.orgs else None)
        block_speaker: Decision | None = None
        block_in: int | None = None  # the <blockquote> a reproduced block is inside, if any
        last_intro: Decision | None = None  # the last sentence's speaker, when one of ours
        for para_index, para in enumerate(paragraphs):
            discourse.para_index = para_index
            sentences = sentence_bounds(text, para.start, para.end, para.quotes)
            para_text = text[para.start:para.end]
            quoted_block = self._blockquote_of(para)
            if block_speaker is None and quoted_block is not None and last_intro is not None and \
                    not para.quotes and self._blockquotes[quoted_block][0] >= paragraphs[para_index - 1].end:
                # "Fenwick said in a statement." and then a <blockquote>: the whole element is its
                block_speaker = last_intro
            # a notice reproduced as a block after "Here is the email:"
            if block_speaker is not None:
                if block_in is None and quoted_block is not None:
                    block_in = quoted_block
                if block_in is not None:
                    # a <blockquote> ends where the element ends, however the paragraphs were joined
                    inside = quoted_block == block_in
                else:
                    same_block = para_index > 0 and \
                        text.count("\n", paragraphs[para_index - 1].end, para.start) == 1
                    inside = same_block or self._letter_like(para_text)
                if not para.quotes and inside:
                    out.append(self._make("quote", para.start, para.end, block_speaker.mention,
                                          block_speaker.cue, rule="reproduced_block"))
                    continue
                block_speaker, block_in = None, None
            last_intro = None
            if not para.quotes and _CHROME.fullmatch(para_text):
                # "Sponsored post", "Advertisement": page furniture between two paragraphs of one
                # speaker's words does not end them
                for held in (reading.last_quote, reading.last_speaker):
                    if held is not None and held.para_index == para_index - 1:
                        held.para_index = para_index
                continue
            if self._names_stranger(para_text):
                reading.stranger_para = para_index
            if ctx.addressed_to_text_generator(para_text):
                # a page's words aimed at a text generator are data, never anyone's statement
                for q in para.quotes:
                    out.append(self._make("quote", q.start, q.end, None, None).model_copy(
                        update={"context": ctx.TO_TEXT_GENERATOR}))
                continue
            if para_text.lstrip().startswith("#"):
                heading = re.match(r"\s*#{1,6}\s+", para_text)
                start = para.start + (heading.end() if heading else 0)
                if primary and len(text[start:para.end].split()) >= 3:
                    out.append(self._own_text(start, para.end))
                reading.last_quote = None  # a headline does not continue anyone's quote
                self._interviewee = None
                continue
            if self._transcript_turn(para, out) or self._interview(para, out):
                continue
            if para_index and para.start - paragraphs[para_index - 1].end > 1 and self._memo_recent:
                self._memo_recent -= 1  # a memo's "it" reaches into the next paragraph, no further
            if primary and not para.quotes:
                # the document's own words; headings, subject lines, greetings and sign-offs are not
                # statements
                if self._statement_like(para_text):
                    out.append(self._own_text(para.start, para.end))
                    for s_start, s_end in sentences:
                        frame = self._frame(s_start, s_end, [])
                        if DECLINED.search(frame):
                            self._reported(s_start, frame, out)
                cast.track(para_text, discourse)
                continue
            for s_start, s_end in sentences:
                block_speaker = self._sentence(para, para_index, s_start, s_end, out) or block_speaker
            last_intro = self._last_intro
        # continued quotes without attribution of their own take the attribution of the next part
        for i in range(len(out) - 2, -1, -1):
            a, b = out[i], out[i + 1]
            if a.kind == "quote" and a.speaker is None and b.kind == "quote" and b.speaker is not None \
                    and self._joined(a, b):
                out[i] = a.model_copy(update={k: getattr(b, k) for k in (
                    "speaker", "speaker_role", "speaker_org", "cue")} | {"rule": f"{b.rule} (back-filled)"})
        return out

    def _sentence(self, para: Paragraph, para_index: int, s_start: int, s_end: int,
                  out: list[Attribution]) -> Decision | None:
        """Attribute one sentence's quotes (or find its reported speech); returns the speaker of a
        block the sentence introduces ("Here is the email:"), if any."""
        text, reading = self.text, self.reading
        quotes = [q for q in para.quotes if s_start <= q.open_mark < s_end or
                  (q.open_mark < s_start < q.close_mark)]
        frame = self._frame(s_start, s_end, quotes)
        anchors = [x - s_start for q in quotes for x in (q.open_mark, q.close_mark)]
        decision: Decision | None = None
        self._last_intro = None
        first_new = len(out)
        reading.discourse.sentence_index += 1
        if quotes:
            sentence = Sentence(s_start, frame, anchors, quotes, para.start, para_index,
                                self._statement_like(text[s_start:s_end]),
                                text[quotes[-1].start:quotes[-1].end].rstrip().endswith(","))
            decision = decide(reading, sentence)
            if decision is not None and decision.own:
                out.append(self._own_text(s_start, s_end))
            else:
                self._quotes(quotes, decision, frame, para_index, out)
        else:
            decision = by_cue(reading, frame, s_start)
            if decision is not None and decision.mention is not None and decision.mention.org is not None:
                self._last_intro = decision
            if decision is not None and decision.mention is not None and self._trailing_cue(frame, decision):
                self._back_fill(out, decision, para_index)
            if reading.primary and self._statement_like(text[s_start:s_end]):
                out.append(self._own_text(s_start, s_end))  # its own words beside a quote
            else:
                held = len(out)
                self._reported(s_start, frame, out)
                said = [a for a in out[held:] if a.kind == "reported" and a.speaker]
                if said:
                    a = said[-1]
                    who = Mention(a.start, a.start, a.speaker or "", a.speaker_role, a.speaker, a.speaker_org)
                    reading.last_speaker = LastQuote(who, a.cue or "", para_index, None)
        self._unattributed = [i for i in range(first_new, len(out))
                              if out[i].kind == "quote" and out[i].speaker is None and out[i].rule is None]
        self._unattributed_para = para_index
        reading.previous_quoted = bool(quotes)
        block = self._colon(para, s_start, s_end, frame, quotes, decision)
        self.cast.track(self._frame(s_start, s_end, quotes, keep_relative=True), reading.discourse)
        if ctx.mentions_internal_document(frame):
            self._memo_recent = 2
        return block

    def _quotes(self, quotes: Sequence[Span], decision: Decision | None, frame: str, para_index: int,
                out: list[Attribution]) -> None:
        mention = decision.mention if decision else None
        cue = decision.cue if decision else None
        context = decision.context if decision and decision.rule == "continuation" else \
            ctx.context_of(frame, self.published, self._memo_recent > 0)
        for q in quotes:
            if NAMED_NOT_SAID.search(self.text, max(0, q.open_mark - 80), q.open_mark):
                # "the group's claim of “…”", "dubbed “…”": words mentioned, not said by the speaker
                out.append(self._make("quote", q.start, q.end, None, None, rule="named_not_said"))
                continue
            a = self._make("quote", q.start, q.end, mention, cue, rule=decision.rule if decision else None)
            if context:
                a.context = context
            if q.continued and self._previous is not None and mention is None:
                a = a.model_copy(update={k: getattr(self._previous, k) for k in (
                    "speaker", "speaker_role", "speaker_org", "cue")} | {"rule": "continued_paragraph"})
            out.append(a)
            self._previous = a
        if mention is not None and decision is not None:
            self.reading.last_quote = LastQuote(mention, (cue or "").removesuffix(" (continued)"), para_index,
                                                context)
            self.reading.last_speaker = LastQuote(mention, (cue or "").split(" (")[0], para_index, context)

    def _names_stranger(self, para: str) -> bool:
        """True when a paragraph names someone by name (two capitalised words, outside quotes) who is
        neither one of the source's organisations nor the last speaker."""
        last = self.reading.last_speaker
        narration = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", para)
        if _DESCRIBED_PERSON.search(narration):
            return True  # "Melbourne woman Alexandra"
        for m in re.finditer(NAME, narration):
            name = m.group(0)
            if any(w.isupper() and len(w) > 1 for w in name.split()):
                continue  # "Adjusted EBITDAR", "US Senate": not a person's name
            if self.cast.names_org(name) or name.split()[0] in NOT_NAMES or name.split()[0] in CALENDAR_WORDS \
                    or (last is not None and last.mention.speaker and name in last.mention.speaker):
                continue
            return True
        return False

    def _trailing_cue(self, frame: str, decision: Decision) -> bool:
        """True for a sentence that is only an attribution: “…” He added. / Worth said."""
        words = frame.split()
        return 2 <= len(words) <= 5 and decision.rule in ("subject", "inverted") and bool(self._unattributed) and \
            re.search(rf"(?i)\b(?:{CUE_VERBS})\s*[.!]?\s*$", frame) is not None

    def _back_fill(self, out: list[Attribution], decision: Decision, para_index: int) -> None:
        """Give the previous sentence's unattributed quotes to the speaker of a trailing cue."""
        if self._unattributed_para != para_index:
            return
        for i in self._unattributed:
            a = out[i]
            made = self._make("quote", a.start, a.end, decision.mention, f"{decision.cue} (after the quote)",
                              rule="trailing_cue")
            made.context = a.context
            out[i] = made
            self._previous = made
        self._unattributed = []
        if decision.mention is not None:
            self.reading.last_speaker = LastQuote(decision.mention, decision.cue or "", para_index, None)

    def _colon(self, para: Paragraph, s_start: int, s_end: int, frame: str, quotes: Sequence[Span],
               decision: Decision | None) -> Decision | None:
        """After a sentence ending in a colon, remember who it introduces; returns that speaker
        when the sentence introduces a reproduced block of the organisation's ("Here is the email:")."""
        reading = self.reading
        if not frame.rstrip().endswith(":"):
            reading.colon_intro = None
            return None
        # without quotes the sentence was attributed with no anchors: the same call
        intro = decision if not quotes else by_cue(reading, frame, s_start)
        if intro is None and re.search(rf"\b{CHANNEL}\b", frame, re.I):
            channels = [x for x in mentions(reading, frame, s_start) if x.role == "channel"]
            intro = Decision(channels[-1], channels[-1].text, "colon_introduction") if channels else None
        reading.colon_intro = intro if intro is not None and intro.mention is not None else None
        # a reproduced block is the organisation's only when the paragraph introducing it names it
        # ("Harborline sent a message. Here is the email:"), not "The post read:"
        explicit = intro is not None and intro.mention is not None and (
            intro.mention.role != "channel"
            or re.match(r"(?i)(?:its|their|our|the company)\b", intro.mention.text) is not None
            or (re.search(rf"(?i)\bthe\s+{_FORMAL}", intro.mention.text) is not None
                and reading.discourse.last_ref[1] is not None)
            or (self.cast.org_re is not None and self.cast.org_re.search(self.text, para.start, s_end) is not None)
            or (reading.discourse.last_company[1] is not None
                and re.search(rf"\b{ORG_REF}\b", self.text[para.start:s_end], re.I) is not None))
        if explicit and s_end == para.end and not quotes:
            return intro
        return None


def extract_attributions(text: str, kind: str, organizations: Sequence[str],
                         published: dt.date | None = None, publisher: str | None = None,
                         blockquotes: Sequence[tuple[int, int]] = ()) -> list[Attribution]:
    """Extract quotes, reported speech and non-disclosure evidence from a source's text.

    Args:
        text: the source's normalised text.
        kind: the source's kind.
        organizations: organisations from the source's metadata.
        published: the source's date; a quote set in an earlier year is marked ``earlier incident``.
        publisher: who published it; a notice or statement published by someone other than its
            organisations is not their own text.
        blockquotes: ``(start, end)`` of each HTML ``<blockquote>`` (see
            :meth:`knowledge.loaders.LoadedDocument.blockquotes`).

    Returns:
        Attributions in text order; for each, ``text[a.start:a.end] == a.text``.
    """
    view, offsets = visible_view(text)
    if view == text:
        return Extractor(text, kind, organizations, published, publisher, blockquotes).extract()
    # soft hyphens and zero-width characters would split names ("Bright\u00adwater"): read the text
    # without them, then map every span back to the stored text
    back = {o: i for i, o in enumerate(offsets)}
    quoted = [(back.get(a, 0), back.get(b, len(view))) for a, b in blockquotes]
    found = Extractor(view, kind, organizations, published, publisher, quoted).extract()
    out = []
    for a in found:
        start, end = original_span(offsets, a.start, a.end)
        out.append(a.model_copy(update={"start": start, "end": end, "text": text[start:end]}))
    return out
