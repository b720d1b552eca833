"""Bad input for the loaders: null metadata, text that is not text, and HTML as real pages are.

Every fixture is invented for these tests (Fenwick Borough Council, Example Daily, Example Times).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge.errors import EmptySourceError, MetadataError, SourceError
from knowledge.loaders import LoadedDocument, TextBlock, html_document, load_file, make_meta
from knowledge.loaders.html import clean_title, declared_charset
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase
from knowledge.text import find_verbatim, fold, fold_with_offsets, is_verbatim, normalize

LDQ, RDQ, RSQ = "\u201c", "\u201d", "\u2019"
SHY, ZWSP, ZWJ, WJ, ZWNBSP = "\u00ad", "\u200b", "\u200d", "\u2060", "\ufeff"

COUNCIL = "Fenwick Borough Council"
PARAGRAPHS = [
    "Fenwick Borough Council said on Monday that the opening hours of its three libraries would "
    "change from the first week of April, after a review of how residents use them.",
    f"{LDQ}We looked at a year of visits before deciding anything,{RDQ} the council said in a notice "
    "posted on its website. It did not say how many staff hours would be cut.",
    "Residents of the borough have until the end of the month to comment on the new schedule, which "
    "the council will publish in full at each library.",
]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def no_none_string(meta: SourceMeta) -> bool:
    values = [meta.title, meta.url, meta.publisher, meta.kind, *meta.organizations]
    return all(v is None or (v.strip() and v.lower() not in ("none", "null", "~")) for v in values)


# --- issue 9, item 3: nulls and blanks in metadata -------------------------------------------------

@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        pytest.param(f"organizations: [{COUNCIL}, ~]\n", SourceMeta(organizations=[COUNCIL]), id="list-with-tilde"),
        pytest.param(f"organizations: [{COUNCIL}, null]\n", SourceMeta(organizations=[COUNCIL]), id="list-with-null"),
        pytest.param(f"organizations:\n  - {COUNCIL}\n  -\n  - ''\n  - '  '\n", SourceMeta(organizations=[COUNCIL]),
                     id="block-list-empty-items"),
        pytest.param(f"organizations: [{COUNCIL}, None, none, NULL]\n", SourceMeta(organizations=[COUNCIL]),
                     id="null-words-as-strings"),
        pytest.param(f"organizations: [{COUNCIL}, {COUNCIL}]\n", SourceMeta(organizations=[COUNCIL]),
                     id="duplicates-once"),
        pytest.param("organizations: [~]\n", SourceMeta(), id="only-null"),
        pytest.param("organizations: ~\n", SourceMeta(), id="null-list"),
        pytest.param("organizations: None\n", SourceMeta(), id="none-string-list"),
        pytest.param("organizations: []\n", SourceMeta(), id="empty-list"),
        pytest.param("title: ~\npublisher: null\nurl:\n", SourceMeta(), id="null-scalars"),
        pytest.param("title: None\npublisher: 'None'\nurl: '  '\n", SourceMeta(), id="none-strings-and-blank"),
        pytest.param("kind: ~\ndate: ~\n", SourceMeta(), id="null-kind-and-date"),
        pytest.param("kind: ''\ndate: ''\n", SourceMeta(), id="blank-kind-and-date"),
        pytest.param("date: null\nkind: notice\n", SourceMeta(kind="notice"), id="null-date-string"),
    ],
)
def test_front_matter_nulls_are_dropped(tmp_path: Path, front_matter: str, expected: SourceMeta) -> None:
    doc = load_file(write(tmp_path, "notice.md", f"---\n{front_matter}---\n{PARAGRAPHS[0]}\n"))
    assert doc.meta == expected
    assert no_none_string(doc.meta)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"organizations": [""]}, SourceMeta(), id="cli-org-empty"),
        pytest.param({"organizations": ["  ", COUNCIL]}, SourceMeta(organizations=[COUNCIL]), id="cli-org-blank-and-name"),
        pytest.param({"organizations": [None, COUNCIL]}, SourceMeta(organizations=[COUNCIL]), id="python-none-item"),
        pytest.param({"title": "", "publisher": " ", "url": None}, SourceMeta(), id="cli-blank-scalars"),
        pytest.param({"kind": ""}, SourceMeta(), id="cli-blank-kind"),
        pytest.param({"organizations": [2025]}, SourceMeta(organizations=["2025"]), id="number-item-stringified"),
    ],
)
def test_make_meta_drops_nulls_and_blanks(fields: dict[str, object], expected: SourceMeta) -> None:
    meta = make_meta(fields, "command line")
    assert meta == expected
    assert no_none_string(meta)


@pytest.mark.parametrize(
    ("fields", "reason_part"),
    [
        pytest.param({"organizations": [[COUNCIL]]}, "invalid organizations", id="nested-list"),
        pytest.param({"organizations": [{"name": COUNCIL}]}, "invalid organizations", id="mapping-item"),
        pytest.param({"title": ["a", "b"]}, "invalid title", id="list-title"),
        pytest.param({"publisher": {"name": "Example Daily"}}, "invalid publisher", id="mapping-publisher"),
    ],
)
def test_make_meta_refuses_structures(fields: dict[str, object], reason_part: str) -> None:
    with pytest.raises(MetadataError) as info:
        make_meta(fields, "where")
    assert reason_part in info.value.reason


def test_null_organisation_never_reaches_the_index(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "hours.md", f"---\nkind: notice\norganizations: [{COUNCIL}, ~]\n---\n"
                                       + "\n\n".join(PARAGRAPHS))
    report, errors = kb.ingest_paths([path], make_meta({"organizations": ["", " "]}, "command line"))
    assert not errors and len(report.added) == 1
    assert kb.organizations() == [COUNCIL]
    (source,) = kb.sources()
    assert source.organizations == [COUNCIL]


# --- issue 9, item 10: text that is not text -------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("nul.txt", b"\x00" * 2048, id="txt-2kb-nul"),
        pytest.param("nul.md", b"\x00" * 2048, id="md-2kb-nul"),
        pytest.param("nul.html", b"\x00" * 2048, id="html-2kb-nul"),
        pytest.param("mostly.txt", b"Fenwick " + b"\x01\x02\x03\x1b" * 200, id="txt-mostly-control"),
        pytest.param("padded.txt", PARAGRAPHS[0].encode() + b"\x00" * 2048, id="txt-text-then-nul-padding"),
        pytest.param("nul.html", b"<html><body><p>Fenwick</p>" + b"\x00" * 2048 + b"</body></html>",
                     id="html-with-nul-block"),
    ],
)
def test_mostly_control_characters_is_refused(tmp_path: Path, name: str, content: bytes) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert not isinstance(info.value, EmptySourceError)
    assert info.value.path == str(path)
    assert "control characters" in info.value.reason or "binary" in info.value.reason
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "kind_named"),
    [
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF", id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "PNG", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "JPEG", id="jpeg"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "ZIP", id="docx-zip"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00", "Office", id="old-doc"),
        pytest.param(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "gzip", id="gzip"),
        pytest.param(b"SQLite format 3\x00\x10\x00\x01\x01", "SQLite", id="sqlite"),
        pytest.param(bytes(range(256)) * 8, "binary", id="unknown-binary"),
    ],
)
@pytest.mark.parametrize("name", ["notice.txt", "notice.md", "notice.html"])
def test_binary_file_under_a_text_name_is_refused(tmp_path: Path, name: str, content: bytes,
                                                  kind_named: str) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert kind_named in info.value.reason
    assert "not text" in info.value.reason or "control characters" in info.value.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(f"Fenwick\x00 Borough\x07 Council said\x1b[0m: {LDQ}We changed the hours.{RDQ}",
                     f"Fenwick Borough Council said[0m: {LDQ}We changed the hours.{RDQ}", id="stray-c0"),
        pytest.param("Fenwick\x7f Borough\x85Council\x9b", "Fenwick Borough\nCouncil", id="del-nel-c1"),
        pytest.param("\x00\x00Fenwick Borough Council\x00\x00\n", "Fenwick Borough Council", id="at-edges"),
        pytest.param("one\x0btwo\x0cthree\tfour\r\nfive", "one two three four\nfive", id="whitespace-controls"),
    ],
)
def test_stray_control_characters_are_stripped(tmp_path: Path, raw: str, expected: str) -> None:
    doc = load_file(write(tmp_path, "notice.txt", raw))
    assert doc.text == expected
    assert doc.text == normalize(doc.text)


def test_stripped_text_is_what_offsets_point_into(kb: KnowledgeBase, tmp_path: Path) -> None:
    noisy = "\n\n".join(PARAGRAPHS).replace("libraries", "libra\x00ries").replace("notice", "no\x07tice")
    noisy = "\x1b" + noisy.replace(LDQ, "\x01" + LDQ)
    path = write(tmp_path, "hours.txt", noisy)
    report, errors = kb.ingest_paths([path], SourceMeta(kind="article", organizations=[COUNCIL]))
    assert not errors and report.added
    (source,) = kb.sources()
    assert source.text == "\n\n".join(PARAGRAPHS)
    for chunk in kb.chunker.split(source.id, source.text):
        assert source.text[chunk.start:chunk.end] == chunk.text
    attributions = kb.catalog.attributions([source.id])[source.id]
    assert attributions, "the council's quote is extracted"
    for a in attributions:
        assert source.text[a.start:a.end] == a.text
    assert any("We looked at a year of visits" in a.text for a in attributions)


def test_failed_load_leaves_the_index_as_it_was(kb: KnowledgeBase, tmp_path: Path) -> None:
    good = write(tmp_path, "corpus/hours.txt", "\n\n".join(PARAGRAPHS))
    kb.ingest_paths([good], SourceMeta(organizations=[COUNCIL]))
    before = (kb.counts(), [s.model_dump() for s in kb.sources()])
    nul = write(tmp_path, "corpus/nul.txt", b"\x00" * 2048)
    png = write(tmp_path, "corpus/image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    report, errors = kb.ingest_paths([nul, png], SourceMeta(organizations=[COUNCIL]))
    assert sorted(e.path for e in errors) == sorted([str(png), str(nul)])
    assert report.added == [] and report.updated == []
    assert (kb.counts(), [s.model_dump() for s in kb.sources()]) == before


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"],
)
def test_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    text = f"{PARAGRAPHS[1]}\n"
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    doc = load_file(write(tmp_path, "notice.txt", raw))
    assert doc.text == PARAGRAPHS[1]


# --- soft hyphens, zero-width characters and apostrophes in matching -----------------------------

@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        pytest.param(f"We looked at a year of vis{SHY}its before de{SHY}ciding.", "We looked at a year of visits before deciding.",
                     id="soft-hyphens"),
        pytest.param(f"We looked{ZWSP} at a year{ZWJ} of visits{WJ} before{ZWNBSP} deciding.",
                     "We looked at a year of visits before deciding.", id="zero-width"),
        pytest.param(f"Fen{SHY}wick{RSQ}s libraries", "Fenwick's libraries", id="soft-hyphen-and-curly-apostrophe"),
        pytest.param("Fenwick\u02bcs libraries", "Fenwick\u2019s libraries", id="modifier-apostrophe"),
        pytest.param("Fenwick's libraries", f"Fenwick{RSQ}s libraries", id="typed-curly-stored-straight"),
        pytest.param(f"vis{SHY}its", f"vis{SHY}its", id="typed-with-the-soft-hyphen"),
    ],
)
def test_invisible_characters_are_ignored_in_matching(stored: str, typed: str) -> None:
    assert normalize(stored) == stored, "stored text keeps them"
    haystack = f"Fenwick Borough Council said: {LDQ}{stored}{RDQ} Example Daily reported."
    span = find_verbatim(typed, haystack)
    assert span is not None
    start, end = span
    assert fold(haystack[start:end]) == fold(typed)
    assert is_verbatim(typed, haystack, start, end)
    assert haystack[start] == typed.lstrip()[0] or fold(haystack[start]) == fold(typed.lstrip()[0])
    assert haystack[end - 1] in ".s"  # ends on the last visible character, soft hyphens inside


def test_soft_hyphen_inside_the_span_is_covered() -> None:
    hay = f"The council called it a tempo{SHY}rary change."
    start, end = find_verbatim("temporary change", hay) or (0, 0)
    assert hay[start:end] == f"tempo{SHY}rary change"


def test_fold_with_offsets_skips_invisible_characters() -> None:
    folded, offsets = fold_with_offsets(f"a{SHY}b {ZWSP} c")
    assert folded == "ab c"
    assert offsets == [0, 2, 3, 6]


def test_curly_and_straight_apostrophes_are_one_character_in_fold() -> None:
    assert fold("O\u2019Hara") == fold("O'Hara") == fold("O\u02bcHara") == "O'Hara"
    assert len(fold("O\u2019Hara")) == len("O'Hara")


# --- issue 6, item 6: HTML --------------------------------------------------------------------------

def page(*, head: str = "", byline: str = "", after_article: str = "", sidebar: str = "",
         body: str = "", title: str = "<title>Fenwick changes library hours - Example Daily</title>",
         charset: str = '<meta charset="utf-8">') -> str:
    paragraphs = body or "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<!DOCTYPE html>\n<html><head>{charset}{title}{head}</head><body>\n"
        '<header><nav><a href="/">Home</a> <a href="/local">Local</a></nav></header>\n'
        f"<main><article><h1>Fenwick changes library hours</h1>{byline}{paragraphs}</article></main>\n"
        f"{after_article}<aside class=\"sidebar\">{sidebar}</aside>\n"
        "<footer><p>Example Daily, a fictional newspaper.</p></footer></body></html>"
    )


def test_tables_in_a_notice_are_kept() -> None:
    table = ("<table><tr><th>Library</th><th>Old hours</th><th>New hours</th></tr>"
             "<tr><td>Fenwick Central</td><td>9 to 7</td><td>10 to 6</td></tr>"
             "<tr><td>Marsh Lane</td><td>9 to 5</td><td>Closed on Mondays</td></tr></table>")
    doc = html_document(page(body="".join(f"<p>{p}</p>" for p in PARAGRAPHS) + table), "w", "loc")
    for cell in ("Fenwick Central", "10 to 6", "Marsh Lane", "Closed on Mondays", "New hours"):
        assert cell in doc.text
    assert "| Fenwick Central | 9 to 7 | 10 to 6 |" in doc.text
    assert [b.kind for b in doc.blocks].count("table") == 1


SIDEBARS = [
    pytest.param('<ul><li><a href="https://daily.example/2019/06/12/dam">A dam repair story</a></li></ul>',
                 id="dated-link-path"),
    pytest.param('<ul><li><a href="/dam">A dam repair story, 12 June 2019</a></li></ul>', id="dated-link-text"),
    pytest.param('<ul><li><a href="/dam">A dam repair story</a> <time datetime="2019-06-12">12 June 2019</time></li></ul>',
                 id="time-beside-link"),
    pytest.param('<div class="related"><a href="/dam">A dam repair story</a> <span class="date">2019-06-12</span></div>',
                 id="related-span-date"),
    pytest.param('<h3>Most read</h3><p><a href="/dam"><time datetime="2019-06-12">12 June 2019</time></a></p>',
                 id="time-inside-link"),
]


@pytest.mark.parametrize("sidebar", SIDEBARS)
def test_sidebar_dates_are_never_the_page_date(sidebar: str) -> None:
    assert html_document(page(sidebar=sidebar), "w", "loc").meta.date is None


@pytest.mark.parametrize("sidebar", SIDEBARS)
def test_own_metadata_wins_over_sidebar(sidebar: str) -> None:
    head = ('<meta property="article:published_time" content="2025-03-04T08:00:00Z">'
            '<meta property="article:modified_time" content="2025-03-09T08:00:00Z">')
    assert html_document(page(head=head, sidebar=sidebar), "w", "loc").meta.date == dt.date(2025, 3, 4)


@pytest.mark.parametrize(
    "byline",
    [
        pytest.param('<p class="byline">By Jo Park, <time datetime="2025-03-04">4 March 2025</time></p>', id="time"),
        pytest.param('<div class="byline">By Jo Park | 4 March 2025</div>', id="byline-text"),
        pytest.param('<span class="posted-on"><a href="https://daily.example/fenwick-hours" rel="bookmark">'
                     '<time class="entry-date published" datetime="2025-03-04T09:00:00+00:00">4 March 2025</time>'
                     "</a></span>", id="permalink-time"),
    ],
)
@pytest.mark.parametrize("sidebar", SIDEBARS[:3])
def test_byline_date_is_the_page_date(byline: str, sidebar: str) -> None:
    assert html_document(page(byline=byline, sidebar=sidebar), "w", "loc").meta.date == dt.date(2025, 3, 4)


def test_json_ld_date_is_the_page_date() -> None:
    head = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
            '"headline": "Fenwick changes library hours", "datePublished": "2025-03-04T09:00:00Z"}</script>')
    assert html_document(page(head=head, sidebar=SIDEBARS[2].values[0]), "w", "loc").meta.date == dt.date(2025, 3, 4)


@pytest.mark.parametrize(
    "body_date",
    [
        pytest.param('<p>The council first consulted residents on <time datetime="2024-01-05">5 January 2024</time>, '
                     "and it said the new schedule for the libraries would follow from that consultation.</p>",
                     id="time-in-a-sentence"),
        pytest.param("<p>The council first consulted residents on 5 January 2024.</p>", id="date-in-text"),
    ],
)
def test_a_date_in_the_story_is_not_the_page_date(body_date: str) -> None:
    html = page(body=body_date + "".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    assert html_document(html, "w", "loc").meta.date is None


def test_a_dated_card_outside_the_article_is_not_the_page_date() -> None:
    card = '<div class="story-card"><a href="/dam">A dam story</a> <time datetime="2019-06-12">12 June 2019</time></div>'
    assert html_document(page(after_article=card), "w", "loc").meta.date is None


@pytest.mark.parametrize(
    ("title", "site", "url", "headline", "expected"),
    [
        pytest.param("Fenwick changes library hours - Example Daily", "Example Daily", None, None,
                     "Fenwick changes library hours", id="dash-suffix-site"),
        pytest.param("Fenwick changes library hours | Example Daily", "Example Daily", None, None,
                     "Fenwick changes library hours", id="pipe-suffix-site"),
        pytest.param("Fenwick changes library hours \u2014 Example Daily", "Example Daily", None, None,
                     "Fenwick changes library hours", id="em-dash-suffix-site"),
        pytest.param("Example Daily | Fenwick changes library hours", "Example Daily", None, None,
                     "Fenwick changes library hours", id="prefix-site"),
        pytest.param("Fenwick changes library hours - The Example Daily", "Example Daily", None, None,
                     "Fenwick changes library hours", id="the-site"),
        pytest.param("Fenwick changes library hours | ExampleDaily.com", None, "https://www.exampledaily.com/x",
                     None, "Fenwick changes library hours", id="host-suffix"),
        pytest.param("Fenwick changes library hours - Example Daily", None, None, "Fenwick changes library hours",
                     "Fenwick changes library hours", id="headline-matches-rest"),
        pytest.param("Fenwick - the council that changed its hours", None, None, None,
                     "Fenwick - the council that changed its hours", id="dash-in-headline-kept"),
        pytest.param("Fenwick - the council that changed its hours - Example Daily", "Example Daily", None, None,
                     "Fenwick - the council that changed its hours", id="only-the-site-suffix"),
        pytest.param("Fenwick changes library hours", "Example Daily", None, None,
                     "Fenwick changes library hours", id="no-affix"),
        pytest.param(None, None, None, "Fenwick changes library hours", "Fenwick changes library hours",
                     id="no-title-uses-headline"),
    ],
)
def test_clean_title(title: str | None, site: str | None, url: str | None, headline: str | None,
                     expected: str) -> None:
    assert clean_title(title, site, url, headline) == expected


@pytest.mark.parametrize(
    ("head", "title"),
    [
        pytest.param("<title>Fenwick changes library hours | Example Daily</title>"
                     '<meta property="og:site_name" content="Example Daily">', "pipe-with-site-name"),
        pytest.param("<title>Example Daily - Fenwick changes library hours</title>", "prefix-headline"),
        pytest.param('<meta property="og:title" content="Fenwick changes library hours - Example Daily">'
                     '<meta property="og:site_name" content="Example Daily">', "og-title-suffix"),
    ],
)
def test_page_title_has_no_site_suffix(head: str, title: str) -> None:
    doc = html_document(page(title=head), "w", "loc")
    assert doc.meta.title == "Fenwick changes library hours", title


# charset -------------------------------------------------------------------------------------------

PLAIN = [PARAGRAPHS[0], PARAGRAPHS[2]]  # no curly quotes: encodable in Latin-1
CP1252_PARAGRAPH = f"{LDQ}We looked at a year of visits,{RDQ} the council{RSQ}s caf\u00e9 manager said \u2014 twice."


@pytest.mark.parametrize(
    ("meta", "encoding"),
    [
        pytest.param('<meta charset="windows-1252">', "cp1252", id="meta-charset-windows-1252"),
        pytest.param('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">', "cp1252",
                     id="http-equiv-windows-1252"),
        pytest.param("<meta charset='ISO-8859-1'>", "cp1252", id="latin-1-label-read-as-windows-1252"),
        pytest.param('<meta charset="utf-8">', "cp1252", id="wrongly-declared-utf-8-falls-back"),
        pytest.param("", "cp1252", id="undeclared-non-utf-8"),
        pytest.param("", "utf-8", id="undeclared-utf-8"),
        pytest.param('<meta charset="iso-8859-15">', "iso8859-15", id="latin-9"),
        pytest.param('<meta charset="no-such-charset">', "utf-8", id="unknown-label-utf-8"),
    ],
)
def test_page_is_read_by_its_declared_charset(tmp_path: Path, meta: str, encoding: str) -> None:
    paragraph = CP1252_PARAGRAPH if encoding != "iso8859-15" else "Le caf\u00e9 co\u00fbte 2 \u20ac."
    body = "".join(f"<p>{p}</p>" for p in [paragraph, *PLAIN])
    raw = page(body=body, charset=meta).encode(encoding)
    doc = load_file(write(tmp_path, "page.html", raw))
    assert paragraph in doc.text.split("\n\n")


def test_latin_1_page_without_curly_quotes(tmp_path: Path) -> None:
    paragraph = "Le caf\u00e9 de la biblioth\u00e8que ouvrira \u00e0 dix heures."
    raw = page(body=f"<p>{paragraph}</p>" + "".join(f"<p>{p}</p>" for p in PLAIN),
               charset='<meta charset="latin1">').encode("latin-1")
    assert paragraph in load_file(write(tmp_path, "page.html", raw)).text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b'<meta charset="Windows-1252">', "cp1252", id="case"),
        pytest.param(b'<META HTTP-EQUIV="content-type" CONTENT="text/html;charset=ISO-8859-1">', "cp1252",
                     id="http-equiv-upper"),
        pytest.param(b"<meta charset=utf-8>", "utf-8", id="unquoted"),
        pytest.param(b'<meta charset="utf-16">', "utf-8", id="utf-16-label-is-utf-8"),
        pytest.param(b"<p>no declaration</p>", None, id="none"),
        pytest.param(b'<meta charset="klingon">', None, id="unknown"),
    ],
)
def test_declared_charset(raw: bytes, expected: str | None) -> None:
    assert declared_charset(raw) == expected


# blockquotes and block boundaries -------------------------------------------------------------------

POST = [
    "We are changing library hours from April so that the busiest times get the most staff.",
    "Marsh Lane library will close on Mondays. Fenwick Central will open an hour later.",
]
AFTER = "The council did not say how many staff hours would be cut, and a union representative said she had not been consulted."


def quote_page(quote_html: str) -> str:
    return page(body=(f"<p>{PARAGRAPHS[0]}</p><p>In a blog post on Tuesday, Fenwick Borough Council wrote:</p>"
                      f"{quote_html}<p>{AFTER}</p><p>{PARAGRAPHS[2]}</p>"))


@pytest.mark.parametrize(
    ("quote_html", "expected_paragraphs"),
    [
        pytest.param("<blockquote>" + "".join(f"<p>{p}</p>" for p in POST) + "</blockquote>", POST, id="two-paragraphs"),
        pytest.param(f"<blockquote>{POST[0]}</blockquote>", POST[:1], id="bare-text"),
        pytest.param(f"<blockquote><p>{POST[0]}</p></blockquote>", POST[:1], id="one-paragraph"),
        pytest.param(f"<blockquote><p>{POST[0]}<br>{POST[1]}</p></blockquote>", [f"{POST[0]}\n{POST[1]}"],
                     id="line-break-inside"),
    ],
)
def test_blockquote_ends_where_the_element_ends(quote_html: str, expected_paragraphs: list[str]) -> None:
    doc = html_document(quote_page(quote_html), "w", "loc")
    assert doc.text == normalize(doc.text)
    (span,) = doc.blockquotes()
    quoted = doc.text[span[0]:span[1]]
    assert quoted == "\n\n".join(expected_paragraphs)
    assert AFTER not in quoted
    after = doc.text.index(AFTER)
    assert after >= span[1] + 2 and doc.text[span[1]:after] == "\n\n", "a blank line after the blockquote"
    before = doc.text.index("Fenwick Borough Council wrote:")
    assert doc.text[before:span[0]].endswith("wrote:\n\n")


def test_blocks_cover_the_text_with_blank_lines_between() -> None:
    doc = html_document(quote_page("<blockquote>" + "".join(f"<p>{p}</p>" for p in POST) + "</blockquote>"),
                        "w", "loc")
    assert doc.blocks[0].start == 0 and doc.blocks[-1].end == len(doc.text)
    for prev, nxt in zip(doc.blocks, doc.blocks[1:]):
        assert doc.text[prev.end:nxt.start] == "\n\n"
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "paragraph", "paragraph", "blockquote", "paragraph", "paragraph"]
    for block in doc.blocks:
        assert doc.text[block.start:block.end].strip() == doc.text[block.start:block.end]
    paragraphs = doc.text.split("\n\n")
    assert AFTER in paragraphs and POST[1] in paragraphs


def test_every_html_paragraph_is_its_own_paragraph() -> None:
    doc = html_document(page(), "w", "loc")
    assert doc.text.split("\n\n") == ["Fenwick changes library hours", *PARAGRAPHS]


def test_plain_text_has_no_blocks(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "notice.txt", "\n\n".join(PARAGRAPHS)))
    assert doc.blocks == ()
    assert isinstance(doc, LoadedDocument)
    assert TextBlock("paragraph", 0, 1).kind == "paragraph"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param(f"Fen{SHY}wick Borough Council said it would change the hours.", COUNCIL, id="soft-hyphen"),
        pytest.param(f"Fenwick{ZWSP} Borough Council said it would change the hours.", COUNCIL, id="zwsp"),
        pytest.param(f"{ZWNBSP}Fenwick Borough{WJ} Council{ZWJ} said it would change the hours.", COUNCIL, id="several"),
        pytest.param("Fenwick Borough Council said it would change the hours.", COUNCIL, id="none"),
    ],
)
def test_visible_view_maps_spans_back(text: str, name: str) -> None:
    from knowledge.text import original_span, visible_view

    view, offsets = visible_view(text)
    assert len(offsets) == len(view) + 1
    start = view.index(name)
    a, b = original_span(offsets, start, start + len(name))
    assert fold(text[a:b]) == name
    assert text[a] == "F" and text[b - 1] == "l"
    assert original_span(offsets, len(view), len(view)) == (len(text), len(text))
