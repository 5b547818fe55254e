"""Running the real bot against the fake, shared by the fixtures and bench/discord_latency.py."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.app import FactBot, create_bot
from factbot.settings import Settings

from .server import FakeDiscord

GUILD_READY_TIMEOUT = 0.05


@contextlib.asynccontextmanager
async def start_bot(
    fake: FakeDiscord, settings: Settings, **options: Any
) -> AsyncIterator[FactBot]:
    """`create_bot(settings, **options)` connected to `fake` and ready; closed on exit.

    discord.py waits `guild_ready_timeout` (2 s by default) for more guilds before `on_ready`;
    the fake sends its one guild at once, so a short wait keeps tests fast.
    """
    options.setdefault("guild_ready_timeout", GUILD_READY_TIMEOUT)
    bot = create_bot(settings, **options)
    async with fake.running(bot):
        yield bot
