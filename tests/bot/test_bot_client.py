"""The client: safe defaults, syncing on purpose, one error handler, and well-formed commands."""

from __future__ import annotations

import asyncio
import re
from unittest import mock

import discord
import pytest
from bot_fakes import FakeKnowledgeBase, make_interaction, make_settings, set_up
from discord import app_commands

from bot.client import GENERIC_ERROR, DisclosureBot, DisclosureTree
from bot.exts import EXTENSIONS
from knowledge.errors import SourceNotFoundError

NAME = re.compile(r"^[-_\w]{1,32}$")


def started_bot(**settings: object) -> tuple[DisclosureBot, mock.AsyncMock]:
    """A bot that ran its setup hook, with ``tree.sync`` replaced so nothing reaches Discord."""
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings(**settings))
    sync = mock.AsyncMock(return_value=[])
    with mock.patch.object(bot.tree, "sync", sync):
        asyncio.run(set_up(bot))
    return bot, sync


def test_client_pings_nobody_and_asks_for_no_privileged_intents() -> None:
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings())

    assert bot.allowed_mentions is not None
    assert bot.allowed_mentions.to_dict() == {"parse": []}
    assert not (bot.intents.message_content or bot.intents.members or bot.intents.presences)
    assert isinstance(bot.tree, DisclosureTree)


def test_syncs_to_the_development_guild_only_when_one_is_set() -> None:
    bot, sync = started_bot(guild_id=1234)

    sync.assert_awaited_once()
    assert sync.await_args.kwargs["guild"].id == 1234
    copied = [c.name for c in bot.tree.get_commands(guild=discord.Object(id=1234))]
    assert "ask" in copied and copied == [c.name for c in bot.tree.get_commands()]  # every command


def test_never_syncs_globally_at_start() -> None:
    _, sync = started_bot(guild_id=1234)

    assert all(call.kwargs.get("guild") is not None for call in sync.await_args_list)


def test_does_not_sync_unless_asked(caplog: pytest.LogCaptureFixture) -> None:
    _, sync = started_bot()

    sync.assert_not_awaited()
    assert "DISCORD_GUILD_ID" in caplog.text


def test_every_extension_is_loaded() -> None:
    bot, _ = started_bot()

    assert set(bot.extensions) == set(EXTENSIONS)
    assert bot.get_cog("Ask") is not None


def error_reply(error: Exception, *, responded: bool):
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings())
    command = app_commands.Command(name="ask", description="d", callback=_callback)
    fake = make_interaction(command=command, responded=responded)
    wrapped = app_commands.CommandInvokeError(command, error)
    asyncio.run(bot.tree.on_error(fake.interaction, wrapped))
    return fake


async def _callback(interaction: discord.Interaction) -> None:
    """Stand-in callback."""


def test_error_before_any_response_uses_the_initial_response() -> None:
    fake = error_reply(SourceNotFoundError("No source matches abc."), responded=False)

    fake.response.send_message.assert_awaited_once()
    fake.followup.send.assert_not_awaited()
    call = fake.response.send_message.await_args
    assert call.args == ("No source matches abc.",)
    assert call.kwargs["ephemeral"] is True
    assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}


def test_error_after_a_response_uses_a_follow_up() -> None:
    fake = error_reply(SourceNotFoundError("No source matches abc."), responded=True)

    fake.response.send_message.assert_not_awaited()
    fake.followup.send.assert_awaited_once()
    assert fake.followup.send.await_args.kwargs["ephemeral"] is True


def test_an_unexpected_error_is_logged_with_command_user_and_guild(caplog: pytest.LogCaptureFixture) -> None:
    fake = error_reply(ZeroDivisionError("boom"), responded=False)

    assert fake.response.send_message.await_args.args == (GENERIC_ERROR,)
    assert "\n" not in GENERIC_ERROR
    (record,) = caplog.records
    assert record.levelname == "ERROR"
    assert record.args == ("ask", 1001, 2002)
    assert isinstance(record.exc_info[1], ZeroDivisionError)


def test_a_failed_error_reply_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings())
    fake = make_interaction()
    response = mock.Mock(status=404, reason="Not Found")
    fake.response.send_message.side_effect = discord.NotFound(response, "Unknown interaction")

    asyncio.run(bot.tree.on_error(fake.interaction, app_commands.CheckFailure("no")))

    assert "Could not send a private line" in caplog.text


def test_commands_are_well_formed() -> None:
    """Walks every command: names unique and valid, descriptions within limits, every option described."""
    bot, _ = started_bot()
    commands = list(bot.tree.walk_commands())

    assert commands, "no commands registered"
    names = [c.qualified_name for c in commands]
    assert len(names) == len(set(names))
    for command in commands:
        assert NAME.match(command.name) and command.name == command.name.lower(), command.name
        assert 1 <= len(command.description) <= 100, command.name
        assert command.description != "…", f"{command.name} has no description"
        if isinstance(command, app_commands.Group):
            continue
        parameter_names = [p.name for p in command.parameters]
        assert len(parameter_names) == len(set(parameter_names))
        for parameter in command.parameters:
            where = f"/{command.qualified_name} {parameter.name}"
            assert NAME.match(parameter.name) and parameter.name == parameter.name.lower(), where
            assert parameter.description and parameter.description != "…", f"{where} has no description"
            assert len(parameter.description) <= 100, where
            if parameter.type is discord.AppCommandOptionType.string and not parameter.choices:
                assert parameter.max_value is not None, f"{where} is unbounded"
                assert parameter.max_value <= 6000, where
        command.to_dict(bot.tree)  # the payload discord.py would sync


def test_ask_has_bounded_question_and_autocompleted_organization() -> None:
    bot, _ = started_bot()
    ask = bot.tree.get_command("ask")

    question, organization, private = ask.parameters
    assert (private.name, private.required, private.type) == ("private", False, discord.AppCommandOptionType.boolean)
    assert (question.name, question.required) == ("question", True)
    assert (question.min_value, question.max_value) == (1, 300)
    assert (organization.name, organization.required) == ("organization", False)
    assert organization.autocomplete
