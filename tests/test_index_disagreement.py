"""Sources that disagree: counts, titles and dates for the same thing are shown side by side."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from story_helpers import build_harbour, harbour_knowledge

from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import format_text
from factbot.index.disagreement import (
    COUNT,
    DATE,
    ROLE,
    ClaimIndex,
    ClaimPassage,
    count_claims,
    disagree,
    kinds_asked,
    same_scene,
)
from factbot.knowledge.build import build_fact_base
from factbot.store.database import connect


@pytest.fixture(scope="module")
def harbour_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_harbour(tmp_path_factory.mktemp("harbour"))


def passage(pid: str, source: str, text: str, scene: date | None = None) -> ClaimPassage:
    return ClaimPassage(passage_id=pid, source_id=source, text=text, scene=scene)


@pytest.mark.parametrize(
    ("one", "other", "differ"),
    [
        ("Nine people were detained.", "Police said 40 people were detained.", True),
        ("Nine people were detained.", "More than 50 people were detained.", True),
        ("More than 50 people were detained.", "About 60 people were detained.", False),
        ("Nine people were detained.", "Officers detained nine people.", False),
        ("Nine people were detained.", "Nine people were injured.", False),
    ],
)
def test_counts_of_the_same_thing_differ_only_when_they_cannot_both_be_true(
    one: str, other: str, differ: bool
) -> None:
    (a,) = count_claims(passage("a:1", "a", one))
    (b,) = count_claims(passage("b:1", "b", other))

    assert disagree(a, b) is differ


def test_counts_told_among_events_days_apart_are_different_events() -> None:
    (raid,) = count_claims(passage("a:1", "a", "Seven people were detained.", date(2024, 6, 30)))
    (other,) = count_claims(passage("b:1", "b", "Nine people were detained.", date(2024, 6, 27)))

    assert not disagree(raid, other)


def test_one_source_and_one_speaker_never_disagrees_with_itself() -> None:
    (a,) = count_claims(passage("a:1", "a", "Nine people were detained."))
    (b,) = count_claims(passage("a:2", "a", "Ten people were detained."))

    assert not disagree(a, b)


def test_years_and_ages_are_not_counts() -> None:
    assert not count_claims(passage("a:1", "a", "In 2001 people were detained."))
    assert not count_claims(passage("a:1", "a", "It took three years of talks."))


def test_the_harbour_story_disputes_are_found_across_the_whole_base(harbour_db: Path) -> None:
    db = connect(harbour_db)
    try:
        disputes = ClaimIndex(db).disputes()
    finally:
        db.conn.close()

    kinds = {group[0].kind: {c.words for c in group} for group in disputes}
    assert kinds[COUNT] == {"arrested twelve people", "40 people were arrested"}
    assert kinds[ROLE] == {"The harbour master", "The port's chief engineer"}
    assert kinds[DATE] == {"on Saturday", "1 March"}
    # The general secretary is called the same by both outlets: no dispute about Tomas Berg.
    assert not any("general secretary" in c.words for g in disputes for c in g)


def test_an_answer_lists_every_other_version_with_its_source(harbour_db: Path) -> None:
    engine = AnswerEngine(harbour_db, min_confidence=0.0)

    answer = engine.ask("how many people were arrested at the picket line?")

    quotes = {answer.quote, *(c.quote for c in answer.conflicts)}
    assert any("twelve people" in (q or "") for q in quotes)
    assert any("40 people" in (q or "") for q in quotes)
    assert {c.source.id for c in answer.conflicts}.isdisjoint(
        {answer.source.id if answer.source else ""}
    )
    assert "Sources differ:" in format_text(answer)


def test_a_title_given_differently_is_shown_for_a_question_about_the_person(
    harbour_db: Path,
) -> None:
    engine = AnswerEngine(harbour_db, min_confidence=0.0)

    answer = engine.ask("who closed the container quay?")

    shown = " ".join([answer.quote or "", *(c.quote for c in answer.conflicts)])
    assert "harbour master" in shown and "chief engineer" in shown
    assert all(c.differs for c in answer.conflicts)


def test_only_disagreements_on_what_is_asked_are_shown() -> None:
    assert kinds_asked("how_many", ["how", "many"]) == {COUNT}
    assert kinds_asked("when", ["when"]) == {DATE}
    assert kinds_asked("yes_no", ["is", "the", "quay", "closed"]) == {COUNT, DATE}
    assert kinds_asked("yes_no", ["is", "she", "the", "harbour", "master"]) == {ROLE}


@pytest.mark.slow
def test_ask_json_gains_conflicts_with_quote_source_attribution_and_passage(
    harbour_db: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "factbot", "--db", str(harbour_db), "ask", "--json", "-"],
        input="how many people were arrested at the picket line?\n",
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(result.stdout)

    assert answer["source"]["published"] in ("2024-03-04", "2024-03-06")
    assert answer["conflicts"], answer
    for version in answer["conflicts"]:
        assert set(version) >= {"quote", "source", "attribution", "passage_id"}
        assert version["source"]["published"]


def test_counts_found_apart_must_be_told_among_events_of_the_same_day() -> None:
    (here,) = count_claims(passage("a:1", "a", "Nine people were detained.", date(2024, 6, 27)))
    (same_day,) = count_claims(passage("b:1", "b", "Six people were detained.", date(2024, 6, 28)))
    (undated,) = count_claims(passage("c:1", "c", "Six people were detained."))

    assert same_scene(here, same_day)
    assert not same_scene(here, undated), "no day known: no evidence it is the same event"


def test_a_how_many_question_answered_without_a_number_shows_the_counts_that_differ(
    tmp_path: Path,
) -> None:
    knowledge = harbour_knowledge(tmp_path / "knowledge")
    (knowledge / "sources" / "digest-arrests.md").write_text(
        "---\nid: digest-arrests\noutlet: Harbour Digest\npublished: 2024-03-05\n---\n"
        "Arrests at the Portvale picket line\n"
        "Officers arrested 25 people at the picket line on Sunday, a union lawyer said.\n",
        encoding="utf-8",
    )
    db = tmp_path / "digest.db"
    build_fact_base(knowledge, db)
    engine = AnswerEngine(db, min_confidence=0.0)

    answer = engine.ask("how many people were arrested at the portvale picket line?")

    shown = " ".join([answer.quote or "", *(c.quote for c in answer.conflicts)])
    assert sum(n in shown for n in ("twelve people", "40 people", "25 people")) >= 2, shown
