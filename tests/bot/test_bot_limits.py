"""Property-based tests of :mod:`bot.limits`: any embeds and content fit every Discord limit, and text
is either shown whole or cut to a verbatim prefix ending in "…"."""

from __future__ import annotations

import os
import re

import discord
import pytest
from bot_fakes import NOTICE, harborline_answer, item
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import limits, render
from knowledge.records import Answer

#: Characters that break naive cutting or rendering: combining marks, emoji and their joiners,
#: right-to-left text and marks, zero-width characters, Markdown, mention syntax.
TRICKY = st.sampled_from([
    "e\u0301", "\u0915\u094d\u0937", "👩\u200d💻", "🇫🇷", "1\ufe0f\u20e3", "\u05e9\u05dc\u05d5\u05dd", "\u202e", "\u200f",
    "\u200b", "\u00ad", "\u2060", "*", "_", "~", "`", "|", ">", "\\", "[", "]", "(", ")", "<@123>", "<#45>",
    "<@&6>", "@everyone", "@here", "<t:1:R>", "\n", " ", "“", "”", "a", "Z", "9", "𝔘",
])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=400).map("".join)
HUGE = st.one_of(TEXT, st.builds(lambda part, n: part * n, TEXT, st.integers(1, 40)))
UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
QUICK = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_message_within_limits(message: limits.Message) -> None:
    assert message.content or message.embeds
    assert limits.discord_len(message.content or "") <= limits.CONTENT_MAX
    assert len(message.embeds) <= limits.EMBEDS_PER_MESSAGE
    total = 0
    for embed in message.embeds:
        data = embed.to_dict()
        assert limits.discord_len(data.get("title", "")) <= limits.TITLE_MAX
        assert limits.discord_len(data.get("description", "")) <= limits.DESCRIPTION_MAX
        assert len(data.get("fields", [])) <= limits.FIELDS_PER_EMBED
        for f in data.get("fields", []):
            assert 1 <= limits.discord_len(f["name"]) <= limits.FIELD_NAME_MAX
            assert 1 <= limits.discord_len(f["value"]) <= limits.FIELD_VALUE_MAX
        assert limits.discord_len(data.get("footer", {}).get("text", "")) <= limits.FOOTER_MAX
        assert limits.discord_len(data.get("author", {}).get("name", "")) <= limits.AUTHOR_MAX
        total += len(embed) + sum(1 for t in _texts(data) for c in t if ord(c) > 0xFFFF)
    assert total <= limits.TOTAL_CHARS_MAX


def _texts(data: dict) -> list[str]:
    texts = [data.get("title", ""), data.get("description", ""), data.get("footer", {}).get("text", ""),
             data.get("author", {}).get("name", "")]
    return texts + [t for f in data.get("fields", []) for t in (f["name"], f["value"])]


def assert_whole_or_cut(shown: str, given_text: str) -> None:
    """``shown`` is ``given_text``, or a prefix of it (trailing spaces dropped) followed by "…"."""
    if shown == given_text:
        return
    assert shown.endswith(limits.ELLIPSIS), (shown, given_text)
    prefix = shown[: -len(limits.ELLIPSIS)]
    assert given_text.startswith(prefix)
    trailing = len(prefix) - len(prefix.rstrip("\\"))
    assert trailing % 2 == 0, "a cut left a backslash that escapes the ellipsis"
    rest = given_text[len(prefix):]
    if rest:  # the cut split no combining sequence or joined emoji
        assert not limits._binds_to_previous(rest[0]) and not prefix.endswith("\u200d")


@QUICK
@given(text=HUGE, limit=st.integers(0, 5000))
def test_cut_fits_and_keeps_a_verbatim_prefix(text: str, limit: int) -> None:
    shown = limits.cut(text, limit)

    assert limits.discord_len(shown) <= limit
    if limit >= 1:
        assert_whole_or_cut(shown, text)


@st.composite
def embeds(draw: st.DrawFn) -> discord.Embed:
    embed = discord.Embed(title=draw(HUGE) or None, description=draw(HUGE) or None, colour=0x123456)
    for _ in range(draw(st.integers(0, 40))):
        embed.add_field(name=draw(TEXT), value=draw(HUGE), inline=draw(st.booleans()))
    if draw(st.booleans()):
        embed.set_footer(text=draw(HUGE))
    if draw(st.booleans()):
        embed.set_author(name=draw(HUGE))
    return embed


@QUICK
@given(given_embeds=st.lists(embeds(), max_size=14), content=st.one_of(st.none(), HUGE))
def test_any_embeds_and_content_fit_in_messages_that_keep_every_limit(
    given_embeds: list[discord.Embed], content: str | None
) -> None:
    if not given_embeds and not (content or "").strip():
        with pytest.raises(ValueError, match="nothing to send"):
            limits.fit_messages(given_embeds, content)
        return
    messages = limits.fit_messages(given_embeds, content)

    assert messages
    for message in messages:
        assert_message_within_limits(message)
        for embed in message.embeds:
            embed.to_dict()
    # nothing is lost but what a too-long text loses to "…": every field arrives, in order
    given_fields = [(f.name, f.value) for e in given_embeds for f in e.fields]
    sent_fields = [(f.name, f.value) for m in messages for e in m.embeds for f in e.fields]
    assert len(sent_fields) == len(given_fields)
    for (name, value), (sent_name, sent_value) in zip(given_fields, sent_fields, strict=True):
        assert_whole_or_cut(sent_name, name or "") if sent_name != limits.BLANK else None
        assert_whole_or_cut(sent_value, value or "") if sent_value != limits.BLANK else None
    sent_content = "".join(m.content or "" for m in messages)
    assert "".join((content or "").split()) == "".join(sent_content.split())


@QUICK
@given(quotes=st.lists(HUGE.filter(str.strip), min_size=1, max_size=12), org=TEXT, question=HUGE)
def test_any_answer_renders_within_limits_with_quotes_verbatim_or_cut(quotes: list[str], org: str,
                                                                    question: str) -> None:
    answer: Answer = harborline_answer(question=question or "q", organization=org.strip() or None,
                                       quotes=[item(q, NOTICE) for q in quotes], statements=[])

    for page in render.answer_pages(answer):
        assert_message_within_limits(limits.Message(embeds=page))
        for embed in page:
            for f in embed.fields:
                if not f.value.startswith(render.OPEN_QUOTE) or "”\n— " not in f.value:
                    continue
                shown = f.value[1: f.value.index("”\n— ")]
                number = int(f.name.split(".", 1)[0])
                raw = quotes[number - 1]
                assert not re.search(r"(?<!\\)<[@#]", shown)  # mention syntax always escaped
                for piece in shown.split(limits.ELLIPSIS):  # each piece is verbatim once unescaped
                    assert UNESCAPE.sub(r"\1", piece).strip() in raw


def test_an_emoji_counts_two_and_a_cut_never_splits_a_joined_emoji() -> None:
    assert limits.discord_len("👩\u200d💻") == 5
    assert limits.cut("👩\u200d💻👩\u200d💻", 7) == "👩\u200d💻…"
    assert limits.cut("e\u0301" * 10, 6) == "e\u0301e\u0301…"


def test_a_cut_never_leaves_an_escape_open() -> None:
    assert limits.cut(r"ab\*cd", 4) == "ab…"
    assert limits.cut(r"ab\\cd", 5) == "ab\\\\…"
