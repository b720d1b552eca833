"""Which statements come first (knowledge.ranking): exact expectations on small, made-up answers."""

from __future__ import annotations

from knowledge.ranking import rank_statements, widen
from knowledge.records import AnswerItem, SourceRef
from knowledge.statements import group_statements

NOTICE = SourceRef(id="src_notice", title="Notice (fictional)", kind="notice", publisher="Harborline Market")
DAILY = SourceRef(id="src_daily", title="Example Daily (fictional)", kind="article", publisher="Example Daily")
TIMES = SourceRef(id="src_times", title="Example Times (fictional)", kind="article", publisher="Example Times")


def item(text: str, source: SourceRef, start: int, speaker: str = "Harborline Market",
         role: str = "organization", cue: str = "said") -> AnswerItem:
    return AnswerItem(kind="quote", text=text, speaker=speaker, speaker_role=role, start=start,
                      end=start + len(text), cue=cue, second_hand=source.kind == "article", source=source)


def own(text: str, start: int) -> AnswerItem:
    return item(text, NOTICE, start, cue="own text (notice)")


def order(items: list[AnswerItem], terms: list[str], general: bool,
          relevance: dict[tuple[str, int], float] | None = None) -> list[str]:
    statements = group_statements(items)
    return [st.text for st in rank_statements(statements, terms, general, relevance or {})]


def test_a_factual_answer_leads_with_the_words_that_use_the_questions_terms() -> None:
    items = [item("We are sorry for the worry this has caused our shoppers.", DAILY, 0),
             item("About 4,200 shoppers had their order history exposed.", TIMES, 0),
             own("We fixed the setting the same day it was reported to us.", 0)]
    ranked = order(items, ["shoppers", "count"], general=False)
    assert ranked[0] == "About 4,200 shoppers had their order history exposed."


def test_a_rare_term_outweighs_one_every_statement_uses() -> None:
    items = [item("The incident is under investigation by our security team.", DAILY, 0),
             item("The incident affected our loyalty programme only.", DAILY, 100),
             item("The incident began when a contractor's password was phished.", TIMES, 0)]
    ranked = order(items, ["incident", "phished"], general=False)
    assert ranked[0] == "The incident began when a contractor's password was phished."


def test_a_question_about_a_breach_finds_what_the_organisation_called_it() -> None:
    assert "incident" in widen(["breach"])
    assert "phishing" in widen(["cause"])
    items = [item("We will write to every member this week.", DAILY, 0),
             item("This was a criminal attack on a supplier's system.", TIMES, 0)]
    ranked = order(items, ["breach"], general=False)
    assert ranked[0] == "This was a criminal attack on a supplier's system."


def test_short_partial_quotes_come_after_sentences() -> None:
    items = [item("working hard", DAILY, 0),
             item("We have contacted every affected shopper by email and by post.", TIMES, 0)]
    assert order(items, [], general=True)[0].startswith("We have contacted")


def test_one_notice_cannot_fill_the_reply() -> None:
    paragraphs = [own(f"Paragraph {i} of our notice explains step {i} of what we did next.", i * 100)
                  for i in range(10)]
    quote = item("We are deeply sorry, and we will put this right for every shopper.", DAILY, 0,
                 speaker="Jo Marsh", role="executive")
    ranked = order([*paragraphs, quote], [], general=True)
    assert quote.text in ranked[:3]


def test_headings_and_boilerplate_of_a_notice_come_last() -> None:
    items = [own("Notice of Data Security Incident", 0),
             own("For more information, call our toll-free line at 0800 555 0100.", 50),
             own("On 3 March we found that a setting let shoppers see other people's orders.", 120)]
    ranked = order(items, [], general=True)
    assert ranked[0].startswith("On 3 March")
    assert ranked[-1] in ("Notice of Data Security Incident",
                          "For more information, call our toll-free line at 0800 555 0100.")


def test_the_next_words_of_a_picked_quote_follow_it() -> None:
    first = item("Yes, this is a data breach,", DAILY, 0, speaker="Jo Marsh", role="executive")
    follow = item("and our shoppers deserve to hear us say it plainly.", DAILY, 45, speaker="Jo Marsh",
                  role="executive")
    other = item("We are working with the regulator on every step.", TIMES, 0)
    ranked = order([first, other, follow], ["breach"], general=False)
    assert ranked.index(follow.text) == ranked.index(first.text) + 1


def test_nothing_is_dropped() -> None:
    items = [item(f"Statement number {i} about a different matter entirely.", DAILY, i * 80) for i in range(12)]
    assert sorted(order(items, [], general=True)) == sorted(i.text for i in items)


def test_for_what_did_x_say_the_words_its_headline_echoes_come_first() -> None:
    echoed = SourceRef(id="src_echo", title="‘We are not the villains’: Harborline chief’s odd defence",
                       kind="article", publisher="Example Wire")
    items = [item("We have written to every shopper whose order history was shown.", DAILY, 0),
             item("Our team worked through the night to close the setting.", TIMES, 0),
             item("Shoppers understand that we are not the villains in this.", echoed, 0)]
    assert order(items, [], general=True)[0].startswith("Shoppers understand that we are not the villains")
    # the same words under a headline that does not repeat them get no lift
    plain = SourceRef(id="src_echo", title="Harborline chief speaks", kind="article", publisher="Example Wire")
    items[2] = item("Shoppers understand that we are not the villains in this.", plain, 0)
    assert not order(items, [], general=True)[0].startswith("Shoppers understand")


def test_a_fragment_inside_the_reporters_sentence_comes_after_whole_sentences() -> None:
    items = [item("imperative to isolate the servers at once", DAILY, 0),
             item("We isolated the servers within the hour and called the police.", TIMES, 0)]
    assert order(items, [], general=True)[0].startswith("We isolated")


def test_a_why_or_when_question_finds_the_answer_without_its_words() -> None:
    items = [item("The breach was reported to the regulator on Monday.", DAILY, 0),
             item("We did not want to frighten people before we had the facts.", TIMES, 0)]
    ranked = order(items, ["waited", "disclose", "breach", "cause"], general=False)
    assert ranked[0].startswith("We did not want to frighten")
    items = [item("The breach affected the loyalty programme.", DAILY, 0),
             item("As soon as things become clear to us, we will tell members.", TIMES, 0)]
    ranked = order(items, ["tell", "members", "breach", "timing"], general=False)
    assert ranked[0].startswith("As soon as things become clear")
