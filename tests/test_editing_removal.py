"""Undo that undoes: `source remove`, `alias remove`, and the revert of an added article take
things out of the live base, refuse while active facts quote the source, and their reverts put
back exactly what was there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from database_helpers import snapshot

from factbot.editing import (
    Actor,
    FactBase,
    FactDraft,
    SourceDraft,
    add_fact,
    add_source,
    edit_fact,
    history,
    list_source_views,
    remove_aliases,
    remove_source,
    retire,
    revert,
)
from factbot.editing.entities import resolve_entities
from factbot.editing.facts import FactPatch
from factbot.errors import InputError

EDITOR = Actor.os_user("alice")
FLOOD = (
    "Officials in Ganja reported flooding on Sunday.\n\n"
    "The river rose by two metres overnight, the mayor said.\n"
)
FLOOD_QUOTE = "The river rose by two metres overnight"
SHIPPED = "trt-azerbaijan-russia-protests"


@pytest.fixture
def base(built_db: Path) -> Iterator[FactBase]:
    handle = FactBase(built_db)
    yield handle
    handle.close()


def _source_ids(base: FactBase) -> list[str]:
    return [view.source.id for view in list_source_views(base, EDITOR)]


def _rows(base: FactBase, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in base.db.execute(sql).fetchall()]


def _source_rows(base: FactBase, source_id: str) -> list[list[tuple[object, ...]]]:
    """The source and every passage of it, every column, as stored."""
    return [
        _rows(base, f"SELECT * FROM sources WHERE id = '{source_id}'"),
        _rows(base, f"SELECT * FROM passages WHERE source_id = '{source_id}' ORDER BY rowid"),
        _rows(
            base,
            "SELECT * FROM passage_entities WHERE passage_id IN "
            f"(SELECT id FROM passages WHERE source_id = '{source_id}') ORDER BY 1, 2",
        ),
    ]


def test_reverting_an_ingest_removes_the_source_from_source_list(base: FactBase) -> None:
    added = add_source(base, EDITOR, SourceDraft(FLOOD, source_id="flood"), "new")
    revert(base, EDITOR, added.id, "off topic")
    assert "flood" not in _source_ids(base)
    assert _rows(base, "SELECT count(*) FROM passages WHERE source_id = 'flood'") == [(0,)]


def test_reverting_an_ingest_is_refused_while_a_fact_quotes_it(
    base: FactBase, built_db: Path
) -> None:
    added = add_source(base, EDITOR, SourceDraft(FLOOD, source_id="flood"), "new")
    add_fact(base, EDITOR, FactDraft(FLOOD_QUOTE, fact_id="flood-rise"), "key fact")
    before = snapshot(built_db)
    with pytest.raises(InputError) as refused:
        revert(base, EDITOR, added.id, "off topic")
    assert "flood-rise" in str(refused.value)
    assert "factbot fact retire flood-rise" in str(refused.value)
    assert snapshot(built_db) == before


def test_reverting_an_ingest_goes_through_once_its_facts_are_retired(base: FactBase) -> None:
    added = add_source(base, EDITOR, SourceDraft(FLOOD, source_id="flood"), "new")
    add_fact(base, EDITOR, FactDraft(FLOOD_QUOTE, fact_id="flood-rise"), "key fact")
    retire(base, EDITOR, "flood-rise", "off topic")
    revert(base, EDITOR, added.id, "off topic")
    assert "flood" not in _source_ids(base)


def test_reverting_the_revert_of_an_ingest_adds_the_article_back(base: FactBase) -> None:
    added = add_source(base, EDITOR, SourceDraft(FLOOD, source_id="flood"), "new")
    as_added = _source_rows(base, "flood")
    undo = revert(base, EDITOR, added.id, "off topic")
    revert(base, EDITOR, undo.id, "on topic after all")
    assert _source_rows(base, "flood") == as_added


def test_source_remove_takes_the_source_out_and_is_in_the_history(base: FactBase) -> None:
    add_source(base, EDITOR, SourceDraft(FLOOD, source_id="flood"), "new")
    change = remove_source(base, EDITOR, "flood", "off topic")
    assert "flood" not in _source_ids(base)
    assert (change.action, change.target, change.reason) == (
        "source.remove",
        "source:flood",
        "off topic",
    )
    assert change.actor == EDITOR.label and change.at
    assert change.before is not None and change.before["text"] == FLOOD
    assert next(c.id for c in history(base, EDITOR, "flood")) == change.id


def test_source_remove_is_refused_while_an_active_fact_quotes_it(
    base: FactBase, built_db: Path
) -> None:
    before = snapshot(built_db)
    with pytest.raises(InputError, match=r"still quoted by \d+ active fact") as refused:
        remove_source(base, EDITOR, SHIPPED, "testing")
    assert "factbot fact retire azerbaijan-protests-torture" in str(refused.value)
    assert snapshot(built_db) == before


def test_source_remove_of_an_unknown_source_is_refused(base: FactBase) -> None:
    with pytest.raises(InputError, match="Unknown source 'nope'"):
        remove_source(base, EDITOR, "nope", "testing")


def test_reverting_a_source_remove_restores_exactly_what_was_there(base: FactBase) -> None:
    add_source(base, EDITOR, SourceDraft(FLOOD, source_id="flood"), "new")
    add_fact(base, EDITOR, FactDraft(FLOOD_QUOTE, fact_id="flood-rise"), "key fact")
    edit_fact(base, EDITOR, "flood:1", FactPatch(note="checked with the mayor's office"), "note")
    retire(base, EDITOR, "flood-rise", "superseded")
    retire(base, EDITOR, "flood:2", "superseded")
    as_it_was = _source_rows(base, "flood")
    stats = _rows(base, "SELECT term, df FROM term_stats ORDER BY term")
    removed = remove_source(base, EDITOR, "flood", "off topic")
    revert(base, EDITOR, removed.id, "removed by mistake")
    assert _source_rows(base, "flood") == as_it_was
    assert _rows(base, "SELECT term, df FROM term_stats ORDER BY term") == stats
    assert "flood" in _source_ids(base)


def test_reverting_a_source_remove_is_refused_once_the_id_is_taken_again(base: FactBase) -> None:
    add_source(base, EDITOR, SourceDraft(FLOOD, source_id="flood"), "new")
    removed = remove_source(base, EDITOR, "flood", "off topic")
    add_source(base, EDITOR, SourceDraft("Another text entirely.\n", source_id="flood"), "other")
    with pytest.raises(InputError, match="stored again since change"):
        revert(base, EDITOR, removed.id, "removed by mistake")


def test_alias_remove_stops_the_spelling_naming_the_entity(base: FactBase) -> None:
    change = remove_aliases(base, EDITOR, "igor-kartavykh", ["kartavih"], "nobody spells it so")
    assert (change.action, change.target) == ("alias.remove", "entity:igor-kartavykh")
    assert change.before == {"aliases": ["Igor Kartavykh", "Kartavykh", "Kartavih"]}
    assert change.after == {"aliases": ["Igor Kartavykh", "Kartavykh"]}
    with pytest.raises(InputError, match="Unknown entity 'Kartavih'"):
        resolve_entities(base.db, ["Kartavih"])
    kept = _rows(base, "SELECT alias, change_id FROM aliases_retired")
    assert kept == [("Kartavih", change.id)]


def test_reverting_an_alias_remove_restores_the_alias(base: FactBase) -> None:
    links = _rows(base, "SELECT * FROM passage_entities ORDER BY 1, 2")
    change = remove_aliases(base, EDITOR, "igor-kartavykh", ["Kartavykh"], "too loose")
    revert(base, EDITOR, change.id, "needed after all")
    assert resolve_entities(base.db, ["Kartavykh"]) == ["igor-kartavykh"]
    assert _rows(base, "SELECT * FROM passage_entities ORDER BY 1, 2") == links


@pytest.mark.parametrize(
    ("spelling", "message"),
    [("Kartavyx", "does not answer to 'Kartavyx'"), ("Igor Kartavykh", "is the name of")],
)
def test_alias_remove_refuses_a_spelling_it_cannot_remove(
    base: FactBase, built_db: Path, spelling: str, message: str
) -> None:
    before = snapshot(built_db)
    with pytest.raises(InputError, match=message):
        remove_aliases(base, EDITOR, "igor-kartavykh", [spelling], "r")
    assert snapshot(built_db) == before
