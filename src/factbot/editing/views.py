"""What maintainers read: passages, sources and the history, each behind the maintainer check.

Every read takes the same `(base, actor)` as a write, so no front end can show an unpublished
note or another maintainer's history by forgetting a permission check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from factbot.editing.facts import require_passage
from factbot.errors import InputError
from factbot.models import Actor, Source, require_maintainer
from factbot.store.database import get_source_text, source_from_row
from factbot.store.history import Change, recent_changes
from factbot.store.writer import FactBase


@dataclass(frozen=True)
class PassageView:
    """A passage as maintainers see it: everything about it, and where it comes from."""

    id: str
    kind: str
    status: str
    text: str
    source: Source
    start: int
    end: int
    attribution: str | None = None
    note: str | None = None
    entities: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "quote": self.text,
            "source": self.source.as_json(),
            "start": self.start,
            "end": self.end,
            "attribution": self.attribution,
            "note": self.note,
            "entities": list(self.entities),
        }


@dataclass(frozen=True)
class SourceView:
    source: Source
    origin: str
    added_at: str
    passages: int
    active: int
    facts: int
    chars: int

    def as_json(self) -> dict[str, Any]:
        return {
            **self.source.as_json(),
            "outlet": self.source.outlet,
            "author": self.source.author,
            "photo_credit": self.source.photo_credit,
            "origin": self.origin,
            "added_at": self.added_at,
            "passages": self.passages,
            "active_passages": self.active,
            "facts": self.facts,
            "chars": self.chars,
        }


def get_passage(base: FactBase, actor: Actor, passage_id: str) -> PassageView:
    require_maintainer(actor)
    return _passage_view(base.db, passage_id)


def list_passages(
    base: FactBase,
    actor: Actor,
    *,
    kinds: Sequence[str] = ("fact",),
    status: str | None = None,
    source_id: str | None = None,
) -> list[PassageView]:
    """Curated facts by default; sentences too when asked, in source order."""
    require_maintainer(actor)
    db = base.db
    clauses = [f"kind IN ({','.join('?' * len(kinds))})"]
    params: list[Any] = list(kinds)
    if status:
        clauses.append("status = ?")
        params.append(status)
    if source_id:
        clauses.append("source_id = ?")
        params.append(source_id)
    ids = db.execute(
        f"SELECT id FROM passages WHERE {' AND '.join(clauses)} ORDER BY kind = 'sentence', source_id, position, rowid",
        params,
    ).fetchall()
    return [_passage_view(db, row[0]) for row in ids]


def history(
    base: FactBase, actor: Actor, item_id: str | None = None, limit: int = 50
) -> list[Change]:
    """Changes, newest first; for one fact, passage, entity or source when `item_id` is given."""
    require_maintainer(actor)
    return recent_changes(base.db, item_id, limit)


def require_known(base: FactBase, actor: Actor, item_id: str) -> None:
    """Refuse an id that no fact, passage, entity or source has, nor ever had in the history."""
    require_maintainer(actor)
    db = base.db
    for table in ("passages", "entities", "sources"):
        if db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [item_id]).fetchone():
            return
    if not recent_changes(db, item_id, limit=1):
        raise InputError(f"Unknown id {item_id!r}: no fact, passage, entity or source has it.")


def list_source_views(base: FactBase, actor: Actor) -> list[SourceView]:
    require_maintainer(actor)
    return _source_views(base.db)


def get_source_view(base: FactBase, actor: Actor, source_id: str) -> SourceView:
    require_maintainer(actor)
    for view in _source_views(base.db):
        if view.source.id == source_id:
            return view
    raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")


def source_text(base: FactBase, actor: Actor, source_id: str) -> str:
    """A stored source's full text, exactly as published."""
    require_maintainer(actor)
    text = get_source_text(base.db, source_id)
    if text is None:
        raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
    return text


def _passage_view(db: sqlite_utils.Database, passage_id: str) -> PassageView:
    state = require_passage(db, passage_id)
    return PassageView(
        id=state["id"],
        kind=state["kind"],
        status=state["status"],
        text=state["text"],
        source=_source(db, state["source_id"]),
        start=state["start"],
        end=state["end"],
        attribution=state["attribution"],
        note=state["note"],
        entities=tuple(state["entities"]),
    )


def _source(db: sqlite_utils.Database, source_id: str) -> Source:
    rows = list(db["sources"].rows_where("id = ?", [source_id]))
    if not rows:
        raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
    return source_from_row(rows[0])


def _source_views(db: sqlite_utils.Database) -> list[SourceView]:
    rows = db.execute(
        """
        SELECT s.id, s.origin, s.added_at, length(s.text),
               count(p.id), coalesce(sum(p.status = 'active'), 0), coalesce(sum(p.kind = 'fact'), 0)
        FROM sources s LEFT JOIN passages p ON p.source_id = s.id
        GROUP BY s.id ORDER BY s.id
        """
    ).fetchall()
    return [
        SourceView(
            _source(db, r[0]), r[1] or "", r[2] or "", int(r[4]), int(r[5]), int(r[6]), int(r[3])
        )
        for r in rows
    ]
