"""Starting the bot: missing or wrong token, privileged intents, the bot class for sharding."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from discord.ext import commands
from fakes import FakeDiscord, start_bot

from bot.app import FactBot, ShardedFactBot, _startup_errors, create_bot, invite_url, sync_only
from bot.errors import StartupError
from factbot.answering.answers import AnswerEngine
from factbot.cli import cli
from factbot.settings import Settings


def env_without_token(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "FACTBOT_")) or k == "FACTBOT_CACHE_DIR"
    }
    env["FACTBOT_DB"] = str(tmp_path / "factbot.db")
    return env


@pytest.mark.slow
def test_python_m_bot_without_a_token_names_the_variable_and_factbot_chat(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env_without_token(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr
    assert "factbot chat" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "factbot.db").exists(), "no work before the token is checked"


def test_factbot_run_without_a_token_fails_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run"], env={"DISCORD_TOKEN": ""})

    assert result.exit_code == 2
    assert "DISCORD_TOKEN" in result.output
    assert "factbot chat" in result.output


async def test_a_rejected_token_is_named_but_never_shown(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    settings = replace(bot_settings, discord_token="not-the-right-token")

    with pytest.raises(StartupError) as raised:
        await asyncio.to_thread(sync_only, settings)

    assert "DISCORD_TOKEN" in str(raised.value)
    assert "not-the-right-token" not in str(raised.value)


async def test_message_content_intent_not_enabled_in_the_portal_is_explained(
    bot_settings: Settings,
) -> None:
    settings = replace(bot_settings, message_content_intent=True)
    async with FakeDiscord(allow_message_content=False) as fake:
        with fake.patched(), pytest.raises(StartupError) as raised, _startup_errors():
            async with start_bot(fake, settings):
                pass

    assert "DISCORD_MESSAGE_CONTENT" in str(raised.value)
    assert "Developer Portal" in str(raised.value)


def test_shard_settings_choose_the_auto_sharded_bot(shared_db: Path) -> None:
    engine = AnswerEngine(shared_db)
    plain = create_bot(Settings(db_path=shared_db), engine=engine)
    sharded = create_bot(
        Settings(db_path=shared_db, shard_count=4, shard_ids=(2, 3)), engine=engine
    )

    assert type(plain) is FactBot
    assert isinstance(sharded, ShardedFactBot) and isinstance(sharded, commands.AutoShardedBot)
    assert sharded.shard_count == 4 and sharded.shard_ids == [2, 3]
    mentions = plain.allowed_mentions
    assert (
        mentions is not None and mentions.to_dict() == {"parse": []} and not mentions.replied_user
    )


def test_invite_link_asks_for_both_scopes_and_only_the_documented_permissions() -> None:
    url = invite_url(1234)

    assert "client_id=1234" in url
    assert "scope=bot+applications.commands" in url
    assert "permissions=2252074691677184" in url, "keep docs/discord.md in step"


def test_python_m_bot_prints_an_error_as_factbot_run_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main as python_m_bot

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "")
    code = python_m_bot([])
    printed = capsys.readouterr().err
    result = CliRunner().invoke(cli, ["run"], env={"DISCORD_TOKEN": ""})

    assert code == result.exit_code == 2
    assert printed.startswith("Error: ") and printed == result.output
