"""Fit the matcher's ranking weights and confidence model on development questions.

Usage: python bench/calibrate.py [--scale S]

Collects every candidate's features once (with its meaning similarity to the question), then
(1) fits two sets of ranking weights by a listwise softmax loss: on word evidence alone
(RANK_WEIGHTS) and with the meaning similarity (SEMANTIC_RANK_WEIGHTS, used when the first set
leaves the top two within SEMANTIC_MARGIN), and (2) fits the confidence model (logistic regression on the top
candidate's features: 1 when it holds the answer of an answerable question, else 0), (3) fits
answerability on the SQuAD questions (the best quote's sketch similarity and its lead), prints
the trade for ANSWERABILITY_SHARE and fits CONFIDENCE_CALIBRATION on the incident questions. It
prints the dicts to paste into `factbot/matcher.py`. Data: the incident questions and the six public
SQuAD articles. Before the final fit on all of them it prints a two-fold cross-validation by
article (fit on three articles, score the other three), the figure to expect on unseen articles.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from accuracy import (
    INCIDENT_QUESTIONS,
    SQUAD_DIR,
    Outcome,
    best_threshold,
    holds_answer,
    load_jsonl,
    rates,
    rule_threshold,
)

from factbot.answering.matcher import (
    ANSWERABILITY_SHARE,
    CONFIDENCE_WEIGHTS,
    RANK_WEIGHTS,
    SEMANTIC_MARGIN,
    SEMANTIC_RANK_WEIGHTS,
    Matcher,
    undecided,
    unknown_share,
    weighted,
)
from factbot.index.ingest import ingest_paths
from factbot.knowledge.build import build_fact_base
from factbot.settings import REPO_ROOT
from factbot.store.database import connect

FOLDS = ({"Normans", "Huguenot", "Steam_engine"}, {"1973_oil_crisis", "Computational_complexity_theory", "European_Union_law"})
# The incident questions are the product's own domain: each counts as this many SQuAD questions,
# so the two sets weigh about the same in the fit.
INCIDENT_WEIGHT = 8


@dataclass
class Item:
    answerable: bool
    unknown: float
    features: list[dict[str, float]]
    correct: list[bool]


def collect(matcher: Matcher, questions: Sequence[dict[str, object]], key: str) -> list[Item]:
    items = []
    for q in questions:
        question = matcher.analyse(str(q["question"]))
        ranking = matcher.rank(question, limit=1000)
        expected = q.get(key) or []
        assert isinstance(expected, list)
        rowids = [c.rowid for c in ranking.candidates]
        similarity = matcher.semantic_similarities(question, rowids) if rowids else {}
        if similarity is None:
            raise SystemExit("no meaning vectors: is the sentence encoder installed?")
        for candidate in ranking.candidates:
            candidate.features["semantic"] = similarity[candidate.rowid]
        items.append(
            Item(
                answerable=bool(q["answerable"]),
                unknown=unknown_share(matcher, question),
                features=[c.features for c in ranking.candidates],
                correct=[holds_answer(c.text, expected) for c in ranking.candidates],
            )
        )
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
    items: Sequence[Item], start: dict[str, float], epochs: int = 300, scale: float = 12.0
) -> dict[str, float]:
    """Listwise training: softmax over each question's candidates, maximise the right ones' share.

    Adam from the current weights with a small L2 penalty, then rescaled so coverage keeps weight
    1 (the confidence model reads score margins, so the scale stays put). No polishing on top-1
    afterwards: in cross-validation by article it overfitted (78.3% unpolished, 77.2-78.1%
    polished).
    """
    names = list(start)
    usable = [i for i in items if i.answerable and any(i.correct)]
    matrices = [np.array([[f[n] for n in names] for f in i.features]) for i in usable]
    rights = [np.array(i.correct, dtype=bool) for i in usable]
    w = np.array([start[n] for n in names]) / scale
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    l2, rate = 1e-4, 0.02
    for epoch in range(1, epochs + 1):
        grad = np.zeros_like(w)
        for x, right in zip(matrices, rights, strict=True):
            scores = scale * (x @ w)
            p_all = np.exp(scores - scores.max())
            p_all /= p_all.sum()
            p_right = np.where(right, np.exp(scores - scores[right].max()), 0.0)
            p_right /= p_right.sum()
            grad += scale * (p_all - p_right) @ x  # d(-log P(right)) / dw
        grad = grad / len(usable) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= rate * (m / (1 - 0.9**epoch)) / (np.sqrt(v / (1 - 0.999**epoch)) + 1e-8)
    coverage = w[names.index("coverage")]
    if coverage <= 0:
        raise SystemExit("the fit gave coverage a weight <= 0: check the features")
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
    "scale": 1,
}


def fit_confidence(
    rows: Sequence[tuple[dict[str, float], int]], names: Sequence[str], iterations: int = 3000, rate: float = 0.5
) -> dict[str, float]:
    """Logistic regression by projected gradient descent, each weight kept to its sign."""
    w = dict.fromkeys(["bias", *names], 0.0)
    for _ in range(iterations):
        grad = dict.fromkeys(w, 0.0)
        for x, y in rows:
            z = w["bias"] + sum(w[n] * x[n] for n in names)
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            grad["bias"] += p - y
            for n in names:
                grad[n] += (p - y) * x[n]
        for n in w:
            w[n] -= rate * grad[n] / len(rows) + 1e-4 * w[n]
            sign = CONFIDENCE_SIGNS.get(n, 0)
            if sign and w[n] * sign < 0:
                w[n] = 0.0
    return {k: round(v, 3) for k, v in w.items()}


def answerability_rows(items: Sequence[Item], ranker: Ranker) -> list[tuple[dict[str, float], int]]:
    """The best candidate's sketch similarity and its lead over every other candidate's."""
    rows = []
    for item in items:
        index = top_index(item, ranker)
        if index is None:
            continue
        best = item.features[index]["sketch"]
        others = max((f["sketch"] for i, f in enumerate(item.features) if i != index), default=0.0)
        rows.append(({"sketch": best, "sketch_gap": best - others}, int(item.answerable and item.correct[index])))
    return rows


def logistic(weights: dict[str, float], x: dict[str, float]) -> float:
    z = weights["bias"] + sum(w * x[n] for n, w in weights.items() if n != "bias")
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def evidence(items: Sequence[Item], ranker: Ranker, answerability: dict[str, float], share: float) -> list[Outcome]:
    """Per question, the combined evidence the matcher maps to a confidence (log of word support
    plus `share` times log of answerability; -inf without candidates), as bench/accuracy.py's
    outcomes: any increasing map of it ranks the questions the same."""
    out = []
    words = iter(confidence_rows(items, ranker))
    sketches = iter(answerability_rows(items, ranker))
    for item in items:
        index = top_index(item, ranker)
        if index is None:
            out.append(Outcome(item.answerable, False, -math.inf))
            continue
        support = logistic(CONFIDENCE_WEIGHTS, next(words)[0])
        answerable = logistic(answerability, next(sketches)[0])
        out.append(Outcome(item.answerable, item.correct[index], math.log(support) + share * math.log(answerable)))
    return out


def fit_calibration(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Logistic regression of "answered right" on the evidence: CONFIDENCE_CALIBRATION."""
    rows = [({"scale": o.score}, int(o.answerable and o.correct_quote)) for o in outcomes if o.score > -math.inf]
    w = fit_confidence(rows, ["scale"], iterations=20000, rate=0.1)
    return {"bias": w["bias"], "scale": w["scale"]}


def matcher_for(db_path: Path) -> Matcher:
    return Matcher(connect(db_path, readonly=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=12.0, help="softmax sharpness of the listwise fit")
    args = parser.parse_args()
    questions = load_jsonl(SQUAD_DIR / "questions.jsonl")
    by_article: dict[str, list[Item]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        incident_db = Path(tmp) / "incident.db"
        build_fact_base(REPO_ROOT / "knowledge", incident_db)
        incident = collect(matcher_for(incident_db), load_jsonl(INCIDENT_QUESTIONS), "expect")
        for article in sorted({str(q["article"]) for q in questions}):
            db = Path(tmp) / f"{article}.db"
            ingest_paths(db, [SQUAD_DIR / "articles" / f"{article}.md"])
            by_article[article] = collect(matcher_for(db), [q for q in questions if q["article"] == article], "answers")
    squad = [item for items in by_article.values() for item in items]
    current = Ranker(RANK_WEIGHTS, SEMANTIC_RANK_WEIGHTS)
    print(f"current weights: SQuAD top-1 {top1(squad, current):.1%}, incident {top1(incident, current):.1%}")
    meaning_start = {**RANK_WEIGHTS, "semantic": SEMANTIC_RANK_WEIGHTS.get("semantic") or 0.5}
    # Two-fold cross-validation by article: what the fit does on articles it has not seen.
    margins = (0.0, 0.05, 0.1, 0.2, 0.3, math.inf)
    hits = dict.fromkeys(margins, 0)
    encoded = dict.fromkeys(margins, 0.0)
    answerable = 0
    for fold in FOLDS:
        train = [i for a, items in by_article.items() if a in fold for i in items]
        test = [i for a, items in by_article.items() if a not in fold for i in items]
        word_weights = fit_rank(train + incident * INCIDENT_WEIGHT, RANK_WEIGHTS, scale=args.scale)
        meaning_weights = fit_rank(train + incident * INCIDENT_WEIGHT, meaning_start, scale=args.scale)
        n = sum(i.answerable for i in test)
        answerable += n
        for margin in margins:
            ranker = Ranker(word_weights, meaning_weights, margin)
            hits[margin] += round(top1(test, ranker) * n)
            encoded[margin] += encoded_share(test, ranker) * len(test)
    print("cross-validated SQuAD top-1 by SEMANTIC_MARGIN (0: words only; inf: always meaning):")
    squad_count = len(squad)
    for margin in margins:
        print(f"  margin {margin:>4}: top-1 {hits[margin] / answerable:.1%}, question encoded for {encoded[margin] / squad_count:.0%}")
    words = fit_rank(squad + incident * INCIDENT_WEIGHT, RANK_WEIGHTS, scale=args.scale)
    meaning = fit_rank(squad + incident * INCIDENT_WEIGHT, meaning_start, scale=args.scale)
    for margin in margins:
        trial = Ranker(words, meaning, margin)
        print(f"  fitted on all, margin {margin:>4}: SQuAD {top1(squad, trial):.1%}, incident {top1(incident, trial):.1%}")
    ranker = Ranker(words, meaning, SEMANTIC_MARGIN)
    print(
        f"fitted on all, margin {SEMANTIC_MARGIN}: SQuAD top-1 {top1(squad, ranker):.1%} (in-sample), "
        f"incident {top1(incident, ranker):.1%}; encoded for {encoded_share(squad, ranker):.0%} of SQuAD "
        f"and {encoded_share(incident, ranker):.0%} of incident questions"
    )
    print("RANK_WEIGHTS =", words)
    print("SEMANTIC_RANK_WEIGHTS =", meaning)
    names = [n for n in CONFIDENCE_WEIGHTS if n != "bias"]
    # On the incident questions alone: fitted on the SQuAD ones too, the model learns to ignore
    # unknown words (SQuAD's unanswerable questions rarely have any), and the incident's
    # off-topic questions are told apart by them (see matcher.CONFIDENCE_WEIGHTS).
    confidence = fit_confidence(confidence_rows(incident, ranker), names)
    print("CONFIDENCE_WEIGHTS =", confidence)
    # Answerability on the SQuAD questions alone: their unanswerable ones reuse the words of a
    # paragraph that does not answer them, the case word evidence cannot judge. The incident's
    # off-topic questions stay the word confidence's job.
    sketch_names = ["sketch", "sketch_gap"]
    answerability = fit_confidence(answerability_rows(squad, ranker), sketch_names)
    held_out = {fold_index: fit_confidence(answerability_rows([i for a, items in by_article.items() if a in fold for i in items], ranker), sketch_names) for fold_index, fold in enumerate(FOLDS)}
    print("how much answerability counts (ANSWERABILITY_SHARE): SQuAD best mean of the two rates cross-validated by")
    print("article; incident abstention at the threshold rule of settings.py and best mean (in-sample)")
    for share in (0.0, 0.3, 0.4, 0.5, 0.7, 1.0):
        squad_out: list[Outcome] = []
        for fold_index, fold in enumerate(FOLDS):
            test = [i for a, items in by_article.items() if a not in fold for i in items]
            squad_out += evidence(test, ranker, held_out[fold_index], share)
        incident_out = evidence(incident, ranker, answerability, share)
        _, answered, abstained = best_threshold(squad_out)
        rule, _, _ = rule_threshold(incident_out)
        _, incident_abstained = rates(incident_out, rule)
        _, a, b = best_threshold(incident_out)
        print(f"  {share:.1f}: SQuAD {(answered + abstained) / 2:.1%}; incident abstained {incident_abstained:.1%}, best mean {(a + b) / 2:.1%}")
    print("ANSWERABILITY_WEIGHTS =", answerability)
    typical = sorted(logistic(answerability, x) for x, _ in answerability_rows(squad + incident, ranker))
    print("ANSWERABILITY_WITHOUT_MEANING =", round(typical[len(typical) // 2], 2), "(the median)")
    print(f"CONFIDENCE_CALIBRATION (at ANSWERABILITY_SHARE {ANSWERABILITY_SHARE}) =", fit_calibration(evidence(incident, ranker, answerability, ANSWERABILITY_SHARE)))


if __name__ == "__main__":
    main()
