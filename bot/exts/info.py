"""`/sources` and `/about`: what the bot knows and how to ask it.

Both reply privately: they help the person asking and would only clutter the channel.
"""

from __future__ import annotations

from typing import cast

import discord
from discord import app_commands
from discord.ext import commands

from factbot.answering.answers import AnswerEngine
from factbot.models import Source
from factbot.store.database import list_sources

from .. import render
from ..app import FactBot
from ..checks import in_allowed_channels

NO_MENTIONS = discord.AllowedMentions.none()


def read_sources(engine: AnswerEngine) -> list[Source]:
    """All sources, through the engine's per-thread read-only connection; runs in a worker thread."""
    return list_sources(engine.db)


def read_overview(engine: AnswerEngine) -> tuple[list[Source], tuple[str, ...]]:
    """Sources and example questions the engine answers; runs in a worker thread."""
    return list_sources(engine.db), engine.suggestions()


class Info(commands.Cog):
    """What the bot covers, where its quotes come from."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the sources my answers quote from.")
    @in_allowed_channels()
    async def sources(self, interaction: discord.Interaction[FactBot]) -> None:
        sources = await self.bot.run_blocking(read_sources, self.bot.engine)
        await interaction.response.send_message(
            embed=render.sources_embed(sources), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="about", description="What I answer and how to ask me.")
    async def about(self, interaction: discord.Interaction[FactBot]) -> None:
        sources, examples = await self.bot.run_blocking(read_overview, self.bot.engine)
        embed = render.about_embed(sources, examples, self.bot.settings.channel_ids)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Info(cast(FactBot, bot)))
