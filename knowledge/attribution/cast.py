"""The cast of a document: who can speak in it, and who was named earlier.

:class:`Cast` knows the source's organisations (with their aliases) and finds *mentions* of
possible speakers in a sentence: named people with a role ("Dana Whitfield, a spokesperson for
Harborline"), spokespeople, the organisation's channels ("its email"), other bodies, people by role
alone ("one security researcher"), the organisation by name, "the company", "it" and pronouns.
Finding mentions (:mod:`knowledge.attribution.mentions`) changes nothing; :class:`Discourse` holds who was named earlier and what "the
company" and "it" refer to, and is updated in one place, :meth:`Discourse.note`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from rapidfuzz import fuzz

from knowledge.attribution.organizations import (
    loose_pattern,
    name_key,
    organization_aliases,
)
from knowledge.attribution.vocabulary import (
    BODY,
    HONORIFIC,
    NOT_ANOTHER_NAME,
    ORG_REF,
    OTHER_ORG_WORDS,
    ROLE_KINDS,
    ROLE_KINDS_BY_NAME,
    ROLE_WORDS,
)

#: Channels only an organisation uses: "a statement said" in an article about it is its statement.
_FORMAL_CHANNEL = r"\b(?:statement|press release|filing|notice|notification|announcement)s?\b"
#: A clause before the subject: "On 12 September, three days before X emailed anyone, …".
_FRONTED = re.compile(
    r"\s*(?:\*\*[^*]{1,60}\*\*\s*)?(?:(?:(?:On|In|At|By|During|After|Before|Since|Until|When|While|Although|"
    r"Though|Because|As|Last|Earlier|Later|Days|Weeks|Hours|One|Two|Three|Four|Five)\b|[\w-]+\s+(?:days?|weeks?|"
    r"hours?|months?)\s+(?:before|after)\b)[^,;“”\"]{0,90},\s*)+")
#: "the executive", "the chief executive": the executive named before, not a new one.
_BARE_TITLE = re.compile(r"(?i)the\s+(?:executive|chief executive|ceo|founder|chairman|chairwoman|president|boss)")
#: Roles whose words are their organisation's.
SPEAKS_FOR_ORG = ("organization", "spokesperson", "executive")


@dataclass
class Mention:
    """A possible speaker found in a sentence (offsets into the text)."""

    start: int
    end: int
    text: str
    role: str  # organization | org_ref | channel | spokesperson | executive | person | other roles
    speaker: str | None
    org: str | None  # organisation the mention speaks for, when it is one of the source's


@dataclass
class Found:
    """What :meth:`Cast.mentions` found in one sentence: the mentions, the people first named in
    it, and the last person named (whom "he" or "she" in a later sentence means)."""

    mentions: list[Mention]
    named: list[Mention] = field(default_factory=list)
    last_person: Mention | None = None


@dataclass
class Discourse:
    """Who was named earlier in the document, and what "the company" and "it" refer to now."""

    last_org: str | None
    #: what "it" and "the post" refer to: (name, organisation of the source or None)
    last_ref: tuple[str | None, str | None]
    #: what "the company" refers to: like ``last_ref`` but never an attacker group
    last_company: tuple[str | None, str | None]
    people: dict[str, Mention] = field(default_factory=dict)  # surname and full name -> first mention
    last_person: Mention | None = None
    person_para: int = -1  # the paragraph in which the last person was named
    para_index: int = 0  # the paragraph being read
    org_named: bool = False  # the text has named one of the source's organisations so far
    sentence_index: int = 0  # the sentence being read (sentences outside quotes and blocks)
    person_sentence: int = -1  # the sentence in which the last person was named

    def remember(self, mention: Mention) -> None:
        """Note a person named now (by full name and surname; the first mention wins)."""
        _remember(self.people, mention)
        self.last_person = mention
        self.person_para = self.para_index
        self.person_sentence = self.sentence_index

    def affiliate(self, mention: Mention, org: str) -> Mention:
        """The person, now known to speak for ``org`` (an apology for the incident): later mentions
        by surname or pronoun resolve to the affiliated person."""
        upgraded = Mention(mention.start, mention.end, mention.text, "executive", mention.speaker, org)
        for key, known in list(self.people.items()):
            if known.speaker == mention.speaker:
                self.people[key] = upgraded
        _remember(self.people, upgraded)
        if self.last_person is not None and self.last_person.speaker == mention.speaker:
            self.last_person = upgraded
        return upgraded

    def person(self, name: str) -> Mention | None:
        """The person first named as ``name`` (a full name, a surname, with a title), if any."""
        return known_person(self.people, name)

    def note(self, found: Found) -> None:
        """Take in what a sentence's mentions say about the cast."""
        for mention in found.named:
            self.remember(mention)
        if found.last_person is not None:
            self.last_person = found.last_person


def person_key(name: str) -> str:
    """How a person's name is looked up: "O’Hara" and "O'Hara" are one name, as are "Hélène" and
    "Helene"; a title before it is dropped ("Ms Bayer Rosmarin" is "Bayer Rosmarin")."""
    return name_key(re.sub(rf"^{HONORIFIC}\s+", "", name.strip()))


#: How alike (0-100) a surname must be to a known one to be taken as a typo of it ("Koczar").
SURNAME_TYPO_MIN = 85


def known_person(people: Mapping[str, Mention], name: str) -> Mention | None:
    """The person ``name`` refers to: by full name, by name without its title, by surname, or by a
    surname spelt one letter off (a typo: "Koczar" for "Koczkar"); None for a stranger."""
    key = person_key(name)
    if not key:
        return None
    person = people.get(key) or people.get(key.split()[-1])
    if person is not None or len(key) < 5 or " " in key:
        return person
    for other, mention in people.items():
        if " " not in other and other[:1] == key[:1] and abs(len(other) - len(key)) <= 2 and \
                fuzz.ratio(other, key) >= SURNAME_TYPO_MIN:
            return mention
    return None


def _remember(people: MutableMapping[str, Mention], mention: Mention) -> None:
    name = mention.speaker or ""
    parts = name.split()
    if parts:
        people.setdefault(person_key(parts[-1]), mention)
        people.setdefault(person_key(name), mention)


class _Patterns(NamedTuple):
    alias_to_org: dict[str, str]
    org_re: re.Pattern[str] | None
    by_length: list[tuple[re.Pattern[str], str]]
    kind_ref: str
    ref_re: re.Pattern[str]
    kind_words: frozenset[str]


@functools.lru_cache(maxsize=4096)
def _patterns(orgs: tuple[str, ...]) -> _Patterns:
    """The compiled patterns for a list of organisations, built once per list (compiling them for
    every document would cost more than reading it)."""
    aliases: list[str] = []
    alias_to_org: dict[str, str] = {}
    for org in orgs:
        for alias in organization_aliases(org):
            alias_to_org.setdefault(name_key(alias), org)
            aliases.append(alias)
    aliases.sort(key=len, reverse=True)
    # accents optional and either apostrophe: "Societe Oriflamme" in the metadata finds "Société"
    org_re = (re.compile(rf"\b(?:{'|'.join(loose_pattern(a) for a in aliases)})(?:[’']s)?\b{NOT_ANOTHER_NAME}")
              if aliases else None)
    # the alias in any case ("the Clairbrook managing director"), but the next word's case decides
    # whether it is another name ("Quillfeather Cloud" is not "Quillfeather")
    pairs = {(a, org) for org in orgs for a in organization_aliases(org)}
    by_length = [(re.compile(rf"\b(?i:{loose_pattern(alias)})(?:[’']s)?\b{NOT_ANOTHER_NAME}"), org)
                 for alias, org in sorted(pairs, key=lambda p: (-len(p[0]), p[0]))]
    # "the bakery" for "Cinderleaf Bakery": the kind of body the organisation's name ends in
    kinds = sorted(({o.split()[-1].casefold() for o in orgs if len(o.split()) > 1}
                    | {"group" for o in orgs if re.search(r"(?i)\bgroup[eo]?\b", o)})
                   - {"inc", "inc.", "ltd", "llc", "plc", "corp", "co"})
    kind_ref = rf"\bthe (?:{'|'.join(map(re.escape, kinds))})\b" if kinds else r"(?!x)x"
    ref_re = re.compile(rf"\b{ORG_REF}\b|{kind_ref}", re.I)
    return _Patterns(alias_to_org, org_re, by_length, kind_ref, ref_re, frozenset(kinds))


class Cast:
    """The organisations of one source and how to find possible speakers in its sentences.

    Args:
        kind: the source's kind.
        organizations: organisations from the source's metadata; the first is the focal one that
            "the company" and "it" refer to when the text names no other.
    """

    def __init__(self, kind: str, organizations: Sequence[str]) -> None:
        self.kind = kind
        self.orgs = list(organizations)
        patterns = _patterns(tuple(self.orgs))
        self.alias_to_org = patterns.alias_to_org
        self.org_re = patterns.org_re
        self._by_length = patterns.by_length
        self.kind_ref = patterns.kind_ref
        self.ref_re = patterns.ref_re
        self._kind_words = patterns.kind_words

    def discourse(self) -> Discourse:
        """A fresh discourse: "the company" and "it" first refer to the focal organisation."""
        first = self.orgs[0] if self.orgs else None
        return Discourse(last_org=first, last_ref=(first, first), last_company=(first, first))

    # names and roles -----------------------------------------------------------------------------

    def resolve_org_word(self, word: str) -> str | None:
        """The source's organisation that ``word`` names (an alias, possessive allowed), else None."""
        return self.alias_to_org.get(name_key(re.sub(r"[’']s$", "", word)))

    def names_org_first(self, name: str) -> bool:
        """True when ``name`` begins with one of the source's organisations ("Capital One Financial
        Corp")."""
        return self.org_re is not None and self.org_re.match(name) is not None

    def names_org(self, text: str) -> bool:
        """True when ``text`` names one of the source's organisations."""
        return self.org_re is not None and self.org_re.search(text) is not None

    def other_role(self, name: str) -> str:
        """The role of a body or person that is not one of the source's organisations."""
        for role, pattern in ROLE_KINDS[2:]:
            if pattern.search(name):
                return role
        return "other_organization" if OTHER_ORG_WORDS.search(name) else "person"

    def org_for_phrase(self, phrase: str, discourse: Discourse) -> str | None:
        """The source's organisation a phrase names ("a Harborline spokesperson", "the company")."""
        phrase = phrase.strip()
        if re.fullmatch(ORG_REF, phrase, re.I) or phrase.lower() in ("company", "its", "the company"):
            return discourse.last_org
        if re.fullmatch(self.kind_ref, phrase, re.I):  # "the group" for Groupe Sérignac
            word = phrase.split()[-1].casefold()
            return next((o for o in self.orgs if re.search(rf"(?i)\b{re.escape(word)}[eo]?\b", o)), None)
        for pattern, org in self._by_length:
            if pattern.search(phrase):
                return org
        return None

    def classify_role(self, role_text: str, discourse: Discourse) -> tuple[str | None, str | None]:
        """Role kind and, for a spokesperson or executive of one of the source's organisations, that
        organisation. ``(None, None)`` when the text is not a role."""
        for role, pattern in ROLE_KINDS:
            if pattern.search(role_text):
                if role in ("spokesperson", "executive"):
                    # "the spokeswoman of the group" (for Groupe Sérignac); never "leader of the opposition
                    # group on the council"
                    kind = re.search(rf"\b(?:of|for|at)\s+{self.kind_ref}\s*$", role_text, re.I) \
                        if role == "spokesperson" else None
                    org = self.org_for_phrase(role_text, discourse) or (
                        self.org_for_phrase(re.sub(r"^\w+\s+", "", kind.group(0)), discourse) if kind else None) or (
                        discourse.last_company[1]
                        if re.search(rf"\b(?:its|our)\b|\b{ORG_REF}\b", role_text, re.I) else None)
                    # "Quillon chief executive", "Example Cloud's CTO", "a spokesperson for the
                    # regulator" name someone else; "Head of Trust and Safety" does not
                    names_other = (kind is None and re.search(r"\b(?:at|of|for|with)\s+(?:the|a|an)\s+(?!company\b)",
                                                               role_text)) or any(
                        w.casefold() not in ROLE_WORDS and self.resolve_org_word(w) is None
                        for w in re.findall(r"\b[A-Z][\w&-]+", role_text))
                    if org is None and self.another_owner(role_text):
                        return "spokesperson_other" if role == "spokesperson" else "person", None
                    if org is None and not names_other:
                        # "Tomas Elwin, vice president of product management": the organisation in
                        # play (among several, the one the text last named; none named: no guess)
                        org = discourse.last_org if len(self.orgs) == 1 or discourse.org_named else None
                    if org is None:
                        return "spokesperson_other" if role == "spokesperson" else "person", None
                    return role, org
                if role == "expert" and self.org_for_phrase(role_text, discourse):
                    return "employee", None  # "a Harborline engineer": works there, does not speak for it
                return role, None
        return None, None

    def another_owner(self, role_text: str) -> bool:
        """True when a possessive names another body: "the group's president", "the union's
        spokeswoman" (but "the company's founder" and, for Pinecrest School District, "the district's
        superintendent" are the organisation's)."""
        for m in re.finditer(r"\b(?:the|a|an|its|their)\s+([a-z][\w-]*)[’']s\b", role_text):
            noun = m.group(1).casefold()
            if noun not in self._kind_words and re.fullmatch(ORG_REF, f"the {noun}", re.I) is None:
                return True
        return False

    # discourse ---------------------------------------------------------------------------------

    def track(self, frame: str, discourse: Discourse) -> None:
        """Remember the organisation a sentence is about (the first one it names, usually its
        subject), so that "the company", "it" and "the post" in what follows resolve to it.

        A fronted clause is skipped ("Three days before Harborline emailed anyone, a crew posted …":
        the crew is what the sentence is about)."""
        lead = _FRONTED.match(frame)
        if lead is not None and lead.end() < len(frame):
            frame = " " * lead.end() + frame[lead.end():]
        first = next(self.org_re.finditer(frame), None) if self.org_re is not None else None
        if first is not None:
            discourse.last_org = self.resolve_org_word(first.group(0)) or discourse.last_org
            discourse.org_named = True
        company = next((m for m in BODY.finditer(frame) if not self.resolve_org_word(m.group("n"))), None)
        regulator = ROLE_KINDS_BY_NAME["regulator"].search(frame)
        if regulator is not None and (company is None or regulator.start() < company.start()) and \
                (first is None or regulator.start() < first.start()) and regulator.start() < 80:
            # "Germany's federal data protection office said …": its spokesman speaks next
            discourse.last_company = (regulator.group(0), None)
        elif company is not None and (first is None or company.start() < first.start()):
            discourse.last_company = (company.group("n"), None)
        elif first is not None:
            discourse.last_company = (discourse.last_org, discourse.last_org)
        body: re.Match[str] | None = company
        attacker = ROLE_KINDS_BY_NAME["attacker"].search(frame)
        if attacker is not None and (body is None or attacker.start() < body.start()):
            body = attacker
        if body is not None and (first is None or body.start() < first.start()):
            discourse.last_ref = ((body.groupdict().get("n") or body.group(0)), None)
        elif first is not None:
            discourse.last_ref = (discourse.last_org, discourse.last_org)

    # mentions ----------------------------------------------------------------------------------

