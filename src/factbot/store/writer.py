"""The writer's handle on the live fact base: one connection, shared safely between threads."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlite_utils

from factbot.errors import DatabaseError
from factbot.store.database import (
    REBUILD_HINT,
    DatabaseUnavailable,
    Reopening,
    connect,
    database_error,
    transaction,
)
from factbot.store.migrations import migrate, require_schema


class FactBase:
    """One writable connection to the live fact base, safe to share between threads.

    Writes are serialised by a lock here and by SQLite's write lock across processes. If the
    file is replaced underneath (an old-style rebuild renames a new file over it), the handle
    reopens instead of writing to the orphaned file where nobody would ever read the change.
    """

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise DatabaseError(f"No fact base at {path}. {REBUILD_HINT.format(path=path)}")
        self.path = path
        self._lock = threading.RLock()
        self._handle = Reopening(
            path, self._open, lambda db: db.conn.close(), missing_is_replaced=False
        )
        self._handle.current()

    def _open(self) -> sqlite_utils.Database:
        db = connect(self.path)
        require_schema(db, self.path)
        try:
            migrate(db)
        except sqlite3.DatabaseError:
            # Another process applied the same migration between our check and our write.
            migrate(db)
        return db

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection, for reads; reopened first if the file was replaced."""
        with self._lock:
            return self._handle.current()

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction (BEGIN IMMEDIATE): committed on success, else rolled back."""
        with self._lock:
            try:
                db, stack = self._begin()
                with stack:
                    yield db
            except sqlite3.OperationalError as error:
                if "locked" in str(error) or "busy" in str(error):
                    raise DatabaseUnavailable(
                        f"The fact base at {self.path} is busy with another change; try again."
                    ) from error
                raise _refused(self.path, error) from error
            except sqlite3.DatabaseError as error:
                raise _refused(self.path, error) from error

    def _begin(self) -> tuple[sqlite_utils.Database, ExitStack]:
        """Take the write lock on the file that is really there now, not on a replaced one."""
        for _ in range(3):
            db = self.db
            stack = ExitStack()
            stack.enter_context(transaction(db))
            if not self._handle.replaced():
                return db, stack
            stack.close()
        raise DatabaseError(f"The fact base at {self.path} keeps being replaced; try again.")

    def close(self) -> None:
        with self._lock:
            self._handle.close()


def _refused(path: Path, error: sqlite3.DatabaseError) -> DatabaseError:
    """Nothing changed; and when the base itself is at fault (read-only, damaged), how to fix it."""
    if isinstance(error, sqlite3.IntegrityError):
        return DatabaseError(f"The fact base refused the change ({error}); nothing changed.")
    cause = database_error(path, error, "cannot be written")
    return type(cause)(f"Nothing changed. {cause}")

