""" "Wrong or unhelpful?" under each answer: a click records the question, the passage and, only
where FACTBOT_GAPS_STORE_USER_IDS allows, the person; `factbot gaps` and `/gaps` list reported
answers beside the unanswered questions, most reported first."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakes import CapturedRequest, FakeDiscord, start_bot
from fakes.maintainers import ROLE, maintainer_bot_settings  # noqa: F401 (fixture)

from bot import render
from factbot.cli import cli
from factbot.settings import Settings

EPHEMERAL = 1 << 6
HAJIZADA = "Who is Aykhan Hajizada?"
RAID = "Where was the raid?"



def report_button(reply: CapturedRequest) -> dict[str, Any]:
    rows = reply.message.get("components") or []
    [button] = [b for row in rows for b in row["components"] if b["label"] == render.REPORT_LABEL]
    return dict(button)


async def ask_and_report(fake: FakeDiscord, question: str, reporters: list[dict[str, Any]]) -> str:
    """Ask `question`, have each of `reporters` press "Wrong or unhelpful?"; the passage id."""
    answer = await fake.reply(await fake.slash("ask", {"question": question}))
    button = report_button(answer)
    message = fake.stored_message(answer)
    for reporter in reporters:
        thanks = await fake.reply(await fake.click(message, button["custom_id"], user=reporter))
        assert thanks.flags & EPHEMERAL
        assert thanks.message["content"] == render.REPORT_THANKS
    return str(button["custom_id"]).removeprefix(render.REPORT_CUSTOM_ID_PREFIX)


def gaps_cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["--db", str(db), "gaps", *args], env={"FACTBOT_LOG_LEVEL": "WARNING"}
    )
    assert result.exit_code == 0, result.output
    return result.output


async def test_reports_are_listed_most_reported_first_by_the_cli_and_gaps_command(
    fake_discord: FakeDiscord, bot_settings: Settings, built_db: Path
) -> None:
    role = fake_discord.add_role(ROLE)
    maintainer = fake_discord.make_user("alice", roles=(role,))
    readers = [fake_discord.make_user(name) for name in ("bob", "carol")]
    async with start_bot(fake_discord, bot_settings):
        once = await ask_and_report(fake_discord, HAJIZADA, readers[:1])
        twice = await ask_and_report(fake_discord, RAID, readers)
        await fake_discord.reply(
            await fake_discord.slash("ask", {"question": "What did the pope say about football?"})
        )
        listed = await fake_discord.reply(await fake_discord.slash("gaps", {}, user=maintainer))

    shown = listed.message["content"]
    assert "What did the pope say about football?" in shown
    assert shown.index(f"2× {RAID}") < shown.index(f"1× {HAJIZADA}")
    assert twice in shown and once in shown

    items = json.loads(gaps_cli(built_db, "--json"))
    reported = [
        (i["question"], i["passage_id"], i["count"]) for i in items if i["kind"] == "reported"
    ]
    assert reported == [(RAID, twice, 2), (HAJIZADA, once, 1)]
    text = gaps_cli(built_db)
    assert "Reported as wrong or unhelpful:" in text
    assert f"2x  {RAID}  -> {twice}" in text


def reporters(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT user_id FROM report_users")]


@pytest.mark.parametrize("store_user_ids", [False, True])
async def test_who_reported_is_kept_only_when_settings_allow(
    fake_discord: FakeDiscord, bot_settings: Settings, built_db: Path, store_user_ids: bool
) -> None:
    reader = fake_discord.make_user("dave")
    settings = replace(bot_settings, gaps_store_user_ids=store_user_ids)
    async with start_bot(fake_discord, settings):
        await ask_and_report(fake_discord, HAJIZADA, [reader])

    with sqlite3.connect(built_db) as conn:
        [(question, count)] = conn.execute("SELECT question, count FROM reports").fetchall()
    assert (question, count) == (HAJIZADA, 1)
    assert reporters(built_db) == ([str(reader["id"])] if store_user_ids else [])


async def test_abstentions_carry_no_report_button(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    reply = await fake_discord.reply(
        await fake_discord.slash("ask", {"question": "What is the capital of France?"})
    )
    labels = [
        b["label"] for row in reply.message.get("components") or [] for b in row["components"]
    ]
    assert render.REPORT_LABEL not in labels
