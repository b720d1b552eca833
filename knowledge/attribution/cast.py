"""The cast of a document: who can speak in it, and who was named earlier.

:class:`Cast` knows the source's organisations (with their aliases) and finds *mentions* of
possible speakers in a sentence: named people with a role ("Dana Whitfield, a spokesperson for
Harborline"), spokespeople, the organisation's channels ("its email"), other bodies, people by role
alone ("one security researcher"), the organisation by name, "the company", "it" and pronouns.
Finding mentions changes nothing; :class:`Discourse` holds who was named earlier and what "the
company" and "it" refer to, and is updated in one place, :meth:`Discourse.note`.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge.attribution.organizations import loose_pattern, name_key, organization_aliases
from knowledge.attribution.vocabulary import (
    ANONYMOUS,
    ATTRIBUTIVE,
    BODY,
    CALENDAR_WORDS,
    CHANNEL,
    CUE_VERBS,
    HONORIFIC,
    NAME,
    NOT_ANOTHER_NAME,
    NOT_NAMES,
    ORG_REF,
    OTHER_ORG_WORDS,
    UPPER,
    PERSON_ROLES,
    ROLE_KINDS,
    ROLE_KINDS_BY_NAME,
    ROLE_WORDS,
    SPOKES,
    TITLES,
)
from knowledge.records import PRIMARY_KINDS

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
        aliases: list[str] = []
        self.alias_to_org: dict[str, str] = {}
        for org in self.orgs:
            for alias in organization_aliases(org):
                self.alias_to_org.setdefault(name_key(alias), org)
                aliases.append(alias)
        aliases.sort(key=len, reverse=True)
        # accents optional and either apostrophe: "Societe Oriflamme" in the metadata finds "Société"
        self.org_re = (re.compile(rf"\b(?:{'|'.join(loose_pattern(a) for a in aliases)})(?:[’']s)?\b{NOT_ANOTHER_NAME}")
                       if aliases else None)
        # the alias in any case ("the Clairbrook managing director"), but the next word's case decides
        # whether it is another name ("Quillfeather Cloud" is not "Quillfeather")
        pairs = {(a, org) for org in self.orgs for a in organization_aliases(org)}
        self._by_length = [(re.compile(rf"\b(?i:{loose_pattern(alias)})(?:[’']s)?\b{NOT_ANOTHER_NAME}"), org)
                           for alias, org in sorted(pairs, key=lambda p: (-len(p[0]), p[0]))]
        # "the bakery" for "Cinderleaf Bakery": the kind of body the organisation's name ends in
        kinds = sorted(({o.split()[-1].casefold() for o in self.orgs if len(o.split()) > 1}
                        | {"group" for o in self.orgs if re.search(r"(?i)\bgroup[eo]?\b", o)})
                       - {"inc", "inc.", "ltd", "llc", "plc", "corp", "co"})
        self.kind_ref = rf"\bthe (?:{'|'.join(map(re.escape, kinds))})\b" if kinds else r"(?!x)x"
        self._kind_words = frozenset(kinds)

    def discourse(self) -> Discourse:
        """A fresh discourse: "the company" and "it" first refer to the focal organisation."""
        first = self.orgs[0] if self.orgs else None
        return Discourse(last_org=first, last_ref=(first, first), last_company=(first, first))

    # names and roles -----------------------------------------------------------------------------

    def resolve_org_word(self, word: str) -> str | None:
        """The source's organisation that ``word`` names (an alias, possessive allowed), else None."""
        return self.alias_to_org.get(name_key(re.sub(r"[’']s$", "", word)))

    def _names_org_first(self, name: str) -> bool:
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
                    if org is None and self._another_owner(role_text):
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

    def _another_owner(self, role_text: str) -> bool:
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

    def mentions(self, frame: str, base: int, discourse: Discourse) -> Found:
        """Possible speakers in ``frame`` (a sentence with its quotes masked), with offsets relative
        to the text; ``discourse`` is read, never changed."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        pronouns: list[re.Match[str]] = []
        people: ChainMap[str, Mention] = ChainMap({}, discourse.people)
        named: list[Mention] = []
        last_person = [discourse.last_person]

        def remember(mention: Mention) -> None:
            _remember(people, mention)
            named.append(mention)
            last_person[0] = mention

        def add(m_start: int, m_end: int, role: str, speaker: str | None, org: str | None) -> None:
            if any(a < m_end and m_start < b for a, b in taken):
                return
            taken.append((m_start, m_end))
            found.append(Mention(base + m_start, base + m_end, frame[m_start:m_end], role, speaker, org))

        # named person with a role: "Dana Whitfield, a spokesperson for Harborline," / "security researcher Priya Raman"
        for m in re.finditer(rf"(?P<name>{NAME}),\s+(?P<role>(?:the |a |an |its |their )?[^,.;“”\"]{{3,90}}?)(?=,|\.|;|$|\s+(?:said|says|told|wrote|added))", frame):
            role, org = self.classify_role(m.group("role"), discourse)
            if role is None:
                continue
            remember(Mention(base + m.start("name"), base + m.end("role"), m.group(0), role, m.group("name"), org))
            add(m.start("name"), m.end("role"), role, m.group("name"), org)
        for m in re.finditer(rf"\b(?P<role>(?:[A-Z][\w’'-]*(?:\s+(?:&\s+)?[A-Z][\w’'-]*)*\s+)?(?i:security researcher|researcher|analyst|"
                             rf"professor|senator|sen\.|attorney general|commissioner|spokes(?:person|woman|man)|"
                             rf"chief (?:[\w-]+ (?:and )?){{1,4}}officer|head of (?:\w+ ){{0,2}}\w+|general counsel|"
                             rf"chief executive|ceo|cto|ciso|president|founder|boss|lawyer|"
                             rf"consultant|director|leader|mayor|chair(?:man|woman)?|mp|member of parliament|"
                             rf"councill?or|council ?member|board member|trustee|representative|rep\.|congress(?:man|woman)|governor|minister|"
                             rf"superintendent|provost|chancellor|principal|vice-chancellor)"
                             rf")\s+(?P<name>{NAME})", frame):
            name = m.group("name")
            if self.resolve_org_word(name.split()[0]):
                continue
            role, org = self.classify_role(m.group("role"), discourse)
            if role is None:
                continue
            remember(Mention(base + m.start(), base + m.end(), m.group(0), role, name, org))
            add(m.start(), m.end(), role, name, org)
        # a role, then the name between commas: "The firm's general counsel, Adaeze Worthington, said"
        for m in re.finditer(rf"\b(?P<role>(?:(?i:the|its|a|an)(?:\s+[\w’'-]+[’']s)?|"
                             rf"[A-Z](?:[\w&-]|[’'](?=[A-Z]))*(?:\s+[A-Z](?:[\w&-]|[’'](?=[A-Z]))*)*[’']s?)"
                             rf"\s+(?i:{TITLES})(?:\s+(?:for|of|at)\s+(?:the\s+)?(?:[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*){{0,3}}"
                             rf"|group|company|firm)\b)?)"
                             rf"\s*,\s+"
                             rf"(?P<name>{NAME})(?=\s*[,.;]|\s*$)", frame):
            role, org = self.classify_role(m.group("role"), discourse)
            if role is None:
                continue
            remember(Mention(base + m.start(), base + m.end("name"), m.group(0), role, m.group("name"), org))
            add(m.start(), m.end("name"), role, m.group("name"), org)
        # spokespeople: "a Harborline spokesperson", "a spokesperson for the company"
        for m in re.finditer(rf"\b(?i:a|an|the|one|another|its)\s+(?:(?P<pre>[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'-]+)?|company)\s+)?(?i:{SPOKES})"
                             rf"(?:\s+(?:for|at|of|with)\s+(?P<post>(?i:{ORG_REF})|(?:the\s+)?[A-Z](?:[\w’'&-]|\.(?=\w))*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z](?:[\w’'&-]|\.(?=\w))*){{0,5}}))?",
                             frame):
            org_name = m.group("post") or m.group("pre") or ""
            if not org_name and discourse.last_company[1] is None and discourse.last_company[0]:
                # "a spokesman said" right after a sentence about the regulator: the regulator's
                body = discourse.last_company[0]
                add(m.start(), m.end(), self.other_role(body), f"a spokesperson for {body}", None)
                continue
            org = self.org_for_phrase(org_name, discourse) if org_name else \
                discourse.last_company[1] or discourse.last_org
            if org_name and org is None and re.match(ORG_REF, org_name, re.I) is None and \
                    org_name.lower() not in ("company", "its"):
                role = self.other_role(org_name)
                add(m.start(), m.end(), role if role != "person" else "spokesperson_other",
                    frame[m.start():m.end()], None)
                continue
            add(m.start(), m.end(), "spokesperson", org, org)
        # the organisation's channel: "its email", "the company's letter", "that same email", "an email"
        for m in re.finditer(rf"\b(?:(?P<own>(?i:its|their|our|the company[’']s)|[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*[’']s)|"
                             rf"(?i:the|an?|that(?!\s+(?:the|a|an|its|their|his|her)\b)|this|that same|the same|the original|"
                             rf"the brief))\s+"
                             rf"(?:[\w-]+\s+){{0,2}}?{CHANNEL}\b", frame):
            owner = m.group("own")
            if owner and re.sub(r"[’']s$", "", owner) in NOT_NAMES:
                owner = None  # "Here's the email": nobody's name
            if owner and owner.lower() not in ("its", "their", "our") and "company" not in owner.lower():
                org = self.resolve_org_word(owner)
                if org is None:
                    add(m.start(), m.end(), self.other_role(owner), re.sub(r"[’']s$", "", owner), None)
                    continue
                add(m.start(), m.end(), "channel", org, org)
                continue
            name, org = discourse.last_ref
            indefinite = re.match(r"(?i)an?\b", m.group(0)) is not None
            if org is None:  # "the post" after "Example Crew said on its leak site"
                add(m.start(), m.end(), "other_organization", name, None)
            elif indefinite and not self.names_org(frame) and not (
                    discourse.org_named and re.search(_FORMAL_CHANNEL, m.group(0), re.I)
                    and not re.search(r"\b(?:in|via|through|from|of|to|with)\s+$", frame[:m.start()])):
                # "a post said": whose post? ("a statement said", in an article that has named the
                # organisation, is its statement)
                add(m.start(), m.end(), "unknown", None, None)
            else:
                add(m.start(), m.end(), "channel", org, org)
        # other capitalised bodies just before a cue: "the Example Data Protection Authority said"
        for m in re.finditer(rf"(?:[Tt]he\s+)?(?P<n>[{UPPER}](?:[\w’'&-]|\.(?=\w))*(?:\s+(?:of\s+|for\s+|and\s+|&\s+)?"
                             rf"[{UPPER}](?:[\w’'&-]|\.(?=\w))*)*)"
                             rf"(?=\s+(?:{CUE_VERBS}|declined|refused|did|didn[’']t|would|wouldn[’']t|has|hasn[’']t|"
                             rf"had|could|will|does|never)\b|[’']s\s+{CHANNEL})", frame):
            name = m.group("n")
            if self.resolve_org_word(name) or self.names_org(name) or name.split()[0] in NOT_NAMES \
                    or name.split()[-1] in CALENDAR_WORDS:
                continue
            person = known_person(people, name)
            if person is not None:  # "Ms Bayer Rosmarin said", "Koczar told investors"
                add(m.start("n"), m.end("n"), person.role, person.speaker, person.org)
                continue
            role = self.other_role(name)
            if role == "person" and (re.fullmatch(NAME, name) or re.fullmatch(rf"[{UPPER}][a-z’'-]{{2,}}", name)):
                # "Dr. Felix Orrin, who teaches ..., said", "Fairweather told Money After Dark"
                remember(Mention(base + m.start("n"), base + m.end("n"), name, "person", name, None))
            add(m.start(), m.end(), role, name, None)
        for m in re.finditer(rf"\b(?:said|says|wrote|added|stated|according to)\s+(?P<the>the\s+)?"
                             rf"(?P<n>[{UPPER}][\w’'&-]*(?:\s+(?:of\s+|for\s+|and\s+)?[{UPPER}][\w’'&-]*)*)", frame):
            name = m.group("n")
            if self.resolve_org_word(name) or self._names_org_first(name) or name in NOT_NAMES or \
                    name.split()[-1] in CALENDAR_WORDS:
                continue
            person = known_person(people, name)
            if person is not None:  # "said Ms Bayer Rosmarin"
                add(m.start("n"), m.end("n"), person.role, person.speaker, person.org)
                continue
            add(m.start("the") if m.group("the") else m.start("n"), m.end("n"), self.other_role(name), name, None)
        # anonymous sources: "a person familiar with the company's plans", "people briefed on it"
        for m in ANONYMOUS.finditer(frame):
            add(m.start(), m.end(), "anonymous", "an anonymous source", None)
        # other speakers by role alone: "one security researcher", "the regulator", "hackers"
        for role, pattern in ROLE_KINDS[1:]:
            for m in re.finditer(rf"\b(?:(?:a|an|the|one|another|two|several|some|many|other)\s+"
                                 rf"(?:[\w-]+\s+){{0,2}}?)?(?:{pattern.pattern})", frame, re.I):
                owner = re.search(r"([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)[’']s\s*$", frame[max(0, m.start() - 60):m.start()])
                if owner and self.resolve_org_word(owner.group(1)) is None:
                    add(m.start(), m.end(), "person", f"{owner.group(1)}'s {m.group(0)}", None)  # another's executive
                elif role == "executive" and _BARE_TITLE.fullmatch(m.group(0)) and \
                        not re.match(r"\s+(?:of|at|for|with|from)\b", frame[m.end():]) and \
                        last_person[0] is not None and last_person[0].role == role:
                    # "the executive said", "the spokeswoman added": the one named before
                    person = last_person[0]
                    add(m.start(), m.end(), person.role, person.speaker, person.org)
                elif role == "executive" and "former" not in m.group(0).lower() and not re.match(
                        r"\s*(?:of|at|for|with|from)\s+(?:a|an|another|one)\b|\s+(?:a|an|another)\b",
                        frame[m.end():] if not re.search(r"\b(?:a|an)$", m.group(0)) else " a"):
                    # "the finance director of a Bordeaux engineering firm" is no executive of ours
                    add(m.start(), m.end(), role, m.group(0),
                        self.org_for_phrase(m.group(0), discourse) or discourse.last_org)
                elif role == "executive":
                    add(m.start(), m.end(), "person", m.group(0), None)
                else:
                    add(m.start(), m.end(), role, m.group(0), None)
        # the organisation by name or alias
        if self.org_re is not None:
            for m in self.org_re.finditer(frame):
                if ATTRIBUTIVE.match(frame, m.end()):
                    continue  # "Marigold customer data": a name used as an adjective is not a speaker
                org = self.resolve_org_word(m.group(0))
                add(m.start(), m.end(), "organization", org, org)
        # references: "the company", "the university": the last organisation or company the text is
        # about (never an attacker group); "it" and "the post" may also be an attacker's
        ref_name, ref_org = discourse.last_company
        for m in re.finditer(rf"\b{ORG_REF}\b|{self.kind_ref}", frame, re.I):
            add(m.start(), m.end(), "org_ref" if ref_org else "other_organization", ref_name, ref_org)
        ref_name, ref_org = discourse.last_ref
        ref_role = "org_ref" if ref_org else "other_organization"
        for m in re.finditer(r"\b(?:it|It|we|We)\b(?=\s+(?:also\s+|later\s+|then\s+)?(?:" + CUE_VERBS + r")\b)", frame):
            if m.group(0).lower() == "we" and self.kind not in PRIMARY_KINDS:
                add(m.start(), m.end(), "author", "the author", None)
                continue
            # "Pinecrest Academy, a private school, posted that it …": "it" is the body named just before
            bodies = [b for b in BODY.finditer(frame, 0, m.start()) if not self.resolve_org_word(b.group("n"))]
            orgs_before = list(self.org_re.finditer(frame, 0, m.start())) if self.org_re is not None else []
            if bodies and (not orgs_before or bodies[-1].start() > orgs_before[-1].start()):
                add(m.start(), m.end(), "other_organization", bodies[-1].group("n"), None)
                continue
            add(m.start(), m.end(), ref_role, ref_name, ref_org)
        # a known person by surname or pronoun
        for m in re.finditer(r"\b(?P<w>[A-Z][\w’'-]+|he|she|He|She|they|They|I)\b", frame):
            word = m.group("w")
            person = people.get(person_key(word))
            if person is not None:
                add(m.start(), m.end(), person.role, person.speaker, person.org)
            elif word.lower() in ("he", "she"):
                pronouns.append(m)
            elif word == "I":
                add(m.start(), m.end(), "author", "the author", None)
        found.sort(key=lambda x: x.start)
        for m in pronouns:
            earlier = [x for x in found if x.end <= base + m.start() and x.role in PERSON_ROLES]
            person = earlier[-1] if earlier else last_person[0]
            if person is not None:
                add(m.start(), m.end(), person.role, person.speaker, person.org)
        found.sort(key=lambda x: x.start)
        # "he" or "she" in a later sentence is the last person named (not "the authority")
        known = [x for x in found if x.speaker and person_key(x.speaker) in people]
        return Found(found, named, known[-1] if known else (named[-1] if named else None))
