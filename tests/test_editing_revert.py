"""`revert` undoes one change by making a new one, never by deleting, and refuses when unsafe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.editing import (
    Actor,
    FactBase,
    FactDraft,
    FactPatch,
    add_aliases,
    add_fact,
    edit_fact,
    get_change,
    get_passage,
    history,
    retire,
    revert,
)
from factbot.errors import InputError

EDITOR = Actor.os_user("alice")
TORTURE = "azerbaijan-protests-torture"
BAKU_QUOTE = "Baku has called for a full investigation and the prosecution of those responsible."


@pytest.fixture
def base(built_db: Path) -> Iterator[FactBase]:
    handle = FactBase(built_db)
    yield handle
    handle.close()


def test_reverting_a_retirement_restores_the_fact(base: FactBase) -> None:
    change = retire(base, EDITOR, TORTURE, "disputed")
    undo = revert(base, EDITOR, change.id, "not disputed after all")
    assert get_passage(base, EDITOR, TORTURE).status == "active"
    assert undo.action == "revert" and undo.reverted_change == change.id
    assert [c.id for c in history(base, EDITOR, TORTURE)] == [undo.id, change.id]


def test_reverting_an_added_fact_retires_it_and_keeps_it(base: FactBase, built_db: Path) -> None:
    change = add_fact(base, EDITOR, FactDraft(BAKU_QUOTE, fact_id="baku-demand"), "added")
    revert(base, EDITOR, change.id, "added by mistake")
    assert get_passage(base, EDITOR, "baku-demand").status == "retired"
    assert AnswerEngine(built_db).ask("What has Baku called for?").passage_id != "baku-demand"


def test_reverting_an_edit_puts_back_every_old_value(base: FactBase) -> None:
    original = get_passage(base, EDITOR, TORTURE)
    change = edit_fact(
        base, EDITOR, TORTURE, FactPatch(attribution="Someone", note="n", entities=("baku",)), "e"
    )
    revert(base, EDITOR, change.id, "wrong")
    assert get_passage(base, EDITOR, TORTURE) == original


def test_reverting_a_revert_reapplies_the_change(base: FactBase) -> None:
    change = retire(base, EDITOR, TORTURE, "disputed")
    undo = revert(base, EDITOR, change.id, "oops")
    revert(base, EDITOR, undo.id, "it was disputed")
    assert get_passage(base, EDITOR, TORTURE).status == "retired"


def test_reverting_an_alias_moves_it_to_the_retired_aliases(base: FactBase, built_db: Path) -> None:
    change = add_aliases(base, EDITOR, "yevgeny-belousov", ["Jewgeni Belousow"], "German spelling")
    revert(base, EDITOR, change.id, "nobody writes it so")
    assert "yevgeny-belousov" not in AnswerEngine(built_db).ask("Who is Jewgeni Belousow?").entities
    kept = base.db.execute("SELECT alias, change_id FROM aliases_retired").fetchall()
    assert kept == [("Jewgeni Belousow", change.id)]


def test_a_change_edited_again_since_cannot_be_reverted_past_the_later_one(base: FactBase) -> None:
    original = get_passage(base, EDITOR, TORTURE).note
    first = edit_fact(base, EDITOR, TORTURE, FactPatch(note="one"), "1")
    second = edit_fact(base, EDITOR, TORTURE, FactPatch(note="two"), "2")
    with pytest.raises(InputError, match=f"changed again by change {second.id}"):
        revert(base, EDITOR, first.id, "undo")
    revert(base, EDITOR, second.id, "undo 2")
    revert(base, EDITOR, first.id, "undo 1")
    assert get_passage(base, EDITOR, TORTURE).note == original


def test_reverting_twice_is_refused(base: FactBase) -> None:
    change = retire(base, EDITOR, TORTURE, "disputed")
    revert(base, EDITOR, change.id, "undo")
    with pytest.raises(InputError):
        revert(base, EDITOR, change.id, "undo again")


def test_unknown_change_is_refused(base: FactBase) -> None:
    with pytest.raises(InputError, match="Unknown change 999"):
        revert(base, EDITOR, 999, "undo")


def test_the_original_change_is_kept_unchanged(base: FactBase) -> None:
    change = retire(base, EDITOR, TORTURE, "disputed")
    revert(base, EDITOR, change.id, "undo")
    assert get_change(base.db, change.id) == change
