"""URL ingestion into the knowledge base, against a local server on 127.0.0.1 (tests/web_server.py):
pages, PDFs, text, canonical URLs, freshness (unchanged, changed, gone), refusals that leave the index
as it was, the CLI, and crash safety of a URL-list ingest killed with SIGKILL."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import FakeEmbedder, settings_for
from web_server import WebServer

from knowledge.errors import (
    FetchError,
    GoneError,
    RefusedURLError,
    UnsupportedFormatError,
)
from knowledge.records import SourceMeta
from knowledge.service import (
    HOOK_ENV,
    KnowledgeBase,
    open_knowledge_base,
    source_id_for,
)
from knowledge.web.fetch import FetchLimits
from knowledge.web.ingest import read_url_list

LOCAL = FetchLimits(allow_private=True)
REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


def page(n: int | str, extra: str = "", head: str = "") -> str:
    return (f"<html><head><title>Harborline update {n} - Example Daily</title>"
            f'<meta property="og:site_name" content="Example Daily">{head}</head><body>'
            f"<nav><a href='/'>Home</a></nav><article><h1>Harborline update {n}</h1>"
            f"<p>Harborline Market said in update {n} that its stores remain open and that no card data "
            f"was taken during the incident last week.</p>"
            f"<p>“We are sorry for the trouble this caused our shoppers,” the company said in update {n}.</p>"
            f"{extra}</article><footer>© Example Daily</footer></body></html>")


def snapshot(kb: KnowledgeBase) -> tuple[object, ...]:
    sources = kb.catalog.sources()
    return (kb.counts(), sorted(kb.vectors.ids()),
            [(s.id, s.content_hash, s.retrieved_at, s.gone_at) for s in sources])


def consistent(kb: KnowledgeBase) -> None:
    owned = set().union(*(kb.catalog.chunk_ids(s.id) for s in kb.sources())) if kb.sources() else set()
    assert kb.vectors.ids() == owned
    counts = kb.counts()
    assert counts["vectors"] == counts["chunks"]
    assert kb.catalog.pending() == []


# --- pages, PDFs, text ---------------------------------------------------------------------------

def test_a_page_is_fetched_extracted_and_attributed(kb: KnowledgeBase, web_server: WebServer) -> None:
    url = web_server.add("/story", page(1))
    report, errors = kb.ingest_urls([url], SourceMeta(organizations=["Harborline Market"]), limits=LOCAL)

    assert errors == [] and report.added == [source_id_for(url)]
    source = kb.catalog.get(source_id_for(url))
    assert source.url == url and source.locator == url and source.path is None
    assert source.title == "Harborline update 1" and source.publisher == "Example Daily"
    assert "Home" not in source.text and "© Example Daily" not in source.text
    assert source.retrieved_at is not None and not source.gone
    quotes = [a.text for a in kb.catalog.attributions([source.id])[source.id] if a.kind == "quote"]
    assert "We are sorry for the trouble this caused our shoppers," in quotes
    answer = kb.ask("What did Harborline Market say?")
    assert any(q.source.url == url and q.source.retrieved_at == source.retrieved_at for q in answer.quotes)


def test_a_pdf_is_read_by_its_content_type(kb: KnowledgeBase, web_server: WebServer) -> None:
    pdf_factory = pytest.importorskip("pdf_factory")
    pdf = pdf_factory.letter([["Harborline Market notice", "", "We found no evidence that card data was taken."],
                              ["Stores remain open."]], title="Harborline notice")
    url = web_server.add("/download?id=7", pdf, content_type="application/pdf")
    report, errors = kb.ingest_urls([url], SourceMeta(kind="notice"), limits=LOCAL)

    assert errors == [], errors
    source = kb.catalog.get(report.added[0])
    assert "no evidence that card data was taken" in source.text
    assert len(source.pages) == 2 and source.page_of(source.text.index("Stores")) == 2
    assert source.url == url and source.kind == "notice"


def test_a_pdf_without_text_is_a_clear_error(kb: KnowledgeBase, web_server: WebServer) -> None:
    pdf_factory = pytest.importorskip("pdf_factory")
    url = web_server.add("/scan.pdf", pdf_factory.scanned(), content_type="application/pdf")
    _, errors = kb.ingest_urls([url], limits=LOCAL)
    assert len(errors) == 1 and "no extractable text" in str(errors[0])
    assert kb.counts()["sources"] == 0


def test_plain_text_in_its_declared_charset(kb: KnowledgeBase, web_server: WebServer) -> None:
    body = "Harborline Market said the café stayed open.\r\n".encode("latin-1")
    url = web_server.add("/note.txt", body, content_type="text/plain; charset=ISO-8859-1")
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert errors == []
    assert kb.catalog.get(report.added[0]).text == "Harborline Market said the café stayed open."


def test_html_charset_from_the_header(kb: KnowledgeBase, web_server: WebServer) -> None:
    url = web_server.add("/latin", page("é").encode("cp1252", errors="replace"),
                         content_type="text/html; charset=windows-1252")
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert errors == [] and "Harborline update é" in kb.catalog.get(report.added[0]).text


def test_a_gzip_page_is_read(kb: KnowledgeBase, web_server: WebServer) -> None:
    url = web_server.add("/gz", gzip.compress(page(5).encode()), headers={"Content-Encoding": "gzip"})
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert errors == [] and "update 5" in kb.catalog.get(report.added[0]).text


# --- the source's URL ------------------------------------------------------------------------------

def test_the_url_after_redirects_is_the_source(kb: KnowledgeBase, web_server: WebServer) -> None:
    final = web_server.add("/2026/story", page(2))
    short = web_server.redirect("/s/2", "/2026/story", 301)
    report, errors = kb.ingest_urls([short], limits=LOCAL)
    assert errors == [] and report.added == [source_id_for(final)]
    assert kb.catalog.get(report.added[0]).url == final


def test_rel_canonical_names_the_source(kb: KnowledgeBase, web_server: WebServer) -> None:
    canonical = web_server.url("/story/3")
    head = '<link rel="canonical" href="/story/3">'
    first = web_server.add("/story/3?utm_source=feed", page(3, head=head))
    second = web_server.add("/amp/story/3", page(3, head=head))
    report, errors = kb.ingest_urls([first, second], limits=LOCAL)
    assert errors == [] and report.added == [source_id_for(canonical)]
    assert kb.counts()["sources"] == 1 and kb.catalog.get(report.added[0]).url == canonical
    again, _ = kb.ingest_urls([second], limits=LOCAL)
    assert again.unchanged == [source_id_for(canonical)]


@pytest.mark.parametrize("href", ["https://aggregator.example/story/4", "javascript:alert(1)",
                                  "ftp://127.0.0.1/story", ""])
def test_a_foreign_or_odd_canonical_is_ignored(kb: KnowledgeBase, web_server: WebServer, href: str) -> None:
    url = web_server.add("/story/4", page(4, head=f'<link rel="canonical" href="{href}">'))
    report, _ = kb.ingest_urls([url], limits=LOCAL)
    assert report.added == [source_id_for(url)]


# --- freshness -----------------------------------------------------------------------------------

def test_an_unchanged_page_is_not_embedded_again(kb: KnowledgeBase, web_server: WebServer,
                                                 fake_embedder: FakeEmbedder) -> None:
    urls = [web_server.add(f"/p{n}", page(n)) for n in range(3)]
    kb.ingest_urls(urls, limits=LOCAL)
    calls = len(fake_embedder.calls)
    first = {s.id: s.retrieved_at for s in kb.sources()}
    vectors = sorted(kb.vectors.ids())
    time.sleep(1.05)  # retrieved_at has whole seconds

    report, errors = kb.ingest_urls(urls, limits=LOCAL)

    assert errors == [] and sorted(report.unchanged) == sorted(first) and report.added == report.updated == []
    assert len(fake_embedder.calls) == calls  # not one text embedded again
    assert sorted(kb.vectors.ids()) == vectors
    assert all(s.retrieved_at > first[s.id] for s in kb.sources())  # but it was seen again, now


def test_a_changed_page_replaces_its_chunks_and_quotes(kb: KnowledgeBase, web_server: WebServer) -> None:
    url = web_server.add("/story", page(1))
    kb.ingest_urls([url], limits=LOCAL)
    sid = source_id_for(url)
    web_server.add("/story", page(1, extra="<p>“Every shopper has now been told,” the company added.</p>"))

    report, _ = kb.ingest_urls([url], limits=LOCAL)

    assert report.updated == [sid]
    quotes = [a.text for a in kb.catalog.attributions([sid])[sid]]
    assert "Every shopper has now been told," in quotes
    consistent(kb)
    assert kb.counts()["sources"] == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_page_that_disappears_is_marked_gone_and_kept(kb: KnowledgeBase, web_server: WebServer,
                                                        status: int) -> None:
    url = web_server.add("/story", page(1))
    kb.ingest_urls([url], SourceMeta(organizations=["Harborline Market"]), limits=LOCAL)
    sid = source_id_for(url)
    retrieved = kb.catalog.get(sid).retrieved_at
    web_server.add("/story", "", status=status)

    report, errors = kb.ingest_urls([url], limits=LOCAL)

    assert report.gone == [sid] and isinstance(errors[0], GoneError) and f"marked {sid} gone" in str(errors[0])
    source = kb.catalog.get(sid)
    assert source.gone and source.gone_at is not None and source.retrieved_at == retrieved
    assert kb.counts()["sources"] == 1  # kept until forgotten
    answer = kb.ask("What did Harborline Market say?")
    assert answer.quotes and all(q.source.gone for q in answer.quotes if q.source.id == sid)

    gone_at = source.gone_at
    kb.ingest_urls([url], limits=LOCAL)  # still gone: the first time stays
    assert kb.catalog.get(sid).gone_at == gone_at

    web_server.add("/story", page(1))  # back, unchanged: no longer gone
    report, errors = kb.ingest_urls([url], limits=LOCAL)
    assert errors == [] and report.unchanged == [sid] and not kb.catalog.get(sid).gone


def test_a_url_never_indexed_that_is_gone_is_just_a_failure(kb: KnowledgeBase, web_server: WebServer) -> None:
    report, errors = kb.ingest_urls([web_server.url("/nothing")], limits=LOCAL)
    assert isinstance(errors[0], GoneError) and report.gone == [] and report.failed == [web_server.url("/nothing")]
    assert report.errors == [f"{web_server.url('/nothing')}: the server answers 404 Not Found"]


# --- refusals leave the index as it was --------------------------------------------------------------

def _refusals(web_server: WebServer) -> dict[str, tuple[str, FetchLimits, type[Exception], str]]:
    web_server.add("/big", "x" * 5000)
    web_server.add("/image", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    web_server.add("/feed", "<?xml version='1.0'?><rss version='2.0'><channel></channel></rss>",
                   content_type="application/rss+xml")
    web_server.add("/bomb", gzip.compress(b"\0" * (60 * 1024 * 1024)), headers={"Content-Encoding": "gzip"})
    web_server.add("/slow", page(9), delay=2.0)
    web_server.add("/empty", "<html><head><title>Nothing</title></head><body> </body></html>")
    return {
        "guard": (web_server.url("/big"), FetchLimits(), RefusedURLError, "loopback"),
        "size": (web_server.url("/big"), FetchLimits(max_bytes=1024, allow_private=True), FetchError, "cap"),
        "type": (web_server.url("/image"), LOCAL, FetchError, "image/png"),
        "feed": (web_server.url("/feed"), LOCAL, UnsupportedFormatError, "feeds add"),
        "bomb": (web_server.url("/bomb"), LOCAL, FetchError, "bomb"),
        "slow": (web_server.url("/slow"), FetchLimits(read_timeout=0.5, allow_private=True), FetchError,
                 "sent nothing"),
        "no text": (web_server.url("/empty"), LOCAL, Exception, "no main text"),
    }


@pytest.mark.parametrize("case", ["guard", "size", "type", "feed", "bomb", "slow", "no text"])
def test_every_refusal_leaves_the_index_unchanged(kb: KnowledgeBase, web_server: WebServer, case: str) -> None:
    kept = web_server.add("/kept", page(1))
    kb.ingest_urls([kept], limits=LOCAL)
    before = snapshot(kb)
    url, limits, error, reason = _refusals(web_server)[case]

    report, errors = kb.ingest_urls([url], limits=limits)

    assert len(errors) == 1 and isinstance(errors[0], error) and reason in str(errors[0])
    assert "\n" not in str(errors[0]) and report.failed == [url]
    assert snapshot(kb) == before


def test_a_redirect_inside_is_refused_with_the_guard_on(kb: KnowledgeBase, web_server: WebServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge.web import guard

    monkeypatch.setattr(guard, "resolve", lambda host, port: ["93.184.216.34"] if host == "news.example"
                        else ["127.0.0.1"])
    real_open = guard.open_socket
    monkeypatch.setattr(guard, "open_socket", lambda address, port, timeout: real_open(
        "127.0.0.1" if address == "93.184.216.34" else address, port, timeout))
    web_server.redirect("/start", f"http://127.0.0.1:{web_server.port}/secret")
    web_server.add("/secret", page("secret"))
    before = snapshot(kb)

    report, errors = kb.ingest_urls([f"http://news.example:{web_server.port}/start"])  # default limits: guard on

    assert len(errors) == 1 and isinstance(errors[0], RefusedURLError)
    assert web_server.hits("/secret") == 0 and snapshot(kb) == before and report.added == []


def test_one_bad_url_does_not_cost_the_others(kb: KnowledgeBase, web_server: WebServer) -> None:
    good = [web_server.add(f"/p{n}", page(n)) for n in range(10)]
    bad = web_server.add("/bad", b"\x89PNG", content_type="image/png")
    report, errors = kb.ingest_urls([*good[:5], bad, *good[5:], "ftp://example.com/x"], limits=LOCAL)
    assert len(report.added) == 10 and len(errors) == 2 and report.failed[0] == bad


def test_the_knowledge_base_fetches_with_its_settings(data_dir: Path, web_server: WebServer,
                                                      fake_embedder: FakeEmbedder) -> None:
    url = web_server.add("/story", page(1))
    with open_knowledge_base(settings_for(data_dir), embedder=fake_embedder) as kb:
        _, errors = kb.ingest_urls([url])  # KB_ALLOW_PRIVATE_URLS is false by default
        assert isinstance(errors[0], RefusedURLError)
    settings = settings_for(data_dir).model_copy(update={"allow_private_urls": True})
    with open_knowledge_base(settings, embedder=fake_embedder) as kb:
        report, errors = kb.ingest_urls([url])
        assert errors == [] and len(report.added) == 1


def test_progress_is_reported_per_url(kb: KnowledgeBase, web_server: WebServer) -> None:
    urls = [web_server.add(f"/p{n}", page(n)) for n in range(3)]
    seen: list[tuple[int, int, str]] = []
    kb.ingest_urls([*urls, urls[0]], limits=LOCAL, progress=lambda *a: seen.append(a))
    assert seen == [(1, 3, urls[0]), (2, 3, urls[1]), (3, 3, urls[2])]  # a repeated URL once


def test_url_lists_skip_blanks_and_comments() -> None:
    text = "# Harborline coverage\nhttps://a.example/1\n\n  https://b.example/2  # the follow-up\n#https://c\n"
    assert read_url_list(text) == ["https://a.example/1", "https://b.example/2"]


# --- the command line ---------------------------------------------------------------------------------

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def private_ok(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KB_ALLOW_PRIVATE_URLS", "true")
    yield


def test_cli_ingests_urls_files_and_a_list(run: Run, web_server: WebServer, tmp_path: Path, private_ok: None
                                           ) -> None:
    urls = [web_server.add(f"/p{n}", page(n)) for n in range(4)]
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# coverage\n{urls[1]}\n{urls[2]}  # follow-up\n\n{web_server.url('/missing')}\n",
                       encoding="utf-8")
    note = tmp_path / "note.txt"
    note.write_text("Harborline Market said its stores are open.\n", encoding="utf-8")

    code, out, err = run("ingest", urls[0], str(note), "--from-file", str(listing), "--org", "Harborline Market")

    assert code == 1  # one URL failed
    assert f"[4/4] {web_server.url('/missing')}" in out.splitlines()  # plain lines, not a terminal
    assert "4 added, 0 updated, 0 unchanged, 1 failed" in " ".join(out.split())
    assert err.strip() == f"failed {web_server.url('/missing')}: the server answers 404 Not Found"

    code, out, err = run("ingest", *urls[:3], "--json")
    assert code == 0 and len(json.loads(out)["unchanged"]) == 3 and "[1/3]" not in out


def test_cli_guard_refusal_is_one_line(run: Run, web_server: WebServer) -> None:
    url = web_server.add("/p", page(1))
    code, out, err = run("ingest", url)
    assert code == 1
    assert err.strip().startswith(f"failed {url}: refused: 127.0.0.1 is a loopback address")
    assert len(err.strip().splitlines()) == 1 and "0 added" in " ".join(out.split())


def test_cli_gone_sources_are_shown_as_gone(run: Run, web_server: WebServer, private_ok: None) -> None:
    url = web_server.add("/story", page(1))
    assert run("ingest", url, "--org", "Harborline Market")[0] == 0
    web_server.add("/story", "", status=410)
    code, out, _ = run("ingest", url)
    assert code == 1 and "1 gone" in " ".join(out.split())
    _, answer, _ = run("ask", "What did Harborline Market say?")
    flat = " ".join(answer.split())
    assert "gone, retrieved " in flat
    _, listing, _ = run("sources", "--json")
    assert json.loads(listing)[0]["gone"] is True


def test_cli_usage_errors(run: Run, tmp_path: Path) -> None:
    assert run("ingest")[0] == 2
    assert run("ingest", "--from-file", str(tmp_path / "none.txt"))[0] == 2
    assert run("ingest", "https://a.example/x", "--url", "https://b.example/y")[0] == 2


def test_cli_folder_ingest_shows_progress(run: Run) -> None:
    from conftest import EXAMPLES_DIR

    code, out, _ = run("ingest", str(EXAMPLES_DIR))
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert len(lines) == 5 and lines[-1].startswith("[5/5] ")
    assert "5 added, 0 updated, 0 unchanged, 0 failed" in " ".join(out.split())


def test_bot_citations_say_gone_and_retrieved() -> None:
    import datetime as dt

    from bot.render import source_line
    from knowledge.records import SourceRef

    ref = SourceRef(id="src_1", title="Update", url="https://daily.example/u", publisher="Example Daily",
                    kind="article", retrieved_at=dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc), gone=True)
    line = source_line(ref)
    assert "Example Daily, gone" in line and "retrieved 30 Nov 2026" in line
    assert "gone" not in source_line(ref.model_copy(update={"gone": False}))


# --- crash safety ------------------------------------------------------------------------------------

KILLABLE = textwrap.dedent("""\
    import sys
    from conftest import FakeEmbedder
    from knowledge import cli, service
    service.create_embedder = lambda *args, **kwargs: FakeEmbedder()
    sys.exit(cli.main(sys.argv[1:]))
    """)


def _kill_at(process: subprocess.Popen[str], marker: Path, step: str) -> None:
    name, _, nth = step.partition(":")
    deadline = time.monotonic() + 90
    while (marker.read_text(encoding="utf-8").split() if marker.exists() else []).count(name) < int(nth or 1):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, f"the ingest never reached {step}"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("step, committed_batches", [("before-vectors:2", 1), ("before-catalogue:2", 1),
                                                     ("after-catalogue:3", 3)])
def test_sigkill_during_a_url_list_ingest(tmp_path: Path, data_dir: Path, web_server: WebServer, step: str,
                                          committed_batches: int) -> None:
    urls = [web_server.add(f"/p{n}", page(n)) for n in range(20)]
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        kb.ingest_urls(urls[:10], limits=LOCAL)
    for n in range(5):  # updates in the first batch, new pages in the second and third
        web_server.add(f"/p{n}", page(n, extra="<p>“Every shopper has now been told,” the company added.</p>"))
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(urls), encoding="utf-8")
    marker = tmp_path / "reached"
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)]), HOOK_ENV: str(marker),
           HOOK_ENV + "_AT": step, "KB_ALLOW_PRIVATE_URLS": "true"}
    env.pop("KB_EMBEDDING_MODEL", None)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, "--data-dir", str(data_dir), "--env-file", str(empty), "ingest",
         "--from-file", str(listing)], cwd=tmp_path, env=env, text=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    _kill_at(process, marker, step)
    assert process.returncode == -signal.SIGKILL

    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder()) as kb:
        consistent(kb)  # no orphan vectors, no partial source
        sources = kb.sources()
        assert len({s.url for s in sources}) == len(sources)  # no duplicates
        updated = sum("Every shopper" in s.text for s in sources)
        assert updated == 5  # the first batch was committed before the kill
        assert len(sources) == {1: 10, 3: 20}[committed_batches]

        report, errors = kb.ingest_urls(urls, limits=LOCAL)  # a re-run finishes the job
        assert errors == []
        consistent(kb)
        assert kb.counts()["sources"] == 20
        assert all(s.retrieved_at is not None for s in kb.sources())
        assert len(report.unchanged) == {1: 10, 3: 20}[committed_batches]


# --- server mode: the Chroma catalogue keeps freshness too -------------------------------------------

def test_the_chroma_catalogue_keeps_retrieved_at_and_gone(tmp_path: Path) -> None:
    import datetime as dt

    from knowledge.chroma_catalog import ChromaCatalog
    from knowledge.records import Source
    from knowledge.store import open_client

    catalog = ChromaCatalog(open_client(tmp_path / "chroma"), "disclosures")
    when = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
    source = Source(id="src_1", title="Update", kind="article", locator="https://daily.example/u",
                    url="https://daily.example/u", content_hash="h1", ingested_at=when, text="Harborline said so.",
                    retrieved_at=when)
    with catalog.transaction():
        catalog.put(source, [], ["src_1:0"])
    assert catalog.get("src_1").retrieved_at == when and not catalog.get("src_1").gone

    later = when + dt.timedelta(days=1)
    with catalog.transaction():
        catalog.set_freshness({"src_1": (None, later)})  # gone; retrieved_at kept
    got = catalog.get("src_1")
    assert got.gone and got.gone_at == later and got.retrieved_at == when and got.text == source.text
    assert catalog.chunk_ids("src_1") == {"src_1:0"}

    with catalog.transaction():
        catalog.set_freshness({"src_1": (later, None)})  # back
    got = catalog.get("src_1")
    assert not got.gone and got.retrieved_at == later

    with catalog.transaction():
        catalog.set_freshness({"src_1": (None, later)})
    with catalog.transaction():
        catalog.put(source.model_copy(update={"content_hash": "h2"}), [], ["src_1:0"])  # a new version
    assert not catalog.get("src_1").gone
