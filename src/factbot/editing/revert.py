"""Undo one change by making a new one; how depends on what the change was about.

- `passage:<id>`: before/after are the passage's whole state; an undo applies `before` if the
  passage is still as `after` left it (else it names the later change to revert first). Undoing
  an addition retires the passage.
- `entity:<id>`: before/after list only the aliases the change concerned, so unrelated later
  changes to the same entity do not block an undo.
- `source:<id>`: an addition (no `before`) is undone by removing the source, a removal (no
  `after`) by putting back everything it took out (`removal.py`); a metadata edit by putting the
  old values back. Older bases may hold reverts that only retired an article's passages: their
  before/after list active passage ids, and undoing them restores or retires those.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from factbot.editing.checks import clean_reason
from factbot.editing.entities import present_aliases, set_aliases
from factbot.editing.facts import require_passage, write_passage
from factbot.editing.removal import put_back, take_out
from factbot.editing.sources import source_meta, source_state, write_source_meta
from factbot.errors import InputError
from factbot.index.upkeep import bump_revision, refresh_term_stats
from factbot.models import Actor, require_maintainer
from factbot.store.history import Change, get_change, record_change
from factbot.store.writer import FactBase


def revert(base: FactBase, actor: Actor, change_id: int, reason: str) -> Change:
    """Undo one change by making a new one; the original stays in the history."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        original = get_change(db, change_id)
        kind, _, key = original.target.partition(":")
        before: dict[str, Any] | None
        after: dict[str, Any] | None
        if kind == "passage":
            before, after = _revert_passage(db, original, key)
        elif kind == "entity":
            before, after = _revert_aliases(db, original, key)
        elif kind == "source":
            before, after = _revert_source(db, original, key)
        else:
            raise InputError(f"Change {change_id} ({original.action}) cannot be reverted.")
        change = record_change(
            db, actor, "revert", original.target, before, after, reason, reverted_change=change_id
        )
        bump_revision(db)
    return change


def _revert_passage(
    db: sqlite_utils.Database, original: Change, passage_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    current = require_passage(db, passage_id)
    if original.before is None:
        desired = {**current, "status": "retired"}
    else:
        if current != original.after:
            raise InputError(_conflict(db, original))
        desired = dict(original.before)
    if desired == current:
        raise InputError(
            f"Nothing to revert: {passage_id!r} is already as it was before change {original.id}."
        )
    write_passage(db, current, desired)
    return current, desired


def _conflict(db: sqlite_utils.Database, original: Change) -> str:
    later = db.execute(
        "SELECT id, action FROM changes WHERE id > ? AND (target = ? OR action = 'build') "
        "ORDER BY id DESC LIMIT 1",
        [original.id, original.target],
    ).fetchone()
    if later is None:
        return f"{original.target} no longer matches what change {original.id} left; it cannot be reverted safely."
    if later[1] == "build":
        return (
            f"The fact base was rebuilt from knowledge/ by change {later[0]} since change "
            f"{original.id}, and {original.target} is not as that change left it; edit it directly instead."
        )
    return (
        f"{original.target} was changed again by change {later[0]} ({later[1]}); "
        f"revert that first, then change {original.id}."
    )


def _revert_aliases(
    db: sqlite_utils.Database, original: Change, entity_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    if db.execute("SELECT 1 FROM entities WHERE id = ?", [entity_id]).fetchone() is None:
        raise InputError(f"Entity {entity_id!r} of change {original.id} is no longer stored.")
    before = list((original.before or {}).get("aliases", []))
    after = list((original.after or {}).get("aliases", []))
    to_retire = present_aliases(db, entity_id, [a for a in after if a not in before])
    present = set(present_aliases(db, entity_id, before))
    to_restore = [a for a in before if a not in after and a not in present]
    if not to_retire and not to_restore:
        raise InputError(
            f"Nothing to revert: the aliases of change {original.id} are already as before it."
        )
    set_aliases(db, entity_id, add=to_restore, retire=to_retire, change_id=original.id)
    return {"aliases": to_retire}, {"aliases": to_restore}


def _revert_source(
    db: sqlite_utils.Database, original: Change, source_id: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if original.after is None:
        return None, put_back(db, original.before or {}, original.id)
    if original.before is None:
        if db.execute("SELECT 1 FROM sources WHERE id = ?", [source_id]).fetchone() is None:
            raise InputError(
                f"Nothing to revert: source {source_id!r} is no longer stored "
                f"(see `factbot fact history {source_id}`)."
            )
        return take_out(db, source_id), None
    if "active" not in original.after and "active" not in original.before:
        return _revert_source_meta(db, original, source_id)
    return _revert_retired_passages(db, original, source_id)


def _revert_retired_passages(
    db: sqlite_utils.Database, original: Change, source_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Undo a revert recorded by an older factbot, which retired an article's passages."""
    current = source_state(db, source_id)
    wanted = list((original.before or {}).get("active", []))
    concerned = set(wanted) | set((original.after or {}).get("active", []))
    retire_ids = [p for p in current["active"] if p in concerned and p not in wanted]
    restore_ids = [p for p in wanted if p not in current["active"]]
    if not retire_ids and not restore_ids:
        raise InputError(
            f"Nothing to revert: source {source_id!r} is already as before change {original.id}."
        )
    for passage_id, status in [(p, "retired") for p in retire_ids] + [
        (p, "active") for p in restore_ids
    ]:
        db.execute("UPDATE passages SET status = ? WHERE id = ?", [status, passage_id])
    refresh_term_stats(db)
    return {"active": retire_ids}, {"active": restore_ids}


def _revert_source_meta(
    db: sqlite_utils.Database, original: Change, source_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Put back the metadata a `source edit` (or the revert of one) replaced."""
    current = source_meta(db, source_id)
    if current != original.after:
        raise InputError(_conflict(db, original))
    desired = dict(original.before or {})
    if desired == current:
        raise InputError(
            f"Nothing to revert: source {source_id!r} is already as before change {original.id}."
        )
    write_source_meta(db, source_id, desired)
    return current, desired
