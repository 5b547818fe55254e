"""Taking a source out of the live base, and putting it back exactly as it was.

A removed source leaves the `sources` table with all its passages, so nothing reads it any more:
not the answers, not `source list`, not the summary. What was there (the metadata, the text, and
every passage row, retired facts and maintainers' notes included) is kept whole in the history's
`before`, which is what lets `revert` put it back. `factbot source remove` and the revert of a
`source.add` both go through here, and both refuse while an active fact quotes the source: the
fact would otherwise go on being answered from an article the base no longer holds.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from factbot.editing.checks import MAX_ID_CHARS, clean_reason, required_text
from factbot.editing.sources import source_state
from factbot.errors import InputError
from factbot.index.source_files import SOURCE_FIELDS
from factbot.index.upkeep import bump_revision, link_entities, refresh_term_stats
from factbot.models import Actor, require_maintainer
from factbot.store.history import Change, record_change
from factbot.store.writer import FactBase

# A source row whole: its metadata fields, then what only the table keeps.
_SOURCE_COLUMNS = (*SOURCE_FIELDS, "text", "origin", "added_at")


def remove_source(base: FactBase, actor: Actor, source_id: str, reason: str) -> Change:
    """Take an article out of the base; `revert` of the change puts it back."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    source_id = required_text("source id", source_id, MAX_ID_CHARS, one_line=True)
    with base.write() as db:
        removed = take_out(db, source_id)
        change = record_change(
            db, actor, "source.remove", f"source:{source_id}", removed, None, reason
        )
        bump_revision(db)
    return change


def take_out(db: sqlite_utils.Database, source_id: str) -> dict[str, Any]:
    """Delete a source and its passages; returns all of it, for the history to keep."""
    source_state(db, source_id)  # refuses an unknown id with the usual message
    refuse_while_quoted(db, source_id)
    removed = _snapshot(db, source_id)
    passage_ids = [p["id"] for p in removed["passages"]]
    marks = ",".join("?" * len(passage_ids))
    db.execute(f"DELETE FROM passage_entities WHERE passage_id IN ({marks})", passage_ids)
    db.execute("DELETE FROM passages WHERE source_id = ?", [source_id])
    db.execute("DELETE FROM sources WHERE id = ?", [source_id])
    refresh_term_stats(db)
    return removed


def refuse_while_quoted(db: sqlite_utils.Database, source_id: str) -> None:
    """Refuse, naming them and how to retire them, while active facts quote the source."""
    facts = [
        row[0]
        for row in db.execute(
            "SELECT id FROM passages WHERE source_id = ? AND kind = 'fact' AND status = 'active' "
            "ORDER BY rowid",
            [source_id],
        )
    ]
    if not facts:
        return
    commands = "\n".join(f"  factbot fact retire {fact} --reason '...'" for fact in facts)
    raise InputError(
        f"Source {source_id!r} is still quoted by {len(facts)} active fact(s): "
        f"{', '.join(facts)}. Retire them first (on Discord: /fact retire), then try again:\n"
        f"{commands}"
    )


def put_back(db: sqlite_utils.Database, removed: dict[str, Any], change_id: int) -> dict[str, Any]:
    """Store again a source that change `change_id` removed, with every passage as it was."""
    source_id = str(removed["id"])
    if db.execute("SELECT 1 FROM sources WHERE id = ?", [source_id]).fetchone():
        raise InputError(
            f"Nothing to revert: a source with id {source_id!r} is stored again since change "
            f"{change_id}. Remove it first with `factbot source remove {source_id}`."
        )
    passages = [dict(p) for p in removed["passages"]]
    taken = _taken_ids(db, [p["id"] for p in passages])
    if taken:
        raise InputError(
            f"Source {source_id!r} cannot be put back as it was: passages added since use the "
            f"id(s) {', '.join(taken)}. Add the article again with `factbot source add` instead."
        )
    db.table("sources").insert({name: removed.get(name) for name in _SOURCE_COLUMNS})
    if _taken_rowids(db, [p["rowid"] for p in passages]):
        for passage in passages:
            passage.pop("rowid")
    db.table("passages").insert_all(passages)
    link_entities(db, [p["id"] for p in passages])
    refresh_term_stats(db)
    return source_state(db, source_id)


def _snapshot(db: sqlite_utils.Database, source_id: str) -> dict[str, Any]:
    row = db.execute(
        f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM sources WHERE id = ?", [source_id]
    ).fetchone()
    cursor = db.execute("SELECT * FROM passages WHERE source_id = ? ORDER BY rowid", [source_id])
    columns = [d[0] for d in cursor.description]
    passages = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    return {**dict(zip(_SOURCE_COLUMNS, row, strict=True)), "passages": passages}


def _taken_ids(db: sqlite_utils.Database, ids: list[str]) -> list[str]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [r[0] for r in db.execute(f"SELECT id FROM passages WHERE id IN ({marks})", ids)]


def _taken_rowids(db: sqlite_utils.Database, rowids: list[Any]) -> bool:
    if not rowids or None in rowids:
        return True
    marks = ",".join("?" * len(rowids))
    return bool(
        db.execute(f"SELECT 1 FROM passages WHERE rowid IN ({marks}) LIMIT 1", rowids).fetchone()
    )
