"""The ``.pdf`` loader and page numbers: text and page offsets, ligatures, line-end hyphens, paragraph
gaps, bad PDFs (no text layer, encrypted, cut short, corrupt) leaving the index unchanged, the page of
a quote in an answer, uploads, both catalogues keeping the pages, and the command line.

Every PDF is generated here (``pdf_factory``, fpdf2), about the fictional Harborline Market.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdf_factory
import pytest

from knowledge.catalog import Catalog
from knowledge.errors import EmptySourceError, SourceError, UnsupportedFormatError
from knowledge.loaders import NoTextLayerError, load_bytes, load_file
from knowledge.loaders.pdf import join_pages, pdf_document, rejoin_hyphens
from knowledge.records import Source, SourceMeta, page_at
from knowledge.service import KnowledgeBase

Run = Callable[..., tuple[int, str, str]]

PAGE_1 = ["Dear customer,", "",
          "We are writing about an incident at Harborline Market that may have affected your account.",
          "On 3 March we found that an unauthorised party had accessed a database of orders."]
PAGE_2 = ['"We have reset every password and we are notifying the regulators," said',
          "Dana Whitfield, Harborline Market's chief executive."]
PAGE_3 = ["What you can do: change your password and watch your statements."]
LETTER = pdf_factory.letter([PAGE_1, PAGE_2, PAGE_3], title="Notice of a data incident")


def load(data: bytes) -> Any:
    return pdf_document(data, "upload:letter.pdf")


def index_state(kb: KnowledgeBase) -> tuple[object, ...]:
    return sorted((s.id, s.content_hash) for s in kb.sources()), kb.counts()


# --- text and pages ------------------------------------------------------------------------------

def test_text_and_page_offsets() -> None:
    doc = load(LETTER)
    assert len(doc.pages) == 3 and doc.pages[0] == 0
    pages = [doc.text[a:b] for a, b in zip(doc.pages, [*doc.pages[1:], len(doc.text)])]
    assert pages[0].startswith("Dear customer,") and pages[0].rstrip().endswith("database of orders.")
    assert pages[1].startswith('"We have reset every password') and "chief executive." in pages[1]
    assert pages[2] == "What you can do: change your password and watch your statements."
    assert doc.text[doc.pages[1] - 2:doc.pages[1]] == "\n\n"  # pages are separated by a blank line
    assert doc.meta.title == "Notice of a data incident"
    assert doc.meta.kind is None and doc.meta.date is None


def test_paragraph_gap_becomes_a_blank_line_and_lines_are_joined() -> None:
    doc = load(LETTER)
    assert doc.text.startswith("Dear customer,\n\nWe are writing about an incident")
    assert "your account. On 3 March" in doc.text  # the next line of the same paragraph
    assert "regulators,\" said Dana Whitfield, Harborline Market's" in doc.text


def test_list_items_keep_their_lines() -> None:
    doc = load(pdf_factory.letter([["What we did:", "- reset every password", "- told the regulator",
                                    "1. Change your password", "2. Watch your", "statements"]]))
    assert doc.text == ("What we did:\n- reset every password\n- told the regulator\n1. Change your password\n"
                        "2. Watch your statements")


@pytest.mark.parametrize(
    ("pages", "offset", "page"),
    [((0, 10, 20), 0, 1), ((0, 10, 20), 9, 1), ((0, 10, 20), 10, 2), ((0, 10, 20), 25, 3),
     ((0, 10, 10), 10, 3), ((), 5, None)],
)
def test_page_at(pages: tuple[int, ...], offset: int, page: int | None) -> None:
    assert page_at(pages, offset) == page


def test_a_blank_page_starts_where_the_next_text_starts() -> None:
    text, starts = join_pages(["one", "", "three", ""])
    assert text == "one\n\nthree"
    assert starts == (0, 5, 5, 10)
    doc = load(pdf_factory.letter([["First page text."], [], ["Third page text."]]))
    assert doc.pages == (0, 18, 18)
    assert page_at(doc.pages, doc.text.index("Third")) == 3


def test_title_that_is_a_file_name_is_no_title() -> None:
    doc = load(pdf_factory.letter([["Some text about the incident."]], title="Microsoft Word - letter.docx"))
    assert doc.meta.title is None


# --- ligatures and hyphens -------------------------------------------------------------------------

needs_unicode_font = pytest.mark.skipif(pdf_factory.unicode_font() is None,
                                        reason="no Unicode TrueType font to draw ligature glyphs with")


@needs_unicode_font
def test_ligatures_and_line_end_hyphens_in_a_generated_pdf() -> None:
    lines = ["We sent the notifi-", "cation to every customer whose of\ufb01ce address",
             "was in the \ufb01le. The well-", "known \ufb02aw was e\ufb00ective-",
             "ly \ufb01xed by a third-", "party vendor, the a\ufb03liate and the ba\ufb04ed sta\ufb00."]
    raw = pdf_factory.letter([lines], unicode=True)
    import io

    from pypdf import PdfReader

    assert "\ufb01" in PdfReader(io.BytesIO(raw)).pages[0].extract_text()  # the PDF does hold ligatures
    doc = load(raw)
    assert doc.text == ("We sent the notification to every customer whose office address "
                        "was in the file. The well-known flaw was effectively fixed by a third-party vendor, "
                        "the affiliate and the baffled staff.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a notifi-\ncation here", "a notification here", id="syllable-break"),
        pytest.param("a well-\nknown issue", "a well-known issue", id="compound-head"),
        pytest.param("a cloud-\nbased shop", "a cloud-based shop", id="compound-tail"),
        pytest.param("state-of-the-\nart", "state-of-the-art", id="already-hyphenated"),
        pytest.param("COVID-\n19 and Harborline-\nMarket", "COVID-19 and Harborline-Market",
                     id="digit-or-capital-keeps"),
        pytest.param("the items -\nnames", "the items -\nnames", id="spaced-dash-is-no-hyphen"),
        pytest.param("pass\u00ad\nwords", "passwords", id="soft-hyphen"),
        pytest.param("a cus-\ntomer-facing page", "a customer-facing page", id="break-before-compound"),
        pytest.param("deci-\nsion\nand more", "decision\nand more", id="other-lines-kept"),
        pytest.param("an e-mail and a re-\nsponse", "an e-mail and a response", id="short-head"),
        pytest.param("the co-\nordinated and the co-ordinated", "the co-ordinated and the co-ordinated",
                     id="hyphenated-elsewhere"),
        pytest.param("a self-\nish act; selfish", "a selfish act; selfish", id="joined-elsewhere-wins"),
    ],
)
def test_rejoin_hyphens(text: str, expected: str) -> None:
    assert rejoin_hyphens(text) == expected


# --- bad PDFs --------------------------------------------------------------------------------------

def test_no_text_layer_is_a_clear_error_and_the_index_is_unchanged(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.ingest_upload("letter.pdf", LETTER)
    before = index_state(kb)
    scan = pdf_factory.scanned(pages=2)
    with pytest.raises(NoTextLayerError, match=r"no extractable text \(scanned\?\)") as info:
        kb.ingest_upload("scan.pdf", scan)
    assert isinstance(info.value, EmptySourceError) and info.value.path == "upload:scan.pdf"
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan)
    report, errors = kb.ingest_paths([path])
    assert [str(e) for e in errors] == [f"{path}: no extractable text (scanned?)"]
    assert report.added == [] and report.failed == [str(path)]
    assert index_state(kb) == before


def test_encrypted_pdf_needing_a_password_is_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(SourceError, match="encrypted with a password"):
        kb.ingest_upload("locked.pdf", pdf_factory.encrypted(["Harborline Market reset every password."]))
    assert kb.sources() == []


def test_encrypted_pdf_with_an_empty_user_password_is_read() -> None:
    doc = load(pdf_factory.encrypted(["Harborline Market reset every password."], user_password=""))
    assert doc.text == "Harborline Market reset every password."


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(LETTER[: len(LETTER) // 2], "cut short", id="truncated"),
        pytest.param(LETTER[:-40], "cut short", id="truncated-near-the-end"),
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", "not a readable PDF", id="garbage"),
        pytest.param(LETTER.replace(b"/Pages", b"/Pagez"), "not a readable PDF", id="broken-structure"),
        pytest.param(b"<html><body>not a pdf</body></html>", "not a PDF file", id="html-named-pdf"),
        pytest.param(b"", "not a PDF file", id="empty"),
    ],
)
def test_truncated_or_corrupt_pdf_is_a_clear_error(kb: KnowledgeBase, data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason) as info:
        kb.ingest_upload("broken.pdf", data)
    assert "\n" not in str(info.value) and info.value.path == "upload:broken.pdf"
    assert kb.sources() == []


def test_a_pdf_under_a_text_name_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_bytes(LETTER)
    with pytest.raises(SourceError, match="is a PDF document, not text; give it a .pdf name"):
        load_file(path)


# --- answers, uploads, catalogues ------------------------------------------------------------------

def test_a_quote_in_an_answer_carries_its_page(kb: KnowledgeBase) -> None:
    kb.ingest_upload("letter.pdf", LETTER, SourceMeta(kind="article", organizations=["Harborline Market"]))
    answer = kb.ask("What did Harborline Market say about passwords?")
    quotes = [q for q in answer.quotes if "reset every password" in q.text]
    assert quotes, answer.quotes
    assert {q.page for q in quotes} == {2}
    assert all(q.page == page_at(kb.sources()[0].pages, q.start) for q in answer.quotes)


def test_a_source_without_pages_has_no_page(kb: KnowledgeBase) -> None:
    kb.ingest_upload("letter.txt", "“We have reset every password,” said Harborline Market.".encode(),
                     SourceMeta(kind="article", organizations=["Harborline Market"]))
    answer = kb.ask("What did Harborline Market say about passwords?")
    assert answer.quotes and all(q.page is None for q in answer.quotes)


def test_upload_again_is_unchanged_and_a_changed_file_updates(kb: KnowledgeBase) -> None:
    first = kb.ingest_upload("letter.pdf", LETTER)
    assert len(first.added) == 1
    source_id = first.added[0]
    assert kb.catalog.get(source_id).locator == "upload:letter.pdf"
    assert kb.ingest_upload("letter.pdf", LETTER).unchanged == [source_id]
    changed = pdf_factory.letter([PAGE_1, PAGE_2, ["A new third page about the follow-up review."]])
    report = kb.ingest_upload("letter.pdf", changed)
    assert report.updated == [source_id]
    stored = kb.catalog.get(source_id)
    assert "follow-up review" in stored.text and len(stored.pages) == 3


def test_upload_with_a_url_is_identified_by_it(kb: KnowledgeBase) -> None:
    url = "https://harborline.example/notice.pdf"
    report = kb.ingest_upload("notice.pdf", LETTER, SourceMeta(url=url))
    assert kb.catalog.get(report.added[0]).url == url
    assert kb.ingest_upload("renamed.pdf", LETTER, SourceMeta(url=url)).unchanged == report.added


def test_upload_of_an_unsupported_type(kb: KnowledgeBase) -> None:
    with pytest.raises(UnsupportedFormatError, match="unsupported file type '.docx'"):
        kb.ingest_upload("letter.docx", b"PK\x03\x04")
    assert kb.sources() == []


def test_sqlite_catalogue_keeps_pages(tmp_path: Path) -> None:
    doc = load(LETTER)
    source = Source(id="src_000000000001", title="Letter", kind="notice", locator="upload:letter.pdf",
                    content_hash="h", ingested_at="2025-03-04T00:00:00+00:00", text=doc.text,
                    pages=list(doc.pages))
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with catalog.transaction():
        catalog.put(source, [], [])
    catalog.close()
    reopened = Catalog(tmp_path / "catalog.sqlite3")
    stored = reopened.get(source.id)
    assert stored is not None and stored.pages == list(doc.pages)
    assert [s.pages for s in reopened.sources()] == [list(doc.pages)]
    reopened.close()


def test_chroma_catalogue_keeps_pages_and_reads_older_bodies(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from knowledge.chroma_catalog import ChromaCatalog

    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    catalog = ChromaCatalog(client, "pdfpages")
    doc = load(LETTER)
    source = Source(id="src_000000000002", title="Letter", kind="notice", locator="upload:letter.pdf",
                    content_hash="h", ingested_at="2025-03-04T00:00:00+00:00", text=doc.text,
                    pages=list(doc.pages))
    with catalog.transaction():
        catalog.put(source, [], [])
    stored = catalog.get(source.id)
    assert stored is not None and stored.pages == list(doc.pages)
    # a body written before pages were kept: no "pages" key
    generations = catalog._generations
    record = generations.get(include=["documents", "metadatas"])
    body = json.loads(record["documents"][0])
    del body["pages"]
    generations.update(ids=record["ids"], documents=[json.dumps(body)], embeddings=[[1.0]])
    assert catalog.get(source.id).pages == []


def test_load_bytes_picks_the_pdf_loader_by_name() -> None:
    doc = load_bytes(LETTER, "LETTER.PDF", "upload:LETTER.PDF")
    assert doc.locator == "upload:LETTER.PDF" and len(doc.pages) == 3
    assert load_bytes(LETTER, "letter.pdf").locator == "letter.pdf"


# --- the command line ------------------------------------------------------------------------------

def test_cli_ingest_letter_pdf_and_cite_its_page(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(LETTER)
    code, out, err = run("ingest", str(path), "--kind", "article", "--org", "Harborline Market", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert len(report["added"]) == 1 and report["errors"] == []
    code, out, err = run("ask", "What did Harborline Market say about passwords?", "--json")
    assert code == 0, err
    quotes = [q for q in json.loads(out)["quotes"] if "reset every password" in q["text"]]
    assert quotes and quotes[0]["page"] == 2
    code, out, err = run("ask", "What did Harborline Market say about passwords?")
    assert code == 0, err
    assert "Notice of a data incident" in out and "p. 2" in out


def test_cli_ingest_scanned_pdf_fails_with_one_line(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_factory.scanned())
    code, _out, err = run("ingest", str(path))
    assert code != 0
    assert "no extractable text (scanned?)" in err and err.count("\n") == 1


def test_errors_name_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("scan.pdf").write_bytes(pdf_factory.scanned())
    with pytest.raises(NoTextLayerError) as info:
        load_file(Path("scan.pdf"))
    assert info.value.path == "scan.pdf"
    Path("notice.eml").write_bytes(b"no headers in this file at all\n")
    with pytest.raises(SourceError) as info:
        load_file(Path("notice.eml"))
    assert info.value.path == "notice.eml"
