"""Exact table tests for knowledge.attribution: quotes, reported speech, non-disclosure, speakers.

Every row is (text, kind, organizations) → facts about the attributions extracted from it. The
texts are fictional and written for these tests (Harborline Market, Example Daily, Example Labs,
the Example Data Protection Authority, ...); none is taken from a real article.

Two tests run over the same table:

* ``test_attribution_facts`` checks every fact of a row. Rows the extractor gets wrong today are
  marked ``xfail(strict=True)`` with the gap described, so the suite stays green and the gap is
  visible (and a fix is noticed, because a strict xfail that passes fails).
* ``test_no_misattribution`` is never marked: for every row it checks the invariant
  ``text[a.start:a.end] == a.text`` and that no phrase a row says belongs to someone else comes
  out with ``speaker_org`` Harborline Market. That is the one error the bot must never make
  (FIELD.md, "Traps seen in real coverage").
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from knowledge.attribution import (
    canonical_organization,
    extract_attributions,
    find_quote_spans,
    organization_aliases,
)
from knowledge.records import Attribution
from knowledge.text import normalize

HM = "Harborline Market"
ORGS = [HM]
QUOTE_MARKS = "\"'“”‘’„«»"


# --- facts ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Said:
    """An attribution of ``kind`` whose text contains ``phrase`` exists, and every such one has:

    Attributes:
        org: this ``speaker_org`` (Harborline Market, or None for anybody else / nobody).
        speaker: a substring of ``speaker`` (case-insensitive), when given.
        not_speaker: a substring that must NOT be in ``speaker`` (the outlet told is no speaker).
        unattributed: ``speaker`` is None (an author's scare quotes).
        role: this ``speaker_role``, when given.
        topic: this ``topic`` (for ``declined``), when given.
        exact: the attribution's text is exactly ``phrase``.
    """

    phrase: str
    kind: str = "quote"
    org: str | None = HM
    speaker: str | None = None
    not_speaker: str | None = None
    unattributed: bool = False
    role: str | None = None
    topic: str | None = None
    exact: bool = False


@dataclass(frozen=True)
class Never:
    """No attribution of ``kind`` (any kind when None) has a text containing ``phrase``."""

    phrase: str
    kind: str | None = None


Fact = Said | Never


def said(phrase: str, **kw: object) -> Said:
    return Said(phrase, **kw)  # type: ignore[arg-type]


def other(phrase: str, **kw: object) -> Said:
    """Someone else's (or nobody's) words: extracted, and never Harborline's."""
    return Said(phrase, org=None, **kw)  # type: ignore[arg-type]


def reported(phrase: str, **kw: object) -> Said:
    return Said(phrase, kind="reported", **kw)  # type: ignore[arg-type]


def declined(phrase: str, **kw: object) -> Said:
    return Said(phrase, kind="declined", **kw)  # type: ignore[arg-type]


def gap(reason: str) -> pytest.MarkDecorator:
    """A known extractor gap (not a misattribution): the row documents what should happen."""
    return pytest.mark.xfail(reason=reason, strict=True)


def paras(*parts: str) -> str:
    return "\n\n".join(parts)


def extract(text: str, kind: str, orgs: list[str]) -> tuple[str, list[Attribution]]:
    norm = normalize(text)
    return norm, extract_attributions(norm, kind, orgs)


def dump(atts: list[Attribution]) -> str:
    return "\n".join(
        f"  {a.kind:8} org={a.speaker_org!r} speaker={a.speaker!r} role={a.speaker_role!r} "
        f"topic={a.topic!r} cue={a.cue!r} text={a.text!r}"
        for a in atts
    ) or "  (nothing extracted)"


def matching(atts: list[Attribution], fact: Said) -> list[Attribution]:
    return [a for a in atts if a.kind == fact.kind
            and (a.text == fact.phrase if fact.exact else fact.phrase in a.text)]


def check_fact(fact: Fact, atts: list[Attribution]) -> None:
    seen = f"\nextracted:\n{dump(atts)}"
    if isinstance(fact, Never):
        bad = [a for a in atts if fact.phrase in a.text and (fact.kind is None or a.kind == fact.kind)]
        assert not bad, f"{fact.phrase!r} must not be a {fact.kind or 'any'} attribution{seen}"
        return
    found = matching(atts, fact)
    assert found, f"no {fact.kind} containing {fact.phrase!r}{seen}"
    for a in found:
        where = f"{fact.kind} {a.text!r}{seen}"
        assert a.speaker_org == fact.org, f"speaker_org {a.speaker_org!r} != {fact.org!r} for {where}"
        speaker = (a.speaker or "").casefold()
        if fact.speaker is not None:
            has = fact.speaker.casefold() in speaker
            assert has, f"speaker {a.speaker!r} lacks {fact.speaker!r} for {where}"
        if fact.not_speaker is not None:
            has = fact.not_speaker.casefold() in speaker
            assert not has, f"speaker {a.speaker!r} must not be {fact.not_speaker!r} for {where}"
        if fact.unattributed:
            assert a.speaker is None, f"speaker {a.speaker!r} should be None for {where}"
        if fact.role is not None:
            assert a.speaker_role == fact.role, f"role {a.speaker_role!r} != {fact.role!r} for {where}"
        if fact.topic is not None:
            assert a.topic == fact.topic, f"topic {a.topic!r} != {fact.topic!r} for {where}"


def check_invariants(text: str, atts: list[Attribution]) -> None:
    for a in atts:
        assert 0 <= a.start < a.end <= len(text), f"bad span {a.start}:{a.end} for {a.text!r}"
        assert text[a.start:a.end] == a.text, f"text[{a.start}:{a.end}] != {a.text!r}"
        if a.kind == "reported":
            assert a.text[0] not in QUOTE_MARKS and a.text[-1] not in QUOTE_MARKS, \
                f"reported speech shown with quote marks: {a.text!r}"


# --- the table ------------------------------------------------------------------------------------

INTRO = "Harborline Market said on Monday that a faulty setting had exposed some shoppers' order histories."

CASES = [
    # -- direct quotes and their attribution forms (articles) --------------------------------------
    pytest.param(
        "“We take the privacy of our shoppers seriously,” Harborline said on Tuesday.",
        "article", ORGS,
        [said("We take the privacy of our shoppers seriously,", exact=True, speaker="Harborline",
              role="organization")],
        id="curly-quote-org-said"),
    pytest.param(
        '"We take the privacy of our shoppers seriously," Harborline Market said on Tuesday.',
        "article", ORGS,
        [said("We take the privacy of our shoppers seriously,", exact=True, speaker="Harborline")],
        id="straight-quote-org-said"),
    pytest.param(
        f"{INTRO} “We acted quickly,” the company said, “and the issue is resolved.”",
        "article", ORGS,
        [said("We acted quickly,", exact=True), said("and the issue is resolved.", exact=True)],
        id="split-quote-both-parts-company"),
    pytest.param(
        '"We acted quickly," the company said, "and the issue is resolved." ' + INTRO,
        "article", ORGS,
        [said("We acted quickly,", exact=True), said("and the issue is resolved.", exact=True)],
        id="split-straight-quote-company-named-later-in-doc"),
    pytest.param(
        "Harborline blamed a “configuration mistake” for the exposure.",
        "article", ORGS,
        [said("configuration mistake", exact=True, speaker="Harborline")],
        id="partial-quote-blamed"),
    pytest.param(
        "Harborline Market said only a “small number” of accounts were affected.",
        "article", ORGS,
        [said("small number", exact=True)],
        id="partial-quote-said"),
    pytest.param(
        f"{INTRO} “Only order histories were visible,” said the company.",
        "article", ORGS,
        [said("Only order histories were visible,", exact=True)],
        id="inverted-said-the-company"),
    pytest.param(
        "“We are contacting every affected shopper,” said Dana Whitfield, a spokesperson for Harborline.",
        "article", ORGS,
        [said("We are contacting every affected shopper,", speaker="Whitfield", role="spokesperson")],
        id="inverted-named-spokesperson"),
    pytest.param(
        "“We found the problem on Sunday,” a Harborline spokesperson told Example Daily.",
        "article", ORGS,
        [said("We found the problem on Sunday,", not_speaker="Example Daily")],
        id="spokesperson-told-outlet"),
    pytest.param(
        "Harborline told Example Daily in an email: “No payment details were involved.”",
        "article", ORGS,
        [said("No payment details were involved.", not_speaker="Example Daily")],
        id="org-told-outlet-colon"),
    pytest.param(
        "“No payment details were involved,” Harborline Market told Example Daily on Wednesday.",
        "article", ORGS,
        [said("No payment details were involved,", speaker="Harborline", not_speaker="Example Daily")],
        id="quote-then-org-told-outlet"),
    pytest.param(
        "Harborline Market emailed customers on Monday. According to the email, “a small number of "
        "accounts” were affected.",
        "article", ORGS,
        [said("a small number of accounts", exact=True)],
        id="according-to-the-email-before"),
    pytest.param(
        "Harborline Market emailed customers on Monday. “Your password was not exposed,” according to "
        "the email.",
        "article", ORGS,
        [said("Your password was not exposed,", exact=True)],
        id="according-to-the-email-after"),
    pytest.param(
        "In a statement, Harborline Market said: “We regret the inconvenience this has caused.”",
        "article", ORGS,
        [said("We regret the inconvenience this has caused.")],
        id="in-a-statement-org-said-colon"),
    pytest.param(
        f"{INTRO} “We regret the inconvenience this has caused,” the retailer said in a statement.",
        "article", ORGS,
        [said("We regret the inconvenience this has caused,")],
        id="retailer-said-in-a-statement"),
    pytest.param(
        "A Harborline spokesperson said the company was “reviewing every step” of its checkout process.",
        "article", ORGS,
        [said("reviewing every step", exact=True, role="spokesperson")],
        id="a-harborline-spokesperson-said"),
    pytest.param(
        "Harborline Market wrote to shoppers on Monday. “Some order details were visible to other "
        "customers,” its email read.",
        "article", ORGS,
        [said("Some order details were visible to other customers,")],
        id="its-email-read"),
    pytest.param(
        "Harborline Market wrote to shoppers on Monday. Its email said: “Some order details were "
        "visible to other customers.”",
        "article", ORGS,
        [said("Some order details were visible to other customers.")],
        id="its-email-said-colon"),
    pytest.param(
        f"{INTRO} “We have fixed the setting,” the retailer said.",
        "article", ORGS,
        [said("We have fixed the setting,", exact=True)],
        id="the-retailer-said"),
    pytest.param(
        "Harborline Market confirmed the incident on Monday. It said: “We have reset the affected sessions.”",
        "article", ORGS,
        [said("We have reset the affected sessions.")],
        id="it-said-colon"),
    pytest.param(
        "Harborline Market confirmed the incident on Monday. It said “most customers” were not affected.",
        "article", ORGS,
        [said("most customers", exact=True)],
        id="it-said-partial"),
    pytest.param(
        "Harborline Market confirmed the incident on Monday. “We have reset the affected sessions,” it said.",
        "article", ORGS,
        [said("We have reset the affected sessions,")],
        id="quote-it-said"),
    pytest.param(
        "“We moved as fast as we could,” said Alex Moreno, chief executive of Harborline Market.",
        "article", ORGS,
        [said("We moved as fast as we could,", speaker="Moreno", role="executive")],
        id="inverted-named-executive"),
    pytest.param(
        "Harborline told Example Daily that the setting had been “switched off for good.”",
        "article", ORGS,
        [said("switched off for good.", exact=True, not_speaker="Example Daily")],
        id="org-told-outlet-that-partial"),
    pytest.param(
        "Dana Whitfield, a spokesperson for Harborline, confirmed the outage. Whitfield said “fewer "
        "than 500” accounts were affected.",
        "article", ORGS,
        [said("fewer than 500", exact=True, speaker="Whitfield")],
        id="spokesperson-by-surname-later"),
    pytest.param(
        "Dana Whitfield, a spokesperson for Harborline, confirmed the outage. “Fewer than 500 accounts "
        "were affected,” she said.",
        "article", ORGS,
        [said("Fewer than 500 accounts were affected,", speaker="Whitfield")],
        id="spokesperson-by-pronoun-later"),
    pytest.param(
        "“Fewer than 500 accounts were affected,” according to Harborline.",
        "article", ORGS,
        [said("Fewer than 500 accounts were affected,", exact=True)],
        id="according-to-org"),

    # -- colon introductions and reproduced notices -----------------------------------------------
    pytest.param(
        paras("Harborline Market wrote to customers on Monday. The email said:",
              "“We recently learned that some order details were visible to other shoppers.”"),
        "article", ORGS,
        [said("We recently learned that some order details were visible to other shoppers.")],
        id="colon-intro-quote-next-paragraph"),
    pytest.param(
        "Harborline Market wrote to customers on Monday. The email said: “We recently learned that "
        "some order details were visible to other shoppers.”",
        "article", ORGS,
        [said("We recently learned that some order details were visible to other shoppers.")],
        id="colon-intro-quote-same-sentence"),
    pytest.param(
        paras(
            "Harborline Market sent a message to customers late on Monday. Here is the email:",
            "Subject: An update about your Harborline account",
            "Dear customer,",
            "We recently found that a setting on our website let some shoppers see other people's "
            "order history. We fixed the setting the same day.",
            "We are sorry for the trouble this has caused.",
            "Sincerely,\nThe Harborline team",
            "Example Daily asked the retailer on Tuesday how many shoppers had been affected by it.",
        ),
        "article", ORGS,
        [said("Subject: An update about your Harborline account", exact=True),
         said("We recently found that a setting on our website"),
         said("We are sorry for the trouble this has caused.", exact=True),
         Never("Example Daily asked the retailer", kind="quote")],
        id="block-notice-after-here-is-the-email"),

    # -- multi-paragraph quotes and continuation ---------------------------------------------------
    pytest.param(
        paras(
            "Dana Whitfield, a spokesperson for Harborline, said in an email to Example Daily: “We "
            "learned of the problem on Sunday evening and switched off the feature within the hour.",
            "“We are now writing to every shopper whose order history may have been visible.”",
        ),
        "article", ORGS,
        [said("We learned of the problem on Sunday evening", speaker="Whitfield"),
         said("We are now writing to every shopper", speaker="Whitfield")],
        id="multi-paragraph-quote-attributed-first"),
    pytest.param(
        paras(
            INTRO,
            "“We learned of the problem on Sunday evening and switched off the feature within the hour.",
            "“We are now writing to every shopper whose order history may have been visible,” the "
            "company said.",
        ),
        "article", ORGS,
        [said("We learned of the problem on Sunday evening"),
         said("We are now writing to every shopper")],
        id="multi-paragraph-quote-attributed-last"),
    pytest.param(
        "“We are sorry,” Harborline said. “We will publish a full account of what went wrong.”",
        "article", ORGS,
        [said("We are sorry,", exact=True), said("We will publish a full account of what went wrong.")],
        id="whole-sentence-quote-continues-same-paragraph"),
    pytest.param(
        paras("“We are sorry,” Harborline said on Tuesday.",
              "“We have hired an outside firm to review every system that touches order data.”"),
        "article", ORGS,
        [said("We have hired an outside firm")],
        id="whole-sentence-quote-continues-next-paragraph"),
    pytest.param(
        "“This was avoidable,” said Priya Raman, a security researcher at Example Labs. “Shoppers "
        "deserved a faster warning from Harborline.”",
        "article", ORGS,
        [other("This was avoidable,", speaker="Raman", role="expert"),
         other("Shoppers deserved a faster warning", speaker="Raman")],
        id="whole-sentence-quote-continues-expert"),

    # -- primary documents -------------------------------------------------------------------------
    pytest.param(
        paras(
            "Dear customer,",
            "We are writing to let you know that some of your order history was visible to other "
            "shoppers for two days.",
            "We fixed the setting on March 2 and we have no evidence that payment details were involved.",
        ),
        "notice", ORGS,
        [said("We are writing to let you know", role="organization"),
         said("We fixed the setting on March 2")],
        id="notice-own-paragraphs"),
    pytest.param(
        paras(
            "Harborline Market today announced that it has fixed a setting that exposed order histories.",
            "“Companies of every size make this kind of error,” said Priya Raman, a security researcher "
            "at Example Labs who reviewed the fix.",
            "We remain committed to protecting the shoppers who trust us with their orders.",
        ),
        "statement", ORGS,
        [said("Harborline Market today announced"),
         other("Companies of every size make this kind of error,", speaker="Raman", role="expert"),
         said("We remain committed to protecting")],
        id="statement-own-text-and-outside-expert"),
    pytest.param(
        paras(
            "Harborline Market today announced that it has fixed a setting that exposed order histories.",
            "“We moved as fast as we could,” said Alex Moreno, chief executive of Harborline Market.",
        ),
        "statement", ORGS,
        [said("We moved as fast as we could,", speaker="Moreno")],
        id="statement-quotes-own-executive"),

    # -- reported speech ---------------------------------------------------------------------------
    pytest.param(
        "The company said it had notified customers by email on Monday. " + INTRO,
        "article", ORGS,
        [reported("it had notified customers by email on Monday", exact=True)],
        id="reported-the-company-said"),
    pytest.param(
        "Harborline Market said it had notified customers by email on Monday.",
        "article", ORGS,
        [reported("it had notified customers by email on Monday", exact=True, speaker="Harborline")],
        id="reported-org-said"),
    pytest.param(
        "Harborline sent shoppers a message on Friday. The email said the issue had been fixed.",
        "article", ORGS,
        [reported("the issue had been fixed", exact=True)],
        id="reported-the-email-said"),
    pytest.param(
        f"{INTRO} The company said that no payment information was exposed.",
        "article", ORGS,
        [reported("no payment information was exposed", exact=True)],
        id="reported-said-that"),
    pytest.param(
        "According to Harborline, the setting was switched off within an hour.",
        "article", ORGS,
        [reported("the setting was switched off within an hour", exact=True)],
        id="reported-according-to-org"),
    pytest.param(
        "Harborline said in an email that it had reset every shopper's password.",
        "article", ORGS,
        [reported("it had reset every shopper's password", exact=True)],
        id="reported-said-in-an-email-that"),
    pytest.param(
        "Harborline told Example Daily it had fixed the setting within an hour.",
        "article", ORGS,
        [reported("it had fixed the setting within an hour", exact=True, not_speaker="Example Daily")],
        id="reported-told-outlet"),
    pytest.param(
        "Harborline Market wrote to shoppers on Monday.",
        "article", ORGS,
        [Never("to shoppers on Monday", kind="reported")],
        id="wrote-to-someone-is-not-reported-speech"),
    pytest.param(
        "Priya Raman, a security researcher at Example Labs, said the exposure could have been found sooner.",
        "article", ORGS,
        [reported("the exposure could have been found sooner", org=None, speaker="Raman")],
        id="reported-expert-not-company"),
    pytest.param(
        "The Example Data Protection Authority said it was looking into the matter with Harborline.",
        "article", ORGS,
        [reported("it was looking into the matter", org=None)],
        id="reported-regulator-not-company"),

    # -- non-disclosure ----------------------------------------------------------------------------
    pytest.param(
        "Harborline declined to say how many customers were affected.",
        "article", ORGS,
        [declined("how many customers were affected", topic="count")],
        id="declined-count"),
    pytest.param(
        "Harborline Market did not say when it first learned of the problem.",
        "article", ORGS,
        [declined("when it first learned", topic="timing")],
        id="did-not-say-when"),
    pytest.param(
        "Harborline has not said whether it told a regulator.",
        "article", ORGS,
        [declined("whether it told a regulator", topic="regulators")],
        id="has-not-said-regulator"),
    pytest.param(
        "Harborline has said nothing further.",
        "article", ORGS,
        [declined("has said nothing further")],
        id="has-said-nothing-further"),
    pytest.param(
        f"{INTRO} A spokesperson for the company declined to comment.",
        "article", ORGS,
        [declined("declined to comment")],
        id="spokesperson-declined-to-comment"),
    pytest.param(
        "Harborline did not respond to a request for comment.",
        "article", ORGS,
        [declined("did not respond")],
        id="did-not-respond"),
    pytest.param(
        "Harborline did not immediately respond to questions about whether passwords were exposed.",
        "article", ORGS,
        [declined("whether passwords were exposed", topic="data")],
        id="did-not-immediately-respond-data"),
    pytest.param(
        "Asked how many shoppers were affected, a Harborline spokesperson declined to comment.",
        "article", ORGS,
        [declined("declined to comment", topic="count")],
        id="asked-how-many-then-declined"),
    pytest.param(
        "Priya Raman, a security researcher at Example Labs, declined to say which tools she used.",
        "article", ORGS,
        [declined("which tools she used", org=None)],
        id="declined-by-expert-not-company"),
    pytest.param(
        "Example Cloud Services, which hosts Harborline's website, did not say whether its servers "
        "were involved.",
        "article", ORGS,
        [Said("whether its servers were involved", kind="declined", org=None)],
        id="declined-by-vendor-not-company"),

    # -- traps: other speakers' words are never Harborline's ----------------------------------------
    pytest.param(
        "“Order histories say a lot about a household,” said Priya Raman, a security researcher at "
        "Example Labs.",
        "article", ORGS,
        [other("Order histories say a lot about a household,", speaker="Raman", role="expert")],
        id="trap-expert-inverted"),
    pytest.param(
        f"{INTRO} Security researcher Priya Raman said the retailer had “buried the lede” in its email.",
        "article", ORGS,
        [other("buried the lede", speaker="Raman")],
        id="trap-expert-partial-quote-about-company"),
    pytest.param(
        "“We have asked Harborline for a full account,” a spokesperson for the Example Data Protection "
        "Authority said.",
        "article", ORGS,
        [other("We have asked Harborline for a full account,", speaker="Data Protection Authority")],
        id="trap-regulator-spokesperson"),
    pytest.param(
        "“We are checking that claim,” the Example Data Protection Authority said.",
        "article", ORGS,
        [other("We are checking that claim,", role="regulator", speaker="Example Data Protection Authority")],
        id="regulator-named-in-full"),
    pytest.param(
        "“Harborline owes its customers an explanation,” said Senator Maria Okafor.",
        "article", ORGS,
        [other("Harborline owes its customers an explanation,", speaker="Okafor", role="lawmaker")],
        id="trap-senator-inverted"),
    pytest.param(
        "“Shoppers deserve answers,” Senator Maria Okafor said in a letter to Harborline.",
        "article", ORGS,
        [other("Shoppers deserve answers,", speaker="Okafor")],
        id="trap-senator-letter-to-company"),
    pytest.param(
        "A hacker group wrote on a forum: “We copied the order data before Harborline noticed.”",
        "article", ORGS,
        [other("We copied the order data before Harborline noticed.", role="attacker")],
        id="trap-hacker-group"),
    pytest.param(
        f"{INTRO} “We still have the files,” the hackers told Example Daily.",
        "article", ORGS,
        [other("We still have the files,", role="attacker", not_speaker="Example Daily")],
        id="trap-hackers-told-outlet"),
    pytest.param(
        "“Our systems were not breached,” Example Cloud Services said in a statement.",
        "article", ORGS,
        [other("Our systems were not breached,", speaker="Example Cloud Services")],
        id="trap-vendor-said"),
    pytest.param(
        "Example Cloud Services, which hosts Harborline's website, said the fault was “on the customer side.”",
        "article", ORGS,
        [other("on the customer side.", speaker="Example Cloud Services")],
        id="trap-vendor-with-company-channel-in-relative-clause"),
    pytest.param(
        "“Nobody checked that setting for months,” a former Harborline employee told Example Daily.",
        "article", ORGS,
        [other("Nobody checked that setting for months,")],
        id="trap-former-employee"),
    pytest.param(
        "Example Crew, the group that claimed the attack, said it held “millions of records.”",
        "article", ORGS,
        [other("millions of records.", exact=True)],
        id="trap-attacker-group-described-as-the-group"),
    pytest.param(
        "Harborline Market blamed its hosting vendor. Example Cloud Services confirmed the outage on "
        "Tuesday. “The fault was in our data centre,” the company said.",
        "article", ORGS,
        [other("The fault was in our data centre,")],
        id="trap-the-company-means-the-vendor"),
    pytest.param(
        "“Our systems were not breached,” Example Cloud Services said in a statement.",
        "article", [HM, "Example Cloud Services"],
        [Said("Our systems were not breached,", org="Example Cloud Services")],
        id="vendor-indexed-too-gets-its-own-org"),
    pytest.param(
        f"{INTRO} But Priya Raman, a security researcher at Example Labs, said: “Fixing it is not the "
        "same as explaining it.”",
        "article", ORGS,
        [other("Fixing it is not the same as explaining it.", speaker="Raman")],
        id="trap-expert-after-company-sentence"),
    pytest.param(
        "Priya Raman, a security researcher at Example Labs, said Harborline's email was “vague at best.”",
        "article", ORGS,
        [other("vague at best.", exact=True, speaker="Raman")],
        id="trap-expert-judges-company-email"),
    pytest.param(
        f"{INTRO} One shopper told Example Daily that “hundreds of customers” had the same problem.",
        "article", ORGS,
        [other("hundreds of customers", exact=True, not_speaker="Example Daily")],
        id="trap-shopper-figure"),
    pytest.param(
        "Example Daily reported that “several thousand” Harborline shoppers were affected.",
        "article", ORGS,
        [other("several thousand", exact=True)],
        id="trap-outlet-own-figure"),
    pytest.param(
        "Harborline's “isolated incident” lasted for two weeks.",
        "opinion", ORGS,
        [other("isolated incident", exact=True, unattributed=True)],
        id="trap-scare-quotes-no-attribution"),
    pytest.param(
        "The retailer's “transparency” has so far amounted to one short email.",
        "opinion", ORGS,
        [other("transparency", exact=True, unattributed=True)],
        id="trap-scare-quotes-org-ref"),
    pytest.param(
        "“Nothing about this was isolated,” I wrote last week about Harborline.",
        "opinion", ORGS,
        [other("Nothing about this was isolated,", role="author")],
        id="trap-author-i-wrote"),
    pytest.param(
        "I said at the time that Harborline's “quick fix” was not enough.",
        "opinion", ORGS,
        [other("quick fix", exact=True)],
        id="trap-author-i-said-company-possessive"),
    pytest.param(
        "If Harborline had written “your payment details may have been seen,” shoppers could have "
        "acted sooner.",
        "opinion", ORGS,
        [other("your payment details may have been seen,", exact=True)],
        id="trap-critic-hypothetical-if"),
    pytest.param(
        "Harborline should have said “we made a mistake” on the first day.",
        "opinion", ORGS,
        [other("we made a mistake", exact=True)],
        id="trap-critic-should-have-said"),
    pytest.param(
        "Harborline never said “no card data was taken.”",
        "opinion", ORGS,
        [other("no card data was taken.", exact=True)],
        id="trap-negation-never-said"),
    pytest.param(
        "Harborline did not use the word “breach” anywhere in its email.",
        "article", ORGS,
        [other("breach", exact=True)],
        id="trap-negation-did-not-use-word"),
    pytest.param(
        "“Harborline told us there was ‘no evidence’ of misuse, and we are checking that claim,” the "
        "Example Data Protection Authority said.",
        "article", ORGS,
        [other("no evidence", role="regulator"),
         Never("no evidence", kind="reported")],
        id="trap-nested-quote-inside-regulator-quote"),
    pytest.param(
        "“We have seen ‘no evidence’ claims before,” said a spokesperson for the Example Data "
        "Protection Authority.",
        "article", ORGS,
        [other("We have seen ‘no evidence’ claims before,", exact=True)],
        id="trap-nested-quote-regulator-inverted"),

    # -- words the organisation did not say -----------------------------------------------------------
    pytest.param(
        "Nowhere in its email does Harborline say “we reset every password.”",
        "article", ORGS,
        [other("we reset every password.", exact=True, unattributed=True)],
        id="trap-nowhere-in-its-email-does-it-say"),
    pytest.param(
        "Nowhere does Harborline say “we reset every password.”",
        "opinion", ORGS,
        [other("we reset every password.", exact=True, unattributed=True)],
        id="trap-nowhere-does-it-say"),

    # -- role titles: whose chief executive, whose council --------------------------------------------
    pytest.param(
        "Example Cloud chief executive Rafe Doe said the vendor “moved quickly.”",
        "article", ORGS,
        [other("moved quickly.", exact=True, speaker="Rafe Doe")],
        id="trap-other-company-in-role-title"),
    pytest.param(
        "Example Cloud Chief Executive Rafe Doe said “we moved quickly.”",
        "article", ORGS,
        [other("we moved quickly.", exact=True, speaker="Rafe Doe")],
        id="trap-other-company-in-capitalised-role-title"),
    pytest.param(
        "Harborline chief executive Jane Roe said “we are sorry.”",
        "article", ORGS,
        [said("we are sorry.", exact=True, speaker="Jane Roe", role="executive")],
        id="org-alias-in-role-title"),
    pytest.param(
        "Harborline Chief Executive Jane Roe said “we are sorry” on Tuesday.",
        "article", ORGS,
        [said("we are sorry", exact=True, speaker="Jane Roe", role="executive")],
        id="org-alias-in-capitalised-role-title"),
    pytest.param(
        "Chief Information Security Officer Dana Park wrote to staff on Friday. “Third-party risk is our "
        "risk,” Park wrote.",
        "article", ORGS,
        [said("Third-party risk is our risk,", exact=True, speaker="Dana Park", role="executive")],
        id="chief-officer-of-the-one-organisation-by-surname"),
    pytest.param(
        "Chief Information Security Officer Dana Park wrote to staff on Friday. “Third-party risk is our "
        "risk,” Park wrote.",
        "article", [HM, "Example Cloud Services"],
        [other("Third-party risk is our risk,", exact=True, speaker="Dana Park")],
        id="chief-officer-not-guessed-among-two-organisations"),
    pytest.param(
        "“Order histories are sensitive,” said Dr. Sam Lee, a professor of computer science at Example "
        "University.",
        "article", ORGS,
        [other("Order histories are sensitive,", exact=True, speaker="Dr. Sam Lee", role="expert")],
        id="trap-title-dr-is-part-of-the-name"),
    pytest.param(
        "Council leader Cllr Jo Bright said “we will not pay” the ransom.",
        "article", ["Example County Council"],
        [Said("we will not pay", exact=True, org="Example County Council", speaker="Jo Bright",
              role="executive")],
        id="council-leader-speaks-for-the-council"),
    pytest.param(
        "Local MP Ann Vale said “the council must explain itself.”",
        "article", ["Example County Council"],
        [Said("the council must explain itself.", exact=True, org=None, speaker="Ann Vale", role="lawmaker")],
        id="trap-local-mp-is-not-the-council"),
    pytest.param(
        paras("Council leader Cllr Jo Bright said the council had been hit by ransomware.",
              "The authority has been told about the attack. “We will not pay,” he said."),
        "article", ["Example County Council"],
        [Said("We will not pay,", exact=True, org="Example County Council", speaker="Jo Bright")],
        id="he-said-is-the-person-named-before-not-the-authority"),
    pytest.param(
        paras("Alex Moreno, chief executive of Harborline Market, apologised on Tuesday.",
              "The Example Data Protection Authority is making enquiries. “We moved too slowly,” he said."),
        "article", ORGS,
        [said("We moved too slowly,", exact=True, speaker="Alex Moreno", role="executive")],
        id="he-said-is-the-executive-not-the-regulator-named-since"),
    pytest.param(
        paras("Priya Raman, a security researcher at Example Labs, reviewed the email.",
              "The regulator is making enquiries. “The email was vague,” she said."),
        "article", ORGS,
        [other("The email was vague,", exact=True, speaker="Priya Raman", role="expert")],
        id="trap-she-said-is-the-expert-not-the-regulator"),

    # -- a primary document's own sentence with quote marks and no speaker ---------------------------
    pytest.param(
        paras('Harborline Market ("Harborline") is writing to tell you about a problem with your order '
              "history.",
              "We fixed the setting on March 2."),
        "notice", ORGS,
        [said('Harborline Market ("Harborline") is writing to tell you about a problem with your order '
              "history.", exact=True, role="organization"),
         Never("Harborline", kind="reported")],
        id="notice-own-sentence-with-defined-name-in-quotes"),
    pytest.param(
        "Harborline Market (“Harborline”) is writing to tell you about a problem with your order history. "
        "We fixed it on March 2 and no card data was involved.",
        "notice", ORGS,
        [said("Harborline Market (“Harborline”) is writing to tell you about a problem with your order "
              "history.", exact=True),
         said("We fixed it on March 2 and no card data was involved.", exact=True)],
        id="notice-own-sentence-with-curly-defined-name-and-the-next"),
    pytest.param(
        'Harborline Market ("Harborline") is writing to tell you about a problem with your order history.',
        "article", ORGS,
        [other("Harborline", exact=True, unattributed=True)],
        id="trap-defined-name-in-an-article-is-nobody's-quote"),
]

@pytest.mark.parametrize(("text", "kind", "orgs", "facts"), CASES)
def test_attribution_facts(text: str, kind: str, orgs: list[str], facts: list[Fact]) -> None:
    norm, atts = extract(text, kind, orgs)
    check_invariants(norm, atts)
    for fact in facts:
        check_fact(fact, atts)


# The same rows, unmarked: a known gap must never hide a misattribution.
GUARD_CASES = [pytest.param(*p.values, id=p.id) for p in CASES]


@pytest.mark.parametrize(("text", "kind", "orgs", "facts"), GUARD_CASES)
def test_no_misattribution(text: str, kind: str, orgs: list[str], facts: list[Fact]) -> None:
    norm, atts = extract(text, kind, orgs)
    check_invariants(norm, atts)
    for fact in facts:
        if isinstance(fact, Said) and fact.org is None:
            bad = [a for a in atts if fact.phrase in a.text and a.speaker_org == HM]
            assert not bad, f"{fact.phrase!r} is not Harborline's words\nextracted:\n{dump(atts)}"


# --- organisations and aliases --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "expected_alias"),
    [
        pytest.param("Harborline Market", "Harborline Market", id="itself"),
        pytest.param("Harborline Market", "Harborline", id="first-word-without-suffix"),
        pytest.param("Amazon", "Amazon.com", id="dot-com-added"),
        pytest.param("Amazon.com", "Amazon", id="dot-com-stripped"),
        pytest.param("Example Cloud Services", "Example Cloud", id="services-suffix-stripped"),
        pytest.param("Harborline Holdings, Inc.", "Harborline", id="stacked-suffixes"),
    ],
)
def test_organization_aliases_include(name: str, expected_alias: str) -> None:
    assert expected_alias in organization_aliases(name)


@pytest.mark.parametrize(
    ("name", "not_alias"),
    [
        pytest.param("The Data Company", "The", id="common-first-word"),
        pytest.param("New Harbor Bank", "New", id="new-is-not-distinctive"),
        pytest.param("Harborline Market", "Market", id="suffix-alone"),
    ],
)
def test_organization_aliases_exclude(name: str, not_alias: str) -> None:
    assert not_alias not in organization_aliases(name)


def test_organization_aliases_distinct_longest_first() -> None:
    aliases = organization_aliases("Harborline Market")
    assert len(aliases) == len(set(aliases))
    assert [len(a) for a in aliases] == sorted((len(a) for a in aliases), reverse=True)


@pytest.mark.parametrize(
    ("name", "known", "expected"),
    [
        pytest.param("Harborline Market", [HM], HM, id="exact"),
        pytest.param("harborline", [HM], HM, id="alias-lowercase"),
        pytest.param("HARBORLINE MARKET", [HM], HM, id="uppercase"),
        pytest.param("  Harborline ", [HM], HM, id="padded"),
        pytest.param("amazon.com", ["Amazon"], "Amazon", id="dot-com-alias"),
        pytest.param("Example Cloud Services", [HM], None, id="other-company"),
        pytest.param("Harbor", [HM], None, id="prefix-is-not-alias"),
        pytest.param("Example Cloud", ["Example Cloud Services", HM], "Example Cloud Services",
                     id="second-known"),
    ],
)
def test_canonical_organization(name: str, known: list[str], expected: str | None) -> None:
    assert canonical_organization(name, known) == expected


# --- quote spans ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("paragraph", "inside", "open_at_end"),
    [
        pytest.param("Harborline said “we fixed it” today.", ["we fixed it"], False, id="curly"),
        pytest.param('Harborline said "we fixed it" today.', ["we fixed it"], False, id="straight"),
        pytest.param("“We acted quickly,” it said, “and it is resolved.”",
                     ["We acted quickly,", "and it is resolved."], False, id="split"),
        pytest.param("It called it ‘isolated’ twice.", ["isolated"], False, id="top-level-single"),
        pytest.param("“They said ‘no evidence’ again,” she said.", ["They said ‘no evidence’ again,"], False,
                     id="nested-single-stays-inside"),
        pytest.param("Harborline’s shoppers’ orders were visible.", [], False, id="apostrophes-not-quotes"),
        pytest.param("“We learned of it on Sunday and acted.", ["We learned of it on Sunday and acted."], True,
                     id="unclosed-runs-on"),
        pytest.param("No quotes at all here.", [], False, id="none"),
    ],
)
def test_find_quote_spans(paragraph: str, inside: list[str], open_at_end: bool) -> None:
    spans, open_end = find_quote_spans(paragraph, 0, len(paragraph))
    assert [paragraph[s.start:s.end] for s in spans] == inside
    assert open_end is open_at_end
    for s in spans:
        assert s.open_mark < s.start or s.open_mark == s.start
        assert s.end <= s.close_mark


@pytest.mark.parametrize(("sentence", "speaker", "org"), [
    ("The firm's general counsel, Ada Worth, said the retailer was “taking the claims seriously.”",
     "Ada Worth", "Harborline Market"),
    ("Example Cloud's general counsel, Ada Worth, said the vendor was “taking the claims seriously.”",
     "Ada Worth", None),
])
def test_title_then_name_between_commas(sentence: str, speaker: str, org: str | None) -> None:
    text = normalize(f"Harborline Market said on Monday that some order details were visible. {sentence}")
    [quote] = [a for a in extract_attributions(text, "article", ORGS) if a.kind == "quote"]
    assert (quote.text, quote.speaker, quote.speaker_org) == ("taking the claims seriously.", speaker, org)


@pytest.mark.parametrize(("text", "phrase", "org"), [
    # British straight single quotes as the main marks
    ("Its founder, Jo Marsh, apologised. 'We let our customers down,' she told the Post.",
     "We let our customers down,", "Harborline Market"),
    ("Harborline Market's founder Jo Marsh spoke on Friday. 'We let our customers down,' Marsh said.",
     "We let our customers down,", "Harborline Market"),
    # a quote paragraph right after the paragraph that introduced its speaker
    ("Harborline Market chief executive Jo Marsh faced shoppers on Tuesday.\n\n“This was a breach.”",
     "This was a breach.", "Harborline Market"),
    # an old statement: "at the time", "then-", "after a 2019 attack"
    ("In 2019 a fault exposed some orders. A Harborline spokesperson said at the time: “It was a bug.”",
     "It was a bug.", None),
    ("After a 2019 attack, then-chief executive Jo Marsh told Example Daily, “Nothing was taken.”",
     "Nothing was taken.", None),
    # words the organisation did not say
    ("Nor has Harborline ever said “we have seen fraud linked to this.”", "we have seen fraud linked to this.", None),
    # "called" is no inversion, and a name used as an adjective is no speaker
    ("Example Academy, a private school, posted that it “has not had any incident” after parents called the school.",
     "has not had any incident", None),
    ("A gang claimed it had “4 million rows” of Harborline customer data and posted a sample.",
     "4 million rows", None),
    # "a spokesman said" right after a sentence about the regulator is the regulator's
    ("The Example Data Office confirmed it had been told. “We are making enquiries,” a spokesman said.",
     "We are making enquiries,", None),
    ("Harborline Market confirmed the fault on Monday. “We are sorry,” a spokesman said.",
     "We are sorry,", "Harborline Market"),
    # a mention inside an appositive before the verb is not the subject
    ("Example Academy, a private school with no link to the market, posted that it had “no incident.”",
     "no incident.", None),
])
def test_more_traps(text: str, phrase: str, org: str | None) -> None:
    import datetime as dt

    atts = extract_attributions(normalize(text), "article", ORGS, dt.date(2025, 3, 4))
    [quote] = [a for a in atts if a.kind == "quote" and a.text == phrase]
    shown_as = quote.speaker_org if quote.context is None else None
    assert shown_as == org, dump(atts) if "dump" in globals() else atts


def test_the_kind_of_body_the_name_ends_in_is_the_organisation() -> None:
    text = normalize("The market declined to say how many shoppers were affected.")
    [declined] = [a for a in extract_attributions(text, "article", ORGS) if a.kind == "declined"]
    assert (declined.speaker_org, declined.topic) == ("Harborline Market", "count")
