"""Kinds of who-said-what found on first contact with real news coverage (issue 6), each written
here as invented text about made-up organisations (Fenwick Bank, Corvane Systems, Tessaly Group,
Quillon Air, Example Daily); no sentence is taken from an article.

Extraction kinds: a relative clause after an inverted speaker; a caption's colon; a trailing
"He added." after an unattributed quote; a participle cue ("…, stating:") after a sentence that
names the organisation only as the incident's name ("the Fenwick attack"); the organisation's
longer legal name ("the Fenwick Bank Company") and its executive's name in capitals in a transcript;
a quote a paragraph after the organisation's reported speech; "said the Scottish lender"; page
furniture between two paragraphs of one speaker; a message posted on its own status page; "the
firm's CEO" (but never "the union's CEO"); "Per the disclosure, …" (the filing's wording); a customer
named with her age is the "she" that follows.

Answer kinds: a question naming a product is answered with its maker's words; a subsidiary speaks
for itself, but its parent's people are never "others" in its answer; a question about "X's parent
company" is answered for the parent; a person named bare in one article is the executive another
article names.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from knowledge.attribution import extract_attributions
from knowledge.attribution.relations import family, part_of_links
from knowledge.names import organization_index
from knowledge.records import Attribution
from knowledge.service import KnowledgeBase

BANK = ["Fenwick Bank"]


def quotes_with(text: str, phrase: str, orgs: list[str] = BANK, kind: str = "article") -> list[Attribution]:
    found = [a for a in extract_attributions(text, kind, orgs) if a.kind == "quote" and phrase in a.text]
    assert found, f"no quote holds {phrase!r}"
    return found


def org_of(text: str, phrase: str, orgs: list[str] = BANK) -> set[str | None]:
    return {a.speaker_org for a in quotes_with(text, phrase, orgs)}


@pytest.mark.parametrize(("text", "phrase"), [
    # the speaker after the verb, then a relative clause
    (("“We regret the disruption to every member,” said Fenwick chief executive Ada Worth who steps "
     "down next month."), "We regret the disruption"),
    # a caption: the quote, a colon, the speaker
    ("“We regret the disruption to every member”: Fenwick chief executive Ada Worth. Credit: Photo desk",
     "We regret the disruption"),
    # a trailing attribution sentence after an unattributed quote
    (("Fenwick chief executive Ada Worth wrote to members on Monday.\n\n"
     "The regulator is looking into it.\n\n"
     "\"We will not pay the criminals. There is no guarantee the data would be deleted.\" She added."),
     "We will not pay the criminals"),
    # the organisation's longer legal name in an appositive, then the same person in a transcript
    (("Ada Worth, the CEO of the Fenwick Bank Company, told lawmakers: \"We are deeply sorry.\"\n\n"
     "ADA WORTH: We wanted to stay focused on getting members back online."), "We are deeply sorry"),
    (("Ada Worth, the CEO of the Fenwick Bank Company, told lawmakers: \"We are deeply sorry.\"\n\n"
     "ADA WORTH: We wanted to stay focused on getting members back online."), "We wanted to stay focused"),
    # reported speech, a paragraph of narration, then a whole-sentence quote with no cue
    (("The lender said it would write to every affected member this week.\n\n"
     "The exposed data includes names and \"account numbers\".\n\n"
     "\"After the discovery, we blocked outside access. We apologise for the concern this causes.\n\n"
     "The bank is sending the letters in batches."), "We apologise for the concern"),
    # a descriptive reference after "said"
    ("\"We will open a dedicated help line for members,\" said the Scottish lender.", "dedicated help line"),
    ("\"We will open a dedicated help line for members,\" said the Edinburgh-based bank.", "dedicated help line"),
    # page furniture between two paragraphs of the company's words
    (("Fenwick said in a statement that it had isolated the servers.\n\n"
     "“Alongside our own team, we engaged outside experts,” the company said.\n\nSponsored post\n\n"
     "“Our investigation is in its early stages and we will tell members what we find.”"),
     "Our investigation is in its early stages"),
    # a message on the organisation's own status page
    (("Members saw errors all morning. A notice was put up on its status page saying, \"Card payments "
     "are failing for some members and our engineers are on it.\""), "Card payments are failing"),
    # a sentence framed by its filing: the document's wording, whoever acts in it
    (("Fenwick set out its costs in a quarterly filing. Per the disclosure, it received a letter from the "
     "regulator, in which the Commission asked for \"all records relating to the Fenwick incident.\""),
     "all records relating"),
    # the firm's chief executive, and a bare title in a headline
    (("Fenwick delays restart as CEO says impact was \"made larger than it is\"\n\n"
     "Fenwick delayed the restart, while the firm's CEO has claimed the impact was \"larger than it is\"."),
     "larger than it is"),
])
def test_the_organisation_speaks(text: str, phrase: str) -> None:
    assert org_of(text, phrase) == {"Fenwick Bank"}


@pytest.mark.parametrize(("text", "phrase"), [
    # "the Fenwick attack" names the incident, not a speaker: the analyst speaks
    (("Tom Bray, an analyst at the security company Norvale, commented on the Fenwick attack and the "
     "payment, stating: “It is certainly disappointing for everyone.”"), "certainly disappointing"),
    # a customer named with her age ("Jo Marsh, 71, said") is the "she" that follows, not the executive
    ("The firm's general counsel, Ada Worth, said the bank was \"taking it seriously\".\n\n"
     "At a branch on Tuesday, Jo Marsh, 71, said she had waited two hours. \"They were doing everything "
     "by hand,\" she said.", "doing everything by hand"),
    # another body's chief executive
    ("Fenwick delayed the restart, while the union's CEO has claimed the impact was \"larger than it is\".",
     "larger than it is"),
    # a kind of body that is not the organisation's kind: "the security firm"
    ("Fenwick hired outside help.\n\n\"Banks are slow to patch,\" said the security firm.", "slow to patch"),
    # someone else named between the organisation's reported speech and a bare quote
    (("The lender said it would write to every affected member this week.\n\n"
     "Consumer advocate Lena Marsh of the Members' League was scathing.\n\n"
     "\"This is far too little, far too late for the people affected.\""), "far too little"),
])
def test_never_the_organisation(text: str, phrase: str) -> None:
    assert org_of(text, phrase) == {None}


# --- parts and wholes -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "link"), [
    ("Tessaly Pay, a wholly owned subsidiary of Tessaly Group, said on Monday it had found the flaw.",
     ("Tessaly Pay", "Tessaly Group", "subsidiary")),
    ("The flaw was in Corvane Systems’ on-premise Ledgerly tool, which thousands of firms use.",
     ("Ledgerly", "Corvane Systems", "product")),
    ("The flaw was in Corvane Systems's Ledgerly software.", ("Ledgerly", "Corvane Systems", "product")),
    ("Ledgerly maker Corvane Systems has not said how many clients were affected.",
     ("Ledgerly", "Corvane Systems", "product")),
    ("Corvane Systems, the maker of Ledgerly, said it had patched the flaw.", ("Ledgerly", "Corvane Systems", "product")),
    ("Tessaly Group, which acquired Brookvale Health in 2021, said the clinics were safe.",
     ("Brookvale Health", "Tessaly Group", "subsidiary")),
    ("Brookvale Health, owned by Tessaly Group, runs forty clinics.", ("Brookvale Health", "Tessaly Group", "subsidiary")),
    ("Tessaly-owned Brookvale Health runs forty clinics.", ("Brookvale Health", "Tessaly", "subsidiary")),
    ("Tessaly Group's Brookvale Health unit runs forty clinics.", ("Brookvale Health", "Tessaly Group", "subsidiary")),
    ("Founded in 1970, Brookvale Health runs forty clinics and is a wholly owned subsidiary of Tessaly Group, Inc.",
     ("Brookvale Health", "Tessaly Group", "subsidiary")),
])
def test_part_of_links(text: str, link: tuple[str, str, str]) -> None:
    assert link in part_of_links(text)


def test_a_sibling_is_no_part() -> None:
    text = ("The booking tool runs on Quillon Cloud, a separate company within our group. Quillon Cloud, "
            "the group's hosting business, said its servers were not at fault.")
    index = organization_index(["Quillon Air", "Quillon Cloud"])
    kin = family("Quillon Air", part_of_links(text), index.canonical)
    assert kin.members == {"Quillon Air"} and kin.group == {"Quillon Air"} and kin.whole == "Quillon Air"


def test_a_product_speaks_through_its_maker() -> None:
    links = [("Ledgerly", "Corvane Systems", "product"), ("Corvane Systems", "Tessaly Group", "subsidiary")]
    index = organization_index(["Ledgerly", "Corvane Systems", "Tessaly Group"])
    kin = family("Ledgerly", links, index.canonical)
    assert kin.whole == "Corvane Systems"
    assert kin.members == {"Ledgerly", "Corvane Systems"}  # the maker's parent is no speaker for it
    assert kin.group == {"Ledgerly", "Corvane Systems", "Tessaly Group"}
    assert kin.parent == "Tessaly Group"


def test_a_subsidiary_speaks_for_itself_and_siblings_are_strangers() -> None:
    links = [("Brookvale Health", "Tessaly Care", "subsidiary"), ("Tessaly Care", "Tessaly Group", "subsidiary"),
             ("Tessaly Pay", "Tessaly Group", "subsidiary")]
    index = organization_index(["Brookvale Health", "Tessaly Group", "Tessaly Pay"])
    kin = family("Brookvale Health", links, index.canonical)
    assert kin.members == {"Brookvale Health"} and kin.whole == "Brookvale Health"
    assert kin.group == {"Brookvale Health", "Tessaly Group"}  # the unknown middle link is crossed
    assert kin.parent == "Tessaly Group"
    kin = family("Tessaly Group", links, index.canonical)
    assert kin.members == {"Tessaly Group"}
    assert kin.group == {"Tessaly Group", "Brookvale Health", "Tessaly Pay"}


def write(folder: Path, name: str, front: str, body: str) -> None:
    (folder / name).write_text(f"---\n{textwrap.dedent(front).strip()}\n---\n\n{textwrap.dedent(body).strip()}\n",
                               encoding="utf-8")


@pytest.fixture
def ledgerly(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "01.md", """
        title: Ledgerly flaw exposes client files
        url: https://exampledaily.example/ledgerly-flaw
        publisher: Example Daily
        kind: article
        organizations: [Corvane Systems, Ledgerly]
        """, """
        Attackers used a flaw in Corvane Systems’ Ledgerly tool to copy client files, the company said.

        "We found the flaw on Tuesday and shipped a fix within hours," Corvane chief executive Mira Holt said.

        "Vendors keep shipping the same mistakes," said Jon Pell, an analyst at Example Research.
        """)
    write(corpus, "02.md", """
        title: Ledgerly users count the cost
        url: https://examplewire.example/ledgerly-cost
        publisher: Example Wire
        kind: article
        organizations: [Ledgerly, Corvane Systems]
        """, """
        Mira Holt told a conference on Friday: "Every client that asked for help got it the same day."

        "It will take months to know what was copied," said Jon Pell.
        """)
    _, errors = kb.ingest_paths([corpus])
    assert errors == []
    return kb


def test_a_product_question_is_answered_with_its_makers_words(ledgerly: KnowledgeBase) -> None:
    answer = ledgerly.ask("What did Ledgerly say about the flaw?")
    assert answer.organization == "Corvane Systems"
    texts = " ".join(q.text for q in answer.quotes)
    assert "shipped a fix within hours" in texts
    assert "Vendors keep shipping" not in texts


def test_who_else_never_lists_the_makers_people(ledgerly: KnowledgeBase) -> None:
    answer = ledgerly.ask("Who else commented on the Ledgerly incident?")
    others = " ".join(o.text for o in answer.others)
    assert "Vendors keep shipping" in others
    assert "shipped a fix" not in others
    # named bare in the second article, the chief executive the first one names
    assert "Every client that asked for help" not in others
    assert any("Every client that asked for help" in q.text for q in answer.quotes)


def test_a_quote_closing_on_a_comma_waits_for_its_own_attribution() -> None:
    text = ("The lender said it would write to every affected member this week.\n\n"
            "\"This is far too little, far too late for the people affected,\" s")
    assert org_of(text, "far too little") == {None}


@pytest.fixture
def brookvale(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "01.md", """
        title: Brookvale clinics hit by data theft
        url: https://exampledaily.example/brookvale-theft
        publisher: Example Daily
        kind: article
        organizations: [Brookvale Health, Tessaly Group]
        """, """
        Brookvale Health, a subsidiary of Tessaly Group, said patient files had been copied.

        "We have written to every patient whose file was copied," Brookvale managing director Ines Cole said.

        "This is a serious breach at our subsidiary," said Tessaly Group spokesperson Arno Veld.

        "Clinics should never keep files this long," said Pia Lund, a privacy lawyer.
        """)
    _, errors = kb.ingest_paths([corpus])
    assert errors == []
    return kb


def test_a_subsidiary_question_keeps_the_parents_words_apart(brookvale: KnowledgeBase) -> None:
    answer = brookvale.ask("What did Brookvale Health say?")
    assert answer.organization == "Brookvale Health"
    texts = " ".join(q.text for q in answer.quotes)
    assert "written to every patient" in texts and "serious breach at our subsidiary" not in texts
    others = brookvale.ask("Who else commented on the Brookvale Health breach?").others
    assert any("should never keep files" in o.text for o in others)
    assert not any("serious breach at our subsidiary" in o.text for o in others)


def test_a_parent_no_source_lists_is_never_others(kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "01.md", """
        title: Brookvale clinics hit by data theft
        url: https://exampledaily.example/brookvale-theft-2
        publisher: Example Daily
        kind: article
        organizations: [Brookvale Health]
        """, """
        Brookvale Health runs forty clinics and is a wholly owned subsidiary of Tessaly Holdings.

        Tessaly Holdings said in a filing that "files of about 9,000 patients were copied".

        "Clinics should never keep files this long," said Pia Lund, a privacy lawyer.
        """)
    _, errors = kb.ingest_paths([corpus])
    assert errors == []
    others = kb.ask("Who else commented on the Brookvale Health breach?").others
    assert any("should never keep files" in o.text for o in others)
    assert not any("files of about 9,000 patients" in o.text for o in others)


def test_a_question_about_the_parent_company_is_answered_for_the_parent(brookvale: KnowledgeBase) -> None:
    answer = brookvale.ask("What did Brookvale's parent company say about the breach?")
    assert answer.organization == "Tessaly Group"
    assert any("serious breach at our subsidiary" in q.text for q in answer.quotes)
