"""Rendering answers as embeds: what the reader sees, and Discord's limits never exceeded."""

from __future__ import annotations

import datetime as dt

import discord
import pytest
from bot_fakes import (
    BLOG,
    DAILY,
    DECLINED_TEXT,
    EXPERT_QUOTE,
    NOTICE,
    NOTICE_QUOTE,
    REPORTED_TEXT,
    SPOKESPERSON_QUOTE,
    harborline_answer,
    item,
)

from bot import render
from knowledge.records import Answer, NotDisclosed, SourceRef

QUOTE_MARKS = "“”\"‘’'"


def all_text(embeds: list[discord.Embed]) -> str:
    """Every piece of text a reader sees in the embeds, one part per line."""
    parts: list[str] = []
    for embed in embeds:
        parts += [embed.title or "", embed.description or ""]
        for embed_field in embed.fields:
            parts += [embed_field.name or "", embed_field.value or ""]
        parts.append(embed.footer.text or "")
    return "\n".join(parts)


def assert_within_limits(embeds: list[discord.Embed]) -> None:
    """Every limit of https://discord.com/developers/docs/resources/message#embed-object-embed-limits."""
    assert 1 <= len(embeds) <= 10
    total = 0
    for embed in embeds:
        assert len(embed.title or "") <= 256
        assert len(embed.description or "") <= 4096
        assert len(embed.fields) <= 25
        for embed_field in embed.fields:
            assert 1 <= len(embed_field.name) <= 256
            assert 1 <= len(embed_field.value) <= 1024
        assert len(embed.footer.text or "") <= 2048
        total += len(embed)  # discord.py counts title, description, fields, footer and author
    assert total <= 6000
    for embed in embeds:
        embed.to_dict()  # serialisable as discord.py would send it


def long_source(n: int) -> SourceRef:
    return SourceRef(
        id=f"src-{n}",
        title=f"A very long headline about the Harborline incident, part {n} " + "x" * 300,
        url=f"https://news.example/{n}/" + "path/" * 60,
        publisher="Example Daily " + "y" * 100,
        date=dt.date(2025, 3, 1 + n % 28),
        kind="article",
    )


def huge_answer() -> Answer:
    sources = [long_source(n) for n in range(200)]
    return harborline_answer(
        question="q" * 300,
        organization="Harborline Market " + "z" * 300,
        quotes=[item(f"Quote {n}: " + "We take security seriously. " * 60, sources[n]) for n in range(200)],
        reported=[item("the company said " + "r" * 2000, s, kind="reported") for s in sources[:50]],
        not_disclosed=[NotDisclosed(topic="count", evidence=item("d" * 2000, s, kind="declined", topic="count"))
                       for s in sources[:50]],
        others=[item("o" * 2000, s, speaker="E" * 300, speaker_role="expert") for s in sources[:50]],
        sources=sources,
        dropped_unverified=7,
    )


def test_quotes_show_words_speaker_source_date_and_link() -> None:
    text = all_text(render.render_answer(harborline_answer()))

    assert "What Harborline Market said" in text
    assert f"“{NOTICE_QUOTE}”" in text
    assert "[Email to customers](https://harborline.example/notice) (Harborline Market, 3 Mar 2025)" in text
    assert f"“{SPOKESPERSON_QUOTE}”" in text
    assert "Dana Whitfield, spokesperson" in text


def test_each_organisation_quote_is_its_own_field() -> None:
    embed = render.render_answer(harborline_answer())[0]

    assert embed.fields[0].name == "1. Harborline Market"
    assert embed.fields[0].value.startswith(f"“{NOTICE_QUOTE}”\n— [Email to customers]")
    assert embed.fields[1].name == "2. Dana Whitfield, spokesperson"


def test_second_hand_quotes_name_who_quoted_them() -> None:
    fields = render.render_answer(harborline_answer())[0].fields

    assert "quoted by" not in fields[0].value  # the notice is the organisation's own document
    assert fields[1].value.endswith("· quoted by Example Daily")


def test_reported_speech_is_labelled_and_never_in_quotation_marks() -> None:
    text = all_text(render.render_answer(harborline_answer()))

    assert f"reported: {REPORTED_TEXT} —" in text
    start = text.index(REPORTED_TEXT)
    assert text[start - 1] not in QUOTE_MARKS
    assert text[start + len(REPORTED_TEXT)] not in QUOTE_MARKS


def test_not_disclosed_shows_topic_and_the_reporters_words_unquoted() -> None:
    fields = {f.name: f.value for f in render.render_answer(harborline_answer())[0].fields}

    assert fields["Not disclosed"].startswith(f"• count: {DECLINED_TEXT} — [")
    assert f"“{DECLINED_TEXT}" not in fields["Not disclosed"]


def test_others_are_listed_apart_with_their_own_attribution() -> None:
    fields = {f.name: f.value for f in render.render_answer(harborline_answer())[0].fields}

    expected = f"• Rui Okafor, expert: “{EXPERT_QUOTE}” — [{BLOG.title}]"
    assert fields["Others quoted"].startswith(expected)
    assert all(EXPERT_QUOTE not in value for name, value in fields.items() if name != "Others quoted")


def test_sources_are_listed_with_links() -> None:
    fields = {f.name: f.value for f in render.render_answer(harborline_answer())[0].fields}

    assert f"[{DAILY.title}]({DAILY.url}) — Example Daily, 4 Mar 2025 · article" in fields["Sources"]
    assert fields["Sources"].count("\n") == 3


def test_summary_counts_what_the_answer_holds() -> None:
    description = render.render_answer(harborline_answer())[0].description

    assert "Did Harborline say how many customers were affected?" in description
    assert "2 quotes · 1 reported · 1 not disclosed · 1 other speaker quoted · 4 sources" in description


def test_abstained_answer_says_so_plainly_and_lists_closest_sources() -> None:
    answer = harborline_answer(quotes=[], reported=[], others=[], not_disclosed=[], abstained=True)

    embeds = render.render_answer(answer)

    assert len(embeds) == 1
    embed = embeds[0]
    assert embed.title == "No supported answer"
    assert "Nothing in the index supports an answer about Harborline Market." in embed.description
    assert [f.name for f in embed.fields] == ["Closest sources"]
    assert f"[{NOTICE.title}]({NOTICE.url})" in embed.fields[0].value
    assert "“" not in all_text(embeds)
    assert_within_limits(embeds)


def test_answer_without_quotes_says_none_was_found() -> None:
    answer = harborline_answer(quotes=[])

    description = render.render_answer(answer)[0].description

    assert "No verbatim quote from Harborline Market was found in the index." in description


@pytest.mark.parametrize(
    "answer",
    [
        harborline_answer(),
        harborline_answer(organization=None),
        harborline_answer(abstained=True, quotes=[], sources=[long_source(n) for n in range(100)]),
        harborline_answer(abstained=True, quotes=[], sources=[], reason="r" * 5000),
        huge_answer(),
    ],
    ids=["normal", "no-organisation", "abstained-many-sources", "abstained-long-reason", "huge"],
)
def test_every_limit_is_respected(answer: Answer) -> None:
    assert_within_limits(render.render_answer(answer))


def test_huge_answer_fits_and_counts_what_was_dropped() -> None:
    embeds = render.render_answer(huge_answer())

    assert_within_limits(embeds)
    footer = embeds[-1].footer.text
    assert "more quotes" in footer
    assert "more sources" in footer
    assert "7 unverified quote(s) withheld" in footer
    shown = sum(1 for e in embeds for f in e.fields if f.value.startswith("“"))
    assert shown >= 1
    assert f"+{200 - shown} more quotes" in footer


def test_a_long_quote_is_cut_with_an_ellipsis_inside_the_quotation_marks() -> None:
    answer = harborline_answer(quotes=[item("We acted quickly. " * 200, NOTICE)])

    value = render.render_answer(answer)[0].fields[0].value

    assert value.startswith("“We acted quickly.")
    assert "…”\n— " in value
    assert len(value) <= 1024


def test_markdown_in_quotes_is_escaped_so_it_shows_verbatim() -> None:
    answer = harborline_answer(quotes=[item("We have *not* seen _any_ misuse of ~data~ | `code`", NOTICE)])

    value = render.render_answer(answer)[0].fields[0].value

    assert r"We have \*not\* seen \_any\_ misuse of \~data\~ \| \`code\`" in value


def test_mention_syntax_in_quotes_shows_as_text() -> None:
    answer = harborline_answer(quotes=[item("Contact <@123> or <#456> or <@&789> @everyone", NOTICE)])

    value = render.render_answer(answer)[0].fields[0].value

    assert r"Contact \<@123> or \<#456> or \<@&789> @everyone" in value


def test_odd_source_urls_never_break_the_link() -> None:
    parens = SourceRef(id="p", title="A [bracketed] title", url="https://x.example/a (b)", kind="article")
    local = SourceRef(id="l", title="Local file", url="file:///etc/passwd", kind="notice")
    answer = harborline_answer(quotes=[item("One.", parens), item("Two.", local)], sources=[parens, local])

    fields = render.render_answer(answer)[0].fields

    assert r"[A \[bracketed\] title](https://x.example/a%20%28b%29)" in fields[0].value
    assert "file://" not in all_text(render.render_answer(answer))
    assert "— Local file" in fields[1].value


@pytest.mark.parametrize(
    ("raw", "limit"),
    [
        ("plain words " * 50, 100),
        ("*_~|`" * 100, 50),
        ("a*b " * 100, 17),
        ("<@1> " * 100, 33),
        ("short", 100),
        ("exactly ten", 11),
        ("anything", 1),
        ("anything", 0),
    ],
)
def test_fit_never_exceeds_its_limit(raw: str, limit: int) -> None:
    text = render.fit(raw, limit)

    assert len(text) <= limit
    if render.escape(raw) != text and limit > 1:
        assert text.endswith("…")
        assert not text[:-1].endswith("\\") or text[:-1].endswith("\\\\")


def test_error_line_is_one_short_line() -> None:
    line = render.error_line("The question is empty\n\n   or too   long " + "x" * 1000)

    assert "\n" not in line
    assert line.startswith("The question is empty or too long")
    assert len(line) <= 300


@pytest.mark.parametrize(("message", "expected"), [
    ("no source has id 'src_0' ; run 'disclosure-bot sources' to list them", "run /sources to list them"),
    ("no feed has id or URL 'x'; run 'disclosure-bot feeds list' to list them", "run /feeds list to list"),
    ("a web page, not a feed; ingest it with 'disclosure-bot ingest https://x.example/a'", "with /ingest"),
])
def test_a_command_line_hint_becomes_the_slash_command(message: str, expected: str) -> None:
    line = render.error_line(message)
    assert expected in line and "disclosure-bot" not in line
