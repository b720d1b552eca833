"""Transcripts and interviews: whose turn a paragraph is.

A transcript's labelled turn ("**Dana Park:** …", "A: …") is its speaker's words; an interview printed
as bold questions and plain answers gives the answers to the person named before the first question.
:class:`Turns` is mixed into :class:`~knowledge.attribution.extractor.Extractor`, whose state it reads
(``text``, ``kind``, ``cast``, ``reading``, ``_make``) and whose guest and interviewee it keeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.attribution.cast import Cast, Mention
from knowledge.attribution.sieves import Reading
from knowledge.attribution.spans import Paragraph
from knowledge.attribution.vocabulary import CUE, NAME, TURN
from knowledge.records import PRIMARY_KINDS, Attribution

#: A question in an interview printed without labels: a bold (or italic) paragraph ending in "?".
_QUESTION = re.compile(r"\s*(?:\*\*|__|\*)[^*_]{5,400}\?(?:\*\*|__|\*)\s*$")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|we|We|our|Our|my|My|me|us)\b")
#: The reporter speaking of what was reproduced: "the post", "the email".
REPORTED_ITEM = r"\b(?:the|that|this)\s+(?:post|blog post|statement|email|e-mail|letter|notice|message)\b"
_REPORTED_ITEM_RE = re.compile(REPORTED_ITEM, re.IGNORECASE)


class Turns:
    """Transcript turns and interview answers (a mixin of the extractor)."""

    text: str
    kind: str
    cast: Cast
    reading: Reading
    _make: Callable[..., Attribution]
    _guest: Mention | None
    _interviewee: Mention | None

    def _find_guest(self) -> None:
        """"Guest: Devin Alcaraz, chief technology officer, Kestrel Mobility" names who answers."""
        m = re.search(rf"\bGuests?:\s*(?P<name>{NAME}),\s*(?P<role>[^.;\n*]+)", self.text)
        if m is None:
            return
        role, org = self.cast.classify_role(m.group("role"), self.reading.discourse)
        self._guest = Mention(m.start("name"), m.end("name"), m.group("name"), role or "person",
                              m.group("name"), org)
        self.reading.discourse.remember(self._guest)

    def _transcript_turn(self, para: Paragraph, out: list[Attribution]) -> bool:
        """A transcript's turn ("**Dana Park:** …", "A: …") is its speaker's words, as a quote.

        The guest named in "Guest: Name, role, Organisation" answers the "A:" turns; "Q:" turns and
        unknown single-word labels are not quoted. Returns True when the paragraph was a turn.
        """
        text = self.text[para.start:para.end]
        label = TURN.match(text)
        if label is None or self.kind in PRIMARY_KINDS:
            return False
        if label.group("qa"):
            if label.group("qa") == "Q" or self._guest is None:
                return label.group("qa") == "Q"
            speaker = self._guest
        else:
            name = label.group("name")
            discourse = self.reading.discourse
            speaker = discourse.person(name) or discourse.person(name.split()[-1])
            if speaker is None:
                if len(name.split()) < 2:
                    return False
                speaker = Mention(para.start, para.start, name, "person", name, None)
                self.reading.discourse.remember(speaker)
        start = para.start + label.end()
        end = para.end - (len(text) - len(text.rstrip(" *")))
        if len(self.text[start:end].split()) >= 3:
            out.append(self._make("quote", start, end, speaker, f"{speaker.speaker} (transcript)",
                                  rule="transcript"))
        return True

    def _interview(self, para: Paragraph, out: list[Attribution]) -> bool:
        """An interview printed as bold questions and plain answers, with no labels: a question
        ("**How did they get in?**") is the interviewer's; the paragraphs after it are the words of the
        person the article named just before the first question, until the reporter's voice resumes.
        Returns True when the paragraph was a question or an answer."""
        text = self.text[para.start:para.end]
        if self.kind in PRIMARY_KINDS:
            return False
        if _QUESTION.match(text):
            if self._interviewee is None:
                self._interviewee = self.reading.discourse.last_person
            self.reading.last_quote = None
            return True
        guest = self._interviewee
        if guest is None or para.quotes:
            return False
        if (CUE.search(text) or _REPORTED_ITEM_RE.search(text)) and not _FIRST_PERSON.search(text):
            self._interviewee = None  # the reporter again
            return False
        discourse = self.reading.discourse
        if guest.org is None and guest.role == "person" and discourse.last_org and \
                (len(self.cast.orgs) == 1 or discourse.org_named) and re.search(r"\b(?:our|Our)\b", text):
            # the guest of an interview about the organisation who speaks of "our filings", "our
            # customers" speaks for it
            guest = self._interviewee = discourse.affiliate(guest, discourse.last_org)
        if len(text.split()) >= 3:
            out.append(self._make("quote", para.start, para.end, guest, f"{guest.speaker} (interview)",
                                  rule="interview_answer"))
        return True
