"""Question-level figures of a reader on validation items, and the threshold they choose.

No torch or numpy: tested in CI with hand-made scores.

A question is scored as the benchmarks score it: the reader picks its best sentence of the
paragraph; an answerable question is answered right when that sentence is the answer and its
probability reaches the threshold; an unanswerable one is right when the best probability stays
below it. The threshold maximises the mean of the two rates (answered-right on answerable,
abstained on unanswerable), so a set with more of one kind does not pull it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative."""
    ranked = sorted(zip(scores, labels, strict=True), key=lambda pair: pair[0])
    positives = sum(1 for _, label in ranked if label)
    negatives = len(ranked) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        tied_positives = sum(1 for _, label in ranked[i:j] if label)
        rank_sum += tied_positives * (i + j + 1) / 2
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


Item = Mapping[str, object]


def _best(probabilities: Sequence[float]) -> tuple[int, float]:
    index = max(range(len(probabilities)), key=lambda i: probabilities[i])
    return index, probabilities[index]


def rates(
    items: Sequence[Item], probabilities: Sequence[Sequence[float]], threshold: float
) -> tuple[float, float]:
    """(answered right among answerable, abstained among unanswerable) at `threshold`."""
    right = abstained = answerable = unanswerable = 0
    for item, scores in zip(items, probabilities, strict=True):
        index, best = _best(scores)
        if item["answer"] is None:
            unanswerable += 1
            abstained += best < threshold
        else:
            answerable += 1
            right += index == item["answer"] and best >= threshold
    return right / max(1, answerable), abstained / max(1, unanswerable)


def choose_threshold(items: Sequence[Item], probabilities: Sequence[Sequence[float]]) -> float:
    """The threshold with the best mean of the two rates; among ties, the middle one."""
    candidates = sorted({round(_best(p)[1], 4) for p in probabilities} | {0.5})
    means = [sum(rates(items, probabilities, t)) / 2 for t in candidates]
    best = max(means)
    tied = [t for t, m in zip(candidates, means, strict=True) if m == best]
    return tied[len(tied) // 2]


def question_figures(
    items: Sequence[Item], probabilities: Sequence[Sequence[float]], threshold: float
) -> dict[str, float | int]:
    answerable = [
        (i, p) for i, p in zip(items, probabilities, strict=True) if i["answer"] is not None
    ]
    top1 = sum(_best(p)[0] == i["answer"] for i, p in answerable) / max(1, len(answerable))
    right, abstained = rates(items, probabilities, threshold)
    candidates = sorted({_best(p)[1] for p in probabilities} | {0.0, 1.01})
    best_mean = max(sum(rates(items, probabilities, t)) / 2 for t in candidates)
    return {
        "questions": len(items),
        "answerable": len(answerable),
        "top1": round(top1, 4),
        "answered_right_at_threshold": round(right, 4),
        "abstained_at_threshold": round(abstained, 4),
        "mean_at_threshold": round((right + abstained) / 2, 4),
        "best_mean": round(best_mean, 4),
    }
