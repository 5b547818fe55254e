"""The append-only history of changes: who changed what, when, before and after, and why.

Every maintainer operation and every build appends one row in the same transaction as its
change; triggers (migration m002) refuse updates and deletes, so the record cannot be rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from factbot.errors import InputError
from factbot.models import Actor
from factbot.store.database import utc_now


@dataclass(frozen=True)
class Change:
    """One row of the append-only history."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    reverted_change: int | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Change:
        change_id, at, actor, action, target, before, after, reason, reverted = row
        return cls(
            id=int(change_id),
            at=str(at),
            actor=str(actor),
            action=str(action),
            target=str(target),
            before=json.loads(before) if before else None,
            after=json.loads(after) if after else None,
            reason=str(reason),
            reverted_change=int(reverted) if reverted is not None else None,
        )

    def differences(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field the change altered, in a stable order."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    @property
    def summary(self) -> str:
        """One line for a list: number, when, who, what, on what, why."""
        undo = f" (undoes change {self.reverted_change})" if self.reverted_change else ""
        return f"#{self.id} {self.at} {self.actor} {self.action}{undo} {self.target}: {self.reason}"

    def describe(self) -> list[str]:
        """The summary and one line per altered field, shortened to stay readable."""
        lines = [self.summary]
        for key, old, new in self.differences():
            lines.append(f"    {key}: {_short(old)} -> {_short(new)}")
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "reverted_change": self.reverted_change,
        }


def _short(value: Any, limit: int = 80) -> str:
    text = "(none)" if value is None or value == [] else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CHANGE_COLUMNS = "id, at, actor, action, target, before, after, reason, reverted_change"


def record_change(
    db: sqlite_utils.Database,
    actor: Actor,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    reverted_change: int | None = None,
) -> Change:
    def dump(value: dict[str, Any] | None) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    at = utc_now()
    cursor = db.execute(
        "INSERT INTO changes (at, actor, action, target, before, after, reason, reverted_change) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [at, actor.label, action, target, dump(before), dump(after), reason, reverted_change],
    )
    change_id = int(cursor.lastrowid or 0)
    return Change(
        change_id, at, actor.label, action, target, before, after, reason, reverted_change
    )



def get_change(db: sqlite_utils.Database, change_id: int) -> Change:
    row = db.execute(f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE id = ?", [change_id]).fetchone()
    if row is None:
        raise InputError(f"Unknown change {change_id}. See `factbot fact history`.")
    return Change.from_row(row)


def recent_changes(
    db: sqlite_utils.Database, item_id: str | None = None, limit: int = 50
) -> list[Change]:
    """Changes, newest first; for one fact, passage, entity or source when `item_id` is given."""
    if item_id is None:
        rows = db.execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes ORDER BY id DESC LIMIT ?", [limit]
        )
    else:
        targets = [f"{kind}:{item_id}" for kind in ("passage", "entity", "source")]
        rows = db.execute(
            f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE target IN (?, ?, ?) ORDER BY id DESC LIMIT ?",
            [*targets, limit],
        )
    return [Change.from_row(row) for row in rows.fetchall()]
