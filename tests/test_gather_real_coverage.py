"""scripts/gather_real_coverage.py: re-gathering the real-coverage set from its manifest.

Two invented pages about a made-up organisation (Quillfeather Credit Union) are served from a local
http.server on 127.0.0.1; a test manifest points at them, and the script must write the eval-set
layout: corpus/<incident>/<file>.md with front matter, cut between the anchors, and questions.yaml.
The committed manifest is also checked for shape and for the short-phrase rule (no phrase, anchor or
title of 8 words or more is committed).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "gather_real_coverage.py"
MANIFEST = REPO / "evals" / "real" / "manifest.yaml"


def _load_script():
    spec = importlib.util.spec_from_file_location("gather_real_coverage", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


gather_mod = _load_script()

NOTICE_HTML = """<!doctype html><html><head><title>Quillfeather notice of data incident</title>
<script>var tracking = "do not keep me";</script></head>
<body><nav><a href="/">Home</a> | <a href="/rates">Rates</a></nav>
<article>
<h1>Notice of a data incident</h1>
<p>Skip to the bottom for contact numbers.</p>
<p>On 4 March our team found that a misconfigured report server had exposed member statements.</p>
<p>“We closed the server the same afternoon,” said Dara Vint, Quillfeather’s head of member care.</p>
<p>About 2,300 members are affected and we are writing to each of them.</p>
<p>Questions about this notice can go to our help line.</p>
</article>
<footer>Copyright Quillfeather Credit Union. More videos</footer>
</body></html>"""

ARTICLE_HTML = """<!doctype html><html><head><title>Credit union exposes statements | Fenwick Ledger</title></head>
<body><nav>Sections: News Sport Weather</nav>
<article>
<h1>Credit union exposes statements</h1>
<p>Quillfeather Credit Union said on Tuesday that a report server had been left open.</p>
<p>"This was a basic error," said Tomas Reyl, a security consultant who was not involved.</p>
<p>The credit union said it had "no sign of misuse" so far.</p>
<p>Subscribe to our newsletter for more.</p>
</article></body></html>"""


class _Handler(SimpleHTTPRequestHandler):
    pages = {"/notice": NOTICE_HTML, "/news/credit-union": ARTICLE_HTML}

    def do_GET(self):  # noqa: N802 (http.server naming)
        body = self.pages.get(self.path)
        if body is None:
            self.send_error(404)
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _manifest(base: str) -> dict:
    return {
        "incidents": [
            {
                "slug": "quillfeather-2026",
                "organization": "Quillfeather Credit Union",
                "queries": ["Quillfeather report server exposed statements"],
                "documents": [
                    {"file": "01-quillfeather-notice.md", "kind": "notice", "date": "2026-03-05",
                     "organizations": ["Quillfeather Credit Union"], "url": f"{base}/notice",
                     "publisher": "Quillfeather Credit Union", "title": "Notice of a data incident",
                     "start": "On 4 March our team", "end": "writing to each of them."},
                    {"file": "02-fenwick-ledger.md", "kind": "article",
                     "organizations": ["Quillfeather Credit Union"], "url": f"{base}/news/credit-union",
                     "publisher": "Fenwick Ledger", "title": "Credit union exposes …",
                     "start": "Quillfeather Credit Union said on Tuesday", "end": "“no sign of misuse” so far."},
                    {"file": "03-missing.md", "kind": "article", "organizations": ["Quillfeather Credit Union"],
                     "url": f"{base}/gone", "publisher": "Nowhere", "title": "Gone",
                     "start": "x", "end": "y"},
                ],
                "questions": [
                    {"text": "What did Quillfeather actually say?", "expected_org": "Quillfeather Credit Union",
                     "expected_phrases": ["closed the server the same afternoon", "no sign of misuse"],
                     "forbidden_phrases": ["This was a basic error"],
                     "expected_urls": [f"{base}/notice", f"{base}/news/credit-union"]},
                    {"text": "Who else commented on the Quillfeather incident?",
                     "expected_org": "Quillfeather Credit Union", "expected_phrases": [],
                     "forbidden_phrases": [], "who_else": ["This was a basic error"],
                     "expected_urls": [f"{base}/news/credit-union"]},
                ],
            }
        ]
    }


def _split(md: str) -> tuple[dict, str]:
    m = re.match(r"---\n(.*?)\n---\n", md, re.S)
    assert m, md[:200]
    return yaml.safe_load(m.group(1)), md[m.end():]


def test_gather_writes_eval_layout(server: str, tmp_path: Path) -> None:
    manifest_path = tmp_path / "manifest.yaml"
    manifest_path.write_text(yaml.safe_dump(_manifest(server), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    messages: list[str] = []

    status = gather_mod.gather(manifest_path, out, log=messages.append)

    assert status == 1  # the third page is a 404, reported and skipped
    assert any(m.startswith("FAIL") and "03-missing.md" in m for m in messages)
    inc = out / "corpus" / "quillfeather-2026"
    assert sorted(p.name for p in inc.iterdir()) == ["01-quillfeather-notice.md", "02-fenwick-ledger.md"]

    meta, body = _split((inc / "01-quillfeather-notice.md").read_text(encoding="utf-8"))
    assert list(meta) == ["title", "url", "publisher", "date", "kind", "organizations"]
    assert meta["title"] == "Notice of a data incident"
    assert meta["url"] == f"{server}/notice"
    assert str(meta["date"]) == "2026-03-05"
    assert meta["kind"] == "notice"
    assert meta["organizations"] == ["Quillfeather Credit Union"]
    text = body.strip()
    assert text.startswith("On 4 March our team found")
    assert text.endswith("writing to each of them.")
    assert "“We closed the server the same afternoon,” said Dara Vint" in text  # curly quotes kept
    assert "\n\n" in text  # paragraphs separated by blank lines
    for chrome in ("Skip to the bottom", "help line", "Home", "More videos", "do not keep me"):
        assert chrome not in text

    meta2, body2 = _split((inc / "02-fenwick-ledger.md").read_text(encoding="utf-8"))
    assert "date" not in meta2  # no date in the manifest: omitted, not blank
    assert meta2["title"].startswith("Credit union exposes statements")  # truncated title: page title used
    text2 = body2.strip()
    assert text2.startswith("Quillfeather Credit Union said on Tuesday")
    assert text2.endswith('"no sign of misuse" so far.')  # anchor matched across quote styles
    assert '"This was a basic error," said Tomas Reyl' in text2
    assert "Subscribe" not in text2

    qtext = (out / "questions.yaml").read_text(encoding="utf-8")
    assert '# who-else: "This was a basic error"' in qtext
    questions = yaml.safe_load(qtext)
    assert questions["corpus"] == "corpus"
    assert [q["text"] for q in questions["questions"]] == [
        "What did Quillfeather actually say?", "Who else commented on the Quillfeather incident?"]
    first = questions["questions"][0]
    assert set(first) == {"text", "expected_org", "expected_phrases", "forbidden_phrases", "expected_urls"}
    assert first["expected_phrases"] == ["closed the server the same afternoon", "no sign of misuse"]
    assert questions["questions"][1]["expected_phrases"] == []


def test_cut_keeps_uncut_side_when_anchor_missing() -> None:
    text = "Alpha beta.\n\nGamma delta.\n\nEpsilon."
    assert gather_mod.cut(text, "Gamma", "Epsilon.") == ("Gamma delta.\n\nEpsilon.", True)
    excerpt, found = gather_mod.cut(text, "Nowhere to be seen", "delta.")
    assert not found and excerpt == "Alpha beta.\n\nGamma delta."


def test_committed_manifest_is_well_formed() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    incidents = manifest["incidents"]
    assert len(incidents) >= 8
    words = re.compile(r"\w+")
    n_questions = 0
    for inc in incidents:
        urls = {d["url"] for d in inc["documents"]}
        assert inc["queries"]
        assert 3 <= len(inc["documents"]) <= 6
        for d in inc["documents"]:
            assert d["kind"] in {"notice", "statement", "filing", "article", "opinion"}
            assert d["organizations"] and d["publisher"]
            for key in ("start", "end", "title"):
                assert len(words.findall(d[key])) <= 7, (inc["slug"], d["file"], key)
            if "date" in d:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(d["date"]))
        for q in inc["questions"]:
            n_questions += 1
            assert set(q["expected_urls"]) <= urls, q["text"]
            assert not set(q["expected_phrases"]) & set(q["forbidden_phrases"])
            for phrase in q["expected_phrases"] + q["forbidden_phrases"] + q.get("who_else", []):
                assert 1 <= len(words.findall(phrase)) <= 7, phrase
    assert n_questions >= 40
