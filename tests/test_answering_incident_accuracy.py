"""Accuracy floors on our own incident questions (bench/incident_questions.jsonl).

The floors sit a little under the measured figures (`python bench/accuracy.py`), so a change
that makes answers worse fails here; the benchmark prints the exact numbers.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from factbot.answering.answers import AnswerEngine
from factbot.answering.replies import Answer
from factbot.settings import REPO_ROOT

QUESTIONS = [
    json.loads(line)
    for line in (REPO_ROOT / "bench" / "incident_questions.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
ANSWERED_FLOOR = 0.95
ABSTAINED_FLOOR = 0.80


@pytest.fixture(scope="module")
def answers(shared_db: Path) -> list[tuple[dict[str, object], Answer]]:
    engine = AnswerEngine(shared_db)
    return [(item, engine.ask(str(item["question"]))) for item in QUESTIONS]


def _holds(answer: Answer, expected: object) -> bool:
    assert isinstance(expected, list)
    return answer.answered and answer.quote is not None and any(p in answer.quote for p in expected)


def test_question_file_has_answerable_and_unanswerable_questions() -> None:
    answerable = [q for q in QUESTIONS if q["answerable"]]
    assert len(answerable) >= 60 and len(QUESTIONS) - len(answerable) >= 30


def test_answerable_questions_are_answered_with_a_quote_that_answers_them(answers: list[tuple[dict[str, object], Answer]]) -> None:
    answerable = [(q, a) for q, a in answers if q["answerable"]]
    right = [q["question"] for q, a in answerable if _holds(a, q["expect"])]
    assert len(right) / len(answerable) >= ANSWERED_FLOOR


def test_unanswerable_questions_are_abstained(answers: list[tuple[dict[str, object], Answer]]) -> None:
    unanswerable = [a for q, a in answers if not q["answerable"]]
    abstained = [a for a in unanswerable if not a.answered]
    assert len(abstained) / len(unanswerable) >= ABSTAINED_FLOOR


def test_every_quote_is_verbatim_and_names_its_source(shared_db: Path, answers: list[tuple[dict[str, object], Answer]]) -> None:
    with sqlite3.connect(shared_db) as conn:
        texts = dict(conn.execute("SELECT id, text FROM sources").fetchall())
    answered = [a for _, a in answers if a.answered]
    assert answered
    for answer in answered:
        assert answer.source is not None and answer.source.name
        assert answer.quote is not None and answer.quote in texts[answer.source.id]
        assert answer.attribution
