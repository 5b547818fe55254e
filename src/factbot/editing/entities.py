"""Entities as maintainers name them, and the other spellings (aliases) readers use for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlite_utils

from factbot.editing.checks import MAX_NAME_CHARS, clean_reason, required_text
from factbot.errors import InputError
from factbot.index.upkeep import bump_revision, link_entities
from factbot.language.text import words
from factbot.models import Actor, require_maintainer
from factbot.store.database import utc_now
from factbot.store.history import Change, record_change
from factbot.store.writer import FactBase


def resolve_entities(db: sqlite_utils.Database, references: Iterable[str]) -> list[str]:
    """Entity ids for ids or names the maintainer typed; refuses unknown or ambiguous ones."""
    resolved: list[str] = []
    for reference in references:
        reference = required_text("entity", reference, MAX_NAME_CHARS, one_line=True)
        if db.execute("SELECT 1 FROM entities WHERE id = ?", [reference]).fetchone():
            entity_id = reference
        else:
            matches = sorted(
                {
                    r[0]
                    for r in db.execute(
                        "SELECT entity_id FROM aliases WHERE folded = ?",
                        [" ".join(words(reference))],
                    )
                }
            )
            if len(matches) != 1:
                detail = (
                    f"it could be {', '.join(matches)}"
                    if matches
                    else "no entity has that id or name"
                )
                raise InputError(f"Unknown entity {reference!r}: {detail}.")
            entity_id = matches[0]
        if entity_id not in resolved:
            resolved.append(entity_id)
    return resolved


def add_aliases(
    base: FactBase,
    actor: Actor,
    entity: str,
    aliases: Sequence[str],
    reason: str,
    *,
    force: bool = False,
) -> Change:
    """Teach the matcher other spellings of an entity (a transliteration, a misspelling readers use).

    A spelling that already names another entity is refused unless `force`: "Belousov" given
    to Igor Kartavykh would make "Who is Belousov?" bring up both men.
    """
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        (entity_id,) = resolve_entities(db, [entity])
        change = add_aliases_in(
            db, actor, entity_id, aliases, reason, refuse_if_none=True, force=force
        )
        assert change is not None
        bump_revision(db)
    return change


def add_aliases_in(
    db: sqlite_utils.Database,
    actor: Actor,
    entity_id: str,
    aliases: Sequence[str],
    reason: str,
    *,
    refuse_if_none: bool,
    force: bool = False,
) -> Change | None:
    present = [
        r[0]
        for r in db.execute(
            "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY rowid", [entity_id]
        )
    ]
    known = {" ".join(words(a)) for a in present}
    new: list[str] = []
    for alias in aliases:
        text = required_text("alias", alias, MAX_NAME_CHARS, one_line=True)
        folded = " ".join(words(text))
        if not folded:
            raise InputError(f"The alias {text!r} has no letters or digits to match on.")
        if folded not in known:
            if not force:
                _refuse_alias_of_another(db, entity_id, text, folded)
            known.add(folded)
            new.append(text)
    if not new:
        if refuse_if_none:
            raise InputError(f"{entity_id!r} already answers to {', '.join(map(repr, aliases))}.")
        return None
    set_aliases(db, entity_id, add=new, retire=[], change_id=None)
    # The whole list before and after, so the history shows what the entity already had.
    return record_change(
        db,
        actor,
        "alias.add",
        f"entity:{entity_id}",
        {"aliases": present},
        {"aliases": [*present, *new]},
        reason,
    )


def remove_aliases(
    base: FactBase, actor: Actor, entity: str, aliases: Sequence[str], reason: str
) -> Change:
    """Stop an entity answering to spellings that bring up the wrong answers.

    The spellings move to `aliases_retired`, as when an added alias is reverted; the history
    records the whole list before and after, and `revert` puts them back. The entity's own name
    stays: without it, questions naming it would find nothing.
    """
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        (entity_id,) = resolve_entities(db, [entity])
        present = [
            r[0]
            for r in db.execute(
                "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY rowid", [entity_id]
            )
        ]
        removed = _stored_spellings(db, entity_id, present, aliases)
        after = [a for a in present if a not in removed]
        change = record_change(
            db,
            actor,
            "alias.remove",
            f"entity:{entity_id}",
            {"aliases": present},
            {"aliases": after},
            reason,
        )
        set_aliases(db, entity_id, add=[], retire=removed, change_id=change.id)
        bump_revision(db)
    return change


def _stored_spellings(
    db: sqlite_utils.Database, entity_id: str, present: Sequence[str], typed: Sequence[str]
) -> list[str]:
    """The stored spellings the maintainer means (matched as questions are), refusing
    one the entity does not answer to, and its name."""
    by_folded = {" ".join(words(a)): a for a in present}
    name = db.execute("SELECT name FROM entities WHERE id = ?", [entity_id]).fetchone()[0]
    chosen: list[str] = []
    for alias in typed:
        text = required_text("alias", alias, MAX_NAME_CHARS, one_line=True)
        folded = " ".join(words(text))
        if folded not in by_folded:
            raise InputError(
                f"{entity_id!r} does not answer to {text!r}. Its aliases: "
                f"{', '.join(by_folded.values()) or '(none)'}."
            )
        if folded == " ".join(words(name or "")):
            raise InputError(
                f"{text!r} is the name of {entity_id!r}, not an alias; it cannot be removed."
            )
        if by_folded[folded] not in chosen:
            chosen.append(by_folded[folded])
    if not chosen:
        raise InputError("Name at least one alias to remove.")
    return chosen


def _refuse_alias_of_another(
    db: sqlite_utils.Database, entity_id: str, alias: str, folded: str
) -> None:
    row = db.execute(
        """SELECT e.id, e.name FROM aliases a JOIN entities e ON e.id = a.entity_id
        WHERE a.folded = ? AND a.entity_id != ? ORDER BY e.id LIMIT 1""",
        [folded, entity_id],
    ).fetchone()
    if row is not None:
        raise InputError(
            f"{alias!r} already names {row[1]} ({row[0]}): giving it to {entity_id!r} too would "
            "make questions about either bring up both. Add it anyway with --force (on "
            "Discord: force True)."
        )


def set_aliases(
    db: sqlite_utils.Database,
    entity_id: str,
    add: Sequence[str],
    retire: Sequence[str],
    change_id: int | None,
) -> None:
    for alias in retire:
        folded = " ".join(words(alias))
        db.execute(
            "INSERT INTO aliases_retired (entity_id, alias, folded, retired_at, change_id) VALUES (?, ?, ?, ?, ?)",
            [entity_id, alias, folded, utc_now(), change_id],
        )
        db.execute("DELETE FROM aliases WHERE entity_id = ? AND folded = ?", [entity_id, folded])
    db.table("aliases").insert_all(
        ({"entity_id": entity_id, "alias": a, "folded": " ".join(words(a))} for a in add),
        pk=("entity_id", "folded"),
        ignore=True,
    )
    if db.execute("SELECT origin FROM entities WHERE id = ?", [entity_id]).fetchone() == ("auto",):
        db.execute("UPDATE entities SET origin = 'edit' WHERE id = ?", [entity_id])
    link_entities(db)


def present_aliases(
    db: sqlite_utils.Database, entity_id: str, aliases: Iterable[str]
) -> list[str]:
    known = {
        r[0] for r in db.execute("SELECT folded FROM aliases WHERE entity_id = ?", [entity_id])
    }
    return [a for a in aliases if " ".join(words(a)) in known]
