"""Fit the matcher's ranking weights, confidence model and threshold on development questions.

Usage: python bench/calibrate.py [--scale S]

Collects every candidate's features once (with its meaning similarity to the question), then
`fit_parameters`: (1) two sets of ranking weights by a listwise softmax loss, on word evidence
alone (RANK_WEIGHTS) and with the meaning similarity (SEMANTIC_RANK_WEIGHTS, used when the first
set leaves the top two within SEMANTIC_MARGIN); (2) the word-support confidence (sign-constrained
logistic regression on the top candidate's features) on the product's own sets (incident,
story-dev); (3) answerability on the SQuAD questions (the best quote's sketch similarity and its
lead); (4) CONFIDENCE_CALIBRATION on the product's sets; (5) the abstention threshold that
maximises, averaged over the training sets, the mean of answered-right and abstained.

`bench/accuracy.py` calls `fit_parameters` once per fold of FOLDS, each time without the fold's
questions, and scores the fold with what was fitted: the held-out figures. This script fits on
everything and prints the dicts to paste into `factbot/matcher.py` and the threshold for
`settings.DEFAULT_MIN_CONFIDENCE`.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from benchsets import Question, all_sets, collected

import factbot.answering.weights as weights_module
from factbot.answering.confidence import answerability_inputs, undecided, weighted
from factbot.answering.matcher import Matcher
from factbot.answering.question import unknown_share
from factbot.answering.weights import (
    ANSWERABILITY_SHARE,
    ANSWERABILITY_WEIGHTS,
    CONFIDENCE_WEIGHTS,
    RANK_WEIGHTS,
    SEMANTIC_MARGIN,
    SEMANTIC_RANK_WEIGHTS,
)
from factbot.store.database import connect

# Held-out folds: each leaves out whole articles. The story-dev articles share one base, so they
# leave together; the six SQuAD articles leave three at a time.
SQUAD_FOLDS = (
    frozenset({"Normans", "Huguenot", "Steam_engine"}),
    frozenset({"1973_oil_crisis", "Computational_complexity_theory", "European_Union_law"}),
)
# The product's own sets each count as this many SQuAD questions, so the families weigh about
# the same in the ranking fit.
DOMAIN_WEIGHT = 8
# "High" is never shown below this confidence, whatever the fit.
HIGH_FLOOR = 0.85


ANSWERABILITY_NAMES = [n for n in ANSWERABILITY_WEIGHTS if n != "bias"]


def fold_of(group: str) -> str:
    """The fold a question's group is left out with."""
    if group.startswith("squad:"):
        article = group.split(":", 1)[1]
        for index, fold in enumerate(SQUAD_FOLDS):
            if article in fold:
                return f"squad-fold-{index + 1}"
        return "squad-other"
    return group


@dataclass
class Item:
    """One question's candidates as the matcher ranked them, with their features."""

    question: Question
    unknown: float
    features: list[dict[str, float]]
    correct: list[bool]

    @property
    def answerable(self) -> bool:
        return self.question.answerable


def collect(matcher: Matcher, questions: Sequence[Question]) -> list[Item]:
    items = []
    for q in questions:
        question = matcher.analyse(q.text)
        ranking = matcher.rank(question, limit=1000)
        rowids = [c.rowid for c in ranking.candidates]
        similarity = matcher.semantic_similarities(question, rowids) if rowids else {}
        if similarity is None:
            raise SystemExit("no meaning vectors: is the sentence encoder installed?")
        for candidate in ranking.candidates:
            candidate.features["semantic"] = similarity[candidate.rowid]
        items.append(
            Item(
                question=q,
                unknown=unknown_share(matcher, question),
                features=[c.features for c in ranking.candidates],
                correct=[q.right_passage(c.text, c.source_id) for c in ranking.candidates],
            )
        )
    return items


def collect_cached(sets: Sequence[tuple[Path, Sequence[Question]]], cache: Path | None) -> list[Item]:
    """`collect_all`, kept in `cache` (a pickle) for as long as factbot's code and data and the
    questions stay the same (benchsets.collected): collecting takes minutes, a fit seconds."""
    return collected(sets, collect_all, cache)


def collect_all(sets: Sequence[tuple[Path, Sequence[Question]]]) -> list[Item]:
    items: list[Item] = []
    for db_path, questions in sets:
        matcher = matcher_for(db_path)
        items += collect(matcher, questions)
        matcher.db.conn.close()
    return items


@dataclass(frozen=True)
class Ranker:
    """The matcher's cascade: word weights, and meaning weights when the top two are close."""

    words: dict[str, float]
    meaning: dict[str, float] | None = None
    margin: float = SEMANTIC_MARGIN

    def scores(self, item: Item) -> tuple[list[float], bool]:
        """The candidates' scores, and whether the meaning weights gave them."""
        scores = [weighted(self.words, f) for f in item.features]
        if self.meaning is not None and undecided(scores, self.margin):
            return [weighted(self.meaning, f) for f in item.features], True
        return scores, False


def top_index(item: Item, ranker: Ranker) -> int | None:
    if not item.features:
        return None
    scores, _ = ranker.scores(item)
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def top1(items: Sequence[Item], ranker: Ranker) -> float:
    answerable = [i for i in items if i.answerable]
    if not answerable:
        return math.nan
    hits = 0
    for item in answerable:
        index = top_index(item, ranker)
        hits += index is not None and item.correct[index]
    return hits / len(answerable)


def encoded_share(items: Sequence[Item], ranker: Ranker) -> float:
    """Share of questions for which the matcher would encode the question."""
    return sum(bool(i.features) and ranker.scores(i)[1] for i in items) / max(1, len(items))


def fit_rank(
    items: Sequence[Item],
    start: dict[str, float],
    epochs: int = 300,
    scale: float = 12.0,
    strict_anchor: bool = True,
) -> dict[str, float]:
    """Listwise training: softmax over each question's candidates, maximise the right ones' share.

    Adam from the current weights with a small L2 penalty, then rescaled so coverage keeps weight
    1 (the confidence model reads score margins, so the scale stays put). No polishing on top-1
    afterwards: in cross-validation by article it overfitted (78.3% unpolished, 77.2-78.1%
    polished).
    """
    names = list(start)
    usable = [i for i in items if i.answerable and any(i.correct)]
    x = np.array([[f.get(n, 0.0) for n in names] for i in usable for f in i.features])
    right = np.array([c for i in usable for c in i.correct], dtype=bool)
    offsets = np.cumsum([0] + [len(i.features) for i in usable[:-1]])
    segment = np.repeat(np.arange(len(usable)), [len(i.features) for i in usable])
    w = np.array([start[n] for n in names]) / scale
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    l2, rate = 1e-4, 0.02
    for epoch in range(1, epochs + 1):
        scores = scale * (x @ w)
        p_all = np.exp(scores - np.maximum.reduceat(scores, offsets)[segment])
        p_all /= np.add.reduceat(p_all, offsets)[segment]
        right_scores = np.where(right, scores, -np.inf)
        p_right = np.where(right, np.exp(scores - np.maximum.reduceat(right_scores, offsets)[segment]), 0.0)
        p_right /= np.add.reduceat(p_right, offsets)[segment]
        grad = scale * ((p_all - p_right) @ x)  # d(-log P(right)) / dw, summed over questions
        grad = grad / len(usable) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= rate * (m / (1 - 0.9**epoch)) / (np.sqrt(v / (1 - 0.999**epoch)) + 1e-8)
    coverage = w[names.index("coverage")]
    if coverage <= 0 and strict_anchor:
        raise SystemExit("the fit gave coverage a weight <= 0: check the features")
    if coverage <= 0:
        # An experiment's new feature made coverage redundant: keep the scale by the weights'
        # total size instead (about eight times coverage's share in the shipped weights).
        coverage = float(np.abs(w).sum()) / 8.0
    learnt = {n: round(float(x / coverage), 3) for n, x in zip(names, w, strict=True)}
    return learnt


def confidence_rows(items: Sequence[Item], ranker: Ranker) -> list[tuple[dict[str, float], int]]:
    rows = []
    for item in items:
        index = top_index(item, ranker)
        if index is None:
            continue
        scores = sorted(ranker.scores(item)[0], reverse=True)
        margin = scores[0] - scores[1] if len(scores) > 1 else scores[0]
        x = dict(item.features[index])
        x["unknown"] = item.unknown
        x["margin"] = min(margin, 1.0)
        rows.append((x, int(item.answerable and item.correct[index])))
    return rows


# Evidence can only raise confidence and unknown words can only lower it: the fit may not learn
# the opposite from quirks of the development questions.
CONFIDENCE_SIGNS = {
    "coverage": 1,
    "proximity": 1,
    "type_fit": 1,
    "entity": 1,
    "unknown": -1,
    "margin": 1,
    "matched_idf": 1,
    "type_missing": -1,
    "context": 1,
    "sketch": 1,
    "sketch_gap": 1,
    "semantic": 1,
    "semantic_gap": 1,
    "kind_missing": -1,
    "clash": -1,
    "order_reversed": -1,
    "scale": 1,
}


def fit_confidence(
    rows: Sequence[tuple[dict[str, float], int]], names: Sequence[str], iterations: int = 3000, rate: float = 0.5
) -> dict[str, float]:
    """Logistic regression by projected gradient descent, each weight kept to its sign."""
    x = np.array([[r[n] for n in names] for r, _ in rows], dtype=float).reshape(len(rows), len(names))
    y = np.array([label for _, label in rows], dtype=float)
    signs = np.array([CONFIDENCE_SIGNS.get(n, 0) for n in names])
    w = np.zeros(len(names))
    bias = 0.0
    for _ in range(iterations):
        z = np.clip(bias + x @ w, -30.0, 30.0)
        error = 1 / (1 + np.exp(-z)) - y
        bias -= rate * float(error.mean()) + 1e-4 * bias
        w -= rate * (x.T @ error) / len(rows) + 1e-4 * w
        w[(signs != 0) & (w * signs < 0)] = 0.0
    return {"bias": round(bias, 3), **{n: round(float(v), 3) for n, v in zip(names, w, strict=True)}}


def answerability_rows(items: Sequence[Item], ranker: Ranker) -> list[tuple[dict[str, float], int]]:
    """The best candidate's sketch similarity and its lead over every other candidate's."""
    rows = []
    for item in items:
        index = top_index(item, ranker)
        if index is None:
            continue
        rows.append((answerability_inputs(item.features, index), int(item.answerable and item.correct[index])))
    return rows


def logistic(weights: dict[str, float], x: dict[str, float]) -> float:
    z = weights["bias"] + sum(w * x[n] for n, w in weights.items() if n != "bias")
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Evidence:
    """A question's combined evidence for its best candidate (-inf without candidates)."""

    item: Item
    value: float
    right: bool


def evidence(
    items: Sequence[Item], ranker: Ranker, confidence: dict[str, float], answerability: dict[str, float], share: float
) -> list[Evidence]:
    """Per question, what the matcher maps to a confidence: log of word support plus `share`
    times log of answerability."""
    out = []
    words = iter(confidence_rows(items, ranker))
    sketches = iter(answerability_rows(items, ranker))
    for item in items:
        index = top_index(item, ranker)
        if index is None:
            out.append(Evidence(item, -math.inf, False))
            continue
        support = logistic(confidence, next(words)[0])
        answerable = logistic(answerability, next(sketches)[0])
        value = math.log(max(support, 1e-12)) + share * math.log(max(answerable, 1e-12))
        out.append(Evidence(item, value, item.answerable and item.correct[index]))
    return out


def fit_calibration(outcomes: Sequence[Evidence]) -> dict[str, float]:
    """Logistic regression of "answered right" on the evidence: CONFIDENCE_CALIBRATION."""
    rows = [({"scale": o.value}, int(o.right)) for o in outcomes if o.value > -math.inf]
    w = fit_confidence(rows, ["scale"], iterations=20000, rate=0.1)
    return {"bias": w["bias"], "scale": w["scale"]}


def calibrated(value: float, calibration: dict[str, float]) -> float:
    if value == -math.inf:
        return 0.0
    z = calibration["bias"] + calibration["scale"] * value
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def fit_threshold(outcomes: Sequence[Evidence], calibration: dict[str, float]) -> float:
    """The threshold maximising the mean of answered-right and abstained, averaged over the
    sets the outcomes come from (each set counts the same, whatever its size)."""
    by_set: dict[str, list[tuple[float, bool, bool]]] = {}
    for o in outcomes:
        by_set.setdefault(o.item.question.set_name, []).append(
            (calibrated(o.value, calibration), o.item.answerable, o.right)
        )
    candidates = sorted({round(c, 3) for rows in by_set.values() for c, _, _ in rows} | {0.05, 0.95})

    def quality(threshold: float) -> float:
        means = []
        for rows in by_set.values():
            answerable = [(c, r) for c, a, r in rows if a]
            unanswerable = [c for c, a, _ in rows if not a]
            right = sum(r and c >= threshold for c, r in answerable) / max(1, len(answerable))
            abstained = sum(c < threshold for c in unanswerable) / max(1, len(unanswerable))
            means.append((right + abstained) / 2)
        return sum(means) / len(means)

    return max(candidates, key=lambda t: (quality(t), -abs(t - 0.5)))


@dataclass(frozen=True)
class Parameters:
    """Everything fitted: what `installed` puts into factbot.answering.weights for one run."""

    rank: dict[str, float]
    semantic_rank: dict[str, float]
    confidence: dict[str, float]
    answerability: dict[str, float]
    calibration: dict[str, float]
    threshold: float
    high: float


@contextlib.contextmanager
def installed(parameters: Parameters) -> Iterator[None]:
    """The matcher ranks and scores with `parameters` inside the block (module dicts swapped in
    place, restored after)."""
    targets = {
        "RANK_WEIGHTS": parameters.rank,
        "SEMANTIC_RANK_WEIGHTS": parameters.semantic_rank,
        "CONFIDENCE_WEIGHTS": parameters.confidence,
        "ANSWERABILITY_WEIGHTS": parameters.answerability,
        "CONFIDENCE_CALIBRATION": parameters.calibration,
    }
    saved = {name: dict(getattr(weights_module, name)) for name in targets}
    saved_high = weights_module.HIGH_CONFIDENCE
    try:
        for name, values in targets.items():
            current = getattr(weights_module, name)
            current.clear()
            current.update(values)
        weights_module.HIGH_CONFIDENCE = parameters.high
        yield
    finally:
        for name, values in saved.items():
            current = getattr(weights_module, name)
            current.clear()
            current.update(values)
        weights_module.HIGH_CONFIDENCE = saved_high


def fit_parameters(train: Sequence[Item], scale: float = 12.0) -> Parameters:
    """Fit everything on `train` only (see the module docstring for the steps)."""
    squad = [i for i in train if i.question.set_name == "squad"]
    domain = [i for i in train if i.question.set_name != "squad"]
    ranking_items = squad + domain * DOMAIN_WEIGHT
    # One question of the product's own sets counts DOMAIN_WEIGHT times in every fit.
    train = ranking_items
    rank_start = {n: v for n, v in SEMANTIC_RANK_WEIGHTS.items() if n != "semantic"}
    rank_start = {**rank_start, **{n: RANK_WEIGHTS.get(n, v) for n, v in rank_start.items()}}
    meaning_start = {**rank_start, "semantic": SEMANTIC_RANK_WEIGHTS.get("semantic") or 0.5}
    ranker = Ranker(
        fit_rank(ranking_items, rank_start, scale=scale),
        fit_rank(ranking_items, meaning_start, scale=scale),
        weights_module.SEMANTIC_MARGIN,
    )
    names = [n for n in CONFIDENCE_WEIGHTS if n != "bias"]
    confidence = fit_confidence(confidence_rows(train, ranker), names)
    answerability = fit_confidence(answerability_rows(train, ranker), ANSWERABILITY_NAMES)
    outcomes = evidence(train, ranker, confidence, answerability, ANSWERABILITY_SHARE)
    calibration = fit_calibration(outcomes)
    threshold = fit_threshold(outcomes, calibration)
    return Parameters(
        ranker.words,
        ranker.meaning or {},
        confidence,
        answerability,
        calibration,
        threshold,
        fit_high(outcomes, calibration, threshold),
    )


def fit_high(outcomes: Sequence[Evidence], calibration: dict[str, float], threshold: float) -> float:
    """The lowest confidence shown as "High": above every wrong answer in the training sets
    (an unanswerable question answered, or a wrong quote), and never below HIGH_FLOOR."""
    wrong = [
        calibrated(o.value, calibration)
        for o in outcomes
        if not o.right and calibrated(o.value, calibration) >= threshold
    ]
    return round(min(0.999, max([HIGH_FLOOR, *(w + 0.001 for w in wrong)])), 3)


def matcher_for(db_path: Path) -> Matcher:
    return Matcher(connect(db_path, readonly=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=12.0, help="softmax sharpness of the listwise fit")
    parser.add_argument("--cache", type=Path, help="keep the collected features in this file (reused while the code is unchanged)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        items = collect_cached(all_sets(Path(tmp)), args.cache)
    current = Ranker(RANK_WEIGHTS, SEMANTIC_RANK_WEIGHTS)
    for set_name in sorted({i.question.set_name for i in items}):
        subset = [i for i in items if i.question.set_name == set_name]
        print(f"current weights: {set_name} top-1 {top1(subset, current):.1%}")
    fitted = fit_parameters(items, args.scale)
    ranker = Ranker(fitted.rank, fitted.semantic_rank)
    for set_name in sorted({i.question.set_name for i in items}):
        subset = [i for i in items if i.question.set_name == set_name]
        print(f"fitted on all (in-sample): {set_name} top-1 {top1(subset, ranker):.1%}, encoded {encoded_share(subset, ranker):.0%}")
    print("RANK_WEIGHTS =", fitted.rank)
    print("SEMANTIC_RANK_WEIGHTS =", fitted.semantic_rank)
    print("CONFIDENCE_WEIGHTS =", fitted.confidence)
    print("ANSWERABILITY_WEIGHTS =", fitted.answerability)
    print("CONFIDENCE_CALIBRATION =", fitted.calibration)
    print("HIGH_CONFIDENCE =", fitted.high)
    print("DEFAULT_MIN_CONFIDENCE =", fitted.threshold)


if __name__ == "__main__":
    main()
