"""Reported (indirect) speech and non-disclosure in sentences that hold no quote.

"The email said the issue had been fixed" is reported speech: stored as ``reported``, never shown in
quotation marks. "The company declined to say how many customers were affected" is evidence of what
was not disclosed: stored as ``declined`` with its topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.attribution.cast import Mention
from knowledge.attribution.sieves import Reading, mentions
from knowledge.attribution.vocabulary import (
    CHANNEL,
    DECLINED,
    LISTENER,
    NEGATION,
    TOPICS,
)
from knowledge.records import Attribution

#: Builds an attribution: (kind, start, end, mention, cue, topic, rule).
Make = Callable[[str, int, int, Mention | None, str | None, str | None, str], Attribution]

_REPORTING = re.compile(
    rf"\b(?P<v>said|says|told {LISTENER}|wrote|stated|confirmed|explained|added|"
    rf"noted|acknowledged|announced|admitted|warned|informed {LISTENER}|"
    rf"informing {LISTENER}|assured {LISTENER}|claimed|insisted)"
    rf"(?:\s+(?:in|via|through)\s+(?:a|an|its|the|their)\s+(?:[\w-]+\s+)?{CHANNEL}"
    rf"(?:\s+to\s+[\w-]+)?)?(?:\s+(?:on\s+)?\w+day)?(?:\s+that)?\s+(?=\S)")


def topic_of(frame: str, declined: re.Match[str]) -> str | None:
    """What was not disclosed: the first topic named after the refusal, else before it."""
    return (next((name for name, pattern in TOPICS if pattern.search(frame[declined.end():])), None)
            or next((name for name, pattern in TOPICS if pattern.search(frame[:declined.start()])), None))


def reported_and_declined(reading: Reading, s_start: int, frame: str, own_org: str | None,
                          make: Make, out: list[Attribution]) -> None:
    """Append the sentence's non-disclosure evidence and reported speech to ``out``."""
    declined = DECLINED.search(frame)
    if declined:
        found = [m for m in mentions(reading, frame, s_start) if m.end <= s_start + declined.start()]
        if not found and reading.primary and re.match(r"\s*(?:We|we)\b", frame):
            found = [Mention(s_start, s_start + 2, frame.strip()[:2], "organization", own_org, own_org)]
        if found:
            out.append(make("declined", s_start, s_start + len(frame.rstrip()), found[-1],
                            f"{found[-1].text} {declined.group(0)}", topic_of(frame, declined), "declined"))
        frame = frame[:declined.start()]
    for m in _REPORTING.finditer(frame):
        if NEGATION.search(frame[max(0, m.start() - 30):m.start()]) or re.search(
                r"\b(?:been|be|being|was|were|is|are)\s+$", frame[:m.start()]) or \
                re.match(r"told\s+by\b", m.group(0)):
            continue  # "has been told by the regulator": someone else's words
        head = frame[:m.start()]
        found = [x for x in mentions(reading, head, s_start) if s_start + m.start() - x.end <= 25]
        if not found:
            continue
        clause_start = m.end()
        rest = frame[clause_start:]
        stop = re.search(r",\s+(?:but|and|and yet|though|although|while|which)\b|;|\s[—–]\s|—|$", rest)
        clause_end = clause_start + (stop.start() if stop else len(rest))
        clause = frame[clause_start:clause_end].rstrip(" .,")
        if len(clause.split()) < 3 or (re.match(r"(?:to|on|in|at|for|with|about|from|by|of|into)\b", clause)
                                       and not re.match(r"about\s+\d", clause)):
            continue  # "wrote to shoppers on Monday" reports no words
        start = s_start + clause_start
        out.append(make("reported", start, start + len(clause), found[-1],
                        f"{found[-1].text} {m.group('v').strip()}", None, "reported_verb"))
        break
    acc = re.search(r"\baccording to\s+", frame, re.IGNORECASE)
    if acc:
        found = [x for x in mentions(reading, frame, s_start) if x.start == s_start + acc.end()]
        if found:
            before = frame[:acc.start()].rstrip(" ,")
            after = frame[found[0].end - s_start:].lstrip(" ,").rstrip(" .")
            clause, offset = (before, 0) if len(before.split()) >= 3 else (after, len(frame) - len(
                frame[found[0].end - s_start:].lstrip(" ,")))
            if len(clause.split()) >= 3:
                start = s_start + offset
                out.append(make("reported", start, start + len(clause), found[0],
                                f"according to {found[0].text}", None, "reported_according_to"))
