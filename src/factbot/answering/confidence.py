"""How sure the ranking is of its best candidate: word support (a logistic function of the
best candidate's features), answerability (how close the question's meaning stands to the best
quote, and how far ahead of the others), and their calibrated combination.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from factbot.answering import weights
from factbot.answering.candidates import Candidate
from factbot.answering.weights import (
    ANSWERABILITY_SHARE,
    ANSWERABILITY_WEIGHTS,
    ANSWERABILITY_WITHOUT_MEANING,
    CONFIDENCE_CALIBRATION,
    CONFIDENCE_WEIGHTS,
)


def combined_confidence(words: float, answerable: float) -> float:
    """Word support and answerability, the latter counting ANSWERABILITY_SHARE as much in log
    terms, mapped by CONFIDENCE_CALIBRATION to the chance that the answer is right."""
    if words <= 0.0 or answerable <= 0.0:
        return 0.0
    evidence = math.log(words) + ANSWERABILITY_SHARE * math.log(answerable)
    z = CONFIDENCE_CALIBRATION["bias"] + CONFIDENCE_CALIBRATION["scale"] * evidence
    return 1.0 / (1.0 + math.exp(-z))


def word_confidence(candidates: Sequence[Candidate], unknown: float) -> float:
    """How well word evidence supports the best candidate, from its features, the margin over
    the next one and the question's share of words the base has never seen."""
    if not candidates:
        return 0.0
    top = candidates[0]
    margin = top.score - candidates[1].score if len(candidates) > 1 else top.score
    inputs = {**top.features, "unknown": unknown, "margin": min(margin, 1.0)}
    z = CONFIDENCE_WEIGHTS["bias"] + sum(
        weight * inputs[name] for name, weight in CONFIDENCE_WEIGHTS.items() if name != "bias"
    )
    return 1.0 / (1.0 + math.exp(-z))


def answerability(candidates: Sequence[Candidate]) -> float:
    """How likely the best candidate answers the question rather than only sharing its words:
    the question's sketch (sketch.py) against the best quote's vector, and how far that stands
    above every other candidate. Without meaning vectors, the value fitted for that case."""
    if not candidates or "sketch" not in candidates[0].features:
        return ANSWERABILITY_WITHOUT_MEANING
    inputs = answerability_inputs([c.features for c in candidates], 0)
    z = ANSWERABILITY_WEIGHTS["bias"] + sum(
        weight * inputs[name] for name, weight in ANSWERABILITY_WEIGHTS.items() if name != "bias"
    )
    return 1.0 / (1.0 + math.exp(-z))


def answerability_inputs(features: Sequence[dict[str, float]], best: int) -> dict[str, float]:
    """The best candidate's meaning similarity to the question (sketched, and encoded when the
    question was encoded) and its lead over every other candidate's."""
    inputs = {}
    for name in ("sketch", "semantic"):
        top = features[best].get(name, features[best].get("sketch", 0.0))
        others = max(
            (f.get(name, f.get("sketch", 0.0)) for i, f in enumerate(features) if i != best),
            default=0.0,
        )
        inputs[name] = top
        inputs[f"{name}_gap"] = top - others
    return inputs


def weighted(weights: dict[str, float], features: dict[str, float]) -> float:
    return sum(weight * features[name] for name, weight in weights.items())


def undecided(scores: Sequence[float], margin: float | None = None) -> bool:
    """Whether the best two scores stand too close for word evidence to pick between them."""
    margin = weights.SEMANTIC_MARGIN if margin is None else margin
    if math.isinf(margin):
        return True
    if len(scores) < 2:
        return False
    first, second = sorted(scores, reverse=True)[:2]
    return first - second < margin

