"""The reader's say in a ranking (reading.py): its log-odds reorder the best candidates by the
fitted weight, and the confidence is recomputed from the engine's and the reader's judgement.

A scripted reader stands in for the model here, so that these tests pin the arithmetic; the
packaged model itself is tested in test_index_reader.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from factbot.answering import reading
from factbot.answering.answers import AnswerEngine
from factbot.answering.candidates import Candidate, Ranking
from factbot.answering.question import Question


class ScriptedReader:
    """Log-odds by passage text, as a reader would give them."""

    def __init__(self, logits: dict[str, float]) -> None:
        self.by_text = logits
        self.read: list[tuple[str, tuple[str, ...]]] = []

    def logits(self, question: str, passages: Sequence[str]) -> list[float]:
        self.read.append((question, tuple(passages)))
        return [self.by_text[p] for p in passages]


def candidate(rowid: int, text: str, score: float) -> Candidate:
    return Candidate(rowid, f"p{rowid}", "s", text, None, "sentence", rowid * 10, rowid * 10 + 5, score)


def ranking(*candidates: Candidate, confidence: float = 0.5) -> Ranking:
    question = Question("which court?", "what", ("which", "court"), ("court",), (), ())
    return Ranking(question, candidates, confidence)


def test_the_reader_reorders_the_candidates_it_reads_by_score_plus_weighted_log_odds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reading, "READER_RANK_WEIGHT", 1.0)
    monkeypatch.setattr(reading, "READER_CANDIDATES", 2)
    reader = ScriptedReader({"shares words": -3.0, "answers": 2.0, "third": 9.0})
    ranked = ranking(
        candidate(1, "shares words", 1.0), candidate(2, "answers", 0.5), candidate(3, "third", 0.1)
    )

    reread = reading.reread(reader, ranked)  # type: ignore[arg-type]

    assert [c.text for c in reread.candidates] == ["answers", "shares words", "third"]
    assert reader.read == [("which court?", ("shares words", "answers"))]  # only the best two
    assert reread.candidates[0].features["reader"] == 2.0
    assert "reader" not in reread.candidates[2].features


def test_with_a_rank_weight_of_zero_the_engine_order_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "READER_RANK_WEIGHT", 0.0)
    reader = ScriptedReader({"a": -5.0, "b": 5.0})

    reread = reading.reread(reader, ranking(candidate(1, "a", 1.0), candidate(2, "b", 0.2)))  # type: ignore[arg-type]

    assert [c.text for c in reread.candidates] == ["a", "b"]


def test_the_confidence_rises_and_falls_with_the_readers_judgement_of_the_quote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reading, "READER_CONFIDENCE", {"bias": 0.0, "engine": 1.0, "reader": 0.5})
    sure = reading.reread(ScriptedReader({"a": 4.0}), ranking(candidate(1, "a", 1.0)))  # type: ignore[arg-type]
    unsure = reading.reread(ScriptedReader({"a": -4.0}), ranking(candidate(1, "a", 1.0)))  # type: ignore[arg-type]

    assert unsure.confidence < 0.5 < sure.confidence
    sure_read = reading.read_probability(sure.candidates[0])
    unsure_read = reading.read_probability(unsure.candidates[0])
    assert sure_read is not None and sure_read > 0.95
    assert unsure_read is not None and unsure_read < 0.05


def test_an_empty_ranking_is_not_read() -> None:
    reader = ScriptedReader({})

    assert reading.reread(reader, ranking()).candidates == ()  # type: ignore[arg-type]
    assert reader.read == []


def test_ask_json_reader_is_the_probability_for_the_quote_shown_or_null(
    shared_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted: dict[str, Any] = {}

    class Everything(ScriptedReader):
        def logits(self, question: str, passages: Sequence[str]) -> list[float]:
            return [1.0 if "Hajizada" in p else -1.0 for p in passages]

    monkeypatch.setattr(reading, "available_reader", lambda: Everything(scripted))
    engine = AnswerEngine(shared_db)

    answered = engine.ask("Who is Aykhan Hajizada?").as_json()
    nothing = engine.ask("who won the football match last night").as_json()

    assert answered["answered"]
    assert answered["reader"] == pytest.approx(1 / (1 + 2.718281828459045**-1.0), abs=1e-4)
    assert nothing["reader"] is None


def test_the_packaged_reader_judges_every_quote_the_engine_shows(shared_db: Path) -> None:
    engine = AnswerEngine(shared_db)

    answered = engine.ask("who died in custody in Yekaterinburg?")
    unsure = engine.ask("when were the sputnik ppl picked up, like which day")

    assert reading.available_reader() is not None
    assert answered.answered and answered.reader is not None and 0 < answered.reader < 1
    assert unsure.closest is not None and unsure.reader is not None and 0 < unsure.reader < 1
