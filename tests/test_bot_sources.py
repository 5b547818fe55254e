"""`/source add`, `/source edit` and `/source remove` through the real discord.py client and the
loopback fake: a maintainer adds an attached article and the bot quotes it; bad files and
non-maintainers change nothing; a correction or a removal is in the history and a revert undoes it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from database_helpers import snapshot
from fakes import FakeDiscord
from fakes.maintainers import (  # noqa: F401 (fixtures)
    People,
    maintainer_and_stranger,
    maintainer_bot,
    maintainer_bot_settings,
)
from fakes.payloads import Upload

from bot.app import FactBot
from factbot.cli import cli
from factbot.editing import MAX_UPLOAD_BYTES

EPHEMERAL = 1 << 6
ARTICLE = Path(__file__).parent / "fixtures" / "articles" / "kura-courier-ferry-suspended.md"
FERRY = "kura-courier-ferry-suspended"
FERRY_QUESTION = "What happened to the ferry between Baku and Astrakhan?"
FERRY_QUOTE = "The weekly passenger ferry between Baku and Astrakhan has been suspended"
TRT = "trt-azerbaijan-russia-protests"





async def source(
    fake: FakeDiscord, user: dict[str, Any], sub: str, **options: Any
) -> dict[str, Any]:
    """Run `/source sub ...` as `user`; the data of the reply they see."""
    sent = await fake.slash("source", options, user=user, subcommand=sub)
    reply = await fake.reply(sent)
    return reply.message


async def ask(fake: FakeDiscord, question: str) -> str:
    return str((await fake.reply(await fake.slash("ask", {"question": question}))).message)



def query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def ferry_upload(**changes: Any) -> Upload:
    return Upload(**{"filename": ARTICLE.name, "data": ARTICLE.read_bytes(), **changes})


# --- /source add ------------------------------------------------------------------------------


async def test_maintainer_adds_an_attached_article_and_the_bot_quotes_it(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    assert FERRY_QUOTE not in await ask(fake_discord, FERRY_QUESTION)
    data = await source(
        fake_discord, people.maintainer, "add", file=ferry_upload(), reason="new report"
    )
    assert data["flags"] & EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    content = data["content"]
    assert f"Added source `{FERRY}` with 3 passages." in content
    assert "outlet: Kura Valley Courier" in content and "published: 2025-07-03" in content
    assert "/fact revert change:" in content
    assert FERRY_QUOTE in await ask(fake_discord, FERRY_QUESTION)


async def test_an_added_article_is_in_the_history_under_the_discord_member(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    await source(fake_discord, people.maintainer, "add", file=ferry_upload(), reason="new report")
    [(action, actor, reason)] = query(
        built_db, "SELECT action, actor, reason FROM changes WHERE target = ?", f"source:{FERRY}"
    )
    assert (action, reason) == ("source.add", "new report")
    assert actor.startswith(f"discord:{people.maintainer['id']} (alice")


async def test_front_matter_is_stored_as_metadata_and_never_indexed(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    await source(fake_discord, people.maintainer, "add", file=ferry_upload(), reason="r")
    [meta] = query(built_db, "SELECT outlet, title, author FROM sources WHERE id = ?", FERRY)
    assert meta == ("Kura Valley Courier", "Caspian ferry to Astrakhan suspended", "Leyla Mammadli")
    texts = " ".join(t for (t,) in query(built_db, "SELECT text FROM passages WHERE source_id = ?", FERRY))
    assert "Leyla Mammadli" not in texts and "outlet:" not in texts and "---" not in texts


async def test_a_plain_file_takes_its_metadata_from_the_options(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    body = ARTICLE.read_text(encoding="utf-8").split("---\n", 2)[2]
    data = await source(
        fake_discord,
        people.maintainer,
        "add",
        file=Upload("ferry-notice.txt", body.encode()),
        reason="r",
        outlet="Caspian Wire",
        published="2025-07-04",
        url="https://example.org/ferry",
    )
    assert "Added source `ferry-notice` with 3 passages." in data["content"]
    [meta] = query(built_db, "SELECT outlet, published, url FROM sources WHERE id = 'ferry-notice'")
    assert meta == ("Caspian Wire", "2025-07-04", "https://example.org/ferry")


async def test_the_options_override_the_front_matter(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    await source(
        fake_discord, people.maintainer, "add", file=ferry_upload(), reason="r", author="Desk"
    )
    assert query(built_db, "SELECT author FROM sources WHERE id = ?", FERRY) == [("Desk",)]


async def test_the_same_article_twice_changes_nothing_the_second_time(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    await source(fake_discord, people.maintainer, "add", file=ferry_upload(), reason="r")
    counts = "SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM passages)"
    before = query(built_db, counts)
    data = await source(fake_discord, people.maintainer, "add", file=ferry_upload(), reason="r")
    assert "already stored as source" in data["content"] and "nothing changed" in data["content"]
    assert query(built_db, counts) == before


FRONT_MATTER_ONLY = b"---\nid: empty-notice\noutlet: Kura Valley Courier\n---\n\n"
REFUSED_FILES: list[tuple[str, Upload, str]] = [
    ("empty", Upload("empty.md", b""), "empty.md has no sentences to quote."),
    ("front matter only", Upload("notice.md", FRONT_MATTER_ONLY), "no text after its front matter"),
    (
        "binary",
        Upload("photo.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "photo.md is a binary file",
    ),
    ("latin-1", Upload("notice.txt", "Bakú said so.".encode("latin-1")), "notice.txt:1: not valid UTF-8"),
    ("not text", Upload("report.pdf", b"%PDF-1.7 Baku said so."), "report.pdf is not an article file"),
    (
        "oversized",
        Upload("long.md", b"Baku said so. " * (MAX_UPLOAD_BYTES // 14 + 1)),
        f"long.md is over {MAX_UPLOAD_BYTES:,} bytes",
    ),
    ("bad date", Upload("dated.md", b"---\npublished: July\n---\nBaku said so.\n"), "YYYY-MM-DD"),
]


@pytest.mark.parametrize(
    ("upload", "message"), [c[1:] for c in REFUSED_FILES], ids=[c[0] for c in REFUSED_FILES]
)
async def test_a_bad_attachment_gets_one_clear_line_and_the_base_is_unchanged(
    fake_discord: FakeDiscord,
    discord_bot: FactBot,
    people: People,
    built_db: Path,
    upload: Upload,
    message: str,
) -> None:
    before = snapshot(built_db)
    data = await source(fake_discord, people.maintainer, "add", file=upload, reason="r")
    assert data["flags"] & EPHEMERAL
    assert message in data["content"]
    assert "\n" not in data["content"].strip() and "Traceback" not in data["content"]
    assert snapshot(built_db) == before


async def test_an_attachment_over_the_limit_by_its_size_is_never_downloaded(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People
) -> None:
    upload = Upload("long.md", b"Baku said so.", size=MAX_UPLOAD_BYTES + 1)
    data = await source(fake_discord, people.maintainer, "add", file=upload, reason="r")
    assert f"long.md is over {MAX_UPLOAD_BYTES:,} bytes" in data["content"]
    assert fake_discord.downloads == []


async def test_an_attachment_larger_than_its_stated_size_is_cut_off_at_the_limit(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    """Discord's size is checked first, but the download stops at the limit whatever it said."""
    before = snapshot(built_db)
    huge = b"Baku said the talks went well. " * (16 * 1024 * 1024 // 31)
    upload = Upload("huge.md", huge, size=1_000)
    data = await source(fake_discord, people.maintainer, "add", file=upload, reason="r")
    assert f"huge.md is over {MAX_UPLOAD_BYTES:,} bytes" in data["content"]
    [download] = fake_discord.downloads
    assert not download.finished and download.sent < len(huge)
    assert snapshot(built_db) == before


async def test_a_non_maintainer_is_refused_before_anything_is_downloaded_or_written(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    before = snapshot(built_db)
    data = await source(fake_discord, people.stranger, "add", file=ferry_upload(), reason="r")
    assert data["flags"] & EPHEMERAL
    assert data["content"].startswith("Only maintainers can do this")
    assert fake_discord.downloads == []
    assert snapshot(built_db) == before


# --- /source edit -----------------------------------------------------------------------------


async def test_source_edit_is_in_the_history_and_factbot_revert_undoes_it(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    data = await source(
        fake_discord,
        people.maintainer,
        "edit",
        source=TRT,
        title="Azerbaijan and Russia exchange protests",
        published="2025-06-30",
        reason="headline from the site",
    )
    assert data["flags"] & EPHEMERAL
    assert "source.edit" in data["content"] and "/fact revert change:" in data["content"]
    assert query(built_db, "SELECT title, published FROM sources WHERE id = ?", TRT) == [
        ("Azerbaijan and Russia exchange protests", "2025-06-30")
    ]
    runner = CliRunner()
    shown = runner.invoke(cli, ["--db", str(built_db), "fact", "history", TRT, "--json"])
    [change] = [c for c in json.loads(shown.output) if c["action"] == "source.edit"]
    assert change["actor"].startswith(f"discord:{people.maintainer['id']} (alice")
    assert change["reason"] == "headline from the site"
    undone = runner.invoke(
        cli, ["--db", str(built_db), "revert", str(change["id"]), "--reason", "wrong headline"]
    )
    assert undone.exit_code == 0, undone.output
    assert query(built_db, "SELECT title, published FROM sources WHERE id = ?", TRT) == [
        (None, None)
    ]


async def test_a_dash_clears_a_source_field(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    await source(fake_discord, people.maintainer, "edit", source=TRT, author="Desk", reason="r")
    await source(fake_discord, people.maintainer, "edit", source=TRT, author="-", reason="r")
    assert query(built_db, "SELECT author FROM sources WHERE id = ?", TRT) == [(None,)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"source": TRT, "published": "30 June"}, "published must be YYYY-MM-DD"),
        ({"source": "no-such-source", "title": "T"}, "Unknown source 'no-such-source'"),
        ({"source": TRT, "outlet": "TRT"}, "Nothing to change"),
    ],
    ids=["bad date", "unknown source", "no change"],
)
async def test_a_refused_source_edit_gets_the_core_message_and_changes_nothing(
    fake_discord: FakeDiscord,
    discord_bot: FactBot,
    people: People,
    built_db: Path,
    options: dict[str, Any],
    message: str,
) -> None:
    before = snapshot(built_db)
    data = await source(fake_discord, people.maintainer, "edit", reason="r", **options)
    assert message in data["content"]
    assert snapshot(built_db) == before


async def test_a_non_maintainer_cannot_edit_a_source(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    before = snapshot(built_db)
    data = await source(fake_discord, people.stranger, "edit", source=TRT, title="T", reason="r")
    assert data["content"].startswith("Only maintainers can do this")
    assert snapshot(built_db) == before


# --- /source remove ---------------------------------------------------------------------------


async def test_source_remove_takes_the_article_out_and_fact_revert_puts_it_back(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    await source(fake_discord, people.maintainer, "add", file=ferry_upload(), reason="new report")
    as_added = query(built_db, "SELECT * FROM passages WHERE source_id = ? ORDER BY rowid", FERRY)
    data = await source(fake_discord, people.maintainer, "remove", source=FERRY, reason="rumour")
    assert data["flags"] & EPHEMERAL
    assert "source.remove" in data["content"] and "/fact revert change:" in data["content"]
    assert query(built_db, "SELECT count(*) FROM sources WHERE id = ?", FERRY) == [(0,)]
    assert FERRY_QUOTE not in await ask(fake_discord, FERRY_QUESTION)
    [(change_id, actor, reason)] = query(
        built_db, "SELECT id, actor, reason FROM changes WHERE action = 'source.remove'"
    )
    assert actor.startswith(f"discord:{people.maintainer['id']} (alice") and reason == "rumour"
    options = {"change": change_id, "reason": "confirmed"}
    sent = await fake_discord.slash("fact", options, user=people.maintainer, subcommand="revert")
    assert f"undoes change {change_id}" in (await fake_discord.reply(sent)).message["content"]
    restored = query(built_db, "SELECT * FROM passages WHERE source_id = ? ORDER BY rowid", FERRY)
    assert restored == as_added


async def test_source_remove_is_refused_while_active_facts_quote_it(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    before = snapshot(built_db)
    data = await source(fake_discord, people.maintainer, "remove", source=TRT, reason="r")
    assert "still quoted by 2 active fact(s)" in data["content"]
    assert "factbot fact retire azerbaijan-protests-torture" in data["content"]
    assert snapshot(built_db) == before


async def test_a_non_maintainer_cannot_remove_a_source(
    fake_discord: FakeDiscord, discord_bot: FactBot, people: People, built_db: Path
) -> None:
    await source(fake_discord, people.maintainer, "add", file=ferry_upload(), reason="new report")
    before = snapshot(built_db)
    data = await source(fake_discord, people.stranger, "remove", source=FERRY, reason="r")
    assert data["content"].startswith("Only maintainers can do this")
    assert snapshot(built_db) == before


async def test_source_commands_are_hidden_by_default_and_guild_only(discord_bot: FactBot) -> None:
    command = discord_bot.tree.get_command("source")
    assert command is not None
    assert command.default_permissions is not None and command.default_permissions.manage_guild
    assert command.guild_only
