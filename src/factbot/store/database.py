"""The SQLite fact base: connection, schema migrations, meta and revision, and the shared queries.

Migrations are an ordered list of small functions, each applied once and recorded in
`_migrations` (the pattern of simonw/llm): live data is never dropped and recreated.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

import sqlite_utils

from factbot.errors import DatabaseError
from factbot.language.text import TEXT_PROCESSING_VERSION
from factbot.models import Entity, Source

SCHEMA_VERSION_KEY = "schema_version"
TEXT_PROCESSING_KEY = "text_processing"
REVISION_KEY = "revision"
FTS_TOKENIZE = "unicode61"
REBUILD_HINT = "Rebuild it from knowledge/ with: factbot --db {path} build"
READ_ONLY_HINT = (
    "Make the file and its folder writable for this user, or build a copy somewhere writable "
    "with: factbot --db NEW_PATH build"
)

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


def migrate(db: sqlite_utils.Database) -> None:
    """Apply the migrations not yet recorded; each in its own transaction."""
    if "_migrations" not in db.table_names():
        db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db.table("_migrations").rows}
    for step in MIGRATIONS:
        if step.__name__ in done:
            continue
        with db.conn:
            step(db)
            db.table("_migrations").insert({"name": step.__name__, "applied_at": utc_now()})
            db.table("meta").upsert({"key": SCHEMA_VERSION_KEY, "value": str(len(done) + 1)}, pk="key")
        done.add(step.__name__)


def schema_version() -> int:
    return len(MIGRATIONS)


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def connect(path: Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open the fact base; a missing or corrupt file raises `DatabaseError` saying how to rebuild.

    Read-only connections use SQLite's URI mode so a reader can never write by accident; writers
    get WAL so readers (the bot) keep answering while a maintainer edits.
    """
    hint = REBUILD_HINT.format(path=path)
    if readonly and not path.exists():
        raise DatabaseError(f"No fact base at {path}. {hint}")
    try:
        if readonly:
            conn = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=10
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
            _use_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.DatabaseError, OSError) as error:
        raise database_error(path, error) from None
    return sqlite_utils.Database(conn)


class DatabaseUnavailable(DatabaseError):
    """The file is sound but cannot be used now: locked by another process, or read-only.

    Rebuilding would not help, and would replace a file another process may be writing, so
    `factbot build` stops on these instead of treating the base as unreadable.
    """


def database_error(
    path: Path, error: BaseException, problem: str = "cannot be opened"
) -> DatabaseError:
    """SQLite's (or the OS's) `error` about the base at `path`, as what to do about it.

    A lock passes (try again); a read-only file or folder needs its permissions fixed; anything
    else (a damaged page, a file that is not SQLite) is fixed by rebuilding from knowledge/.
    """
    if isinstance(error, OSError) and error.strerror:
        reason = f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    else:
        reason = str(error) or type(error).__name__
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        return DatabaseUnavailable(
            f"The fact base at {path} is locked by another process (a build or a change in "
            "progress); try again in a moment."
        )
    denied = isinstance(error, PermissionError) or getattr(error, "errno", None) == errno.EROFS
    if denied or "readonly" in lowered or "read-only" in lowered:
        return DatabaseUnavailable(
            f"The fact base at {path} is read-only for this user ({reason}). {READ_ONLY_HINT}"
        )
    hint = REBUILD_HINT.format(path=path)
    return DatabaseError(f"The fact base at {path} {problem} ({reason}). {hint}")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL unless the file already is; the switch needs a moment with no other user.

    Fact bases are built in WAL mode, so this is normally a read of the header. SQLite does not
    call the busy handler for a journal-mode change, so a writer racing another one retries.
    """
    for attempt in range(100):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            time.sleep(0.01 * (attempt + 1))
    raise sqlite3.OperationalError("database is locked")


def require_schema(db: sqlite_utils.Database, path: Path) -> None:
    """Refuse a file that is not a built fact base (empty, foreign, or from a newer factbot)."""
    hint = REBUILD_HINT.format(path=path)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", [SCHEMA_VERSION_KEY]).fetchone()
    except sqlite3.DatabaseError:
        raise DatabaseError(f"{path} is not a factbot fact base. {hint}") from None
    if row is None:
        raise DatabaseError(f"{path} has no schema version. {hint}")
    if int(row[0]) > schema_version():
        raise DatabaseError(
            f"{path} was built by a newer factbot (schema {row[0]}); upgrade factbot to read it."
        )


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction taken up front (BEGIN IMMEDIATE), so two writers queue, not fail."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def source_from_row(row: dict[str, object]) -> Source:
    def text(key: str) -> str | None:
        value = row.get(key)
        return str(value) if value not in (None, "") else None

    return Source(
        id=str(row["id"]),
        outlet=text("outlet"),
        title=text("title"),
        url=text("url"),
        published=text("published"),
        author=text("author"),
        photo_credit=text("photo_credit"),
    )


def list_sources(db: sqlite_utils.Database) -> list[Source]:
    return [source_from_row(row) for row in db.table("sources").rows_where(order_by="id")]


def get_source_text(db: sqlite_utils.Database, source_id: str) -> str | None:
    row = db.execute("SELECT text FROM sources WHERE id = ?", [source_id]).fetchone()
    return None if row is None else str(row[0])


def list_entities(db: sqlite_utils.Database) -> list[Entity]:
    aliases: dict[str, list[str]] = {}
    for entity_id, alias in db.execute("SELECT entity_id, alias FROM aliases ORDER BY rowid"):
        aliases.setdefault(entity_id, []).append(alias)
    return [
        Entity(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            description=row["description"],
            aliases=tuple(aliases.get(row["id"], ())),
        )
        for row in db.table("entities").rows_where(order_by="id")
    ]


def verify_quotes(db: sqlite_utils.Database) -> int:
    """Check every passage is exactly its source's text at its offsets; returns how many."""
    checked = 0
    rows = db.execute(
        "SELECT p.id, p.text, p.start, p.end, s.text FROM passages p JOIN sources s ON s.id = p.source_id"
    )
    for passage_id, text, start, end, source_text in rows:
        if source_text[start:end] != text:
            raise DatabaseError(f"Passage {passage_id} is not verbatim in its source.")
        checked += 1
    return checked


def meta_value(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Plain SQL, so it joins whatever transaction is open instead of committing one."""
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])


def record_text_processing(db: sqlite_utils.Database) -> None:
    """Note that every passage of the base was indexed by this version's text processing."""
    set_meta(db, TEXT_PROCESSING_KEY, str(TEXT_PROCESSING_VERSION))


def text_processing_is_current(db: sqlite_utils.Database) -> bool:
    """False for a base indexed (wholly or partly) by another version of the text processing."""
    return meta_value(db, TEXT_PROCESSING_KEY) == str(TEXT_PROCESSING_VERSION)


def revision(db: sqlite_utils.Database) -> str | None:
    """The counter every change bumps, so running readers know to reload; None before any."""
    return meta_value(db, REVISION_KEY)


def file_identity(path: Path) -> int | None:
    """Which file `path` names now (its inode); None when nothing is there."""
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


Handle = TypeVar("Handle")


class Reopening(Generic[Handle]):
    """One handle on the base at `path` (a connection, or a matcher around one), opened again
    when the file there was replaced.

    A rebuild of an unreadable base renames a new file over the old one; a handle on the old
    file would go on reading it, or writing changes to it where nobody would ever see them.
    `missing_is_replaced` says whether a path with no file at all counts as replaced: a reader
    then reopens (and says the base is missing), a writer keeps its handle rather than create
    an empty file.
    """

    def __init__(
        self,
        path: Path,
        open_handle: Callable[[], Handle],
        close_handle: Callable[[Handle], None],
        *,
        missing_is_replaced: bool,
    ) -> None:
        self.path = path
        self._open = open_handle
        self._close = close_handle
        self._missing_is_replaced = missing_is_replaced
        self._handle: Handle | None = None
        self._identity: int | None = None

    def current(self) -> Handle:
        """The open handle, opened first if there is none or the file was replaced."""
        if self._handle is not None and self.replaced():
            self.close()
        if self._handle is None:
            identity = file_identity(self.path)  # before opening: a later swap is then noticed
            self._handle = self._open()
            self._identity = identity
        return self._handle

    def replaced(self) -> bool:
        """Whether `path` now names another file than the one the handle was opened on."""
        now = file_identity(self.path)
        if now is None and not self._missing_is_replaced:
            return False
        return now != self._identity

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            self._close(handle)
