"""Faults: the fact base missing, corrupt, locked or read-only; the gateway dropping; kill -9.

What a user must see each time: one clear sentence that names the way back
(`factbot --db PATH build`), never a traceback, and a bot that keeps running and answers again
once the base is rebuilt, without a restart. Read-only cases run the command with the file
permission capabilities dropped (`setpriv`), since the tests usually run as root.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from edit_workers import CLI_STOPS_INSIDE, STOPS
from fakes import CapturedRequest, FakeDiscord, SentInteraction, start_bot

from bot.errors import DATABASE_FAILURE
from factbot.editing import Actor
from factbot.knowledge.rebuild import rebuild
from factbot.settings import REPO_ROOT, Settings

FACTBOT = [sys.executable, "-m", "factbot"]
ANSWERABLE = "Who is Aykhan Hajizada?"
UNANSWERABLE = "What did the pope say about football?"
TORTURE = "azerbaijan-protests-torture"
EPHEMERAL = 1 << 6
DROP_FILE_PERMISSIONS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def factbot(
    db: Path,
    *args: str,
    knowledge: Path | None = None,
    unprivileged: bool = False,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`factbot --db DB ...` as a real process; `unprivileged` drops root's file-permission bypass."""
    env = {**os.environ, "FACTBOT_KNOWLEDGE_DIR": str(knowledge or REPO_ROOT / "knowledge")}
    env.pop("DISCORD_TOKEN", None)
    prefix = DROP_FILE_PERMISSIONS if unprivileged and os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *FACTBOT, "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=db.parent if db.parent.exists() else None,
    )


def assert_clear_failure(result: subprocess.CompletedProcess[str], *, way_back: str) -> str:
    """Exit 1 with one `Error:` line that contains `way_back`; no traceback anywhere."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    assert way_back in lines[0], lines[0]
    return lines[0]


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def status(db: Path, passage_id: str) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(
            conn.execute("SELECT status FROM passages WHERE id = ?", [passage_id]).fetchone()[0]
        )
    finally:
        conn.close()


# --- corrupt and missing --------------------------------------------------------------------


def damage_header(path: Path) -> None:
    with path.open("r+b") as file:
        file.write(b"this is not sqlite at all" * 4)


def damage_middle(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as file:
        for offset in range(size // 4, size, size // 4):
            file.seek(offset)
            file.write(b"\xde\xad\xbe\xef" * 1024)


def truncate(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 3)


def empty(path: Path) -> None:
    path.write_bytes(b"")


DAMAGE = {
    "header": damage_header,
    "middle-pages": damage_middle,
    "truncated": truncate,
    "empty": empty,
}


@pytest.mark.slow
@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_corrupt_base_gets_one_clear_line_and_build_brings_it_back(
    built_db: Path, knowledge_dir: Path, how: str
) -> None:
    DAMAGE[how](built_db)
    way_back = f"factbot --db {built_db} build"

    asked = factbot(built_db, "ask", ANSWERABLE, knowledge=knowledge_dir)
    assert_clear_failure(asked, way_back=way_back)

    rebuilt = factbot(built_db, "build", knowledge=knowledge_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Traceback" not in rebuilt.stderr
    kept = list((built_db.parent / "backups").glob("*-unreadable.db"))
    assert len(kept) == 1, "the broken file is kept, in case someone wants to look at it"
    again = factbot(built_db, "ask", "--json", ANSWERABLE, knowledge=knowledge_dir)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["answered"] is True
    assert integrity(built_db) == "ok"


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["fact", "list"],
        ["source", "list"],
        ["summary"],
        ["gaps"],
        ["fact", "retire", TORTURE, "--reason", "disputed"],
        ["export", "--to", "exported"],
        ["backup", "copy.db"],
        ["ask", "--json", "-"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_every_command_on_damaged_pages_works_or_names_the_way_back(
    built_db: Path, knowledge_dir: Path, command: list[str]
) -> None:
    """A command whose pages are intact may still work; one that meets damage says what to do."""
    damage_middle(built_db)
    result = factbot(built_db, *command, knowledge=knowledge_dir)
    if result.returncode == 0:
        assert "Traceback" not in result.stdout + result.stderr
        return
    assert_clear_failure(result, way_back=f"factbot --db {built_db} build")


@pytest.mark.slow
def test_a_missing_base_is_built_on_first_use_and_a_missing_knowledge_folder_is_named(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new" / "factbot.db"
    first = factbot(db, "ask", "--json", ANSWERABLE)
    assert first.returncode == 0, first.stderr
    assert f"No fact base at {db} yet; building it" in first.stderr
    assert json.loads(first.stdout)["answered"] is True

    other = tmp_path / "other.db"
    nowhere = tmp_path / "no-knowledge"
    result = factbot(other, "ask", ANSWERABLE, knowledge=nowhere)
    assert_clear_failure(result, way_back=f"{nowhere}: knowledge folder not found")
    assert not other.exists()


# --- locked ---------------------------------------------------------------------------------


@contextmanager
def exclusive_lock(db: Path, seconds: float | None = None) -> Iterator[threading.Event]:
    """Another connection holding BEGIN EXCLUSIVE (released after `seconds`, or at the end)."""
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN EXCLUSIVE")
    released = threading.Event()

    def release() -> None:
        conn.execute("ROLLBACK")
        conn.close()
        released.set()

    timer = threading.Timer(seconds, release) if seconds is not None else None
    if timer:
        timer.start()
    try:
        yield released
    finally:
        if timer:
            timer.join()
        else:
            release()


@pytest.mark.slow
def test_questions_are_answered_while_another_process_holds_the_write_lock(built_db: Path) -> None:
    """The lock is held for the whole run of `ask` and never released while it runs: a reader
    that waited for the writer could only end with "database is locked". No wall-clock bound,
    which a loaded machine would break."""
    factbot(built_db, "fact", "list")  # any writer leaves the base in WAL mode, as in production
    with exclusive_lock(built_db):
        result = factbot(built_db, "ask", "--json", ANSWERABLE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answered"] is True


@pytest.mark.slow
def test_an_edit_waits_for_a_short_lock_then_goes_through(built_db: Path) -> None:
    factbot(built_db, "fact", "list")
    with exclusive_lock(built_db, seconds=1.5) as released:
        result = factbot(built_db, "fact", "retire", TORTURE, "--reason", "disputed")
        assert released.is_set()
    assert result.returncode == 0, result.stderr
    assert status(built_db, TORTURE) == "retired"


@pytest.mark.slow
def test_an_edit_blocked_for_too_long_says_try_again_and_changes_nothing(built_db: Path) -> None:
    factbot(built_db, "fact", "list")
    with exclusive_lock(built_db):
        result = factbot(built_db, "fact", "retire", TORTURE, "--reason", "disputed")
    line = assert_clear_failure(result, way_back="try again")
    assert "busy" in line or "locked" in line
    assert status(built_db, TORTURE) == "active"
    assert integrity(built_db) == "ok"


# --- read-only ------------------------------------------------------------------------------

needs_setpriv = pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="running as root without setpriv: file permissions cannot be enforced",
)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    mode = path.stat().st_mode
    path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield
    finally:
        path.chmod(mode)


@pytest.mark.slow
@needs_setpriv
def test_a_read_only_base_still_answers_and_refuses_edits_clearly(built_db: Path) -> None:
    factbot(built_db, "fact", "list")
    with read_only(built_db):
        asked = factbot(built_db, "ask", "--json", UNANSWERABLE, unprivileged=True)
        edit = factbot(built_db, "fact", "retire", TORTURE, "--reason", "r", unprivileged=True)
        build = factbot(built_db, "build", unprivileged=True)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["answered"] is False
    assert "Traceback" not in asked.stderr
    for result in (edit, build):
        line = assert_clear_failure(result, way_back="factbot --db")
        assert "read-only" in line
    assert status(built_db, TORTURE) == "active"


@pytest.mark.slow
@needs_setpriv
def test_a_base_in_a_read_only_folder_names_the_problem_and_the_way_back(
    built_db: Path, knowledge_dir: Path
) -> None:
    factbot(built_db, "fact", "list")
    folder = built_db.parent
    with read_only(folder):
        results = [
            factbot(built_db, *command, knowledge=knowledge_dir, unprivileged=True)
            for command in (
                ["ask", ANSWERABLE],
                ["fact", "retire", TORTURE, "--reason", "r"],
                ["build"],
            )
        ]
    for result in results:
        if result.returncode == 0:  # SQLite could read without creating its -shm file
            continue
        line = assert_clear_failure(result, way_back="factbot --db")
        assert "read-only" in line
    writable = factbot(built_db, "build", knowledge=knowledge_dir, unprivileged=True)
    assert writable.returncode == 0, writable.stderr


# --- the bot's ask path ---------------------------------------------------------------------


@pytest.fixture
def bot_settings(built_db: Path) -> Settings:
    """A private base the test may break, and no cooldown in the way."""
    return Settings(
        db_path=built_db,
        discord_token=FakeDiscord.TOKEN,
        ask_cooldown_rate=1000,
        ask_cooldown_seconds=60.0,
    )


async def ask(fake: FakeDiscord, question: str = ANSWERABLE) -> CapturedRequest:
    return await fake.reply(await fake.slash("ask", {"question": question}), timeout=20)


def replace_with_garbage(path: Path) -> None:
    """A bad restore or sync: a garbled copy of the base renamed over it. Only its 100-byte
    header survives, which is what tells `build` the file was a fact base (an unrelated file
    is never replaced: test_hardening_schema.py)."""
    garbage = path.with_name("garbage.tmp")
    with path.open("rb") as original:
        header = original.read(100)
    garbage.write_bytes(header + os.urandom(64 * 1024))
    os.replace(garbage, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def delete(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.mark.parametrize(
    "fault", [replace_with_garbage, delete], ids=["replaced-by-garbage", "deleted"]
)
async def test_the_bot_says_the_base_is_unavailable_then_answers_again_after_a_rebuild(
    fake_discord: FakeDiscord,
    bot_settings: Settings,
    knowledge_dir: Path,
    caplog: pytest.LogCaptureFixture,
    fault: Any,
) -> None:
    caplog.set_level(logging.INFO)
    db = bot_settings.db_path
    async with start_bot(fake_discord, bot_settings) as bot:
        assert (await ask(fake_discord)).message["embeds"]
        fault(db)
        failures = [await ask(fake_discord) for _ in range(6)]  # more than the bot's DB threads
        mention = await fake_discord.channel_reply(
            await fake_discord.post_message(ANSWERABLE, mention_bot=True), timeout=20
        )
        await asyncio.to_thread(rebuild, knowledge_dir, db, Actor.os_user("ops"))
        recovered = [await ask(fake_discord) for _ in range(6)]
        assert not bot.is_closed()

    for failure in failures:
        assert failure.flags & EPHEMERAL
        assert failure.message["content"] == DATABASE_FAILURE
        assert "Traceback" not in json.dumps(failure.json)
    assert mention.json["content"] == DATABASE_FAILURE
    for reply in recovered:
        assert reply.message["embeds"][0]["title"] == ANSWERABLE
        assert "Source" in json.dumps(reply.message["embeds"][0])
    assert f"factbot --db {db} build" in caplog.text, "the log tells the maintainer the way back"
    assert len(fake_discord.identifies) == 1, "no restart, no reconnect"


async def test_the_bot_answers_at_once_while_a_writer_holds_the_lock(
    fake_discord: FakeDiscord, bot_settings: Settings
) -> None:
    rebuild(bot_settings.knowledge_dir, bot_settings.db_path, Actor.os_user("ops"), force=True)
    async with start_bot(fake_discord, bot_settings):
        await ask(fake_discord)
        with exclusive_lock(bot_settings.db_path, seconds=2.5):
            started = time.perf_counter()
            answered, abstained = await asyncio.gather(
                ask(fake_discord, ANSWERABLE), ask(fake_discord, UNANSWERABLE)
            )
            took = time.perf_counter() - started
    assert answered.message["embeds"][0]["title"] == ANSWERABLE
    assert "don't say" in json.dumps(abstained.message["embeds"][0])
    assert took < 1.5, f"a question waited {took:.1f}s for another process's write lock"


READ_ONLY_BOT = """
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from fakes import FakeDiscord, start_bot
from factbot.settings import Settings

async def main():
    settings = Settings(db_path=Path(sys.argv[1]), discord_token=FakeDiscord.TOKEN, ask_cooldown_seconds=0.0)
    async with FakeDiscord() as fake:
        with fake.patched():
            async with start_bot(fake, settings):
                replies = []
                for question in sys.argv[3:]:
                    reply = await fake.reply(await fake.slash("ask", {"question": question}), timeout=20)
                    replies.append(reply.message)
    print(json.dumps(replies))

asyncio.run(main())
"""


@pytest.mark.slow
@needs_setpriv
def test_the_bot_answers_from_a_read_only_base(built_db: Path) -> None:
    factbot(built_db, "fact", "list")
    prefix = DROP_FILE_PERMISSIONS if os.geteuid() == 0 else []
    with read_only(built_db):
        result = subprocess.run(
            [
                *prefix,
                sys.executable,
                "-c",
                READ_ONLY_BOT,
                str(built_db),
                str(REPO_ROOT / "tests"),
                ANSWERABLE,
                UNANSWERABLE,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    answered, abstained = json.loads(result.stdout)
    assert answered["embeds"][0]["title"] == ANSWERABLE
    assert "don't say" in json.dumps(abstained["embeds"][0]), (
        "abstentions go out though gaps cannot be counted"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_bot_refuses_to_start_on_a_corrupt_base_with_one_line_and_no_traceback(
    built_db: Path,
) -> None:
    damage_header(built_db)
    env = {**os.environ, "DISCORD_TOKEN": "not-used.by-this-test", "FACTBOT_DB": str(built_db)}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: The fact base at {built_db} cannot be opened (file is not a database). "
        f"Rebuild it from knowledge/ with: factbot --db {built_db} build"
    )
    assert time.perf_counter() - started < 20, "it stops at once instead of retrying"


# --- the gateway ----------------------------------------------------------------------------


async def test_the_bot_keeps_answering_through_repeated_drops_and_resumes(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:
    sent: list[SentInteraction] = []
    for code in (4000, 1006, 4000, 1001, 4000):
        await fake_discord.disconnect(code=code)
        sent.append(await fake_discord.slash("ask", {"question": ANSWERABLE}))  # while it is away
        await fake_discord.wait_resumed(timeout=15)
        sent.append(await fake_discord.slash("ask", {"question": ANSWERABLE}))
    replies = [await fake_discord.reply(s, timeout=15) for s in sent]

    assert all(r.message["embeds"][0]["title"] == ANSWERABLE for r in replies)
    assert len(fake_discord.identifies) == 1 and len(fake_discord.resumes) == 5
    callbacks = [r for r in fake_discord.requests if r.path.endswith("/callback")]
    assert len(callbacks) == len(sent), "each question answered exactly once"
    assert not fake_discord.rejected


async def test_a_session_discord_forgot_is_replaced_by_a_new_one_and_answering_goes_on(
    fake_discord: FakeDiscord, discord_bot: Any
) -> None:

    async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a second IDENTIFY (Discord's rate limit); not here."""

    discord_bot.before_identify_hook = no_wait  # type: ignore[method-assign]
    await fake_discord.disconnect(code=4000)
    fake_discord.sessions.clear()  # Discord invalidates the session: RESUME gets opcode 9
    deadline = time.monotonic() + 20
    while len(fake_discord.identifies) < 2 or not fake_discord.sessions:
        assert time.monotonic() < deadline, "the bot did not identify again"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # GUILD_CREATE after READY
    reply = await ask(fake_discord)
    assert reply.message["embeds"][0]["title"] == ANSWERABLE


# --- kill -9 during a maintainer's change ---------------------------------------------------


def big_article(number: int) -> str:
    sentences = [
        f"Minister number {n} visited the city of Gyumri on day {n} of report {number} and said talks went well."
        for n in range(120)
    ]
    return f"# Report {number}\n\n" + "\n".join(sentences) + "\n"


def source_add(
    db: Path, folder: Path, number: int, *, stop: str | None = None
) -> subprocess.Popen[str]:
    """`factbot source add` of a fresh article as a real process.

    With `stop`, the CLI runs under CLI_STOPS_INSIDE: it prints "inside N" from inside its
    transaction when about to run that statement (or "finished N" with "EXIT") and waits there.
    """
    article = folder / f"report-{number}.md"
    article.write_text(big_article(number), encoding="utf-8")
    env = {**os.environ, "FACTBOT_KNOWLEDGE_DIR": str(REPO_ROOT / "knowledge")}
    env.pop("DISCORD_TOKEN", None)
    arguments = [
        "--db",
        str(db),
        "source",
        "add",
        str(article),
        "--id",
        f"report-{number}",
        "--reason",
        f"kill test {number}",
    ]
    command = [*FACTBOT, *arguments]
    if stop is not None:
        command = [sys.executable, "-c", CLI_STOPS_INSIDE, stop, str(number), *arguments]
    with (folder / f"report-{number}.stderr").open("w") as stderr:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)


def state_of(db: Path, number: int) -> tuple[bool, int, int]:
    """(source row there, passages stored, passages the change row recorded or -1 if none)."""
    conn = sqlite3.connect(db)
    try:
        source = conn.execute("SELECT 1 FROM sources WHERE id = ?", [f"report-{number}"]).fetchone()
        passages = conn.execute(
            "SELECT count(*) FROM passages WHERE source_id = ?", [f"report-{number}"]
        ).fetchone()[0]
        change = conn.execute(
            "SELECT after FROM changes WHERE reason = ?", [f"kill test {number}"]
        ).fetchone()
        recorded = len(json.loads(change[0])["active"]) if change else -1
        return source is not None, int(passages), recorded
    finally:
        conn.close()


def kill_on_signal(process: subprocess.Popen[str], signal_line: str, stderr: Path) -> None:
    """Wait for the line a CLI_STOPS_INSIDE process prints where it stops, then kill -9 it."""
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.strip() == signal_line:
                break
        else:
            process.wait(timeout=60)
            pytest.fail(f"the CLI never printed {signal_line!r}: {stderr.read_text()}")
    finally:
        process.kill()
        process.wait(timeout=60)
        process.stdout.close()


@pytest.mark.slow
def test_kill_9_during_a_cli_edit_leaves_the_edit_wholly_there_or_wholly_absent(
    built_db: Path, tmp_path: Path
) -> None:
    """The real `factbot source add`, killed on its own signal: from inside its transaction (at
    the first passage, at the history row, just before COMMIT) the change must be wholly absent;
    after the command returned, wholly there. No timing, so it holds on a loaded machine, and a
    change committed early (before its history row, say) leaves half of it and fails here."""
    whole = source_add(built_db, tmp_path, 0)
    assert whole.wait(timeout=120) == 0, (tmp_path / "report-0.stderr").read_text()
    assert whole.stdout is not None
    whole.stdout.close()
    there, passages, recorded = state_of(built_db, 0)
    assert there and passages == recorded > 0

    for number, statement in enumerate(STOPS, start=1):
        process = source_add(built_db, tmp_path, number, stop=statement)
        kill_on_signal(process, f"inside {number}", tmp_path / f"report-{number}.stderr")
        assert state_of(built_db, number) == (False, 0, -1), (
            f"a change killed inside its transaction, at {statement!r}, left part of itself"
        )
        assert integrity(built_db) == "ok"

    finished = len(STOPS) + 1
    process = source_add(built_db, tmp_path, finished, stop="EXIT")
    kill_on_signal(process, f"finished {finished}", tmp_path / f"report-{finished}.stderr")
    there, passages, recorded = state_of(built_db, finished)
    assert there and passages == recorded > 0, "a change whose command returned is there whole"
    assert integrity(built_db) == "ok"

    after = factbot(built_db, "fact", "retire", TORTURE, "--reason", "after the kills")
    assert after.returncode == 0, after.stderr


EDITOR = """
import sys
from pathlib import Path
from factbot.editing import Actor, FactBase, FactPatch, SourceDraft, add_source, edit_fact
base = FactBase(Path(sys.argv[1]))
actor = Actor.os_user("editor")
article = " ".join(f"Minister {n} visited Gyumri on day {n} and said the talks went well." for n in range(300))
print("ready", flush=True)
for i in range(1, 100_000):
    if i % 2:
        edit_fact(base, actor, sys.argv[2], FactPatch(note=f"note {sys.argv[3]}-{i}"), f"edit {i}")
    else:
        add_source(base, actor, SourceDraft(f"Report {sys.argv[3]}-{i}. " + article, source_id=f"loop-{sys.argv[3]}-{i}"), f"add {i}")
    print(i, flush=True)
"""


def consistent(db: Path) -> int:
    """Check the history and the data agree after a crash; returns how many changes there are."""
    conn = sqlite3.connect(db)
    try:
        note = conn.execute("SELECT note FROM passages WHERE id = ?", [TORTURE]).fetchone()[0]
        last_edit = conn.execute(
            "SELECT after FROM changes WHERE action = 'fact.edit' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if last_edit:
            assert json.loads(last_edit[0])["note"] == note, "the note and its history disagree"
        recorded = {
            target.partition(":")[2]: len(json.loads(after)["active"])
            for target, after in conn.execute(
                "SELECT target, after FROM changes WHERE action = 'source.add'"
            )
        }
        stored = dict(
            conn.execute(
                "SELECT s.id, count(p.id) FROM sources s LEFT JOIN passages p ON p.source_id = s.id "
                "WHERE s.id LIKE 'loop-%' GROUP BY s.id"
            ).fetchall()
        )
        assert stored == recorded, "a source is stored only whole, and only with its history"
        return int(conn.execute("SELECT count(*) FROM changes").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_9_in_a_stream_of_edits_never_leaves_half_an_edit(built_db: Path) -> None:
    baseline = consistent(built_db)
    for run, delay in enumerate((0.15, 0.4, 0.65, 0.9)):
        worker = subprocess.Popen(
            [sys.executable, "-c", EDITOR, str(built_db), TORTURE, str(run)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
        time.sleep(delay)
        assert worker.poll() is None, "the editor stopped by itself"
        worker.kill()
        printed = [line for line in worker.stdout.read().split() if line.isdigit()]
        worker.wait()
        assert integrity(built_db) == "ok"
        changes = consistent(built_db)
        done = int(printed[-1]) if printed else 0
        assert done <= changes - baseline <= done + 1, "each edit is there once or not at all"
        baseline = changes
    assert factbot(built_db, "ask", "--json", ANSWERABLE).returncode == 0
