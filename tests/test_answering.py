"""Answering "what did X actually say?" over the fictional Harborline corpus, with the fake embedder.

What a user sees is asserted: which organisation, which words in which bucket, and that every shown
item is a verbatim span of the source it cites.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import EXAMPLES_DIR
from knowledge.answering import classify_question, find_organization, matches
from knowledge.errors import QuestionError
from knowledge.records import Answer, AnswerItem
from knowledge.service import KnowledgeBase, source_id_for
from knowledge.text import fold

QUESTION = "What did Harborline Market actually say?"
NOTICE_ID = source_id_for("https://harborline.example/notices/order-history")
NOTICE_SENTENCE = "Because of a configuration mistake, your order history was visible to other shoppers."
#: Roles whose words are the organisation's own.
ORG_ROLES = {"organization", "spokesperson", "executive", "notice"}


@pytest.fixture
def harborline(kb: KnowledgeBase) -> KnowledgeBase:
    _, errors = kb.ingest_paths([EXAMPLES_DIR])
    assert errors == []
    return kb


@pytest.fixture
def two_orgs(harborline: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    """The Harborline corpus plus one fictional article about another organisation."""
    other = tmp_path / "lumen.md"
    other.write_text(textwrap.dedent("""\
        ---
        title: Lumen Bank apologises for app outage
        url: https://examplegazette.example/lumen-outage
        publisher: Example Gazette
        date: 2025-04-02
        kind: article
        organizations: [Lumen Bank]
        ---
        Lumen Bank said its mobile app had been unavailable for six hours on Tuesday.

        "We are sorry for the disruption and the app is working again," a Lumen Bank spokesperson said.
        """), encoding="utf-8")
    _, errors = harborline.ingest_paths([other])
    assert errors == []
    return harborline


def all_items(answer: Answer) -> list[AnswerItem]:
    return answer.quotes + answer.reported + [d.evidence for d in answer.not_disclosed] + answer.others


def assert_verbatim(kb: KnowledgeBase, answer: Answer) -> None:
    for item in all_items(answer):
        source = kb.catalog.get(item.source.id)
        assert source is not None
        span = source.text[item.start:item.end]
        assert fold(span) == fold(item.text), item
        assert span == item.text  # shown with the source's own characters


def test_what_did_harborline_market_say(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(QUESTION)

    assert answer.organization == "Harborline Market"
    assert not answer.abstained and answer.reason is None
    assert answer.dropped_unverified == 0
    notice_quotes = [q for q in answer.quotes if q.source.id == NOTICE_ID]
    assert any(NOTICE_SENTENCE in q.text and q.speaker == "Harborline Market"
               and q.speaker_role == "organization" and not q.second_hand for q in notice_quotes)
    assert all(q.speaker_role in ORG_ROLES for q in answer.quotes)
    assert answer.reported
    assert all(r.speaker_role in ORG_ROLES for r in answer.reported)
    assert all(r.second_hand for r in answer.reported)  # indirect speech comes from reporting
    quoted = {fold(q.text) for q in answer.quotes}
    assert not any(fold(r.text) in quoted for r in answer.reported)
    assert "count" in {d.topic for d in answer.not_disclosed}
    cited = {s.id for s in answer.sources}
    assert {i.source.id for i in all_items(answer)} <= cited
    assert_verbatim(harborline, answer)


def test_second_hand_quotes_are_marked(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(QUESTION)

    for item in all_items(answer):
        assert item.second_hand == (item.source.kind in ("article", "opinion"))
    assert any(q.second_hand and q.source.publisher == "Example Daily" for q in answer.quotes)


def test_other_speakers_only_in_others(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(QUESTION)

    others_by = {o.speaker or "" for o in answer.others}
    assert "Priya Raman" in others_by
    assert any("Data Protection Authority" in s for s in others_by)
    quote_speakers = {q.speaker or "" for q in answer.quotes + answer.reported}
    assert "Priya Raman" not in quote_speakers
    assert not any("Authority" in s for s in quote_speakers)
    other_words = [fold(o.text) for o in answer.others]
    for q in answer.quotes:
        assert not any(w in fold(q.text) for w in other_words), q.text
    for words in ("Order histories can reveal", "we are making enquiries"):
        assert not any(words in q.text for q in answer.quotes)
        assert any(words in o.text for o in answer.others)
    assert_verbatim(harborline, answer)


def test_author_scare_quotes_are_never_shown(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(QUESTION)

    # the Daily's reporter puts "small" in quotation marks; nobody said it
    assert not any(fold(i.text) == "small" for i in all_items(answer))


@pytest.mark.parametrize("question", ["What did Harborline say?", "what did HARBORLINE actually say"])
def test_alias_in_question(harborline: KnowledgeBase, question: str) -> None:
    answer = harborline.ask(question)

    assert answer.organization == "Harborline Market"
    assert not answer.abstained
    assert any(NOTICE_SENTENCE in q.text for q in answer.quotes)


def test_unknown_organisation_abstains(two_orgs: KnowledgeBase) -> None:
    answer = two_orgs.ask("What did Northwind Air actually say?")

    assert answer.abstained
    assert answer.quotes == [] and answer.reported == [] and answer.others == []
    assert answer.reason and "Harborline Market" in answer.reason and "Lumen Bank" in answer.reason


def test_unknown_org_option_abstains(two_orgs: KnowledgeBase) -> None:
    answer = two_orgs.ask("What did they say?", organization="Northwind Air")

    assert answer.abstained
    assert answer.reason and "Northwind Air" in answer.reason


def test_question_picks_the_named_organisation(two_orgs: KnowledgeBase) -> None:
    lumen = two_orgs.ask("What did Lumen Bank say?")
    harborline = two_orgs.ask(QUESTION)

    assert lumen.organization == "Lumen Bank" and not lumen.abstained
    assert {i.source.publisher for i in all_items(lumen)} == {"Example Gazette"}
    assert "Example Gazette" not in {i.source.publisher for i in all_items(harborline)}


@pytest.mark.parametrize("org", ["Harborline", "harborline market", "Harborline.com"])
def test_org_option_accepts_aliases(two_orgs: KnowledgeBase, org: str) -> None:
    answer = two_orgs.ask("What did they actually say?", organization=org)

    assert answer.organization == "Harborline Market"
    assert not answer.abstained
    assert any(NOTICE_SENTENCE in q.text for q in answer.quotes)


def test_altered_quote_fails_the_verbatim_check(harborline: KnowledgeBase) -> None:
    db = harborline.catalog._db
    row = db.execute("SELECT seq, start, text FROM attributions WHERE source_id = ? AND kind = 'quote' "
                     "AND text LIKE ?", (NOTICE_ID, f"%{NOTICE_SENTENCE}%")).fetchone()
    assert row is not None
    tampered = row["text"].replace("configuration mistake", "coding mistake")
    db.execute("UPDATE attributions SET text = ? WHERE source_id = ? AND seq = ?",
               (tampered, NOTICE_ID, row["seq"]))

    answer = harborline.ask(QUESTION)

    assert answer.dropped_unverified >= 1
    assert not any("coding mistake" in i.text for i in all_items(answer))
    assert not any(q.source.id == NOTICE_ID and q.start == row["start"] for q in answer.quotes)
    assert_verbatim(harborline, answer)


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "x" * 501])
def test_empty_or_too_long_question(harborline: KnowledgeBase, question: str) -> None:
    with pytest.raises(QuestionError):
        harborline.ask(question)


def test_empty_index_abstains(kb: KnowledgeBase) -> None:
    answer = kb.ask(QUESTION)

    assert answer.abstained
    assert answer.reason and "ingest" in answer.reason


@pytest.mark.parametrize(("question", "known", "expected"), [
    ("What did Harborline Market actually say?", ["Harborline Market"], "Harborline Market"),
    ("what did harborline say", ["Harborline Market"], "Harborline Market"),
    ("What did HARBORLINE.COM say?", ["Harborline Market"], "Harborline Market"),
    ("Why did Harborline's email blame a mistake?", ["Harborline Market"], "Harborline Market"),
    ("What did Amazon.com say?", ["Amazon"], "Amazon"),
    ("What did Amazon say?", ["Amazon.com"], "Amazon.com"),
    ("Did Lumen tell customers?", ["Harborline Market", "Lumen Bank"], "Lumen Bank"),
    ("What did Lumen Bank Cloud say?", ["Lumen Bank", "Lumen Bank Cloud"], "Lumen Bank Cloud"),
    ("What did Harborliner say?", ["Harborline Market"], None),
    ("What did the market say?", ["Harborline Market"], None),
    ("Did the council say it would pay?", ["Example County Council", "Harborline Market"], "Example County Council"),
    ("Did the Council pay?", ["Example County Council"], "Example County Council"),
    ("What did the airline tell passengers?", ["Northwind Airlines", "Harborline Market"], "Northwind Airlines"),
    ("What did the airline say?", ["Northwind Airways", "Harborline Market"], "Northwind Airways"),
    ("What did the bank say?", ["Lumen Bank", "Harborline Market"], "Lumen Bank"),
    ("What did the airline say?", ["Northwind Airlines", "Southwind Airways"], None),
    ("What did the council say?", ["Example County Council", "Example City Council"], None),
    ("What did the council say?", ["Harborline Market", "Lumen Bank"], None),
    ("Did Harborline tell the council?", ["Example County Council", "Harborline Market"], "Harborline Market"),
    ("Did Example Labs comment?", ["Harborline Market", "Lumen Bank"], None),
    ("What did Harborline say?", [], None),
])
def test_find_organization(question: str, known: list[str], expected: str | None) -> None:
    assert find_organization(question, known) == expected


# --- the finding line of yes/no and factual questions ---------------------------------------------

BREACH = "Did Harborline call it a breach?"
PASSWORDS = "Did Harborline say passwords were affected?"


def finding_count(answer: Answer) -> int:
    assert answer.finding is not None
    return int(answer.finding.split(" ", 1)[0])


@pytest.mark.parametrize(("question", "finding"), [
    pytest.param(BREACH, "None of the words of Harborline Market in the index mention “breach”.",
                 id="no-statement-mentions-breach"),
    pytest.param("Did Harborline mention ransomware?",
                 "None of the words of Harborline Market in the index mention “ransomware”.", id="ransomware"),
    pytest.param(PASSWORDS, "2 of the quoted or reported words of Harborline Market touch “passwords”; they "
                 "are listed first.", id="passwords-two"),
    pytest.param("When did Harborline notify customers?", "9 of the quoted or reported words of Harborline "
                 "Market touch “notify”, “customers”; they are listed first.", id="when-two-terms"),
    pytest.param("Did Harborline blame a supplier for the mistake?", "4 of the quoted or reported words of "
                 "Harborline Market touch “mistake”; they are listed first. None mention “blame”, “supplier”.",
                 id="says-which-terms-none-use"),
    pytest.param("Has Harborline told regulators?", "No words of Harborline Market in the index answer this; "
                 "sources say it did not disclose it.", id="declined-regulators"),
    pytest.param("What did Harborline Market actually say?", None, id="said-has-none"),
    pytest.param("Who else commented on Harborline?", "3 other speakers quoted; see “others”.", id="others-counts-speakers"),
])
def test_finding(harborline: KnowledgeBase, question: str, finding: str | None) -> None:
    assert harborline.ask(question).finding == finding


@pytest.mark.parametrize("question", [PASSWORDS, "When did Harborline notify customers?",
                                      "How many customers did Harborline say were affected?"])
def test_finding_counts_the_words_listed_first(harborline: KnowledgeBase, question: str) -> None:
    answer = harborline.ask(question)
    _, terms = classify_question(question, "Harborline Market")

    touching = [bool(matches(st.text, terms)) for st in answer.statements]
    touching_reported = [bool(matches(r.text, terms)) for r in answer.reported]

    assert finding_count(answer) == sum(touching) + sum(touching_reported) > 0
    assert touching == sorted(touching, reverse=True)  # those that touch the terms come first
    assert touching_reported == sorted(touching_reported, reverse=True)


def test_finding_counts_only_the_organisation_words(harborline: KnowledgeBase, tmp_path: Path) -> None:
    regulator = tmp_path / "regulator.md"
    regulator.write_text(textwrap.dedent("""\
        ---
        title: Regulator weighs in on Harborline (fictional)
        url: https://exampletimes.example/harborline-regulator
        publisher: Example Times
        date: 2025-03-06
        kind: article
        organizations: [Harborline Market]
        ---
        “This looks like a breach of trust,” the Example Data Protection Authority said of Harborline.
        """), encoding="utf-8")
    _, errors = harborline.ingest_paths([regulator])
    assert errors == []

    answer = harborline.ask(BREACH)

    assert any("breach of trust" in o.text for o in answer.others)
    assert answer.finding == "None of the words of Harborline Market in the index mention “breach”."


def test_who_else_with_nobody_else_quoted(kb: KnowledgeBase) -> None:
    kb.ingest_paths([EXAMPLES_DIR / "01-notice-email.md"])
    answer = kb.ask("Who else commented on Harborline?")
    assert answer.others == []
    assert answer.finding == "No speaker other than Harborline Market is quoted in the indexed sources about it."
