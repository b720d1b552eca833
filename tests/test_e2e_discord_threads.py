"""End to end, thread mode (``DISCORD_THREAD_MODE=true``): the real bot process on the fake Discord.

A second organisation (a fictional bank) is indexed beside Harborline, so a question that names no
organisation is answered about the thread's organisation only because of the thread.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import (
    DEFERRED_MESSAGE,
    BotProcess,
    embed_text,
    ingest_examples,
    interact,
    start_bot,
)
from fake_discord import FakeDiscord

FENWICK_NOTICE = """---
title: A notice about your Fenwick Bank statements (fictional)
url: https://fenwick.example/notices/statements
publisher: Fenwick Bank
date: 2025-05-02
kind: notice
organizations: [Fenwick Bank]
---

We are writing because a printing error sent some of your paper statements to another customer's
address. Your online banking password was not affected, and no money has left any account.
"""
FOLLOW_UP = "Did they say passwords were affected?"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("e2e-threads")
    notice = folder / "fenwick-notice.md"
    notice.write_text(FENWICK_NOTICE, encoding="utf-8")
    ingest_examples(folder / "kb", notice)
    process = start_bot(fake, folder / "kb", folder / "bot.log", DISCORD_THREAD_MODE="true",
                        DISCORD_COOLDOWN_SECONDS="0")
    yield process
    process.stop()


def test_an_answer_opens_a_thread_and_a_question_there_keeps_its_organisation(fake: FakeDiscord,
                                                                              bot: BotProcess) -> None:
    first = interact(fake, fake.slash("ask", {"question": "What did Harborline Market say?"}))
    first.followup()
    answer_id = first.original_id()
    opened = fake.wait_for_request(
        lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages/{answer_id}/threads")
    assert opened.status == 201 and opened.json["name"].startswith("Harborline Market: ")

    in_thread = interact(fake, fake.slash("ask", {"question": FOLLOW_UP}, channel_id=answer_id))
    assert in_thread.callback.json["type"] == DEFERRED_MESSAGE
    text = embed_text(in_thread.followup().json)
    assert "Harborline" in text and "Fenwick" not in text and "assword" in text

    outside = interact(fake, fake.slash("ask", {"question": FOLLOW_UP}))
    assert "names no organisation" in embed_text(outside.followup().json)  # outside, nobody is assumed
    threads = [r for r in fake.requests if r.path.endswith("/threads")]
    assert len(threads) == 1  # no thread inside a thread, none for an answer without an organisation


def test_the_message_command_in_a_thread_keeps_its_organisation(fake: FakeDiscord, bot: BotProcess) -> None:
    thread_id = next(r for r in fake.requests if r.path.endswith("/threads")).path.split("/")[4]
    claim = fake.user_message("apparently they admitted the passwords leaked")
    claim["channel_id"] = thread_id

    exchange = interact(fake, fake.message_command("What did they actually say?", claim))

    text = embed_text(exchange.followup().json)
    assert "Harborline" in text and "Fenwick" not in text
