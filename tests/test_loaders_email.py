"""The ``.eml`` loader: body choice, transfer encodings, charsets, headers, attachments, bad files.

Every message is written here, about the fictional Harborline Market.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from knowledge.errors import EmptySourceError, SourceError
from knowledge.loaders import LoadedDocument, adopt_organization, load_bytes, load_file
from knowledge.loaders.email import email_document, unflow
from knowledge.records import SourceMeta
from knowledge.service import KnowledgeBase

HEAD = (b"From: Harborline Market <notices@harborline.example>\r\n"
        b"To: customer@example.com\r\n"
        b"Subject: Important notice about your account\r\n"
        b"Date: Tue, 04 Mar 2025 09:15:00 -0500\r\n"
        b"MIME-Version: 1.0\r\n")


def message(content_type: bytes, body: bytes, encoding: bytes = b"8bit", head: bytes = HEAD) -> bytes:
    return (head + b"Content-Type: " + content_type + b"\r\nContent-Transfer-Encoding: " + encoding
            + b"\r\n\r\n" + body)


def load(data: bytes) -> LoadedDocument:
    return email_document(data, "upload:notice.eml")


ALTERNATIVE = HEAD + b"""Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

We are writing to tell you about an incident that may have affected your acc=
ount. We have reset your password =E2=80=94 no action is needed.

--b1
Content-Type: text/html; charset="utf-8"

<html><body><p>The HTML version of this letter says something else entirely.</p></body></html>
--b1--
"""


def test_multipart_alternative_prefers_the_plain_text_part() -> None:
    doc = load(ALTERNATIVE)
    assert doc.text.startswith("We are writing to tell you about an incident")
    assert "HTML version" not in doc.text


def test_quoted_printable_soft_line_breaks_and_escapes_are_decoded() -> None:
    doc = load(ALTERNATIVE)
    assert "may have affected your account." in doc.text  # "acc=" + newline + "ount"
    assert "=\n" not in doc.text and "=E2" not in doc.text
    assert "your password — no action is needed." in doc.text


def test_crlf_quoted_printable_soft_breaks_are_decoded() -> None:
    body = b"Your card ending 4242 was not aff=\r\nected by the inci=\r\ndent.\r\n"
    doc = load(message(b'text/plain; charset="utf-8"', body, b"quoted-printable"))
    assert doc.text == "Your card ending 4242 was not affected by the incident."


def test_latin_1_body_and_encoded_word_subject() -> None:
    head = HEAD.replace(b"Subject: Important notice about your account",
                        b"Subject: =?iso-8859-1?q?Avis_important_=E0_nos_clients?=")
    body = "Nous avons identifié un accès non autorisé à la base de données du café.".encode("latin-1")
    doc = load(message(b"text/plain; charset=ISO-8859-1", body, head=head))
    assert doc.text == "Nous avons identifié un accès non autorisé à la base de données du café."
    assert doc.meta.title == "Avis important à nos clients"


def test_windows_1252_body_keeps_curly_quotes_and_dashes() -> None:
    body = "Harborline said: “We are sorry” – the issue is fixed.".encode("cp1252")
    assert b"\x93" in body and b"\x96" in body  # bytes that Latin-1 leaves as control characters
    doc = load(message(b"text/plain; charset=windows-1252", body))
    assert doc.text == "Harborline said: “We are sorry” – the issue is fixed."


def test_latin_1_label_on_windows_1252_bytes_reads_the_superset() -> None:
    body = "Harborline’s notice: “no passwords were taken”.".encode("cp1252")
    doc = load(message(b"text/plain; charset=iso-8859-1", body))
    assert doc.text == "Harborline’s notice: “no passwords were taken”."


def test_quoted_printable_windows_1252_html_only() -> None:
    html = (b"<html><head><title>ignored</title></head><body>"
            b"<h1>Notice of a data incident</h1>"
            b"<p>We are sorry =96 your caf=E9 loyalty card was not affected by the incident.</p>"
            b"<p>We have notified the regulator and reset every pass=\r\nword.</p></body></html>")
    doc = load(message(b"text/html; charset=windows-1252", html, b"quoted-printable"))
    assert "We are sorry – your café loyalty card was not affected by the incident." in doc.text
    assert "reset every password." in doc.text
    assert "<p>" not in doc.text and "ignored" not in doc.text
    assert doc.meta.title == "Important notice about your account"  # the Subject, not <title>
    assert [b.kind for b in doc.blocks].count("paragraph") >= 2


def test_empty_plain_part_falls_back_to_the_html_part() -> None:
    data = HEAD + b"""Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset="utf-8"


--b1
Content-Type: text/html; charset="utf-8"

<html><body><p>Only the HTML part holds the letter about the incident.</p></body></html>
--b1--
"""
    assert load(data).text == "Only the HTML part holds the letter about the incident."


def mixed_with_attachments() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Harborline Market <notices@harborline.example>"
    msg["Subject"] = "Your questions answered"
    msg["Date"] = "Wed, 05 Mar 2025 10:00:00 +0000"
    msg.set_content("Please read the attached questions and answers about the incident.\n")
    msg.add_attachment(b"%PDF-1.4 ATTACHEDPDFWORDS", maintype="application", subtype="pdf",
                       filename="breach-faq.pdf")
    msg.add_attachment("ATTACHEDTEXTWORDS in a log file\n", filename="access log.txt")
    return msg.as_bytes()


def test_attachments_are_listed_and_not_indexed() -> None:
    doc = load(mixed_with_attachments())
    assert doc.text == "Please read the attached questions and answers about the incident."
    assert doc.attachments == ("breach-faq.pdf (application/pdf)", "access log.txt (text/plain)")
    assert "ATTACHED" not in doc.text


def test_a_message_with_only_an_attachment_has_no_body() -> None:
    msg = EmailMessage()
    msg["From"] = "notices@harborline.example"
    msg["Subject"] = "Attached"
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="letter.pdf")
    with pytest.raises(EmptySourceError, match="no text or HTML body"):
        load(msg.as_bytes())


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(b"Tue, 04 Mar 2025 09:15:00 -0500", dt.date(2025, 3, 4), id="rfc5322"),
        pytest.param(b"Tue, 4 Mar 2025 23:30:00 -0800", dt.date(2025, 3, 4), id="sender-local-date-not-utc"),
        pytest.param(b"4 Mar 2025 09:15 GMT", dt.date(2025, 3, 4), id="no-weekday-obsolete-zone"),
        pytest.param(b"yesterday afternoon", None, id="unparseable-is-no-date"),
    ],
)
def test_date_header(header: bytes, expected: dt.date | None) -> None:
    head = HEAD.replace(b"Tue, 04 Mar 2025 09:15:00 -0500", header)
    doc = load(message(b"text/plain", b"We fixed the incident.", head=head))
    assert doc.meta.date == expected


def test_headers_give_title_publisher_kind_and_sender_names() -> None:
    doc = load(ALTERNATIVE)
    assert doc.meta.title == "Important notice about your account"
    assert doc.meta.publisher == "Harborline Market"
    assert doc.meta.kind == "notice"
    assert doc.publisher_names == ("notices@harborline.example", "harborline.example")


def test_sender_without_display_name_is_published_by_its_address() -> None:
    head = HEAD.replace(b"Harborline Market <notices@harborline.example>", b"notices@harborline.example")
    doc = load(message(b"text/plain", b"We fixed the incident.", head=head))
    assert doc.meta.publisher == "notices@harborline.example"


@pytest.mark.parametrize(
    ("sender", "publisher"),
    [
        pytest.param("Harborline Customer Care <care@mail.example>", "Harborline Market", id="display-name-alias"),
        pytest.param("Dana Whitfield <dana@harborline.example>", "Harborline Market", id="domain"),
        pytest.param("Dana Whitfield <dana@harborlinemarket.com>", "Harborline Market", id="domain-whole-name"),
        pytest.param("support@harborline.example", "Harborline Market", id="bare-address"),
        pytest.param("Example Daily <news@exampledaily.example>", "Example Daily", id="another-sender"),
        pytest.param("Harborlines Fan Club <fans@club.example>", "Harborlines Fan Club", id="not-a-whole-word"),
    ],
)
def test_from_matching_the_organisation_makes_it_the_publisher(sender: str, publisher: str) -> None:
    head = HEAD.replace(b"Harborline Market <notices@harborline.example>", sender.encode())
    doc = load(message(b"text/plain", b"We fixed the incident.", head=head))
    meta = doc.meta.merged(SourceMeta(organizations=["Harborline Market"]))
    assert adopt_organization(doc, meta).publisher == publisher


def test_a_publisher_given_by_the_caller_is_kept() -> None:
    doc = load(ALTERNATIVE)
    meta = doc.meta.merged(SourceMeta(organizations=["Harborline Market"], publisher="State Regulator"))
    assert adopt_organization(doc, meta).publisher == "State Regulator"


def test_ingested_email_from_the_organisation_is_its_notice(kb: KnowledgeBase) -> None:
    head = HEAD.replace(b"Harborline Market <notices@harborline.example>",
                        b"Dana Whitfield <dana@harborline.example>")
    data = message(b"text/plain; charset=utf-8",
                   b"We found that an unauthorised party accessed a database of orders. "
                   b"We have reset every password.", head=head)
    kb.ingest_upload("notice.eml", data, SourceMeta(organizations=["Harborline Market"]))
    [source] = kb.sources()
    assert (source.kind, source.publisher, source.title) == ("notice", "Harborline Market",
                                                             "Important notice about your account")
    answer = kb.ask("What did Harborline Market say about passwords?")
    assert any("reset every password" in s.text for s in answer.statements)


def test_an_email_from_someone_else_is_not_the_organisations_notice(kb: KnowledgeBase) -> None:
    """A reporter forwarding the organisation's e-mail: the words are still quoted inside it, but the
    e-mail is not the organisation's own channel; ``--kind notice`` still says it is."""
    head = HEAD.replace(b"Harborline Market <notices@harborline.example>",
                        b"Dana Whit <dana@fenmoor-gazette.example>")
    data = message(b"text/plain; charset=utf-8", b"Forwarded: we reset every password.", head=head)
    kb.ingest_upload("fwd.eml", data, SourceMeta(organizations=["Harborline Market"]))
    kb.ingest_upload("given.eml", data, SourceMeta(organizations=["Harborline Market"], kind="notice"))
    kinds = {s.locator: (s.kind, s.publisher) for s in kb.sources()}
    assert kinds == {"upload:fwd.eml": ("article", "Dana Whit"), "upload:given.eml": ("notice", "Dana Whit")}


def test_metadata_kind_overrides_notice(kb: KnowledgeBase) -> None:
    kb.ingest_upload("fwd.eml", ALTERNATIVE, SourceMeta(kind="article"))
    assert kb.sources()[0].kind == "article"


def test_format_flowed_lines_are_rejoined() -> None:
    body = b"We have reset every \r\npassword and notified \r\nthe regulator.\r\n-- \r\nHarborline\r\n"
    doc = load(message(b"text/plain; charset=utf-8; format=flowed", body))
    assert doc.text == "We have reset every password and notified the regulator.\n--\nHarborline"
    assert unflow("one-\ntwo", delsp=True) == "one-\ntwo"
    assert unflow("one \ntwo", delsp=True) == "onetwo"


@pytest.mark.parametrize(
    ("charset", "raw", "expected"),
    [
        pytest.param(b"x-unknown-charset", "Caf\u00e9 au lait".encode(), "Caf\u00e9 au lait", id="unknown-label-utf8"),
        pytest.param(b"utf-8", "Caf\u00e9 au lait".encode("cp1252"), "Caf\u00e9 au lait", id="wrong-label-cp1252"),
        pytest.param(None, "Caf\u00e9 au lait".encode(), "Caf\u00e9 au lait", id="undeclared-utf8"),
    ],
)
def test_unknown_or_wrong_charset_falls_back(charset: bytes | None, raw: bytes, expected: str) -> None:
    content_type = b"text/plain" + (b"; charset=" + charset if charset else b"")
    assert load(message(content_type, raw)).text == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"Just some notes about Harborline.\nNo headers here.\n", "not an e-mail message",
                     id="plain-text"),
        pytest.param(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "is a PDF document", id="pdf-under-eml"),
        pytest.param(b"\x00\x01\x02\x03" * 200, "binary", id="binary"),
        pytest.param(b"", "not an e-mail message", id="empty-file"),
    ],
)
def test_broken_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(SourceError, match=reason) as info:
        load(data)
    assert info.value.path == "upload:notice.eml"


def test_an_email_with_an_empty_body_is_an_empty_source() -> None:
    with pytest.raises(EmptySourceError, match="body is empty"):
        load(message(b"text/plain", b"   \r\n\r\n"))


def test_load_file_and_load_bytes_read_eml(tmp_path: Path) -> None:
    path = tmp_path / "Notice.EML"
    path.write_bytes(ALTERNATIVE)
    from_file = load_file(path)
    assert from_file.locator == str(path.resolve())
    from_bytes = load_bytes(ALTERNATIVE, "Notice.EML", "upload:Notice.EML")
    assert from_bytes.locator == "upload:Notice.EML"
    assert from_file.text == from_bytes.text and from_file.meta == from_bytes.meta


def test_cli_ingest_eml_from_the_organisation(run: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    path = tmp_path / "notice.eml"
    path.write_bytes(mixed_with_attachments())
    code, _out, err = run("ingest", str(path), "--org", "Harborline Market")
    assert code == 0, err
    code, out, err = run("sources", "--json")
    assert code == 0, err
    [row] = json.loads(out)
    assert (row["title"], row["publisher"], row["kind"], row["date"]) == (
        "Your questions answered", "Harborline Market", "notice", "2025-03-05")
