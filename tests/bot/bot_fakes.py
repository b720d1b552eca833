"""Fakes for the Discord front end: a knowledge base with a hand-built answer and spec'd interactions.

Imported by the tests beside it as ``bot_fakes`` (pytest puts this directory on ``sys.path``).

Mocks follow python-discord's ``tests/helpers.py``: each is created with ``spec=`` the discord.py
class it stands for, so using an attribute or method the real class lacks fails the test, and the
class's coroutine methods become ``AsyncMock`` automatically.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from unittest import mock

import discord

from knowledge.errors import SourceNotFoundError
from knowledge.records import (
    Answer,
    AnswerItem,
    Attribution,
    IngestReport,
    NotDisclosed,
    Source,
    SourceMeta,
    SourceRef,
)
from knowledge.settings import DiscordSettings, Settings

NOTICE = SourceRef(
    id="src-notice",
    title="Email to customers",
    url="https://harborline.example/notice",
    publisher="Harborline Market",
    date=dt.date(2025, 3, 3),
    kind="notice",
)
DAILY = SourceRef(
    id="src-daily",
    title="Harborline shoppers saw strangers' orders",
    url="https://daily.example/harborline",
    publisher="Example Daily",
    date=dt.date(2025, 3, 4),
    kind="article",
)
TIMES = SourceRef(
    id="src-times",
    title="Regulator looks at Harborline leak",
    url="https://times.example/harborline-regulator",
    publisher="Example Times",
    date=dt.date(2025, 3, 5),
    kind="article",
)
BLOG = SourceRef(
    id="src-blog",
    title="Configuration mistakes, again",
    url="https://blog.example/config",
    publisher="Example Blog",
    date=None,
    kind="opinion",
)

NOTICE_QUOTE = (
    "Because of a configuration mistake, your order history was visible to other shoppers. We have fixed it."
)
SPOKESPERSON_QUOTE = "We are still working out how many customers were affected."
REPORTED_TEXT = "the problem had been fixed"
DECLINED_TEXT = "the company declined to give a number"
EXPERT_QUOTE = "Configuration mistakes like this are common."


def item(text: str, source: SourceRef, **overrides: object) -> AnswerItem:
    """An answer item with plausible defaults for the fields a test does not care about."""
    values: dict[str, object] = {
        "kind": "quote",
        "text": text,
        "speaker": "Harborline Market",
        "speaker_role": "organization",
        "start": 0,
        "end": len(text),
        "second_hand": source.kind in ("article", "opinion"),
        "source": source,
    }
    values.update(overrides)
    return AnswerItem(**values)


def harborline_answer(**overrides: object) -> Answer:
    """What Harborline Market said, as the knowledge base would answer it."""
    values: dict[str, object] = {
        "question": "Did Harborline say how many customers were affected?",
        "organization": "Harborline Market",
        "quotes": [
            item(NOTICE_QUOTE, NOTICE, speaker_role="notice"),
            item(SPOKESPERSON_QUOTE, DAILY, speaker="Dana Whitfield", speaker_role="spokesperson"),
        ],
        "reported": [item(REPORTED_TEXT, TIMES, kind="reported")],
        "not_disclosed": [NotDisclosed(topic="count", evidence=item(DECLINED_TEXT, DAILY, kind="declined",
                                                                    topic="count"))],
        "others": [item(EXPERT_QUOTE, BLOG, speaker="Rui Okafor", speaker_role="expert")],
        "sources": [NOTICE, DAILY, TIMES, BLOG],
    }
    values.update(overrides)
    return Answer(**values)


class FakeKnowledgeBase:
    """Answers every question with one prepared answer (or raises one prepared error).

    Attributes:
        calls: ``(question, organization)`` of every ``ask``.
        on_main_thread: for every ``ask``, whether it ran on the event loop's (main) thread.
        events: shared with the fake interaction, to check the order of what happened.
    """

    def __init__(
        self,
        answer: Answer | None = None,
        *,
        error: Exception | None = None,
        organizations: list[str] | None = None,
        events: list[str] | None = None,
    ) -> None:
        self.answer = answer or harborline_answer()
        self.error = error
        self.names = organizations if organizations is not None else ["Harborline Market", "Example Bank"]
        self.calls: list[tuple[str, str | None]] = []
        self.on_main_thread: list[bool] = []
        self.events = events if events is not None else []

    def ask(self, question: str, organization: str | None = None) -> Answer:
        self.calls.append((question, organization))
        self.on_main_thread.append(threading.current_thread() is threading.main_thread())
        self.events.append("kb.ask")
        if self.error is not None:
            raise self.error
        return self.answer

    def organizations(self) -> list[str]:
        if isinstance(self.error, Exception):
            raise self.error
        return list(self.names)

    # the catalogue: the answer's sources, as indexed sources with a text each
    def sources(self) -> list[Source]:
        self.events.append("kb.sources")
        if self.error is not None:
            raise self.error
        return list(self.indexed.values())

    @property
    def indexed(self) -> dict[str, Source]:
        if not hasattr(self, "_indexed"):
            self._indexed = {ref.id: indexed(ref) for ref in self.answer.sources}
        return self._indexed

    def resolve(self, selector: str) -> Source:
        self.events.append("kb.resolve")
        if selector in self.indexed:
            return self.indexed[selector]
        raise SourceNotFoundError(f"no indexed source has id, URL or path {selector!r}")

    def forget(self, selector: str) -> Source:
        self.events.append("kb.forget")
        source = self.resolve(selector)
        del self.indexed[source.id]
        return source

    def attributions(self, source_id: str) -> list[Attribution]:
        self.events.append("kb.attributions")
        found = [i for i in [*self.answer.quotes, *self.answer.reported, *self.answer.others]
                 if i.source.id == source_id]
        return [Attribution(kind=i.kind, text=i.text, start=i.start, end=i.end, speaker=i.speaker,
                            speaker_role=i.speaker_role) for i in found]

    def about(self) -> dict[str, object]:
        self.events.append("kb.about")
        return {"sources": len(self.indexed), "chunks": 12, "attributions": 7, "vectors": 12,
                "organizations": len(self.names), "embedding_model": "fake-embedder", "store": "embedded",
                "version": "0.1.0"}


class UploadingFakeKnowledgeBase(FakeKnowledgeBase):
    """Also takes uploads: records them and returns ``report`` (or raises ``ingest_error``)."""

    def __init__(self, *args: object, report: IngestReport | None = None,
                 ingest_error: Exception | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.report = report or IngestReport(added=["src_new123456789"], chunks=3, attributions=2)
        self.ingest_error = ingest_error
        self.uploads: list[tuple[str, bytes, SourceMeta | None]] = []
        self.release = threading.Event()
        self.release.set()

    def ingest_upload(self, filename: str, data: bytes, override: SourceMeta | None = None) -> IngestReport:
        self.events.append("kb.ingest_upload")
        self.release.wait(10)
        self.uploads.append((filename, data, override))
        if self.ingest_error is not None:
            raise self.ingest_error
        return self.report


class UrlFakeKnowledgeBase(UploadingFakeKnowledgeBase):
    """Also fetches URLs (as ``ingest_paths`` answers: a report and the errors)."""

    def ingest_urls(self, urls: list[str], override: SourceMeta | None = None) -> tuple[IngestReport, list]:
        self.events.append("kb.ingest_urls")
        self.uploads.append((urls[0], b"", override))
        if self.ingest_error is not None:
            return IngestReport(failed=list(urls)), [self.ingest_error]
        return self.report, []


def indexed(ref: SourceRef) -> Source:
    """An indexed source made from a reference, with a short text."""
    return Source(**ref.model_dump(), organizations=["Harborline Market"], locator=ref.url or ref.id,
                  content_hash="0" * 64, ingested_at=dt.datetime(2025, 3, 6, 12, 0, tzinfo=dt.UTC),
                  text=f"{ref.title}\n\nSome *text* of {ref.id} with <@123> in it.")


@dataclass
class FakeInteraction:
    """A spec'd ``discord.Interaction`` mock and the ordered record of what was sent through it."""

    interaction: mock.NonCallableMagicMock
    events: list[str] = field(default_factory=list)
    #: the messages follow-ups sent with ``wait=True`` returned (spec'd ``WebhookMessage`` mocks)
    messages: list[mock.NonCallableMagicMock] = field(default_factory=list)

    @property
    def response(self) -> mock.NonCallableMagicMock:
        return self.interaction.response

    @property
    def followup(self) -> mock.NonCallableMagicMock:
        return self.interaction.followup

    def sends(self) -> list[mock._Call]:
        """Every message sent, initial response or follow-up, in any order."""
        return [*self.response.send_message.await_args_list, *self.followup.send.await_args_list]


def make_interaction(
    events: list[str] | None = None,
    *,
    command: object = None,
    user_id: int = 1001,
    guild_id: int | None = 2002,
    channel_id: int = 5005,
    permissions: discord.Permissions | None = None,
    client: object = None,
    responded: bool = False,
) -> FakeInteraction:
    """A fake interaction that, like Discord, refuses a second response and an early follow-up."""
    interaction = mock.NonCallableMagicMock(spec=discord.Interaction)
    fake = FakeInteraction(interaction, events if events is not None else [])
    state = {"done": responded}

    def respond(name: str) -> Callable[..., object]:
        async def record(*args: object, **kwargs: object) -> None:
            if state["done"]:
                raise AssertionError(f"{name} after the interaction was already answered")
            state["done"] = True
            fake.events.append(name)

        return record

    async def follow_up(*args: object, **kwargs: object) -> mock.NonCallableMagicMock | None:
        if not state["done"]:
            raise AssertionError("follow-up sent before the interaction was answered or deferred")
        fake.events.append("followup.send")
        if not kwargs.get("wait"):
            return None
        message = mock.NonCallableMagicMock(spec=discord.WebhookMessage, id=4004 + len(fake.messages))
        fake.messages.append(message)
        return message

    async def edit_message(*args: object, **kwargs: object) -> None:  # a component's response
        if state["done"]:
            raise AssertionError("edit_message after the interaction was already answered")
        state["done"] = True
        fake.events.append("edit_message")

    async def send_modal(*args: object, **kwargs: object) -> None:
        if state["done"]:
            raise AssertionError("send_modal after the interaction was already answered")
        state["done"] = True
        fake.events.append("send_modal")

    response = mock.NonCallableMagicMock(spec=discord.InteractionResponse)
    response.is_done.side_effect = lambda: state["done"]
    response.defer.side_effect = respond("defer")
    response.send_message.side_effect = respond("send_message")
    response.edit_message.side_effect = edit_message
    response.send_modal.side_effect = send_modal
    followup = mock.NonCallableMagicMock(spec=discord.Webhook)
    followup.send.side_effect = follow_up

    interaction.response = response
    interaction.followup = followup
    interaction.user = mock.NonCallableMagicMock(spec=discord.Member, id=user_id, roles=[])
    interaction.guild_id = guild_id
    interaction.channel_id = channel_id
    interaction.channel = mock.NonCallableMagicMock(spec=discord.TextChannel, id=channel_id,
                                                    type=discord.ChannelType.text)
    interaction.permissions = permissions if permissions is not None else discord.Permissions.none()
    interaction.client = client
    interaction.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)
    interaction.id = 3003
    interaction.command = command
    return fake


async def set_up(bot: discord.Client) -> None:
    """What ``login`` does before Discord is contacted: the client's asyncio objects, then
    ``setup_hook`` (extensions, sync). Without the first, a cog's ``tasks.loop`` that waits until
    ready fails at once and its unretrieved exception is logged at garbage collection."""
    await bot._async_setup_hook()
    await bot.setup_hook()


def make_settings(*, guild_id: int | None = None, token: str | None = None, **discord: object) -> Settings:
    """Settings that ignore the developer's environment and ``.env``; ``discord`` sets other
    ``DISCORD_*`` fields (``cooldown_seconds`` defaults to 0 here)."""
    loaded = Settings(env_file=None)
    discord.setdefault("cooldown_seconds", 0)
    loaded.discord = DiscordSettings(_env_file=None, token=token, guild_id=guild_id, **discord)  # type: ignore[arg-type]
    return loaded
