"""Who may ask where, and how often: the per-user cooldown, channel and role checks.

These only read settings and the Discord objects in hand; they decide nothing about answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from factbot.settings import Settings

from .errors import ChannelNotAllowed, MissingRole

PRUNE_EVERY = 256


@dataclass(frozen=True)
class Refusal:
    """A question refused by the cooldown; `first` is the first refusal in this window."""

    retry_after: float
    first: bool


class UserCooldown:
    """At most `rate` questions per `per` seconds per user, shared by every way of asking.

    Slash commands, buttons, mentions and DMs draw on the same bucket, so moving from /ask to
    mentions does not lift the limit. Buckets that have refilled are pruned now and then so a
    busy server does not grow the map forever. `per` of 0 turns the cooldown off.
    """

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._buckets: dict[int, app_commands.Cooldown] = {}
        self._warned: dict[int, float] = {}
        self._calls = 0

    def check(self, user_id: int) -> Refusal | None:
        """Spend one question for `user_id`; a `Refusal` when they must wait first."""
        if self.per <= 0:
            return None
        now = self._clock()
        self._calls += 1
        if self._calls % PRUNE_EVERY == 0:
            self._prune(now)
        bucket = self._buckets.setdefault(user_id, app_commands.Cooldown(self.rate, self.per))
        retry_after = bucket.update_rate_limit(now)
        if retry_after is None:
            return None
        first = self._warned.get(user_id, 0.0) <= now
        self._warned[user_id] = now + retry_after
        return Refusal(retry_after=retry_after, first=first)

    def _prune(self, now: float) -> None:
        full = [uid for uid, bucket in self._buckets.items() if bucket.get_tokens(now) == self.rate]
        for user_id in full:
            del self._buckets[user_id]
            self._warned.pop(user_id, None)

    def __len__(self) -> int:
        return len(self._buckets)


def channel_allowed(settings: Settings, channel: Any) -> bool:
    """True when the bot may answer in `channel` (DMs always; threads follow their parent)."""
    if not settings.channel_ids or channel is None:
        return True
    if isinstance(channel, discord.DMChannel | discord.GroupChannel):
        return True
    ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
    return bool(ids & settings.channel_ids)


def in_allowed_channels() -> Callable[[Any], Any]:
    """App-command check: refuse, with a short private note, outside DISCORD_CHANNEL_IDS."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        settings: Settings = interaction.client.settings
        if interaction.guild_id is None or channel_allowed(settings, interaction.channel):
            return True
        raise ChannelNotAllowed(settings.channel_ids)

    return app_commands.check(predicate)


def has_role(member: discord.abc.User, role_name: str) -> bool:
    """Whether `member` holds a role named `role_name` (case-insensitive); never in DMs."""
    roles = getattr(member, "roles", ())
    wanted = role_name.casefold()
    return any(role.name.casefold() == wanted for role in roles)


def require_role(setting: str) -> Callable[[Any], Any]:
    """App-command check on a role named by a setting, e.g. `require_role("maintainer_role")`.

    For the maintainers' and moderators' extensions: the role name comes from `bot.settings`
    at call time, so renaming it in .env needs no code change.
    """

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        role_name = getattr(interaction.client.settings, setting)
        if role_name and has_role(interaction.user, role_name):
            return True
        raise MissingRole(role_name)

    return app_commands.check(predicate)
