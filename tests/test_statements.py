"""Statements across sources: matching, describing variants, channels and grouping.

Exact tables (STYLE.md practice 14) over fictional Harborline Market wording: which quotes are the
same words, what a variant changes, how the words were published, and how a notice quoted by two
outlets (one of them changing a word) becomes one statement with one variant.
"""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.records import PRIMARY_KINDS, AnswerItem, SourceRef, Statement
from knowledge.statements import channel_of, describe_difference, group_statements, same_statement

#: A fictional notice paragraph (two sentences) and a longer single sentence.
NOTICE = ("Because of a settings mistake, your saved shopping lists were visible to other shoppers for two "
          "days. We have fixed it, and we are sorry.")
#: An excerpt of the notice's first sentence with one word changed ("mistake" -> "error").
EXCERPT_CHANGED = "Because of a settings error, your saved shopping lists were visible to other shoppers for two days."
LONG = ("We found the mistake on March 2 and corrected it the same day, and we are contacting every customer "
        "whose saved lists could have been seen.")
SENTENCE = "Because of a configuration mistake, your order history was visible to other shoppers."


def item(text: str, kind: str = "article", publisher: str = "Example Daily", *,
         date: dt.date | None = dt.date(2025, 3, 4), source_id: str | None = None, cue: str | None = None,
         speaker: str | None = "Harborline Market", role: str = "organization") -> AnswerItem:
    """An organisation's quote as answering hands it to ``group_statements``."""
    sid = source_id or publisher.casefold().replace(" ", "-")
    ref = SourceRef(id=sid, title=f"{publisher}: Harborline saved lists", url=f"https://{sid}.example/lists",
                    publisher=publisher, date=date, kind=kind)
    return AnswerItem(kind="quote", text=text, speaker=speaker, speaker_role=role, start=0, end=len(text),
                      cue=cue, second_hand=kind not in PRIMARY_KINDS, source=ref)


# --- same_statement ------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "expected"), [
    pytest.param(NOTICE, NOTICE, True, id="equal"),
    pytest.param("We have fixed it, and we are sorry.", NOTICE, True, id="excerpt-inside"),
    pytest.param(NOTICE, "We have fixed it, and we are sorry.", True, id="excerpt-inside-reversed"),
    pytest.param("your saved shopping lists were visible", NOTICE, True, id="excerpt-mid-sentence"),
    pytest.param(LONG, LONG.replace("contacting", "emailing"), True, id="one-word-changed-long-sentence"),
    pytest.param(LONG, LONG.replace("saved", "stored"), True, id="another-word-changed-long-sentence"),
    pytest.param(NOTICE, "Harborline delivers groceries to several cities every day of the week.", False,
                 id="unrelated"),
    pytest.param(LONG, "Order histories can reveal a lot about a household and its weekly habits.", False,
                 id="unrelated-same-length"),
    pytest.param("settings mistake", NOTICE, True, id="short-quote-contained"),
    pytest.param("settings error", NOTICE, False, id="short-quote-not-contained"),
    pytest.param("shopping mistake", NOTICE, False, id="short-quote-words-present-not-adjacent"),
    pytest.param("We are sorry", "We were sorry", False, id="short-quote-one-word-changed"),
    pytest.param("“We have fixed it,” ", '"We have  fixed\nit,"', True, id="curly-vs-straight-and-whitespace"),
    pytest.param("Harborline’s team fixed it quickly", "Harborline's team fixed it quickly", True,
                 id="curly-vs-straight-apostrophe"),
    pytest.param("We are sorry.", "we are sorry", True, id="case-and-final-full-stop"),
    pytest.param("", NOTICE, False, id="empty"),
    pytest.param("...", NOTICE, False, id="punctuation-only"),
    pytest.param(
        EXCERPT_CHANGED, NOTICE, True, id="excerpt-with-one-word-changed"),
])
def test_same_statement(a: str, b: str, expected: bool) -> None:
    assert same_statement(a, b) is expected
    assert same_statement(b, a) is expected


# --- describe_difference -------------------------------------------------------------------------

@pytest.mark.parametrize(("canonical", "variant", "expected"), [
    pytest.param(LONG, LONG.replace("contacting", "emailing"), "“contacting” → “emailing”",
                 id="one-word-replaced"),
    pytest.param(NOTICE, NOTICE.replace("settings mistake", "settings error"), "“mistake” → “error”",
                 id="one-word-replaced-in-paragraph"),
    pytest.param("We have fixed it.", "We fixed it.", "drops “have”", id="word-dropped"),
    pytest.param("We have fixed it.", "We have now fixed it.", "adds “now”", id="word-added"),
    pytest.param("We have fixed it, and we are sorry.", "We have fixed it and we’re sorry.",
                 "“we are” → “we're”", id="contraction"),
    pytest.param(NOTICE, EXCERPT_CHANGED, "“mistake” → “error”", id="excerpt-with-one-word-replaced"),
    pytest.param("Harborline’s team fixed it", "Harborline's team fixed it", "punctuation", id="quotes-only"),
    pytest.param("We have fixed it, and we are sorry.", "We Have fixed it and we are sorry", "punctuation",
                 id="case-and-punctuation-only"),
    pytest.param("We have fixed it.", "The weather is nice.", "different wording", id="nothing-in-common"),
    pytest.param("one two three four five six seven eight nine ten", "one 2 three 4 five 6 seven 8 nine ten",
                 "“two” → “2”; “four” → “4”; “six” → “6”; …", id="more-than-three-changes"),
    pytest.param(SENTENCE, SENTENCE.replace("shoppers", "customers"), "“shoppers” → “customers”",
                 id="last-word-replaced"),
    pytest.param(SENTENCE, SENTENCE.replace("Because", "Owing"), "“Because” → “Owing”",
                 id="first-word-replaced"),
    pytest.param(NOTICE, "your saved shopping lists were visible to other customers",
                 "“shoppers” → “customers”", id="excerpt-with-last-word-replaced"),
    pytest.param("We have fixed it.", "We have fixed it today.", "adds “today”", id="word-added-at-end"),
])
def test_describe_difference(canonical: str, variant: str, expected: str) -> None:
    assert describe_difference(canonical, variant) == expected


# --- channel_of ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "cue", "role", "expected"), [
    pytest.param("notice", "own text (notice)", "organization", "notice to the people affected", id="notice"),
    pytest.param("statement", "own text (statement)", "organization", "statement", id="statement"),
    pytest.param("statement", "said Dana Whitfield, a spokesperson", "spokesperson", "statement",
                 id="statement-spokesperson"),
    pytest.param("filing", None, "organization", "regulatory filing", id="filing"),
    pytest.param("article", "told Example Daily", "spokesperson", "to Example Daily", id="told-outlet"),
    pytest.param("article", "a spokesperson for Harborline told Example Times", "spokesperson",
                 "to Example Times", id="told-outlet-after-speaker"),
    pytest.param("article", "the email said", "organization", "notice, as quoted", id="email"),
    pytest.param("article", "Harborline wrote in a letter", "organization", "notice, as quoted", id="letter"),
    pytest.param("opinion", "its email", "organization", "notice, as quoted", id="opinion-email"),
    pytest.param("article", "in a statement", "organization", "statement, as quoted", id="in-a-statement"),
    pytest.param("article", "the company said in a post on its website", "organization", "post, as quoted",
                 id="post-on-website"),
    pytest.param("article", "Dana Whitfield said", "spokesperson", "spokesperson, as quoted", id="spokesperson"),
    pytest.param("article", "the chief executive said", "executive", "executive, as quoted", id="executive"),
    pytest.param("article", "the company said", "organization", "as quoted", id="plain-said"),
    pytest.param("article", None, "organization", "as quoted", id="no-cue"),
])
def test_channel_of(kind: str, cue: str | None, role: str, expected: str) -> None:
    assert channel_of(item("We have fixed it.", kind, cue=cue, role=role)) == expected


# --- group_statements ----------------------------------------------------------------------------

def notice_group() -> list[AnswerItem]:
    """Ranked as answering might: the two articles before the notice they quote."""
    return [
        item("We have fixed it, and we are sorry.", "article", "Example Daily", date=dt.date(2025, 3, 3),
             cue="the email said"),
        item(NOTICE.replace("settings mistake", "settings error"), "article", "Example Times",
             date=dt.date(2025, 3, 5), cue="Harborline wrote"),
        item(NOTICE, "notice", "Harborline Market", date=dt.date(2025, 3, 4), source_id="notice",
             cue="own text (notice)"),
    ]


def test_notice_and_two_articles_are_one_statement() -> None:
    [statement] = group_statements(notice_group())

    assert statement.text == NOTICE
    assert statement.primary is True
    assert statement.speaker == "Harborline Market"
    assert statement.channel == "notice to the people affected"
    assert [s.id for s in statement.sources] == ["notice", "example-daily", "example-times"]
    assert statement.first_date == dt.date(2025, 3, 3)
    assert statement.canonical.source.id == "notice"
    [variant] = statement.variants
    assert variant.source.id == "example-times"
    assert variant.text == NOTICE.replace("settings mistake", "settings error")
    assert variant.differs == "“mistake” → “error”"


def test_an_excerpt_is_not_a_variant() -> None:
    [statement] = group_statements(notice_group()[::2])

    assert statement.text == NOTICE
    assert statement.variants == []
    assert [s.id for s in statement.sources] == ["notice", "example-daily"]


def test_the_same_wording_twice_is_one_variant() -> None:
    changed = NOTICE.replace("settings mistake", "settings error")
    items = [*notice_group(), item(changed, "article", "Example Gazette", cue="the email said")]

    [statement] = group_statements(items)

    assert [v.source.id for v in statement.variants] == ["example-times"]
    assert [s.id for s in statement.sources] == ["notice", "example-daily", "example-times", "example-gazette"]


def test_different_statements_stay_apart() -> None:
    other = item("We are still counting how many shoppers could see someone else's lists.", "article",
                 "Example Daily", cue="told Example Daily", role="spokesperson", speaker="Dana Whitfield",
                 date=dt.date(2025, 3, 6))

    statements = group_statements([*notice_group(), other])

    assert [s.text for s in statements] == [NOTICE, other.text]
    second: Statement = statements[1]
    assert second.primary is False
    assert second.channel == "to Example Daily"
    assert second.speaker == "Dana Whitfield"
    assert second.variants == []
    assert [s.id for s in second.sources] == ["example-daily"]
    assert second.first_date == dt.date(2025, 3, 6)


def test_without_a_primary_source_the_wording_most_sources_carry_wins() -> None:
    carried = LONG
    reworded = LONG.replace("contacting", "emailing")
    items = [
        item(reworded, "article", "Example Times", date=dt.date(2025, 3, 5), cue="Harborline wrote"),
        item(carried, "article", "Example Daily", date=dt.date(2025, 3, 6), cue="the email said"),
        item(carried, "opinion", "Example Blog", date=dt.date(2025, 3, 7), cue="its email"),
    ]

    [statement] = group_statements(items)

    assert statement.text == carried
    assert statement.primary is False
    assert statement.canonical.source.id == "example-daily"
    assert statement.channel == "notice, as quoted"
    assert [s.id for s in statement.sources] == ["example-daily", "example-times", "example-blog"]
    assert statement.first_date == dt.date(2025, 3, 5)
    [variant] = statement.variants
    assert (variant.source.id, variant.differs) == ("example-times", "“contacting” → “emailing”")


def test_without_a_primary_source_ties_go_to_the_longest() -> None:
    short = "We have fixed it, and we are sorry."
    items = [item(short, "article", "Example Daily"), item(NOTICE, "article", "Example Times")]

    [statement] = group_statements(items)

    assert statement.text == NOTICE
    assert statement.variants == []


def test_no_dates_no_first_date() -> None:
    [statement] = group_statements([item(NOTICE, "article", "Example Daily", date=None)])

    assert statement.first_date is None


def test_a_short_quote_does_not_chain_two_statements() -> None:
    press = ("On March 2 we found that a settings mistake in our lists service had let some shoppers see "
             "other people's saved lists.")
    daily_excerpt = "Because of a settings mistake, your saved shopping lists were visible to other shoppers"
    items = [
        item(press, "statement", "Harborline Market", source_id="press", cue="own text (statement)"),
        item(NOTICE, "notice", "Harborline Market", source_id="notice", cue="own text (notice)"),
        item("settings mistake", "opinion", "Example Blog", cue="The company blamed"),
        item(daily_excerpt, "article", "Example Daily", cue="the email said"),
    ]

    statements = group_statements(items)

    carrying = [s for s in statements if "example-daily" in {ref.id for ref in s.sources}]
    assert [s.text for s in carrying] == [NOTICE]
    assert all(v.source.id != "example-daily" for s in statements for v in s.variants)
