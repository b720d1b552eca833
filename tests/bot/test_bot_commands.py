"""Every command, structurally (names, descriptions, parameters, permissions), and the checks that
run before a command: channel allow-list, cooldown, permissions; each refusal one ephemeral line."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

import discord
import pytest
from bot_fakes import (
    FakeKnowledgeBase,
    UploadingFakeKnowledgeBase,
    UrlFakeKnowledgeBase,
    make_interaction,
    make_settings,
    set_up,
)
from discord import app_commands

from bot import limits
from bot.client import DisclosureBot
from bot.guards import Cooldown, Refusal

#: Commands only administrators (or members who manage the server) may run, and the permission.
ADMIN_COMMANDS = {"ingest": "manage_guild", "forget": "administrator", "reports": "administrator",
                  "feeds": "manage_guild"}


def started_bot(kb: Any = None, **settings: object) -> DisclosureBot:
    bot = DisclosureBot(kb or UploadingFakeKnowledgeBase(), make_settings(**settings))
    with mock.patch.object(bot.tree, "sync", mock.AsyncMock(return_value=[])):
        asyncio.run(set_up(bot))
    return bot


def every_command(bot: DisclosureBot) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    return list(bot.tree.walk_commands())


def test_every_command_is_well_formed() -> None:
    bot = started_bot(UrlFakeKnowledgeBase())
    commands = every_command(bot)
    menus = bot.tree.get_commands(type=discord.AppCommandType.message)

    names = [c.qualified_name for c in commands]
    assert {"ask", "said", "sources", "source", "about", "forget", "ingest"} <= set(names)
    assert len(names) == len(set(names))
    assert [m.name for m in menus] == ["What did they actually say?"]
    for command in commands:
        assert 1 <= len(command.name) <= limits.COMMAND_NAME_MAX and command.name == command.name.lower()
        assert 1 <= len(command.description) <= limits.COMMAND_DESCRIPTION_MAX, command.name
        assert command.description != "…"
        if isinstance(command, app_commands.Group):
            continue
        for parameter in command.parameters:
            where = f"/{command.qualified_name} {parameter.name}"
            assert parameter.description and parameter.description != "…", f"{where} has no description"
            assert len(parameter.description) <= limits.OPTION_DESCRIPTION_MAX, where
            assert len(parameter.choices) <= limits.CHOICES_MAX, where
        command.to_dict(bot.tree)
    for menu in menus:
        assert 1 <= len(menu.name) <= limits.COMMAND_NAME_MAX
        menu.to_dict(bot.tree)


@pytest.mark.parametrize(("name", "permission"), sorted(ADMIN_COMMANDS.items()))
def test_admin_commands_are_hidden_by_default_permissions_and_guild_only(name: str, permission: str) -> None:
    bot = started_bot()
    command = bot.tree.get_command(name)
    if command is None:
        pytest.skip(f"/{name} is not registered in this build")

    assert command.default_permissions is not None
    assert getattr(command.default_permissions, permission) is True
    assert command.default_permissions.value == discord.Permissions(**{permission: True}).value
    assert command.guild_only or command.allowed_contexts is not None


def test_commands_for_everyone_have_no_default_permissions() -> None:
    bot = started_bot()
    for name in ("ask", "said", "sources", "source", "about"):
        assert bot.tree.get_command(name).default_permissions is None, name


def test_ingest_offers_a_url_only_when_the_knowledge_base_fetches_urls() -> None:
    without = started_bot(UploadingFakeKnowledgeBase()).tree.get_command("ingest")
    with_urls = started_bot(UrlFakeKnowledgeBase()).tree.get_command("ingest")

    assert [p.name for p in without.parameters] == ["file", "kind", "organization", "date"]
    assert without.get_parameter("file").required
    assert [p.name for p in with_urls.parameters] == ["file", "url", "kind", "organization", "date"]
    assert not with_urls.get_parameter("file").required
    assert [c.value for c in with_urls.get_parameter("kind").choices] == [
        "notice", "statement", "filing", "article", "opinion"]


BOT_USER = {"id": "1", "username": "bot", "discriminator": "0", "avatar": None, "global_name": None}


def test_a_reconnect_never_syncs() -> None:
    """discord.py calls ``setup_hook`` from ``login`` only; ready and resumed events do not sync."""
    bot = DisclosureBot(FakeKnowledgeBase(), make_settings(guild_id=99))
    sync = mock.AsyncMock(return_value=[])

    async def go() -> None:
        with mock.patch.object(bot.tree, "sync", sync), \
                mock.patch.object(bot.http, "static_login", mock.AsyncMock(return_value=BOT_USER)), \
                mock.patch.object(bot, "application_info", mock.AsyncMock(return_value=mock.Mock(id=1))):
            await bot.login("token")
            bot.dispatch("ready")
            bot.dispatch("resumed")
            bot.dispatch("connect")
            await asyncio.sleep(0.05)
        await bot.close()

    asyncio.run(go())

    sync.assert_awaited_once()
    assert sync.await_args.kwargs["guild"].id == 99


# checks --------------------------------------------------------------------------------------------


def check(bot: DisclosureBot, name: str, **interaction: Any) -> str | None:
    """Run a command's checks as the tree does; the refusal's line, or None when it may run."""
    command = bot.tree.get_command(name)
    fake = make_interaction(command=command, client=bot, **interaction)

    async def go() -> str | None:
        try:
            await command._check_can_run(fake.interaction)
        except Refusal as refusal:
            await bot.tree.on_error(fake.interaction, refusal)
            (call,) = fake.response.send_message.await_args_list
            assert call.kwargs["ephemeral"] is True and "\n" not in call.args[0]
            return call.args[0]
        return None

    return asyncio.run(go())


def test_channels_outside_the_allow_list_are_refused_in_one_line() -> None:
    bot = started_bot(allowed_channel_ids=[10, 11])

    assert check(bot, "ask", channel_id=10) is None
    assert check(bot, "about", channel_id=99) == "This bot answers in <#10>, <#11> only."
    assert check(bot, "ask", channel_id=99) == "This bot answers in <#10>, <#11> only."


def test_a_thread_counts_as_its_parent_channel() -> None:
    bot = started_bot(allowed_channel_ids=[10])
    command = bot.tree.get_command("ask")
    fake = make_interaction(command=command, client=bot, channel_id=77)
    fake.interaction.channel = mock.NonCallableMagicMock(spec=discord.Thread, id=77, parent_id=10)

    assert asyncio.run(command._check_can_run(fake.interaction)) is True


def test_the_cooldown_refuses_a_second_command_and_names_the_wait() -> None:
    bot = started_bot(cooldown_seconds=30)
    now = [1000.0]
    bot.cooldown = Cooldown(30, clock=lambda: now[0])

    assert check(bot, "ask") is None
    now[0] += 10
    assert check(bot, "said") == "Please wait 20 s before your next command."
    assert check(bot, "ask", user_id=555) is None  # per user
    now[0] += 21
    assert check(bot, "ask") is None


def test_a_refused_channel_does_not_start_the_cooldown() -> None:
    bot = started_bot(cooldown_seconds=30, allowed_channel_ids=[10])

    assert check(bot, "ask", channel_id=99) is not None
    assert check(bot, "ask", channel_id=10) is None


@pytest.mark.parametrize("permissions", [discord.Permissions.none(), discord.Permissions(send_messages=True)])
def test_ingest_and_forget_are_refused_without_permission(permissions: discord.Permissions) -> None:
    bot = started_bot()

    assert check(bot, "ingest", permissions=permissions) == "Adding sources needs the Manage Server permission."
    assert check(bot, "forget", permissions=permissions) == "Only the server's administrators can do this."


def test_ingest_is_allowed_to_managers_and_to_the_ingest_role() -> None:
    bot = started_bot(ingest_role_id=42)

    assert check(bot, "ingest", permissions=discord.Permissions(manage_guild=True)) is None
    fake_roles = make_interaction(client=bot)
    assert check(bot, "ingest") == "Adding sources needs the Manage Server permission or the ingest role."
    command = bot.tree.get_command("ingest")
    fake_roles.interaction.command = command
    fake_roles.interaction.user.roles = [mock.Mock(id=7), mock.Mock(id=42)]
    assert asyncio.run(command._check_can_run(fake_roles.interaction)) is True


def test_forget_is_allowed_to_administrators() -> None:
    assert check(started_bot(), "forget", permissions=discord.Permissions(administrator=True)) is None
