"""Reading a question: which organisation it names, what kind of answer it asks for, and the terms an
answer to it should contain; and the one-sentence finding a yes/no or factual answer opens with."""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.attribution import organization_aliases
from knowledge.names import match_form, organization_index
from knowledge.records import Answer
from knowledge.snippets import matches

#: "What did X (actually) say?", "What has X said?": answered in the order things were said.
GENERAL_QUESTION = re.compile(r"^\s*what\s+(?:did|has|have|does)\s+.+?\s+(?:actually\s+|really\s+)?"
                              r"(?:say|said|tell|told)\s*(?:so far|publicly)?\s*\??\s*$", re.IGNORECASE)


def find_organization(question: str, known: Sequence[str]) -> str | None:
    """The known organisation named in ``question`` (by name or alias, as people type them: case,
    accents, apostrophes and invisible characters do not matter), else None.

    When several are named, the one whose matching alias is longest wins. The aliases are compiled
    once per list of organisations (:func:`knowledge.names.organization_index`), not per question.
    """
    index = organization_index(known)
    found = index.find(question)
    if found:
        return found
    # "the council", "the bank": the one known organisation whose name ends in that kind of body
    for m in re.finditer(r"\bthe\s+([a-z]+)\b", question, re.IGNORECASE):
        endings = _INSTITUTIONS.get(m.group(1).casefold(), ())
        named = [org for org in known if org.split() and match_form(org.split()[-1]) in endings]
        if len(named) == 1:
            return named[0]
    return None


#: "the council" in a question is the one known organisation whose name ends in one of these words.
_INSTITUTIONS: dict[str, tuple[str, ...]] = {
    "council": ("council",), "bank": ("bank",), "university": ("university",), "college": ("college",),
    "school": ("school",), "hospital": ("hospital",), "airline": ("airlines", "airline", "airways"),
    "insurer": ("insurance",), "utility": ("energy", "water", "power"), "agency": ("agency",),
}


_STOP = frozenset(["a", "an", "the", "it", "its", "they", "them", "their", "this", "that", "these", "those", "did", "does", "do", "has", "have", "had", "is", "was", "were", "be", "been", "being", "say", "said", "says", "call", "called", "calls", "admit", "admitted", "confirm", "confirmed", "mention", "mentioned", "tell", "told", "about", "any", "anything", "what", "when", "which", "who", "whom", "why", "how", "many", "much", "caused", "cause", "happen", "happened", "were", "affected", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "not", "no", "yes", "if", "whether", "ever", "actually", "really", "publicly", "so", "far", "x", "company", "organisation", "organization"])


def classify_question(question: str, org: str) -> tuple[str, list[str]]:
    """The question's type and the terms an answer to it should contain.

    Returns:
        ``(type, terms)``: type ``others`` ("who else commented?"), ``yes_no`` ("did X call it a
        breach?"), ``fact`` ("how many ...?", "when ...?", "what caused ...?", "what data ...?") or
        ``said``; terms are the question's content words, plus the non-disclosure topic for a
        factual question ("count", "timing", "cause", "data").
    """
    q = question.casefold()
    aliases = {w.casefold() for a in organization_aliases(org) for w in a.split()}
    terms = [w for w in re.findall(r"[\w'-]+", q) if w not in _STOP and w not in aliases and len(w) > 2]
    if re.search(r"\bwho else\b|\bwho (?:has |have )?(?:else )?(?:commented|spoke|said)\b|\bothers? (?:say|said)\b", q):
        return "others", terms
    if re.match(r"\s*(?:did|does|has|have|is|was|were|will|would)\b", q):
        return "yes_no", terms
    topics = [name for name, pattern in (
        ("count", r"\bhow many\b|\bhow much\b|\bnumber of\b"), ("timing", r"^\s*when\b|\bhow long\b"),
        ("cause", r"\bcaused?\b|\bwhy\b|\bhow did\b|\bwhat went wrong\b"),
        ("data", r"\bwhat (?:data|information)\b|\bwhich (?:data|information)\b"),
        ("regulators", r"\bregulators?\b"), ("regions", r"\bwhich (?:countries|states|regions)\b"),
    ) if re.search(pattern, q)]
    terms = list(dict.fromkeys(terms))
    if topics:
        return "fact", terms + [t for t in topics if t not in terms]
    return "said", terms


def finding(qtype: str, terms: Sequence[str], org: str, answer: Answer) -> str | None:
    """One sentence on whether the organisation's words touch the question's terms (yes/no and
    factual questions: the statements that do are listed first; none is said plainly), or on who
    else is quoted ("who else commented?")."""
    if qtype == "others":
        speakers = {o.speaker for o in answer.others if o.speaker}
        if not speakers:
            return f"No speaker other than {org} is quoted in the indexed sources about it."
        return f"{len(speakers)} other speaker{'s' * (len(speakers) != 1)} quoted; see “others”."
    words = [t for t in terms if t not in ("count", "timing", "cause", "data", "regions", "regulators")]
    if qtype not in ("yes_no", "fact") or not (words or terms):
        return None
    texts = [st.text for st in answer.statements] + [r.text for r in answer.reported]
    hits = sum(1 for text in texts if matches(text, terms))
    about = ", ".join(f"“{w}”" for w in words) or "this"
    if hits:
        # "did they blame a supplier for the mistake?": say which words none of theirs use
        touched = [w for w in words if any(matches(text, [w]) for text in texts)]
        missing = ", ".join(f"“{w}”" for w in words if w not in touched)
        shown = ", ".join(f"“{w}”" for w in touched) or about
        return (f"{hits} of the quoted or reported words of {org} touch {shown}; they are listed first."
                + (f" None mention {missing}." if missing and touched else ""))
    declined = [d for d in answer.not_disclosed if d.topic and d.topic in terms]
    if declined:
        return f"No words of {org} in the index answer this; sources say it did not disclose it."
    return f"None of the words of {org} in the index mention {about}."
