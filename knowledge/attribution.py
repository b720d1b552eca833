"""Quote, reported-speech and non-disclosure extraction with speaker attribution.

Runs once per source at ingest; the results are stored with the source and only checked (never
re-extracted) at question time. Everything works on the source's normalised text and returns
character offsets into it, so ``text[a.start:a.end] == a.text`` for every attribution.

How a speaker is chosen (see FIELD.md, "How reporting quotes an organisation"):

1. Quote spans are found per paragraph: curly “…”, straight "…", top-level ‘…’, a paragraph that
   opens a quote without closing it (continued in the next), and a notice reproduced as plain lines
   after an introduction ending in a colon ("Here is the email:").
2. The quote's sentence, with every quoted span masked, is the *frame*. Mentions of possible speakers
   (the organisations in the source's metadata and their aliases, "the company", "it", a channel such
   as "its email", spokespeople, named people with a role, other bodies) and attribution cues (said,
   told, wrote, according to, in a statement, informing, blamed, ...) are located in the frame.
3. The speaker is the mention grammatically tied to the cue: after it when inverted ("said the
   company"), after "according to", else the nearest mention before it (its subject). A frame with no
   cue borrows one from a sentence ending in a colon just before the quote; otherwise the quote has
   no speaker (an author's scare quotes) and is never shown as anyone's words.
4. Only the organisation itself, a reference to it, its channel (email, letter, notice, statement),
   its spokesperson or one of its executives gets ``speaker_org``; experts, regulators, lawmakers,
   attackers, reporters, authors and other bodies never do.

In a ``notice``, ``statement`` or ``filing`` whose organisations are known, the document's own text
(outside quotes of other speakers) is the first organisation's words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from knowledge.records import PRIMARY_KINDS, Attribution

#: Bumped whenever the extraction rules change, so that re-ingesting re-extracts unchanged sources.
EXTRACTOR_VERSION = 31

# --- vocabulary --------------------------------------------------------------------------------

_CUE_VERBS = (
    "said|says|say|told|tells|wrote|writes|stated|states|added|adds|confirmed|confirms|explained|"
    "explains|noted|notes|announced|announces|acknowledged|acknowledges|admitted|admits|claimed|claims|"
    "insisted|insists|warned|written|warns|reads|read|informed|informs|informing|telling|saying|stating|"
    "explaining|warning|blamed|blames|blaming|described|describes|describing|describe|called|calls|cited|cites|"
    "attributed|attributes|apologi[sz]ed|promised|promises|assured|assures|reassured|pledged|posted|"
    "tweeted|replied|replies|responded|responds|continued|continues|went on|emailed|reported|reports|"
    "disclosed|discloses|revealed|reveals|urged|urges|advised|advises|asked|asks|argued|argues|"
    "maintained|maintains|conceded|concedes|characteri[sz]ed|referred to|put it"
)
_CUE = re.compile(
    rf"\b(?:(?P<verb>{_CUE_VERBS})\b|(?P<acc>according to)\b|(?P<stmt>in (?:a|an|its|the|his|her|their) "
    r"(?:statement|email|e-mail|letter|notice|message|blog post|post|filing|update|note|memo|interview)))",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|n[’']t|never|no longer|nothing|declined to|refused to|would not|did not|has not|have not|"
    r"had not)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_BODY = re.compile(
    r"(?P<n>[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*\s+(?:Services|Inc|Corp|Corporation|Ltd|LLC|plc|Labs?|Bank|"
    r"Authority|Commission|Agency|Department|Systems|Technologies|Software|Cloud|Networks|Solutions|Crew|"
    r"Group|Holdings|Partners|Academy|School|College|Ventures|Capital|Press|Studio|Studios|Reviews|Media|"
    r"Telecom|Analytics|Foundation|Institute|Association|Office|Commissioner|Regulator|Ombudsman))\b")
_ATTRIBUTIVE = re.compile(
    r"\s+(?:customer|customers|data|account|accounts|order|orders|system|systems|network|servers?|users?|"
    r"staff|employees?|shoppers?|members?|patients?|riders?|records?|files?|platform|database|loyalty|"
    r"cards?|app|website|site|brand|logo|store|stores|products?|devices?|subscribers?|passengers?|"
    r"students?|families|parents)\b")
#: Verbs that take the speaker after them ("…,” said the company; “…,” wrote Jo Park).
_INVERTING = frozenset("""said says added adds wrote writes explained explains continued continues noted notes
stated states insisted insists warned warns replied replies responded responds admitted admits acknowledged
acknowledges confirmed confirms told tells asked asks according""".split())
#: After an inverted speaker ("…,” said the company."): the clause ends; "argued the email was" is no inversion.
_CLAUSE_END = re.compile(r"\s*(?:[.,;:!?”\"’)\]—–-]|$|\s*(?:on|in|at|last|this|yesterday|today|earlier|later)\b)")
#: ", a private school in a neighbouring state," between a subject and its verb.
_APPOSITIVE = re.compile(r",\s+(?:a|an|the)\s+[^,“”\"]{3,120},\s*$")
_NOT_SAID = re.compile(
    r"\bnowhere\b|\bnor\s+(?:has|have|did|does|had|was|is)\b|\b(?:not|never|n[’']t|without)\s+(?:\w+\s+){0,2}?(?:use[sd]?|using|say|said|call(?:ed)?|"
    r"mention(?:ed)?|describe[sd]?|admit(?:ted)?|the words?|the term)\b", re.IGNORECASE)
_RELATIVE = re.compile(r",\s+(?:which|who|whose)\b[^,“”\"]*,")
#: After an alias: not another capitalised name word ("Quillfeather Cloud" is not "Quillfeather"),
#: unless it is a role ("Harborline Chief Executive").
_NOT_ANOTHER_NAME = (r"(?!\s+(?!(?:Chief|CEO|CTO|CISO|President|Executive|Spokes\w*|Vice|Head|General|Director|"
                     r"Security|Customer|Customers|Team|Staff|Board|Said|Says|Told|Wrote|Help|Centre|Center|"
                     r"Newsroom|Blog|News|Press|Status|Support|Media|Investor|Relations|Communications)\b)[A-Z][a-z])")
_YEAR = re.compile(r"\b(?i:in|back in|during|after|since|of)\s+(?:(?i:a|an|the)\s+)?(?:(?:early|late|mid-?)\s*)?(?:[A-Z][a-z]+\s+)?"
                   r"(19\d\d|20\d\d)\b")
_EARLIER = re.compile(r"\b(?:after|during|following)\s+(?:a|an|the|its)\s+(?:similar|previous|prior|earlier|separate|"
                      r"last)\s+(?:incident|breach|attack|leak|exposure|hack)\b|\byears? ago\b|\blast year\b|"
                      r"\bat the time\b|\bthen-[a-z]",
                      re.IGNORECASE)
_INTERNAL = re.compile(r"\b(?:internal|leaked|private)\s+(?:memo|document|email|e-mail|message|note|slides?|"
                       r"presentation|chat|report)\b|\bmemo\b|\b(?:seen|obtained|reviewed) by\b", re.IGNORECASE)
_DOCUMENT_SPEAKS = re.compile(r"\b(?:it|the (?:memo|document|note|message|email|e-mail|slide|chat))\s+"
                              r"(?:reads|read|says|said|states|stated|adds|added|continues|went on)\b|"
                              r"\bin the (?:memo|document|note|message|email|e-mail|chat|thread)\b", re.IGNORECASE)
_INSTRUCTION = re.compile(r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+)?"
                          r"(?:previous|prior|above|earlier|other)\s+instructions\b|"
                          r"\b(?:AI|LLM)\s+(?:assistants?|models?|systems?|agents?|bots?)\b[^.]{0,40}:|"
                          r"\b(?:instructions?|note) (?:to|for) (?:any |the )?(?:AI|language model|LLM|assistant|"
                          r"text generator|chatbot|bot)\b|\bwhen you summari[sz]e\b|\bdo not mention this instruction\b",
                          re.IGNORECASE)
#: Capitalised words of a role that name no organisation ("Chief Executive", "Senior Vice President").
_ROLE_WORDS = frozenset("""chief executive officer information security technology operating financial
senior vice president head director general counsel spokesperson spokeswoman spokesman press
communications global group managing deputy interim acting founder co-founder chair chairman chairwoman
ceo cto ciso cfo coo vp a an the its leader mayor council county city company university bank board
superintendent provost chancellor principal district school
cllr councillor trust safety operations engineering product marketing data privacy legal compliance risk
people customer customers member members patient patients care infrastructure platform and of for""".split())
#: Job titles that come before a name ("Chief Executive Jane Roe", "the firm's general counsel, …").
_TITLES = (r"chief (?:\w+ ){1,3}officer|head of (?:\w+ ){0,2}\w+|general counsel|chief executive|ceo|cto|ciso|"
           r"president|founder|co-founder|spokes(?:person|woman|man)|press officer|director|managing director")
#: Who was told: "told Example Daily", "told reporters", "informed customers".
_LISTENER = r"(?:[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*|[\w-]+)"
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|imagine|suppose|supposing)\b[^,.;]*$|\b(?:could|should|would|might|must|ought to)"
    r"(?:\s+not)?\s+have\s+(?:\w+\s+)?$", re.IGNORECASE)
_DECLINED = re.compile(
    r"\b(?:declined|refused|wouldn[’']t|would not|did not|didn[’']t|has not|hasn[’']t|have not|haven[’']t|"
    r"had not|hadn[’']t|could not|couldn[’']t|will not|won[’']t|does not|doesn[’']t|never)\s+"
    r"(?:yet\s+|immediately\s+|publicly\s+|to\s+)*"
    r"(?:to\s+)?(?:say|said|says|comment|commented|specify|specified|give|given|disclose|disclosed|confirm|"
    r"confirmed|provide|provided|share|shared|answer|answered|elaborate|elaborated|discuss|discussed|reveal|"
    r"revealed|identify|identified|respond|responded|explain|explained|detail|detailed|offer|offered|"
    r"address|addressed|quantify|name|named)\b"
    r"|\bhad nothing (?:further |more )?to add\b|\bhas said nothing\b|\bsaid nothing\b"
    r"|\b(?:has|have) not said a word\b|\bhasn[’']t said a word\b|\bno comment\b",
    re.IGNORECASE,
)
_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("count", re.compile(r"\bhow many\b|\bnumber of\b|\bhow much\b|\bscale\b|\bcount\b", re.I)),
    ("cause", re.compile(r"\bwhat (?:went wrong|caused|happened)\b|\bcause\b|\bhow (?:it|the|this)\b|\bwhy\b", re.I)),
    ("data", re.compile(r"\bwhat (?:data|information)\b|\bwhich (?:data|information)\b|\bpasswords?\b|"
                        r"\bcard\b", re.I)),
    ("regions", re.compile(r"\bwhich (?:countries|states|regions|markets)\b|\bwhere\b|\bregions?\b", re.I)),
    ("regulators", re.compile(r"\bregulators?\b|\bauthorit(?:y|ies)\b|\bnotified (?:the )?(?:police|"
                              r"regulator)", re.I)),
    ("timing", re.compile(r"\bwhen\b|\bhow long\b", re.I)),
    ("impact", re.compile(r"\bimpact(?:ed)?\b|\baffected\b|\bharm\b", re.I)),
)

_ORG_REF = (r"the (?:company|firm|retailer|grocer|business|organi[sz]ation|platform|service|bank|insurer|"
            r"hospital|chain|store|operator|university|college|school|airline|carrier|utility|lender|clinic|"
            r"health system|telehealth company|energy company|supplier|provider|brand|e-?commerce giant|ecommerce giant|giant|"
            r"tech giant|startup)")
_CHANNEL = (r"(?:(?:email|e-mail|letter|notice|notification|message|statement|blog post|post|filing|"
            r"update|announcement|note|press release|support page|banner)s?|website)")
_SPOKES = r"(?:spokes(?:person|woman|man|people)|representative|press officer|press office|media team)\b"

_ROLE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("spokesperson", re.compile(_SPOKES, re.I)),
    ("executive", re.compile(
        r"\b(?:chief \w+(?: \w+)? officer|chief executive|ceo|cto|ciso|cfo|coo|president|founder|"
        r"co-founder|chair(?:man|woman|person)?|general counsel|vice president|vp|head of \w+|"
        r"director of \w+|managing director|owner|(?:council |party )?leader|mayor|superintendent|provost|"
        r"chancellor|principal)\b", re.I)),
    ("regulator", re.compile(
        r"\b(?:regulators?|commissioner|commission|authority|attorney general|attorneys general|ombudsman|"
        r"watchdog|agency|data protection|supervisor|ico|ftc|sec|department|ministry|inspector)\b", re.I)),
    ("lawmaker", re.compile(r"\b(?:senator|sen\.|congress(?:man|woman|member)?|representative|rep\.|"
                            r"lawmakers?|mp|member of parliament|legislator|assemblymember|councill?or|"
                            r"governor|minister)\b", re.I)),
    ("attacker", re.compile(r"\b(?:hackers?|attackers?|threat actors?|criminals?|gang|extortionists?|"
                            r"(?:ransomware|hacking|criminal|extortion) (?:group|gang|crew)|the group|the crew|"
                            r"leaker)\b", re.I)),
    ("expert", re.compile(r"\b(?:researchers?|analysts?|experts?|professor|consultant|specialist|"
                          r"lawyer|attorney|advocate|academic|investigator|engineer|scientist|"
                          r"fellow|critic|critics|observers?)\b", re.I)),
    ("reporter", re.compile(r"\b(?:reporter|journalist|correspondent|editor|columnist|newspaper|outlet)\b",
                            re.I)),
    ("person", re.compile(r"\b(?:shoppers?|witness(?:es)?|(?:former )?employees?|insiders?|whistleblowers?|"
                          r"sources? familiar)\b", re.I)),
)
_ROLE_KINDS_BY_NAME = dict(_ROLE_KINDS)
_PERSON_ROLES = frozenset({"expert", "person", "regulator", "lawmaker", "attacker", "reporter",
                           "spokesperson_other", "spokesperson", "executive"})
_OTHER_ORG_WORDS = re.compile(
    r"\b(?:Authority|Commission|Commissioner|Office|Agency|Department|Ministry|Bureau|Council|Board|"
    r"Inc|Corp|Ltd|LLC|plc|Labs?|Group|Bank|University|Institute|Association|Foundation|Times|Daily|News|"
    r"Post|Journal|Blog)\b")

_NAME = r"(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof|Sen|Rep|Gov|Sir|Dame|Cllr|Councillor)\.?\s+)?(?:[A-Z][\w’'\-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w’'\-]+|[A-Z]\.|de|van|von|da|del|la|le|bin)){1,3}"
#: A transcript turn's label: "**Dana Park:**", "Dana Park:", "A:", "**Q:**".
_TURN = re.compile(rf"\s*\**\s*(?:(?P<qa>[QA])|(?P<name>{_NAME}|[A-Z][\w’'-]+))\s*:\s*\**\s*")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|St|Inc|Corp|Ltd|Co|Jr|Sr|vs|etc|No|"
                     r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|e\.g|i\.e)|\b[A-Z])\.$")

_OPEN_DOUBLE = "“„‟«"
_CLOSE_DOUBLE = "”»"
_GENERIC_SUFFIXES = re.compile(
    r"(?:,?\s+(?:inc\.?|incorporated|corp\.?|corporation|co\.?|company|ltd\.?|limited|llc|plc|group|"
    r"holdings|market|markets|bank|services|technologies|technology|insurance|games|airlines|airways|energy|"
    r"health|healthcare|stores|retail|media|studios|software)|\.com)$", re.I)
_COMMON_WORDS = frozenset({"the", "a", "an", "new", "first", "general", "united", "american", "national",
                           "global", "international", "best", "home", "city", "data"})


# --- organisations and aliases -----------------------------------------------------------------

def organization_aliases(name: str) -> list[str]:
    """Names a text may use for ``name``: itself, without a corporate suffix or ``.com``, and its
    first word when that word is distinctive (``Harborline Market`` → ``Harborline``).

    Returns:
        Distinct aliases, longest first.
    """
    aliases = {name.strip()}
    base = name.strip()
    while True:
        stripped = _GENERIC_SUFFIXES.sub("", base).strip(" ,")
        if stripped == base or not stripped:
            break
        base = stripped
        aliases.add(base)
    first = base.split()[0] if base.split() else ""
    if len(first) >= 4 and first.lower() not in _COMMON_WORDS:
        aliases.add(first)
    aliases |= {a + ".com" for a in list(aliases) if " " not in a}
    return sorted(aliases, key=len, reverse=True)


def canonical_organization(name: str, known: Sequence[str]) -> str | None:
    """Return the known organisation that ``name`` is, or an alias of (case-insensitive), else None."""
    folded = name.casefold().strip()
    for org in known:
        if folded in (a.casefold() for a in organization_aliases(org)):
            return org
    return None


# --- spans -------------------------------------------------------------------------------------

@dataclass
class _Span:
    start: int  # first character inside the marks
    end: int  # one past the last character inside the marks
    open_mark: int  # offset of the opening mark (== start when none)
    close_mark: int  # offset one past the closing mark (== end when unclosed)
    continued: bool = False  # part of a quote that runs on from the previous paragraph


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    role: str  # organization | org_ref | channel | spokesperson | executive | person | other roles
    speaker: str | None
    org: str | None  # organisation the mention speaks for, when it is one of the source's


@dataclass
class _Paragraph:
    start: int
    end: int
    quotes: list[_Span] = field(default_factory=list)


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            yield pos, pos + len(line)
        pos += len(line) + 1


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def find_quote_spans(text: str, start: int, end: int) -> tuple[list[_Span], bool]:
    """Quoted spans in ``text[start:end]`` (one paragraph).

    Returns:
        ``(spans, open_at_end)``: spans as offsets of the words inside the marks, and whether a
        quote was opened and not closed before the paragraph ended (a multi-paragraph quote).
    """
    spans: list[_Span] = []
    open_at: int | None = None
    open_kind = ""
    i = start
    while i < end:
        ch = text[i]
        prev = text[i - 1] if i > start else " "
        nxt = text[i + 1] if i + 1 < end else " "
        if open_at is None:
            if ch in _OPEN_DOUBLE:
                open_at, open_kind = i, "curly"
            elif ch == '"' and not _is_word(prev) and not nxt.isspace():
                open_at, open_kind = i, "straight"
            elif ch in "‘'" and not _is_word(prev) and _is_word(nxt):
                open_at, open_kind = i, "single" if ch == "‘" else "straight_single"
        else:
            closes = ((open_kind == "curly" and ch in _CLOSE_DOUBLE)
                      or (open_kind == "straight" and ch == '"' and not prev.isspace())
                      or (open_kind == "single" and ch == "’" and not _is_word(nxt) and not (
                          prev == "s" and nxt == " " and text.find("’", i + 1, end) > 0))
                      or (open_kind == "straight_single" and ch == "'" and not _is_word(nxt) and not prev.isspace()
                          and not (prev == "s" and nxt == " " and text.find("'", i + 1, end) > 0)))
            if closes:
                if i > open_at + 1:
                    spans.append(_Span(open_at + 1, i, open_at, i + 1))
                open_at = None
        i += 1
    if open_at is not None and end - open_at > 2:
        spans.append(_Span(open_at + 1, end, open_at, end))
        return spans, True
    return spans, False


def _sentence_bounds(text: str, start: int, end: int, quotes: Sequence[_Span]) -> list[tuple[int, int]]:
    """Split a paragraph into sentences, never inside a quoted span."""
    inside = [(q.open_mark, q.close_mark) for q in quotes]
    bounds: list[tuple[int, int]] = []
    s = start
    for m in re.finditer(r"[.!?…]+[”\"’)]*\s+(?=[A-Z“\"‘'(0-9])", text[start:end]):
        cut = start + m.end()
        dot = start + m.start()
        if any(a < dot < b - 2 for a, b in inside):  # the quote's own last full stop ends it too
            continue
        if _ABBREV.search(text[max(s, dot - 6):dot + 1]):
            continue
        bounds.append((s, start + m.start() + len(m.group().rstrip())))
        s = cut
    if s < end:
        bounds.append((s, end))
    return bounds


# --- the extractor -----------------------------------------------------------------------------

class Extractor:
    """Extracts attributions from one source.

    Args:
        text: the source's normalised text.
        kind: the source's kind (``notice``, ``statement``, ``filing``, ``article``, ``opinion``).
        organizations: organisations from the source's metadata; the first is the focal one that
            "the company" and "it" refer to when the text names no other.
    """

    def __init__(self, text: str, kind: str, organizations: Sequence[str],
                 published: dt.date | None = None, publisher: str | None = None) -> None:
        self.text = text
        self.published = published
        self.publisher = publisher
        self.kind = kind
        self.orgs = list(organizations)
        alias_parts = []
        self._alias_to_org: dict[str, str] = {}
        for org in self.orgs:
            for alias in organization_aliases(org):
                self._alias_to_org.setdefault(alias.casefold(), org)
                alias_parts.append(re.escape(alias))
        alias_parts.sort(key=len, reverse=True)
        self._org_re = (re.compile(rf"\b(?:{'|'.join(alias_parts)})(?:[’']s)?\b{_NOT_ANOTHER_NAME}")
                        if alias_parts else None)
        self._internal_recent = 0  # paragraphs in which "it reads" is still the memo just mentioned
        self._primary = False
        self._own_org: str | None = None
        self._guest: _Mention | None = None
        self._para_index = 0  # the paragraph being read
        self._person_para = -1  # the paragraph in which the last person was named  # a transcript's interviewee, who answers the "A:" turns
        # "the bakery" for "Cinderleaf Bakery": the kind of body the organisation's name ends in
        kinds = sorted({o.split()[-1].casefold() for o in self.orgs if len(o.split()) > 1}
                       - {"inc", "inc.", "ltd", "llc", "plc", "corp", "co"})
        self._kind_ref = rf"\bthe (?:{'|'.join(map(re.escape, kinds))})\b" if kinds else r"(?!x)x"
        self._people: dict[str, _Mention] = {}  # surname -> the person's first full mention
        self._last_org: str | None = self.orgs[0] if self.orgs else None
        #: what "the company" and "it" refer to: (name, organisation of the source or None)
        self._last_ref: tuple[str | None, str | None] = (self._last_org, self._last_org)
        #: what "the company" refers to: like ``_last_ref`` but never an attacker group
        self._last_company: tuple[str | None, str | None] = (self._last_org, self._last_org)
        self._last_person: _Mention | None = None

    # mentions ----------------------------------------------------------------------------------

    def _resolve_org_word(self, word: str) -> str | None:
        return self._alias_to_org.get(re.sub(r"[’']s$", "", word).casefold())

    def _mentions(self, frame: str, base: int) -> list[_Mention]:
        """Possible speakers in ``frame`` (quotes masked), with offsets relative to the text."""
        found: list[_Mention] = []
        taken: list[tuple[int, int]] = []
        pronouns: list[re.Match[str]] = []

        def add(m_start: int, m_end: int, role: str, speaker: str | None, org: str | None) -> None:
            if any(a < m_end and m_start < b for a, b in taken):
                return
            taken.append((m_start, m_end))
            found.append(_Mention(base + m_start, base + m_end, frame[m_start:m_end], role, speaker, org))

        # named person with a role: "Dana Whitfield, a spokesperson for Harborline," / "security researcher Priya Raman"
        for m in re.finditer(rf"(?P<name>{_NAME}),\s+(?P<role>(?:the |a |an |its |their )?[^,.;“”\"]{{3,90}}?)(?=,|\.|;|$|\s+(?:said|says|told|wrote|added))", frame):
            role_text = m.group("role")
            role, org = self._classify_role(role_text)
            if role is None:
                continue
            mention = _Mention(base + m.start("name"), base + m.end("role"), m.group(0), role,
                               m.group("name"), org)
            self._remember_person(mention)
            add(m.start("name"), m.end("role"), role, m.group("name"), org)
        for m in re.finditer(rf"\b(?P<role>(?:[A-Z][\w’'-]*(?:\s+(?:&\s+)?[A-Z][\w’'-]*)*\s+)?(?i:security researcher|researcher|analyst|"
                             rf"professor|senator|sen\.|attorney general|commissioner|spokes(?:person|woman|man)|"
                             rf"chief (?:\w+ ){{1,3}}officer|head of (?:\w+ ){{0,2}}\w+|general counsel|"
                             rf"chief executive|ceo|cto|ciso|president|founder|lawyer|"
                             rf"consultant|director|leader|mayor|chair(?:man|woman)?|mp|member of parliament|"
                             rf"councill?or|representative|rep\.|congress(?:man|woman)|governor|minister|"
                             rf"superintendent|provost|chancellor|principal|vice-chancellor)"
                             rf")\s+(?P<name>{_NAME})", frame):
            name = m.group("name")
            if self._resolve_org_word(name.split()[0]):
                continue
            role, org = self._classify_role(m.group("role"))
            if role is None:
                continue
            mention = _Mention(base + m.start(), base + m.end(), m.group(0), role, name, org)
            self._remember_person(mention)
            add(m.start(), m.end(), role, name, org)
        # a role, then the name between commas: "The firm's general counsel, Adaeze Worthington, said"
        for m in re.finditer(rf"\b(?P<role>(?:(?i:the|its|a|an)(?:\s+[\w’'-]+[’']s)?|[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*[’']s)"
                             rf"\s+(?i:{_TITLES}))\s*,\s+"
                             rf"(?P<name>{_NAME})\s*,", frame):
            role, org = self._classify_role(m.group("role"))
            if role is None:
                continue
            mention = _Mention(base + m.start(), base + m.end("name"), m.group(0), role, m.group("name"), org)
            self._remember_person(mention)
            add(m.start(), m.end("name"), role, m.group("name"), org)
        # spokespeople: "a Harborline spokesperson", "a spokesperson for the company"
        for m in re.finditer(rf"\b(?i:a|an|the|one|another|its)\s+(?:(?P<pre>[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'-]+)?|company)\s+)?(?i:{_SPOKES})"
                             rf"(?:\s+(?:for|at|of|with)\s+(?P<post>(?i:{_ORG_REF})|(?:the\s+)?[A-Z](?:[\w’'&-]|\.(?=\w))*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z](?:[\w’'&-]|\.(?=\w))*){{0,5}}))?",
                             frame):
            org_name = m.group("post") or m.group("pre") or ""
            if not org_name and self._last_company[1] is None and self._last_company[0]:
                # "a spokesman said" right after a sentence about the regulator: the regulator's
                body = self._last_company[0]
                add(m.start(), m.end(), self._other_role(body), f"a spokesperson for {body}", None)
                continue
            org = self._org_for_phrase(org_name) if org_name else self._last_company[1] or self._last_org
            if org_name and org is None and re.match(_ORG_REF, org_name, re.I) is None and \
                    org_name.lower() not in ("company", "its"):
                role = self._other_role(org_name)
                add(m.start(), m.end(), role if role != "person" else "spokesperson_other",
                    frame[m.start():m.end()], None)
                continue
            add(m.start(), m.end(), "spokesperson", org, org)
        # the organisation's channel: "its email", "the company's letter", "that same email", "an email"
        for m in re.finditer(rf"\b(?:(?P<own>(?i:its|their|our|the company[’']s)|[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*[’']s)|"
                             rf"(?i:the|an?|that|this|that same|the same|the original|the brief))\s+"
                             rf"(?:[\w-]+\s+){{0,2}}?{_CHANNEL}\b", frame):
            owner = m.group("own")
            if owner and owner.lower() not in ("its", "their", "our") and "company" not in owner.lower():
                org = self._resolve_org_word(owner)
                if org is None:
                    add(m.start(), m.end(), self._other_role(owner), re.sub(r"[’']s$", "", owner), None)
                    continue
                add(m.start(), m.end(), "channel", org, org)
                continue
            name, org = self._last_ref
            indefinite = re.match(r"(?i)an?\b", m.group(0)) is not None
            if org is None:  # "the post" after "Example Crew said on its leak site"
                add(m.start(), m.end(), "other_organization", name, None)
            elif indefinite and not (self._org_re and self._org_re.search(frame)):
                add(m.start(), m.end(), "unknown", None, None)  # "a post said": whose post?
            else:
                add(m.start(), m.end(), "channel", org, org)
        # other capitalised bodies just before a cue: "the Example Data Protection Authority said"
        for m in re.finditer(rf"(?:[Tt]he\s+)?(?P<n>[A-Z](?:[\w’'&-]|\.(?=\w))*(?:\s+(?:of\s+|for\s+|and\s+|&\s+)?"
                             rf"[A-Z](?:[\w’'&-]|\.(?=\w))*)*)"
                             rf"(?=\s+(?:{_CUE_VERBS}|declined|refused|did|didn[’']t|would|wouldn[’']t|has|hasn[’']t|"
                             rf"had|could|will|does|never)\b|[’']s\s+{_CHANNEL})", frame):
            name = m.group("n")
            if self._resolve_org_word(name) or name in self._people or name in ("I", "It", "He", "She",
                                                                                  "They", "We", "The"):
                continue
            role = self._other_role(name)
            if role == "person" and re.fullmatch(_NAME, name):  # "Dr. Felix Orrin, who teaches ..., said"
                self._remember_person(_Mention(base + m.start("n"), base + m.end("n"), name, "person", name, None))
            add(m.start(), m.end(), role, name, None)
        for m in re.finditer(r"\b(?:said|says|wrote|added|stated|according to)\s+(?P<the>the\s+)?"
                             r"(?P<n>[A-Z][\w’'&-]*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z][\w’'&-]*)*)", frame):
            name = m.group("n")
            if self._resolve_org_word(name) or name in self._people or name in (
                    "I", "It", "He", "She", "They", "We", "The", "Dr", "Mr", "Mrs", "Ms", "Prof", "Sen", "Rep"):
                continue
            add(m.start("the") if m.group("the") else m.start("n"), m.end("n"), self._other_role(name), name, None)
        # other speakers by role alone: "one security researcher", "the regulator", "hackers"
        for role, pattern in _ROLE_KINDS[1:]:
            for m in re.finditer(rf"\b(?:(?:a|an|the|one|another|two|several|some|many|other)\s+"
                                 rf"(?:[\w-]+\s+){{0,2}}?)?(?:{pattern.pattern})", frame, re.I):
                owner = re.search(r"([A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)[’']s\s*$", frame[max(0, m.start() - 60):m.start()])
                if owner and self._resolve_org_word(owner.group(1)) is None:
                    add(m.start(), m.end(), "person", f"{owner.group(1)}'s {m.group(0)}", None)  # another's executive
                elif role == "executive" and "former" not in m.group(0).lower():
                    add(m.start(), m.end(), role, m.group(0), self._org_for_phrase(m.group(0)) or self._last_org)
                elif role == "executive":
                    add(m.start(), m.end(), "person", m.group(0), None)
                else:
                    add(m.start(), m.end(), role, m.group(0), None)
        # the organisation by name or alias
        if self._org_re is not None:
            for m in self._org_re.finditer(frame):
                if _ATTRIBUTIVE.match(frame, m.end()):
                    continue  # "Marigold customer data": a name used as an adjective is not a speaker
                org = self._resolve_org_word(m.group(0))
                add(m.start(), m.end(), "organization", org, org)
        # references: "the company", "the retailer", "it"
        # "the company", "the university": the last organisation or company the text is about
        # (never an attacker group); "it" and "the post" may also be an attacker's
        ref_name, ref_org = self._last_company
        for m in re.finditer(rf"\b{_ORG_REF}\b|{self._kind_ref}", frame, re.I):
            add(m.start(), m.end(), "org_ref" if ref_org else "other_organization", ref_name, ref_org)
        ref_name, ref_org = self._last_ref
        ref_role = "org_ref" if ref_org else "other_organization"
        for m in re.finditer(r"\b(?:it|It|we|We)\b(?=\s+(?:also\s+|later\s+|then\s+)?(?:" + _CUE_VERBS + r")\b)", frame):
            if m.group(0).lower() == "we" and self.kind not in PRIMARY_KINDS:
                add(m.start(), m.end(), "author", "the author", None)
                continue
            # "Pinecrest Academy, a private school, posted that it …": "it" is the body named just before
            bodies = [b for b in _BODY.finditer(frame, 0, m.start()) if not self._resolve_org_word(b.group("n"))]
            orgs_before = list(self._org_re.finditer(frame, 0, m.start())) if self._org_re is not None else []
            if bodies and (not orgs_before or bodies[-1].start() > orgs_before[-1].start()):
                add(m.start(), m.end(), "other_organization", bodies[-1].group("n"), None)
                continue
            add(m.start(), m.end(), ref_role, ref_name, ref_org)
        # a known person by surname or pronoun
        for m in re.finditer(r"\b(?P<w>[A-Z][\w’'-]+|he|she|He|She|they|They|I)\b", frame):
            word = m.group("w")
            person = self._people.get(word)
            if person is not None:
                add(m.start(), m.end(), person.role, person.speaker, person.org)
            elif word.lower() in ("he", "she"):
                pronouns.append(m)
            elif word == "I":
                add(m.start(), m.end(), "author", "the author", None)
        found.sort(key=lambda x: x.start)
        for m in pronouns:
            earlier = [x for x in found if x.end <= base + m.start() and x.role in _PERSON_ROLES]
            person = earlier[-1] if earlier else self._last_person
            if person is not None:
                add(m.start(), m.end(), person.role, person.speaker, person.org)
        found.sort(key=lambda x: x.start)
        # "he" or "she" in a later sentence is the last person named (not "the authority")
        named = [x for x in found if x.speaker and x.speaker in self._people]
        if named:
            self._last_person = named[-1]
        return found

    def _other_role(self, name: str) -> str:
        for role, pattern in _ROLE_KINDS[2:]:
            if pattern.search(name):
                return role
        return "other_organization" if _OTHER_ORG_WORDS.search(name) else "person"

    def _org_for_phrase(self, phrase: str) -> str | None:
        phrase = phrase.strip()
        if re.fullmatch(_ORG_REF, phrase, re.I) or phrase.lower() in ("company", "its", "the company"):
            return self._last_org
        for alias, org in sorted(self._alias_to_org.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"\b{re.escape(alias)}(?:[’']s)?\b{_NOT_ANOTHER_NAME}", phrase, re.I):
                return org
        return None

    def _classify_role(self, role_text: str) -> tuple[str | None, str | None]:
        """Role kind and, for a spokesperson or executive of one of the source's organisations, that
        organisation. ``(None, None)`` when the text is not a role."""
        for role, pattern in _ROLE_KINDS:
            if pattern.search(role_text):
                if role in ("spokesperson", "executive"):
                    org = self._org_for_phrase(role_text) or (
                        self._last_company[1] if re.search(rf"\b(?:its|our)\b|\b{_ORG_REF}\b", role_text, re.I)
                        else None)
                    # "Quillon chief executive", "Example Cloud's CTO", "a spokesperson for the
                    # regulator" name someone else; "Head of Trust and Safety" does not
                    names_other = re.search(r"\b(?:at|of|for|with)\s+(?:the|a|an)\s+(?!company\b)", role_text) or any(
                        w.casefold() not in _ROLE_WORDS and self._resolve_org_word(w) is None
                        for w in re.findall(r"\b[A-Z][\w&-]+", role_text))
                    if org is None and not names_other:
                        org = self._last_org if len(self.orgs) == 1 else None
                    if org is None:
                        return "spokesperson_other" if role == "spokesperson" else "person", None
                    return role, org
                if role == "expert" and self._org_for_phrase(role_text):
                    return "employee", None  # "a Harborline engineer": works there, does not speak for it
                return role, None
        return None, None

    def _remember_person(self, mention: _Mention) -> None:
        name = mention.speaker or ""
        parts = name.split()
        if parts:
            self._people.setdefault(parts[-1], mention)
            self._people.setdefault(name, mention)
        self._last_person = mention
        self._person_para = self._para_index

    # attribution -------------------------------------------------------------------------------

    def _frame(self, start: int, end: int, quotes: Sequence[_Span], keep_relative: bool = False) -> str:
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
        return _RELATIVE.sub(lambda m: " " * len(m.group()), frame)

    def _attribute(self, frame: str, base: int, anchors: Sequence[int] = ()
                   ) -> tuple[_Mention | None, str | None]:
        """Pick the speaker in a frame: ``(mention, cue)`` or ``(None, None)``.

        ``anchors`` are the quote marks' offsets in the frame: the cue nearest to them is tried first
        ("X has begun warning passengers ... in what one consultant called “...”").
        """
        if _NOT_SAID.search(frame):
            return None, None  # "did not use the word “breach”": words not said
        mentions = self._mentions(frame, base)
        cues = list(_CUE.finditer(frame))
        if anchors:
            # verbs before channel phrases ("in its email"), then nearest to the quote first
            cues.sort(key=lambda c: (c.group("stmt") is not None,
                                     min(min(abs(c.start() - a), abs(c.end() - a)) for a in anchors)))
        for m in cues:
            if _NEGATION.search(frame[max(0, m.start() - 30):m.start()]) or \
                    _HYPOTHETICAL.search(frame[max(0, m.start() - 80):m.start()]):
                continue
            c_start, c_end = base + m.start(), base + m.end()
            cue = m.group(0)
            if m.group("acc"):
                after = [x for x in mentions if 0 <= x.start - c_end <= 2]
                if after:
                    return after[0], f"according to {after[0].text}"
                continue
            # inverted: "said the company", "said Dana Whitfield, a spokesperson for Harborline"
            after = [x for x in mentions if 0 <= x.start - c_end <= 2]
            before = [x for x in mentions if x.end <= c_start]
            if m.group("verb") and m.group("verb").lower() in ("told", "tells", "informed", "informs",
                                                              "informing", "telling", "asked", "urged",
                                                              "advised"):
                after = []  # "told Example Daily": the mention after the verb is the listener
            if not (m.group("verb") and m.group("verb").lower() in _INVERTING):
                after = []  # "parents called the school": only speech verbs invert
            after = [x for x in after if _CLAUSE_END.match(frame, x.end - base)]
            if after and m.group("verb") and not before:
                return after[0], f"{cue} {after[0].text}"
            if after and m.group("verb") and before and before[-1].end < c_start - 60:
                return after[0], f"{cue} {after[0].text}"
            if m.group("verb") and m.group("verb").lower() in ("told", "tells"):
                listener = re.match(rf"\s*(?:the\s+)?{_LISTENER}", frame[m.end():])
                if listener:
                    cue = f"{cue} {listener.group(0).strip().rstrip('.,;:')}"  # "told Example Daily": the channel
            if before:
                speaker = before[-1]
                # "Pinecrest Academy, a private school with no connection to the district, posted":
                # a mention inside the appositive just before the verb is not its subject
                appositive = _APPOSITIVE.search(frame, 0, m.start())
                if appositive and appositive.start() + base <= speaker.start and \
                        not frame[appositive.end():m.start()].strip():
                    head = frame[:appositive.start()]
                    named = re.search(r"([A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*)+)\s*$", head)
                    if named and self._resolve_org_word(named.group(1)) is None and \
                            named.group(1) not in self._people:
                        return None, None  # another body's words; whose exactly is not needed
                    earlier = [x for x in before if x.end <= appositive.start() + base]
                    if not earlier:
                        return None, None
                    speaker = earlier[-1]
                return speaker, f"{speaker.text} {cue}".strip()
            if after:
                return after[0], f"{cue} {after[0].text}"
        return None, None

    def _make(self, kind: str, start: int, end: int, mention: _Mention | None, cue: str | None,
              topic: str | None = None) -> Attribution:
        role = mention.role if mention else "unknown"
        if role in ("org_ref", "channel"):
            role = "organization"
        speaker = mention.speaker if mention else None
        org = mention.org if mention and role in ("organization", "spokesperson", "executive") else None
        if role == "spokesperson" and mention and mention.speaker and mention.speaker != mention.org:
            speaker = mention.speaker
        return Attribution(kind=kind, text=self.text[start:end], start=start, end=end,
                           speaker=speaker, speaker_role=role, speaker_org=org, cue=cue, topic=topic)

    def _track(self, frame: str) -> None:
        """Remember the organisation a sentence is about (the first one it names, usually its
        subject), so that "the company", "it" and "the post" in what follows resolve to it."""
        first = next(self._org_re.finditer(frame), None) if self._org_re is not None else None
        if first is not None:
            self._last_org = self._resolve_org_word(first.group(0)) or self._last_org
        company = next((m for m in _BODY.finditer(frame) if not self._resolve_org_word(m.group("n"))), None)
        if company is not None and (first is None or company.start() < first.start()):
            self._last_company = (company.group("n"), None)
        elif first is not None:
            self._last_company = (self._last_org, self._last_org)
        body: re.Match[str] | None = company
        attacker = _ROLE_KINDS_BY_NAME["attacker"].search(frame)
        if attacker is not None and (body is None or attacker.start() < body.start()):
            body = attacker
        if body is not None and (first is None or body.start() < first.start()):
            self._last_ref = ((body.groupdict().get("n") or body.group(0)), None)
        elif first is not None:
            self._last_ref = (self._last_org, self._last_org)

    def extract(self) -> list[Attribution]:
        """All attributions in text order (quotes, reported speech, non-disclosure)."""
        text = self.text
        out: list[Attribution] = []
        paragraphs: list[_Paragraph] = []
        carry = False
        for p_start, p_end in _paragraphs(text):
            spans, open_at_end = find_quote_spans(text, p_start, p_end)
            if carry and spans and spans[0].open_mark == p_start:
                spans[0].continued = True
            paragraphs.append(_Paragraph(p_start, p_end, spans))
            carry = open_at_end
        # a notice or statement published by someone else (a regulator's notice about the
        # organisation) is not the organisation's own text; a filing is, wherever it is published
        self._find_guest()
        primary = self.kind in PRIMARY_KINDS and bool(self.orgs) and (
            self.kind == "filing" or not self.publisher or self._org_for_phrase(self.publisher) is not None)
        self._primary = primary
        # whose own text it is: the organisation that published it, else the first one named
        self._own_org = (self._org_for_phrase(self.publisher) if self.publisher else None) or (
            self.orgs[0] if self.orgs else None)
        block_speaker: tuple[_Mention | None, str | None] | None = None
        previous: Attribution | None = None  # the last quote, which a continued quote may extend
        prev_sentence_colon: tuple[_Mention | None, str | None] | None = None
        last_quote: tuple[_Mention, str, int, str | None] | None = None
        for para_index, para in enumerate(paragraphs):
            self._para_index = para_index
            sentences = _sentence_bounds(text, para.start, para.end, para.quotes)
            para_text = text[para.start:para.end]
            # a notice reproduced as a block after "Here is the email:" -----------------------------
            if block_speaker is not None:
                same_block = para_index > 0 and text.count("\n", paragraphs[para_index - 1].end, para.start) == 1
                if not para.quotes and (same_block or self._letter_like(para_text)):
                    mention, cue = block_speaker
                    out.append(self._make("quote", para.start, para.end, mention, cue))
                    continue
                block_speaker = None
            if _INSTRUCTION.search(para_text):
                # a page's words aimed at a text generator are data, never anyone's statement
                for q in para.quotes:
                    out.append(self._make("quote", q.start, q.end, None, None).model_copy(
                        update={"context": "instruction to a text generator"}))
                continue
            if para_text.lstrip().startswith("#"):
                heading = re.match(r"\s*#{1,6}\s+", para_text)
                start = para.start + (heading.end() if heading else 0)
                if primary and len(text[start:para.end].split()) >= 3:
                    out.append(self._own_text(start, para.end))
                last_quote = None  # a headline does not continue anyone's quote
                continue
            if self._transcript_turn(para, out):
                continue
            if para_index and para.start - paragraphs[para_index - 1].end > 1 and self._internal_recent:
                self._internal_recent -= 1  # a memo's "it" reaches into the next paragraph, no further
            if primary and not para.quotes:
                # the document's own words; headings, subject lines, greetings and sign-offs are not
                # statements
                if self._statement_like(para_text):
                    out.append(self._own_text(para.start, para.end))
                    for s_start, s_end in sentences:
                        frame = self._frame(s_start, s_end, [])
                        if _DECLINED.search(frame):
                            self._reported_and_declined(s_start, s_end, frame, out)
                self._track(para_text)
                continue
            for s_start, s_end in sentences:
                quotes = [q for q in para.quotes if s_start <= q.open_mark < s_end or
                          (q.open_mark < s_start < q.close_mark)]
                frame = self._frame(s_start, s_end, quotes)
                anchors = [x - s_start for q in quotes for x in (q.open_mark, q.close_mark)]
                mention, cue = self._attribute(frame, s_start, anchors)
                if quotes and primary and mention is None and self._statement_like(text[s_start:s_end]):
                    # in its own document, a sentence with quote marks and no speaker is its own
                    # ('Fenwick & Hale Insurance ("Fenwick & Hale") is writing ...')
                    out.append(self._own_text(s_start, s_end))
                elif quotes:
                    if mention is None and prev_sentence_colon is not None and quotes[0].open_mark - s_start < 3:
                        mention, cue = prev_sentence_colon
                    if mention is None and (last_quote is None or last_quote[2] < para_index - 1) and \
                            len(frame.split()) < 3 and \
                            self._last_person is not None and self._person_para == para_index - 1 and \
                            quotes[0].open_mark == para.start:
                        # “…” as a paragraph of its own, right after one that introduced its speaker
                        mention, cue = self._last_person, f"{self._last_person.speaker} (introduced just before)"
                    if mention is None and last_quote is not None and len(frame.split()) < 3 and \
                            para_index - last_quote[2] <= 1 and _HYPOTHETICAL.search(frame) is None:
                        # a whole sentence in quotes right after an attributed quote continues it
                        mention, cue = last_quote[0], f"{last_quote[1]} (continued)"
                        context = last_quote[3]
                    else:
                        context = self._context(frame)
                    for q in quotes:
                        a = self._make("quote", q.start, q.end, mention, cue)
                        if context:
                            a.context = context
                        if q.continued and previous is not None and mention is None:
                            a = a.model_copy(update={k: getattr(previous, k) for k in (
                                "speaker", "speaker_role", "speaker_org", "cue")})
                        out.append(a)
                        previous = a
                    if mention is not None:
                        last_quote = (mention, (cue or "").removesuffix(" (continued)"), para_index, context)
                elif primary and self._statement_like(text[s_start:s_end]):
                    out.append(self._own_text(s_start, s_end))  # its own words beside a quote
                else:
                    self._reported_and_declined(s_start, s_end, frame, out)
                stripped = frame.rstrip()
                if stripped.endswith(":"):
                    # without quotes the sentence was attributed with no anchors: the same call
                    intro = (mention, cue) if not quotes else self._attribute(frame, s_start)
                    if intro[0] is None and re.search(rf"\b{_CHANNEL}\b", frame, re.I):
                        m = [x for x in self._mentions(frame, s_start) if x.role == "channel"]
                        intro = (m[-1], m[-1].text) if m else (None, None)
                    prev_sentence_colon = intro if intro[0] is not None else None
                    # a reproduced block is the organisation's only when the paragraph introducing it
                    # names it ("Harborline sent a message. Here is the email:"), not "The post read:"
                    explicit = intro[0] is not None and (intro[0].role != "channel" or re.match(
                        r"(?i)(?:its|their|our|the company)\b", intro[0].text) is not None or (
                        self._org_re is not None and self._org_re.search(text, para.start, s_end) is not None) or (
                        self._last_company[1] is not None
                        and re.search(rf"\b{_ORG_REF}\b", text[para.start:s_end], re.I) is not None))
                    if explicit and s_end == para.end and not quotes:
                        block_speaker = intro
                else:
                    prev_sentence_colon = None
                self._track(self._frame(s_start, s_end, quotes, keep_relative=True))
                if _INTERNAL.search(frame):
                    self._internal_recent = 2
        # continued quotes without attribution of their own take the attribution of the next part
        for i in range(len(out) - 2, -1, -1):
            a, b = out[i], out[i + 1]
            if a.kind == "quote" and a.speaker is None and b.kind == "quote" and b.speaker is not None \
                    and self._joined(a, b):
                out[i] = a.model_copy(update={k: getattr(b, k) for k in ("speaker", "speaker_role",
                                                                         "speaker_org", "cue")})
        return out

    def _joined(self, a: Attribution, b: Attribution) -> bool:
        """True when ``b`` continues ``a``: the text between them is only a paragraph break."""
        between = self.text[a.end:b.start]
        left_open = self.text[a.end:a.end + 1] in ("\n", "")  # no closing mark: it runs on
        return left_open and len(between) <= 4 and "\n" in between

    def _transcript_turn(self, para: _Paragraph, out: list[Attribution]) -> bool:
        """A transcript's turn ("**Dana Park:** …", "A: …") is its speaker's words, as a quote.

        The guest named in "Guest: Name, role, Organisation" answers the "A:" turns; "Q:" turns and
        unknown single-word labels are not quoted. Returns True when the paragraph was a turn.
        """
        text = self.text[para.start:para.end]
        label = _TURN.match(text)
        if label is None or self.kind in PRIMARY_KINDS:
            return False
        if label.group("qa"):
            if label.group("qa") == "Q" or self._guest is None:
                return label.group("qa") == "Q"
            speaker = self._guest
        else:
            name = label.group("name")
            speaker = self._people.get(name) or self._people.get(name.split()[-1])
            if speaker is None:
                if len(name.split()) < 2:
                    return False
                speaker = _Mention(para.start, para.start, name, "person", name, None)
                self._remember_person(speaker)
        start = para.start + label.end()
        end = para.end - (len(text) - len(text.rstrip(" *")))
        if len(self.text[start:end].split()) >= 3:
            out.append(self._make("quote", start, end, speaker, f"{speaker.speaker} (transcript)"))
        return True

    def _find_guest(self) -> None:
        """"Guest: Devin Alcaraz, chief technology officer, Kestrel Mobility" names who answers."""
        m = re.search(rf"\bGuests?:\s*(?P<name>{_NAME}),\s*(?P<role>[^.;\n*]+)", self.text)
        if m is None:
            return
        role, org = self._classify_role(m.group("role"))
        self._guest = _Mention(m.start("name"), m.end("name"), m.group("name"), role or "person",
                               m.group("name"), org)
        self._remember_person(self._guest)

    def _own_text(self, start: int, end: int) -> Attribution:
        """A primary document's own words: the organisation's, whoever typed them."""
        mention = _Mention(start, start, "", "organization", self._own_org, self._own_org)
        return self._make("quote", start, end, mention, f"own text ({self.kind})")

    def _context(self, frame: str) -> str | None:
        """``earlier incident`` or ``internal document`` when the sentence says the words belong to
        one; such words are never this incident's public statement."""
        if _INTERNAL.search(frame) or (self._internal_recent and _DOCUMENT_SPEAKS.search(frame)):
            return "internal document"
        if _EARLIER.search(frame):
            return "earlier incident"
        if self.published is not None:
            for m in _YEAR.finditer(frame):
                if int(m.group(1)) < self.published.year:
                    return "earlier incident"
        return None

    @staticmethod
    def _statement_like(para: str) -> bool:
        """A paragraph of a primary document that states something: not a heading,
        a subject line, a greeting or a sign-off ("Thank you for shopping with us,")."""
        para = para.strip()
        return not (re.match(r"(?i)(?:subject|re|from|to|date):|#", para)
                    or para.endswith((",", ":")) or len(para.split()) < 5)

    def _letter_like(self, para: str) -> bool:
        return bool(re.search(r"\b(?:we|our|us|We|Our)\b|^(?:Dear|Hello|Hi|Subject|Sincerely|Regards|"
                              r"Thank you|Thanks|Best|—|-)\b", para)) or len(para) < 60

    def _reported_and_declined(self, s_start: int, s_end: int, frame: str, out: list[Attribution]) -> None:
        """Reported speech and non-disclosure in a sentence that holds no quote."""
        declined = _DECLINED.search(frame)
        if declined:
            mentions = [m for m in self._mentions(frame, s_start) if m.end <= s_start + declined.start()]
            if not mentions and self._primary and re.match(r"\s*(?:We|we)\b", frame):
                mentions = [_Mention(s_start, s_start + 2, frame.strip()[:2], "organization", self._own_org,
                                     self._own_org)]
            if mentions:
                topic = (next((name for name, pattern in _TOPICS if pattern.search(frame[declined.end():])), None)
                         or next((name for name, pattern in _TOPICS if pattern.search(frame[:declined.start()])),
                                 None))
                out.append(self._make("declined", s_start, s_start + len(frame.rstrip()), mentions[-1],
                                      f"{mentions[-1].text} {declined.group(0)}", topic))
            frame = frame[:declined.start()]
        for m in re.finditer(rf"\b(?P<v>said|says|told {_LISTENER}|wrote|stated|confirmed|explained|added|"
                             rf"noted|acknowledged|announced|admitted|warned|informed {_LISTENER}|"
                             rf"informing {_LISTENER}|assured {_LISTENER}|claimed|insisted)"
                             rf"(?:\s+(?:in|via|through)\s+(?:a|an|its|the|their)\s+(?:[\w-]+\s+)?{_CHANNEL}"
                             rf"(?:\s+to\s+[\w-]+)?)?(?:\s+on\s+\w+day)?(?:\s+that)?\s+(?=\S)", frame):
            if _NEGATION.search(frame[max(0, m.start() - 30):m.start()]) or re.search(
                    r"\b(?:been|be|being|was|were|is|are)\s+$", frame[:m.start()]) or \
                    re.match(r"told\s+by\b", m.group(0)):
                continue  # "has been told by the regulator": someone else's words
            head = frame[:m.start()]
            mentions = [x for x in self._mentions(head, s_start) if s_start + m.start() - x.end <= 25]
            if not mentions:
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
            out.append(self._make("reported", start, start + len(clause), mentions[-1],
                                  f"{mentions[-1].text} {m.group('v').strip()}"))
            break
        acc = re.search(r"\baccording to\s+", frame, re.IGNORECASE)
        if acc:
            mentions = [x for x in self._mentions(frame, s_start) if x.start == s_start + acc.end()]
            if mentions:
                before = frame[:acc.start()].rstrip(" ,")
                after = frame[mentions[0].end - s_start:].lstrip(" ,").rstrip(" .")
                clause, offset = (before, 0) if len(before.split()) >= 3 else (after, len(frame) - len(
                    frame[mentions[0].end - s_start:].lstrip(" ,")))
                if len(clause.split()) >= 3:
                    start = s_start + offset
                    out.append(self._make("reported", start, start + len(clause), mentions[0],
                                          f"according to {mentions[0].text}"))


def extract_attributions(text: str, kind: str, organizations: Sequence[str],
                         published: dt.date | None = None, publisher: str | None = None) -> list[Attribution]:
    """Extract quotes, reported speech and non-disclosure evidence from a source's text.

    Args:
        text: the source's normalised text.
        kind: the source's kind.
        organizations: organisations from the source's metadata.
        published: the source's date; a quote set in an earlier year is marked ``earlier incident``.
        publisher: who published it; a notice or statement published by someone other than its
            organisations is not their own text.

    Returns:
        Attributions in text order; for each, ``text[a.start:a.end] == a.text``.
    """
    return Extractor(text, kind, organizations, published, publisher).extract()
