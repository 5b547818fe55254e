"""How the reader's training pairs are made from SQuAD (training/prepare.py) and how its
threshold is chosen (training/evaluate.py); no torch needed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from training import prepare
from training.evaluate import auc, choose_threshold, question_figures
from training.prepare import Item, chat_variant, pairs_for, read_items, swapped_question

CONTEXT = (
    "The Normans were a people who gave their name to Normandy. "
    "Rollo signed a treaty with King Charles III of West Francia in 911. "
    "Their descendants spread across Europe."
)


def squad_file(tmp_path: Path, qas: list[dict[str, object]], title: str = "Normans") -> Path:
    path = tmp_path / f"{title}.json"
    data = {
        "version": "v2.0",
        "data": [{"title": title, "paragraphs": [{"context": CONTEXT, "qas": qas}]}],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def answerable(question: str, answer: str) -> dict[str, object]:
    return {
        "question": question,
        "answers": [{"text": answer, "answer_start": CONTEXT.index(answer)}],
        "is_impossible": False,
    }


def test_training_pairs_mark_the_answer_sentence_positive(tmp_path: Path) -> None:
    path = squad_file(tmp_path, [answerable("When did Rollo sign a treaty?", "911")])
    [item] = read_items(path)
    pairs = pairs_for(item)
    positive = [p for p in pairs if p.label == 1]
    assert [p.passage for p in positive] == [
        "Rollo signed a treaty with King Charles III of West Francia in 911."
    ]
    assert {p.passage for p in pairs if p.label == 0} == {
        "The Normans were a people who gave their name to Normandy.",
        "Their descendants spread across Europe.",
    }


def test_every_sentence_of_an_unanswerable_question_is_negative(tmp_path: Path) -> None:
    qas = [
        {
            "question": "When did Rollo sign a peace with England?",
            "answers": [],
            "is_impossible": True,
        }
    ]
    [item] = read_items(squad_file(tmp_path, qas))
    pairs = pairs_for(item)
    assert item.answer is None
    assert len(pairs) == 3
    assert {p.label for p in pairs} == {0}
    assert {p.kind for p in pairs} == {"unanswerable"}


def test_negatives_keep_the_sentences_sharing_most_words_with_the_question() -> None:
    item = Item(
        "When did the Normans sign the treaty with Charles?",
        (
            "Nothing here.",
            "The Normans signed nothing.",
            "The treaty with Charles was signed.",
            "Answer 911.",
        ),
        3,
        "Normans",
    )
    negatives = [p.passage for p in pairs_for(item, max_negatives=2) if p.label == 0]
    assert negatives == ["The treaty with Charles was signed.", "The Normans signed nothing."]


def test_sentences_come_from_factbots_own_splitter(tmp_path: Path) -> None:
    [item] = read_items(squad_file(tmp_path, [answerable("Who signed a treaty?", "Rollo")]))
    assert len(item.sentences) == 3  # "King Charles III." is not taken for a sentence end


@pytest.mark.parametrize("seed", range(20))
def test_chat_variants_are_lowercase_and_unpunctuated_but_keep_the_content(seed: int) -> None:
    question = "How many people did the government arrest in Baku?"
    variant = chat_variant(question, random.Random(seed))
    assert variant != question
    assert variant == variant.lower()
    assert "," not in variant and "." not in variant
    assert "baku" in variant or "bku" in variant or "bak" in variant


def test_chat_variants_use_chat_abbreviations_somewhere() -> None:
    question = "What did the government tell people about you?"
    variants = {chat_variant(question, random.Random(seed)) for seed in range(30)}
    joined = " ".join(variants).split()
    assert {"ppl", "govt"} & set(joined)
    assert {"wat", "wut", "wht", "whats"} & set(joined) or "u" in joined


def test_a_swapped_number_no_longer_matches_the_answer_sentence() -> None:
    sentence = "Rollo signed a treaty with King Charles III of West Francia in 911."
    for seed in range(10):
        swapped = swapped_question("What happened in 911?", sentence, [], random.Random(seed))
        assert swapped is not None
        assert "911" not in swapped
        number = swapped.split()[-1].rstrip("?")
        assert number not in sentence


def test_a_swapped_name_is_one_the_answer_sentence_does_not_hold() -> None:
    sentence = "Kartavykh was detained in Baku in June."
    names = ["Belousov", "Baku", "Moscow"]
    for seed in range(10):
        swapped = swapped_question(
            "Where was Kartavykh detained?", sentence, names, random.Random(seed)
        )
        assert swapped in {"Where was Belousov detained?", "Where was Moscow detained?"}


def test_a_swapped_predicate_asks_about_another_event() -> None:
    sentence = "Belousov was arrested in Baku on 30 June."
    swapped = swapped_question("When was Belousov arrested?", sentence, [], random.Random(1))
    assert swapped == "When was Belousov released?"


def test_a_question_with_nothing_safe_to_swap_makes_no_synthetic_negative() -> None:
    assert swapped_question("why?", "Because it rained.", [], random.Random(0)) is None


def test_validation_articles_are_held_out_of_training_whole(tmp_path: Path) -> None:
    qas = [answerable("When did Rollo sign a treaty?", "911")]
    titles = [f"Article_{i}" for i in range(6)]
    v2 = {"version": "v2.0", "data": []}
    for title in titles:
        v2["data"].append(json.loads(squad_file(tmp_path, qas, title).read_text())["data"][0])  # type: ignore[attr-defined]
    (tmp_path / prepare.SQUAD_FILES[0]).write_text(json.dumps(v2), encoding="utf-8")
    (tmp_path / prepare.SQUAD_FILES[1]).write_text(json.dumps({"data": []}), encoding="utf-8")
    prepared = prepare.prepare(tmp_path, seed=3)
    assert len(prepared.validation_articles) == 3
    assert {p.article for p in prepared.train}.isdisjoint(prepared.validation_articles)
    assert {i.article for i in prepared.validation} == set(prepared.validation_articles)
    assert {i.style for i in prepared.validation} == {"written", "chat"}


def test_preparation_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    qas = [
        answerable("When did Rollo sign a treaty?", "911"),
        answerable("Who signed a treaty?", "Rollo"),
    ]
    v2 = {
        "data": [
            json.loads(squad_file(tmp_path, qas, f"A{i}").read_text())["data"][0] for i in range(5)
        ]
    }
    (tmp_path / prepare.SQUAD_FILES[0]).write_text(json.dumps(v2), encoding="utf-8")
    (tmp_path / prepare.SQUAD_FILES[1]).write_text(json.dumps({"data": []}), encoding="utf-8")
    assert prepare.prepare(tmp_path, seed=7).train == prepare.prepare(tmp_path, seed=7).train


def test_auc_counts_ties_as_half() -> None:
    assert auc([0.9, 0.1], [1, 0]) == 1.0
    assert auc([0.1, 0.9], [1, 0]) == 0.0
    assert auc([0.5, 0.5], [1, 0]) == 0.5


def test_the_threshold_separates_answered_from_unanswerable_questions() -> None:
    items = [
        {"answer": 0, "sentences": ["a", "b"]},
        {"answer": 1, "sentences": ["a", "b"]},
        {"answer": None, "sentences": ["a", "b"]},
        {"answer": None, "sentences": ["a", "b"]},
    ]
    probabilities = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.4], [0.6, 0.1]]
    threshold = choose_threshold(items, probabilities)
    assert 0.6 < threshold <= 0.8
    figures = question_figures(items, probabilities, threshold)
    assert figures["answered_right_at_threshold"] == 1.0
    assert figures["abstained_at_threshold"] == 1.0
    assert figures["top1"] == 1.0


def test_the_model_card_is_written_from_the_runs_records(tmp_path: Path) -> None:
    from training.card import card

    (tmp_path / "data").mkdir()
    data = {
        "sha256": {"squad.json": "aa", "train.jsonl": "bb"},
        "parameters": {"max_negatives": 3},
        "train_pairs": 10,
        "train_positive": 2,
        "train_kinds": {"answer": 2, "other-sentence": 8},
        "validation_articles": ["A", "B", "C"],
    }
    figures_of = {"top1": 0.8, "answered_right_at_threshold": 0.5, "abstained_at_threshold": 0.6}
    figures_of |= {"mean_at_threshold": 0.55, "best_mean": 0.56, "questions": 4}
    figures = {
        "size_mb": 19.3,
        "sha256": {"reader.onnx": "cc"},
        "threshold": 0.46,
        "int8_vs_fp32": {
            "max_logit_difference": 1.0,
            "mean_logit_difference": 0.1,
            "auc_fp32": 0.9,
            "auc_int8": 0.89,
        },
        "validation_pairs": 20,
        **{f"validation_{s}": figures_of for s in ("written", "chat", "all")},
    }
    train = {
        "base": {"distribution": "d", "version": "1", "sha256": {"model.safetensors": "m", "tokenizer.json": "t"}},
        "layers": 4, "seed": 13, "batch_size": 32, "lr": 5e-5, "warmup": 0.06, "max_minutes": 68,
        "minutes": 68, "steps": 100, "pairs_seen": 3200, "epochs": 0.5, "pairs_per_second": 10,
        "stopped_by": "time budget", "loss_history": [{"loss": 0.35}],
    }  # fmt: skip
    (tmp_path / "data" / "data.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "figures.json").write_text(json.dumps(figures), encoding="utf-8")
    (tmp_path / "train.json").write_text(json.dumps(train), encoding="utf-8")
    text = card(tmp_path, "wheelhash")
    assert "`cc`" in text and "wheelhash" in text and "CC BY-SA 4.0" in text and "Seed 13" in text
    assert "| top-1 (best sentence is the answer) | 80.0% | 80.0% | 80.0% |" in text
