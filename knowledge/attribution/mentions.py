"""Finding mentions of possible speakers in one sentence (the first half of attribution: mentions
are found first, speakers chosen second, by the sieves).

Named people with a role ("Dana Whitfield, a spokesperson for Harborline"), spokespeople, the
organisation's channels ("its email"), other bodies, anonymous sources, people by role alone ("one
security researcher"), the organisation by name, "the company", "it", surnames and pronouns. Nothing
here changes the discourse: the people first named in the sentence are returned in :class:`Found`
for :meth:`~knowledge.attribution.cast.Discourse.note` to take in.
"""

from __future__ import annotations

import re
from collections import ChainMap

from knowledge.attribution.cast import (
    _BARE_TITLE,
    _FORMAL_CHANNEL,
    Cast,
    Discourse,
    Found,
    Mention,
    _remember,
    known_person,
    person_key,
)
from knowledge.attribution.vocabulary import (
    ANONYMOUS,
    ATTRIBUTIVE,
    BODY,
    CALENDAR_WORDS,
    CHANNEL,
    CUE_VERBS,
    NAME,
    NOT_NAMES,
    ORG_REF,
    PERSON_ROLES,
    ROLE_KINDS,
    ROLE_KINDS_BY_NAME,
    SPOKES,
    TITLES,
    UPPER,
)
from knowledge.records import PRIMARY_KINDS

#: Where only the organisation posts: "a message posted on its status site", "a notice on their website".
_OWN_VENUE = re.compile(r"(?i)\b(?:posted|published|put up|shared)?\s*(?:on|to)\s+(?:its|their|the company[’']s)\s+"
                        r"(?:own\s+)?(?:status\s+)?(?:site|website|web site|page|status page|blog|newsroom|"
                        r"support page|help centre|help center)\b")


def find_mentions(cast: Cast, frame: str, base: int, discourse: Discourse) -> Found:
    """Possible speakers in ``frame`` (a sentence with its quotes masked), with offsets relative to
    the text; ``discourse`` is read, never changed."""
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

    def named_before(m: re.Match[str], name: str) -> bool:
        """Add the mention of a person named earlier (by surname, title or a typo of it); True if one."""
        person = known_person(people, name)
        if person is not None:
            add(m.start("n"), m.end("n"), person.role, person.speaker, person.org)
        return person is not None

    # named person with a role: "Dana Whitfield, a spokesperson for Harborline," / "security researcher Priya Raman"
    for m in re.finditer(rf"(?P<name>{NAME}),\s+(?P<role>(?:the |a |an |its |their )?[^,.;“”\"]{{3,90}}?)(?=,|\.|;|$|\s+(?:said|says|told|wrote|added))", frame):
        role, org = cast.classify_role(m.group("role"), discourse)
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
        if cast.resolve_org_word(name.split()[0]):
            continue
        role, org = cast.classify_role(m.group("role"), discourse)
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
        role, org = cast.classify_role(m.group("role"), discourse)
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
            add(m.start(), m.end(), cast.other_role(body), f"a spokesperson for {body}", None)
            continue
        org = cast.org_for_phrase(org_name, discourse) if org_name else \
            discourse.last_company[1] or discourse.last_org
        if org_name and org is None and re.match(ORG_REF, org_name, re.I) is None and \
                org_name.lower() not in ("company", "its"):
            role = cast.other_role(org_name)
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
            org = cast.resolve_org_word(owner)
            if org is None:
                add(m.start(), m.end(), cast.other_role(owner), re.sub(r"[’']s$", "", owner), None)
                continue
            add(m.start(), m.end(), "channel", org, org)
            continue
        name, org = discourse.last_ref
        if owner and owner.lower() in ("its", "their"):
            # "the gang … in a post on its leak site": an attacker the sentence is about (named before
            # the organisation) owns "its"
            attacker = ROLE_KINDS_BY_NAME["attacker"].search(frame, 0, m.start())
            first_org = cast.org_re.search(frame, 0, m.start()) if cast.org_re is not None else None
            if attacker is not None and (first_org is None or attacker.start() < first_org.start()):
                name, org = attacker.group(0), None
        indefinite = re.match(r"(?i)an?\b", m.group(0)) is not None and _OWN_VENUE.search(frame) is None
        if org is None:  # "the post" after "Example Crew said on its leak site"
            add(m.start(), m.end(), "other_organization", name, None)
        elif indefinite and not cast.names_org(frame) and not (
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
                         rf"(?=(?:,\s+\d{{1,3}},)?\s+(?:{CUE_VERBS}|declined|refused|did|didn[’']t|would|wouldn[’']t|has|hasn[’']t|"
                         rf"had|could|will|does|never)\b|[’']s\s+{CHANNEL})", frame):
        name = m.group("n")
        if cast.resolve_org_word(name) or cast.names_org(name) or name.split()[0] in NOT_NAMES \
                or name.split()[-1] in CALENDAR_WORDS:
            continue
        if re.fullmatch(rf"(?i:{TITLES})", name):
            continue  # "CEO says", "the firm's CEO has claimed": a title, found with its owner below
        if named_before(m, name):  # "Ms Bayer Rosmarin said", "Koczar told investors"
            continue
        role = cast.other_role(name)
        if role == "person" and (re.fullmatch(NAME, name) or re.fullmatch(rf"[{UPPER}][a-z’'-]{{2,}}", name)):
            # "Dr. Felix Orrin, who teaches ..., said", "Fairweather told Money After Dark"
            remember(Mention(base + m.start("n"), base + m.end("n"), name, "person", name, None))
        add(m.start(), m.end(), role, name, None)
    for m in re.finditer(rf"\b(?:said|says|wrote|added|stated|according to)\s+(?P<the>the\s+)?"
                         rf"(?P<n>[{UPPER}][\w’'&-]*(?:\s+(?:of\s+|for\s+|and\s+)?[{UPPER}][\w’'&-]*)*)", frame):
        name = m.group("n")
        if cast.resolve_org_word(name) or cast.names_org_first(name) or name in NOT_NAMES or \
                name.split()[-1] in CALENDAR_WORDS or cast.ref_re.match(frame, m.start("the") if m.group("the") else m.start("n")):
            continue  # "said the Japanese giant": the company, found below
        if named_before(m, name):  # "said Ms Bayer Rosmarin"
            continue
        add(m.start("the") if m.group("the") else m.start("n"), m.end("n"), cast.other_role(name), name, None)
    # anonymous sources: "a person familiar with the company's plans", "people briefed on it"
    for m in ANONYMOUS.finditer(frame):
        add(m.start(), m.end(), "anonymous", "an anonymous source", None)
    # other speakers by role alone: "one security researcher", "the regulator", "hackers"
    for role, pattern in ROLE_KINDS[1:]:
        for m in re.finditer(rf"\b(?:(?:a|an|the|one|another|two|several|some|many|other)\s+"
                             rf"(?:[\w-]+\s+){{0,2}}?)?(?:{pattern.pattern})", frame, re.I):
            owner = re.search(r"([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)[’']s\s*$", frame[max(0, m.start() - 60):m.start()])
            if owner and cast.resolve_org_word(owner.group(1)) is None:
                add(m.start(), m.end(), "person", f"{owner.group(1)}'s {m.group(0)}", None)  # another's executive
            elif role in ("executive", "spokesperson") and cast.another_owner(frame[max(0, m.start() - 40):m.end()]):
                add(m.start(), m.end(), "person", m.group(0), None)  # "the union's chief executive"
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
                    cast.org_for_phrase(m.group(0), discourse) or discourse.last_org)
            elif role == "executive":
                add(m.start(), m.end(), "person", m.group(0), None)
            else:
                add(m.start(), m.end(), role, m.group(0), None)
    # the organisation by name or alias
    if cast.org_re is not None:
        for m in cast.org_re.finditer(frame):
            if ATTRIBUTIVE.match(frame, m.end()):
                continue  # "Marigold customer data": a name used as an adjective is not a speaker
            org = cast.resolve_org_word(m.group(0))
            add(m.start(), m.end(), "organization", org, org)
    # references: "the company", "the university": the last organisation or company the text is
    # about (never an attacker group); "it" and "the post" may also be an attacker's
    ref_name, ref_org = discourse.last_company
    for m in cast.ref_re.finditer(frame):
        add(m.start(), m.end(), "org_ref" if ref_org else "other_organization", ref_name, ref_org)
    ref_name, ref_org = discourse.last_ref
    ref_role = "org_ref" if ref_org else "other_organization"
    for m in re.finditer(r"\b(?:it|It|we|We)\b(?=\s+(?:also\s+|later\s+|then\s+)?(?:" + CUE_VERBS + r")\b)", frame):
        if m.group(0).lower() == "we" and cast.kind not in PRIMARY_KINDS:
            add(m.start(), m.end(), "author", "the author", None)
            continue
        # "Pinecrest Academy, a private school, posted that it …": "it" is the body named just before
        bodies = [b for b in BODY.finditer(frame, 0, m.start()) if not cast.resolve_org_word(b.group("n"))]
        orgs_before = list(cast.org_re.finditer(frame, 0, m.start())) if cast.org_re is not None else []
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
