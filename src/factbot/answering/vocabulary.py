"""What one fact base knows, cached per revision: its terms and their document frequencies,
words, synonyms, aliases, entities and sides. Question analysis, passage features and the
ranking all read it; `refresh` reloads it when maintainers change the base.
"""

from __future__ import annotations

import math
from typing import Protocol

import sqlite_utils

from factbot.answering.sides import read_sides
from factbot.index.meaning import has_vectors
from factbot.language.text import terms
from factbot.store.database import revision

TYPO_MIN_LENGTH = 5


class Weighed(Protocol):
    """What weighing a term needs of a question (`question.Question` is one)."""

    @property
    def generality(self) -> dict[str, float]: ...


class Vocabulary:
    """The cached vocabulary and aliases of one fact base."""

    def __init__(
        self, db: sqlite_utils.Database, *, meaning: bool = True, reading: bool = True
    ) -> None:
        """`meaning=False` ranks on words alone (no sentence encoder is loaded);
        `reading=False` leaves the reader out (reading.py)."""
        self.db = db
        self.meaning = meaning
        self.reading = reading
        self.revision: str | None = None
        self.refresh()

    def refresh(self) -> bool:
        """Reload caches if the fact base changed since the last call; returns whether it did."""
        current = revision(self.db)
        if current == self.revision and self.revision is not None:
            return False
        self.revision = current
        self.has_vectors = has_vectors(self.db)
        self.document_count = max(
            1,
            int(
                self.db.execute("SELECT count(*) FROM passages WHERE status = 'active'").fetchone()[
                    0
                ]
            ),
        )
        self.df: dict[str, int] = dict(
            self.db.execute("SELECT term, df FROM term_stats").fetchall()
        )
        self.words = [row[0] for row in self.db.execute("SELECT word FROM vocabulary")]
        self.sorted_terms = sorted(self.df)
        groups: dict[int, set[str]] = {}
        for term, group_id in self.db.execute("SELECT term, group_id FROM synonyms"):
            groups.setdefault(group_id, set()).add(term)
        self.synonyms: dict[str, set[str]] = {}
        for members in groups.values():
            for term in members:
                self.synonyms.setdefault(term, set()).update(members - {term})
        self.alias_entities: dict[str, set[str]] = {}
        for entity_id, folded in self.db.execute("SELECT entity_id, folded FROM aliases"):
            self.alias_entities.setdefault(folded, set()).add(entity_id)
        self.alias_keys = [key for key in self.alias_entities if len(key) >= TYPO_MIN_LENGTH]
        self.entity_kind: dict[str, str] = dict(
            self.db.execute("SELECT id, kind FROM entities").fetchall()
        )
        self.entity_terms: dict[str, tuple[str, ...]] = {
            entity_id: tuple(terms(name))
            for entity_id, name in self.db.execute("SELECT id, name FROM entities")
        }
        self.sides = read_sides(self.db)
        return True

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.document_count - df + 0.5) / (df + 0.5))

    def term_weight(self, question: Weighed, term: str) -> float:
        """What finding `term` is worth: rare in this base and not a word common everywhere."""
        return self.idf(term) * question.generality.get(term, 1.0)
