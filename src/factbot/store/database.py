"""The SQLite fact base: connection, transactions, meta and revision, and the shared queries.

The schema itself is in `migrations.py`.
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
REBUILD_HINT = "Rebuild it from knowledge/ with: factbot --db {path} build"
READ_ONLY_HINT = (
    "Make the file and its folder writable for this user, or build a copy somewhere writable "
    "with: factbot --db NEW_PATH build"
)
# For a file with no trace of a fact base, which `factbot build` refuses to replace.
MOVE_AWAY_HINT = (
    "It holds no trace of a fact base, so factbot will not replace it: if it is yours, move it "
    "away, then build a new base with: factbot --db {path} build (or give another path with --db)"
)


def rebuild_advice(path: Path) -> str:
    """How to get a working base at `path` again, as `factbot build` will accept it.

    Build replaces an unreadable file (keeping a copy) only if it was a fact base; anything else
    it refuses to touch, so telling the user to rebuild there would send them round in a circle.
    """
    if not path.exists() or once_a_fact_base(path):
        return REBUILD_HINT.format(path=path)
    return MOVE_AWAY_HINT.format(path=path)

class ForeignBase(DatabaseError):
    """A database factbot does not own: another program's, or a newer factbot's.

    Never written to and never replaced (`factbot build` stops on it too): rebuilding would
    destroy data this version of factbot cannot even see.
    """


def refuse_other_programs(conn: sqlite3.Connection, path: Path) -> None:
    """Raise `ForeignBase` if the file holds tables but not a factbot base's.

    Run by `connect` before anything is written (even the journal mode), so no write path adds
    tables to someone else's database; `migrations.refuse_foreign` adds the newer-schema check.
    """
    tables = {
        str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if tables and not {"_migrations", "meta"} <= tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise ForeignBase(
            f"{path} is not a factbot fact base (it holds other tables: {shown}); nothing was "
            "changed. Give another path with --db, or move that file away."
        )


# Written into the header of every base factbot creates or migrates (`PRAGMA application_id`),
# so a file can be told to be ours even when SQLite can no longer read its pages.
APPLICATION_ID = int.from_bytes(b"fact", "big")
# Names only a factbot base's schema holds, stored as text in SQLite's schema pages near the
# start of the file: a damaged base still shows them where SQLite can no longer open it.
_FACT_BASE_TRACES = (b"_migrations", b"passages_fts")
_TRACE_SCAN_BYTES = 4 << 20


def once_a_fact_base(path: Path) -> bool:
    """Whether a file SQLite cannot read was a factbot base (or is empty), so rebuilding over it
    (keeping a copy) loses nothing that is not ours. Its write-ahead log counts: the schema may
    not have been copied into the file itself yet."""
    start = b""
    try:
        header = path.read_bytes()[:100] if path.stat().st_size < 100 else _header(path)
    except OSError:
        return False
    if header[:16] == b"SQLite format 3\x00" and header[68:72] == APPLICATION_ID.to_bytes(4, "big"):
        return True
    for part in (path, Path(f"{path}-wal")):
        try:
            with part.open("rb") as handle:
                start += handle.read(_TRACE_SCAN_BYTES)
        except FileNotFoundError:
            continue
        except OSError:
            return False
    return not header or all(trace in start for trace in _FACT_BASE_TRACES)


def _header(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(100)



# A passage the bot may answer with (SQL over `passages p`): active, and not an article sentence
# whose words a retired curated fact quotes. Retiring a fact must stop those words being answered,
# not only the fact's own row; restoring the fact brings the sentence back with it.
ANSWERABLE_PASSAGE = """p.status = 'active' AND NOT (p.kind != 'fact' AND EXISTS (
    SELECT 1 FROM passages r WHERE r.kind = 'fact' AND r.status = 'retired'
    AND r.source_id = p.source_id AND r.start < p.end AND p.start < r.end))"""


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
            # Before anything is written (even the journal mode): never into someone else's file.
            refuse_other_programs(conn, path)
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
    return DatabaseError(f"The fact base at {path} {problem} ({reason}). {rebuild_advice(path)}")


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
