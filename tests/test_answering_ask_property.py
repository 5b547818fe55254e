"""No input string crashes `ask`: it answers, abstains, or refuses an empty question."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factbot.answering.answers import AnswerEngine
from factbot.errors import InputError

QUESTION_PIECES = st.sampled_from(
    ['"', "*", "NEAR(", "'; drop table x; --", "Yekaterinburg", "Сафаров", "Səfərov", "@everyone",
     "\u202e", "\x00", "🙂", "سلام", "OR", "AND", "^", "(", ")", ":", "who", "when", " "]
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(QUESTION_PIECES, max_size=40).map("".join),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=TEXT)
def test_no_question_crashes_ask(shared_db: Path, question: str) -> None:
    engine = _engine(shared_db)
    try:
        answer = engine.ask(question)
    except InputError as error:
        assert "empty" in str(error)
        assert not any(ch.isalnum() for ch in question), "only a blank question may be refused"
        return
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.answered == (answer.quote is not None)


_ENGINES: dict[Path, AnswerEngine] = {}


def _engine(path: Path) -> AnswerEngine:
    if path not in _ENGINES:
        _ENGINES[path] = AnswerEngine(path)
    return _ENGINES[path]
