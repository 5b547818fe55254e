"""Fit the matcher's ranking weights and confidence model on development questions.

Usage: python bench/calibrate.py [--dev-articles A,B,C]

Collects every candidate's features once, then (1) searches the ranking weights by coordinate
ascent on top-1 accuracy and (2) fits the confidence model (logistic regression on the top
candidate's features: 1 when it holds the answer of an answerable question, else 0). It prints
both dicts to paste into `factbot/matcher.py`, with dev and held-out figures. Dev data: the
incident questions and the chosen SQuAD articles; the other SQuAD articles are held out.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from accuracy import INCIDENT_QUESTIONS, SQUAD_DIR, holds_answer, load_jsonl

from factbot.build import build_fact_base
from factbot.ingest import ingest_paths
from factbot.matcher import CONFIDENCE_WEIGHTS, RANK_WEIGHTS, Matcher, unknown_share
from factbot.settings import REPO_ROOT
from factbot.store import connect

DEFAULT_DEV = "Normans,Huguenot,Steam_engine"
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
        items.append(
            Item(
                answerable=bool(q["answerable"]),
                unknown=unknown_share(matcher, question),
                features=[c.features for c in ranking.candidates],
                correct=[holds_answer(c.text, expected) for c in ranking.candidates],
            )
        )
    return items


def top_index(item: Item, weights: dict[str, float]) -> int | None:
    if not item.features:
        return None
    scores = [sum(weights[k] * f[k] for k in weights) for f in item.features]
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def top1(items: Sequence[Item], weights: dict[str, float]) -> float:
    answerable = [i for i in items if i.answerable]
    if not answerable:
        return math.nan
    hits = 0
    for item in answerable:
        index = top_index(item, weights)
        hits += index is not None and item.correct[index]
    return hits / len(answerable)


def fit_rank(items: Sequence[Item], start: dict[str, float], epochs: int = 100) -> dict[str, float]:
    """Listwise training: softmax over each question's candidates, maximise the right ones' share.

    Coverage keeps weight 1 (it fixes the scale); the others are learnt with a small L2 penalty.
    Keeps whichever of the start and the learnt weights has the better top-1 on `items`.
    """
    names = [n for n in start if n != "coverage"]
    w = dict(start)
    usable = [i for i in items if i.answerable and any(i.correct)]
    rate, l2, scale = 1.0, 1e-4, 12.0
    for _ in range(epochs):
        grad = dict.fromkeys(names, 0.0)
        for item in usable:
            scores = [scale * sum(w[k] * f[k] for k in w) for f in item.features]
            top = max(scores)
            exp = [math.exp(x - top) for x in scores]
            z = sum(exp)
            right = sum(e for e, c in zip(exp, item.correct, strict=True) if c)
            for f, e, c in zip(item.features, exp, item.correct, strict=True):
                # d(-log(right/z))/d score = p_all - p_right_share
                g = e / z - (e / right if c else 0.0)
                for n in names:
                    grad[n] += scale * g * f[n]
        for n in names:
            w[n] -= rate * (grad[n] / len(usable) + l2 * w[n])
    learnt = {k: round(v, 3) for k, v in w.items()}
    best = learnt if top1(items, learnt) >= top1(items, start) else dict(start)
    return coordinate_ascent(items, best)


def coordinate_ascent(items: Sequence[Item], start: dict[str, float]) -> dict[str, float]:
    """Polish: move one weight at a time while top-1 on `items` improves."""
    weights = dict(start)
    best = top1(items, weights)
    for _ in range(2):
        for name in weights:
            if name == "coverage":
                continue
            for delta in (-0.3, -0.15, -0.05, 0.05, 0.15, 0.3):
                trial = {**weights, name: round(weights[name] + delta, 3)}
                score = top1(items, trial)
                if score > best + 1e-9:
                    best, weights = score, trial
    return weights


def confidence_rows(items: Sequence[Item], weights: dict[str, float]) -> list[tuple[dict[str, float], int]]:
    rows = []
    for item in items:
        index = top_index(item, weights)
        if index is None:
            continue
        scores = sorted((sum(weights[k] * f[k] for k in weights) for f in item.features), reverse=True)
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
}


def fit_confidence(rows: Sequence[tuple[dict[str, float], int]], names: Sequence[str]) -> dict[str, float]:
    """Logistic regression by projected gradient descent, each weight kept to its sign."""
    w = dict.fromkeys(["bias", *names], 0.0)
    rate = 0.5
    for _ in range(3000):
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


def matcher_for(db_path: Path) -> Matcher:
    return Matcher(connect(db_path, readonly=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev-articles", default=DEFAULT_DEV)
    args = parser.parse_args()
    dev_articles = set(args.dev_articles.split(","))
    questions = load_jsonl(SQUAD_DIR / "questions.jsonl")
    dev: list[Item] = []
    held: list[Item] = []
    with tempfile.TemporaryDirectory() as tmp:
        incident_db = Path(tmp) / "incident.db"
        build_fact_base(REPO_ROOT / "knowledge", incident_db)
        incident = collect(matcher_for(incident_db), load_jsonl(INCIDENT_QUESTIONS), "expect")
        for article in sorted({str(q["article"]) for q in questions}):
            db = Path(tmp) / f"{article}.db"
            ingest_paths(db, [SQUAD_DIR / "articles" / f"{article}.md"])
            items = collect(matcher_for(db), [q for q in questions if q["article"] == article], "answers")
            (dev if article in dev_articles else held).extend(items)
    print(f"current weights: dev top-1 {top1(dev, RANK_WEIGHTS):.1%}, held-out {top1(held, RANK_WEIGHTS):.1%}, incident {top1(incident, RANK_WEIGHTS):.1%}")
    train = dev + incident * INCIDENT_WEIGHT
    weights = fit_rank(train, RANK_WEIGHTS)
    print(f"fitted weights:  dev top-1 {top1(dev, weights):.1%}, held-out {top1(held, weights):.1%}, incident {top1(incident, weights):.1%}")
    print("RANK_WEIGHTS =", weights)
    names = [n for n in CONFIDENCE_WEIGHTS if n != "bias"]
    confidence = fit_confidence(confidence_rows(incident, weights), names)
    print("CONFIDENCE_WEIGHTS =", confidence)


if __name__ == "__main__":
    main()
