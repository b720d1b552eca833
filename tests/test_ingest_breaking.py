"""Breaking the ingestion of issue 8 as a user would: URLs typed with another scheme, tracking
parameters, feeds added twice under another spelling, pages with no text, Ctrl-C, refusals' wording.
Every case here failed before its fix; pages are served from 127.0.0.1 (tests/web_server.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import FakeEmbedder, settings_for
from web_server import WebServer

from knowledge.errors import FeedError, RefusedURLError
from knowledge.feeds.manager import FeedManager
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase, open_knowledge_base, source_id_for
from knowledge.web import guard
from knowledge.web.extract import without_tracking
from knowledge.web.fetch import FetchLimits

LOCAL = FetchLimits(allow_private=True)
Run = Callable[..., tuple[int, str, str]]

PAGE = ("<html><head><title>Quillmere update</title></head><body><article><h1>Quillmere update</h1>"
        "<p>Quillmere Savings said that it has written to all 41,200 affected members this week.</p>"
        "<p>“We are sorry for the worry this causes,” the society said.</p></article></body></html>")
RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Quillmere news</title>
<link>http://quillmere.example/</link><description>News</description>
<item><title>Update</title><link>/update</link><guid isPermaLink="false">u1</guid></item>
</channel></rss>"""


@pytest.fixture
def private_ok(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KB_ALLOW_PRIVATE_URLS", "true")
    yield


# --- the command line ----------------------------------------------------------------------------

@pytest.mark.parametrize("url, scheme", [("file:///etc/passwd", "file"), ("ftp://127.0.0.1/notice.html", "ftp"),
                                         ("FILE:///tmp/x.html", "file")])
def test_a_url_with_another_scheme_is_refused_as_a_url_not_read_as_a_path(run: Run, url: str, scheme: str) -> None:
    code, _, err = run("ingest", url)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"not {scheme!r}" in lines[0] and "only http and https" in lines[0]
    assert "no such file" not in err and url.lower() in lines[0].lower()


def test_ctrl_c_during_an_ingest_is_one_line_and_exit_130(run: Run, monkeypatch: pytest.MonkeyPatch,
                                                         web_server: WebServer, private_ok: None) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(KnowledgeBase, "ingest_urls", interrupted)
    code, _, err = run("ingest", web_server.add("/update", PAGE))
    assert code == 130
    assert err.strip().count("\n") == 0 and "interrupted" in err and "Traceback" not in err
    _, listing, _ = run("sources", "--json")
    assert listing.strip() == "[]"


# --- pages ---------------------------------------------------------------------------------------

def test_an_empty_page_fails_without_the_extractor_logging_errors(kb: KnowledgeBase, web_server: WebServer,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    urls = [web_server.add("/empty", ""), web_server.add("/blank", "   \n"),
            web_server.add("/bare", "<html><body></body></html>")]
    report, errors = kb.ingest_urls(urls, limits=LOCAL)
    assert report.added == [] and len(errors) == 3 and all("no main text" in e.reason for e in errors)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("trafilatura")] == []
    assert kb.sources() == []


def test_tracking_parameters_do_not_make_another_source(kb: KnowledgeBase, web_server: WebServer) -> None:
    plain = web_server.add("/update", PAGE)
    tracked = plain + "?utm_source=rss&utm_medium=feed&fbclid=abc123"
    report, errors = kb.ingest_urls([tracked], SourceMeta(organizations=["Quillmere Savings"]), limits=LOCAL)
    assert errors == [] and report.added == [source_id_for(plain)]
    assert kb.catalog.get(source_id_for(plain)).url == plain
    report, errors = kb.ingest_urls([plain], limits=LOCAL)
    assert errors == [] and report.unchanged == [source_id_for(plain)] and len(kb.sources()) == 1
    # gone is found under either spelling
    web_server.add("/update", "", status=410)
    report, _ = kb.ingest_urls([tracked], limits=LOCAL)
    assert report.gone == [source_id_for(plain)]


def test_other_query_parameters_still_name_other_pages() -> None:
    assert without_tracking("https://q.example/a?id=5&utm_campaign=x#top") == "https://q.example/a?id=5#top"
    assert without_tracking("https://q.example/a?id=5&id=6") == "https://q.example/a?id=5&id=6"
    assert without_tracking("https://q.example/a?utm_source=x") == "https://q.example/a"
    assert without_tracking("https://q.example/a?ref=home&gclid=1&mc_eid=2") == "https://q.example/a?ref=home"


# --- feeds ---------------------------------------------------------------------------------------

def test_a_feed_added_again_under_another_spelling_is_the_same_feed(tmp_path: Path, web_server: WebServer) -> None:
    url = web_server.add("/feed.xml", RSS, content_type="application/rss+xml")
    manager = FeedManager(tmp_path / "feeds.sqlite3", LOCAL)
    try:
        first = manager.add(url, "statement", "Quillmere Savings")
        again = manager.add(url.replace("http://", "HTTP://") + "#latest", "statement", "Quillmere Savings")
        assert again.id == first.id and [f.id for f in manager.feeds()] == [first.id]
        assert manager.remove(url.replace("http://", "Http://") + "#x").id == first.id
        assert manager.feeds() == []
    finally:
        manager.close()


# --- the guard's wording -------------------------------------------------------------------------

@pytest.mark.parametrize("url, wanted, unwanted", [
    ("http://0.0.0.0/", "is an unspecified address", "a unspecified"),
    ("http://[::ffff:127.0.0.1]/", "127.0.0.1", "(inside ::ffff:7f00:1) address"),
    ("www.quillmere.example/notice", "http:// or https://", "a bare name"),
])
def test_refusals_read_well(url: str, wanted: str, unwanted: str) -> None:
    with pytest.raises(RefusedURLError) as info:
        guard.check_url(url)
    assert wanted in str(info.value) and unwanted not in str(info.value)



# --- content types -------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["application/octet-stream", "binary/octet-stream",
                                          "application/x-download"])
def test_a_pdf_served_as_a_download_is_read_as_a_pdf(kb: KnowledgeBase, web_server: WebServer,
                                                      content_type: str) -> None:
    from pdf_factory import letter

    pdf = letter([["Quillmere Savings", "", "We have written to every affected member."],
                  ["We are sorry for the worry this causes."]], title="Letter to members")
    url = web_server.add("/files/letter", pdf, content_type=content_type)
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert errors == [] and report.added == [source_id_for(url)]
    assert kb.catalog.get(source_id_for(url)).pages  # read as a PDF, page by page


def test_other_bytes_served_as_a_download_are_still_refused(kb: KnowledgeBase, web_server: WebServer) -> None:
    url = web_server.add("/files/page", PAGE, content_type="application/octet-stream")
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert report.added == [] and [e.reason for e in errors] == [
        "content type application/octet-stream is not read (HTML, PDF, plain text, RSS/Atom only)"]


@pytest.fixture
def local_kb(data_dir: Path) -> Iterator[KnowledgeBase]:
    """A knowledge base (fake embedder) whose fetches and feeds may reach 127.0.0.1."""
    settings = settings_for(data_dir).model_copy(update={"allow_private_urls": True})
    knowledge_base = open_knowledge_base(settings, embedder=FakeEmbedder())
    yield knowledge_base
    knowledge_base.close()


def test_two_entries_linking_one_page_are_both_seen_after_one_poll(local_kb: KnowledgeBase,
                                                                   web_server: WebServer) -> None:
    kb = local_kb
    page_url = web_server.add("/update", PAGE)
    twice = RSS.replace("</channel>", '<item><title>Update (again)</title><link>/update</link>'
                                      '<guid isPermaLink="false">u1-bis</guid></item></channel>')
    feed_url = web_server.add("/feed.xml", twice, content_type="application/rss+xml")
    kb.add_feed(feed_url, "statement", "Quillmere Savings")
    first = kb.poll_feeds()
    assert first.feeds[0].new == [page_url] and first.report.added == [source_id_for(page_url)]
    again = kb.poll_feeds(force=True)
    assert again.feeds[0].new == [] and again.feeds[0].unchanged == 2 and web_server.hits("/update") == 1


def test_a_web_page_given_as_a_feed_names_its_feed(local_kb: KnowledgeBase, web_server: WebServer) -> None:
    kb = local_kb
    web_server.add("/feed.xml", RSS, content_type="application/rss+xml")
    newsroom = web_server.add("/news", '<html><head><link rel="alternate" type="application/rss+xml" '
                                       'title="News" href="/feed.xml"></head><body><p>News</p></body></html>')
    with pytest.raises(FeedError) as info:
        kb.add_feed(newsroom)
    assert "a web page, not an RSS or Atom feed" in info.value.reason
    assert web_server.url("/feed.xml") in info.value.reason and kb.feeds() == []
    bare = web_server.add("/about", "<html><body><p>About Quillmere Savings</p></body></html>")
    with pytest.raises(FeedError, match="a web page, not an RSS or Atom feed; ingest it with 'disclosure-bot ingest"):
        kb.add_feed(bare)


def test_a_canonical_link_to_the_home_page_does_not_merge_every_article(kb: KnowledgeBase,
                                                                         web_server: WebServer) -> None:
    """A site whose every page says ``rel=canonical`` = its home page (a common misconfiguration)
    must not make each article replace the last one as one source."""
    def article(n: int) -> str:
        return PAGE.replace("<head>", f'<head><link rel="canonical" href="{web_server.url("/")}">').replace(
            "41,200", f"{n},000")

    urls = [web_server.add(f"/news/{n}", article(n)) for n in (1, 2)]
    report, errors = kb.ingest_urls(urls, limits=LOCAL)
    assert errors == [] and sorted(report.added) == sorted(source_id_for(u) for u in urls)
    assert len(kb.sources()) == 2
    # an AMP page's canonical (another page of the site, not its root) still names the source
    amp = web_server.add("/amp/news/1", PAGE.replace("<head>", f'<head><link rel="canonical" href="{urls[0]}">'))
    report, _ = kb.ingest_urls([amp], limits=LOCAL)
    assert report.updated == [source_id_for(urls[0])] and len(kb.sources()) == 2


def test_a_page_that_now_redirects_to_the_home_page_is_gone(kb: KnowledgeBase, web_server: WebServer) -> None:
    """A removed article that redirects to the site's home page (a "soft 404") marks its source gone
    and does not index the home page in its place."""
    url = web_server.add("/news/1", PAGE)
    assert kb.ingest_urls([url], limits=LOCAL)[0].added == [source_id_for(url)]
    web_server.add("/", PAGE.replace("Quillmere update", "Quillmere Savings home").replace("41,200", "all"))
    web_server.redirect("/news/1", "/", status=301)
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert report.added == [] and report.gone == [source_id_for(url)]
    assert [type(e).__name__ for e in errors] == ["GoneError"] and "home page" in errors[0].reason
    assert [s.id for s in kb.sources()] == [source_id_for(url)] and kb.catalog.get(source_id_for(url)).gone
    # the home page itself, asked for (or as /index.html redirected to /), is still read
    assert kb.ingest_urls([web_server.url("/")], limits=LOCAL)[0].added == [source_id_for(web_server.url("/"))]
    web_server.redirect("/index.html", "/", status=301)
    report, errors = kb.ingest_urls([web_server.url("/index.html")], limits=LOCAL)
    assert errors == [] and report.unchanged == [source_id_for(web_server.url("/"))]


# --- e-mail --------------------------------------------------------------------------------------

def test_an_unknown_charset_is_warned_about_once(caplog: pytest.LogCaptureFixture) -> None:
    from knowledge.loaders.email import email_document

    caplog.set_level(logging.WARNING)
    doc = email_document(b"From: care@quillmere.example\nSubject: Update\nContent-Type: text/plain; "
                         b"charset=x-unknown-8bit\n\nWe have told the regulator \x93everything\x94 we know.\n",
                         "/tmp/update.eml")
    assert doc.text == "We have told the regulator “everything” we know."
    assert [r.getMessage() for r in caplog.records].count(
        "/tmp/update.eml: unknown charset 'x-unknown-8bit'; reading the body as UTF-8 or Windows-1252") == 1


# --- malformed URLs ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://[::1", "http://a..b/", "http://" + "a" * 300 + ".example/", "http://xn--/",
                                 "http://\N{DUCK}.example/", "http://127.0.0.1/" + "x" * 70000])
def test_a_malformed_url_is_one_failure_not_a_crash(kb: KnowledgeBase, web_server: WebServer, url: str) -> None:
    good = web_server.add("/update", PAGE)
    report, errors = kb.ingest_urls([url, good], limits=LOCAL)
    assert report.added == [source_id_for(good)]  # the list goes on
    assert len(errors) == 1 and "\n" not in str(errors[0]) and errors[0].reason


def test_a_url_written_with_or_without_percent_escapes_is_one_source(kb: KnowledgeBase, web_server: WebServer
                                                                    ) -> None:
    web_server.add("/avis", PAGE)
    typed, escaped = web_server.url("/avis?lang=fr&titre=d\u00e9claration"), web_server.url(
        "/avis?lang=fr&titre=d%C3%A9claration")
    report, errors = kb.ingest_urls([typed], limits=LOCAL)
    assert errors == [] and report.added == [source_id_for(escaped)]
    report, errors = kb.ingest_urls([escaped], limits=LOCAL)
    assert errors == [] and report.unchanged == [source_id_for(escaped)] and len(kb.sources()) == 1


def test_a_feed_served_as_a_web_page_given_to_ingest_points_to_feeds_add(kb: KnowledgeBase,
                                                                         web_server: WebServer) -> None:
    url = web_server.add("/news/feed", RSS)  # an RSS document sent as text/html
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert report.added == [] and len(errors) == 1
    assert "is a feed" in errors[0].reason and f"disclosure-bot feeds add {url}" in errors[0].reason


def test_feeds_poll_totals_count_the_failed_entries_it_exits_1_for(run: Run, web_server: WebServer,
                                                                   private_ok: None) -> None:
    web_server.add("/update", PAGE)
    broken = RSS.replace("</channel>", '<item><title>Gone</title><link>/removed</link>'
                                       '<guid isPermaLink="false">u2</guid></item></channel>')
    assert run("feeds", "add", web_server.add("/feed.xml", broken, content_type="application/rss+xml"))[0] == 0
    code, out, _ = run("feeds", "poll")
    assert code == 1
    assert out.strip().splitlines()[-1].startswith("1 feeds (0 failed, 1 failed entry); sources: 1 added")


def test_the_ingest_summary_is_one_line_when_piped(run: Run, web_server: WebServer, private_ok: None) -> None:
    urls = [web_server.add(f"/update/{n}", PAGE.replace("41,200", f"{n},000")) for n in range(3)]
    code, out, _ = run("ingest", *urls, "--org", "Quillmere Savings with a long organisation name")
    assert code == 0
    summary = next(line for line in out.splitlines() if line.startswith("3 added"))
    assert summary.endswith("attributions")  # not wrapped at the 80 columns of a non-terminal


def test_a_windows_1252_page_labelled_utf_8_keeps_its_curly_quotes(kb: KnowledgeBase, web_server: WebServer) -> None:
    """A page whose server says ``charset=utf-8`` over windows-1252 bytes (a common misconfiguration)
    is read as windows-1252: its “…” stay quotes, and are attributed."""
    body = ("<html><head><title>Update</title></head><body><article><h1>Update</h1><p>\u201cWe\u2019re sorry "
            "for the worry this causes,\u201d said Priya Vandermolen of Quillmere Savings. The soci\u00e9t\u00e9 "
            "said members\u2019 money is safe.</p></article></body></html>").encode("cp1252")
    url = web_server.add("/update", body, content_type="text/html; charset=utf-8")
    _, errors = kb.ingest_urls([url], SourceMeta(organizations=["Quillmere Savings"]), limits=LOCAL)
    assert errors == []
    source = kb.catalog.get(source_id_for(url))
    assert "\ufffd" not in source.text and "société said members’ money" in source.text
    quotes = [a.text for a in kb.catalog.attributions([source.id])[source.id] if a.kind == "quote"]
    assert "We’re sorry for the worry this causes," in quotes


def test_a_malformed_feed_url_is_one_line(run: Run) -> None:
    for argv in (("feeds", "add", "http://[::1"), ("feeds", "remove", "http://[::1")):
        code, _, err = run(*argv)
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err


def test_an_emails_attachments_are_listed_by_the_ingest(run: Run, tmp_path: Path) -> None:
    mail = tmp_path / "notice.eml"
    mail.write_bytes(b"""From: Quillmere Savings <care@quillmere.example>
Subject: =?utf-8?q?Your_data_=E2=80=94_what_we_know?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain; charset=utf-8

We are writing to tell you that your name and address were on a server accessed without permission.
--B
Content-Type: application/pdf; name="faq.pdf"
Content-Disposition: attachment; filename="faq.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--B--
""")
    code, out, _ = run("ingest", str(mail), "--org", "Quillmere Savings")
    assert code == 0
    assert f"not indexed: the attachments of {mail.resolve()}: faq.pdf (application/pdf)" in out.splitlines()
    _, again, _ = run("ingest", str(mail), "--json")
    assert json.loads(again)["attachments"] == [f"{mail.resolve()}: faq.pdf (application/pdf)"]


def test_a_canonical_link_is_written_as_the_fetcher_writes_urls(kb: KnowledgeBase, web_server: WebServer) -> None:
    escaped = web_server.url("/avis?titre=d%C3%A9claration")
    typed = escaped.replace("%C3%A9", "\u00e9")
    web_server.add("/avis", PAGE)
    amp = web_server.add("/amp/avis", PAGE.replace("<head>", f'<head><link rel="canonical" href="{typed}">'))
    report, errors = kb.ingest_urls([amp], limits=LOCAL)
    assert errors == [] and report.added == [source_id_for(escaped)]
    report, errors = kb.ingest_urls([escaped], limits=LOCAL)
    assert errors == [] and report.unchanged == [source_id_for(escaped)] and len(kb.sources()) == 1


def test_forget_takes_the_url_as_the_browser_shows_it(kb: KnowledgeBase, web_server: WebServer) -> None:
    url = web_server.add("/update", PAGE)
    kb.ingest_urls([url], limits=LOCAL)
    shown = url.replace("http://", "HTTP://") + "?utm_source=newsletter&utm_medium=email#top"
    assert kb.forget(shown).id == source_id_for(url) and kb.sources() == []
