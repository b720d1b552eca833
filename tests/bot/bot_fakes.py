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

from knowledge.records import Answer, AnswerItem, NotDisclosed, SourceRef
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


@dataclass
class FakeInteraction:
    """A spec'd ``discord.Interaction`` mock and the ordered record of what was sent through it."""

    interaction: mock.NonCallableMagicMock
    events: list[str] = field(default_factory=list)

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

    async def follow_up(*args: object, **kwargs: object) -> None:
        if not state["done"]:
            raise AssertionError("follow-up sent before the interaction was answered or deferred")
        fake.events.append("followup.send")

    response = mock.NonCallableMagicMock(spec=discord.InteractionResponse)
    response.is_done.side_effect = lambda: state["done"]
    response.defer.side_effect = respond("defer")
    response.send_message.side_effect = respond("send_message")
    followup = mock.NonCallableMagicMock(spec=discord.Webhook)
    followup.send.side_effect = follow_up

    interaction.response = response
    interaction.followup = followup
    interaction.user = mock.NonCallableMagicMock(spec=discord.Member, id=user_id)
    interaction.guild_id = guild_id
    interaction.id = 3003
    interaction.command = command
    return fake


def make_settings(*, guild_id: int | None = None, token: str | None = None, **discord: object) -> Settings:
    """Settings that ignore the developer's environment and ``.env``; ``discord`` sets other
    ``DISCORD_*`` fields (``cooldown_seconds`` defaults to 0 here)."""
    loaded = Settings(env_file=None)
    discord.setdefault("cooldown_seconds", 0)
    loaded.discord = DiscordSettings(_env_file=None, token=token, guild_id=guild_id, **discord)  # type: ignore[arg-type]
    return loaded
