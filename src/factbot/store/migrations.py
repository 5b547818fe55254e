"""The schema of the fact base, as an ordered list of small migrations.

Each migration is a function applied once and recorded in `_migrations` (the pattern of
simonw/llm): live data is never dropped and recreated. A new one goes at the end of the list;
`require_schema` refuses a file built by a newer factbot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from factbot.errors import DatabaseError
from factbot.store.database import (
    APPLICATION_ID,
    REBUILD_HINT,
    SCHEMA_VERSION_KEY,
    ForeignBase,
    rebuild_advice,
    refuse_other_programs,
    utc_now,
)

FTS_TOKENIZE = "unicode61"

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []
migration = MIGRATIONS.append


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("sources").create(
        {
            "id": str,
            "outlet": str,
            "title": str,
            "url": str,
            "published": str,
            "author": str,
            "photo_credit": str,
            "text": str,
            "origin": str,
            "added_at": str,
        },
        pk="id",
    )
    db.table("passages").create(
        {
            "rowid": int,
            "id": str,
            "source_id": str,
            "position": int,
            "start": int,
            "end": int,
            "text": str,
            "attribution": str,
            "kind": str,
            "status": str,
            "note": str,
            "entity_ids": str,
            "terms": str,
            "context_terms": str,
            "paragraph_terms": str,
            "words": str,
            "names": str,
        },
        pk="rowid",
        foreign_keys=[("source_id", "sources", "id")],
        not_null={"id", "source_id", "text", "kind", "status", "terms"},
        defaults={"kind": "sentence", "status": "active"},
    )
    db.table("passages").create_index(["id"], unique=True)
    db.table("passages").create_index(["source_id", "position"])
    db.table("passages").enable_fts(
        ["terms"], fts_version="FTS5", create_triggers=True, tokenize=FTS_TOKENIZE
    )
    db.table("entities").create(
        {"id": str, "name": str, "kind": str, "description": str, "origin": str}, pk="id"
    )
    db.table("aliases").create(
        {"entity_id": str, "alias": str, "folded": str},
        pk=("entity_id", "folded"),
        foreign_keys=[("entity_id", "entities", "id")],
    )
    db.table("aliases").create_index(["folded"])
    db.table("passage_entities").create(
        {"passage_id": str, "entity_id": str}, pk=("passage_id", "entity_id")
    )
    db.table("passage_entities").create_index(["entity_id"])
    db.table("term_stats").create({"term": str, "df": int}, pk="term")
    db.table("vocabulary").create({"word": str}, pk="word")


@migration
def m002_changes(db: sqlite_utils.Database) -> None:
    """Maintainers' change history (append-only, enforced by triggers) and retired aliases."""
    db.table("changes").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "target": str,
            "before": str,
            "after": str,
            "reason": str,
            "reverted_change": int,
        },
        pk="id",
        not_null={"at", "actor", "action", "target", "reason"},
    )
    db.table("changes").create_index(["target"])
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER changes_append_only_{event.lower()} BEFORE {event} ON changes "
            "BEGIN SELECT RAISE(ABORT, 'the change history is append-only'); END"
        )
    db.table("aliases_retired").create(
        {"entity_id": str, "alias": str, "folded": str, "retired_at": str, "change_id": int}
    )


@migration
def m003_gaps(db: sqlite_utils.Database) -> None:
    """Questions the bot abstained on, counted; askers only where settings allow it."""
    db.table("gaps").create(
        {
            "key": str,
            "question": str,
            "intent": str,
            "entities": str,
            "count": int,
            "first_at": str,
            "last_at": str,
        },
        pk="key",
    )
    db.table("gaps").create_index(["count"])
    db.table("gap_askers").create({"key": str, "user_id": str, "at": str})
    db.table("gap_askers").create_index(["key"])


@migration
def m004_synonyms(db: sqlite_utils.Database) -> None:
    """Stems that stand for each other in questions (knowledge/synonyms.toml)."""
    db.table("synonyms").create({"term": str, "group_id": int}, pk=("term", "group_id"))


@migration
def m005_passage_vectors(db: sqlite_utils.Database) -> None:
    """Meaning vectors of passages (meaning.py). Keyed by the passage's rowid; a vector goes
    when its passage's text changes or the passage is deleted, so it is computed afresh."""
    db.execute("CREATE TABLE passage_vectors (rowid INTEGER PRIMARY KEY, vector BLOB NOT NULL)")
    db.execute(
        "CREATE TRIGGER passage_vectors_stale AFTER UPDATE OF text ON passages "
        "BEGIN DELETE FROM passage_vectors WHERE rowid = old.rowid; END"
    )
    db.execute(
        "CREATE TRIGGER passage_vectors_gone AFTER DELETE ON passages "
        "BEGIN DELETE FROM passage_vectors WHERE rowid = old.rowid; END"
    )


@migration
def m006_reports(db: sqlite_utils.Database) -> None:
    """Answers people reported as wrong or unhelpful, counted per question and passage; who
    reported only where settings allow it (as for gaps)."""
    db.table("reports").create(
        {
            "key": str,
            "question": str,
            "passage_id": str,
            "count": int,
            "first_at": str,
            "last_at": str,
        },
        pk="key",
    )
    db.table("reports").create_index(["count"])
    db.table("report_users").create({"key": str, "user_id": str, "at": str})
    db.table("report_users").create_index(["key"])


def migrate(db: sqlite_utils.Database) -> None:
    """Apply the migrations not yet recorded; each in its own transaction.

    Only into an empty file or a factbot base of this or an older schema: `refuse_foreign`
    stops every write path before it adds tables to someone else's database or writes an old
    schema's rows into a newer one.
    """
    refuse_foreign(db, _main_file(db))
    if "_migrations" not in db.table_names():
        db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db.table("_migrations").rows}
    for step in MIGRATIONS:
        if step.__name__ in done:
            continue
        with db.conn:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            step(db)
            db.table("_migrations").insert({"name": step.__name__, "applied_at": utc_now()})
            db.table("meta").upsert({"key": SCHEMA_VERSION_KEY, "value": str(len(done) + 1)}, pk="key")
        done.add(step.__name__)


def schema_version() -> int:
    return len(MIGRATIONS)


def refuse_foreign(db: sqlite_utils.Database, path: Path) -> None:
    """Raise `ForeignBase` unless the file is empty or a factbot base of a known schema."""
    refuse_other_programs(db.conn, path)
    if not {"_migrations", "meta"} <= set(db.table_names()):
        return  # empty
    applied = {str(row[0]) for row in db.execute("SELECT name FROM _migrations")}
    row = db.execute("SELECT value FROM meta WHERE key = ?", [SCHEMA_VERSION_KEY]).fetchone()
    version = int(row[0]) if row is not None and str(row[0]).isdigit() else 0
    unknown = applied - {step.__name__ for step in MIGRATIONS}
    if unknown or version > schema_version():
        raise ForeignBase(
            f"{path} was built by a newer factbot (schema {max(version, len(applied))}, this "
            f"one knows {schema_version()}); nothing was changed. Upgrade factbot to use it."
        )


def _main_file(db: sqlite_utils.Database) -> Path:
    row = db.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row is not None and row[2] else Path(":memory:")


def require_schema(db: sqlite_utils.Database, path: Path) -> None:
    """Refuse a file that is not a built fact base (empty, foreign, or from a newer factbot)."""
    hint = REBUILD_HINT.format(path=path)
    try:
        refuse_foreign(db, path)
        row = db.execute("SELECT value FROM meta WHERE key = ?", [SCHEMA_VERSION_KEY]).fetchone()
    except ForeignBase:
        raise
    except sqlite3.DatabaseError:
        raise DatabaseError(f"{path} is not a factbot fact base. {rebuild_advice(path)}") from None
    if row is None:
        raise DatabaseError(f"{path} has no schema version. {hint}")
