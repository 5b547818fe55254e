"""Would the encoder's token-level states help? A held-out experiment, not a shipped feature.

Usage: python bench/token_alignment.py [--cache FILE]

The matcher uses the sentence encoder's pooled vector. The same run of the model also gives one
vector per word piece; comparing every question word with every passage word (the best cosine
for each content word of the question, averaged: "alignment", as in BERTScore recall or
ColBERT's MaxSim) can see that "held" is "detained" in context where whole-sentence vectors blur.

For each fold of calibrate.FOLDS (whole articles left out), this script fits the ranking weights
without the fold, with and without the alignment feature, and prints per set:
- top-1 of the fold's answerable questions (does alignment rank the right quote first more often?);
- the best mean of answered-right and abstained that any threshold could reach on the fold with
  the confidence model refitted with alignment and agreement features (an upper bound on what
  confidence can separate; 50% means it separates nothing).

Shipping it would store ~23 kB of token states per passage (float16) beside the pooled vectors;
it is adopted only if the held-out figures say so (see README, "Models").
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from benchsets import all_sets
from calibrate import (
    ANSWERABILITY_NAMES,
    CONFIDENCE_SIGNS,
    DOMAIN_WEIGHT,
    Item,
    Ranker,
    answerability_rows,
    calibrated,
    collect_cached,
    confidence_rows,
    evidence,
    fit_calibration,
    fit_confidence,
    fit_rank,
    fold_of,
    matcher_for,
    top1,
    top_index,
)

from factbot.answering.weights import (
    ANSWERABILITY_SHARE,
    CONFIDENCE_WEIGHTS,
    SEMANTIC_MARGIN,
    SEMANTIC_RANK_WEIGHTS,
)
from factbot.index.meaning import Encoder, default_encoder
from factbot.language.text import QUESTION_WORDS, STOPWORDS

SKIPPED = set(STOPWORDS) | set(QUESTION_WORDS)
SETS = ("incident", "incident-chat", "story-dev", "squad")
EXTRA_CONFIDENCE = ["alignment", "alignment_gap", "agrees_alignment", "agrees_meaning"]


class TokenStates:
    """Unit-length last-layer vectors of a text's word pieces, and which are content words."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def of(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if text not in self.cache:
            encoding = self.encoder.tokenizer.encode(text)
            hidden = self.encoder.hidden_states(np.array([encoding.ids], dtype=np.int64))[0]
            hidden = hidden / np.linalg.norm(hidden, axis=1, keepdims=True)
            pieces: dict[int, list[int]] = {}
            for index, word in enumerate(encoding.word_ids):
                if word is not None:
                    pieces.setdefault(word, []).append(index)
            content = [
                index
                for indices in pieces.values()
                if (w := "".join(encoding.tokens[i].removeprefix("##") for i in indices)).isalnum()
                and w.lower() not in SKIPPED
                for index in indices
            ]
            every = [i for i, word in enumerate(encoding.word_ids) if word is not None]
            self.cache[text] = (hidden[content or every], hidden[every])
        return self.cache[text]

    def alignment(self, question: str, passage: str) -> float:
        asked, _ = self.of(question)
        _, passage_pieces = self.of(passage)
        return float((asked @ passage_pieces.T).max(axis=1).mean())


def add_alignment(items: Sequence[Item], sets: Sequence[tuple[Path, Sequence[object]]]) -> None:
    """Give every collected candidate its `alignment` feature, in the order collect() ranked them."""
    encoder = default_encoder()
    if encoder is None:
        raise SystemExit("the sentence encoder is not installed")
    states = TokenStates(encoder)
    queue = iter(items)
    for db_path, questions in sets:
        matcher = matcher_for(db_path)
        for _ in questions:
            item = next(queue)
            ranking = matcher.rank(matcher.analyse(item.question.text), limit=1000)
            for features, candidate in zip(item.features, ranking.candidates, strict=True):
                features["alignment"] = states.alignment(item.question.text, candidate.text)
        matcher.db.conn.close()


def add_agreement(item: Item, best: int) -> None:
    """Whether alignment and meaning alone would pick the same quote, and alignment's lead."""
    def top(name: str) -> int:
        return max(range(len(item.features)), key=lambda i: item.features[i].get(name, 0.0))

    chosen = item.features[best]
    chosen["agrees_alignment"] = float(top("alignment") == best)
    chosen["agrees_meaning"] = float(top("semantic") == best)
    others = [f["alignment"] for i, f in enumerate(item.features) if i != best]
    chosen["alignment_gap"] = chosen["alignment"] - max(others, default=0.0)


def best_mean(rows: Sequence[tuple[float, bool, bool]]) -> float:
    """The best mean of answered-right and abstained over every threshold (not held out)."""
    answerable = max(1, sum(a for _, a, _ in rows))
    unanswerable = max(1, sum(not a for _, a, _ in rows))
    return max(
        (sum(r and p >= t for p, _, r in rows) / answerable
         + sum((not a) and p < t for p, a, _ in rows) / unanswerable) / 2
        for t in sorted({p for p, _, _ in rows} | {math.inf})
    )


def held_out(items: Sequence[Item], with_alignment: bool) -> tuple[dict[str, float], dict[str, float]]:
    """Top-1 and best confidence mean per set, each fold scored by weights fitted without it."""
    hits: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    points: dict[str, list[tuple[float, bool, bool]]] = collections.defaultdict(list)
    start = {n: v for n, v in SEMANTIC_RANK_WEIGHTS.items() if n != "semantic"}
    if with_alignment:
        start["alignment"] = 0.5
    names = [n for n in CONFIDENCE_WEIGHTS if n != "bias"]
    names += EXTRA_CONFIDENCE if with_alignment else []
    for fold in sorted({fold_of(i.question.group) for i in items}):
        train = [i for i in items if fold_of(i.question.group) != fold]
        test = [i for i in items if fold_of(i.question.group) == fold]
        weighted = [i for i in train if i.question.set_name == "squad"] + [
            i for i in train if i.question.set_name != "squad"
        ] * DOMAIN_WEIGHT
        ranker = Ranker(
            fit_rank(weighted, start, strict_anchor=False),
            fit_rank(weighted, {**start, "semantic": 1.0}, strict_anchor=False),
            SEMANTIC_MARGIN,
        )
        for item in items:
            if item.features and with_alignment:
                add_agreement(item, top_index(item, ranker) or 0)
        confidence = fit_confidence(confidence_rows(weighted, ranker), names)
        answerability = fit_confidence(answerability_rows(weighted, ranker), ANSWERABILITY_NAMES)
        calibration = fit_calibration(
            evidence(weighted, ranker, confidence, answerability, ANSWERABILITY_SHARE)
        )
        for set_name in {i.question.set_name for i in test}:
            subset = [i for i in test if i.question.set_name == set_name]
            answerable = sum(i.answerable for i in subset)
            hits[set_name][0] += round(top1(subset, ranker) * answerable)
            hits[set_name][1] += answerable
        for outcome in evidence(test, ranker, confidence, answerability, ANSWERABILITY_SHARE):
            points[outcome.item.question.set_name].append(
                (calibrated(outcome.value, calibration), outcome.item.answerable, outcome.right)
            )
    return (
        {s: h / n for s, (h, n) in hits.items() if n},
        {s: best_mean(rows) for s, rows in points.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, help="features collected once (see calibrate.py)")
    args = parser.parse_args()
    CONFIDENCE_SIGNS.update({name: 1 for name in EXTRA_CONFIDENCE})
    with tempfile.TemporaryDirectory() as tmp:
        sets = all_sets(Path(tmp))
        items = collect_cached(sets, args.cache)
        add_alignment(items, sets)
    results = {label: held_out(items, flag) for label, flag in (("words+meaning", False), ("+alignment", True))}
    print("held out (folds leave whole articles out: incident, story-dev, SQuAD x2)")
    print(f"{'set':14s} " + " ".join(f"{label + ' top-1':>22s} {label + ' best mean':>26s}" for label in results))
    for set_name in SETS:
        cells = []
        for top, mean in results.values():
            cells.append(f"{top.get(set_name, math.nan):22.1%} {mean.get(set_name, math.nan):26.1%}")
        print(f"{set_name:14s} " + " ".join(cells))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
