"""``serve`` and ``python -m bot``: a clear message without a token; the knowledge base always closed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import discord
import pytest
from bot_fakes import FakeKnowledgeBase, make_settings

from bot import __main__ as entry
from bot.app import NO_TOKEN_MESSAGE, serve
from bot.client import DisclosureBot
from knowledge.errors import StoreLockedError
from knowledge.settings import KnowledgeSettings


class Opener:
    """Stands in for ``open_knowledge_base``: records that it opened and closed the knowledge base."""

    def __init__(self, error: Exception | None = None) -> None:
        self.kb = FakeKnowledgeBase()
        self.error = error
        self.opened: list[KnowledgeSettings] = []
        self.closed = False

    @contextlib.contextmanager
    def __call__(self, settings: KnowledgeSettings) -> Iterator[FakeKnowledgeBase]:
        if self.error is not None:
            raise self.error
        self.opened.append(settings)
        try:
            yield self.kb
        finally:
            self.closed = True


@pytest.mark.parametrize("token", [None, "", "   "])
def test_without_a_token_prints_how_to_set_it_and_returns_2(
    token: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    opener = Opener()

    status = serve(make_settings(token=token), open_kb=opener)

    assert status == 2
    assert capsys.readouterr().err.strip() == NO_TOKEN_MESSAGE
    assert NO_TOKEN_MESSAGE == "DISCORD_TOKEN is not set; put it in .env (see .env.example)"
    assert opener.opened == []


def test_runs_the_bot_with_the_knowledge_base_and_closes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[tuple[DisclosureBot, str, dict[str, object]]] = []
    monkeypatch.setattr(DisclosureBot, "run", lambda self, token, **kw: runs.append((self, token, kw)))
    opener = Opener()
    settings = make_settings(token="fake-token")

    status = serve(settings, open_kb=opener)

    assert status == 0
    assert opener.opened == [settings.knowledge] and opener.closed
    ((bot, token, kwargs),) = runs
    assert bot.kb is opener.kb and token == "fake-token"
    assert kwargs == {"log_handler": None}


def test_a_rejected_token_is_reported_and_the_knowledge_base_closed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def reject(self: DisclosureBot, token: str, **kwargs: object) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(DisclosureBot, "run", reject)
    opener = Opener()

    assert serve(make_settings(token="bad"), open_kb=opener) == 1
    assert opener.closed
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err and "bad" not in err


def test_a_knowledge_base_that_cannot_open_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    opener = Opener(StoreLockedError("Another process is using data/; stop it first."))

    assert serve(make_settings(token="t"), open_kb=opener) == 1
    assert capsys.readouterr().err.strip() == "error: Another process is using data/; stop it first."


def test_python_m_bot_without_a_token_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DISCORD_TOKEN", "")

    assert entry.main() == 2
    assert NO_TOKEN_MESSAGE in capsys.readouterr().err
