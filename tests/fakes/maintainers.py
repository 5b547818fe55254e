"""Fixtures for tests of the maintainers' commands: a writable base, the maintainer role, and
two members (one with the role, one without).

Not loaded for every test: a test module imports what it uses, and importing
`maintainer_bot_settings` replaces the `bot_settings` fixture of fixtures.py in that module::

    from fakes.maintainers import (  # noqa: F401 (fixtures)
        People, maintainer_and_stranger, maintainer_bot, maintainer_bot_settings,
    )

The fixtures are named `bot_settings`, `people` and `discord_bot` in the tests that import them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import FactBot
from factbot.settings import Settings

from .harness import start_bot
from .server import FakeDiscord

ROLE = "factbot-maintainer"


@dataclass(frozen=True)
class People:
    """Discord members as the fake knows them: one maintainer, one stranger."""

    maintainer: dict[str, Any]
    stranger: dict[str, Any]


@pytest.fixture(name="bot_settings")
def maintainer_bot_settings(built_db: Path) -> Settings:
    """A private, writable base (the shared one is read-only) and the maintainer role."""
    return Settings(
        db_path=built_db,
        discord_token=FakeDiscord.TOKEN,
        maintainer_role=ROLE,
        ask_cooldown_rate=1000,
        ask_cooldown_seconds=60.0,
    )


@pytest.fixture(name="people")
def maintainer_and_stranger(fake_discord: FakeDiscord) -> People:
    """Alice holds the maintainer role, Mallory does not; made before the bot starts."""
    role = fake_discord.add_role(ROLE)
    return People(
        maintainer=fake_discord.make_user("alice", roles=(role,)),
        stranger=fake_discord.make_user("mallory"),
    )


@pytest.fixture(name="discord_bot")
async def maintainer_bot(
    fake_discord: FakeDiscord, bot_settings: Settings, people: People
) -> AsyncIterator[FactBot]:
    """The bot, started after `people` added the role and the members."""
    async with start_bot(fake_discord, bot_settings) as bot:
        yield bot
