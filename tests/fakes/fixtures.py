"""pytest fixtures around the loopback fake (loaded for every test by tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import FactBot
from factbot.settings import Settings

from .harness import start_bot
from .server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A fresh fake Discord with discord.py pointed at it; fails the test on unknown routes."""
    async with FakeDiscord() as fake:
        with fake.patched():
            yield fake
    assert not fake.unhandled, f"the bot called routes the fake does not serve: {fake.unhandled}"


@pytest.fixture
def bot_settings(shared_db: Path) -> Settings:
    """Settings for a bot under test; override this fixture (or `replace` it) for other roles/limits."""
    return Settings(
        db_path=shared_db,
        discord_token=FakeDiscord.TOKEN,
        ask_cooldown_rate=1000,
        ask_cooldown_seconds=60.0,
    )


@pytest.fixture
async def discord_bot(fake_discord: FakeDiscord, bot_settings: Settings) -> AsyncIterator[FactBot]:
    """The real bot, all extensions loaded, connected to `fake_discord` and ready."""
    async with start_bot(fake_discord, bot_settings) as bot:
        yield bot
