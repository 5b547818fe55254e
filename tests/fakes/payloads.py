"""Builders for the JSON objects Discord sends: users, guilds, channels, messages, interactions.

Each builder returns the smallest payload discord.py 2.7 accepts without falling back to partial
objects, so the bot under test sees the same types (Member, TextChannel, Message) as in production.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
TEXT_CHANNEL = 0
DM_CHANNEL = 1
PUBLIC_THREAD = 11
ALL_PERMISSIONS = str((1 << 50) - 1)
EPHEMERAL = 1 << 6

_counter = itertools.count(1)


def snowflake() -> int:
    """A unique, time-ordered id like Discord's (milliseconds since 2015 << 22, plus a counter)."""
    millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (millis << 22) | (next(_counter) % (1 << 22))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> JSON:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member(user_payload: JSON | None, roles: list[int] | tuple[int, ...] = ()) -> JSON:
    """A guild member; `user_payload` None gives the form MESSAGE_CREATE nests beside `author`."""
    payload: JSON = {
        "roles": [str(r) for r in roles],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": ALL_PERMISSIONS,
    }
    if user_payload is not None:
        payload["user"] = user_payload
    return payload


def role(role_id: int, name: str, *, position: int = 1, bot_id: int | None = None) -> JSON:
    payload: JSON = {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "hoist": False,
        "position": position,
        "permissions": "0" if position else "1024",
        "managed": bot_id is not None,
        "mentionable": False,
        "flags": 0,
    }
    if bot_id is not None:
        payload["tags"] = {"bot_id": str(bot_id)}
    return payload


def text_channel(channel_id: int, guild_id: int, name: str, *, position: int = 0) -> JSON:
    return {
        "id": str(channel_id),
        "type": TEXT_CHANNEL,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def thread(thread_id: int, guild_id: int, parent_id: int, name: str, owner_id: int) -> JSON:
    return {
        "id": str(thread_id),
        "type": PUBLIC_THREAD,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_iso(),
            "locked": False,
        },
        "flags": 0,
    }


def dm_channel(channel_id: int, recipient: JSON) -> JSON:
    return {
        "id": str(channel_id),
        "type": DM_CHANNEL,
        "last_message_id": None,
        "recipients": [recipient],
    }


def guild(
    guild_id: int,
    name: str,
    *,
    owner_id: int,
    channels: list[JSON],
    roles: list[JSON],
    members: list[JSON],
    threads: list[JSON] | None = None,
) -> JSON:
    """A full GUILD_CREATE payload (as sent once per guild after READY)."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "owner_id": str(owner_id),
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "unavailable": False,
        "large": False,
        "member_count": len(members),
        "joined_at": now_iso(),
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "channels": channels,
        "threads": threads or [],
        "members": members,
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message(
    message_id: int,
    channel_id: int,
    author: JSON,
    *,
    content: str = "",
    guild_id: int | None = None,
    author_member: JSON | None = None,
    mentions: list[JSON] | None = None,
    mention_roles: list[int] | None = None,
    mention_everyone: bool = False,
    embeds: list[JSON] | None = None,
    components: list[JSON] | None = None,
    flags: int = 0,
    message_reference: JSON | None = None,
    interaction_metadata: JSON | None = None,
    webhook_id: int | None = None,
) -> JSON:
    """A message as MESSAGE_CREATE carries it, and as REST routes return it."""
    payload: JSON = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": mentions or [],
        "mention_roles": [str(r) for r in mention_roles or []],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 0 if message_reference is None else 19,
        "flags": flags,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if author_member is not None:
        payload["member"] = author_member
    if message_reference is not None:
        payload["message_reference"] = message_reference
    if interaction_metadata is not None:
        payload["interaction_metadata"] = interaction_metadata
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    return payload


def interaction(
    interaction_id: int,
    *,
    application_id: int,
    kind: int,
    token: str,
    data: JSON,
    invoker: JSON,
    channel: JSON,
    guild_id: int | None,
    roles: tuple[int, ...] = (),
    message_payload: JSON | None = None,
) -> JSON:
    """An INTERACTION_CREATE payload: `member` in a guild, `user` in a DM, as Discord does."""
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "data": data,
        "channel": channel,
        "channel_id": channel["id"],
        "locale": "en-US",
        "app_permissions": ALL_PERMISSIONS,
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "authorizing_integration_owners": {"0": "0"} if guild_id else {"1": invoker["id"]},
        "context": 0 if guild_id else 1,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["guild_locale"] = "en-US"
        payload["member"] = member(invoker, roles)
    else:
        payload["user"] = invoker
    if message_payload is not None:
        payload["message"] = message_payload
    return payload


@dataclass(frozen=True)
class Upload:
    """A file a user attaches to a slash command's option (`/source add file:`).

    `size` is what Discord says the file is (default: its real length): a test can make it lie,
    as a client could, to check the bot stops reading anyway.
    """

    filename: str
    data: bytes
    size: int | None = None
    content_type: str = "text/markdown; charset=utf-8"
    id: int = field(default_factory=snowflake)


def attachment(upload: Upload, url: str) -> JSON:
    """The attachment object of an interaction's `resolved` data."""
    return {
        "id": str(upload.id),
        "filename": upload.filename,
        "size": len(upload.data) if upload.size is None else upload.size,
        "url": url,
        "proxy_url": url,
        "content_type": upload.content_type,
        "ephemeral": True,
    }


def slash_data(
    command_id: int,
    name: str,
    options: dict[str, Any],
    guild_id: int | None,
    resolved: JSON | None = None,
) -> JSON:
    """`data` of a chat-input command with top-level options (strings, numbers, booleans, files)."""
    data: JSON = {
        "id": str(command_id),
        "name": name,
        "type": 1,
        "options": [_option(k, v) for k, v in options.items()],
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if resolved:
        data["resolved"] = resolved
    return data


def subcommand_data(
    command_id: int,
    name: str,
    subcommand: str,
    options: dict[str, Any],
    guild_id: int | None,
    resolved: JSON | None = None,
) -> JSON:
    """`data` of `/name subcommand ...` (for command groups such as `/fact edit`)."""
    sub = {"name": subcommand, "type": 1, "options": [_option(k, v) for k, v in options.items()]}
    data: JSON = {"id": str(command_id), "name": name, "type": 1, "options": [sub]}
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if resolved:
        data["resolved"] = resolved
    return data


def _option(name: str, value: Any) -> JSON:
    if isinstance(value, Upload):
        return {"name": name, "type": 11, "value": str(value.id)}
    if isinstance(value, bool):
        kind = 5
    elif isinstance(value, int):
        kind = 4
    elif isinstance(value, float):
        kind = 10
    else:
        kind = 3
    return {"name": name, "type": kind, "value": value}


def application(app_id: int, owner: JSON) -> JSON:
    return {
        "id": str(app_id),
        "name": "factbot-test",
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": owner,
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "interactions_endpoint_url": None,
    }
