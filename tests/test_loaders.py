"""Exact tests for knowledge.loaders with fictional fixtures written to ``tmp_path``.

Organisation "Harborline Market", outlet "Example Daily"; every sentence was written for these tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.errors import EmptySourceError, MetadataError, SourceError, UnsupportedFormatError
from knowledge.loaders import (
    expand_paths,
    html_document,
    load_file,
    make_meta,
    parse_date,
    split_front_matter,
)
from knowledge.records import SourceMeta
from knowledge.text import normalize

LDQ, RDQ, RSQ = "\u201c", "\u201d", "\u2019"

BODY = (
    f"# Notice to customers\n\n"
    f"Harborline Market wrote: {LDQ}Because of a configuration mistake, your order history was "
    f"visible to other shoppers. We have fixed it.{RDQ}\n\n"
    f"The company{RSQ}s notice gave no count of the customers affected.\n"
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


# --- .txt ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "content", "expected_text"),
    [
        pytest.param("notice.txt", "Harborline Market fixed it.\n", "Harborline Market fixed it.", id="plain"),
        pytest.param(
            "notice.txt",
            f"{LDQ}We have fixed it,{RDQ} Harborline said.\r\n\r\n\r\n\r\nExample  Daily\treported it.\r\n",
            f"{LDQ}We have fixed it,{RDQ} Harborline said.\n\nExample Daily reported it.",
            id="crlf-curly-blank-run",
        ),
        pytest.param("notice.txt", b"\xef\xbb\xbfHarborline Market", "Harborline Market", id="bom-dropped"),
        pytest.param("NOTICE.TXT", "Upper-case extension.", "Upper-case extension.", id="upper-case-extension"),
        pytest.param("notice.txt", "Cafe\u0301 at Harborline", "Caf\u00e9 at Harborline", id="nfc"),
    ],
)
def test_load_txt(tmp_path: Path, name: str, content: str | bytes, expected_text: str) -> None:
    path = write(tmp_path, name, content)
    doc = load_file(path)
    assert doc.text == expected_text
    assert doc.meta == SourceMeta()
    assert doc.locator == str(path.resolve())


# --- .md -------------------------------------------------------------------------------------

ALL_KEYS = SourceMeta(
    title="Harborline Market notice to customers",
    url="https://harborline.example/notice",
    publisher="Harborline Market",
    date=dt.date(2025, 3, 3),
    kind="notice",
    organizations=["Harborline Market", "Harborline Cloud"],
)


@pytest.mark.parametrize(
    ("front_matter", "expected_meta"),
    [
        pytest.param(
            "title: Harborline Market notice to customers\n"
            "url: https://harborline.example/notice\n"
            "publisher: Harborline Market\n"
            "date: 2025-03-03\n"
            "kind: notice\n"
            "organizations:\n  - Harborline Market\n  - Harborline Cloud\n",
            ALL_KEYS,
            id="all-six-keys-list-yaml-date",
        ),
        pytest.param(
            "title: Harborline Market notice to customers\n"
            "url: https://harborline.example/notice\n"
            "publisher: Harborline Market\n"
            "date: '2025-03-03'\n"
            "kind: notice\n"
            "organizations: [Harborline Market, Harborline Cloud]\n",
            ALL_KEYS,
            id="all-six-keys-flow-list-string-date",
        ),
        pytest.param(
            "kind: article\norganizations: Harborline Market\n",
            SourceMeta(kind="article", organizations=["Harborline Market"]),
            id="organizations-single-string",
        ),
        pytest.param(
            "date: 2025-03-04T10:00:00Z\n", SourceMeta(date=dt.date(2025, 3, 4)), id="yaml-datetime-z",
        ),
        pytest.param(
            "date: '2025-03-04T10:00:00Z'\n", SourceMeta(date=dt.date(2025, 3, 4)), id="string-datetime-z",
        ),
        pytest.param(
            "date: \"2025-03-04T23:30:00-05:00\"\n", SourceMeta(date=dt.date(2025, 3, 4)),
            id="string-datetime-offset",
        ),
        pytest.param(
            "date: 2025-03-04T23:30:00-05:00\n", SourceMeta(date=dt.date(2025, 3, 4)),
            id="yaml-datetime-offset",
        ),
        pytest.param(
            "organizations:\n  - '  Harborline Market  '\n  - ''\n", SourceMeta(organizations=["Harborline Market"]),
            id="organizations-trimmed-blank-dropped",
        ),
        pytest.param(
            "title: '   '\nurl: null\npublisher: Example Daily\n", SourceMeta(publisher="Example Daily"),
            id="blank-and-null-values-unset",
        ),
        pytest.param("title: 2025\n", SourceMeta(title="2025"), id="non-string-title-stringified"),
        pytest.param("", SourceMeta(), id="empty-front-matter"),
        pytest.param("# only a comment\n", SourceMeta(), id="comment-only-front-matter"),
    ] + [
        pytest.param(f"kind: {kind}\n", SourceMeta(kind=kind), id=f"kind-{kind}")
        for kind in ("notice", "statement", "filing", "article", "opinion")
    ],
)
def test_load_markdown_front_matter(tmp_path: Path, front_matter: str, expected_meta: SourceMeta) -> None:
    path = write(tmp_path, "notice.md", f"---\n{front_matter}---\n{BODY}")
    doc = load_file(path)
    assert doc.meta == expected_meta
    assert doc.text == normalize(BODY)
    assert doc.locator == str(path.resolve())


@pytest.mark.parametrize(
    ("name", "content", "expected_meta", "expected_text"),
    [
        pytest.param("notice.md", BODY, SourceMeta(), normalize(BODY), id="no-front-matter"),
        pytest.param("notice.markdown", BODY, SourceMeta(), normalize(BODY), id="markdown-extension"),
        pytest.param("NOTICE.MD", BODY, SourceMeta(), normalize(BODY), id="upper-case-extension"),
        pytest.param(
            "notice.md", "---\r\nkind: notice\r\n---\r\nLine one.\r\nLine two.\r\n",
            SourceMeta(kind="notice"), "Line one.\nLine two.", id="crlf-front-matter",
        ),
        pytest.param(
            "notice.md", b"\xef\xbb\xbf---\nkind: notice\n---\nBody after a BOM.",
            SourceMeta(kind="notice"), "Body after a BOM.", id="bom-before-front-matter",
        ),
        pytest.param(
            "notice.md", "---\nkind: filing\n...\nBody after dots.",
            SourceMeta(kind="filing"), "Body after dots.", id="dots-close-front-matter",
        ),
        pytest.param(
            "notice.md", "----\nkind: notice\n----\nText.",
            SourceMeta(), "----\nkind: notice\n----\nText.", id="four-dashes-not-front-matter",
        ),
        pytest.param(
            "notice.md", "Intro line.\n---\nkind: notice\n---\n",
            SourceMeta(), "Intro line.\n---\nkind: notice\n---", id="dashes-not-at-top",
        ),
    ],
)
def test_load_markdown_variants(
    tmp_path: Path, name: str, content: str | bytes, expected_meta: SourceMeta, expected_text: str
) -> None:
    doc = load_file(write(tmp_path, name, content))
    assert doc.meta == expected_meta
    assert doc.text == expected_text


@pytest.mark.parametrize(
    ("content", "reason_part"),
    [
        pytest.param("---\nauthor: Example Daily\n---\nBody.", "unknown metadata key(s) author", id="unknown-key"),
        pytest.param("---\nTitle: Notice\n---\nBody.", "unknown metadata key(s) Title", id="key-case-matters"),
        pytest.param("---\nkind: press-release\n---\nBody.", "invalid kind", id="bad-kind"),
        pytest.param("---\nkind: Notice\n---\nBody.", "invalid kind", id="kind-capitalised"),
        pytest.param("---\nkind: [notice]\n---\nBody.", "invalid kind", id="kind-list"),
        pytest.param("---\ndate: March 4, 2025\n---\nBody.", "not ISO 8601", id="bad-date-words"),
        pytest.param("---\ndate: '2025-13-01'\n---\nBody.", "not ISO 8601", id="bad-date-quoted-month-13"),
        pytest.param("---\ndate: '04/03/2025'\n---\nBody.", "not ISO 8601", id="bad-date-slashes"),
        pytest.param("---\ndate: 2025\n---\nBody.", "not ISO 8601", id="bad-date-year-only"),
        # YAML itself turns these into date objects and raises ValueError while doing it:
        pytest.param("---\ndate: 2025-02-30\n---\nBody.", "date", id="bad-date-unquoted-feb-30"),
        pytest.param("---\ndate: 2025-03-04T25:00:00Z\n---\nBody.", "date", id="bad-datetime-unquoted-hour-25"),
        pytest.param("---\norganizations: {name: Harborline}\n---\nBody.", "invalid organizations",
                     id="organizations-mapping"),
        pytest.param("---\ntitle: Notice\nkind: notice\n\nBody without a closing line.", "never closed",
                     id="unclosed"),
        pytest.param("---\n", "never closed", id="only-opening-line"),
        pytest.param("---\n- notice\n- article\n---\nBody.", "must be a mapping", id="list-not-mapping"),
        pytest.param("---\njust a sentence\n---\nBody.", "must be a mapping", id="scalar-not-mapping"),
        pytest.param("---\ntitle: [unclosed\n---\nBody.", "not valid YAML", id="invalid-yaml"),
    ],
)
def test_load_markdown_metadata_errors(tmp_path: Path, content: str, reason_part: str) -> None:
    path = write(tmp_path, "notice.md", content)
    with pytest.raises(MetadataError) as info:
        load_file(path)
    assert info.value.path == str(path)
    assert reason_part in info.value.reason
    assert "\n" not in str(info.value)


# --- unsupported, empty, unreadable ------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "shown_suffix"),
    [
        pytest.param("notice.odt", "'.odt'", id="odt"),
        pytest.param("notice.docx", "'.docx'", id="docx"),
        pytest.param("notice.txt.bak", "'.bak'", id="last-suffix-counts"),
        pytest.param("NOTICE", "'(none)'", id="no-extension"),
    ],
)
def test_unknown_extension(tmp_path: Path, name: str, shown_suffix: str) -> None:
    path = write(tmp_path, name, "Harborline Market fixed it.")
    with pytest.raises(UnsupportedFormatError) as info:
        load_file(path)
    assert info.value.path == str(path)
    assert info.value.reason.startswith(f"unsupported file type {shown_suffix}")
    assert ".txt" in info.value.reason and ".md" in info.value.reason and ".html" in info.value.reason


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("empty.txt", "", id="txt-empty"),
        pytest.param("blank.txt", " \n\t\r\n\u00a0\n", id="txt-whitespace-only"),
        pytest.param("bom.txt", b"\xef\xbb\xbf", id="txt-bom-only"),
        pytest.param("zw.txt", "\u200b\u200d\n", id="txt-zero-width-only"),
        pytest.param("empty.md", "", id="md-empty"),
        pytest.param("blank.md", "\n\n   \n", id="md-whitespace-only"),
        pytest.param("meta-only.md", "---\nkind: notice\n---\n\n  \n", id="md-front-matter-only"),
        pytest.param("empty.html", "", id="html-empty"),
        pytest.param(
            "nav.html",
            '<html><body><nav><ul><li><a href="/">Home</a></li><li><a href="/w">World</a></li></ul></nav>'
            "<footer>Copyright Example Daily</footer></body></html>",
            id="html-nav-and-footer-only",
        ),
        pytest.param("tags.html", "<html><head><title>Harborline</title></head><body></body></html>",
                     id="html-title-but-no-body-text"),
    ],
)
def test_empty_source(tmp_path: Path, name: str, content: str | bytes) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(EmptySourceError) as info:
        load_file(path)
    assert info.value.path == str(path)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        pytest.param("latin1.txt", "Caf\u00e9 Harborline".encode("latin-1"), "not UTF-8 text (byte 3)", id="txt-latin1"),
        pytest.param("bad.txt", b"Harborline \xff\xfe notice", "not UTF-8 text (byte 11)", id="txt-invalid-bytes"),
        pytest.param("bad.md", b"---\nkind: notice\n---\nCaf\xe9", "not UTF-8 text (byte 24)", id="md-latin1"),
    ],
)
def test_non_utf8_is_source_error(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert not isinstance(info.value, (EmptySourceError, MetadataError, UnsupportedFormatError))
    assert info.value.reason == reason
    assert str(info.value) == f"{path}: {reason}"


def test_missing_file_is_source_error(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert info.value.reason.startswith("cannot read file")


# --- parse_date / make_meta / split_front_matter directly ------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param("", None, id="empty-string"),
        pytest.param(dt.date(2025, 3, 4), dt.date(2025, 3, 4), id="date"),
        pytest.param(dt.datetime(2025, 3, 4, 23, 59), dt.date(2025, 3, 4), id="datetime"),
        pytest.param("2025-03-04", dt.date(2025, 3, 4), id="iso-date"),
        pytest.param("  2025-03-04  ", dt.date(2025, 3, 4), id="padded"),
        pytest.param("2025-03-04T10:00:00Z", dt.date(2025, 3, 4), id="iso-datetime-z"),
        pytest.param("2025-03-04T10:00:00+02:00", dt.date(2025, 3, 4), id="iso-datetime-offset"),
        pytest.param("2025-03-04 10:00", dt.date(2025, 3, 4), id="iso-datetime-space"),
    ],
)
def test_parse_date(value: object, expected: dt.date | None) -> None:
    assert parse_date(value, "where") == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("March 4, 2025", id="words"),
        pytest.param("2025-13-01", id="month-13"),
        pytest.param("2025-02-30", id="feb-30"),
        pytest.param("04/03/2025", id="slashes"),
        pytest.param("yesterday", id="relative"),
        pytest.param(2025, id="int"),
    ],
)
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(MetadataError) as info:
        parse_date(value, "cli --date")
    assert info.value.path == "cli --date"
    assert "not ISO 8601" in info.value.reason


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({}, SourceMeta(), id="empty"),
        pytest.param({"kind": "statement", "organizations": "Harborline Market"},
                     SourceMeta(kind="statement", organizations=["Harborline Market"]), id="cli-overrides"),
        pytest.param({"date": "2025-03-04", "publisher": " Example Daily "},
                     SourceMeta(date=dt.date(2025, 3, 4), publisher="Example Daily"), id="strings-trimmed"),
        pytest.param({"title": None, "kind": None}, SourceMeta(), id="none-values-ignored"),
    ],
)
def test_make_meta(fields: dict[str, object], expected: SourceMeta) -> None:
    assert make_meta(fields, "where") == expected


@pytest.mark.parametrize(
    ("fields", "reason_part"),
    [
        pytest.param({"speaker": "Harborline"}, "unknown metadata key(s) speaker", id="unknown-key"),
        pytest.param({"b_key": 1, "a_key": 2}, "unknown metadata key(s) a_key, b_key", id="unknown-keys-sorted"),
        pytest.param({"kind": "blog"}, "invalid kind", id="bad-kind"),
        pytest.param({"date": "someday"}, "not ISO 8601", id="bad-date"),
    ],
)
def test_make_meta_errors(fields: dict[str, object], reason_part: str) -> None:
    with pytest.raises(MetadataError) as info:
        make_meta(fields, "where")
    assert reason_part in info.value.reason


@pytest.mark.parametrize(
    ("text", "fields", "body"),
    [
        pytest.param("No front matter.", {}, "No front matter.", id="none"),
        pytest.param("---\nkind: notice\n---\nBody.", {"kind": "notice"}, "Body.", id="simple"),
        pytest.param("---\n---\nBody.", {}, "Body.", id="empty"),
        pytest.param("---\nkind: notice\n---", {"kind": "notice"}, "", id="no-body"),
        pytest.param("---\n2025: year\n---\nB", {"2025": "year"}, "B", id="keys-stringified"),
        pytest.param("---\nkind: notice\n---\nA\n---\nB", {"kind": "notice"}, "A\n---\nB", id="later-rule-in-body"),
        pytest.param("---title: x\n---\nB", {}, "---title: x\n---\nB", id="dashes-then-text-not-front-matter"),
    ],
)
def test_split_front_matter(text: str, fields: dict[str, object], body: str) -> None:
    assert split_front_matter(text, "where") == (fields, body)


# --- .html -------------------------------------------------------------------------------------

ARTICLE_PARAGRAPHS = [
    "Harborline Market, a fictional grocery chain, told customers on Monday that a configuration "
    "mistake had made some order histories visible to other shoppers for several hours.",
    f"{LDQ}Because of a configuration mistake, your order history was visible to other shoppers. "
    f"We have fixed it,{RDQ} the company wrote in an email seen by Example Daily.",
    f"A spokesperson for Harborline said the company was {LDQ}still working out how many customers "
    f"were affected{RDQ} and declined to give a number.",
    f"The company{RSQ}s notice did not say whether payment details had been exposed, and it did not "
    f"name a regulator it had informed.",
]

NAV_ITEMS = ["Home page link", "World news menu", "Subscribe today offer", "Sign in to Example Daily"]


def article_html(date_meta: str) -> str:
    nav = "".join(f'<li><a href="/{i}">{item}</a></li>' for i, item in enumerate(NAV_ITEMS))
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>Harborline Market confirms order history exposure | Example Daily</title>\n"
        '<meta property="og:site_name" content="Example Daily">\n'
        '<meta property="og:title" content="Harborline Market confirms order history exposure">\n'
        f"{date_meta}\n"
        '<link rel="canonical" href="https://daily.example/harborline-order-history">\n'
        "</head>\n<body>\n"
        f"<header><nav><ul>{nav}</ul></nav></header>\n"
        "<article>\n<h1>Harborline Market confirms order history exposure</h1>\n"
        f"{paragraphs}\n</article>\n"
        "<footer><p>Copyright Example Daily footer line. All rights reserved.</p></footer>\n"
        "</body>\n</html>\n"
    )


DATE_METAS = [
    pytest.param('<meta property="article:published_time" content="2025-03-04T09:30:00Z">', id="published-time-z"),
    pytest.param('<meta property="article:published_time" content="2025-03-04T23:30:00-05:00">',
                 id="published-time-offset"),
    pytest.param('<meta name="date" content="2025-03-04">', id="meta-name-date"),
    pytest.param('<meta itemprop="datePublished" content="2025-03-04">', id="itemprop-date"),
]


@pytest.mark.parametrize("date_meta", DATE_METAS)
def test_load_html_metadata(tmp_path: Path, date_meta: str) -> None:
    path = write(tmp_path, "article.html", article_html(date_meta))
    doc = load_file(path)
    assert doc.meta == SourceMeta(
        title="Harborline Market confirms order history exposure",
        url="https://daily.example/harborline-order-history",
        publisher="Example Daily",
        date=dt.date(2025, 3, 4),
    )
    assert doc.locator == str(path.resolve())


@pytest.mark.parametrize("paragraph", ARTICLE_PARAGRAPHS, ids=[f"p{i}" for i in range(len(ARTICLE_PARAGRAPHS))])
def test_load_html_keeps_each_paragraph_verbatim(tmp_path: Path, paragraph: str) -> None:
    doc = load_file(write(tmp_path, "article.htm", article_html(DATE_METAS[0].values[0])))
    assert paragraph in doc.text.split("\n")


@pytest.mark.parametrize(
    "boilerplate", NAV_ITEMS + ["Copyright Example Daily footer line", "| Example Daily"],
)
def test_load_html_drops_navigation(tmp_path: Path, boilerplate: str) -> None:
    doc = load_file(write(tmp_path, "article.html", article_html(DATE_METAS[0].values[0])))
    assert boilerplate not in doc.text


def test_load_html_text_is_normalised_with_curly_quotes(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "article.html", article_html(DATE_METAS[0].values[0])))
    assert doc.text == normalize(doc.text)
    assert doc.text.count(LDQ) == 2 and doc.text.count(RDQ) == 2 and RSQ in doc.text
    assert '"' not in doc.text


def test_html_document_passes_locator_through() -> None:
    doc = html_document(article_html(""), "feed item 7", "https://daily.example/harborline-order-history")
    assert doc.locator == "https://daily.example/harborline-order-history"
    assert doc.meta.date is None
    assert ARTICLE_PARAGRAPHS[1] in doc.text


def test_html_document_unparseable_date_is_dropped() -> None:
    html = article_html('<meta property="article:published_time" content="sometime soon">')
    assert html_document(html, "where", "loc").meta.date is None


def test_html_document_without_text_names_where() -> None:
    with pytest.raises(EmptySourceError) as info:
        html_document("<html><body></body></html>", "feed item 7", "loc")
    assert info.value.path == "feed item 7"


# --- expand_paths ------------------------------------------------------------------------------

TREE = {
    "corpus/a.txt": "Harborline A.",
    "corpus/b.md": "Harborline B.",
    "corpus/UPPER.TXT": "Harborline upper.",
    "corpus/sub/c.html": "<html><body><p>Harborline C.</p></body></html>",
    "corpus/sub/deeper/d.markdown": "Harborline D.",
    "corpus/sub/e.odt": "not really an odt",
    "corpus/sub/README": "no extension",
    "corpus/.hidden.txt": "hidden file",
    "corpus/.git/config.txt": "hidden folder",
    "corpus/sub/.cache/f.md": "hidden nested folder",
    "other/g.htm": "<html><body><p>Harborline G.</p></body></html>",
}

CORPUS_FILES = ["corpus/UPPER.TXT", "corpus/a.txt", "corpus/b.md", "corpus/sub/c.html",
                "corpus/sub/deeper/d.markdown"]


@pytest.mark.parametrize(
    ("inputs", "expected_files", "expected_missing"),
    [
        pytest.param(["corpus"], CORPUS_FILES, [], id="recurse-skip-hidden-and-unsupported"),
        pytest.param(["corpus/sub"], ["corpus/sub/c.html", "corpus/sub/deeper/d.markdown"], [], id="subfolder"),
        pytest.param(["corpus/sub/e.odt"], ["corpus/sub/e.odt"], [], id="explicit-unsupported-kept"),
        pytest.param(["corpus/sub/README"], ["corpus/sub/README"], [], id="explicit-no-extension-kept"),
        pytest.param(["corpus/.hidden.txt"], ["corpus/.hidden.txt"], [], id="explicit-hidden-kept"),
        pytest.param(["corpus/.git"], ["corpus/.git/config.txt"], [], id="explicit-hidden-folder-expanded"),
        pytest.param(["missing.txt"], [], ["missing.txt"], id="missing-file"),
        pytest.param(["nowhere/"], [], ["nowhere"], id="missing-folder"),
        pytest.param(
            ["other/g.htm", "missing.md", "corpus/sub/deeper", "gone"],
            ["other/g.htm", "corpus/sub/deeper/d.markdown"], ["missing.md", "gone"],
            id="mixed-order-kept",
        ),
        pytest.param([], [], [], id="nothing"),
    ],
)
def test_expand_paths(
    tmp_path: Path, inputs: list[str], expected_files: list[str], expected_missing: list[str]
) -> None:
    for rel, content in TREE.items():
        write(tmp_path, rel, content)
    files, errors = expand_paths(tmp_path / p for p in inputs)
    assert files == [tmp_path / p for p in expected_files]
    assert [e.path for e in errors] == [str(tmp_path / p) for p in expected_missing]
    assert all(type(e) is SourceError and e.reason == "no such file or folder" for e in errors)


@pytest.mark.parametrize(
    ("rel", "error"),
    [
        pytest.param("corpus/sub/e.odt", UnsupportedFormatError, id="odt"),
        pytest.param("corpus/sub/README", UnsupportedFormatError, id="no-extension"),
    ],
)
def test_explicit_unsupported_file_reported_by_load_file(tmp_path: Path, rel: str, error: type) -> None:
    for path_rel, content in TREE.items():
        write(tmp_path, path_rel, content)
    files, errors = expand_paths([tmp_path / rel])
    assert errors == []
    with pytest.raises(error):
        load_file(files[0])


def test_expanded_corpus_loads(tmp_path: Path) -> None:
    for rel, content in TREE.items():
        write(tmp_path, rel, content)
    files, _ = expand_paths([tmp_path / "corpus"])
    texts = [load_file(f).text for f in files]
    assert texts == ["Harborline upper.", "Harborline A.", "Harborline B.", "Harborline C.", "Harborline D."]
