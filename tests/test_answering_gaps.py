"""Unanswered questions are counted under the privacy settings, and listed most frequent first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.answering.gaps import GapPolicy, GapRecorder, record_gap, top_gaps
from factbot.answering.replies import Answer
from factbot.editing import Actor, FactBase

EDITOR = Actor.os_user("alice")
UNANSWERED = "What did the pope say about football?"


@pytest.fixture
def base(built_db: Path) -> Iterator[FactBase]:
    handle = FactBase(built_db)
    yield handle
    handle.close()


def ask_and_record(
    built_db: Path, questions: list[str], policy: GapPolicy, user: str | None = None
) -> None:
    engine = AnswerEngine(built_db)
    recorder = GapRecorder(built_db, policy)
    for question in questions:
        recorder.record(engine.ask(question), user)
    recorder.close()


def test_same_question_in_other_case_and_punctuation_counts_once(
    base: FactBase, built_db: Path
) -> None:
    ask_and_record(
        built_db, [UNANSWERED, "what did the POPE say about football", UNANSWERED], GapPolicy()
    )
    (gap,) = top_gaps(base, EDITOR)
    assert gap.count == 3 and gap.question == UNANSWERED


def test_answered_questions_are_not_gaps(base: FactBase, built_db: Path) -> None:
    ask_and_record(built_db, ["Who is Aykhan Hajizada?"], GapPolicy())
    assert top_gaps(base, EDITOR) == []


def test_by_default_no_user_ids_are_stored(base: FactBase, built_db: Path) -> None:
    ask_and_record(built_db, [UNANSWERED], GapPolicy(), user="1234")
    assert base.db.execute("SELECT count(*) FROM gap_askers").fetchone() == (0,)


def test_user_ids_are_stored_only_when_configured(base: FactBase, built_db: Path) -> None:
    ask_and_record(built_db, [UNANSWERED], GapPolicy(store_user_ids=True), user="1234")
    ask_and_record(built_db, [UNANSWERED], GapPolicy(store_user_ids=True), user="5678")
    (gap,) = top_gaps(base, EDITOR)
    assert gap.askers == 2


def test_without_question_text_only_the_kind_of_question_is_kept(base: FactBase) -> None:
    abstention = Answer(
        "Who ordered the raid in Yekaterinburg?",
        answered=False,
        intent="who",
        entities=("yekaterinburg",),
    )
    with base.write() as db:
        record_gap(db, abstention, GapPolicy(store_questions=False))
    assert base.db.execute("SELECT key, question FROM gaps").fetchall() == [
        ("who · yekaterinburg", None)
    ]


def test_most_frequent_gaps_come_first(base: FactBase, built_db: Path) -> None:
    ask_and_record(
        built_db, ["What is the weather in Baku tomorrow?", UNANSWERED, UNANSWERED], GapPolicy()
    )
    assert [g.count for g in top_gaps(base, EDITOR)] == [2, 1]


def test_questions_answered_since_drop_out_of_the_list(base: FactBase, built_db: Path) -> None:
    engine = AnswerEngine(built_db)
    answerable = "Who is Aykhan Hajizada?"
    assert engine.ask(answerable).answered
    with base.write() as db:
        for text in (answerable, UNANSWERED):
            record_gap(db, Answer(text, answered=False), GapPolicy())  # abstained on, back then
    assert [g.question for g in top_gaps(base, EDITOR, engine=engine)] == [UNANSWERED]
    everything = top_gaps(base, EDITOR, engine=engine, include_answered=True)
    assert {g.question: g.answered_now for g in everything} == {answerable: True, UNANSWERED: False}
    assert {g.answered_now for g in top_gaps(base, EDITOR)} == {None}


def test_recording_a_gap_does_not_make_readers_reload(base: FactBase, built_db: Path) -> None:
    revision = base.db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
    ask_and_record(built_db, [UNANSWERED], GapPolicy())
    assert base.db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone() == revision


def test_a_recorder_that_cannot_write_never_breaks_answering(
    tmp_path: Path, built_db: Path
) -> None:
    answer = AnswerEngine(built_db).ask(UNANSWERED)
    assert GapRecorder(tmp_path / "missing.db", GapPolicy()).record(answer) is False
