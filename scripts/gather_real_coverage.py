#!/usr/bin/env python3
"""Re-gather the real-coverage development set from its manifest.

The repository keeps only evals/real/manifest.yaml: for each incident the search
queries used, and for each document its URL, metadata and two short anchor
phrases marking where the excerpt starts and ends on the page, plus the
questions with their short expected/forbidden phrases.  The third-party text
itself is never committed; this script fetches it again:

    python scripts/gather_real_coverage.py [OUT_DIR] [--manifest PATH]

OUT_DIR defaults to ../real-coverage (next to the repository).  It writes the
same layout as the eval sets under evals/:

    OUT_DIR/questions.yaml                    corpus: corpus, questions: [...]
    OUT_DIR/corpus/<incident>/<file>.md       front matter + extracted text

Text extraction uses trafilatura when it is installed and falls back to a small
standard-library HTML-to-paragraphs extractor otherwise.  A document whose page
cannot be fetched is reported and skipped; the exit status is 1 if any were.
"""
from __future__ import annotations

import argparse
import html
import re
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO / "evals" / "real" / "manifest.yaml"
DEFAULT_OUT = REPO.parent / "real-coverage"
USER_AGENT = "Mozilla/5.0 (compatible; disclosure-bot-eval-gatherer/1.0)"
FRONT_MATTER_KEYS = ("title", "url", "publisher", "date", "kind", "organizations")

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "-", "\u2014": "-", "\u00a0": " "})


# ---------------------------------------------------------------- fetching

def fetch(url: str, timeout: float = 30.0) -> str:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
        charset = resp.headers.get_content_charset() or "utf-8"
    return raw.decode(charset, errors="replace")


# ---------------------------------------------------------------- extraction

class _Paragraphs(HTMLParser):
    """Fallback extractor: text of block elements, skipping script/style/nav chrome."""

    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg"}
    BLOCK = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
             "section", "article", "br", "tr", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0
        self.title = ""
        self._in_title = False

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        if text:
            self.blocks.append(text)
        self._buf = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCK:
            self._flush()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._buf.append(data)

    def close(self):
        super().close()
        self._flush()


def extract(page_html: str, url: str = "") -> tuple[str, str]:
    """Return (title, text) with paragraphs separated by blank lines."""
    try:
        import trafilatura  # type: ignore
    except ImportError:
        trafilatura = None
    if trafilatura is not None:
        text = trafilatura.extract(page_html, url=url or None, include_comments=False,
                                   include_tables=False, favor_recall=True)
        title = ""
        try:
            meta = trafilatura.extract_metadata(page_html)
            title = (meta.title if meta else "") or ""
        except Exception:  # metadata is a nicety
            pass
        if text:
            paras = [p.strip() for p in text.splitlines() if p.strip()]
            return title.strip(), "\n\n".join(paras)
    parser = _Paragraphs()
    parser.feed(page_html)
    parser.close()
    return html.unescape(parser.title).strip(), "\n\n".join(parser.blocks)


# ---------------------------------------------------------------- cutting

def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """Fold quotes/dashes and collapse whitespace; keep a map to original offsets."""
    out, idx = [], []
    prev_space = False
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        out.append(ch.lower())
        idx.append(i)
    return "".join(out), idx


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s.translate(_FOLD)).strip().lower()


def cut(text: str, start: str | None, end: str | None) -> tuple[str, bool]:
    """Cut text from the start anchor to the end of the end anchor.

    Matching ignores case, whitespace runs and curly-vs-straight quotes.  Returns
    (excerpt, found_both); an anchor not found leaves that side uncut.
    """
    folded, idx = _folded_with_map(text)
    s_pos, e_pos, found = 0, len(text), True
    if start:
        i = folded.find(_fold(start))
        if i >= 0:
            s_pos = idx[i]
        else:
            found = False
    if end:
        key = _fold(end)
        from_folded = folded.find(_fold(start)) if start else 0
        j = folded.find(key, max(from_folded, 0))
        if j >= 0:
            e_pos = idx[j + len(key) - 1] + 1
        else:
            found = False
    excerpt = text[s_pos:e_pos].strip()
    return excerpt, found


# ---------------------------------------------------------------- writing

def _yaml_scalar(value) -> str:
    s = str(value)
    if s == "" or re.search(r"[:#\[\]{}&*!|>'\"%@`,?]|^[-\s]|\s$", s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def front_matter(doc: dict, title: str) -> str:
    lines = ["---"]
    for key in FRONT_MATTER_KEYS:
        if key == "title":
            lines.append(f"title: {_yaml_scalar(title)}")
        elif key == "organizations":
            lines.append("organizations: [" + ", ".join(_yaml_scalar(o) for o in doc.get("organizations", [])) + "]")
        elif doc.get(key) not in (None, ""):
            lines.append(f"{key}: {_yaml_scalar(doc[key])}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def questions_yaml(manifest: dict) -> str:
    out = ["corpus: corpus", "questions:"]
    for inc in manifest["incidents"]:
        out.append(f"  # ---------------- {inc['slug']} ----------------")
        for q in inc.get("questions", []):
            if q.get("who_else"):
                out.append("  # who-else: " + ", ".join(_dq(p) for p in q["who_else"]))
            out.append(f"  - text: {_dq(q['text'])}")
            out.append(f"    expected_org: {_yaml_scalar(q['expected_org'])}")
            out.append("    expected_phrases: [" + ", ".join(_dq(p) for p in q.get("expected_phrases", [])) + "]")
            out.append("    forbidden_phrases: [" + ", ".join(_dq(p) for p in q.get("forbidden_phrases", [])) + "]")
            out.append("    expected_urls:")
            for u in q.get("expected_urls", []):
                out.append(f"      - {_yaml_scalar(u)}")
    return "\n".join(out) + "\n"


def _dq(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def gather(manifest_path: Path, out_dir: Path, log=print) -> int:
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    failures = 0
    for inc in manifest["incidents"]:
        inc_dir = out_dir / "corpus" / inc["slug"]
        inc_dir.mkdir(parents=True, exist_ok=True)
        for doc in inc["documents"]:
            try:
                page = fetch(doc["url"])
            except Exception as exc:  # network errors, HTTP errors
                log(f"FAIL {inc['slug']}/{doc['file']}: {doc['url']}: {exc}")
                failures += 1
                continue
            page_title, text = extract(page, doc["url"])
            excerpt, found = cut(text, doc.get("start"), doc.get("end"))
            if not found:
                log(f"WARN {inc['slug']}/{doc['file']}: anchors not both found; kept uncut side(s)")
            title = doc.get("title", "")
            if (not title or title.endswith("…")) and page_title:
                title = page_title
            (inc_dir / doc["file"]).write_text(front_matter(doc, title) + excerpt + "\n", encoding="utf-8")
            log(f"ok   {inc['slug']}/{doc['file']} ({len(excerpt)} chars)")
    (out_dir / "questions.yaml").write_text(questions_yaml(manifest), encoding="utf-8")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", nargs="?", default=str(DEFAULT_OUT))
    ap.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    args = ap.parse_args(argv)
    return gather(Path(args.manifest), Path(args.out_dir))


if __name__ == "__main__":
    sys.exit(main())
