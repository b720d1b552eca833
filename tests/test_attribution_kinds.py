"""Table tests for issue 6, "Kinds of failure to fix", items 1-5: who said what in wire and tech-press copy.

One table per kind:

1. ``EXECUTIVES`` — executives and staff speak for their organisation (title before or after the name,
   a title with no company in an article about one company, later "Surname said", "she said",
   "the executive said", a person introduced in an earlier sentence or paragraph).
2. ``OWN_POSTS`` — the organisation's own posts, notices and emails reproduced as plain paragraphs
   after a colon introduction, until the reporter's own voice resumes.
3. ``NEVER_THE_ORG`` — anonymous sources, an attacker's advert or leak site, a critic's suggested
   wording, nicknames after "dubbed" / "known as" / "called", headlines and subheadings.
4. ``TYPOGRAPHY`` — „…“, »…«, «…», ‘…’, a dash attribution after the quote, stray or unbalanced
   marks, a quote left open at the end of a paragraph.
5. ``NAMES`` — curly and straight apostrophes, optional accents, NFD metadata, soft hyphens and
   zero-width spaces inside the organisation's name in the text.

Every text is invented for these tests about made-up organisations (Kestrel Pay, Brightwater
Health, Société Marnier, O'Hara Freight, ...) and made-up outlets (Example Daily, Example Times,
Example Wire); none is taken from a real article.

Facts per row:

* ``said(phrase)`` — the organisation's words: at least one quote containing ``phrase`` (exactly
  ``phrase`` with ``exact=True``) is extracted, and every such quote has ``speaker_org`` equal to the
  organisation (the row's first one unless ``org=`` is given) and no ``context``.
* ``notorg(phrase)`` — never shown as the organisation's: every attribution containing ``phrase`` is
  absent, or has ``speaker_org`` None (or another organisation), or has ``context`` set.
* ``anonymous(phrase)`` — an anonymous source's words: extracted, ``speaker_org`` None, role
  ``anonymous`` (issue 6: "These go under others, labelled anonymous").
* ``narration(phrase)`` — the reporter's own words: no quote contains ``phrase``.

No row is marked xfail: a failing row is a gap in the extractor for the lead to fix.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pytest

from knowledge.attribution import extract_attributions
from knowledge.records import Attribution
from knowledge.text import fold, normalize

QUOTE_MARKS = "\"'“”‘’„«»‹›"


# --- facts ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Said:
    phrase: str
    exact: bool = False
    speaker: str | None = None
    role: str | None = None
    org: str | None = None  # None: the row's first organisation


@dataclass(frozen=True)
class NotOrg:
    phrase: str
    kind: str | None = None  # None: any kind of attribution


@dataclass(frozen=True)
class Anonymous:
    phrase: str


@dataclass(frozen=True)
class Narration:
    phrase: str


Fact = Said | NotOrg | Anonymous | Narration


def said(phrase: str, **kw: object) -> Said:
    return Said(phrase, **kw)  # type: ignore[arg-type]


def notorg(phrase: str, **kw: object) -> NotOrg:
    return NotOrg(phrase, **kw)  # type: ignore[arg-type]


def anonymous(phrase: str) -> Anonymous:
    return Anonymous(phrase)


def narration(phrase: str) -> Narration:
    return Narration(phrase)


def paras(*parts: str) -> str:
    return "\n\n".join(parts)


def same_org(a: str | None, b: str | None) -> bool:
    """Organisation names compared the way the bot matches them: NFC, folded quotes, no soft hyphens."""
    if a is None or b is None:
        return a is b
    return fold(unicodedata.normalize("NFC", a)) == fold(unicodedata.normalize("NFC", b))


def contains(att: Attribution, phrase: str) -> bool:
    return fold(phrase) in fold(att.text)


def dump(atts: list[Attribution]) -> str:
    return "\n".join(
        f"  {a.kind:8} org={a.speaker_org!r} speaker={a.speaker!r} role={a.speaker_role!r} "
        f"context={a.context!r} rule={a.rule!r} cue={a.cue!r} text={a.text!r}"
        for a in atts
    ) or "  (nothing extracted)"


def check_fact(fact: Fact, atts: list[Attribution], orgs: list[str]) -> None:
    seen = f"\nextracted:\n{dump(atts)}"
    if isinstance(fact, Said):
        org = fact.org or orgs[0]
        found = [a for a in atts if a.kind == "quote"
                 and (a.text == fact.phrase if fact.exact else contains(a, fact.phrase))]
        assert found, f"no quote {'equal to' if fact.exact else 'containing'} {fact.phrase!r}{seen}"
        for a in found:
            where = f"quote {a.text!r}{seen}"
            assert same_org(a.speaker_org, org), f"speaker_org {a.speaker_org!r} != {org!r} for {where}"
            assert a.context is None, f"context {a.context!r} set on the organisation's {where}"
            if fact.speaker is not None:
                assert fact.speaker.casefold() in (a.speaker or "").casefold(), \
                    f"speaker {a.speaker!r} lacks {fact.speaker!r} for {where}"
            if fact.role is not None:
                assert a.speaker_role == fact.role, f"role {a.speaker_role!r} != {fact.role!r} for {where}"
    elif isinstance(fact, NotOrg):
        bad = [a for a in atts if contains(a, fact.phrase) and (fact.kind is None or a.kind == fact.kind)
               and a.context is None and any(same_org(a.speaker_org, o) for o in orgs)]
        assert not bad, f"{fact.phrase!r} shown as the organisation's words{seen}"
    elif isinstance(fact, Anonymous):
        found = [a for a in atts if a.kind in ("quote", "reported") and contains(a, fact.phrase)]
        assert found, f"no quote or reported speech containing {fact.phrase!r}{seen}"
        for a in found:
            assert a.speaker_org is None, f"anonymous {a.text!r} given to {a.speaker_org!r}{seen}"
            assert a.speaker_role == "anonymous", f"role {a.speaker_role!r} != 'anonymous' for {a.text!r}{seen}"
    else:
        bad = [a for a in atts if a.kind == "quote" and contains(a, fact.phrase)]
        assert not bad, f"the reporter's narration {fact.phrase!r} extracted as a quote{seen}"


def check_invariants(text: str, atts: list[Attribution]) -> None:
    for a in atts:
        assert 0 <= a.start < a.end <= len(text), f"bad span {a.start}:{a.end} for {a.text!r}"
        assert text[a.start:a.end] == a.text, f"text[{a.start}:{a.end}] != {a.text!r}"
        if a.kind == "reported":
            assert a.text[0] not in QUOTE_MARKS and a.text[-1] not in QUOTE_MARKS, \
                f"reported speech shown with quote marks: {a.text!r}"


def run(text: str, kind: str, orgs: list[str], facts: list[Fact]) -> None:
    norm = normalize(text)
    atts = extract_attributions(norm, kind, orgs)
    check_invariants(norm, atts)
    for fact in facts:
        check_fact(fact, atts, orgs)


# --- 1. executives and staff speak for their organisation -----------------------------------------

EXECUTIVES = [
    pytest.param(
        "Kestrel Pay chief executive Mira Solberg said on Thursday that the breach was limited to one "
        "payment processor. “We shut the connection within the hour,” Solberg told reporters on a call. "
        "Lars Eide, a security analyst at Example Research, was less convinced. “An hour is a long time "
        "for card data,” he said.",
        "article", ["Kestrel Pay"],
        [said("We shut the connection within the hour,", exact=True, speaker="Solberg", role="executive"),
         notorg("An hour is a long time for card data,")],
        id="exec-org-title-name-then-surname-told"),
    pytest.param(
        "Henrik Dahl, Brightwater Health’s chairman and chief executive, said in a video message to staff "
        "that “patient care was never interrupted.” The state health department said it was “monitoring "
        "the situation closely.”",
        "article", ["Brightwater Health"],
        [said("patient care was never interrupted.", exact=True, speaker="Dahl", role="executive"),
         notorg("monitoring the situation closely.")],
        id="exec-name-then-possessive-chairman-and-ceo"),
    pytest.param(
        paras("Corvane Logistics said on Monday that hackers had accessed a database of shipping addresses.",
              "Chairman and CEO Priya Nandakumar apologised to customers in a letter. “We owe every one of "
              "you an explanation, and you will get one,” Nandakumar wrote.",
              "Tom Becker, a ransomware specialist at Example Labs, said the group behind the attack “has "
              "hit at least a dozen freight firms this year.”"),
        "article", ["Corvane Logistics"],
        [said("We owe every one of you an explanation, and you will get one,", exact=True,
              speaker="Nandakumar", role="executive"),
         notorg("has hit at least a dozen freight firms this year.")],
        id="exec-title-without-company-in-article-about-it"),
    pytest.param(
        paras("Quillon Games confirmed on Friday that some player email addresses had been exposed through "
              "a misconfigured support tool.",
              "“We’ve disabled the tool and rotated every credential it used,” Rafael Ortiz, vice president "
              "of product management, wrote in a forum post. “Passwords were never stored there.”",
              "One player replied that the post “reads like a lawyer wrote it.”"),
        "article", ["Quillon Games"],
        [said("We’ve disabled the tool and rotated every credential it used,", exact=True, speaker="Ortiz"),
         said("Passwords were never stored there.", exact=True, speaker="Ortiz"),
         notorg("reads like a lawyer wrote it.")],
        id="exec-vice-president-no-company-named-wrote"),
    pytest.param(
        paras("Lumenfield Bank said on Tuesday that a coding error had let some customers see other "
              "people’s statements in its mobile app.",
              "“This should not have happened, and I am personally sorry,” the company’s founder, Odile "
              "Marchetti, said in an interview with Example Times.",
              "Nadia Krol, who studies banking security at Example University, said apps of this kind "
              "“are tested far less than people assume.”"),
        "article", ["Lumenfield Bank"],
        [said("This should not have happened, and I am personally sorry,", exact=True, speaker="Marchetti"),
         notorg("are tested far less than people assume.")],
        id="exec-the-companys-founder-named"),
    pytest.param(
        paras("Lumenfield Bank has begun writing to customers whose statements were visible to others.",
              "The bank’s founder told Example Daily the error was “caught by a customer, not by us, "
              "which is the part that bothers me most.”",
              "Example Watch, a consumer group, said the letters came “three weeks too late.”"),
        "article", ["Lumenfield Bank"],
        [said("caught by a customer, not by us, which is the part that bothers me most.", exact=True),
         notorg("three weeks too late.")],
        id="exec-the-banks-founder-unnamed"),
    pytest.param(
        paras("Norrbrook Energy chief executive Gwen Talbot said on Wednesday the company had found “no "
              "sign” that billing systems were touched.",
              "Talbot, who joined the utility from a telecoms group, faced questions from analysts on an "
              "earnings call later that day.",
              "“We are bringing in outside forensic specialists and will share what they find,” Talbot said.",
              "Rhys Morgan of the consumer group Example Watch said customers “deserve to know what was "
              "taken, not what wasn’t.”"),
        "article", ["Norrbrook Energy"],
        [said("no sign", exact=True, speaker="Talbot"),
         said("We are bringing in outside forensic specialists and will share what they find,",
              exact=True, speaker="Talbot", role="executive"),
         notorg("deserve to know what was taken, not what wasn’t.")],
        id="exec-surname-two-paragraphs-later"),
    pytest.param(
        "Tessaly Cloud’s chief information security officer, Naomi Reyes, told Example Daily that the "
        "attackers had used a stolen contractor login. “They had a valid password and no second factor,” "
        "she said. “That is on us.” The Example Data Protection Authority said it had “received a breach "
        "report from the company.”",
        "article", ["Tessaly Cloud"],
        [said("They had a valid password and no second factor,", exact=True, speaker="Reyes"),
         said("That is on us.", exact=True, speaker="Reyes"),
         notorg("received a breach report from the company.")],
        id="exec-she-said-and-next-quote-same-speaker"),
    pytest.param(
        paras("Harwell Insurance president Dominic Achebe addressed the breach at an industry conference "
              "in Chicago on Tuesday.",
              "“Nobody’s claims history was changed,” the executive said, adding that the insurer had seen "
              "“no evidence” that the stolen files had been sold.",
              "Marisa Kent, a lawyer for policyholders suing the company, called that claim “impossible to "
              "check.”"),
        "article", ["Harwell Insurance"],
        [said("Nobody’s claims history was changed,", exact=True, speaker="Achebe"),
         said("no evidence", exact=True),
         notorg("impossible to check.")],
        id="exec-the-executive-said"),
    pytest.param(
        "Pellucid Labs spokesperson Ines Varga spoke to Example Wire on Tuesday. “We have not seen any of "
        "the exposed files posted online.” Owen Pike, the researcher who first found the open server, "
        "disagreed. “I found copies on two forums within a day,” Pike said.",
        "article", ["Pellucid Labs"],
        [said("We have not seen any of the exposed files posted online.", exact=True, speaker="Varga"),
         notorg("I found copies on two forums within a day,")],
        id="exec-spokesperson-introduced-then-bare-quote-next-sentence"),
    pytest.param(
        paras("Marden Rail’s head of security, Kwame Asante, met reporters at the operator’s Leeds offices "
              "on Monday.",
              "“The attackers were inside our network for eleven days before we found them.”",
              "“That is longer than we would like, and we are changing how we monitor it.”",
              "The Example Information Office said it was “aware of the incident and making enquiries.”"),
        "article", ["Marden Rail"],
        [said("The attackers were inside our network for eleven days before we found them.", exact=True,
              speaker="Asante"),
         said("That is longer than we would like, and we are changing how we monitor it.", exact=True,
              speaker="Asante"),
         notorg("aware of the incident and making enquiries.")],
        id="exec-head-of-security-introduced-then-quote-paragraphs"),
    pytest.param(
        "Ossery Dental chief executive Paul Weir said the clinic group had written to all 14,000 patients. "
        "Mariam Haddad, the state’s deputy privacy commissioner, said her office had opened an inquiry. "
        "“Fourteen thousand letters is a start, not an end,” she said. “We sent every letter within 72 "
        "hours,” Weir said.",
        "article", ["Ossery Dental"],
        [said("We sent every letter within 72 hours,", exact=True, speaker="Weir", role="executive"),
         notorg("Fourteen thousand letters is a start, not an end,")],
        id="exec-surname-after-regulator-she-said"),
]


@pytest.mark.parametrize(("text", "kind", "orgs", "facts"), EXECUTIVES)
def test_executives_speak_for_their_organisation(text: str, kind: str, orgs: list[str],
                                                 facts: list[Fact]) -> None:
    run(text, kind, orgs, facts)


# --- 2. the organisation's own posts, reproduced -------------------------------------------------

OWN_POSTS = [
    pytest.param(
        paras("In a blog post on Tuesday, Arbor Lane Software said:",
              "On March 3, we discovered that an unauthorised party had accessed a backup of our customer "
              "support database.",
              "The backup contained names, email addresses and the text of support tickets. It did not "
              "contain passwords or payment information.",
              "We have notified the people affected and reported the incident to the relevant authorities.",
              "Arbor Lane did not say how many customers were in the backup. The company’s shares fell 4% "
              "in morning trading."),
        "article", ["Arbor Lane Software"],
        [said("On March 3, we discovered that an unauthorised party had accessed a backup"),
         said("It did not contain passwords or payment information."),
         said("We have notified the people affected and reported the incident"),
         narration("The company’s shares fell 4% in morning trading."),
         narration("did not say how many customers were in the backup")],
        id="post-in-a-blog-post-on-tuesday-org-said-colon"),
    pytest.param(
        paras("Brightwater Health wrote in a post on its newsroom on Friday:",
              "We want to share an update on the cybersecurity incident we first reported on June 2.",
              "Our investigation found that files containing some patients’ names, dates of birth and "
              "insurance numbers were copied from a file server between May 28 and May 30.",
              "Patients whose information was involved will receive a letter from us in the coming weeks.",
              "The hospital group, which runs nine sites across the region, did not respond to questions "
              "from Example Daily about whether it had paid a ransom."),
        "article", ["Brightwater Health"],
        [said("We want to share an update on the cybersecurity incident"),
         said("files containing some patients’ names, dates of birth and insurance numbers"),
         said("Patients whose information was involved will receive a letter"),
         narration("The hospital group, which runs nine sites"),
         narration("whether it had paid a ransom")],
        id="post-wrote-in-a-post-on-its-newsroom"),
    pytest.param(
        paras("Marlow & Finch, a chain of outdoor-gear stores, has begun telling customers about a "
              "skimming attack on its checkout page. The notice, posted on its website, reads:",
              "Between January 9 and February 14, malicious code on our checkout page may have captured "
              "card details entered by customers.",
              "If you shopped online with us during this time, please review your card statements and "
              "contact your bank about any charges you do not recognise.",
              "The company had not filed a breach report with any state attorney general as of Wednesday, "
              "according to a search of public databases."),
        "article", ["Marlow & Finch"],
        [said("malicious code on our checkout page may have captured card details"),
         said("please review your card statements"),
         narration("had not filed a breach report with any state attorney general"),
         narration("a chain of outdoor-gear stores")],
        id="post-the-notice-posted-on-its-website-reads"),
    pytest.param(
        paras("In a statement posted to its investor relations site, Tessaly Cloud said:",
              "Tessaly Cloud recently identified unauthorized activity affecting a limited number of "
              "customer environments. We immediately began an investigation with the help of leading "
              "outside experts.",
              "Based on our investigation to date, we do not believe the incident has had a material "
              "impact on our operations.",
              "Jana Holm, a cloud security researcher at Example Labs, said the wording was familiar. "
              "“‘Limited number’ can mean anything from three to three thousand,” she said."),
        "article", ["Tessaly Cloud"],
        [said("recently identified unauthorized activity affecting a limited number of customer environments"),
         said("we do not believe the incident has had a material impact on our operations"),
         notorg("can mean anything from three to three thousand"),
         narration("said the wording was familiar")],
        id="post-statement-on-investor-site-then-expert"),
    pytest.param(
        paras("Kestrel Pay sent the following email to merchants on Sunday evening:",
              "Dear merchant, we are writing to let you know that a software update released on Friday "
              "caused some settlement reports to show other merchants’ transaction totals. No card numbers "
              "were included in these reports, and the update has been reversed.",
              "Several merchants posted screenshots of the email on social media. One, who runs a bakery in "
              "Leeds, wrote that she had seen “a stranger’s takings” in her dashboard."),
        "article", ["Kestrel Pay"],
        [said("a software update released on Friday caused some settlement reports"),
         said("No card numbers were included in these reports"),
         narration("Several merchants posted screenshots of the email"),
         notorg("a stranger’s takings")],
        id="post-email-reproduced-then-merchant"),
    pytest.param(
        paras("Sunvale Hotels chief executive Ruth Okafor addressed the incident in a LinkedIn post on "
              "Thursday. Okafor wrote:",
              "Last week, criminals got into one of our systems and took information that belongs to our "
              "guests. I am sorry.",
              "We are working around the clock with investigators, and we will tell you what we learn as "
              "soon as we can.",
              "Okafor’s post did not mention the ransom demand, which was first reported by Example Times. "
              "A lawyer representing guests, Carl Mensah, called the post “a press release with a "
              "signature.”"),
        "article", ["Sunvale Hotels"],
        [said("criminals got into one of our systems and took information that belongs to our guests"),
         said("we will tell you what we learn as soon as we can"),
         narration("post did not mention the ransom demand"),
         notorg("a press release with a signature.")],
        id="post-ceo-linkedin-post-surname-wrote-colon"),
    pytest.param(
        paras("In a blog post on Monday, Quillon Games said:",
              "Earlier this month we learned that a third-party analytics provider we use had been breached. "
              "The provider held player usernames, email addresses and the country each account was "
              "registered in.",
              "We have stopped sharing data with this provider while we review what happened.",
              "But the post left out a detail the provider itself disclosed a week earlier: that session "
              "tokens were also taken.",
              "Quillon did not answer Example Daily’s questions about the tokens."),
        "article", ["Quillon Games"],
        [said("we learned that a third-party analytics provider we use had been breached"),
         said("We have stopped sharing data with this provider"),
         narration("But the post left out a detail"),
         narration("session tokens were also taken"),
         narration("did not answer Example Daily’s questions")],
        id="post-blog-post-then-but-the-post-left-out"),
    pytest.param(
        paras("A statement emailed to Example Wire by Norrbrook Energy read:",
              "We can confirm that a supplier which processes smart-meter readings on our behalf "
              "experienced a cyber incident. Customer bank details are not held by this supplier.",
              "We are in close contact with the supplier and the energy regulator.",
              "The supplier, Example Metering, said in its own statement that it was “cooperating fully "
              "with Norrbrook” and had “isolated the affected servers.”"),
        "article", ["Norrbrook Energy"],
        [said("a supplier which processes smart-meter readings on our behalf experienced a cyber incident"),
         said("We are in close contact with the supplier and the energy regulator."),
         notorg("cooperating fully with Norrbrook"),
         notorg("isolated the affected servers.")],
        id="post-statement-emailed-to-outlet-read-then-vendor"),
]


@pytest.mark.parametrize(("text", "kind", "orgs", "facts"), OWN_POSTS)
def test_own_posts_reproduced(text: str, kind: str, orgs: list[str], facts: list[Fact]) -> None:
    run(text, kind, orgs, facts)


# --- 3. never the organisation ---------------------------------------------------------------------

NEVER_THE_ORG = [
    pytest.param(
        "Corvane Logistics has hired an outside firm to negotiate with the hackers, according to a person "
        "familiar with the matter. “They are trying to buy time,” the person said. A Corvane spokesperson "
        "said the company was “working with law enforcement.”",
        "article", ["Corvane Logistics"],
        [said("working with law enforcement.", exact=True, role="spokesperson"),
         notorg("They are trying to buy time,"),
         anonymous("They are trying to buy time,")],
        id="never-person-familiar-with-the-matter"),
    pytest.param(
        "People briefed on the investigation said the intruders had “full admin access” to Harwell "
        "Insurance’s claims platform for weeks. Harwell said in a statement that it had “contained the "
        "incident.”",
        "article", ["Harwell Insurance"],
        [said("contained the incident.", exact=True),
         notorg("full admin access"),
         anonymous("full admin access")],
        id="never-people-briefed-on-the-investigation"),
    pytest.param(
        "A source close to the company told Example Times that Lumenfield Bank executives had been warned "
        "about the flaw in January and that the fix was “pushed back twice.” Another insider said the "
        "board had been “kept in the dark.” Lumenfield said it “takes every report seriously.”",
        "article", ["Lumenfield Bank"],
        [said("takes every report seriously.", exact=True),
         notorg("pushed back twice."),
         notorg("kept in the dark."),
         anonymous("pushed back twice."),
         anonymous("kept in the dark.")],
        id="never-source-close-to-the-company-and-an-insider"),
    pytest.param(
        "A Sunvale Hotels employee, who spoke on condition of anonymity because they were not authorised "
        "to speak publicly, said front-desk staff had been told to “say nothing to guests for now.” The "
        "company said in a statement that guests “will be contacted directly.”",
        "article", ["Sunvale Hotels"],
        [said("will be contacted directly.", exact=True),
         notorg("say nothing to guests for now.")],
        id="never-anonymous-employee-of-the-organisation"),
    pytest.param(
        "The seller’s post on a cybercrime forum offered “pieces of data” taken from Brightwater Health, "
        "including “full patient records for 2.1 million people,” for $150,000 in cryptocurrency. "
        "Brightwater said it was “aware of the claims and investigating.”",
        "article", ["Brightwater Health"],
        [said("aware of the claims and investigating.", exact=True),
         notorg("pieces of data"),
         notorg("full patient records for 2.1 million people")],
        id="never-attacker-advert-on-a-forum"),
    pytest.param(
        "On its leak site, the ransomware group wrote that Quillon Games had “ignored every message” and "
        "would “regret it.” Quillon said it does “not negotiate with criminals.”",
        "article", ["Quillon Games"],
        [said("not negotiate with criminals.", exact=True),
         notorg("ignored every message"),
         notorg("regret it.")],
        id="never-ransomware-gang-leak-site"),
    pytest.param(
        "Privacy lawyer Dana Kessler said a better notice would have said “no card data was accessed,” if "
        "that is true. Kestrel Pay’s notice said only that “some payment information may have been "
        "involved.”",
        "article", ["Kestrel Pay"],
        [said("some payment information may have been involved.", exact=True),
         notorg("no card data was accessed")],
        id="never-critic-a-better-notice-would-have-said"),
    pytest.param(
        "“What they should have said is ‘we lost your data and we are sorry,’” said Omar Velez, a former "
        "regulator who now advises companies on breach response. Instead, Tessaly Cloud’s statement "
        "described “a security event involving a subset of accounts.”",
        "article", ["Tessaly Cloud"],
        [said("a security event involving a subset of accounts.", exact=True),
         notorg("What they should have said is"),
         notorg("we lost your data and we are sorry")],
        id="never-critic-what-they-should-have-said"),
    pytest.param(
        "Researchers at Example Labs have dubbed the malware “ShelfSnatch,” after the retail websites it "
        "targets. Marlow & Finch said the code had been “removed from all checkout pages.”",
        "article", ["Marlow & Finch"],
        [said("removed from all checkout pages.", exact=True),
         notorg("ShelfSnatch")],
        id="never-nickname-dubbed"),
    pytest.param(
        "The flaw, known as “Ghost Session,” let logged-in users see other customers’ policies. The group "
        "that exploited it, called “Night Tide” by researchers, has targeted insurers before. Harwell "
        "Insurance said the flaw was “fully patched” on May 2.",
        "article", ["Harwell Insurance"],
        [said("fully patched", exact=True),
         notorg("Ghost Session"),
         notorg("Night Tide")],
        id="never-label-known-as-and-called"),
    pytest.param(
        paras("# Ossery Dental says ‘no financial data taken’ in patient records breach",
              "Ossery Dental said on Monday that an intruder had copied patient appointment records. “We "
              "have no evidence that any bank or card details were accessed,” the company said in a "
              "statement."),
        "article", ["Ossery Dental"],
        [said("We have no evidence that any bank or card details were accessed,", exact=True),
         notorg("no financial data taken")],
        id="never-markdown-headline-paraphrase"),
    pytest.param(
        paras("# Norrbrook Energy: ‘customer accounts safe’ after meter data leak",
              "Norrbrook Energy said on Thursday that a supplier had leaked smart-meter readings. “The leak "
              "involved meter readings only and no customer account details,” a Norrbrook spokesperson "
              "said.",
              "## Regulator ‘concerned’",
              "The energy regulator said it was “concerned by the delay in reporting.”"),
        "article", ["Norrbrook Energy"],
        [said("The leak involved meter readings only and no customer account details,", exact=True),
         notorg("customer accounts safe"),
         notorg("concerned")],
        id="never-headline-and-subheading"),
]


@pytest.mark.parametrize(("text", "kind", "orgs", "facts"), NEVER_THE_ORG)
def test_never_the_organisation(text: str, kind: str, orgs: list[str], facts: list[Fact]) -> None:
    run(text, kind, orgs, facts)


# --- 4. quote-mark typography ----------------------------------------------------------------------

TYPOGRAPHY = [
    pytest.param(
        "Rheinfeld Versicherung said in a statement that „no customer bank details were affected“ and that "
        "it had informed the data protection authority in Hesse. The state’s data protection commissioner "
        "said her office was „examining the notification“.",
        "article", ["Rheinfeld Versicherung"],
        [said("no customer bank details were affected", exact=True),
         notorg("examining the notification")],
        id="typo-german-low-high-partial"),
    pytest.param(
        "„We reported the incident to the authorities within 24 hours“, a Rheinfeld spokesman told Example "
        "Wire. „That the company then waited a week to tell customers is hard to justify“, said Jonas Frei "
        "of the consumer group Example Watch.",
        "article", ["Rheinfeld Versicherung"],
        [said("We reported the incident to the authorities within 24 hours", exact=True),
         notorg("That the company then waited a week to tell customers is hard to justify")],
        id="typo-german-low-high-full-sentences"),
    pytest.param(
        "»We have no indication that the data has been misused«, Nordvik Bank’s head of communications, "
        "Sofie Lund, said on Tuesday. The national data protection agency said the case was »being handled "
        "as a priority«.",
        "article", ["Nordvik Bank"],
        [said("We have no indication that the data has been misused", exact=True, speaker="Lund"),
         notorg("being handled as a priority")],
        id="typo-reversed-guillemets"),
    pytest.param(
        "« The incident is contained and our services are operating normally », Valmont Assurances said in "
        "a statement on Monday. The national data protection authority said it had received « a "
        "notification from the company » and would examine it.",
        "article", ["Valmont Assurances"],
        [said("The incident is contained and our services are operating normally"),
         notorg("a notification from the company")],
        id="typo-french-guillemets-with-spaces"),
    pytest.param(
        "‘We are contacting every affected customer today,’ said Hollins Water’s managing director, Gareth "
        "Pryce. ‘This should never have happened,’ said Ann Reeve, the councillor who chairs the county’s "
        "scrutiny committee.",
        "article", ["Hollins Water"],
        [said("We are contacting every affected customer today,", exact=True, speaker="Pryce"),
         notorg("This should never have happened,")],
        id="typo-british-single-quotes-with-apostrophes"),
    pytest.param(
        paras("Kestrel Pay said on Tuesday that it had found the source of the leak.",
              "“We have found no evidence that any customer’s card details were accessed.” — Kestrel Pay "
              "spokesperson Lena Vos, in an email to Example Daily",
              "“Finding no evidence is not the same as having evidence of nothing.” — Priya Deol, incident "
              "responder at Example Labs"),
        "article", ["Kestrel Pay"],
        [said("We have found no evidence that any customer’s card details were accessed.", exact=True,
              speaker="Vos"),
         notorg("Finding no evidence is not the same as having evidence of nothing.")],
        id="typo-dash-attribution-after-quote"),
    pytest.param(
        paras("Pellucid Labs restored its payroll service late on Wednesday.",
              "“Our payroll service was unavailable for six hours, and no employee data left our systems.” "
              "–Martin Kade, chief technology officer, Pellucid Labs",
              "“Six hours without payroll is six hours too many for a small business.” –Elena Moss, "
              "Example Small Business Federation"),
        "article", ["Pellucid Labs"],
        [said("Our payroll service was unavailable for six hours, and no employee data left our systems.",
              exact=True, speaker="Kade"),
         notorg("Six hours without payroll is six hours too many for a small business.")],
        id="typo-en-dash-attribution-name-title-org"),
    pytest.param(
        "Marden Rail blamed the disruption on a “ransomware attack at a ticketing supplier. Trains ran to "
        "timetable all day, but passengers could not buy tickets online until late evening. “Safety "
        "systems were never at risk,” a Marden Rail spokesperson said.",
        "article", ["Marden Rail"],
        [said("Safety systems were never at risk,", exact=True),
         narration("Trains ran to timetable all day"),
         narration("passengers could not buy tickets online")],
        id="typo-stray-opening-mark-does-not-swallow-narration"),
    pytest.param(
        "“We have restored access for all customers,” Tessaly Cloud said on Monday.” The outage lasted "
        "nine hours and affected customers in three regions, according to the company’s status page. "
        "Analysts at Example Research called the response “slow but thorough.”",
        "article", ["Tessaly Cloud"],
        [said("We have restored access for all customers,", exact=True),
         narration("The outage lasted nine hours"),
         notorg("slow but thorough.")],
        id="typo-stray-closing-mark-after-attribution"),
    pytest.param(
        paras("Sunvale Hotels chief executive Ruth Okafor told Example Times: “We found the intrusion on a "
              "Sunday night and had the system offline by Monday morning.",
              "“Every guest whose details were in that system will hear from us this week.”",
              "Analysts said the chain’s quick response could limit any regulatory fine. Hotel groups have "
              "been frequent targets this year."),
        "article", ["Sunvale Hotels"],
        [said("We found the intrusion on a Sunday night and had the system offline by Monday morning.",
              speaker="Okafor"),
         said("Every guest whose details were in that system will hear from us this week.", speaker="Okafor"),
         narration("Analysts said the chain’s quick response"),
         narration("Hotel groups have been frequent targets")],
        id="typo-open-quote-continues-when-next-paragraph-opens-with-mark"),
    pytest.param(
        paras("Lumenfield Bank said in a statement: “We are writing to every customer whose statement may "
              "have been viewed by another user.",
              "The bank did not say how many customers that was. Its shares were little changed on "
              "Wednesday.",
              "Example Watch, a consumer group, said the bank should “publish the number today.”"),
        "article", ["Lumenfield Bank"],
        [said("We are writing to every customer whose statement may have been viewed by another user."),
         narration("The bank did not say how many customers that was."),
         narration("Its shares were little changed"),
         notorg("publish the number today.")],
        id="typo-open-quote-stops-when-next-paragraph-has-no-mark"),
    pytest.param(
        "“Guests told us ‘I can see someone else’s booking,’ and we shut the page within minutes,” said "
        "Amir Shah, Sunvale Hotels’ digital director. Example Labs researcher Ivo Brandt said the page "
        "should have been “tested with two accounts before launch.”",
        "article", ["Sunvale Hotels"],
        [said("and we shut the page within minutes,", speaker="Shah"),
         notorg("tested with two accounts before launch.")],
        id="typo-nested-single-quote-with-apostrophe-inside-double"),
]


@pytest.mark.parametrize(("text", "kind", "orgs", "facts"), TYPOGRAPHY)
def test_quote_mark_typography(text: str, kind: str, orgs: list[str], facts: list[Fact]) -> None:
    run(text, kind, orgs, facts)


# --- 5. names as people type them ------------------------------------------------------------------

NAMES = [
    pytest.param(
        "O’Hara Freight said on Tuesday that “a small number of driver records” had been exposed. Union "
        "official Sean Tully said drivers had “heard nothing from management.”",
        "article", ["O'Hara Freight"],
        [said("a small number of driver records", exact=True),
         notorg("heard nothing from management.")],
        id="name-curly-apostrophe-in-text-straight-in-metadata"),
    pytest.param(
        "\"We are writing to every driver whose licence details were in the file,\" O'Hara Freight said in a "
        "statement. The Example Transport Authority said it was \"seeking more information.\"",
        "article", ["O’Hara Freight"],
        [said("We are writing to every driver whose licence details were in the file,", exact=True),
         notorg("seeking more information.")],
        id="name-straight-apostrophe-in-text-curly-in-metadata"),
    pytest.param(
        "O’Hara’s chief operating officer, Niamh Doyle, said the haulier had “no reason to think the file "
        "was copied.” A spokesperson for the Example Transport Authority said it was “seeking more "
        "information.”",
        "article", ["O'Hara Freight"],
        [said("no reason to think the file was copied.", exact=True, speaker="Doyle"),
         notorg("seeking more information.")],
        id="name-curly-possessive-short-name-executive"),
    pytest.param(
        "Societe Marnier, the catering group, said in a statement that “no payment card data” had been "
        "stored on the affected server. The national data protection authority said it had received “a "
        "notification from the company.”",
        "article", ["Société Marnier"],
        [said("no payment card data", exact=True, org="Société Marnier"),
         notorg("a notification from the company.")],
        id="name-accents-in-metadata-not-in-text"),
    pytest.param(
        "“The attack was stopped before any client files left our network,” Société Vernay said on "
        "Wednesday. Cyber-insurance broker Paul Amsel said that claim was “hard to prove this early.”",
        "article", ["Societe Vernay"],
        [said("The attack was stopped before any client files left our network,", exact=True,
              org="Societe Vernay"),
         notorg("hard to prove this early.")],
        id="name-accents-in-text-not-in-metadata"),
    pytest.param(
        "Müller Logistik chief executive Anja Roth said the company had “paid nothing and will pay "
        "nothing.” Police in Bremen said they were “aware of the attack.”",
        "article", ["Muller Logistik"],
        [said("paid nothing and will pay nothing.", exact=True, speaker="Roth", org="Muller Logistik"),
         notorg("aware of the attack.")],
        id="name-umlaut-in-text-executive"),
    pytest.param(
        "Société Marnier said on Friday that “only supplier invoices” were on the server. “Invoices carry "
        "bank details,” said Léa Fontaine, a researcher at Example Labs.",
        "article", [unicodedata.normalize("NFD", "Société Marnier")],
        [said("only supplier invoices", exact=True, org="Société Marnier"),
         notorg("Invoices carry bank details,")],
        id="name-nfd-metadata-nfc-text"),
    pytest.param(
        "“Some patients’ appointment times were visible to other patients for about two hours,” Bright\u00ad"
        "water Health said on Monday. Ravi Menon, a health-privacy researcher, said the notice was "
        "“clearer than most.”",
        "article", ["Brightwater Health"],
        [said("Some patients’ appointment times were visible to other patients for about two hours,",
              exact=True),
         notorg("clearer than most.")],
        id="name-soft-hyphen-inside-org-name"),
    pytest.param(
        "Kes\u200btrel Pay told Example Daily that “no full card numbers” were stored in the leaked logs. "
        "Researcher Ida Voss, who found the logs, said they held “the first six and last four digits of "
        "every card.”",
        "article", ["Kestrel Pay"],
        [said("no full card numbers", exact=True),
         notorg("the first six and last four digits of every card.")],
        id="name-zero-width-space-inside-org-name"),
    pytest.param(
        "Cor\u00advane Logistics spokesperson Ellen Marsh said the stolen files held “delivery addresses and "
        "phone numbers, nothing more.” A detective with the regional cybercrime unit said the force was "
        "“working with the company.”",
        "article", ["Corvane Logistics"],
        [said("delivery addresses and phone numbers, nothing more.", exact=True, speaker="Marsh"),
         notorg("working with the company.")],
        id="name-soft-hyphen-in-org-before-spokesperson"),
    pytest.param(
        "L’Etoile Cosmetics said its loyalty-card database had been copied but that “no passwords” were in "
        "it. Example Watch said customers should “assume the worst and change them anyway.”",
        "article", ["L'Étoile Cosmetics"],
        [said("no passwords", exact=True, org="L'Étoile Cosmetics"),
         notorg("assume the worst and change them anyway.")],
        id="name-curly-apostrophe-and-missing-accent-together"),
]


@pytest.mark.parametrize(("text", "kind", "orgs", "facts"), NAMES)
def test_names_as_people_type_them(text: str, kind: str, orgs: list[str], facts: list[Fact]) -> None:
    run(text, kind, orgs, facts)
