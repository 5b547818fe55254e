"""Questions about the present are answered from the latest source, saying what it replaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from story_helpers import build_harbour

from factbot.answering.answers import AnswerEngine
from factbot.answering.recency import asks_about_present, prefer_latest
from factbot.answering.replies import format_text


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    return AnswerEngine(build_harbour(tmp_path_factory.mktemp("harbour")), min_confidence=0.0)


@pytest.mark.parametrize(
    "question",
    [
        "is the quay still closed",
        "who runs the union now",
        "what's the latest on the strike",
        "any news on the dockers?",
        "has the port reopened yet",
        "is the port open",
        "will the port pay for the inspection",
        "порт до сих пор закрыт?",
        "liman hələ bağlıdır?",
    ],
)
def test_questions_about_how_things_stand_now_are_recognised(question: str) -> None:
    assert asks_about_present(question)


@pytest.mark.parametrize(
    "question",
    [
        "when did the dockers walk out",
        "was the quay closed in march",
        "who closed the quay",
        "how many people were arrested",
    ],
)
def test_questions_about_what_happened_then_are_not(question: str) -> None:
    assert not asks_about_present(question)


@dataclass(frozen=True)
class Ranked:
    passage_id: str
    source_id: str
    score: float


DAYS = {"june": date(2024, 6, 1), "october": date(2024, 10, 1), "undated": None}


def test_the_latest_strong_passage_on_the_same_thing_wins_and_lists_what_it_replaces() -> None:
    about = {"j": frozenset({"quay"}), "o": frozenset({"quay"}), "u": frozenset({"quay"})}
    candidates = [
        Ranked("j", "june", 1.0),
        Ranked("u", "undated", 0.9),
        Ranked("o", "october", 0.7),
    ]

    choice = prefer_latest(candidates, DAYS.get, lambda c: about[c.passage_id], min_share=0.6)

    assert choice.answer.passage_id == "o"
    assert [c.passage_id for c in choice.replaces] == ["j"], "an undated source outdates nothing"


def test_a_weak_or_unrelated_later_passage_does_not_replace_the_answer() -> None:
    about = {"j": frozenset({"quay"}), "o": frozenset({"cranes"}), "w": frozenset({"quay"})}
    candidates = [
        Ranked("j", "june", 1.0),
        Ranked("o", "october", 0.95),
        Ranked("w", "october", 0.3),
    ]

    choice = prefer_latest(candidates, DAYS.get, lambda c: about[c.passage_id], min_share=0.6)

    assert choice.answer.passage_id == "j" and not choice.replaces


def test_is_the_quay_still_closed_answers_from_the_may_article_as_an_update(
    engine: AnswerEngine,
) -> None:
    answer = engine.ask("is the container quay still closed?")

    assert answer.source is not None and answer.source.id == "gazette-strike-over"
    assert "reopened" in (answer.quote or "")
    assert answer.earlier and all(
        e.source.published < "2024-05-20" for e in answer.earlier if e.source.published
    )
    text = format_text(answer)
    assert text.startswith("Update, 20 May 2024:")
    assert (
        "Earlier, North Sea Courier, 4 Mar 2024" in text
        or "Earlier, Lagoon Times, 6 Mar 2024" in text
    )


def test_a_question_about_the_past_keeps_the_best_answer_without_an_update(
    engine: AnswerEngine,
) -> None:
    answer = engine.ask("who closed the container quay?")

    assert answer.source is not None and answer.source.id != "gazette-strike-over"
    assert not answer.earlier


def test_ask_json_has_the_earlier_versions_and_the_source_date(engine: AnswerEngine) -> None:
    found = engine.ask("is the strike still going on?").as_json()

    assert found["source"]["published"] == "2024-05-20"
    assert found["earlier"] and {"quote", "source", "attribution", "passage_id"} <= set(
        found["earlier"][0]
    )
