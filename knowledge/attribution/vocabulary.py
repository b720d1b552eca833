"""Word lists and patterns for quote attribution: speech verbs, roles, titles, channels, topics.

Data, not logic: every list the extractor and the answerer share lives here once. The extractor's
version (:data:`knowledge.attribution.EXTRACTOR_VERSION`) is derived from a hash of this package's
source, so any change to a list or rule re-extracts unchanged sources on their next ingest.
"""

from __future__ import annotations

import re

CUE_VERBS = (
    "said|says|say|told|tells|wrote|writes|stated|states|added|adds|confirmed|confirms|explained|"
    "explains|noted|notes|announced|announces|acknowledged|acknowledges|admitted|admits|claimed|claims|"
    "insisted|insists|warned|written|warns|reads|read|informed|informs|informing|telling|saying|stating|"
    "explaining|warning|blamed|blames|blaming|described|describes|describing|describe|called|calls|cited|cites|"
    "attributed|attributes|apologi[sz]ed|promised|promises|assured|assures|reassured|pledged|posted|"
    "tweeted|replied|replies|responded|responds|continued|continues|went on|emailed|reported|reports|"
    "disclosed|discloses|revealed|reveals|urged|urges|advised|advises|asked|asks|argued|argues|"
    "maintained|maintains|conceded|concedes|characteri[sz]ed|referred to|put it|declared|declares|stressed|stresses|"
    "emphasi[sz]ed|emphasi[sz]es|vowed|vows|testified|testifies|remarked|commented|comments|observed|"
    "pointed out|recalled|asserted|asserts|affirmed|countered|boasted|quipped|elaborated|reiterated|reiterates|"
    "reaffirmed|reaffirms|repeated"
)
CUE = re.compile(
    rf"\b(?:(?P<verb>{CUE_VERBS})\b|(?P<acc>according to)\b|(?P<stmt>in (?:a|an|its|the|his|her|their) "
    r"(?:statement|email|e-mail|letter|notice|message|blog post|post|filing|update|note|memo|interview)))",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:not|n[’']t|never|no longer|nothing|declined to|refused to|would not|did not|has not|have not|"
    r"had not)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
BODY = re.compile(
    r"(?P<n>[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*\s+(?:Services|Inc|Corp|Corporation|Ltd|LLC|plc|Labs?|Bank|"
    r"Authority|Commission|Agency|Department|Systems|Technologies|Software|Cloud|Networks|Solutions|Crew|"
    r"Group|Holdings|Partners|Academy|School|College|Ventures|Capital|Press|Studio|Studios|Reviews|Media|"
    r"Telecom|Analytics|Foundation|Institute|Association|Office|Commissioner|Regulator|Ombudsman|Alliance|"
    r"Union|Coalition|Federation|Society|Council|Committee|Campaign|Coalition|Trust))\b")
ATTRIBUTIVE = re.compile(
    r"\s+(?:customer|customers|data|account|accounts|order|orders|system|systems|network|servers?|users?|"
    r"staff|employees?|shoppers?|members?|patients?|riders?|records?|files?|platform|database|loyalty|"
    r"cards?|app|website|site|brand|logo|store|stores|products?|devices?|subscribers?|passengers?|"
    r"students?|families|parents|"
    # the incident named after the organisation ("the Fenwick attack") is no speaker
    r"attacks?|breach(?:es)?|hacks?|incidents?|cyber-?attacks?|cyber incident|ransomware|outages?|"
    r"shutdown|leaks?|exposure|intrusion|hackers|payoff|ransom|saga|debacle|fiasco)\b")
#: Verbs that take the speaker after them ("…,” said the company; “…,” wrote Jo Park).
INVERTING = frozenset("""said says added adds wrote writes explained explains continued continues noted notes
stated states insisted insists warned warns replied replies responded responds admitted admits acknowledged
acknowledges confirmed confirms told tells asked asks according declared declares stressed stresses emphasised
emphasized concluded cautioned remarked commented recalled""".split())
#: An apology for the incident comes from the organisation: a person named only by name who apologises
#: in an article about it speaks for it.
APOLOGY = re.compile(r"\bapologi[sz](?:e|ed|es|ing)\b|\bsaid (?:sorry|he was sorry|she was sorry)\b", re.I)
#: After an inverted speaker ("…,” said the company."): the clause ends; "argued the email was" is no inversion.
CLAUSE_END = re.compile(r"\s*(?:[.,;:!?”\"’)\]—–-]|$|\s*(?:on|in|at|last|this|yesterday|today|earlier|later|"
                        r"who|whose)\b)")
#: ", a private school in a neighbouring state," between a subject and its verb.
APPOSITIVE = re.compile(r",\s+(?:a|an|the)\s+[^,“”\"]{3,120},\s*$")
NOT_SAID = re.compile(
    r"\bnowhere\b|\bnor\s+(?:has|have|did|does|had|was|is)\b|\b(?:not|never|n[’']t|without)\s+(?:\w+\s+){0,2}?(?:use[sd]?|using|say|said|call(?:ed)?|"
    r"mention(?:ed)?|describe[sd]?|admit(?:ted)?|the words?|the term)\b", re.IGNORECASE)
RELATIVE = re.compile(r",\s+(?:which|who|whose)\b[^,“”\"]*,")
#: After an alias: not another capitalised name word ("Quillfeather Cloud" is not "Quillfeather"),
#: unless it is a role ("Harborline Chief Executive").
NOT_ANOTHER_NAME = (r"(?!\s+(?!(?:Chief|CEO|CTO|CISO|President|Executive|Spokes\w*|Vice|Head|General|Director|"
                     r"Security|Customer|Customers|Team|Staff|Board|Said|Says|Told|Wrote|Help|Centre|Center|"
                     r"Newsroom|Blog|News|Press|Status|Support|Media|Investor|Relations|Communications|Financial|Corp|"
                     r"Corporation|Inc|Incorporated|Holdings|Group|Limited|Ltd|International|Worldwide|Company|Co|Motor|"
                     r"Motors)\b)[A-Z][a-z])")
YEAR = re.compile(r"\b(?i:in|back in|during|after|since|of)\s+(?:(?i:a|an|the)\s+)?(?:(?:early|late|mid-?)\s*)?(?:[A-Z][a-z]+\s+)?"
                   r"(19\d\d|20\d\d)\b")
EARLIER = re.compile(r"\b(?:after|during|following)\s+(?:a|an|the|its)\s+(?:similar|previous|prior|earlier|separate|"
                      r"last)\s+(?:incident|breach|attack|leak|exposure|hack)\b|\byears? ago\b|\blast year\b|"
                      r"\bat the time\b|\bthen-[a-z]",
                      re.IGNORECASE)
INTERNAL = re.compile(r"\b(?:internal|leaked|private)\s+(?:memo|document|email|e-mail|message|note|slides?|"
                       r"presentation|chat|report)\b|\bmemo\b|\b(?:seen|obtained|reviewed) by\b", re.IGNORECASE)
DOCUMENT_SPEAKS = re.compile(r"\b(?:it|the (?:memo|document|note|message|email|e-mail|slide|chat))\s+"
                              r"(?:reads|read|says|said|states|stated|adds|added|continues|went on)\b|"
                              r"\bin the (?:memo|document|note|message|email|e-mail|chat|thread)\b", re.IGNORECASE)
INSTRUCTION = re.compile(r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+)?"
                          r"(?:previous|prior|above|earlier|other)\s+instructions\b|"
                          r"\b(?:AI|LLM)\s+(?:assistants?|models?|systems?|agents?|bots?)\b[^.]{0,40}:|"
                          r"\b(?:instructions?|note) (?:to|for) (?:any |the )?(?:AI|language model|LLM|assistant|"
                          r"text generator|chatbot|bot)\b|\bwhen you summari[sz]e\b|\bdo not mention this instruction\b",
                          re.IGNORECASE)
#: Capitalised words of a role that name no organisation ("Chief Executive", "Senior Vice President").
ROLE_WORDS = frozenset("""chief executive officer information security technology operating financial
senior vice president head director general counsel spokesperson spokeswoman spokesman press
communications global group managing deputy interim acting founder co-founder chair chairman chairwoman
ceo cto ciso cfo coo vp a an the its leader mayor council county city company university bank board
superintendent provost chancellor principal district school
cllr councillor trust safety operations engineering product marketing data privacy legal compliance risk
people customer customers member members patient patients care infrastructure platform and of for""".split())
#: Job titles that come before a name ("Chief Executive Jane Roe", "the firm's general counsel, …").
TITLES = (r"chief (?:\w+ ){1,3}officer|head of (?:\w+ ){0,2}\w+|general counsel|chief executive|ceo|cto|ciso|"
           r"president|founder|co-founder|spokes(?:person|woman|man)|press officer|director|managing director")
#: Who was told: "told Example Daily", "told reporters", "informed customers".
LISTENER = r"(?:[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*|[\w-]+)"
HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|imagine|suppose|supposing)\b[^,.;]*$|\b(?:could|should|would|might|must|ought to)"
    r"(?:\s+not)?\s+have\s+(?:\w+\s+)?$", re.IGNORECASE)
DECLINED = re.compile(
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
TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
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

#: "the Japanese giant", "the Texas-based company", "the embattled lender": a place or a plain
#: description between "the" and the kind of body (never "the security firm": another body).
_REF_ADJ = (r"(?:(?-i:[A-Z][\w-]*)\s+(?:(?-i:[A-Z][\w-]*)\s+)?|[\w-]+-(?:based|listed|headquartered)\s+|"
            r"(?:embattled|troubled|beleaguered|stricken|listed)\s+)?")
ORG_REF = (rf"the {_REF_ADJ}(?:company|automaker|carmaker|car maker|non-bank|firm|retailer|grocer|business|organi[sz]ation|platform|service|bank|insurer|"
            r"hospital|chain|store|operator|university|college|school|airline|carrier|utility|lender|clinic|"
            r"health system|telehealth company|energy company|provider|brand|e-?commerce giant|ecommerce giant|giant|"
            r"tech giant|startup)(?!\s+(?-i:[A-Z]))")  # "the Kiel-based firm Kielstrand": another one
CHANNEL = (r"(?:(?:email|e-mail|letter|notice|notification|message|statement|blog post|post|filing|"
            r"update|announcement|note|press release|support page|banner)s?|website)")
SPOKES = r"(?:spokes(?:person|woman|man|people)|representative|press officer|press office|media team)\b"

ROLE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("spokesperson", re.compile(SPOKES, re.I)),
    ("executive", re.compile(
        r"\b(?:chief (?:[\w-]+ (?:and )?){1,4}officer|chief executive|executive|ceo|cto|ciso|cfo|coo|president|"
        r"founder|boss|(?:[\w-]+ )?director|"
        r"co-founder|chair(?:man|woman|person)?|general counsel|vice president|vp|head of \w+|"
        r"director of \w+|managing director|owner|(?:council |party )?leader|mayor|superintendent|provost|"
        r"chancellor|principal)\b", re.I)),
    ("regulator", re.compile(
        r"\b(?:regulators?|commissioner|commission|authority|attorney general|attorneys general|ombudsman|"
        r"watchdog|agency|data protection|supervisor|ico|ftc|sec|department|ministry|inspector)\b", re.I)),
    ("lawmaker", re.compile(r"\b(?:senator|sen\.|congress(?:man|woman|member)?|representative|rep\.|"
                            r"lawmakers?|mp|member of parliament|legislator|assemblymember|councill?or|council ?member|"
                            r"board member|trustee|alderman|alderwoman|supervisor|"
                            r"governor|minister)\b", re.I)),
    ("attacker", re.compile(r"\b(?:hackers?|attackers?|threat actors?|criminals?|gang|extortionists?|"
                            r"(?:ransomware|hacking|criminal|extortion) (?:group|gang|crew)|the group|crews?|"
                            r"leaker)\b", re.I)),
    ("expert", re.compile(r"\b(?:researchers?|analysts?|experts?|professor|consultant|specialist|"
                          r"lawyer|attorney|advocate|academic|investigator|engineer|scientist|"
                          r"fellow|critic|critics|observers?)\b", re.I)),
    ("reporter", re.compile(r"\b(?:reporter|journalist|correspondent|editor|columnist|newspaper|outlet)\b",
                            re.I)),
    ("person", re.compile(r"\b(?:shoppers?|players?|gamers?|readers?|commenters?|witness(?:es)?|"
                          r"(?:former )?employees?|insiders?|whistleblowers?|"
                          r"sources? familiar)\b", re.I)),
)
ROLE_KINDS_BY_NAME = dict(ROLE_KINDS)
#: Anonymous sources: never the organisation, even when they describe its decisions.
ANONYMOUS = re.compile(
    r"\b(?:(?:a|an|one|two|three|four|several|some|many|other)\s+)?(?:(?:senior|former|current)\s+)?"
    r"(?:persons?|people|sources?|individuals?|officials?|insiders?|someone|employees?|executives?|staff(?:ers)?)\s+"
    r"(?:(?:directly\s+)?familiar\s+with|briefed\s+on|close\s+to|with\s+(?:direct\s+|first-?hand\s+)?knowledge\s+of|"
    r"aware\s+of|knowledgeable\s+about|involved\s+in|who\s+(?:asked|spoke|requested|declined)\b)"
    r"[^,;.“”\"«»„]*?(?=,|;|\.|$|\s+(?:said|says|told|added|confirmed|described|wrote|explained|noted|"
    r"insisted|warned|claimed|called)\b)"
    r"|\b(?:an?\s+)?(?:company\s+)?insiders?\b|\bpeople\s+briefed\b|\bsources?\s+(?:said|say|says|told)\b"
    r"|\bthe\s+(?:person|people|source|sources|insider|insiders|individual)\b",
    re.IGNORECASE)
PERSON_ROLES = frozenset({"expert", "person", "regulator", "lawmaker", "attacker", "reporter", "anonymous",
                           "spokesperson_other", "spokesperson", "executive"})
OTHER_ORG_WORDS = re.compile(
    r"\b(?:Authority|Commission|Commissioner|Office|Agency|Department|Ministry|Bureau|Council|Board|"
    r"Inc|Corp|Ltd|LLC|plc|Labs?|Group|Bank|University|Institute|Association|Foundation|Times|Daily|News|"
    r"Post|Journal|Blog)\b")

#: Capital letters a name may start with.
UPPER = "A-ZÀ-ÖØ-ÞŁŚŠŽ"
#: Titles before a name ("Ms Bayer Rosmarin", "Dr. Orrin").
HONORIFIC = r"(?:Dr|Mr|Mrs|Ms|Mx|Prof|Sen|Rep|Gov|Sir|Dame|Cllr|Councillor)\.?"
NAME = (rf"(?:{HONORIFIC}\s+)?(?:[{UPPER}][\w’'\-]+|[{UPPER}]\.)"
        rf"(?:\s+(?:[{UPPER}][\w’'\-]+|[{UPPER}]\.|de|van|von|da|del|la|le|bin)){{1,3}}")
#: A transcript turn's label: "**Dana Park:**", "Dana Park:", "A:", "**Q:**".
TURN = re.compile(rf"\s*\**\s*(?:(?P<qa>[QA])|(?P<name>{NAME}|[A-Z][\w’'-]+))\s*:\s*\**\s*")
ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|St|Inc|Corp|Ltd|Co|Jr|Sr|vs|etc|No|"
                     r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|e\.g|i\.e)|\b[A-Z])\.$")

OPEN_DOUBLE = "“„‟«"
CLOSE_DOUBLE = "”»"
#: The marks that may close a quote opened by each double mark: „German“ (or „…”), «French», »reversed«.
CLOSES = {"“": "”", "„": "“”", "‟": "”", "«": "»", "»": "«"}
GENERIC_SUFFIXES = re.compile(
    r"(?:,?\s+(?:inc\.?|incorporated|corp\.?|corporation|co\.?|company|ltd\.?|limited|llc|plc|group|"
    r"holdings|market|markets|bank|services|technologies|technology|insurance|games|airlines|airways|energy|"
    r"health|healthcare|stores|retail|media|studios|software|pharmacy|pharmacies|hospitals?|clinics?|fitness|"
    r"financial|finance|resorts|opticians)|\.com)$", re.I)
#: Leading words of a name that say what kind of body it is, not which ("Société Oriflamme", "Groupe X").
GENERIC_PREFIXES = frozenset({"the", "société", "societe", "groupe", "grupo", "gruppo", "compagnie", "compañía",
                              "banque", "banco", "banca", "la", "le", "les", "el", "die", "der", "das"})
#: Capitalised words that begin sentences, never a speaker's name ("Here's the email").
NOT_NAMES = frozenset("""I It He She They We The Here Here's Here’s There This That These Those What When Where
Why How Who Our Your Their His Her Its A An Dr Mr Mrs Ms Prof Sen Rep""".split())
#: Capitalised words that are dates, never speakers ("on Monday blamed").
CALENDAR_WORDS = frozenset("""Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March
April May June July August September October November December Today Yesterday Tomorrow""".split())
#: Words before a quote that mention someone else's words instead of using them: "the group's claim of
#: “…”", "a crew dubbed “…”", "known as “…”".
NAMED_NOT_SAID = re.compile(
    r"(?:(?:[’']s|\b(?:the|a|an|its|their|his|her|that|this))\s+(?:[\w-]+\s+)?(?:claim|figure|phrase|"
    r"term|label|nickname|slogan|headline|description|listing|advert|boast|name)\s+(?:of\s+)?"
    r"|\b(?:dubbed|nicknamed|so-called|known\s+as|labell?ed(?:\s+as)?|branded(?:\s+as)?|titled|"
    r"code-?named)\s+(?:it\s+|them\s+|(?:the|a|an)\s+[\w-]+\s+)?)$", re.IGNORECASE)
#: "the 2023 payslip mix-up": an earlier year naming an earlier event.
EARLIER_EVENT = re.compile(
    r"\b(?:the|a|its|an)\s+((?:19|20)\d\d)\s+(?:[\w-]+\s+){0,2}(?:incident|breach|attack|leak|exposure|hack|"
    r"mix-?up|outage|error|glitch|lapse)s?\b", re.IGNORECASE)
COMMON_WORDS = frozenset({"the", "a", "an", "new", "first", "general", "united", "american", "national",
                           "global", "international", "best", "home", "city", "data"})
