"""`factbot build` over a live base: a fresh build from `knowledge/` without losing any edit.

`rebuild` replaces the knowledge-derived tables of the live base inside one write transaction,
so a running bot keeps answering from the old state until the commit and reloads on the new
revision; history and gap counts stay where they are. It refuses while the base holds edits not
exported since the last build or export, unless forced, and then backs up first. What
maintainers changed about sentences found in the sources comes back from `passages.toml`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import sqlite_utils

from factbot.errors import DatabaseError, InputError, KnowledgeError
from factbot.index.ingest import bump_revision, link_entities, refresh_term_stats
from factbot.knowledge.build import BuildReport, build_fact_base
from factbot.knowledge.export import (
    KNOWLEDGE_DIGEST_KEY,
    SYNCED_CHANGE_KEY,
    pending_edits,
    pending_message,
)
from factbot.knowledge.files import OVERRIDES_FILE, Override, knowledge_digest, read_overrides
from factbot.models import Actor, require_maintainer
from factbot.store.backup import automatic_backup, save_unreadable
from factbot.store.database import DatabaseUnavailable, set_meta
from factbot.store.history import record_change
from factbot.store.writer import FactBase

log = logging.getLogger(__name__)

HISTORY_TABLES = ("changes", "aliases_retired", "gaps", "gap_askers")
_KEPT_TABLES = (*HISTORY_TABLES, "_migrations", "meta")
# Not copied from the fresh build: its rows go with their passages (a trigger), and
# `bump_revision` encodes the copied passages again under their new rowids (cached in-process).
_RECOMPUTED_TABLES = ("passage_vectors",)


def apply_overrides(db: sqlite_utils.Database, root: Path) -> int:
    """Apply knowledge/passages.toml to freshly built sentences; returns how many it changed."""
    overrides = read_overrides(root)
    known = {r[0] for r in db.execute("SELECT id FROM entities")}
    for item in overrides:
        auto_attribution = _check_override(db, root / OVERRIDES_FILE, item, known)
        db.execute(
            "UPDATE passages SET status = ?, attribution = ?, note = ?, entity_ids = ? WHERE id = ?",
            [
                item.status,
                item.attribution if item.sets_attribution else auto_attribution,
                item.note,
                " ".join(item.entities) or None,
                item.id,
            ],
        )
    if overrides:
        link_entities(db)
        refresh_term_stats(db)
    return len(overrides)


def _check_override(
    db: sqlite_utils.Database, path: Path, item: Override, known: set[str]
) -> str | None:
    """Refuse an entry that no longer fits the sources; returns the sentence's own attribution."""
    row = db.execute(
        "SELECT kind, text, attribution FROM passages WHERE id = ?", [item.id]
    ).fetchone()
    if row is None or row[0] != "sentence":
        raise KnowledgeError(
            path, item.line, f"no sentence {item.id!r} in the sources (was its source changed?)"
        )
    if row[1] != item.text:
        raise KnowledgeError(
            path,
            item.line,
            f"sentence {item.id!r} is now a different text; update or remove this entry",
        )
    unknown = [e for e in item.entities if e not in known]
    if unknown:
        raise KnowledgeError(path, item.line, f"unknown entity id(s): {', '.join(unknown)}")
    return None if row[2] is None else str(row[2])


@dataclass(frozen=True)
class RebuildReport:
    build: BuildReport
    backup: Path | None
    overrides: int
    discarded: int
    in_place: bool


def rebuild(
    knowledge_dir: Path, db_path: Path, actor: Actor, *, force: bool = False
) -> RebuildReport:
    """`factbot build`: the base from `knowledge_dir`, keeping history and gaps, losing no edit."""
    require_maintainer(actor)
    if not db_path.exists():
        return _build_new(knowledge_dir, db_path, actor, backup=None)
    try:
        base = FactBase(db_path)
    except DatabaseUnavailable:
        raise  # locked or read-only: the file is fine, and another process may be using it
    except DatabaseError:
        return _replace_unreadable(knowledge_dir, db_path, actor)
    if not _sound(base):
        base.close()
        return _replace_unreadable(knowledge_dir, db_path, actor)
    try:
        return _rebuild_live(base, knowledge_dir, actor, force)
    finally:
        base.close()


def _sound(base: FactBase) -> bool:
    """Whether SQLite finds every page intact: a base damaged deep inside opens fine, then fails
    the backup a live rebuild takes first, which would leave no way back but deleting it."""
    try:
        return bool(base.db.execute("PRAGMA quick_check").fetchone()[0] == "ok")
    except sqlite3.DatabaseError:
        return False


def _replace_unreadable(knowledge_dir: Path, db_path: Path, actor: Actor) -> RebuildReport:
    saved = save_unreadable(db_path)
    log.warning("%s could not be read; kept a copy at %s and rebuilt it", db_path, saved)
    return _build_new(knowledge_dir, db_path, actor, backup=saved)


def _build_new(
    knowledge_dir: Path, db_path: Path, actor: Actor, backup: Path | None
) -> RebuildReport:
    digest = knowledge_digest(knowledge_dir)
    report = build_fact_base(knowledge_dir, db_path)
    base = FactBase(db_path)
    try:
        with base.write() as db:
            overrides = apply_overrides(db, knowledge_dir)
            _finish(db, actor, report, knowledge_dir, digest, discarded=0)
    finally:
        base.close()
    return RebuildReport(report, backup, overrides, 0, in_place=False)


def _rebuild_live(base: FactBase, knowledge_dir: Path, actor: Actor, force: bool) -> RebuildReport:
    pending = pending_edits(base.db, knowledge_dir)
    if pending and not force:
        raise InputError(pending_message(pending))
    digest = knowledge_digest(knowledge_dir)
    staging = base.path.with_name(f".{base.path.name}.rebuild-{os.getpid()}")
    try:
        report = build_fact_base(knowledge_dir, staging)
        backup = automatic_backup(base.path, "before-build")
        with _attached(base.db, staging), base.write() as db:
            arrived = len(pending_edits(db, knowledge_dir)) - len(pending)
            if arrived > 0:
                raise InputError(
                    f"{arrived} edit(s) arrived while rebuilding; nothing changed. Run the build again."
                )
            in_place = _same_schema(db)
            if in_place:
                _copy_derived(db)
                overrides = apply_overrides(db, knowledge_dir)
                _finish(db, actor, report, knowledge_dir, digest, discarded=len(pending))
            else:
                _carry_history(db)
        if not in_place:
            overrides = _replace_whole(
                base, staging, actor, report, knowledge_dir, digest, len(pending)
            )
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{staging}{suffix}").unlink(missing_ok=True)
    return RebuildReport(replace(report, path=base.path), backup, overrides, len(pending), in_place)


@contextmanager
def _attached(db: sqlite_utils.Database, path: Path) -> Iterator[None]:
    db.execute("ATTACH DATABASE ? AS fresh", [str(path)])
    try:
        yield
    finally:
        db.execute("DETACH DATABASE fresh")


def _schema(db: sqlite_utils.Database, schema: str) -> set[tuple[str, str, str]]:
    rows = db.execute(
        f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    )
    return {(r[0], r[1], r[3] or "") for r in rows if r[2] not in HISTORY_TABLES}


def _same_schema(db: sqlite_utils.Database) -> bool:
    """Whether the live base has the tables a build makes now (not the case for a base built by
    an older factbot whose first migration differed)."""
    return _schema(db, "main") == _schema(db, "fresh")


def _derived_tables(db: sqlite_utils.Database) -> list[str]:
    rows = db.execute(
        "SELECT name, sql FROM fresh.sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [
        name
        for name, _ in rows
        if name not in _KEPT_TABLES
        and name not in _RECOMPUTED_TABLES
        and not name.startswith("sqlite_")
        and name not in virtual
        and not any(name.startswith(f"{v}_") for v in virtual)
    ]


def _copy_derived(db: sqlite_utils.Database) -> None:
    """Replace what the build derives from knowledge/; the FTS index follows through its triggers."""
    db.execute("PRAGMA defer_foreign_keys = ON")
    added = _added_times(db, "main")
    tables = _derived_tables(db)
    for table in reversed(tables):
        db.execute(f'DELETE FROM main."{table}"')
    for table in tables:
        columns = ", ".join(f'"{r[1]}"' for r in db.execute(f'PRAGMA fresh.table_info("{table}")'))
        db.execute(f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM fresh."{table}"')
    db.execute(
        "INSERT OR REPLACE INTO main.meta (key, value) SELECT key, value FROM fresh.meta WHERE key != 'revision'"
    )
    _restore_added_times(db, "main", added)


def _added_times(db: sqlite_utils.Database, schema: str) -> list[tuple[str, str]]:
    rows = db.execute(f"SELECT id, added_at FROM {schema}.sources")
    return [(str(r[0]), str(r[1])) for r in rows if r[1]]


def _restore_added_times(
    db: sqlite_utils.Database, schema: str, added: list[tuple[str, str]]
) -> None:
    """A rebuilt source keeps the time it was first added: for a source with no publication
    date it is the only date there is, and `summary --since` would call it new after each build."""
    db.conn.executemany(
        f"UPDATE {schema}.sources SET added_at = ? WHERE id = ?", [(at, sid) for sid, at in added]
    )


def _carry_history(db: sqlite_utils.Database) -> None:
    """Copy history, gaps, sync marks and sources' added times into the new build, for a base
    replaced whole."""
    _restore_added_times(db, "fresh", _added_times(db, "main"))
    for table in HISTORY_TABLES:
        fresh = {r[1] for r in db.execute(f'PRAGMA fresh.table_info("{table}")')}
        live = [r[1] for r in db.execute(f'PRAGMA main.table_info("{table}")') if r[1] in fresh]
        if live:
            columns = ", ".join(f'"{c}"' for c in live)
            db.execute(
                f'INSERT INTO fresh."{table}" ({columns}) SELECT {columns} FROM main."{table}"'
            )
    db.execute(
        "INSERT OR REPLACE INTO fresh.meta (key, value) SELECT key, value FROM main.meta "
        "WHERE key IN ('revision', ?, ?)",
        [SYNCED_CHANGE_KEY, KNOWLEDGE_DIGEST_KEY],
    )


def _replace_whole(
    base: FactBase,
    staging: Path,
    actor: Actor,
    report: BuildReport,
    root: Path,
    digest: str,
    discarded: int,
) -> int:
    """Copy the new build over the live base with the backup API, which keeps the file (and so
    every open connection) valid, unlike renaming a new file over it."""
    fresh = FactBase(staging)
    try:
        with fresh.write() as db:
            overrides = apply_overrides(db, root)
            _finish(db, actor, report, root, digest, discarded)
        try:
            fresh.db.conn.backup(base.db.conn)
        except sqlite3.DatabaseError as error:
            raise DatabaseError(
                f"Could not write the rebuilt base over {base.path}: {error}"
            ) from None
    finally:
        fresh.close()
    return overrides


def _finish(
    db: sqlite_utils.Database,
    actor: Actor,
    report: BuildReport,
    root: Path,
    digest: str,
    discarded: int,
) -> None:
    after = {
        "sources": report.sources,
        "passages": report.passages,
        "facts": report.facts,
        "entities": report.entities,
        "discarded_edits": discarded,
    }
    reason = "rebuilt from knowledge/"
    if discarded:
        reason += f", discarding {discarded} unexported edit(s) (--force; a backup was taken first)"
    change = record_change(db, actor, "build", f"knowledge:{root}", None, after, reason)
    set_meta(db, SYNCED_CHANGE_KEY, str(change.id))
    set_meta(db, KNOWLEDGE_DIGEST_KEY, digest)
    bump_revision(db)
