"""Curated facts and the state of any passage: add, correct, retire and restore.

A passage's state is one dict (its columns, entities as a list); the history stores it whole as
before/after, which is what lets `revert` put a passage back exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from factbot.editing.checks import (
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUOTE_CHARS,
    clean_reason,
    clean_text,
    required_text,
    unused_id,
)
from factbot.editing.entities import add_aliases_in, resolve_entities
from factbot.errors import InputError
from factbot.index.ingest import slug
from factbot.index.upkeep import bump_revision, link_entities, update_term_stats
from factbot.knowledge.build import insert_fact
from factbot.knowledge.files import FactRecord
from factbot.language.text import index_columns, words
from factbot.models import ID_PATTERN, ID_RULE, Actor, require_maintainer
from factbot.store.database import get_source_text
from factbot.store.history import Change, record_change
from factbot.store.writer import FactBase

# Same-length replacements only, so an index in the folded text is an index in the original.
_QUOTE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


@dataclass(frozen=True)
class FactDraft:
    """A curated fact to add: a quote that must be verbatim in a stored source."""

    quote: str
    source_id: str | None = None
    fact_id: str | None = None
    attribution: str | None = None
    entities: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class FactPatch:
    """Fields to correct; None leaves a field as it is, an empty string clears it."""

    quote: str | None = None
    source_id: str | None = None
    attribution: str | None = None
    entities: tuple[str, ...] | None = None
    note: str | None = None


_PASSAGE_COLUMNS = "id, source_id, kind, text, start, end, attribution, note, entity_ids, status"


def passage_state(db: sqlite_utils.Database, passage_id: str) -> dict[str, Any] | None:
    row = db.execute(
        f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE id = ?", [passage_id]
    ).fetchone()
    if row is None:
        return None
    state = dict(zip(_PASSAGE_COLUMNS.split(", "), row, strict=True))
    state["entities"] = (state.pop("entity_ids") or "").split()
    return state


def require_passage(db: sqlite_utils.Database, passage_id: str) -> dict[str, Any]:
    state = passage_state(db, passage_id)
    if state is None:
        raise InputError(
            f"Unknown fact or passage {passage_id!r}. See `factbot fact list` (--all for sentences)."
        )
    return state


def write_passage(
    db: sqlite_utils.Database, current: dict[str, Any], desired: dict[str, Any]
) -> None:
    """Bring one passage from `current` to `desired`, then the statistics that depend on it."""
    changed = {k for k in desired if desired[k] != current.get(k)}
    if not changed:
        return
    columns = index_columns(desired["text"])
    db.execute(
        "UPDATE passages SET source_id = ?, text = ?, start = ?, end = ?, terms = ?, words = ?, "
        "names = ?, attribution = ?, note = ?, entity_ids = ?, status = ? WHERE id = ?",
        [
            desired["source_id"],
            desired["text"],
            desired["start"],
            desired["end"],
            columns["terms"],
            columns["words"],
            columns["names"],
            desired["attribution"],
            desired["note"],
            " ".join(desired["entities"]) or None,
            desired["status"],
            current["id"],
        ],
    )
    if changed & {"text", "entities"}:
        link_entities(db, [current["id"]])
    if changed & {"text", "status"}:
        update_term_stats(
            db,
            current["text"] if current.get("status") == "active" else None,
            desired["text"] if desired["status"] == "active" else None,
        )


def _locate(db: sqlite_utils.Database, quote: str, source_id: str | None) -> tuple[str, int]:
    """Where `quote` is verbatim: (source id, offset); refuses with the nearest spelling if not."""
    if source_id is not None:
        text = get_source_text(db, source_id)
        if text is None:
            raise InputError(f"Unknown source {source_id!r}. See `factbot source list`.")
        if quote in text:
            return source_id, text.index(quote)
        raise InputError(
            f"The quote is not verbatim in source {source_id!r}.{_near_miss(db, quote)}"
        )
    found = [
        row[0]
        for row in db.execute(
            "SELECT id FROM sources WHERE instr(text, ?) > 0 ORDER BY id", [quote]
        )
    ]
    if not found:
        raise InputError(f"The quote is not verbatim in any stored source.{_near_miss(db, quote)}")
    if len(found) > 1:
        raise InputError(
            f"The quote is in several sources ({', '.join(found)}); choose one with --source."
        )
    text = get_source_text(db, found[0]) or ""
    return found[0], text.index(quote)


def _near_miss(db: sqlite_utils.Database, quote: str) -> str:
    """A hint when only the quotation marks or apostrophes differ from the source's."""
    folded = quote.translate(_QUOTE_FOLD)
    for source_id, text in db.execute("SELECT id, text FROM sources ORDER BY id"):
        at = text.translate(_QUOTE_FOLD).find(folded)
        if at >= 0:
            return f" Source {source_id!r} has it with other quotation marks: {text[at : at + len(quote)]}"
    return ""


FACT_ID_CHARS = 48


def _new_fact_id(db: sqlite_utils.Database, quote: str) -> str:
    """An id from the quote's first words, cut between words (never `…-have-trig`)."""
    base = slug(" ".join(words(quote)[:8]))
    if len(base) > FACT_ID_CHARS:
        cut = base[: FACT_ID_CHARS + 1]
        base = cut[: cut.rfind("-")] if "-" in cut else base[:FACT_ID_CHARS]
    return unused_id(db, "passages", base.strip("-") or "fact")


def _check_fact_id(db: sqlite_utils.Database, fact_id: str | None, quote: str) -> str:
    if fact_id is None:
        return _new_fact_id(db, quote)
    if not ID_PATTERN.match(fact_id):
        raise InputError(f"Fact id {fact_id!r} must be {ID_RULE}.")
    if db.execute("SELECT 1 FROM passages WHERE id = ?", [fact_id]).fetchone():
        raise InputError(f"The id {fact_id!r} is already taken; choose another with --id.")
    return fact_id


def _refuse_duplicate_fact(
    db: sqlite_utils.Database, source_id: str, quote: str, skip: str | None = None
) -> None:
    row = db.execute(
        "SELECT id, status FROM passages WHERE kind = 'fact' AND source_id = ? AND text = ? AND id IS NOT ?",
        [source_id, quote, skip],
    ).fetchone()
    if row:
        hint = (
            f" It is retired; restore it with `factbot fact restore {row[0]}`."
            if row[1] == "retired"
            else ""
        )
        raise InputError(f"This quote is already fact {row[0]!r}.{hint}")


def add_fact(base: FactBase, actor: Actor, draft: FactDraft, reason: str) -> Change:
    """Add a curated fact; aliases given with it are recorded as their own changes."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    quote = required_text("quote", draft.quote, MAX_QUOTE_CHARS)
    attribution = clean_text("attribution", draft.attribution, MAX_NAME_CHARS, one_line=True)
    note = clean_text("note", draft.note, MAX_NOTE_CHARS)
    with base.write() as db:
        source_id, _ = _locate(db, quote, draft.source_id)
        _refuse_duplicate_fact(db, source_id, quote)
        fact_id = _check_fact_id(db, draft.fact_id, quote)
        entities = resolve_entities(db, draft.entities)
        for entity_id, spellings in _group_aliases(db, draft.aliases).items():
            add_aliases_in(db, actor, entity_id, spellings, reason, refuse_if_none=False)
        record = FactRecord(
            id=fact_id,
            source=source_id,
            quote=quote,
            attribution=attribution,
            entities=tuple(entities),
            note=note,
            status="active",
            path=Path("<edit>"),
            line=0,
        )
        insert_fact(db, record, get_source_text(db, source_id) or "")
        link_entities(db, [fact_id])
        update_term_stats(db, None, quote)
        after = require_passage(db, fact_id)
        change = record_change(db, actor, "fact.add", f"passage:{fact_id}", None, after, reason)
        bump_revision(db)
    return change


def _group_aliases(
    db: sqlite_utils.Database, pairs: Iterable[tuple[str, str]]
) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for entity, alias in pairs:
        (entity_id,) = resolve_entities(db, [entity])
        grouped.setdefault(entity_id, []).append(alias)
    return grouped


def edit_fact(
    base: FactBase, actor: Actor, passage_id: str, patch: FactPatch, reason: str
) -> Change:
    """Correct a passage's quote span, attribution, entities or note; the old values stay in history."""
    require_maintainer(actor)
    reason = clean_reason(reason)
    with base.write() as db:
        current = require_passage(db, passage_id)
        desired = _patched(db, current, patch)
        if desired == current:
            raise InputError(f"Nothing to change: {passage_id!r} already has those values.")
        write_passage(db, current, desired)
        change = record_change(
            db, actor, "fact.edit", f"passage:{passage_id}", current, desired, reason
        )
        bump_revision(db)
    return change


def _patched(
    db: sqlite_utils.Database, current: dict[str, Any], patch: FactPatch
) -> dict[str, Any]:
    desired = dict(current)
    if patch.quote is not None or patch.source_id is not None:
        if current["kind"] != "fact":
            raise InputError(
                f"{current['id']!r} is a sentence of its source; its text cannot change. "
                "Add a curated fact with `factbot fact add` and retire this one instead."
            )
        quote = required_text(
            "quote", patch.quote if patch.quote is not None else current["text"], MAX_QUOTE_CHARS
        )
        source_id, start = _locate(db, quote, patch.source_id or current["source_id"])
        _refuse_duplicate_fact(db, source_id, quote, skip=current["id"])
        desired.update(source_id=source_id, text=quote, start=start, end=start + len(quote))
    if patch.attribution is not None:
        desired["attribution"] = clean_text(
            "attribution", patch.attribution, MAX_NAME_CHARS, one_line=True
        )
    if patch.note is not None:
        desired["note"] = clean_text("note", patch.note, MAX_NOTE_CHARS)
    if patch.entities is not None:
        desired["entities"] = resolve_entities(db, patch.entities)
    return desired


def retire(base: FactBase, actor: Actor, passage_id: str, reason: str) -> Change:
    """Stop answering with a passage (a fact or any sentence) while keeping it."""
    return _set_status(base, actor, passage_id, "retired", reason)


def restore(base: FactBase, actor: Actor, passage_id: str, reason: str) -> Change:
    """Answer with a retired passage again."""
    return _set_status(base, actor, passage_id, "active", reason)


def _set_status(base: FactBase, actor: Actor, passage_id: str, status: str, reason: str) -> Change:
    require_maintainer(actor)
    reason = clean_reason(reason)
    action = "fact.retire" if status == "retired" else "fact.restore"
    with base.write() as db:
        current = require_passage(db, passage_id)
        if current["status"] == status:
            raise InputError(f"{passage_id!r} is already {status}.")
        desired = {**current, "status": status}
        write_passage(db, current, desired)
        change = record_change(db, actor, action, f"passage:{passage_id}", current, desired, reason)
        bump_revision(db)
    return change


def retire_notice(base: FactBase, actor: Actor, passage_id: str) -> str | None:
    """What else a retirement touched, in words for the maintainer who made it.

    A retired curated fact also silences the article sentences it quotes (the answering side
    reads `store.database.ANSWERABLE_PASSAGE`); but another active fact quoting the same words
    would go on answering with them, so the maintainer is told which one and how to retire it.
    """
    require_maintainer(actor)
    db = base.db
    row = db.execute(
        "SELECT kind, source_id, start, end FROM passages WHERE id = ?", [passage_id]
    ).fetchone()
    if row is None:
        return None
    kind, source_id, start, end = row
    overlapping = db.execute(
        """SELECT id, kind FROM passages WHERE source_id = ? AND id != ? AND status = 'active'
        AND start < ? AND ? < end ORDER BY start, id""",
        [source_id, passage_id, end, start],
    ).fetchall()
    lines: list[str] = []
    sentences = [p for p, k in overlapping if k != "fact"]
    facts = [p for p, k in overlapping if k == "fact"]
    if kind == "fact" and sentences:
        lines.append(
            "No longer answered either: the article sentence it quotes ("
            + ", ".join(sentences)
            + "); restoring the fact brings it back."
        )
    for fact_id in facts:
        lines.append(
            f"Still answered with these words: fact {fact_id}. Retire it too with: "
            f"factbot fact retire {fact_id} --reason '...'"
        )
    return "\n".join(lines) or None
