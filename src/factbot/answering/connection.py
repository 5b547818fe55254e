"""One fact base read from many threads: each thread's own read-only connection and matcher,
reopened when the file is replaced, and the small lookups (sources, entities, spans) every part
of answering needs, cached per revision of the base.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from factbot.answering.candidates import Span
from factbot.answering.matcher import Matcher
from factbot.index.disagreement import ClaimMemo
from factbot.models import Entity, Source
from factbot.settings import DEFAULT_MIN_CONFIDENCE
from factbot.store.database import (
    Reopening,
    connect,
    database_error,
    source_from_row,
)
from factbot.store.migrations import require_schema

# People first: "Who is X?" is what readers of a quote most often ask next.
SUGGESTED_KINDS = ("person", "place", "organisation")


class FactBaseReader:
    """Reads one fact base; safe to share between threads (one connection each)."""

    def __init__(self, db_path: Path, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self.db_path = db_path
        self.min_confidence = min_confidence
        self._local = threading.local()
        # (revision, limit asked for, questions found); see _suggest.
        self._suggestions: tuple[str | None, int, tuple[str, ...]] = (None, 0, ())
        # (revision, generated question) -> whether it is answered; see _answers.
        self._answerable: dict[tuple[str | None, str], str | None] = {}
        self._mention_counts: tuple[str | None, dict[str, int]] = (None, {})
        self._descriptions: tuple[str | None, dict[str, frozenset[str]]] = (None, {})
        self._memo = ClaimMemo()
        self._passage_entities: dict[tuple[str | None, str], tuple[Entity, ...]] = {}
        self._matcher()  # fail now, with a rebuild hint, if the base is missing or corrupt

    def _matcher(self) -> Matcher:
        """This thread's matcher, reopened when the file was replaced, deleted or failed.

        A rebuild of an unreadable base renames a new file over the old one; a connection to
        the old file would go on answering from it (or failing) forever, so a changed inode
        means reconnecting.
        """
        handle = self._handle()
        matcher = handle.current()
        try:
            matcher.refresh()
        except Exception as error:
            handle.close()
            raise database_error(self.db_path, error, "cannot be read") from None
        return matcher

    def _handle(self) -> Reopening[Matcher]:
        handle: Reopening[Matcher] | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = Reopening(
                self.db_path, self._open, _close_matcher, missing_is_replaced=True
            )
            self._local.handle = handle
        return handle

    def _open(self) -> Matcher:
        db = connect(self.db_path, readonly=True)
        try:
            require_schema(db, self.db_path)
            return Matcher(db)
        except sqlite3.Error as error:
            db.conn.close()
            raise database_error(self.db_path, error, "cannot be read") from None
        except BaseException:
            db.conn.close()
            raise

    def close(self) -> None:
        """Close this thread's connection to the base (it is reopened on the next question)."""
        self._forget()

    def _forget(self) -> None:
        self._handle().close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A damaged page met while answering: drop this thread's connection, say how to rebuild."""
        try:
            yield
        except sqlite3.Error as error:
            self._forget()
            raise database_error(self.db_path, error, "cannot be read") from None

    @property
    def db(self) -> sqlite_utils.Database:
        return self._matcher().db

    def _links(self, passage_ids: list[str]) -> dict[str, set[str]]:
        marks = ",".join("?" * len(passage_ids))
        links: dict[str, set[str]] = {}
        for passage_id, entity_id in self.db.execute(
            f"SELECT passage_id, entity_id FROM passage_entities WHERE passage_id IN ({marks})",
            passage_ids,
        ):
            links.setdefault(passage_id, set()).add(entity_id)
        return links

    def _entities(self, entity_ids: Sequence[str]) -> list[Entity]:
        if not entity_ids:
            return []
        marks = ",".join("?" * len(entity_ids))
        rows = self.db.execute(
            f"SELECT id, name, kind FROM entities WHERE id IN ({marks})", list(entity_ids)
        ).fetchall()
        found = {row[0]: Entity(*row) for row in rows}
        return [found[i] for i in entity_ids if i in found]

    def _entities_in(self, passage_id: str) -> list[Entity]:
        """The entities a passage names, people first, each kind in the order of the text.

        Remembered per revision: every answer reads those of its quote and related passages.
        """
        key = (self._matcher().revision, passage_id)
        known = self._passage_entities.get(key)
        if known is None:
            if len(self._passage_entities) >= 10_000:
                self._passage_entities.clear()
            known = self._passage_entities[key] = self._read_entities_in(passage_id)
        return list(known)

    def _read_entities_in(self, passage_id: str) -> tuple[Entity, ...]:
        rows = self.db.execute(
            """SELECT e.id, e.name, e.kind, p.text FROM passage_entities pe
            JOIN entities e ON e.id = pe.entity_id JOIN passages p ON p.id = pe.passage_id
            WHERE pe.passage_id = ? ORDER BY e.id""",
            [passage_id],
        ).fetchall()
        order = {kind: rank for rank, kind in enumerate(SUGGESTED_KINDS)}
        mentions = self._mentions()

        def key(row: tuple[str, str, str, str]) -> tuple[int, int, int]:
            # The rarer an entity, the more a question about it says: "Azerbaijan" is in
            # every sentence of this story, "Yevgeny Belousov" in one.
            at = row[3].find(row[1])
            return order.get(row[2], len(order)), mentions.get(row[0], 0), at % (len(row[3]) + 1)

        return tuple(Entity(*row[:3]) for row in sorted(rows, key=key))

    def _mentions(self) -> dict[str, int]:
        """How many passages name each entity; counted once per revision of the base."""
        revision = self._matcher().revision
        if self._mention_counts[0] != revision or revision is None:
            rows = self.db.execute(
                "SELECT entity_id, count(*) FROM passage_entities GROUP BY entity_id"
            ).fetchall()
            self._mention_counts = (revision, dict(rows))
        return self._mention_counts[1]

    def _spans(self, passage_ids: Collection[str]) -> list[Span]:
        if not passage_ids:
            return []
        marks = ",".join("?" * len(passage_ids))
        rows = self.db.execute(
            f"SELECT source_id, start, end FROM passages WHERE id IN ({marks})",
            list(passage_ids),
        )
        return [(source, start, end) for source, start, end in rows.fetchall()]

    def _sources(self, ids: set[str]) -> dict[str, Source]:
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT id, outlet, title, url, published, author, photo_credit FROM sources WHERE id IN ({marks})",
            sorted(ids),
        )
        columns = [d[0] for d in rows.description]
        return {
            row[0]: source_from_row(dict(zip(columns, row, strict=True))) for row in rows.fetchall()
        }


def _close_matcher(matcher: Matcher) -> None:
    matcher.db.conn.close()
