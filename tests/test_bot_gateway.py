"""Gateway life: RESUME after a dropped connection, sharding, slash command registration."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from click.testing import CliRunner
from discord.ext import commands
from fakes import FakeDiscord, start_bot

from bot.app import sync_commands
from factbot.cli import cli
from factbot.settings import Settings

QUESTION = "Who is Aykhan Hajizada?"
COMMANDS = {"ask", "about", "sources"}  # this feature's; other extensions add theirs


async def test_bot_resumes_after_a_disconnect_and_keeps_answering(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    before = await fake_discord.reply(await fake_discord.slash("ask", {"question": QUESTION}))
    [session_id] = fake_discord.sessions

    await fake_discord.disconnect(code=4000)
    missed = await fake_discord.slash("ask", {"question": QUESTION})
    await fake_discord.wait_resumed()
    during = await fake_discord.reply(missed)
    after = await fake_discord.reply(await fake_discord.slash("ask", {"question": QUESTION}))

    assert len(fake_discord.identifies) == 1, "a RESUME, not a new IDENTIFY"
    [resume] = fake_discord.resumes
    assert resume["session_id"] == session_id
    assert resume["token"] == FakeDiscord.TOKEN
    assert resume["seq"] < fake_discord.sessions[session_id].sequence
    for reply in (before, during, after):
        assert reply.json["type"] == 4
        assert reply.message["embeds"][0]["title"] == QUESTION
    callbacks = [r for r in fake_discord.requests if r.path.endswith("/callback")]
    assert len(callbacks) == 3, "the replayed event is answered once"


async def test_sharded_process_identifies_as_its_shard_and_answers(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    shard_id = fake_discord.shard_of(fake_discord.guild_id, 2)
    settings = replace(bot_settings, shard_count=2, shard_ids=(shard_id,))

    async with start_bot(fake_discord, settings) as bot:
        reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": QUESTION}))
        guild = bot.get_guild(fake_discord.guild_id)

    assert isinstance(bot, commands.AutoShardedBot)
    assert [identify["shard"] for identify in fake_discord.identifies] == [[shard_id, 2]]
    assert guild is not None and guild.shard_id == shard_id
    assert reply.message["embeds"][0]["title"] == QUESTION


async def test_commands_sync_to_the_guild_when_a_guild_is_set(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    settings = replace(bot_settings, guild_id=fake_discord.guild_id)
    async with start_bot(fake_discord, settings) as bot:
        scope, synced = await sync_commands(bot)
        reply = await fake_discord.reply(await fake_discord.slash("ask", {"question": QUESTION}))

    assert scope == f"in guild {fake_discord.guild_id}"
    assert {c.name for c in synced} >= COMMANDS
    [put] = [r for r in fake_discord.requests if r.method == "PUT"]
    assert (
        put.path == f"/applications/{fake_discord.app_id}/guilds/{fake_discord.guild_id}/commands"
    )
    ask = next(c for c in put.json if c["name"] == "ask")
    assert ask["options"][0]["name"] == "question" and ask["options"][0]["required"]
    assert reply.json["type"] == 4, "guild-scoped commands are dispatched too"


async def test_sync_commands_cli_registers_globally_without_a_guild(
    fake_discord: FakeDiscord, bot_settings: Settings, tmp_path: Any
) -> None:
    env = {
        "DISCORD_TOKEN": FakeDiscord.TOKEN,
        "DISCORD_GUILD_ID": "",
        "FACTBOT_DB": str(bot_settings.db_path),
    }

    def invoke() -> Any:
        return CliRunner().invoke(cli, ["sync-commands"], env=env)

    result = await asyncio.to_thread(invoke)

    assert result.exit_code == 0, result.output
    assert "globally" in result.output
    [put] = [r for r in fake_discord.requests if r.method == "PUT"]
    assert put.path == f"/applications/{fake_discord.app_id}/commands"
    assert {c["name"] for c in put.json} >= COMMANDS
    assert not fake_discord.identifies, "syncing needs REST only, no gateway session"


async def test_clear_guild_removes_the_development_servers_copies(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    settings = replace(bot_settings, guild_id=fake_discord.guild_id)
    async with start_bot(fake_discord, settings) as bot:
        await sync_commands(bot)
        assert {c["name"] for c in fake_discord.commands[fake_discord.guild_id]} >= COMMANDS
        _, synced = await sync_commands(bot, clear_guild=True)

    assert synced == []
    assert fake_discord.commands[fake_discord.guild_id] == []
    assert None not in fake_discord.commands, "the global registration is left alone"
