"""Keeping what is derived from the passages true after every write: which passages mention
which entity, the term statistics and vocabulary the ranking reads, and the revision that tells
running readers to reload.

Every write path (a build, an ingest, a maintainer's change, a rebuild) ends with
`bump_revision` inside its own transaction, so a reader never sees a change without its upkeep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlite_utils

from factbot.index.meaning import embed_new_passages
from factbot.language.text import STOPWORDS, terms, words
from factbot.store.database import REVISION_KEY, revision, set_meta


def link_entities(db: sqlite_utils.Database, passage_ids: Sequence[str] | None = None) -> None:
    """Recompute which passages mention which entity, by any alias, as whole-word sequences.

    With `passage_ids`, only those passages are relinked: an edit to one fact need not rescan
    a large base.
    """
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for entity_id, folded in db.execute("SELECT entity_id, folded FROM aliases"):
        alias_tokens = tuple(folded.split())
        if alias_tokens:
            by_first.setdefault(alias_tokens[0], []).append((alias_tokens, entity_id))
    if passage_ids is None:
        db.execute("DELETE FROM passage_entities")
        rows = db.execute("SELECT id, text, entity_ids FROM passages").fetchall()
    else:
        marks = ",".join("?" * len(passage_ids))
        db.execute(f"DELETE FROM passage_entities WHERE passage_id IN ({marks})", list(passage_ids))
        rows = db.execute(
            f"SELECT id, text, entity_ids FROM passages WHERE id IN ({marks})", list(passage_ids)
        ).fetchall()
    links: list[dict[str, str]] = []
    for passage_id, text, entity_ids in rows:
        mentioned = _mentions(words(text), by_first) | set((entity_ids or "").split())
        links.extend({"passage_id": passage_id, "entity_id": e} for e in sorted(mentioned))
    db.table("passage_entities").insert_all(links, pk=("passage_id", "entity_id"), ignore=True)


def _mentions(
    tokens: Sequence[str], by_first: dict[str, list[tuple[tuple[str, ...], str]]]
) -> set[str]:
    mentioned = set()
    for i, token in enumerate(tokens):
        for alias, entity_id in by_first.get(token, ()):
            if tuple(tokens[i : i + len(alias)]) == alias:
                mentioned.add(entity_id)
    return mentioned


def update_term_stats(
    db: sqlite_utils.Database, removed: str | None, added: str | None
) -> None:
    """Adjust document frequencies for one passage whose active text changed.

    `removed` is the passage's old text when it was active (else None), `added` its new text
    when it is active now. Cheaper than `refresh_term_stats` by the size of the base.
    """
    before = set(terms(removed)) if removed is not None else set()
    after = set(terms(added)) if added is not None else set()
    for term in before - after:
        db.execute("UPDATE term_stats SET df = df - 1 WHERE term = ?", [term])
    for term in after - before:
        db.execute(
            "INSERT INTO term_stats (term, df) VALUES (?, 1) "
            "ON CONFLICT(term) DO UPDATE SET df = df + 1",
            [term],
        )
    db.execute("DELETE FROM term_stats WHERE df <= 0")
    if added is not None:
        new_words = {w for w in words(added) if w not in STOPWORDS and not w.isdigit()}
        db.table("vocabulary").insert_all(({"word": w} for w in new_words), pk="word", ignore=True)
    db.table("meta").upsert({"key": "passage_count", "value": str(_active_count(db))}, pk="key")


def refresh_term_stats(db: sqlite_utils.Database) -> None:
    """Document frequencies and the word list of active passages, for IDF and typo correction."""
    counts: Counter[str] = Counter()
    vocabulary: set[str] = set()
    for term_text, text in db.execute("SELECT terms, text FROM passages WHERE status = 'active'"):
        counts.update(set(term_text.split()))
        vocabulary.update(w for w in words(text) if w not in STOPWORDS and not w.isdigit())
    db.execute("DELETE FROM term_stats")
    db.table("term_stats").insert_all(({"term": t, "df": n} for t, n in counts.items()), pk="term")
    db.execute("DELETE FROM vocabulary")
    db.table("vocabulary").insert_all(({"word": w} for w in sorted(vocabulary)), pk="word")
    db.table("meta").upsert({"key": "passage_count", "value": str(_active_count(db))}, pk="key")


def _active_count(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT count(*) FROM passages WHERE status = 'active'").fetchone()[0])


def bump_revision(db: sqlite_utils.Database) -> None:
    """Mark the fact base as changed so running readers reload their caches.

    Every write path ends here, so this is also where new or edited passages get their
    meaning vectors, in the same transaction as the change.
    """
    embed_new_passages(db)
    current = revision(db)
    set_meta(db, REVISION_KEY, str(int(current) + 1 if current else 1))
