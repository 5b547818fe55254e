"""`/fact ...` and `/gaps` through the real discord.py client and the loopback fake: a maintainer
changes what the bot answers; anyone else is refused by the core, for every command."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from database_helpers import snapshot
from fakes import FakeDiscord
from fakes.maintainers import (  # noqa: F401 (fixtures)
    People,
    maintainer_and_stranger,
    maintainer_bot,
    maintainer_bot_settings,
)

from bot.app import FactBot
from factbot.editing import Actor, FactBase, retire

EPHEMERAL = 1 << 6
TORTURE = "azerbaijan-protests-torture"
TORTURE_QUESTION = "What did Azerbaijan protest about torture?"
UNANSWERED = "What did the pope say about football?"





async def fact(fake: FakeDiscord, user: dict[str, Any], sub: str, **options: Any) -> dict[str, Any]:
    """Run `/fact sub ...` as `user`; the reply's data."""
    sent = await fake.slash("fact", options, user=user, subcommand=sub)
    reply = await fake.reply(sent)
    data: dict[str, Any] = reply.json.get("data", reply.json)
    return data


def text_of(data: dict[str, Any]) -> str:
    embeds = " ".join(str(e) for e in data.get("embeds") or [])
    return f"{data.get('content') or ''} {embeds}"


def status(db: Path, passage_id: str) -> str:
    return str(
        sqlite3.connect(db)
        .execute("SELECT status FROM passages WHERE id = ?", [passage_id])
        .fetchone()[0]
    )


async def test_maintainer_retires_a_fact_and_the_bot_stops_quoting_it(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    before = await fake_discord.reply(
        await fake_discord.slash("ask", {"question": TORTURE_QUESTION})
    )
    assert TORTURE in str(before.json)
    data = await fact(fake_discord, people.maintainer, "retire", fact=TORTURE, reason="disputed")
    assert data["flags"] & EPHEMERAL
    assert "fact.retire" in data["content"] and "/fact revert change:" in data["content"]
    assert status(built_db, TORTURE) == "retired"
    after = await fake_discord.reply(
        await fake_discord.slash("ask", {"question": TORTURE_QUESTION})
    )
    assert TORTURE not in str(after.json)


async def test_history_records_the_discord_member(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People
) -> None:
    await fact(fake_discord, people.maintainer, "retire", fact=TORTURE, reason="disputed")
    data = await fact(fake_discord, people.maintainer, "history", fact=TORTURE)
    assert f"discord:{people.maintainer['id']} (alice" in data["content"]


MAINTAINER_COMMANDS: list[tuple[str, dict[str, Any], str]] = [
    (
        "add",
        {"quote": "Baku has called for a full investigation", "reason": "r", "entities": "baku"},
        "fact.add",
    ),
    ("edit", {"fact": TORTURE, "note": "checked", "reason": "r"}, "fact.edit"),
    ("retire", {"fact": TORTURE, "reason": "r"}, "fact.retire"),
    ("alias", {"entity": "baku", "spellings": "Baky, Bakou city", "reason": "r"}, "alias.add"),
    ("show", {"fact": TORTURE}, "Azerbaijan"),
    ("history", {}, "No changes yet."),
]


@pytest.mark.parametrize(
    ("sub", "options", "expected"), MAINTAINER_COMMANDS, ids=[c[0] for c in MAINTAINER_COMMANDS]
)
async def test_maintainer_can_use_each_command(
    fake_discord: FakeDiscord,
    discord_bot: FactBot,
    people: People,
    sub: str,
    options: dict[str, Any],
    expected: str,
) -> None:
    data = await fact(fake_discord, people.maintainer, sub, **options)
    assert data["flags"] & EPHEMERAL
    assert expected in text_of(data)


async def test_maintainer_restores_and_reverts(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    base = FactBase(built_db)
    change = retire(base, Actor.os_user("cli"), TORTURE, "disputed")
    base.close()
    restored = await fact(
        fake_discord, people.maintainer, "restore", fact=TORTURE, reason="not disputed"
    )
    assert "fact.restore" in restored["content"] and status(built_db, TORTURE) == "active"
    reverted = await fact(
        fake_discord, people.maintainer, "revert", change=change.id + 1, reason="undo"
    )
    assert (
        f"undoes change {change.id + 1}" in reverted["content"]
        and status(built_db, TORTURE) == "retired"
    )


async def test_maintainer_removes_an_alias_and_reverts_the_removal(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    def spellings() -> list[str]:
        rows = sqlite3.connect(built_db).execute(
            "SELECT alias FROM aliases WHERE entity_id = 'igor-kartavykh' ORDER BY alias"
        )
        return [row[0] for row in rows]

    before = spellings()
    data = await fact(
        fake_discord,
        people.maintainer,
        "alias-remove",
        entity="igor-kartavykh",
        spellings="Kartavih",
        reason="nobody spells it so",
    )
    assert data["flags"] & EPHEMERAL
    assert "alias.remove entity:igor-kartavykh" in data["content"]
    assert "Kartavih" not in spellings()
    [change_id] = [
        row[0]
        for row in sqlite3.connect(built_db).execute(
            "SELECT id FROM changes WHERE action = 'alias.remove'"
        )
    ]
    reverted = await fact(fake_discord, people.maintainer, "revert", change=change_id, reason="r")
    assert f"undoes change {change_id}" in reverted["content"]
    assert spellings() == before


async def test_gaps_lists_what_the_bot_could_not_answer(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People
) -> None:
    for _ in range(2):
        await fake_discord.reply(await fake_discord.slash("ask", {"question": UNANSWERED}))
    sent = await fake_discord.slash("gaps", {}, user=people.maintainer)
    data = (await fake_discord.reply(sent)).json["data"]
    assert data["flags"] & EPHEMERAL
    assert f"2× {UNANSWERED}" in data["content"]


STRANGER_COMMANDS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("fact", "add", {"quote": "Baku has called for a full investigation", "reason": "r"}),
    ("fact", "edit", {"fact": TORTURE, "note": "n", "reason": "r"}),
    ("fact", "retire", {"fact": TORTURE, "reason": "r"}),
    ("fact", "restore", {"fact": TORTURE, "reason": "r"}),
    ("fact", "alias", {"entity": "baku", "spellings": "Baky", "reason": "r"}),
    ("fact", "alias-remove", {"entity": "igor-kartavykh", "spellings": "Kartavih", "reason": "r"}),
    ("fact", "revert", {"change": 1, "reason": "r"}),
    ("fact", "show", {"fact": TORTURE}),
    ("fact", "history", {}),
    ("gaps", None, {}),
]


@pytest.mark.parametrize(
    ("name", "sub", "options"),
    STRANGER_COMMANDS,
    ids=[f"{n} {s or ''}".strip() for n, s, _ in STRANGER_COMMANDS],
)
async def test_non_maintainer_is_refused_and_nothing_changes(
    fake_discord: FakeDiscord,
    discord_bot: FactBot,
    people: People,
    built_db: Path,
    name: str,
    sub: str | None,
    options: dict[str, Any],
) -> None:
    before = snapshot(built_db)
    sent = await fake_discord.slash(name, options, user=people.stranger, subcommand=sub)
    data = (await fake_discord.reply(sent)).json["data"]
    assert data["flags"] & EPHEMERAL
    assert data["content"].startswith("Only maintainers can do this")
    assert snapshot(built_db) == before


async def test_refused_input_gets_the_core_message(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People
) -> None:
    data = await fact(
        fake_discord, people.maintainer, "add", quote="Baku declared war on everyone.", reason="r"
    )
    assert data["flags"] & EPHEMERAL
    assert "not verbatim in any stored source" in data["content"]


async def test_commands_are_hidden_by_default_and_guild_only(discord_bot: FactBot) -> None:
    for name in ("fact", "gaps"):
        command = discord_bot.tree.get_command(name)
        assert command is not None
        assert command.default_permissions is not None and command.default_permissions.manage_guild
        assert command.guild_only
