"""`factbot backup` copies the live base with SQLite's online backup: complete, checked, and
never over an existing file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from factbot.editing import Actor, FactBase, retire
from factbot.errors import DatabaseError, InputError
from factbot.store.backup import KEEP_AUTOMATIC, automatic_backup, backup_database


def test_backup_holds_the_latest_committed_change(built_db: Path, tmp_path: Path) -> None:
    base = FactBase(built_db)
    retire(base, Actor.os_user("alice"), "azerbaijan-protests-torture", "disputed")
    report = backup_database(built_db, tmp_path / "copy.db")
    conn = sqlite3.connect(report.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute(
        "SELECT status FROM passages WHERE id = 'azerbaijan-protests-torture'"
    ).fetchone() == ("retired",)
    assert conn.execute("SELECT count(*) FROM changes").fetchone() == (1,)
    base.close()


def test_backup_into_a_folder_gets_a_dated_name(built_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    first = backup_database(built_db, folder).path
    second = backup_database(built_db, folder).path
    assert first.parent == folder and first != second


def test_backup_never_overwrites(built_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_text("precious")
    with pytest.raises(InputError, match="already exists"):
        backup_database(built_db, target)
    assert target.read_text() == "precious"


def test_backup_of_a_missing_base_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="factbot --db"):
        backup_database(tmp_path / "missing.db", tmp_path / "copy.db")


def test_automatic_backups_are_pruned_to_the_newest(built_db: Path) -> None:
    for _ in range(KEEP_AUTOMATIC + 3):
        automatic_backup(built_db, "test")
    assert len(list((built_db.parent / "backups").glob("*-auto-test.db"))) == KEEP_AUTOMATIC
