"""The core, not only the front ends, refuses changes from people who are not maintainers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from database_helpers import snapshot

from factbot.answering.gaps import top_gaps
from factbot.editing import (
    Actor,
    FactBase,
    FactDraft,
    FactPatch,
    SourceDraft,
    add_aliases,
    add_fact,
    add_source,
    edit_fact,
    remove_aliases,
    remove_source,
    restore,
    retire,
    revert,
)
from factbot.errors import PermissionDenied

ROLE = "factbot-maintainer"
STRANGER = Actor.discord(42, "mallory", roles=["member", "123"], maintainer_role=ROLE)
TORTURE = "azerbaijan-protests-torture"

OPERATIONS: dict[str, Callable[[FactBase, Actor], object]] = {
    "source add": lambda b, a: add_source(b, a, SourceDraft("Three words here.\n"), "r"),
    "fact add": lambda b, a: add_fact(
        b, a, FactDraft("Baku has called for a full investigation"), "r"
    ),
    "fact edit": lambda b, a: edit_fact(b, a, TORTURE, FactPatch(note="n"), "r"),
    "fact retire": lambda b, a: retire(b, a, TORTURE, "r"),
    "fact restore": lambda b, a: restore(b, a, TORTURE, "r"),
    "alias add": lambda b, a: add_aliases(b, a, "baku", ["Baky"], "r"),
    "alias remove": lambda b, a: remove_aliases(b, a, "igor-kartavykh", ["Kartavih"], "r"),
    "source remove": lambda b, a: remove_source(b, a, "trt-azerbaijan-russia-protests", "r"),
    "revert": lambda b, a: revert(b, a, 1, "r"),
    "gaps": lambda b, a: top_gaps(b, a),
}


@pytest.fixture
def base(built_db: Path) -> Iterator[FactBase]:
    handle = FactBase(built_db)
    yield handle
    handle.close()


@pytest.mark.parametrize("name", OPERATIONS)
def test_non_maintainer_is_refused_and_nothing_changes(
    base: FactBase, built_db: Path, name: str
) -> None:
    before = snapshot(built_db)
    with pytest.raises(PermissionDenied, match="Only maintainers"):
        OPERATIONS[name](base, STRANGER)
    assert snapshot(built_db) == before


def test_maintainer_role_is_recognised_by_name_or_by_id() -> None:
    assert Actor.discord(1, "a", roles=["member", ROLE], maintainer_role=ROLE).is_maintainer
    assert Actor.discord(1, "a", roles=["member", "555"], maintainer_role="555").is_maintainer
    assert not Actor.discord(1, "a", roles=[], maintainer_role=ROLE).is_maintainer


def test_discord_actor_is_recorded_with_id_and_name(base: FactBase) -> None:
    editor = Actor.discord(7, "alice", roles=[ROLE], maintainer_role=ROLE)
    change = retire(base, editor, TORTURE, "disputed")
    assert change.actor == "discord:7 (alice)"


def test_the_person_at_the_terminal_is_a_maintainer() -> None:
    assert Actor.os_user().is_maintainer
