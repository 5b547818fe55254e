"""The reader: the packaged model scores a sentence that answers above one that only shares the
question's words, and a model file that is not the one measured is never run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factbot.errors import ModelRefused
from factbot.index import reader
from factbot.index.reader import MODEL_FILE, THRESHOLD, Reader

ARRESTS = [
    "The Sputnik Azerbaijan office in Baku was searched by police on Monday.",
    "Police detained Igor Kartavykh and Yevgeny Belousov, two Sputnik Azerbaijan employees.",
    "Sputnik Azerbaijan is a news agency owned by the Russian state.",
]


@pytest.fixture(scope="module")
def packaged() -> Reader:
    return reader.default_reader()


def test_the_packaged_reader_is_the_file_it_was_measured_with() -> None:
    Reader().warm_up()  # raises ModelRefused otherwise


def test_the_sentence_that_answers_scores_above_those_that_share_words(packaged: Reader) -> None:
    scores = packaged.score("Who was detained at Sputnik Azerbaijan?", ARRESTS)
    assert scores[1] == max(scores)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_a_chat_style_question_finds_the_same_sentence(packaged: Reader) -> None:
    scores = packaged.score("who got arrested at sputnik azerbaijan", ARRESTS)
    assert scores[1] == max(scores)


def test_a_sentence_about_something_else_is_below_the_threshold(packaged: Reader) -> None:
    [score] = packaged.score(
        "When did Belousov's trial start?", ["The weather in Baku was warm and sunny on Monday."]
    )
    assert score < THRESHOLD


def test_a_passage_scores_the_same_whatever_it_is_read_with(packaged: Reader) -> None:
    question = "Who was detained at Sputnik Azerbaijan?"
    alone = packaged.score(question, [ARRESTS[1]])
    together = packaged.score(question, ARRESTS)
    assert alone[0] == together[1]


def test_no_passages_give_no_scores(packaged: Reader) -> None:
    assert packaged.score("anything?", []) == []


def test_the_module_function_uses_the_packaged_reader() -> None:
    assert reader.score("Who was detained?", ARRESTS[1:2]) == reader.default_reader().score(
        "Who was detained?", ARRESTS[1:2]
    )


def test_a_tampered_model_file_is_refused_before_it_is_loaded(tmp_path: Path) -> None:
    tampered = tmp_path / "reader.onnx"
    shutil.copy(MODEL_FILE, tampered)
    with tampered.open("r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelRefused, match="not the reader model"):
        Reader(tampered).score("Who was detained?", ARRESTS)


def test_nothing_is_loaded_until_the_reader_is_used(tmp_path: Path) -> None:
    missing = Reader(tmp_path / "absent.onnx")
    with pytest.raises(FileNotFoundError):
        missing.warm_up()
