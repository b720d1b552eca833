"""Feed documents into entries (knowledge.feeds.parsing): RSS 2.0, Atom, odd dates, non-feeds and
malformed XML. Fictional feeds about Harborline Market only."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.errors import FeedError
from knowledge.feeds import parse_feed, parse_loose_date

BASE = "https://news.harborline.example/feed.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Harborline Market newsroom</title><link>https://news.harborline.example/</link>
<item><title>Order history notice</title><link>https://news.harborline.example/notice</link>
  <guid isPermaLink="false">hm-notice-1</guid><pubDate>Mon, 30 Nov 2026 14:05:00 GMT</pubDate>
  <description>Harborline Market wrote to customers.</description></item>
<item><title>Update on the incident</title><link>/update</link>
  <pubDate>30/11/2026 16:40</pubDate></item>
<item><title>No link at all</title><description>nothing to fetch</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Harborline Market — statements</title>
<id>urn:harborline:statements</id><updated>2026-11-30T10:00:00Z</updated>
<entry><title>Statement on order history</title><id>urn:harborline:s1</id>
  <link rel="alternate" href="https://harborline.example/statements/s1"/>
  <link rel="enclosure" href="https://harborline.example/s1.mp3"/>
  <published>2026-11-28T09:00:00+01:00</published><updated>2026-11-29T10:00:00Z</updated></entry>
<entry><title>Second statement</title><id>urn:harborline:s2</id>
  <link href="https://harborline.example/statements/s2"/><updated>Nov 30 2026</updated></entry>
</feed>""".encode()


def test_rss_20_entries_with_keys_links_and_dates() -> None:
    feed = parse_feed(RSS, BASE, "application/rss+xml")

    assert feed.version == "rss20"
    assert feed.title == "Harborline Market newsroom"
    assert [(e.key, e.link, e.title, e.date) for e in feed.entries] == [
        ("hm-notice-1", "https://news.harborline.example/notice", "Order history notice", dt.date(2026, 11, 30)),
        # no guid: the link is the key; a relative link is resolved against the feed's URL;
        # "30/11/2026 16:40" is not a date feedparser reads
        ("https://news.harborline.example/update", "https://news.harborline.example/update",
         "Update on the incident", dt.date(2026, 11, 30)),
    ]
    assert feed.skipped == 1


def test_atom_entries_take_the_alternate_link_and_the_publication_date() -> None:
    feed = parse_feed(ATOM, BASE, "application/atom+xml")

    assert feed.version == "atom10"
    assert feed.title == "Harborline Market — statements"
    first, second = feed.entries
    assert (first.key, first.link, first.date) == ("urn:harborline:s1", "https://harborline.example/statements/s1",
                                                   dt.date(2026, 11, 28))
    assert (second.link, second.date) == ("https://harborline.example/statements/s2", dt.date(2026, 11, 30))


def test_a_changed_entry_changes_its_fingerprint_and_an_unchanged_one_keeps_it() -> None:
    before = {e.key: e.fingerprint for e in parse_feed(ATOM, BASE).entries}
    edited = ATOM.replace(b"2026-11-29T10:00:00Z</updated></entry>", b"2026-12-01T08:00:00Z</updated></entry>")
    after = {e.key: e.fingerprint for e in parse_feed(edited, BASE).entries}

    assert before["urn:harborline:s1"] != after["urn:harborline:s1"]
    assert before["urn:harborline:s2"] == after["urn:harborline:s2"]
    retitled = RSS.replace(b"Order history notice", b"Order history notice (corrected)")
    assert parse_feed(retitled, BASE).entries[0].fingerprint != parse_feed(RSS, BASE).entries[0].fingerprint


@pytest.mark.parametrize(("text", "expected"), [
    ("30/11/2026 14:05", dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)),
    ("11/30/2026", dt.datetime(2026, 11, 30, tzinfo=dt.UTC)),  # cannot be day first
    ("01/02/2026", dt.datetime(2026, 2, 1, tzinfo=dt.UTC)),  # ambiguous: day first
    ("Nov 30 2026", dt.datetime(2026, 11, 30, tzinfo=dt.UTC)),
    ("November 30th, 2026 at 14:05", dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)),
    ("30 November 2026", dt.datetime(2026, 11, 30, tzinfo=dt.UTC)),
    ("30.11.2026 14:05 UTC", dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)),
    ("Mon, 30 Nov 2026 15:05:00 +0100", dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)),
    ("2026-11-30", dt.datetime(2026, 11, 30, tzinfo=dt.UTC)),
    ("yesterday", None),
    ("", None),
    (None, None),
])
def test_loose_dates(text: str | None, expected: dt.datetime | None) -> None:
    assert parse_loose_date(text) == expected


def test_an_html_page_is_not_a_feed() -> None:
    page = b"<!doctype html><html><head><title>Harborline</title></head><body><p>Hello</p></body></html>"
    with pytest.raises(FeedError, match="not an RSS or Atom feed") as caught:
        parse_feed(page, BASE, "text/html")
    assert caught.value.path == BASE


def test_malformed_xml_is_a_clear_error_with_its_position() -> None:
    broken = RSS.replace(b"<title>Update on the incident</title>", b"<title>Update & incident</title>")
    with pytest.raises(FeedError, match=r"malformed feed: .* at line 7, column \d+"):
        parse_feed(broken, BASE)


def test_a_charset_from_the_headers_is_honoured() -> None:
    latin = RSS.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"').replace(
        b"Order history notice", "Notice de l'historique des commandes é".encode("latin-1"))
    feed = parse_feed(latin, BASE, "application/rss+xml; charset=iso-8859-1")
    assert feed.entries[0].title.endswith("é")
