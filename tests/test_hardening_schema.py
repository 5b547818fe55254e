"""Every command checks whose database it is before writing to it or replacing it.

A file from a newer factbot, another program's SQLite database, or a file SQLite cannot read that
never was a fact base: each command refuses it with one line saying why (exit 1), and the file
is left exactly as it was: no table added, nothing moved aside, no history lost. Only a factbot
base (damaged, or of a known older schema) is ever copied aside and rebuilt.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from database_helpers import BuiltBases

from factbot.settings import REPO_ROOT

# Every test here starts factbot (or pytest) as a process: see README, "Tests".
pytestmark = pytest.mark.slow

FACTBOT = [sys.executable, "-m", "factbot"]
TORTURE = "azerbaijan-protests-torture"
ARTICLE = "# Talks resume\n\nThe ministers met in Tbilisi on Monday, an aide said. They will meet again.\n"

COMMANDS: dict[str, list[str]] = {
    "build": ["build"],
    "build --force": ["build", "--force"],
    "ingest": ["ingest", "article.md"],
    "source add": ["source", "add", "article.md", "--reason", "audit"],
    "fact retire": ["fact", "retire", TORTURE, "--reason", "audit"],
    "alias add": ["alias", "add", "baku", "Baky", "--reason", "audit"],
    "revert": ["revert", "1", "--reason", "audit"],
    "ask": ["ask", "who died in custody?"],
    "gaps": ["gaps"],
}


def factbot(db: Path, args: list[str], knowledge: Path) -> subprocess.CompletedProcess[str]:
    (db.parent / "article.md").write_text(ARTICLE)
    env = {**os.environ, "FACTBOT_KNOWLEDGE_DIR": str(knowledge)}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [*FACTBOT, "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=db.parent,
    )


def snapshot(db: Path) -> tuple[list[str], list[str]]:
    """Everything in the file, and what lies beside it (a moved-aside copy, a new backup)."""
    conn = sqlite3.connect(db)
    try:
        dump = list(conn.iterdump())
    finally:
        conn.close()
    beside = sorted(str(p.relative_to(db.parent)) for p in db.parent.rglob("*") if p.name != "article.md")
    return dump, beside


def refused(result: subprocess.CompletedProcess[str], because: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert because in line, line
    return line


@pytest.fixture(scope="module")
def newer_base_file(tmp_path_factory: pytest.TempPathFactory, built_bases: BuiltBases) -> Path:
    """A base a future factbot migrated further, with a maintainer's change in its history;
    made once (it takes a factbot process), each test gets a copy."""
    folder = tmp_path_factory.mktemp("newer")
    knowledge = folder / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    path = built_bases.copy(knowledge, folder / "factbot.db")
    result = factbot(path, ["fact", "retire", TORTURE, "--reason", "before the upgrade"], knowledge)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m099_future', 'later')")
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        conn.execute("CREATE TABLE future_things (id INTEGER PRIMARY KEY, what TEXT)")
        conn.execute("INSERT INTO future_things (what) VALUES ('only a newer factbot knows')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def newer_base(newer_base_file: Path, built_db: Path) -> Path:
    """The newer base, as this test's own file (in place of its freshly built one)."""
    shutil.copyfile(newer_base_file, built_db)
    return built_db


@pytest.fixture
def unrelated_sqlite(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    path = folder / "users.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO users (email) VALUES ('someone@example.org')")
    conn.close()
    return path


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_base_from_a_newer_factbot_is_refused_and_left_exactly_as_it_was(
    command: str, newer_base: Path, knowledge_dir: Path
) -> None:
    before = snapshot(newer_base)
    line = refused(factbot(newer_base, COMMANDS[command], knowledge_dir), "newer factbot")
    assert "nothing was changed" in line or command in ("ask", "gaps")
    assert snapshot(newer_base) == before


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_unrelated_sqlite_file_is_refused_and_left_exactly_as_it_was(
    command: str, unrelated_sqlite: Path, knowledge_dir: Path
) -> None:
    before = snapshot(unrelated_sqlite)
    line = refused(factbot(unrelated_sqlite, COMMANDS[command], knowledge_dir), "not a factbot fact base")
    assert "build" not in line, "never advise building over someone else's database"
    assert snapshot(unrelated_sqlite) == before


@pytest.mark.parametrize("command", ["build", "ingest", "source add"])
def test_a_file_sqlite_cannot_read_that_never_was_a_fact_base_is_not_replaced(
    command: str, tmp_path: Path, knowledge_dir: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    path = folder / "factbot.db"
    data = b"Shopping: bread, milk. Call the plumber on Monday.\n" * 200
    path.write_bytes(data)
    result = factbot(path, COMMANDS[command], knowledge_dir)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == data
    assert not (folder / "backups").exists(), "nothing moved aside"


def test_a_base_of_an_older_schema_is_migrated_and_keeps_its_history(
    built_db: Path, knowledge_dir: Path
) -> None:
    """The one case a write may change the schema: a factbot base of a known, older one."""
    assert factbot(built_db, ["fact", "retire", TORTURE, "--reason", "old"], knowledge_dir).returncode == 0
    conn = sqlite3.connect(built_db)
    with conn:
        conn.execute("DROP TABLE synonyms")
        conn.execute("DELETE FROM _migrations WHERE name = 'm004_synonyms'")
    conn.close()
    result = factbot(built_db, COMMANDS["ingest"], knowledge_dir)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(built_db)
    try:
        actions = [r[0] for r in conn.execute("SELECT action FROM changes ORDER BY id")]
        # The retire made before the migration is kept; the ingest adds its own row after it.
        assert actions[0] == "fact.retire" and actions[1:] == ["source.add"], actions
        assert "synonyms" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()

