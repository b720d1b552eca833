"""End to end, the administrators' commands: /ingest (a file and a URL), /forget, /watch, /unwatch and
/feeds, with the real bot process (``python -m bot``) on the fake Discord; see ``test_e2e_discord.py``.

The bot runs with ``DISCORD_INGEST_ROLE_ID`` (the fake's Curator role) and ``KB_ALLOW_PRIVATE_URLS``
(pages are served by the fake on 127.0.0.1). The last test stops it with SIGTERM while an ingest runs.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import (
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    EPHEMERAL,
    MESSAGE,
    ORG,
    UPDATE,
    BotProcess,
    Exchange,
    button,
    embed_text,
    ingest_examples,
    interact,
    kb_env,
    print_bot_log,  # noqa: F401 - an autouse fixture: the bot's log of a failed test
    refused_or_mentioning,
    start_bot,
    unescape,
)
from e2e_texts import ARTICLE, FEED, NEW_STATEMENT, NEW_WORDS, long_notice
from fake_discord import FakeDiscord


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("e2e-admin-kb")
    ingest_examples(folder)
    return folder


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = start_bot(fake, data_dir, tmp_path_factory.mktemp("e2e-admin-log") / "bot.log",
                        DISCORD_INGEST_ROLE_ID=fake.curator_role_id, KB_ALLOW_PRIVATE_URLS="true")
    yield process
    process.stop()


def _ask(fake: FakeDiscord, question: str) -> tuple[Exchange, dict[str, Any]]:
    """/ask by a new member (no cooldown yet); the exchange and the answer's body."""
    exchange = interact(fake, fake.slash("ask", {"question": question}, user=fake.new_member()))
    return exchange, exchange.followup().json


@pytest.mark.parametrize("command", ["ingest", "forget", "watch", "unwatch", "reports", "feeds"])
def test_admin_commands_are_hidden_from_members_by_default(fake: FakeDiscord, bot: BotProcess, command: str) -> None:
    synced = next(c for c in fake.commands(fake.guild_id) if c["name"] == command)
    assert synced["default_member_permissions"] not in (None, "0")
    assert synced.get("contexts") in (None, [0])  # guild only


def test_ingest_and_forget_are_refused_to_a_member_without_permission(fake: FakeDiscord, bot: BotProcess) -> None:
    upload = fake.attachment("update.md", NEW_STATEMENT.encode())
    for payload in (fake.slash_with_file("ingest", "file", upload, user=fake.new_member()),
                    fake.slash("forget", {"source": "harborline"}, user=fake.new_member())):
        exchange = interact(fake, payload)
        data = exchange.callback.json
        assert data["type"] == MESSAGE and data["data"]["flags"] & EPHEMERAL, data
        assert exchange.webhook_requests() == []
    assert not [r for r in fake.requests if r.path.startswith("/attachments/")]  # never downloaded


def test_watch_then_ingest_posts_the_new_words_in_the_channel(fake: FakeDiscord, bot: BotProcess) -> None:
    watch = interact(fake, fake.slash("watch", {"organization": ORG}, user=fake.admin))
    assert "Watching Harborline Market" in watch.followup().json["content"]

    curator = fake.new_member("curator", roles=[fake.curator_role_id])  # DISCORD_INGEST_ROLE_ID
    upload = fake.attachment("update.md", NEW_STATEMENT.encode())
    ingest = interact(fake, fake.slash_with_file("ingest", "file", upload, {"kind": "statement"}, user=curator))
    assert ingest.callback.json["type"] == DEFERRED_MESSAGE
    summary = fake.wait_for(lambda: next((r.json for r in ingest.webhook_requests()
                                          if "Done" in embed_text(r.json or {})), None), timeout=60)
    assert "Added: 1" in embed_text(summary)

    posted = fake.wait_for_request(lambda r: r.method == "POST" and r.path == f"/channels/{fake.channel_id}/messages")
    assert NEW_WORDS in unescape(embed_text(posted.json))
    assert posted.json["allowed_mentions"] == {"parse": []}
    _, answer = _ask(fake, "Did Harborline say it added a second check?")
    assert "second check" in embed_text(answer)


def test_forget_asks_for_confirmation_then_removes_the_source(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange = interact(fake, fake.slash("forget", {"source": "https://harborline.example/news/review-complete"},
                                         user=fake.admin))
    assert exchange.callback.json["data"]["flags"] & EPHEMERAL
    assert "Forget" in exchange.followup().json["content"]
    message = exchange.message()

    done = interact(fake, fake.click(message, button(message, "Confirm")["custom_id"], user=fake.admin),
                    message_id=message["id"])

    assert done.callback.json["type"] in (UPDATE, DEFERRED_UPDATE, MESSAGE, DEFERRED_MESSAGE)
    fake.wait_for(lambda: "Forgot" in (fake.message(message["id"]).get("content") or ""), timeout=30)
    about = interact(fake, fake.slash("about", user=fake.new_member()))
    fields = {f["name"]: f["value"] for f in about.followup().json["embeds"][0]["fields"]}
    assert fields["Sources"] == "5"


def test_ingest_reads_a_url_when_the_index_fetches_urls(fake: FakeDiscord, bot: BotProcess) -> None:
    command = next(c for c in fake.commands(fake.guild_id) if c["name"] == "ingest")
    assert {o["name"] for o in command["options"]} >= {"file", "url"}  # URL ingestion has landed
    url = fake.serve("harborline-follow-up.html", ARTICLE.encode())

    exchange = interact(fake, fake.slash("ingest", {"url": url, "kind": "article"}, user=fake.admin))

    assert exchange.callback.json["type"] == DEFERRED_MESSAGE
    summary = fake.wait_for(lambda: next((r.json for r in exchange.webhook_requests()
                                          if "Done" in embed_text(r.json or {})), None), timeout=60)
    assert "Added: 1" in embed_text(summary)
    assert any(r.path == "/web/harborline-follow-up.html" for r in fake.requests)  # fetched from the web
    _, answer = _ask(fake, "Did Harborline say it would send customers a voucher?")
    assert "voucher" in embed_text(answer)


def test_unwatch_stops_watching(fake: FakeDiscord, bot: BotProcess) -> None:
    offered = interact(fake, fake.autocomplete("unwatch", {"organization": "harb"}, "organization", user=fake.admin))
    assert offered.callback.json["data"]["choices"] == [{"name": ORG, "value": ORG}]

    exchange = interact(fake, fake.slash("unwatch", {"organization": ORG}, user=fake.admin))

    assert exchange.followup().json["content"].startswith("Stopped watching Harborline Market")


def test_feeds_add_list_and_remove(fake: FakeDiscord, bot: BotProcess) -> None:
    url = fake.serve("feed.xml", FEED.encode(), "application/rss+xml")
    refused = interact(fake, fake.slash("feeds", {"url": url}, subcommand="add", user=fake.new_member()))
    assert refused.callback.json["type"] == MESSAGE and refused.callback.json["data"]["flags"] & EPHEMERAL

    added = interact(fake, fake.slash("feeds", {"url": url, "organization": ORG}, subcommand="add", user=fake.admin))
    assert "added" in added.followup().json["content"]
    listed = interact(fake, fake.slash("feeds", subcommand="list", user=fake.admin))
    body = listed.followup().json
    assert url in embed_text(body) + (body.get("content") or "")
    removed = interact(fake, fake.slash("feeds", {"feed": url}, subcommand="remove", user=fake.admin))
    assert "removed" in removed.followup().json["content"]


def test_no_message_allows_mentions_and_discord_refused_nothing(fake: FakeDiscord, bot: BotProcess) -> None:
    assert refused_or_mentioning(fake) == []


def test_sigterm_during_an_ingest_finishes_it_exits_0_and_closes_the_store(
    fake: FakeDiscord, bot: BotProcess, data_dir: Path
) -> None:
    lock = data_dir / ".lock"
    assert f"pid {bot.proc.pid} " in lock.read_text()  # the running bot holds the data folder
    upload = fake.attachment("review-log.md", long_notice().encode())
    curator = fake.new_member("curator", roles=[fake.curator_role_id])
    ingest = interact(fake, fake.slash_with_file("ingest", "file", upload, user=curator))
    assert ingest.callback.json["type"] == DEFERRED_MESSAGE
    fake.wait_for(lambda: any("Reading and indexing" in embed_text(r.json or {}) for r in ingest.webhook_requests()))

    stopping = time.perf_counter()
    status = bot.stop()

    assert status == 0, bot.output()[-3000:]
    assert lock.read_text() == ""  # released by KnowledgeBase.close (a killed process leaves its pid)
    assert not (data_dir / "catalog.sqlite3-wal").exists()
    assert "Traceback" not in bot.output()
    assert fake.session.close_code is not None  # the websocket was closed, not dropped
    done = [r.at for r in ingest.webhook_requests() if "Done" in embed_text(r.json or {})]
    finished = bool(done)
    print(f"summary {1000 * (done[0] - stopping):.0f} ms after SIGTERM" if done else "no summary")
    assert not done or done[0] > stopping  # the ingest was still running when the signal came
    listed = subprocess.run([sys.executable, "-m", "bot.cli", "sources", "--json"], cwd=data_dir,
                            env=kb_env(data_dir), capture_output=True, text=True, timeout=120, check=True)
    indexed = "https://harborline.example/news/review-log" in listed.stdout
    assert indexed == finished  # finished and reported, or rolled back: never half an ingest
    assert finished  # the bot waits for the running ingest (bot/background.py)
