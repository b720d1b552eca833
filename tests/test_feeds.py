"""RSS/Atom feeds (issue 8): add, list, remove and poll, against a local server on 127.0.0.1.

Fictional feeds and pages about Harborline Market only; the fake embedder from ``conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES_DIR, FakeEmbedder, settings_for
from web_server import Reply, Request, WebServer

from knowledge.errors import FeedError, FeedNotFoundError
from knowledge.feeds import FeedOutcome, FeedPollResult
from knowledge.service import HOOK_ENV, KnowledgeBase, open_knowledge_base
from knowledge.web import guard

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
#: An address the fake resolver answers for a "public" host; connections to it go to 127.0.0.1.
PUBLIC = "93.184.216.34"


def page(title: str, words: str, date: str | None = None) -> str:
    """An article page; with ``date``, the page says when it was published."""
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    paragraphs = "".join(
        f"<p>{sentence}</p>" for sentence in [
            f"Harborline Market wrote to customers about its order history feature on {title.lower()}.",
            f"In a statement, Harborline Market said: “{words}”",
            "The grocer said it had contacted every customer whose order history was shown to another account.",
            "A spokesperson for Harborline Market said stores and deliveries were running as usual.",
        ])
    return (f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>")


def rss(base: str, items: list[tuple[str, str, str]], title: str = "Harborline Market newsroom") -> str:
    """An RSS 2.0 feed: ``items`` are ``(guid, path, pubDate)``."""
    body = "".join(f"<item><title>Entry {guid}</title><link>{base}{path}</link><guid isPermaLink=\"false\">"
                   f"{guid}</guid><pubDate>{date}</pubDate></item>" for guid, path, date in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link>{body}</channel></rss>")


def atom(base: str, entries: list[tuple[str, str, str]]) -> str:
    """An Atom feed: ``entries`` are ``(id, path, updated)``."""
    body = "".join(f'<entry><title>Entry {eid}</title><id>{eid}</id><link href="{base}{path}"/>'
                   f"<updated>{updated}</updated></entry>" for eid, path, updated in entries)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Harborline statements</title><id>urn:harborline</id><updated>2026-11-30T00:00:00Z</updated>"
            f"{body}</feed>")


RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"


class Clock:
    """A clock the test moves (the poller's ``clock``)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def open_kb(data_dir: Path, clock: Clock) -> Iterator[Callable[..., KnowledgeBase]]:
    """Opens knowledge bases on ``data_dir`` (fake embedder, private URLs allowed unless told, the
    test's clock); closes them after the test."""
    opened: list[KnowledgeBase] = []

    def make(embedder: FakeEmbedder | None = None, **settings: object) -> KnowledgeBase:
        for kb in opened:
            kb.close()
        opened.clear()
        values = {"allow_private_urls": True, **settings}
        kb = open_knowledge_base(settings_for(data_dir).model_copy(update=values), embedder=embedder or FakeEmbedder())
        kb._feed_manager().clock = clock
        opened.append(kb)
        return kb

    yield make
    for kb in opened:
        kb.close()


def serve_feed(server: WebServer, path: str, document: str, content_type: str = RSS_TYPE,
               etag: str | None = None, last_modified: str | None = None) -> str:
    """Serve a feed with validators; a request that carries them gets a 304."""

    def reply(request: Request) -> Reply:
        if (etag and request.headers.get("If-None-Match") == etag) or (
                last_modified and not etag and request.headers.get("If-Modified-Since") == last_modified):
            return Reply(304, b"", {"ETag": etag} if etag else {}, None)
        headers = {**({"ETag": etag} if etag else {}), **({"Last-Modified": last_modified} if last_modified else {})}
        return Reply(200, document, headers, content_type)

    return server.handle(path, reply)


def only(result: FeedPollResult) -> FeedOutcome:
    assert len(result.feeds) == 1
    return result.feeds[0]


# --- add, list, remove -------------------------------------------------------------------------------

def test_add_reads_the_title_and_refuses_what_is_not_a_feed(web_server: WebServer, open_kb) -> None:
    kb = open_kb()
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, [("a", "/a", "Mon, 30 Nov 2026 09:00:00 GMT")]))
    html = web_server.add("/home", page("Home", "Welcome."))

    feed = kb.add_feed(url, kind="statement", organization="Harborline Market")

    assert (feed.title, feed.kind, feed.organization, feed.url) == (
        "Harborline Market newsroom", "statement", "Harborline Market", url)
    assert feed.id.startswith("feed_") and feed.etag is None  # validators only once entries are ingested
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        kb.add_feed(html)
    with pytest.raises(FeedError, match="unknown kind 'rumour'"):
        kb.add_feed(url, kind="rumour")
    assert [f.id for f in kb.feeds()] == [feed.id]
    assert kb.counts()["sources"] == 0  # adding ingests nothing yet


def test_adding_again_with_another_kind_ingests_the_entries_again_with_it(web_server: WebServer,
                                                                          open_kb) -> None:
    kb = open_kb()
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, [("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT")]),
                     etag='"v1"')
    first = kb.add_feed(url)
    only(kb.poll_feeds())
    assert kb.add_feed(url).entries == 1  # the same kind and organisation: nothing forgotten

    again = kb.add_feed(url, kind="notice", organization="Harborline Market")
    outcome = only(kb.poll_feeds())

    assert again.id == first.id and again.entries == 0 and again.etag is None
    assert outcome.new == [f"{web_server.base}/notice"] and len(outcome.sources) == 1
    [source] = kb.sources()
    assert (source.kind, source.organizations) == ("notice", ["Harborline Market"])


def test_remove_by_id_or_url(web_server: WebServer, open_kb) -> None:
    kb = open_kb()
    one = kb.add_feed(serve_feed(web_server, "/one.xml", rss(web_server.base, [])))
    two = kb.add_feed(serve_feed(web_server, "/two.xml", atom(web_server.base, [])))

    assert kb.remove_feed(one.id).url == one.url
    assert kb.remove_feed(f" {two.url} ").id == two.id
    assert kb.feeds() == []
    with pytest.raises(FeedNotFoundError, match="no feed has id or URL 'feed_nope'"):
        kb.remove_feed("feed_nope")
    with pytest.raises(FeedNotFoundError, match="give a feed id or URL"):
        kb.remove_feed("  ")


# --- polling -----------------------------------------------------------------------------------------

def test_rss_entries_are_ingested_with_the_feeds_kind_organisation_and_dates(web_server: WebServer,
                                                                             open_kb) -> None:
    kb = open_kb()
    base = web_server.base
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    web_server.add("/dated", page("Dated update", "Stores are open.", date="2026-11-02"))
    web_server.add("/odd", page("Odd date update", "Deliveries continue."))
    url = serve_feed(web_server, "/feed.xml", rss(base, [
        ("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT"),
        ("d1", "/dated", "Tue, 03 Nov 2026 09:00:00 GMT"),
        ("o1", "/odd", "28/11/2026 14:05"),  # not a date feedparser reads
    ]))
    kb.add_feed(url, kind="statement", organization="Harborline Market")

    result = kb.poll_feeds()
    outcome = only(result)

    assert outcome.status == "ok"
    assert sorted(outcome.new) == sorted(f"{base}{p}" for p in ("/notice", "/dated", "/odd"))
    # the words the watch announces: each page's quote of the organisation, new to the index
    announced = {w.item.text for w in result.report.new_words if w.organization == "Harborline Market"}
    assert {"Deliveries continue.", "Stores are open.", "We fixed the order history display."} <= announced
    assert outcome.changed == [] and outcome.failed == [] and outcome.unchanged == 0
    sources = {s.url: s for s in kb.sources()}
    assert set(sources) == set(outcome.new) and sorted(outcome.sources) == sorted(s.id for s in sources.values())
    assert {s.kind for s in sources.values()} == {"statement"}
    assert all(s.organizations == ["Harborline Market"] for s in sources.values())
    assert sources[f"{base}/notice"].date == dt.date(2026, 11, 30)  # the entry's date: the page has none
    assert sources[f"{base}/dated"].date == dt.date(2026, 11, 2)  # the page's own date wins
    assert sources[f"{base}/odd"].date == dt.date(2026, 11, 28)
    assert outcome.feed.entries == 3 and outcome.feed.last_ok_at == NOW and outcome.feed.failures == 0
    assert all(s.retrieved_at is not None for s in sources.values())


def test_an_entry_whose_page_is_gone_marks_its_source_gone(web_server: WebServer, open_kb) -> None:
    kb = open_kb()
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    items = [("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT")]
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, items))
    kb.add_feed(url)
    only(kb.poll_feeds())
    web_server.add("/notice", "gone", 410, "text/plain")
    serve_feed(web_server, "/feed.xml", rss(web_server.base, [("n1", "/notice", "Tue, 01 Dec 2026 09:00:00 GMT")]))

    outcome = only(kb.poll_feeds())

    [source] = kb.sources()
    assert outcome.changed == [] and len(outcome.failed) == 1 and "410" in outcome.failed[0]
    assert f"marked {source.id} gone" in outcome.failed[0] and source.gone_at is not None
    hits = web_server.hits("/notice")
    assert only(kb.poll_feeds()).failed == [] and web_server.hits("/notice") == hits  # not tried again


def test_atom_entries_are_ingested(web_server: WebServer, open_kb) -> None:
    kb = open_kb()
    web_server.add("/s1", page("Statement one", "We are sorry for the confusion."))
    web_server.add("/s2", page("Statement two", "No payment data was shown."))
    kb.add_feed(serve_feed(web_server, "/atom.xml", atom(web_server.base, [
        ("urn:s1", "/s1", "2026-11-29T10:00:00Z"), ("urn:s2", "/s2", "Nov 27 2026")]), ATOM_TYPE),
        organization="Harborline Market")

    outcome = only(kb.poll_feeds())

    assert outcome.status == "ok" and len(outcome.new) == 2
    dates = {s.url.rsplit("/", 1)[1]: s.date for s in kb.sources()}
    assert dates == {"s1": dt.date(2026, 11, 29), "s2": dt.date(2026, 11, 27)}
    assert {s.kind for s in kb.sources()} == {"article"}  # the default kind


def test_a_conditional_get_answered_304_fetches_nothing_else(web_server: WebServer, open_kb) -> None:
    embedder = FakeEmbedder()
    kb = open_kb(embedder)
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    modified = "Mon, 30 Nov 2026 09:00:00 GMT"
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, [("n1", "/notice", modified)]),
                     etag='"v1"', last_modified=modified)
    feed = kb.add_feed(url)
    assert "If-None-Match" not in web_server.requests[-1].headers
    only(kb.poll_feeds())
    embedded = len(embedder.calls)

    outcome = only(kb.poll_feeds())

    sent = [r for r in web_server.requests if r.path == "/feed.xml"][-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == modified
    assert outcome.status == "not_modified" and outcome.new == [] and outcome.sources == []
    assert web_server.hits("/notice") == 1 and len(embedder.calls) == embedded
    assert kb.feeds()[0].etag == '"v1"' and kb.feeds()[0].id == feed.id


def test_a_changed_entry_is_ingested_again_and_an_unchanged_one_is_not_fetched(web_server: WebServer,
                                                                              open_kb) -> None:
    embedder = FakeEmbedder()
    kb = open_kb(embedder)
    base = web_server.base
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    web_server.add("/faq", page("FAQ", "Card numbers were never shown."))
    web_server.add("/same", page("Same page", "Stores are open."))
    first = [("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT"), ("f1", "/faq", "Mon, 30 Nov 2026 10:00:00 GMT"),
             ("s1", "/same", "Mon, 30 Nov 2026 11:00:00 GMT")]
    url = serve_feed(web_server, "/feed.xml", rss(base, first))
    kb.add_feed(url, organization="Harborline Market")
    only(kb.poll_feeds())
    ids = {s.url: s.id for s in kb.sources()}
    # the notice is edited (its entry's date too); the same page's entry gets a new title in the feed,
    # its page (which has its own title) does not change
    web_server.add("/notice", page("Order history notice", "We fixed the order history display on 1 December."))
    serve_feed(web_server, "/feed.xml", rss(base, [("n1", "/notice", "Tue, 01 Dec 2026 09:00:00 GMT"), *first[1:]])
               .replace("<title>Entry s1</title>", "<title>Entry s1, retitled</title>"))
    embedded = len(embedder.calls)

    outcome = only(kb.poll_feeds())

    assert sorted(outcome.changed) == [f"{base}/notice", f"{base}/same"] and outcome.new == []
    assert outcome.unchanged == 1 and web_server.hits("/faq") == 1  # the unchanged entry is not fetched
    assert outcome.sources == [ids[f"{base}/notice"]]  # the same page is unchanged: not a changed source
    assert "on 1 December" in kb.catalog.get(ids[f"{base}/notice"]).text
    assert kb.counts()["sources"] == 3
    new_texts = [t for call in embedder.calls[embedded:] for t in call]
    assert new_texts and all("Stores are open" not in t for t in new_texts)  # the same page: not re-embedded


def test_429_backs_off_for_retry_after_and_a_poll_skips_the_feed(web_server: WebServer, open_kb,
                                                                 clock: Clock) -> None:
    kb = open_kb()
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, []))
    kb.add_feed(url)
    web_server.add("/feed.xml", "slow down", 429, "text/plain", {"Retry-After": "7200"})

    outcome = only(kb.poll_feeds())

    assert outcome.status == "failed" and "429" in (outcome.error or "")
    assert outcome.feed.failures == 1 and outcome.feed.next_poll_after == NOW + dt.timedelta(seconds=7200)
    hits = web_server.hits("/feed.xml")
    clock.now = NOW + dt.timedelta(minutes=90)  # past the 30-minute back-off, not past Retry-After
    assert only(kb.poll_feeds()).status == "skipped" and web_server.hits("/feed.xml") == hits
    assert only(kb.poll_feeds(force=True)).status == "failed" and web_server.hits("/feed.xml") == hits + 1
    clock.now = NOW + dt.timedelta(hours=5)
    serve_feed(web_server, "/feed.xml", rss(web_server.base, []))
    recovered = only(kb.poll_feeds())
    assert recovered.status == "ok" and recovered.feed.failures == 0 and recovered.feed.next_poll_after is None


def test_500_backs_off_exponentially_up_to_the_cap(web_server: WebServer, open_kb, clock: Clock) -> None:
    kb = open_kb(feed_backoff_minutes=10, feed_backoff_max_minutes=35)
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, []))
    kb.add_feed(url)
    web_server.add("/feed.xml", "oops", 500, "text/plain")
    waits = []
    for _ in range(4):
        outcome = only(kb.poll_feeds())
        assert outcome.status == "failed" and "500" in (outcome.error or "")
        assert outcome.feed.next_poll_after is not None
        waits.append((outcome.feed.next_poll_after - clock.now) / dt.timedelta(minutes=1))
        clock.now = outcome.feed.next_poll_after  # the next poll is due exactly then

    assert waits == [10, 20, 35, 35]
    assert kb.feeds()[0].failures == 4 and "500" in (kb.feeds()[0].last_error or "")


def test_a_malformed_feed_fails_alone(web_server: WebServer, open_kb) -> None:
    kb = open_kb()
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    good = serve_feed(web_server, "/good.xml", rss(web_server.base, [("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT")]))
    bad = serve_feed(web_server, "/bad.xml", rss(web_server.base, []))
    kb.add_feed(bad)
    kb.add_feed(good)
    serve_feed(web_server, "/bad.xml", rss(web_server.base, []).replace("</channel>", "<item><title>A & B</title></channel>"))

    result = kb.poll_feeds()

    outcomes = {o.feed.url: o for o in result.feeds}
    assert outcomes[bad].status == "failed" and "malformed feed" in (outcomes[bad].error or "")
    assert outcomes[good].status == "ok" and outcomes[good].new == [f"{web_server.base}/notice"]
    assert result.report.added == outcomes[good].sources and len(result.report.added) == 1


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A fake resolver: ``names`` host → addresses; a connection to :data:`PUBLIC` goes to 127.0.0.1."""
    names: dict[str, list[str]] = {"news.harborline.example": [PUBLIC], "intranet.harborline.example": ["10.0.0.7"]}
    real_open = guard.open_socket

    def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise socket.gaierror(f"unknown host {host}")
        return list(names[host])

    def open_socket(address: str, port: int, timeout: float | None) -> socket.socket:
        return real_open("127.0.0.1" if address == PUBLIC else address, port, timeout)

    monkeypatch.setattr(guard, "resolve", resolve)
    monkeypatch.setattr(guard, "open_socket", open_socket)
    return names


def test_an_entry_linking_to_a_private_address_is_refused_by_the_guard(web_server: WebServer, open_kb,
                                                                       public_dns) -> None:
    kb = open_kb(allow_private_urls=False)
    public = f"http://news.harborline.example:{web_server.port}"
    private = f"http://intranet.harborline.example:{web_server.port}"
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    web_server.add("/secret", page("Internal memo", "Do not share."))
    memo = f"<item><title>memo</title><link>{private}/secret</link></item></channel>"
    serve_feed(web_server, "/feed.xml", rss(public, [("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT")])
               .replace("</channel>", memo))
    kb.add_feed(f"{public}/feed.xml")

    outcome = only(kb.poll_feeds())

    assert outcome.status == "ok" and outcome.new == [f"{public}/notice"]
    assert len(outcome.failed) == 1 and outcome.failed[0].startswith(f"{private}/secret: ")
    assert "10.0.0.7" in outcome.failed[0] and "private" in outcome.failed[0]
    assert web_server.hits("/secret") == 0
    assert [s.url for s in kb.sources()] == [f"{public}/notice"]
    # refused for good: not tried again while its entry stays the same
    assert only(kb.poll_feeds(force=True)).failed == [] and web_server.hits("/secret") == 0


def test_the_registry_survives_reopening(web_server: WebServer, open_kb, data_dir: Path) -> None:
    kb = open_kb()
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, [("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT")]))
    feed = kb.add_feed(url, kind="notice", organization="Harborline Market")
    only(kb.poll_feeds())

    reopened = open_kb()

    assert (data_dir / "feeds.sqlite3").is_file()
    [again] = reopened.feeds()
    assert (again.id, again.url, again.kind, again.organization, again.entries) == (
        feed.id, url, "notice", "Harborline Market", 1)
    outcome = only(reopened.poll_feeds())
    assert outcome.unchanged == 1 and outcome.new == [] and web_server.hits("/notice") == 1


# --- the command line ----------------------------------------------------------------------------------

def test_cli_add_list_poll_remove(web_server: WebServer, run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_ALLOW_PRIVATE_URLS", "true")
    web_server.add("/notice", page("Order history notice", "We fixed the order history display."))
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, [("n1", "/notice", "Mon, 30 Nov 2026 09:00:00 GMT")]),
                     etag='"v1"')
    broken = web_server.add("/broken.xml", "oops", 500, "text/plain")

    code, out, err = run("feeds", "add", url, "--kind", "notice", "--org", "Harborline Market")
    assert code == 0 and "Harborline Market newsroom" in out and "kind notice" in out
    feed_id = out.split()[1].rstrip(":")
    code, out, err = run("feeds", "add", broken)
    assert code == 1 and "500" in err and "Traceback" not in err

    code, out, err = run("feeds", "poll")
    assert code == 0, err
    assert f"{feed_id} (Harborline Market newsroom): 1 new, 0 changed, 0 unchanged, 0 failed entries" in out
    assert "1 feeds (0 failed); sources: 1 added, 0 updated" in out
    assert f"[1/1] {web_server.base}/notice" in err and f"[1/1] {url}: ok" in err  # progress, on stderr
    code, out, _ = run("feeds", "poll")
    assert code == 0 and f"{feed_id} (Harborline Market newsroom): not modified" in out

    code, out, _ = run("feeds", "list", "--json")
    [listed] = json.loads(out)
    assert (listed["id"], listed["kind"], listed["organization"], listed["entries"], listed["etag"]) == (
        feed_id, "notice", "Harborline Market", 1, '"v1"')
    code, out, _ = run("feeds", "list")
    assert code == 0 and feed_id in out

    code, out, _ = run("feeds", "remove", url)
    assert code == 0 and f"removed {feed_id}" in out
    code, out, err = run("feeds", "remove", feed_id)
    assert code == 1 and "no feed has id or URL" in err
    code, out, _ = run("feeds", "list")
    assert "no feeds" in out
    code, out, _ = run("sources", "--json")
    assert [s["kind"] for s in json.loads(out)] == ["notice"]  # removing a feed keeps its sources


def test_cli_poll_reports_a_failing_feed_and_exits_1(web_server: WebServer, run,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_ALLOW_PRIVATE_URLS", "true")
    url = serve_feed(web_server, "/feed.xml", rss(web_server.base, []))
    run("feeds", "add", url)
    web_server.add("/feed.xml", "slow down", 429, "text/plain", {"Retry-After": "120"})

    code, out, _ = run("feeds", "poll")
    assert code == 1 and "failed: the server answers 429" in out and "next try after" in out
    code, out, _ = run("feeds", "poll")
    assert code == 0 and "skipped, backing off until" in out and web_server.hits("/feed.xml") == 2


# --- crash safety ---------------------------------------------------------------------------------------

KILLABLE = textwrap.dedent("""\
    import sys
    from conftest import FakeEmbedder
    from knowledge import cli, service
    service.create_embedder = lambda *args, **kwargs: FakeEmbedder()
    sys.exit(cli.main(sys.argv[1:]))
    """)


def _poll_in_a_subprocess(tmp_path: Path, data_dir: Path, marker: Path, step: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)]), HOOK_ENV: str(marker),
           HOOK_ENV + "_AT": step, "KB_ALLOW_PRIVATE_URLS": "true"}
    env.pop("KB_EMBEDDING_MODEL", None)
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    return subprocess.Popen([sys.executable, "-c", KILLABLE, "--data-dir", str(data_dir), "--env-file", str(empty),
                             "feeds", "poll"], cwd=tmp_path, env=env, text=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _kill_at(process: subprocess.Popen[str], marker: Path, step: str, times: int) -> None:
    """SIGKILL ``process`` once it has reached ``step`` ``times`` times (it waits at the last one)."""
    deadline = time.monotonic() + 60
    while (marker.read_text(encoding="utf-8").split() if marker.exists() else []).count(step) < times:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, f"the poll never reached {step}"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def consistent(kb: KnowledgeBase) -> None:
    """Every vector belongs to a catalogued source's committed chunks, and every such chunk is there."""
    owned = set().union(*(kb.catalog.chunk_ids(s.id) for s in kb.sources())) if kb.sources() else set()
    assert kb.vectors.ids() == owned
    assert kb.counts()["vectors"] == kb.counts()["chunks"]
    assert kb.catalog.pending() == []


@pytest.mark.parametrize("step", ["before-catalogue", "after-catalogue", "feed-entry-seen"])
def test_a_poll_killed_midway_leaves_no_partial_source_and_the_next_poll_finishes(
        tmp_path: Path, data_dir: Path, web_server: WebServer, open_kb, step: str) -> None:
    base = web_server.base
    paths = ["/one", "/two", "/three"]
    for n, path in enumerate(paths):
        web_server.add(path, page(f"Update {n}", f"Stores are open on day {n}."))
    url = serve_feed(web_server, "/feed.xml", rss(base, [(p, p, "Mon, 30 Nov 2026 09:00:00 GMT") for p in paths]),
                     etag='"v1"')
    kb = open_kb()
    kb.ingest_paths([EXAMPLES_DIR])  # an index with vectors on disk (see the report: a kill during a
    before = {s.id: s.content_hash for s in kb.sources()}  # fresh index's first write is another matter)
    kb.add_feed(url, organization="Harborline Market")
    kb.close()
    marker = tmp_path / "reached"

    # the hooks wait at the step's first occurrence: the first entry's commit, or its "seen" mark
    process = _poll_in_a_subprocess(tmp_path, data_dir, marker, step)
    _kill_at(process, marker, step, 1)

    assert process.returncode == -signal.SIGKILL
    kb = open_kb()
    consistent(kb)
    committed = {s.url for s in kb.sources() if s.id not in before}
    assert committed == (set() if step == "before-catalogue" else {f"{base}/one"})
    assert {s.id: s.content_hash for s in kb.sources() if s.id in before} == before
    [feed] = kb.feeds()
    assert feed.entries == (1 if step == "feed-entry-seen" else 0)  # seen only after its ingest committed
    assert feed.etag is None  # the feed's validators wait for every entry

    outcome = only(kb.poll_feeds())

    assert outcome.status == "ok" and outcome.failed == []
    consistent(kb)
    urls = [s.url for s in kb.sources() if s.id not in before]
    assert sorted(urls) == sorted(f"{base}{p}" for p in paths)  # each once: no duplicate
    assert kb.feeds()[0].entries == 3 and kb.feeds()[0].etag == '"v1"'
    assert only(kb.poll_feeds()).status == "not_modified"
