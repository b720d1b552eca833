"""End to end: the real bot process (discord.py 2.7, ``python -m bot``) against the fake Discord.

One bot process per module, on a knowledge base indexed from the Harborline example corpus with the
real default embedder through the CLI (two misquote reports filed before it starts). Interactions go
in over the fake gateway; what is checked is what the bot sent over HTTP (see ``tests/fake_discord``).
This module covers questions and reading (/ask, /said, /sources, /source, /about, the message
command, pages, Sources, the report modal, /reports); ``test_e2e_discord_admin.py`` covers /ingest,
/forget, /watch, /unwatch and /feeds. The last test stops the bot with SIGTERM. Tests run in file
order and share the bot: later ones may use what earlier ones created.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import discord.utils
import pytest
from e2e_support import (
    AUTOCOMPLETE_RESULT,
    DEFERRED_MESSAGE,
    E2E_COMMANDS,
    EPHEMERAL,
    MESSAGE,
    MESSAGE_COMMAND,
    MODAL,
    ORG,
    UPDATE,
    BotProcess,
    Exchange,
    button,
    embed_text,
    ingest_examples,
    interact,
    message_bodies,
    not_verbatim,
    print_bot_log,  # noqa: F401 - an autouse fixture: the bot's log of a failed test
    quotes,
    refused_or_mentioning,
    seed_report,
    start_bot,
    unescape,
)
from fake_discord import FakeDiscord
from fake_discord.checks import message_problems

#: What the two reports filed before the bot starts, and the one filed through the modal, say is wrong.
SEEDED_WRONG = "The notice said this on 4 March, not 3 March."
SECOND_WRONG = "This was the spokesperson's wording, not the notice's."
MODAL_WRONG = "Harborline never wrote this sentence in its notice."

@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


@pytest.fixture(scope="module")
def data_dir(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("e2e-kb")
    ingest_examples(folder)
    seed_report(folder, fake.guild_id, fake.member["id"], SEEDED_WRONG)
    seed_report(folder, fake.guild_id, fake.other_member["id"], SECOND_WRONG)
    return folder


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = start_bot(fake, data_dir, tmp_path_factory.mktemp("e2e-log") / "bot.log",
                        DISCORD_ALLOWED_CHANNEL_IDS=fake.channel_id, DISCORD_COOLDOWN_SECONDS="5")
    yield process
    process.stop()


def _ask(fake: FakeDiscord, question: str, **options: Any) -> tuple[Exchange, dict[str, Any]]:
    """/ask by a new member (no cooldown yet); the exchange and the answer's body."""
    exchange = interact(fake, fake.slash("ask", {"question": question, **options}, user=fake.new_member()))
    return exchange, exchange.followup().json


# --- start-up ------------------------------------------------------------------------------------

def test_the_bot_connects_to_the_fake_gateway_as_asked(fake: FakeDiscord, bot: BotProcess) -> None:
    session = fake.session
    assert session.identify["token"] == fake.token
    assert session.identify["intents"] == discord.Intents(guilds=True).value  # no privileged intents
    assert session.query["v"] == "10" and session.query["encoding"] == "json"
    assert session.query["compress"] == discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    paths = [r.path for r in fake.requests]
    assert paths.index("/users/@me") < paths.index("/gateway/bot")  # logged in, then asked for the gateway


def test_commands_are_synced_to_the_guild_and_never_globally(fake: FakeDiscord, bot: BotProcess) -> None:
    puts = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert [r.path for r in puts] == [f"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands"]
    assert fake.commands(None) == []
    assert {c["name"] for c in fake.commands(fake.guild_id)} == E2E_COMMANDS


def test_every_synced_command_is_covered(fake: FakeDiscord, bot: BotProcess) -> None:
    synced = {c["name"] for c in fake.commands(fake.guild_id)}
    assert synced <= E2E_COMMANDS, f"commands without an end-to-end test: {sorted(synced - E2E_COMMANDS)}"


# --- /ask ------------------------------------------------------------------------------------------

def test_ask_is_deferred_then_answered_with_verbatim_quotes_and_sources(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange, body = _ask(fake, "What did Harborline Market actually say?")

    assert exchange.callback.status == 200 and exchange.callback.json["type"] == DEFERRED_MESSAGE
    assert not exchange.callback.json.get("data", {}).get("flags", 0) & EPHEMERAL
    assert exchange.followup().status == 200, exchange.followup().error
    assert message_problems(body) == []
    assert body["allowed_mentions"] == {"parse": []}
    text = embed_text(body)
    assert len(quotes(text)) >= 3, text
    assert not_verbatim(text) == []  # every quote is the source's words
    assert "Dana Whitfield" in text
    assert "https://harborline.example/" in text  # sources are linked
    assert exchange.message()["embeds"] == body["embeds"]  # the answer replaced the "thinking" message


def test_ask_private_defers_and_answers_ephemerally(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange, body = _ask(fake, "Did Harborline say passwords were affected?", private=True)

    assert exchange.callback.json["type"] == DEFERRED_MESSAGE
    assert exchange.callback.json["data"]["flags"] & EPHEMERAL
    assert exchange.message()["flags"] & EPHEMERAL
    assert "assword" in embed_text(body)


def test_ask_about_an_organisation_the_index_does_not_know_says_so(fake: FakeDiscord, bot: BotProcess) -> None:
    _, body = _ask(fake, "What did Fenwick Bank say?", organization="Fenwick Bank")

    text = embed_text(body)
    assert "Fenwick Bank" in text and ORG in text  # names what it does not know and what it knows
    assert not_verbatim(text) == []


def test_ask_autocomplete_offers_the_indexed_organisations(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange = interact(fake, fake.autocomplete("ask", {"question": "what", "organization": "harb"}, "organization"))

    assert exchange.callback.status == 200 and exchange.callback.json["type"] == AUTOCOMPLETE_RESULT
    assert exchange.callback.json["data"]["choices"] == [{"name": ORG, "value": ORG}]


def test_a_second_command_within_the_cooldown_is_refused_in_one_private_line(fake: FakeDiscord,
                                                                              bot: BotProcess) -> None:
    person = fake.new_member()
    interact(fake, fake.slash("ask", {"question": "What did Harborline say?"}, user=person)).followup()

    again = interact(fake, fake.slash("ask", {"question": "And then?"}, user=person))

    data = again.callback.json
    assert data["type"] == MESSAGE and data["data"]["flags"] & EPHEMERAL
    assert data["data"]["content"].startswith("Please wait") and "\n" not in data["data"]["content"]


def test_a_command_outside_the_allowed_channels_is_refused(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange = interact(fake, fake.slash("ask", {"question": "What did Harborline say?"}, user=fake.new_member(),
                                         channel_id=fake.other_channel_id))

    data = exchange.callback.json
    assert data["type"] == MESSAGE and data["data"]["flags"] & EPHEMERAL
    assert f"<#{fake.channel_id}>" in data["data"]["content"]
    assert exchange.webhook_requests() == []


def test_four_questions_at_once_are_all_answered_once(fake: FakeDiscord, bot: BotProcess) -> None:
    questions = ["Did Harborline say passwords were affected?", "When did Harborline find the problem?",
                 "What data did Harborline say was exposed?", "Who else commented on Harborline?"]
    payloads = [fake.slash("ask", {"question": q}, user=fake.new_member()) for q in questions]
    with ThreadPoolExecutor(4) as pool:
        exchanges = list(pool.map(lambda payload: interact(fake, payload), payloads))

    for exchange in exchanges:
        assert exchange.callback.json["type"] == DEFERRED_MESSAGE
        assert exchange.followup().status == 200
    time.sleep(0.3)
    assert [len(e.webhook_requests()) for e in exchanges] == [1, 1, 1, 1]  # one answer each, not two


# --- the answer's buttons and the report modal --------------------------------------------------------

def test_only_the_asker_turns_the_pages_of_said(fake: FakeDiscord, bot: BotProcess) -> None:
    asker = fake.new_member()
    exchange = interact(fake, fake.slash("said", {"organization": "harborline"}, user=asker))
    first = exchange.followup().json
    assert exchange.callback.json["type"] == DEFERRED_MESSAGE
    assert ORG in embed_text(first) and not_verbatim(embed_text(first)) == []
    message = exchange.message()
    assert re.fullmatch(r"1/\d+", button(message, "1/")["label"])

    refused = interact(fake, fake.click(message, button(message, "Next")["custom_id"], user=fake.new_member()),
                       message_id=message["id"])
    assert refused.callback.json["type"] == MESSAGE and refused.callback.json["data"]["flags"] & EPHEMERAL
    assert fake.message(message["id"])["embeds"] == first["embeds"]  # not turned

    turned = interact(fake, fake.click(message, button(message, "Next")["custom_id"], user=asker),
                      message_id=message["id"])
    assert turned.callback.json["type"] == UPDATE
    page = fake.message(message["id"])
    assert page["embeds"] != first["embeds"] and button(page, "2/")["label"].startswith("2/")
    assert message_problems(page) == []


def test_the_sources_button_lists_every_source_privately(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange, _ = _ask(fake, "What did Harborline Market actually say?")
    message = exchange.message()

    listed = interact(fake, fake.click(message, button(message, "Sources")["custom_id"], user=fake.new_member()),
                      message_id=message["id"])

    data = listed.callback.json
    assert data["type"] == MESSAGE and data["data"]["flags"] & EPHEMERAL
    assert embed_text(data["data"]).count("harborline") >= 3


def test_report_misquote_opens_a_modal_and_stores_the_report(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange, _ = _ask(fake, "What did Harborline Market actually say?")
    message = exchange.message()
    reader = fake.new_member()

    opened = interact(fake, fake.click(message, button(message, "Report misquote")["custom_id"], user=reader),
                      message_id=message["id"])
    assert opened.callback.json["type"] == MODAL
    modal = opened.callback.json["data"]
    submit = fake.modal_submit(modal, {"Which quote?": "1", "What is wrong": MODAL_WRONG,
                                       "The right wording": "We are writing about a problem."}, user=reader,
                               message=message)
    stored = interact(fake, submit)

    data = stored.callback.json
    assert data["type"] == MESSAGE and data["data"]["flags"] & EPHEMERAL
    assert re.search(r"report \d+ is stored", data["data"]["content"])


# --- /sources, /source, /about, the message command ------------------------------------------------

def test_sources_lists_the_indexed_sources_privately(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange = interact(fake, fake.slash("sources", user=fake.new_member()))
    body = exchange.followup().json

    assert exchange.callback.json["data"]["flags"] & EPHEMERAL
    text = embed_text(body)
    for title in ("Your Harborline order history", "An update on our order-history service"):
        assert title in text


def test_source_autocomplete_then_details_and_its_stored_text(fake: FakeDiscord, bot: BotProcess) -> None:
    offered = interact(fake, fake.autocomplete("source", {"id": "update on our"}, "id", user=fake.new_member()))
    choices = offered.callback.json["data"]["choices"]
    assert len(choices) == 1 and "update on our order-history" in choices[0]["name"]

    exchange = interact(fake, fake.slash("source", {"id": choices[0]["value"]}, user=fake.new_member()))
    detail = embed_text(exchange.followup().json)
    assert "Harborline Market" in detail and "2025" in detail and "harborline.example/news" in detail
    message = exchange.message()
    shown = interact(fake, fake.click(message, button(message, "Show text")["custom_id"], user=fake.new_member()),
                     message_id=message["id"])
    data = shown.callback.json["data"]
    assert data["flags"] & EPHEMERAL
    text = unescape(embed_text(data))
    assert "Passwords were not affected. We have no evidence that customers' information was misused." in text


def test_an_unknown_source_is_one_line_after_the_deferral(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange = interact(fake, fake.slash("source", {"id": "src_0000000000"}, user=fake.new_member()))

    body = exchange.followup().json
    assert exchange.callback.json["type"] == DEFERRED_MESSAGE
    assert body["content"].strip() and "\n" not in body["content"].strip() and not body.get("embeds")
    assert "src_0000000000" in unescape(body["content"])  # markdown-escaped in Discord


def test_about_counts_what_is_indexed(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange = interact(fake, fake.slash("about", user=fake.new_member()))
    fields = {f["name"]: f["value"] for f in exchange.followup().json["embeds"][0]["fields"]}

    assert exchange.callback.json["data"]["flags"] & EPHEMERAL
    assert fields["Sources"] == "5" and fields["Organisations"] == "1"
    assert "MiniLM" in fields["Embedding model"] and fields["Store"].startswith("embedded")


def test_the_message_command_answers_what_the_named_organisation_said(fake: FakeDiscord, bot: BotProcess) -> None:
    claim = fake.user_message("Harborline Market admitted that passwords were exposed, apparently")

    exchange = interact(fake, fake.message_command(MESSAGE_COMMAND, claim, user=fake.new_member()))

    assert exchange.callback.json["type"] == DEFERRED_MESSAGE
    text = embed_text(exchange.followup().json)
    assert ORG in text and "assword" in text
    assert not_verbatim(text) == []


# --- /reports ---------------------------------------------------------------------------------------

def test_reports_is_for_administrators_only(fake: FakeDiscord, bot: BotProcess) -> None:
    command = next(c for c in fake.commands(fake.guild_id) if c["name"] == "reports")
    assert int(command["default_member_permissions"]) & 8  # ADMINISTRATOR

    exchange = interact(fake, fake.slash("reports", user=fake.new_member()))  # a server let members see it

    data = exchange.callback.json
    assert data["type"] == MESSAGE and data["data"]["flags"] & EPHEMERAL
    assert "administrators" in data["data"]["content"]
    assert exchange.webhook_requests() == []


def test_reports_lists_the_stored_reports_and_confirming_one_marks_the_quote_disputed(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    exchange = interact(fake, fake.slash("reports", user=fake.admin))
    assert exchange.callback.json["type"] == DEFERRED_MESSAGE
    assert exchange.callback.json["data"]["flags"] & EPHEMERAL
    text = embed_text(exchange.followup().json)
    assert SEEDED_WRONG in text and "1 of 3" in text
    assert not_verbatim(text) == []
    message = exchange.message()
    for wrong in (SECOND_WRONG, MODAL_WRONG):  # the modal's report, filed last, is on the third page
        turned = interact(fake, fake.click(message, button(message, "Next")["custom_id"], user=fake.admin),
                          message_id=message["id"])
        assert turned.callback.json["type"] == UPDATE
        assert wrong in embed_text(fake.message(message["id"]))

    confirmed = interact(fake, fake.click(message, button(message, "Confirm")["custom_id"], user=fake.admin),
                         message_id=message["id"])

    assert confirmed.callback.json["type"] == UPDATE
    assert "confirmed" in (confirmed.callback.json["data"].get("content") or "")
    _, answer = _ask(fake, "What did Harborline Market actually say?")
    assert "disputed" in embed_text(answer)


def test_a_review_button_clicked_by_a_member_is_refused(fake: FakeDiscord, bot: BotProcess) -> None:
    exchange = interact(fake, fake.slash("reports", user=fake.admin))
    assert "1 of 2" in embed_text(exchange.followup().json)  # the two seeded reports are still open
    message = exchange.message()
    before = dict(message)

    click = fake.click(message, button(message, "Dismiss")["custom_id"], user=fake.new_member())
    refused = interact(fake, click, message_id=message["id"])

    assert refused.callback.json["type"] == MESSAGE and refused.callback.json["data"]["flags"] & EPHEMERAL
    assert fake.message(message["id"]) == before


def test_a_reconnect_resumes_the_session_and_never_syncs(fake: FakeDiscord, bot: BotProcess) -> None:
    first = fake.session
    puts = [r for r in fake.requests if r.method == "PUT"]

    second = fake.reconnect()

    assert second is not first and second.identify is None  # resumed, not identified again
    assert second.resume["session_id"] and second.resume["seq"] == first.sequence
    _, answer = _ask(fake, "What did Harborline Market actually say?")
    assert "Harborline" in embed_text(answer)
    assert [r for r in fake.requests if r.method == "PUT"] == puts


# --- everything the bot sent -----------------------------------------------------------------------

def test_no_message_allows_mentions_and_discord_refused_nothing(fake: FakeDiscord, bot: BotProcess) -> None:
    assert list(message_bodies(fake.requests))
    assert refused_or_mentioning(fake) == []


def test_sigterm_stops_the_bot_cleanly_and_closes_the_store(fake: FakeDiscord, bot: BotProcess,
                                                            data_dir: Path) -> None:
    lock = data_dir / ".lock"
    assert f"pid {bot.proc.pid} " in lock.read_text()  # the running bot holds the data folder

    status = bot.stop()

    assert status == 0, bot.output()[-3000:]
    assert lock.read_text() == ""  # released by KnowledgeBase.close (a killed process leaves its pid)
    assert not (data_dir / "catalog.sqlite3-wal").exists()
    assert "Traceback" not in bot.output()
    assert fake.session.close_code is not None  # the websocket was closed, not dropped
