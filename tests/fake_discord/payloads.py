"""JSON payloads of the fake Discord: users, the guild, members, messages and interactions.

Shapes follow Discord's API reference (https://discord.com/developers/docs/resources/user,
.../resources/guild, .../resources/message, .../interactions/receiving-and-responding) and carry the
keys discord.py 2.7 reads without a default (``discord/state.py``, ``guild.py``, ``member.py``,
``message.py``, ``interactions.py``, ``appinfo.py``, ``app_commands/models.py``).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

#: Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
#: What an ordinary member has in the fake guild's text channel.
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | (1 << 16) | (1 << 14) | (1 << 31)  # + history, links, slash
ALL_PERMISSIONS = (1 << 51) - 1

#: Discord epoch (2015-01-01) in milliseconds; snowflakes count from it.
_EPOCH_MS = 1420070400000
_counter = itertools.count(1)


def snowflake() -> str:
    """A new, increasing snowflake id (as Discord sends them: a decimal string)."""
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    return str(((now_ms - _EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF))


def now_iso() -> str:
    """The current time as Discord's ISO 8601 timestamps."""
    return datetime.now(UTC).isoformat()


def user(user_id: str, name: str, *, bot: bool = False) -> Json:
    """A user object."""
    return {
        "id": user_id, "username": name, "global_name": name, "discriminator": "0", "avatar": None,
        "bot": bot, "public_flags": 0, "flags": 0, "mfa_enabled": False, "verified": True,
    }


def application(app_id: str, bot_user: Json, owner: Json) -> Json:
    """``GET /oauth2/applications/@me``: no interactions endpoint URL, so interactions come over the gateway."""
    return {
        "id": app_id, "name": bot_user["username"], "icon": None, "description": "fake application",
        "bot_public": False, "bot_require_code_grant": False, "owner": owner, "team": None,
        "verify_key": "0" * 64, "flags": 0, "summary": "", "rpc_origins": [], "tags": [],
        "interactions_endpoint_url": None, "bot": bot_user,
    }


def role(role_id: str, name: str, permissions: int, position: int) -> Json:
    return {
        "id": role_id, "name": name, "permissions": str(permissions), "position": position,
        "color": 0, "colors": {"primary_color": 0}, "hoist": False, "managed": False, "mentionable": False,
        "flags": 0, "icon": None, "unicode_emoji": None,
    }


def text_channel(channel_id: str, guild_id: str, name: str, position: int) -> Json:
    return {
        "id": channel_id, "type": 0, "guild_id": guild_id, "name": name, "position": position,
        "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
        "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
    }


def thread_channel(thread_id: str, guild_id: str, parent_id: str, name: str, owner_id: str) -> Json:
    """A public thread (type 11) as ``POST /channels/{id}/threads`` returns it."""
    return {
        "id": thread_id, "type": 11, "guild_id": guild_id, "parent_id": parent_id, "name": name,
        "owner_id": owner_id, "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "flags": 0,
        "last_message_id": None,
        "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": now_iso(),
                            "locked": False},
    }


def member(user_obj: Json, roles: list[str], *, permissions: int | None = None) -> Json:
    """A guild member; ``permissions`` (total in the interaction's channel) is set in interactions."""
    data: Json = {
        "user": user_obj, "roles": roles, "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False,
        "mute": False, "flags": 0, "pending": False, "nick": None, "avatar": None, "premium_since": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild(guild_id: str, name: str, owner_id: str, roles: list[Json], channels: list[Json],
          members: list[Json]) -> Json:
    """A full guild as GUILD_CREATE sends it."""
    return {
        "id": guild_id, "name": name, "icon": None, "splash": None, "discovery_splash": None,
        "owner_id": owner_id, "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0, "roles": roles, "emojis": [],
        "stickers": [], "features": [], "mfa_level": 0, "application_id": None, "system_channel_id": None,
        "system_channel_flags": 0, "rules_channel_id": None, "vanity_url_code": None, "description": None,
        "banner": None, "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
        "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False,
        "joined_at": "2024-01-01T00:00:00+00:00", "large": False, "unavailable": False,
        "member_count": len(members), "members": members, "channels": channels, "threads": [],
        "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
        "soundboard_sounds": [], "max_members": 500000, "lazy": True,
    }


def message(message_id: str, channel_id: str, author: Json, body: Json, *, guild_id: str | None,
            webhook_id: str | None = None, application_id: str | None = None) -> Json:
    """A message as Discord returns it, built from what the bot sent (``body``)."""
    data: Json = {
        "id": message_id, "channel_id": channel_id, "type": 20 if webhook_id else 0, "author": author,
        "content": body.get("content") or "", "embeds": body.get("embeds") or [],
        "components": body.get("components") or [], "attachments": body.get("attachments") or [],
        "flags": int(body.get("flags") or 0), "mentions": [], "mention_roles": [], "mention_everyone": False,
        "pinned": False, "tts": bool(body.get("tts")), "timestamp": now_iso(), "edited_timestamp": None,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if application_id is not None:
        data["application_id"] = application_id
    return data


def interaction(*, kind: int, app_id: str, guild_id: str, channel: Json, member_obj: Json, data: Json | None,
                message_obj: Json | None = None) -> Json:
    """An INTERACTION_CREATE payload (type 2 command, 3 component, 4 autocomplete, 5 modal submit)."""
    payload: Json = {
        "id": snowflake(), "application_id": app_id, "type": kind, "token": f"tok-{snowflake()}",
        "version": 1, "guild_id": guild_id, "guild": {"id": guild_id, "locale": "en-US", "features": []},
        "channel_id": channel["id"], "channel": channel, "member": member_obj,
        "app_permissions": str(ALL_PERMISSIONS), "locale": "en-US", "guild_locale": "en-US",
        "entitlements": [], "authorizing_integration_owners": {"0": guild_id}, "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if data is not None:
        payload["data"] = data
    if message_obj is not None:
        payload["message"] = message_obj
    return payload
