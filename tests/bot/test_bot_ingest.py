"""/ingest: cheap refusals at once, then a background task with progress, a summary, the
``knowledge_ingested`` event, the channel when the token would expire, and a clean shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from unittest import mock

import discord
import pytest
from bot_fakes import (
    FakeInteraction,
    UploadingFakeKnowledgeBase,
    UrlFakeKnowledgeBase,
    make_interaction,
    make_settings,
)

from bot.background import ShuttingDownError
from bot.client import DisclosureBot
from bot.exts import ingest as ingest_module
from bot.exts.ingest import EVENT, Ingest, IngestWithUrls
from knowledge.errors import SourceError
from knowledge.records import IngestReport

MANAGER = discord.Permissions(manage_guild=True)


def attachment(filename: str = "notice.txt", data: bytes = b"We fixed it.", size: int | None = None
               ) -> mock.NonCallableMagicMock:
    file = mock.NonCallableMagicMock(spec=discord.Attachment, filename=filename,
                                     size=len(data) if size is None else size)
    file.read = mock.AsyncMock(return_value=data)
    return file


class Run:
    """One /ingest invocation on a bot whose events and channel messages are recorded."""

    def __init__(self, kb: Any, *, expires_in: float = 900.0) -> None:
        self.kb = kb
        self.bot = DisclosureBot(kb, make_settings())
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self.bot.dispatch = lambda name, *args: self.events.append((name, args))  # type: ignore[method-assign]
        self.channel = mock.NonCallableMagicMock(spec=discord.PartialMessageable)
        self.bot.get_partial_messageable = mock.Mock(return_value=self.channel)  # type: ignore[method-assign]
        self.cog = (IngestWithUrls if hasattr(kb, "ingest_urls") else Ingest)(kb, self.bot)
        self.fake: FakeInteraction = make_interaction(kb.events, permissions=MANAGER)
        self.fake.interaction.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires_in)

    def __call__(self, *args: Any, **options: Any) -> Run:
        async def go() -> None:
            await self.cog.start(self.fake.interaction, *args, **options)
            await self.bot.background.close(timeout=10)

        asyncio.run(go())
        return self

    def edits(self) -> list[discord.Embed]:
        return [call.kwargs["embed"] for call in self.fake.interaction.edit_original_response.await_args_list]

    def summary(self) -> discord.Embed:
        return self.edits()[-1]


def start(run: Run, file: Any = None, url: str | None = None, kind: str | None = None,
          organization: str | None = None, date: str | None = None) -> Run:
    return run(file, url, kind, organization, date)


def test_a_file_is_deferred_then_indexed_in_the_background_with_a_summary_and_the_event() -> None:
    kb = UploadingFakeKnowledgeBase(report=IngestReport(added=["src_aaaaaaaaaaaa"], unchanged=["src_bbbbbbbbbbbb"],
                                                        chunks=3, attributions=2))

    run = start(Run(kb), attachment(), None, "notice", " Harborline Market ", "2025-03-04")

    run.fake.response.defer.assert_awaited_once_with(thinking=True)
    ((filename, data, override),) = kb.uploads
    assert (filename, data) == ("notice.txt", b"We fixed it.")
    assert override.kind == "notice" and override.organizations == ["Harborline Market"]
    assert override.date == dt.date(2025, 3, 4)
    statuses = [e.description for e in run.edits()]
    assert statuses[0] == "Downloading…" and statuses[1] == "Reading and indexing…"
    fields = {f.name: f.value for f in run.summary().fields}
    assert run.summary().description.startswith("Done in ")
    assert fields["Added: 1"] == "`src_aaaaaaaaaaaa`" and fields["Unchanged: 1"] == "`src_bbbbbbbbbbbb`"
    assert fields["Updated: 0"] == "—"
    assert run.events == [(EVENT, (kb.report,))]
    assert all(c.kwargs["allowed_mentions"].to_dict() == {"parse": []}
               for c in run.fake.interaction.edit_original_response.await_args_list)


def test_a_file_that_cannot_be_read_ends_with_the_reason() -> None:
    kb = UploadingFakeKnowledgeBase(ingest_error=SourceError("upload:scan.pdf", "the PDF has no text layer"))

    run = start(Run(kb), attachment("scan.pdf"))

    summary = run.summary()
    assert summary.description.startswith("Failed in ")
    (failed,) = [f for f in summary.fields if f.name.startswith("Failed")]
    assert failed.name == "Failed: 1" and failed.value == "• scan.pdf: the PDF has no text layer"
    ((name, (report,)),) = run.events
    assert name == EVENT and report.added == [] and report.failed == ["scan.pdf"]


def test_an_unexpected_failure_is_logged_and_summarised_briefly(caplog: pytest.LogCaptureFixture) -> None:
    kb = UploadingFakeKnowledgeBase(ingest_error=RuntimeError("disk on fire"))

    run = start(Run(kb), attachment())

    assert "disk on fire" not in str(run.summary().to_dict())
    assert "unexpected error" in str(run.summary().to_dict())
    assert any(r.levelname == "ERROR" and "notice.txt" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("file", "date", "line"),
    [
        (None, None, "Attach a file."),
        (attachment("photo.png"), None, "Files of type .png cannot be read; use one of"),
        (attachment(size=30 * 2**20), None, "The file is 30.0 MB; the limit is 25 MB."),
        (attachment(), "4 March", "The date must be written YYYY-MM-DD, for example 2025-03-04."),
    ],
)
def test_cheap_refusals_answer_at_once_in_one_ephemeral_line(file: Any, date: str | None, line: str) -> None:
    kb = UploadingFakeKnowledgeBase()

    run = start(Run(kb), file, None, None, None, date)

    assert run.fake.events == ["send_message"]
    call = run.fake.response.send_message.await_args
    assert call.args[0].startswith(line) and call.kwargs["ephemeral"] is True and "\n" not in call.args[0]
    assert kb.uploads == [] and run.events == []


def test_a_url_is_fetched_when_the_knowledge_base_can_and_its_failures_keep_their_reason() -> None:
    ok = start(Run(UrlFakeKnowledgeBase()), None, "https://harborline.example/notice")
    failing = start(Run(UrlFakeKnowledgeBase(ingest_error=SourceError("https://x.example/a", "HTTP 404"))),
                    None, "https://x.example/a")

    assert ok.kb.uploads[0][0] == "https://harborline.example/notice"
    assert ok.summary().title == "Ingest: https://harborline.example/notice"
    failed = next(f for f in failing.summary().fields if f.name.startswith("Failed"))
    assert failed.value == "• https://x.example/a: HTTP 404"
    assert ok.summary().description.startswith("Done in ")
    assert failing.summary().description.startswith("Failed in ")  # nothing stored: not "Done, with failures"


@pytest.mark.parametrize(("file", "url"), [(None, None), (attachment(), "https://x.example")])
def test_with_urls_exactly_one_of_file_and_url_is_needed(file: Any, url: str | None) -> None:
    run = start(Run(UrlFakeKnowledgeBase()), file, url)

    assert run.fake.response.send_message.await_args.args == ("Attach one file or give one URL.",)


def test_a_url_must_be_a_web_address() -> None:
    run = start(Run(UrlFakeKnowledgeBase()), None, "file:///etc/passwd")

    assert run.fake.response.send_message.await_args.args == ("Give a web address starting with https:// or http://.",)


def test_a_url_typed_with_a_capital_as_phones_do_is_fetched() -> None:
    run = start(Run(UrlFakeKnowledgeBase()), None, "Https://quillmere.example/notice")

    assert run.kb.uploads[0][0] == "Https://quillmere.example/notice"


def test_when_the_token_would_expire_the_summary_goes_to_the_channel() -> None:
    run = start(Run(UploadingFakeKnowledgeBase(), expires_in=30), attachment())

    run.fake.interaction.edit_original_response.assert_not_awaited()
    run.bot.get_partial_messageable.assert_called_once_with(5005, guild_id=2002)
    (call,) = run.channel.send.await_args_list
    assert call.kwargs["embed"].description.startswith("Done in ")
    assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}


def test_progress_is_edited_while_a_slow_ingest_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "PROGRESS_EVERY_S", 0.05)
    kb = UploadingFakeKnowledgeBase()
    kb.release.clear()
    run = Run(kb)

    async def go() -> None:
        await run.cog.start(run.fake.interaction, attachment(), None, None, None, None)
        await asyncio.sleep(0.3)
        kb.release.set()
        await run.bot.background.close(timeout=10)

    asyncio.run(go())

    statuses = [e.description for e in run.edits()]
    assert any(s.startswith("Reading and indexing… ") and s.endswith(" s") for s in statuses)
    assert statuses[-1].startswith("Done in ")


def test_shutdown_waits_for_the_running_ingest_and_refuses_new_ones() -> None:
    kb = UploadingFakeKnowledgeBase()
    kb.release.clear()
    run = Run(kb)

    async def go() -> None:
        await run.cog.start(run.fake.interaction, attachment(), None, None, None, None)
        closing = asyncio.ensure_future(run.bot.close())
        await asyncio.sleep(0.1)
        assert not closing.done() and run.bot.background.closing  # waiting for the ingest
        later = make_interaction(permissions=MANAGER)
        await run.cog.start(later.interaction, attachment(), None, None, None, None)
        assert later.response.send_message.await_args.args == ("The bot is shutting down; try again in a minute.",)
        kb.release.set()
        await asyncio.wait_for(closing, 10)
        with pytest.raises(ShuttingDownError):
            run.bot.background.spawn(asyncio.sleep(0), name="late")

    asyncio.run(go())

    assert len(kb.uploads) == 1 and run.summary().description.startswith("Done in ")
