"""Question sketches: computed once per machine, the same every time, and what the confidence
uses to judge whether the best quote answers the question."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from meaning_helpers import encoder

import factbot.index.sketch
from factbot.answering.candidates import Candidate
from factbot.answering.confidence import answerability, combined_confidence
from factbot.answering.matcher import Matcher
from factbot.answering.weights import ANSWERABILITY_WITHOUT_MEANING
from factbot.index.meaning import Encoder
from factbot.index.sketch import compute_vectors, default_table, load_or_compute
from factbot.store.database import connect


class CountingCompute:
    """Stands in for the 15-second computation of the whole table."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, model: Encoder, size: int | None = None) -> npt.NDArray[np.float16]:
        self.calls += 1
        shape = (model.tokenizer.get_vocab_size(), model.dimensions)
        return np.full(shape, 0.5, dtype=np.float16)


@pytest.fixture
def counting_compute(monkeypatch: pytest.MonkeyPatch) -> CountingCompute:
    compute = CountingCompute()
    monkeypatch.setattr(factbot.index.sketch, "compute_vectors", compute)
    return compute


def test_word_piece_vectors_come_out_the_same_whenever_they_are_computed() -> None:
    first = compute_vectors(encoder(), size=2 * factbot.index.sketch.BATCH)
    again = compute_vectors(encoder(), size=2 * factbot.index.sketch.BATCH)
    assert first.tobytes() == again.tobytes()
    table = default_table()
    assert table is not None
    assert table.vectors[: len(first)].tobytes() == first.tobytes(), "fixed batches, same rows"


def test_the_table_is_computed_once_then_read_from_the_cache_folder(
    tmp_path: Path, counting_compute: CountingCompute
) -> None:
    path = tmp_path / "cache" / "table.npy"
    first = load_or_compute(encoder(), path)
    second = load_or_compute(encoder(), path)
    assert counting_compute.calls == 1
    assert path.is_file() and first.tobytes() == second.tobytes()
    assert not list(path.parent.glob("*.tmp")), "no temporary file left behind"


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a numpy file", b"\x93NUMPY\x01\x00truncated"],
    ids=["empty", "garbage", "truncated"],
)
def test_a_damaged_cached_table_is_computed_again_and_replaced(
    tmp_path: Path, counting_compute: CountingCompute, damage: bytes
) -> None:
    path = tmp_path / "table.npy"
    path.write_bytes(damage)
    vectors = load_or_compute(encoder(), path)
    assert counting_compute.calls == 1
    assert np.load(path).tobytes() == vectors.tobytes()


def test_a_cached_table_of_another_shape_is_not_used(
    tmp_path: Path, counting_compute: CountingCompute
) -> None:
    path = tmp_path / "table.npy"
    np.save(path, np.zeros((10, 384), dtype=np.float16))
    vectors = load_or_compute(encoder(), path)
    assert counting_compute.calls == 1
    assert vectors.shape == (encoder().tokenizer.get_vocab_size(), encoder().dimensions)


def test_an_unwritable_cache_folder_still_gives_a_table_for_this_process(
    tmp_path: Path, counting_compute: CountingCompute, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="factbot.index.sketch"):
        vectors = load_or_compute(encoder(), blocker / "table.npy")
    assert vectors.shape[0] == encoder().tokenizer.get_vocab_size()
    assert "could not keep the word-piece table" in caplog.text


def test_the_cache_folder_comes_from_settings_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTBOT_CACHE_DIR", str(tmp_path / "from-env"))
    factbot.index.sketch.use_cache_dir(None)
    assert factbot.index.sketch.cache_dir() == tmp_path / "from-env"
    factbot.index.sketch.use_cache_dir(tmp_path / "from-settings")
    try:
        assert factbot.index.sketch.cache_file().parent == tmp_path / "from-settings"
    finally:
        factbot.index.sketch.use_cache_dir(None)


def test_a_sketch_is_unit_length_and_leaves_out_stopwords_and_punctuation() -> None:
    table = default_table()
    assert table is not None
    sketch = table.sketch("Who attended the opening of the museum?")
    assert np.isclose(np.linalg.norm(sketch), 1.0, atol=1e-5)
    assert np.allclose(sketch, table.sketch("attended opening museum"), atol=1e-6)
    assert not table.sketch("").any(), "nothing to sketch"
    assert np.isclose(np.linalg.norm(table.sketch("?!")), 1.0, atol=1e-5), "punctuation alone"


def test_every_candidate_gets_a_sketch_similarity_when_the_base_has_vectors(
    shared_db: Path,
) -> None:
    matcher = Matcher(connect(shared_db, readonly=True))
    ranking = matcher.rank(matcher.analyse("Who is Yevgeny Belousov?"), limit=100)
    assert ranking.candidates
    assert all(-1.0 <= c.features["sketch"] <= 1.0 for c in ranking.candidates)
    by_words = Matcher(connect(shared_db, readonly=True), meaning=False)
    assert all(
        "sketch" not in c.features
        for c in by_words.rank(by_words.analyse("Who is Yevgeny Belousov?")).candidates
    )


def candidate(sketch: float | None, score: float = 1.0) -> Candidate:
    features = {} if sketch is None else {"sketch": sketch}
    return Candidate(
        rowid=1,
        passage_id="p",
        source_id="s",
        text="t",
        attribution=None,
        kind="sentence",
        start=0,
        end=1,
        score=score,
        features=features,
    )


def test_a_quote_closer_in_meaning_and_further_ahead_of_the_others_is_more_answerable() -> None:
    assert answerability([candidate(0.6), candidate(0.2)]) > answerability(
        [candidate(0.3), candidate(0.2)]
    )
    assert answerability([candidate(0.4), candidate(0.1)]) > answerability(
        [candidate(0.4), candidate(0.35)]
    )


def test_without_meaning_vectors_answerability_is_the_fitted_constant() -> None:
    assert answerability([candidate(None), candidate(None)]) == ANSWERABILITY_WITHOUT_MEANING
    assert answerability([]) == ANSWERABILITY_WITHOUT_MEANING


def test_confidence_rises_with_word_support_and_with_answerability_and_stays_in_0_1() -> None:
    assert (
        combined_confidence(0.9, 0.6)
        > combined_confidence(0.9, 0.3)
        > combined_confidence(0.5, 0.3)
    )
    assert combined_confidence(0.0, 0.9) == 0.0
    assert 0.0 < combined_confidence(1.0, 1.0) < 1.0
