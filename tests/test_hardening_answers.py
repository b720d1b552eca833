"""Answers under bad input and edge cases (issue 9, items 5, 7, 8, 9, 11; issue 6, item 5).

Every organisation, person and sentence here is invented for these tests. Each test asserts what a
user sees: which statements, in which order, with how many carriers, which words of a long quote,
and an abstention that names what the index holds.
"""

from __future__ import annotations

import datetime as dt
import textwrap
import unicodedata
from pathlib import Path

import pytest
from rich.console import Console

from knowledge.answering import find_organization
from knowledge.cli import render_answer as render_cli
from knowledge.names import match_form, organization_index
from knowledge.records import Answer, AnswerItem, SourceRef
from knowledge.service import KnowledgeBase
from knowledge.snippets import excerpt, matches, sentences
from knowledge.statements import SAME_STATEMENT, changed_meaning, group_statements, same_statement, similarity
from knowledge.text import fold

FENWICK = "Fenwick Borough Council"


def write(folder: Path, name: str, front: dict[str, object], body: str) -> Path:
    """A markdown source with front matter (lists written inline)."""
    lines = ["---"]
    for key, value in front.items():
        lines.append(f"{key}: [{', '.join(value)}]" if isinstance(value, list) else f"{key}: {value}")
    lines += ["---", textwrap.dedent(body).strip(), ""]
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def ingest(kb: KnowledgeBase, *paths: Path) -> KnowledgeBase:
    _, errors = kb.ingest_paths(list(paths))
    assert errors == []
    return kb


def shown_items(answer: Answer) -> list[AnswerItem]:
    return answer.quotes + answer.reported + [d.evidence for d in answer.not_disclosed] + answer.others


def assert_verbatim(kb: KnowledgeBase, answer: Answer) -> None:
    for item in shown_items(answer):
        source = kb.catalog.get(item.source.id)
        assert source is not None
        assert source.text[item.start:item.end] == item.text


def cli_text(answer: Answer) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render_cli(answer))
    return console.export_text()


# --- item 5: near misses are different statements --------------------------------------------------

#: Wordings that must never be grouped as one statement (and, when nearly equal, are "changed").
NEAR_MISSES = [
    pytest.param("Your password was not affected.", "Your payment card was not affected.", id="password-vs-card"),
    pytest.param("No payment details were involved in this incident.",
                 "Some payment details were involved in this incident.", id="no-vs-some"),
    pytest.param("From 1 April 2024 the fee for a parking permit is 40 pounds a year.",
                 "From 1 April 2025 the fee for a parking permit is 45 pounds a year.", id="year-and-fee"),
    pytest.param("We have found no evidence that any customer data was misused.",
                 "We have found evidence that customer data was misused.", id="negation-dropped"),
    pytest.param("The incident affected 1,200 customers in three of our regions.",
                 "The incident affected 12,000 customers in three of our regions.", id="count"),
    pytest.param("We notified affected customers on 3 March and the regulator on 4 March.",
                 "We notified affected customers on 3 March and the regulator on 5 March.", id="date"),
    pytest.param("We notified affected customers in March and the regulator shortly after.",
                 "We notified affected customers in April and the regulator shortly after.", id="month"),
    pytest.param("Customer data may have been accessed by an unauthorised party.",
                 "Customer data was accessed by an unauthorised party.", id="hedge"),
    pytest.param("Refunds of up to $50 will be paid to every affected account holder.",
                 "Refunds of up to $500 will be paid to every affected account holder.", id="amount"),
    pytest.param("Payment card numbers were not exposed in this incident, we can confirm.",
                 "Payment card numbers were exposed in this incident, we can confirm.", id="not-removed"),
    pytest.param("We didn't store full card numbers on the affected system.",
                 "We did store full card numbers on the affected system.", id="contraction"),
]
#: Wordings that are the same statement: a variant keeps the meaning.
SAME = [
    pytest.param("Because of a configuration mistake, your order history was visible to other shoppers.",
                 "Because of a configuration mistake, your order history was visible to other customers.",
                 id="shoppers-customers"),
    pytest.param("We have fixed it, and we are sorry for the worry this has caused.",
                 "We have fixed it and we are sorry for the worry this has caused.", id="comma"),
    pytest.param("From 1 April 2025 the fee for a parking permit is 45 pounds a year.",
                 "the fee for a parking permit is 45 pounds a year", id="excerpt-with-figures"),
]


@pytest.mark.parametrize(("a", "b"), NEAR_MISSES)
def test_near_misses_are_never_one_statement(a: str, b: str) -> None:
    assert not same_statement(a, b)
    statements = group_statements([quote(a, "notice"), quote(b, "notice", source_id="other")])
    assert len(statements) == 2
    assert all(st.variants == [] for st in statements)


@pytest.mark.parametrize(("a", "b"), NEAR_MISSES)
def test_near_misses_that_read_alike_are_linked_as_changed(a: str, b: str) -> None:
    statements = group_statements([quote(a, "notice"), quote(b, "notice", source_id="other")])
    if max(similarity(a, b), similarity(b, a)) >= SAME_STATEMENT:
        assert changed_meaning(a, b)
        assert [c.text for c in statements[0].changed] == [b]
        assert [c.text for c in statements[1].changed] == [a]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_meaning_is_one_statement(a: str, b: str) -> None:
    assert same_statement(a, b)
    assert not changed_meaning(a, b)
    assert len(group_statements([quote(a, "notice"), quote(b, "article", source_id="other")])) == 1


def quote(text: str, kind: str, *, source_id: str = "one", date: dt.date | None = dt.date(2025, 3, 3),
          publisher: str = FENWICK) -> AnswerItem:
    ref = SourceRef(id=source_id, title=f"{source_id} source", url=f"https://{source_id}.example/",
                    publisher=publisher, date=date, kind=kind)
    return AnswerItem(kind="quote", text=text, speaker=FENWICK, speaker_role="organization", start=0,
                      end=len(text), second_hand=kind in ("article", "opinion"), source=ref)


FEE_2024 = "From 1 April 2024 the fee for a resident parking permit is 40 pounds a year."
FEE_2025 = "From 1 April 2025 the fee for a resident parking permit is 45 pounds a year."


def test_a_successor_notice_is_a_changed_statement_with_its_own_date() -> None:
    old = quote(FEE_2024, "notice", source_id="n2024", date=dt.date(2024, 2, 1))
    new = quote(FEE_2025, "notice", source_id="n2025", date=dt.date(2025, 2, 1))

    first, second = group_statements([new, old])

    assert first.text == FEE_2025 and first.first_date == dt.date(2025, 2, 1)
    assert [s.id for s in first.sources] == ["n2025"]
    assert second.text == FEE_2024 and second.first_date == dt.date(2024, 2, 1)
    assert first.changed[0].newer is False and second.changed[0].newer is True
    assert "“2025” → “2024”" in first.changed[0].differs and "“45” → “40”" in first.changed[0].differs


@pytest.fixture
def fees(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    for year, fee in ((2024, 40), (2025, 45)):
        write(tmp_path, f"fee-{year}.md", {
            "title": f"Resident parking permits {year} (fictional)", "url": f"https://fenwick.example/permits-{year}",
            "date": f"{year}-02-01", "kind": "notice", "organizations": [FENWICK]},
            f"From 1 April {year} the fee for a resident parking permit is {fee} pounds a year. "
            "Permits can be renewed online or at the town hall.")
    return ingest(kb, tmp_path / "fee-2024.md", tmp_path / "fee-2025.md")


def test_an_answer_about_2025_leads_with_the_2025_notice(fees: KnowledgeBase) -> None:
    answer = fees.ask("What is the parking permit fee in 2025 according to Fenwick?")

    assert answer.organization == FENWICK
    first = answer.statements[0]
    assert "2025" in first.text and "45 pounds" in first.text
    assert first.first_date == dt.date(2025, 2, 1)
    assert [s.url for s in first.sources] == ["https://fenwick.example/permits-2025"]
    assert first.variants == [] and first.changed and "2024" in first.changed[0].text
    assert any("2024" in st.text for st in answer.statements[1:])
    assert_verbatim(fees, answer)
    from bot import render

    fields = render.render_answer(answer)[0].fields
    assert fields[0].name.endswith("1 Feb 2025") and "45 pounds" in fields[0].value
    assert "other version (1 Feb 2024): “2025” → “2024”" in fields[0].value
    assert "changed later (1 Feb 2025)" in fields[1].value
    assert "changed later (2025-02-01)" in cli_text(answer)


# --- item 7: a long paragraph hides its answer ------------------------------------------------------

FILLER = ("The council reviewed the timetable for resident parking permits with the neighbourhood forums, "
          "and the forums asked for more time to collect the views of residents who live on the affected "
          "streets. ")
DEADLINE = "The deadline has moved to 3 May."
LONG_PARAGRAPH = FILLER * 12 + DEADLINE  # about 2,500 characters, the answer at the very end


def test_excerpt_shows_the_matching_sentence_with_ellipses_on_both_sides() -> None:
    cut = excerpt(LONG_PARAGRAPH, ["deadline", "timing"], 600)

    assert cut.pieces == [DEADLINE]
    assert cut.render() == f"…{DEADLINE}"  # it ends the paragraph: nothing follows it
    middle = excerpt(LONG_PARAGRAPH + " " + FILLER, ["deadline", "timing"], 600)
    assert middle.render().startswith("…") and middle.render().endswith("…")
    for text, piece in ((LONG_PARAGRAPH, p) for p in cut.pieces):
        assert piece in text


@pytest.mark.parametrize("limit", [20, 40, 80, 200, 600, 5000])
@pytest.mark.parametrize("terms", [["deadline", "timing"], ["forums"], [], ["nothing-matches"]])
def test_excerpt_pieces_are_verbatim_and_fit(limit: int, terms: list[str]) -> None:
    cut = excerpt(LONG_PARAGRAPH, terms, limit)

    assert len(cut.render()) <= max(limit, 1)
    spans = list(cut.spans)
    assert spans == sorted(spans)
    for start, end in spans:
        assert LONG_PARAGRAPH[start:end].strip() == LONG_PARAGRAPH[start:end]


def test_sentences_and_matches() -> None:
    text = "“We acted quickly.” The deadline is 3 May! Was anything else moved? No."
    assert [text[s:e] for s, e in sentences(text)] == [
        "“We acted quickly.”", "The deadline is 3 May!", "Was anything else moved?", "No."]
    assert matches("The deadline has moved to 3 May.", ["deadline", "timing"]) == 2


@pytest.fixture
def deadline(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    path = write(tmp_path, "deadline.md", {
        "title": "Parking permit consultation (fictional)", "url": "https://fenwick.example/consultation",
        "date": "2025-04-01", "kind": "notice", "organizations": [FENWICK]},
        LONG_PARAGRAPH + "\n\nQuestions can be sent to the parking office.")
    return ingest(kb, path)


def test_a_long_paragraphs_answer_reaches_the_discord_reply_and_the_cli(deadline: KnowledgeBase) -> None:
    from bot import render

    answer = deadline.ask("When is the deadline?")

    assert answer.organization == FENWICK and not answer.abstained
    assert any(DEADLINE in q.text and len(q.text) > 2000 for q in answer.quotes)
    embeds = render.render_answer(answer)
    first = embeds[0].fields[0].value
    assert f"…{DEADLINE}" in first
    assert len(first) <= 1024
    assert f"…{DEADLINE}" in cli_text(answer)
    assert_verbatim(deadline, answer)


def test_long_reported_and_others_lines_show_the_matching_sentence() -> None:
    from bot import render

    ref = SourceRef(id="d", title="Daily", url="https://daily.example/x", publisher="Example Daily", kind="article")
    reported = quote(LONG_PARAGRAPH, "article").model_copy(update={"kind": "reported", "source": ref})
    other = quote(LONG_PARAGRAPH, "article").model_copy(update={"speaker": "Ada Worth", "speaker_role": "expert",
                                                              "source": ref})
    answer = Answer(question="When is the deadline?", organization=FENWICK, terms=["deadline", "timing"],
                    reported=[reported], others=[other], sources=[ref])

    fields = {f.name: f.value for f in render.render_answer(answer)[0].fields}

    assert f"• reported: …{DEADLINE} — " in fields["Reported (not verbatim)"]
    assert f"“…{DEADLINE}”" in fields["Others quoted"]


# --- item 8: one long citation never drops the statements after it ---------------------------------

def test_a_long_citation_shortens_its_tail_and_later_statements_are_still_shown() -> None:
    from bot import render

    long_ref = SourceRef(id="long", title="Permit notice " + "t" * 200, url="https://fenwick.example/" + "p" * 470,
                         publisher="P" * 60, date=dt.date(2025, 3, 3), kind="article")
    words = "We will refund every resident who paid twice for a permit this spring. " * 6
    variant = words.replace("resident", "household", 1)
    first = quote(words.strip(), "article", source_id="long")
    first = first.model_copy(update={"source": long_ref})
    second_variant = quote(variant.strip(), "article", source_id="other", publisher="Q" * 60)
    later = [quote(f"Statement number {n} about the permit scheme, in words of its own.", "notice",
                   source_id=f"n{n}") for n in range(3)]
    statements = group_statements([first, second_variant, *later])
    statements[0].variants[0].differs = "x" * 120
    answer = Answer(question="What did Fenwick say?", organization=FENWICK, statements=statements,
                    quotes=[first, second_variant, *later], sources=[long_ref])

    embeds = render.render_answer(answer)

    values = [f.value for f in embeds[0].fields]
    assert values[0].startswith("“We will refund every")
    for n in range(3):
        assert any(f"Statement number {n}" in v for v in values)
    assert "more statements" not in (embeds[-1].footer.text or "")


# --- item 9 and issue 6 item 5: names as people type them ------------------------------------------

@pytest.fixture
def fenwick_only(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    path = write(tmp_path, "notice.md", {
        "title": "Your data and the parking app (fictional)", "url": "https://fenwick.example/app",
        "date": "2025-03-03", "kind": "notice", "organizations": [FENWICK]},
        "Some residents' names and permit numbers were visible to other users of the parking app. "
        "Your payment card was not affected. The deadline to renew permits has moved to 3 May.")
    return ingest(kb, path)


def test_a_question_about_an_organisation_not_indexed_abstains_and_says_what_is(fenwick_only: KnowledgeBase) -> None:
    answer = fenwick_only.ask("What did Brightwater Systems actually say?")

    assert answer.abstained and answer.organization is None
    assert answer.quotes == [] and answer.statements == []
    assert "'Brightwater Systems' is not an organisation in the index" in (answer.reason or "")
    assert FENWICK in (answer.reason or "")


@pytest.mark.parametrize("question", ["When is the deadline?", "Did they say payment cards were affected?"])
def test_a_question_naming_nobody_still_uses_the_only_organisation(fenwick_only: KnowledgeBase,
                                                                    question: str) -> None:
    answer = fenwick_only.ask(question)

    assert answer.organization == FENWICK and not answer.abstained


@pytest.mark.parametrize("typed", ["What did Fenwik say?", "What did Fen Wick say?", "Did Fenwik Borough tell residents?"])
def test_a_misspelt_or_respaced_name_gets_did_you_mean(fenwick_only: KnowledgeBase, typed: str) -> None:
    answer = fenwick_only.ask(typed)

    assert answer.abstained
    assert answer.suggestions == [FENWICK]
    assert f"did you mean {FENWICK}?" in (answer.reason or "")


def test_a_misspelt_org_option_gets_did_you_mean(fenwick_only: KnowledgeBase) -> None:
    answer = fenwick_only.ask("What did they say?", "Fenwik Borough Council")

    assert answer.abstained and answer.suggestions == [FENWICK]


KNOWN = ["Société Oriflamme", "O’Hara Foods", FENWICK]


@pytest.mark.parametrize(("question", "expected"), [
    ("What did Societe Oriflamme say?", "Société Oriflamme"),
    ("What did SOCIÉTÉ ORIFLAMME say?", "Société Oriflamme"),
    (unicodedata.normalize("NFD", "What did Société Oriflamme say?"), "Société Oriflamme"),
    ("What did O'Hara Foods say?", "O’Hara Foods"),
    ("What did O’Hara Foods say?", "O’Hara Foods"),
    ("What did Fen\u00adwick Borough Council say?", FENWICK),
    ("What did Fen\u200bwick say?", FENWICK),
    ("What did Fenwik say?", None),
    ("Did Oriflamme call it a breach?", "Société Oriflamme"),  # a leading legal form left out
])
def test_names_as_people_type_them(question: str, expected: str | None) -> None:
    assert find_organization(question, KNOWN) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("Societe Oriflamme", "Société Oriflamme"), ("o'hara foods", "O’Hara Foods"),
    (unicodedata.normalize("NFD", "Société Oriflamme"), "Société Oriflamme"), ("Fen\u00adwick", FENWICK),
])
def test_the_org_option_is_matched_as_people_type_it(typed: str, expected: str) -> None:
    assert organization_index(KNOWN).canonical(typed) == expected


def test_match_form_folds_what_people_type() -> None:
    assert match_form("O’Hara\u00ad  Société\u200b") == match_form("o'hara societe") == "o'hara societe"


def test_the_alias_index_is_built_once_per_list_of_organisations() -> None:
    assert organization_index(KNOWN) is organization_index(list(KNOWN))
    assert organization_index([*KNOWN, "Lumen Bank"]) is not organization_index(KNOWN)


def test_the_org_option_with_other_typing_answers(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "oriflamme.md", {
        "title": "Incident notice (fictional)", "url": "https://oriflamme.example/notice", "date": "2026-01-10",
        "kind": "notice", "organizations": ["Société Oriflamme"]},
        "We have found no evidence that any payment data was taken.")
    ingest(kb, path)

    answer = kb.ask("Was payment data taken?", "societe oriflamme")

    assert answer.organization == "Société Oriflamme" and not answer.abstained


# --- item 11: identical copies are collapsed for ranking, every carrier is counted ---------------

LETTER = ("Fenwick Borough Council is writing to tell you that a spreadsheet of permit holders was sent "
          "to the wrong contractor on 2 March. Your payment card was not affected. We have asked the "
          "contractor to delete the file and they have confirmed that they did.")


@pytest.fixture
def many_copies(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    """29 identical letters (one per ward) among about 300 chunks of other council notices."""
    for n in range(29):
        write(tmp_path, f"letter-{n:02}.md", {
            "title": f"Letter to permit holders, ward {n} (fictional)", "url": f"https://fenwick.example/ward-{n}",
            "date": "2025-03-05", "kind": "notice", "organizations": [FENWICK]}, LETTER)
    for n in range(90):
        write(tmp_path, f"other-{n:03}.md", {
            "title": f"Council notice {n} (fictional)", "url": f"https://fenwick.example/notice-{n}",
            "date": "2025-01-10", "kind": "notice", "organizations": [FENWICK]},
            "\n\n".join(f"Notice {n}, part {p}: the council will resurface road {n * 7 + p} and close lane "
                        f"{p} for {n % 9 + 1} days while the works take place, and residents of the street "
                        f"will get a letter {p + 2} weeks before the lane is closed so that they can move "
                        "their cars, arrange deliveries and tell visitors where to park." for p in range(12)))
    return ingest(kb, tmp_path)


def test_many_copies_of_one_letter_are_one_statement_carried_by_every_copy(many_copies: KnowledgeBase) -> None:
    assert many_copies.counts()["chunks"] >= 290
    answer = many_copies.ask("Did Fenwick say payment cards were affected?")

    letters = [st for st in answer.statements if "spreadsheet of permit holders" in st.text]
    assert len(letters) == 1
    assert letters[0].carriers == 29
    assert len({s.id for s in letters[0].sources}) == 29
    # collapsing keeps room for other notices: the copies do not crowd them out
    assert len({q.source.id for q in answer.quotes}) > 1
    assert len(answer.statements) > 1
    assert_verbatim(many_copies, answer)


def test_carriers_are_shown_in_discord_and_the_cli(many_copies: KnowledgeBase) -> None:
    from bot import render

    answer = many_copies.ask("Did Fenwick say payment cards were affected?")
    embeds = render.render_answer(answer)

    assert any("carried by 29 sources" in f.value for e in embeds for f in e.fields)
    assert "carried by 29 sources" in cli_text(answer)


# --- issue 9 item 15: a source that names several organisations -------------------------------------

def test_a_vendors_words_in_a_source_tagged_with_two_organisations_are_never_the_companys(
        kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "article.md", {
        "title": "Grocer and its hosting firm trade blame (fictional)", "url": "https://daily.example/blame",
        "publisher": "Example Daily", "date": "2025-03-06", "kind": "article",
        "organizations": ["Harborline Market", "Cloudway Hosting"]},
        """
        Harborline Market and its hosting provider Cloudway Hosting gave different accounts of the leak.

        "Our own systems were not breached at any point," a Harborline Market spokesperson said.

        "The misconfigured server belonged to the customer and was managed by them," said Iva Rusk, a spokesperson for Cloudway Hosting.
        """)
    ingest(kb, path)

    for question in ("What did Harborline Market actually say?", "Did Harborline say its systems were breached?"):
        answer = kb.ask(question)
        assert answer.organization == "Harborline Market"
        ours = " ".join(q.text for q in answer.quotes) + " ".join(st.text for st in answer.statements)
        assert "Our own systems were not breached" in ours
        assert "misconfigured server" not in ours
        assert_verbatim(kb, answer)
    vendor = kb.ask("What did Cloudway Hosting say?")
    assert any("misconfigured server" in q.text for q in vendor.quotes)
    assert not any("Our own systems" in q.text for q in vendor.quotes)
    assert all(fold(q.text) != fold("Our own systems were not breached at any point,") for q in vendor.quotes)


def test_more_copies_than_one_fetch_are_all_counted(kb: KnowledgeBase, tmp_path: Path) -> None:
    """100 copies: more than the first fetch holds (identical chunks come back side by side)."""
    for n in range(100):
        write(tmp_path, f"letter-{n:03}.md", {
            "title": f"Letter, ward {n} (fictional)", "url": f"https://fenwick.example/w-{n}",
            "date": "2025-03-05", "kind": "notice", "organizations": [FENWICK]}, LETTER)
    ingest(kb, tmp_path)

    answer = kb.ask("Did Fenwick say payment cards were affected?")

    assert [st.carriers for st in answer.statements] == [100]


def test_finding_an_organisation_among_thousands_is_a_table_lookup() -> None:
    import time

    known = [f"Example Holdings Number {n}" for n in range(5000)] + [FENWICK]
    index = organization_index(known)  # built once for this list
    started = time.perf_counter()
    for _ in range(200):
        assert find_organization("What did Fenwick Borough Council say about the deadline in 2025?", known) == FENWICK
    assert time.perf_counter() - started < 2.0  # a table lookup, not a pattern per alias
    assert index.find("Did Example Holdings Number 4321 say anything?") == "Example Holdings Number 4321"
