"""Copies of the live fact base with SQLite's online backup API.

The backup API copies pages under SQLite's own locking, so a copy taken while the bot answers
and maintainers edit is a consistent snapshot, never a half-written file (which `cp` can give).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from factbot.errors import DatabaseError, InputError
from factbot.store.database import connect

log = logging.getLogger(__name__)

BACKUP_FOLDER = "backups"
# Automatic backups (before a rebuild) are pruned to the newest few; ones made by hand never are.
KEEP_AUTOMATIC = 20
_AUTOMATIC = re.compile(r"^.+-\d{8}T\d{6}Z(?:-\d+)?-auto-[a-z-]+\.db$")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    pages: int


def backup_database(db_path: Path, destination: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the fact base to `destination` (a file, or a folder to put a dated file in).

    The copy is written beside its final name and renamed into place after an integrity check,
    so an interrupted backup never leaves a file that looks complete.
    """
    target = (
        destination / _stamped_name(db_path, destination, "")
        if destination.is_dir()
        else destination
    )
    if target.exists() and not overwrite:
        raise InputError(f"{target} already exists; choose another path (backups never overwrite).")
    if target.resolve() == db_path.resolve():
        raise InputError("The backup path is the fact base itself; choose another path.")
    source = connect(db_path, readonly=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        pages = _copy(source.conn, partial, db_path)
        os.replace(partial, target)
    finally:
        source.conn.close()
        partial.unlink(missing_ok=True)
    log.info("backed up %s to %s (%d pages)", db_path, target, pages)
    return BackupReport(path=target, bytes=target.stat().st_size, pages=pages)


def _copy(source: sqlite3.Connection, partial: Path, db_path: Path) -> int:
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            # SQLite's verdict runs over several lines; the error stays one line.
            problem = "; ".join(line.strip("* ") for line in str(verdict).splitlines()[:3])
            raise DatabaseError(
                f"The backup copy failed its integrity check ({problem}). {_if_damaged(db_path)}"
            )
        return int(copy.execute("PRAGMA page_count").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise DatabaseError(
            f"Could not back up the fact base: {error}. {_if_damaged(db_path)}"
        ) from None
    finally:
        copy.close()


def _if_damaged(db_path: Path) -> str:
    """The way back when the base itself is what the copy choked on."""
    return (
        f"If the fact base is damaged, rebuild it from knowledge/ with: factbot --db {db_path} "
        "build (it keeps a copy of the damaged file)."
    )


def automatic_backup(db_path: Path, why: str) -> Path:
    """Back up before a destructive operation into `backups/` beside the base; returns the copy."""
    folder = db_path.parent / BACKUP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    report = backup_database(db_path, folder / _stamped_name(db_path, folder, f"-auto-{why}"))
    _prune(folder, db_path.stem)
    return report.path


def save_unreadable(db_path: Path) -> Path:
    """Keep a byte copy of a base SQLite cannot open, before it is rebuilt over."""
    folder = db_path.parent / BACKUP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _stamped_name(db_path, folder, "-unreadable")
    target.write_bytes(db_path.read_bytes())
    return target


def _stamped_name(db_path: Path, folder: Path, suffix: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{db_path.stem}-{stamp}{suffix}.db"
    number = 1
    while (folder / name).exists():
        number += 1
        name = f"{db_path.stem}-{stamp}-{number}{suffix}.db"
    return name


def _prune(folder: Path, stem: str) -> None:
    automatic = sorted(
        (p for p in folder.glob(f"{stem}-*-auto-*.db") if _AUTOMATIC.match(p.name)),
        key=lambda p: p.stat().st_mtime,
    )
    for old in automatic[:-KEEP_AUTOMATIC]:
        old.unlink(missing_ok=True)
