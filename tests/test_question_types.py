"""Question types (said, yes/no, fact, others) and what each answer shows on the Harborline corpus.

``classify_question`` and ``matches`` are exact tables; the corpus tests ask the fictional example
corpus the questions FIELD.md lists and assert what a user would see: the organisation's words with
their negations intact, what it did not disclose, who else spoke, and statements whose canonical
wording is verbatim in its source and never another speaker's.
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLES_DIR
from knowledge.answering import GENERAL_QUESTION, classify_question, matches
from knowledge.service import KnowledgeBase
from knowledge.text import fold

ORG = "Harborline Market"
SAID = "What did Harborline Market actually say?"
PASSWORDS = "Did Harborline say passwords were affected?"
HOW_MANY = "How many customers did Harborline say were affected?"
WHO_ELSE = "Who else commented on Harborline?"
WHEN = "When did Harborline notify customers?"
BREACH = "Did Harborline call it a breach?"
QUESTIONS = [SAID, PASSWORDS, HOW_MANY, WHO_ELSE, WHEN, BREACH]

#: Words of the corpus's security researcher and regulator: never the organisation's.
OTHERS_WORDS = [
    "can reveal a lot about a household",
    "A weekly shop can tell a stranger",
    "we are making enquiries",
    "we expect it to be able to show us",
    "hundreds of customers",
]
#: The sentence of the notice that Example Daily quotes word for word and Example Times with one
#: word changed.
NOTICE_SENTENCE = "Because of a configuration mistake, your order history was visible to other shoppers."


# --- classify_question ---------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "qtype", "required_terms"), [
    pytest.param(SAID, "said", [], id="actually-say"),
    pytest.param("What has Harborline said so far?", "said", [], id="said-so-far"),
    pytest.param(BREACH, "yes_no", ["breach"], id="call-it-a-breach"),
    pytest.param(PASSWORDS, "yes_no", ["passwords"], id="passwords-affected"),
    pytest.param("Has Harborline told regulators?", "yes_no", ["regulators"], id="has-told"),
    pytest.param(HOW_MANY, "fact", ["customers", "count"], id="how-many"),
    pytest.param(WHEN, "fact", ["notify", "customers", "timing"], id="when"),
    pytest.param("What caused the Harborline problem?", "fact", ["problem", "cause"], id="what-caused"),
    pytest.param("Why did Harborline expose orders?", "fact", ["cause"], id="why"),
    pytest.param("What data did Harborline say was exposed?", "fact", ["exposed", "data"], id="what-data"),
    pytest.param("Which regulators did Harborline notify?", "fact", ["regulators"], id="which-regulators"),
    pytest.param(WHO_ELSE, "others", [], id="who-else"),
    pytest.param("Who commented on the Harborline exposure?", "others", [], id="who-commented"),
    pytest.param(
        "What did Harborline say caused it?", "fact", ["cause"], id="say-caused"),
])
def test_classify_question(question: str, qtype: str, required_terms: list[str]) -> None:
    got_type, terms = classify_question(question, ORG)

    assert got_type == qtype
    assert [t for t in required_terms if t not in terms] == []
    assert {"harborline", "market"}.isdisjoint(terms)


@pytest.mark.parametrize(("question", "general"), [
    (SAID, True),
    ("What has Harborline said so far?", True),
    ("what did HARBORLINE really say", True),
    ("What did Harborline tell customers?", False),
    (HOW_MANY, False),
    (PASSWORDS, False),
])
def test_general_question(question: str, general: bool) -> None:
    assert (GENERAL_QUESTION.search(question) is not None) is general


# --- matches -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "terms", "expected"), [
    pytest.param("Your password was not affected.", ["password"], 1, id="word"),
    pytest.param("Passwords were not affected.", ["password"], 1, id="plural-prefix"),
    pytest.param("Your password was not affected.", ["passwords", "affected"], 2, id="two-terms"),
    pytest.param("WE DID NOT CALL IT A BREACH", ["breach"], 1, id="case"),
    pytest.param("The passage was short.", ["password"], 0, id="different-word-same-start"),
    pytest.param("About 4,000 customers could see the lists.", ["customers", "count"], 2, id="figure"),
    pytest.param("We have not given a figure.", ["count"], 0, id="no-figure"),
    pytest.param("We emailed customers on March 3.", ["timing"], 1, id="month"),
    pytest.param("We emailed customers on 2025-03-03.", ["timing"], 1, id="iso-date"),
    pytest.param("We emailed customers on Monday.", ["timing"], 1, id="weekday"),
    pytest.param("We emailed customers soon after.", ["timing"], 0, id="no-date"),
    pytest.param("Anything at all.", [], 0, id="no-terms"),
])
def test_matches(text: str, terms: list[str], expected: int) -> None:
    assert matches(text, terms) == expected


# --- on the example corpus -----------------------------------------------------------------------

@pytest.fixture
def harborline(kb: KnowledgeBase) -> KnowledgeBase:
    _, errors = kb.ingest_paths([EXAMPLES_DIR])
    assert errors == []
    return kb


def test_yes_no_passwords_keeps_the_negation(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(PASSWORDS)

    assert answer.question_type == "yes_no"
    assert not answer.abstained
    first = answer.statements[0].text
    assert "password" in first.casefold()
    assert "not" in first.casefold().split()
    assert "your password was not affected" in first


def test_how_many_is_not_disclosed(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(HOW_MANY)

    assert answer.question_type == "fact"
    assert answer.not_disclosed[0].topic == "count"
    assert answer.not_disclosed[0].evidence.source.publisher in {"Example Daily", "Example Times"}


def test_who_else_lists_the_other_speakers(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(WHO_ELSE)

    assert answer.question_type == "others"
    assert not answer.abstained
    speakers = {o.speaker for o in answer.others}
    assert "Priya Raman" in speakers
    assert all(o.speaker_role != "organization" for o in answer.others)
    assert not any(s and "Harborline" in s and "spokesperson" not in s.casefold() for s in speakers)


def test_what_did_harborline_say(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(SAID)

    assert answer.question_type == "said"
    first = answer.statements[0]
    assert first.primary is True
    [notice] = [s for s in answer.statements if fold(NOTICE_SENTENCE) in fold(s.text)
                and s.canonical.source.kind == "notice"]
    assert notice.sources[0].kind == "notice"
    assert {"Example Daily", "Example Times"} <= {s.publisher for s in notice.sources}
    [variant] = [v for v in notice.variants if v.source.publisher == "Example Times"]
    assert "visible to other customers" in variant.text
    assert variant.differs == "“shoppers” → “customers”"


@pytest.mark.parametrize("question", QUESTIONS)
def test_statements_are_verbatim_and_only_the_organisations(harborline: KnowledgeBase, question: str) -> None:
    answer = harborline.ask(question)

    assert answer.statements
    for statement in answer.statements:
        source = harborline.catalog.get(statement.canonical.source.id)
        assert source is not None
        start, end = statement.canonical.start, statement.canonical.end
        assert fold(source.text[start:end]) == fold(statement.text)
        assert statement.sources[0].id == source.id
        for variant in statement.variants:
            carrier = harborline.catalog.get(variant.source.id)
            assert carrier is not None
            assert fold(variant.text) in fold(carrier.text)
        shown = fold(" ".join([statement.text, *(v.text for v in statement.variants)])).casefold()
        assert [w for w in OTHERS_WORDS if fold(w).casefold() in shown] == []


def test_words_told_to_an_outlet_name_the_outlet(harborline: KnowledgeBase) -> None:
    answer = harborline.ask(SAID)

    channels = [s.channel for s in answer.statements if s.text.startswith("We are still working out")]
    assert channels == ["to Example Daily"]


def test_quotes_of_the_notice_are_grouped_with_the_notice(harborline: KnowledgeBase) -> None:
    misplaced = []
    for question in QUESTIONS:
        for statement in harborline.ask(question).statements:
            for variant in statement.variants:
                if "your order history was visible to other" in fold(variant.text):
                    if statement.canonical.source.kind != "notice":
                        misplaced.append((question, variant.source.publisher, statement.text[:40]))
    assert misplaced == []
