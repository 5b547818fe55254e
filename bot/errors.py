"""Failures as users see them: one short private sentence; the traceback goes to the log.

`FactTree.on_error` handles every slash command of every extension, so teammates only raise:
a `FactbotError` (its message is written for the user), a check failure below, or anything else
(a generic apology, and the traceback logged with the interaction id to find it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from factbot.errors import DatabaseError, FactbotError, InputError

from .render import content, wait_message

log = logging.getLogger(__name__)

GENERIC_FAILURE = (
    "Sorry, something went wrong on my side. It has been logged; please try again later."
)
DATABASE_FAILURE = (
    "My fact base is unavailable right now. The maintainers can find the details in the log."
)
UNKNOWN_COMMAND = "That command is not available any more. Try `/ask` or `/about`."


class MissingToken(InputError):
    """Raised at start when DISCORD_TOKEN is unset; the message says where to put it."""

    def __init__(self) -> None:
        super().__init__(
            "DISCORD_TOKEN is not set. Put the bot token from the Discord Developer Portal in the "
            "environment or in .env (see docs/discord.md). To ask questions without Discord, "
            "run `factbot chat`."
        )


class StartupError(FactbotError):
    """Discord refused to start the bot (bad token, privileged intent not enabled)."""


class ChannelNotAllowed(app_commands.CheckFailure):
    def __init__(self, channel_ids: Iterable[int]) -> None:
        where = ", ".join(f"<#{channel_id}>" for channel_id in sorted(channel_ids))
        super().__init__(f"I only answer in {where} and in direct messages.")


class MissingRole(app_commands.CheckFailure):
    def __init__(self, role_name: str | None) -> None:
        if role_name:
            super().__init__(f"Only members with the {role_name} role can use this command.")
        else:
            super().__init__("No role is configured for this command yet; ask the server admins.")


def unwrap(error: BaseException) -> BaseException:
    """The exception the handler raised, not discord.py's wrapper around it."""
    while isinstance(error, app_commands.CommandInvokeError | commands.CommandInvokeError):
        error = error.original
    return error


def user_message(error: BaseException) -> str:
    """The one sentence the user sees for `error`; never a traceback, never internals."""
    error = unwrap(error)
    if isinstance(error, DatabaseError):
        return DATABASE_FAILURE
    if isinstance(error, FactbotError):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return wait_message(error.retry_after)
    if isinstance(error, app_commands.CommandNotFound):
        return UNKNOWN_COMMAND
    if isinstance(error, app_commands.CheckFailure) and str(error):
        return str(error)
    return GENERIC_FAILURE


def expected(error: BaseException) -> bool:
    """Errors that are the user's business (bad input, cooldown, checks): no traceback needed."""
    error = unwrap(error)
    user_side = (InputError, app_commands.CheckFailure, app_commands.CommandNotFound)
    return isinstance(error, user_side) or (
        isinstance(error, FactbotError) and not isinstance(error, DatabaseError)
    )


async def report_interaction_error(
    interaction: discord.Interaction[Any], error: BaseException
) -> None:
    """Log `error` and tell the user privately, whether or not the interaction was answered."""
    name = _what(interaction)
    if expected(error):
        log.info("interaction=%s what=%s refused: %s", interaction.id, name, unwrap(error))
    else:
        log.error("interaction=%s what=%s failed", interaction.id, name, exc_info=unwrap(error))
    await send_private(interaction, user_message(error))


def _what(interaction: discord.Interaction[Any]) -> str:
    """`/ask`, or the button's custom id: enough to find the handler in the log."""
    if interaction.command is not None:
        return "/" + interaction.command.qualified_name
    data: dict[str, Any] = dict(interaction.data or {})
    return str(data.get("custom_id") or data.get("name") or interaction.type.name)


async def send_private(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral reply, as the first response or as a follow-up after a defer."""
    none = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content(text), ephemeral=True, allowed_mentions=none)
        else:
            await interaction.response.send_message(
                content(text), ephemeral=True, allowed_mentions=none
            )
    except discord.HTTPException as failure:
        log.warning("interaction=%s: could not send the error reply: %s", interaction.id, failure)


async def report_message_error(message: discord.Message, error: BaseException) -> None:
    """Log `error` and reply to the message (mentions and DMs cannot be answered privately)."""
    if expected(error):
        log.info("message=%s refused: %s", message.id, unwrap(error))
    else:
        log.error("message=%s failed", message.id, exc_info=unwrap(error))
    try:
        await message.channel.send(
            content(user_message(error)),
            reference=message.to_reference(fail_if_not_exists=False),
            mention_author=False,
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException as failure:
        log.warning("message=%s: could not send the error reply: %s", message.id, failure)


class FactTree(app_commands.CommandTree[Any]):
    """The command tree with one error policy for every extension's slash commands."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await report_interaction_error(interaction, error)
