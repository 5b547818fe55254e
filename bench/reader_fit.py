"""Fit how the reader joins the engine, held out, and print what it wins: engine alone, reader
alone, both.

Usage: python bench/reader_fit.py [--cache FILE] [--no-squad]

For every question the engine ranks its candidates on words and meaning alone
(`Matcher(reading=False)`), and the reader (`factbot.index.reader`) reads the best
CANDIDATES_READ of them. Then, with each group left out in turn (the incident article with its
chat questions, story-dev, the SQuAD articles three at a time, the off-topic halves), on the
other groups:

- the rank weight: the reader's log-odds times it are added to each read candidate's score
  (0 is the engine alone; a large weight is the reader alone over the engine's candidates),
  chosen for the best mean top-1 of the families (incident, SQuAD, story-dev when not held out);
- the confidence: logistic regression of "the quote chosen holds the answer" on the engine's
  confidence (as log-odds) and the reader's log-odds for that quote;
- the answer threshold: the lowest with at most MAX_WRONG_SHARE of replies 1 wrong on the
  product's kind of questions (everything but SQuAD), as bench/closest.py;
- the closest floor, as bench/closest.py.

The group left out is scored with what was fitted without it. The last lines print the values
to ship, fitted on every group but story-dev, so that story-dev stays a set they never saw.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from benchsets import STORY_DIR, Question, all_sets, build_incident, build_story, collected
from calibrate import fold_of
from closest import MAX_WRONG_SHARE, offtopic_questions

from factbot.answering.closest import topic_weight
from factbot.answering.matcher import Matcher
from factbot.answering.reading import logit, read_confidence
from factbot.index.reader import default_reader
from factbot.store.database import connect

CANDIDATES_READ = 8
RANK_WEIGHTS = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 100.0]
READ_COUNTS = [1, 2, 3, 5, 8]
CANDIDATE_THRESHOLDS = [round(0.01 * i, 2) for i in range(5, 100)]
CANDIDATE_FLOORS = [round(0.1 * i, 1) for i in range(0, 81)]


@dataclass(frozen=True)
class Read:
    """One question: its best candidates as the engine ranked them, each with what it offers."""

    question: Question
    group: str
    engine_confidence: float
    scores: tuple[float, ...]
    right: tuple[bool, ...]
    logits: tuple[float, ...]
    weights: tuple[float, ...]  # topic weight (closest.py)

    @property
    def family(self) -> str:
        if self.question.set_name.startswith("offtopic"):
            return "offtopic"
        return "incident" if self.question.set_name.startswith("incident") else self.question.set_name

    def top(self, rank_weight: float, read: int) -> int | None:
        """The index of the candidate ranked first once the reader's say is added."""
        if not self.scores:
            return None
        head = range(min(read, len(self.scores)))
        return max(head, key=lambda i: (self.scores[i] + rank_weight * self.logits[i], -i))


def collect(sets: Sequence[tuple[Path, Sequence[Question]]]) -> list[Read]:
    reader = default_reader()
    found = []
    for db_path, questions in sets:
        matcher = Matcher(connect(db_path, readonly=True), reading=False)
        for question in questions:
            analysed = matcher.analyse(question.text)
            ranking = matcher.rank(analysed, limit=CANDIDATES_READ)
            candidates = ranking.candidates
            group = question.group if question.group.startswith("offtopic") else fold_of(question.group)
            found.append(
                Read(
                    question,
                    group,
                    ranking.confidence,
                    tuple(c.score for c in candidates),
                    tuple(
                        question.answerable and question.right_passage(c.text, c.source_id)
                        for c in candidates
                    ),
                    tuple(reader.logits(question.text, [c.text for c in candidates])),
                    tuple(topic_weight(matcher, analysed, c) for c in candidates),
                )
            )
    return found


@dataclass(frozen=True)
class Joined:
    rank_weight: float
    read: int
    confidence: tuple[float, float, float]  # bias, engine, reader
    threshold: float
    floor: float

    def outcome(self, item: Read) -> tuple[float, bool, float | None]:
        """(confidence, quote right, topic weight) of the quote the joined system picks."""
        top = item.top(self.rank_weight, self.read)
        if top is None:
            return 0.0, False, None
        bias, engine, reader = self.confidence
        weights = {"bias": bias, "engine": engine, "reader": reader}
        confidence = read_confidence(item.engine_confidence, item.logits[top], weights)
        return confidence, item.right[top], item.weights[top]


def family_top1(items: Sequence[Read], rank_weight: float, read: int) -> float:
    shares = []
    for family in sorted({i.family for i in items} - {"offtopic"}):
        answerable = [i for i in items if i.family == family and i.question.answerable]
        if answerable:
            hits = [(t := i.top(rank_weight, read)) is not None and i.right[t] for i in answerable]
            shares.append(sum(hits) / len(answerable))
    return statistics.mean(shares) if shares else 0.0


def fit_confidence(items: Sequence[Read], rank_weight: float, read: int) -> tuple[float, float, float]:
    """Logistic regression (Newton, light L2) of "the chosen quote holds the answer"."""
    rows, labels = [], []
    for item in items:
        top = item.top(rank_weight, read)
        if top is None:
            continue
        rows.append([1.0, logit(item.engine_confidence), item.logits[top]])
        labels.append(float(item.right[top]))
    x, y = np.array(rows), np.array(labels)
    w = np.zeros(3)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + 0.01 * w
        hessian = (x.T * (p * (1 - p))) @ x + 0.01 * np.eye(3)
        w -= np.linalg.solve(hessian, gradient)
    return float(w[0]), float(w[1]), float(w[2])


def fit_threshold(items: Sequence[Read], joined: Joined) -> float:
    product = [i for i in items if i.family != "squad"]
    outcomes = [(*joined.outcome(i), i.question.answerable) for i in product]
    for threshold in CANDIDATE_THRESHOLDS:
        answered = [(right and answerable) for c, right, _, answerable in outcomes if c >= threshold]
        if not answered or answered.count(False) <= MAX_WRONG_SHARE * len(answered):
            return threshold
    return CANDIDATE_THRESHOLDS[-1]


def fit_floor(items: Sequence[Read], joined: Joined) -> float:
    def quality(floor: float) -> float:
        reachable, offtopic = [], []
        for item in items:
            confidence, right, weight = joined.outcome(item)
            if confidence >= joined.threshold or weight is None:
                continue
            if right:
                reachable.append(weight >= floor)
            if item.family == "offtopic":
                offtopic.append(weight < floor)
        shares = [sum(s) / len(s) for s in (reachable, offtopic) if s]
        return statistics.mean(shares) if shares else 0.0

    return max(CANDIDATE_FLOORS, key=lambda f: (quality(f), f))


def fit(items: Sequence[Read], rank_weight: float | None = None, read: int | None = None) -> Joined:
    """Everything fitted on `items`; `rank_weight`/`read` fixed when given (the ablations)."""
    weights = RANK_WEIGHTS if rank_weight is None else [rank_weight]
    reads = READ_COUNTS if read is None else [read]
    best_weight, best_read = max(
        ((w, r) for w in weights for r in reads),
        key=lambda pair: (family_top1(items, *pair), -pair[1], -pair[0]),
    )
    confidence = fit_confidence(items, best_weight, best_read)
    joined = Joined(best_weight, best_read, confidence, 0.5, 0.0)
    joined = Joined(best_weight, best_read, confidence, fit_threshold(items, joined), 0.0)
    return Joined(best_weight, best_read, confidence, joined.threshold, fit_floor(items, joined))


def engine_alone(items: Sequence[Read]) -> Joined:
    """The engine's own ranking and confidence, with threshold and floor fitted the same way."""
    joined = Joined(0.0, 1, (0.0, 1.0, 0.0), 0.5, 0.0)
    joined = Joined(0.0, 1, (0.0, 1.0, 0.0), fit_threshold(items, joined), 0.0)
    return Joined(0.0, 1, (0.0, 1.0, 0.0), joined.threshold, fit_floor(items, joined))


def report(name: str, items: Sequence[Read], joined: Joined) -> str:
    answerable = [i for i in items if i.question.answerable]
    unanswerable = [i for i in items if not i.question.answerable]
    outcomes = {id(i): joined.outcome(i) for i in items}
    top1 = sum(outcomes[id(i)][1] for i in answerable)
    answered = [i for i in items if outcomes[id(i)][0] >= joined.threshold and outcomes[id(i)][2] is not None]
    answered_ids = {id(i) for i in answered}
    right = sum(outcomes[id(i)][1] for i in answered if i.question.answerable)
    wrong = len(answered) - right
    abstained = sum(id(i) not in answered_ids for i in unanswerable)
    parts = [f"top-1 {top1}/{len(answerable)}" if answerable else "top-1 -"]
    if answerable:
        parts.append(f"answered right {right}/{len(answerable)} ({right / len(answerable):.0%})")
    if unanswerable:
        parts.append(f"abstained {abstained}/{len(unanswerable)} ({abstained / len(unanswerable):.0%})")
    parts.append(f"wrong replies 1 {wrong}/{len(answered)}")
    closest = [
        i
        for i in items
        if id(i) not in answered_ids and (w := outcomes[id(i)][2]) is not None and w >= joined.floor
    ]
    closest_ids = {id(i) for i in closest}
    holding = sum(outcomes[id(i)][1] for i in closest)
    parts.append(f"closest {len(closest)} (holding {holding})")
    reach = [i for i in answerable if outcomes[id(i)][1]]
    reached = sum(id(i) in answered_ids or id(i) in closest_ids for i in reach)
    if reach:
        parts.append(f"right best quote reaching the asker {reached}/{len(reach)}")
    return f"{name:14} " + " | ".join(parts)


def squad_best_mean(items: Sequence[Read], joined: Joined) -> float:
    """Best mean of answered-right and abstained over thresholds (chosen on the set: an upper
    bound, as accuracy.py's 'best threshold')."""
    answerable = [i for i in items if i.question.answerable]
    unanswerable = [i for i in items if not i.question.answerable]
    if not answerable or not unanswerable:
        return 0.0
    right = sorted((o[0], o[1]) for o in map(joined.outcome, answerable))
    wrong = sorted(joined.outcome(i)[0] for i in unanswerable)
    best = 0.0
    for threshold in sorted({c for c, _ in right} | set(wrong)):
        hits = sum(1 for c, r in right if c >= threshold and r)
        abstained = sum(1 for c in wrong if c < threshold)
        best = max(best, (hits / len(answerable) + abstained / len(unanswerable)) / 2)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, help="keep what was read in this file")
    parser.add_argument("--no-squad", action="store_true")
    args = parser.parse_args()
    if not STORY_DIR.is_dir():
        sys.exit(f"bench/reader_fit.py needs the story-dev set at {STORY_DIR} (../shared beside the clone).")
    with tempfile.TemporaryDirectory() as tmp:
        sets = all_sets(Path(tmp), with_squad=not args.no_squad)
        sets.append((build_incident(Path(tmp) / "off"), offtopic_questions("offtopic-incident")))
        sets.append((build_story(Path(tmp) / "off"), offtopic_questions("offtopic-story")))
        items = collected(sets, collect, args.cache)
    systems = {
        "engine alone": engine_alone,
        "reader alone": lambda train: fit(train, rank_weight=100.0, read=CANDIDATES_READ),
        "both": fit,
    }
    for name, fitter in systems.items():
        print(f"== {name} (each group scored with what was fitted without it)")
        for group in sorted({i.group for i in items}):
            train = [i for i in items if i.group != group]
            held = [i for i in items if i.group == group]
            joined = fitter(train)
            line = report(group, held, joined)
            if group.startswith("squad"):
                line += f" | best mean {squad_best_mean(held, joined):.3f}"
            print(
                f"{line}  [rank weight {joined.rank_weight}, read {joined.read}, "
                f"threshold {joined.threshold}, floor {joined.floor}]"
            )
    shipped = fit([i for i in items if i.family != "story-dev"])
    bias, engine, reader = shipped.confidence
    print()
    print("to ship (fitted on every group but story-dev):")
    print(f"READER_CANDIDATES = {shipped.read}")
    print(f"READER_RANK_WEIGHT = {shipped.rank_weight}")
    print(f'READER_CONFIDENCE = {{"bias": {bias:.3f}, "engine": {engine:.3f}, "reader": {reader:.3f}}}')
    print(f"DEFAULT_MIN_CONFIDENCE = {shipped.threshold}")
    print(f"CLOSEST_FLOOR = {shipped.floor}")


if __name__ == "__main__":
    main()
